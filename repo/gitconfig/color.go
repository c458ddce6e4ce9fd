package gitconfig

import (
	"errors"
	"strconv"
	"strings"
	"sync"
)

// Approxidate reads a relative or absolute date into a Unix time, for
// --type=expiry-date; the repository package supplies git's approxidate.
var Approxidate func(string) (int64, bool)

func approxidate(v string) (int64, bool) {
	if Approxidate == nil {
		return 0, false
	}
	return Approxidate(v)
}

var errColor = errors.New("bad color")

var colorNames = []string{"black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"}

// Built on first use rather than when the program starts.
var colorAttrs = sync.OnceValue(func() map[string]int {
	return map[string]int{"bold": 1, "dim": 2, "italic": 3, "ul": 4, "blink": 5, "reverse": 7, "strike": 9}
})

// ParseColor turns git's color words ("bold red blue", "#ff0000", "reset")
// into the ANSI escape sequence git prints for them.
func ParseColor(v string) (string, error) {
	words := strings.Fields(v)
	if len(words) == 0 {
		return "", nil
	}
	var codes []string
	colors := 0
	for _, w := range words {
		lw := strings.ToLower(w)
		if lw == "reset" {
			codes = append(codes, "")
			continue
		}
		neg := false
		a := lw
		if strings.HasPrefix(a, "no-") {
			neg, a = true, a[3:]
		} else if strings.HasPrefix(a, "no") && colorAttrs()[a[2:]] != 0 {
			neg, a = true, a[2:]
		}
		if n, ok := colorAttrs()[a]; ok {
			if neg {
				if n == 1 {
					n = 22 // no-bold, as no-dim
				} else {
					n += 20
				}
			}
			codes = append(codes, strconv.Itoa(n))
			continue
		}
		if colors >= 2 {
			return "", errColor
		}
		base := 30
		if colors == 1 {
			base = 40
		}
		code, ok := colorCode(lw, base)
		if !ok {
			return "", errColor
		}
		colors++
		if code != "" {
			codes = append(codes, code)
		}
	}
	// git puts attributes before colors.
	return "\x1b[" + strings.Join(codes, ";") + "m", nil
}

func colorCode(w string, base int) (string, bool) {
	switch w {
	case "normal":
		return "", true
	case "default":
		return strconv.Itoa(base + 9), true
	}
	bright := false
	if strings.HasPrefix(w, "bright") {
		bright, w = true, w[len("bright"):]
	}
	for i, n := range colorNames {
		if w == n {
			if bright {
				return strconv.Itoa(base + 60 + i), true
			}
			return strconv.Itoa(base + i), true
		}
	}
	if bright {
		return "", false
	}
	if strings.HasPrefix(w, "#") && len(w) == 7 {
		r, e1 := strconv.ParseUint(w[1:3], 16, 8)
		g, e2 := strconv.ParseUint(w[3:5], 16, 8)
		b, e3 := strconv.ParseUint(w[5:7], 16, 8)
		if e1 != nil || e2 != nil || e3 != nil {
			return "", false
		}
		return strconv.Itoa(base+8) + ";2;" + strconv.FormatUint(r, 10) + ";" + strconv.FormatUint(g, 10) + ";" + strconv.FormatUint(b, 10), true
	}
	if n, err := strconv.Atoi(w); err == nil && n >= -1 && n <= 255 {
		if n < 0 {
			return "", true
		}
		if n < 8 {
			return strconv.Itoa(base + n), true
		}
		return strconv.Itoa(base+8) + ";5;" + strconv.Itoa(n), true
	}
	return "", false
}
