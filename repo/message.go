package repo

import "strings"

// cleanupText is git's message clean-up (git stripspace): trailing
// whitespace is stripped from every line, blank lines at both ends are
// removed, runs of blank lines become one, and the result ends with one
// newline ("" if nothing is left). With stripComments, lines starting with
// '#' are dropped first, as for a message the person edited.
func cleanupText(msg string, stripComments bool) string {
	var out []string
	blank := false
	for _, l := range strings.Split(msg, "\n") {
		if stripComments && strings.HasPrefix(l, "#") {
			continue
		}
		l = strings.TrimRight(l, " \t\r\v\f")
		if l == "" {
			blank = len(out) > 0
			continue
		}
		if blank {
			out = append(out, "")
			blank = false
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}
