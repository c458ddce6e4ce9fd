package repo

import "strings"

// trailerTokens are the trailer names configured with trailer.<token>.*
// (their key or the subsection), which count as trailers git knows.
func (r *Repository) trailerTokens() []string {
	vals, err := r.ConfigValues()
	if err != nil {
		return nil
	}
	var out []string
	for _, v := range vals {
		if !strings.HasPrefix(v.Key, "trailer.") {
			continue
		}
		rest := strings.TrimPrefix(v.Key, "trailer.")
		i := strings.LastIndexByte(rest, '.')
		if i <= 0 {
			continue
		}
		sub, name := rest[:i], rest[i+1:]
		if name == "key" {
			out = append(out, strings.TrimRight(v.Value, ":= "))
		}
		out = append(out, sub)
	}
	return out
}
