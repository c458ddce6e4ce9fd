package pretty

import (
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ansiLen is the length of the colour sequence ("\x1b[...m") at the start
// of s, 0 when there is none (git's display_mode_esc_sequence_len).
func ansiLen(s string) int {
	if len(s) < 2 || s[0] != '\x1b' || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case c >= '0' && c <= '9', c == ';':
		default:
			return 0
		}
	}
	return 0
}

// runeWidth is the columns r takes on a terminal: 2 for wide East Asian
// characters, 0 for combining marks and control characters.
func runeWidth(r rune) int {
	switch {
	case r < 32 || r >= 0x7f && r < 0xa0:
		return 0
	case r < 0x300:
		return 1
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) && r != 0xad, r >= 0x1160 && r <= 0x11ff, r == 0x200b:
		return 0
	}
	if isWide(r) {
		return 2
	}
	return 1
}

// isWide reports East Asian wide and fullwidth characters, the ranges of
// Markus Kuhn's wcwidth that git uses.
func isWide(r rune) bool {
	return r >= 0x1100 && (r <= 0x115f || r == 0x2329 || r == 0x232a ||
		(r >= 0x2e80 && r <= 0xa4cf && r != 0x303f) ||
		(r >= 0xac00 && r <= 0xd7a3) ||
		(r >= 0xf900 && r <= 0xfaff) ||
		(r >= 0xfe10 && r <= 0xfe19) ||
		(r >= 0xfe30 && r <= 0xfe6f) ||
		(r >= 0xff00 && r <= 0xff60) ||
		(r >= 0xffe0 && r <= 0xffe6) ||
		(r >= 0x1f300 && r <= 0x1f64f) ||
		(r >= 0x1f900 && r <= 0x1f9ff) ||
		(r >= 0x20000 && r <= 0x2fffd) ||
		(r >= 0x30000 && r <= 0x3fffd))
}

// DisplayWidth is the columns s takes on a terminal, colour sequences
// left out (git's utf8_strnwidth); text that is not UTF-8 counts a column
// a byte.
func DisplayWidth(s string) int {
	w := 0
	for i := 0; i < len(s); {
		if s[i] == '\x1b' {
			if n := ansiLen(s[i:]); n > 0 {
				i += n
				continue
			}
		}
		if s[i] < utf8.RuneSelf {
			if s[i] >= 32 && s[i] != 0x7f {
				w++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return len(s)
		}
		w += runeWidth(r)
		i += n
	}
	return w
}

// replaceColumns replaces the characters of s that start in columns
// [pos, pos+n) by subst, keeping colour sequences (git's
// strbuf_utf8_replace).
func replaceColumns(s string, pos, n int, subst string) string {
	var b strings.Builder
	w := 0
	for i := 0; i < len(s); {
		if l := ansiLen(s[i:]); l > 0 {
			b.WriteString(s[i : i+l])
			i += l
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return s
		}
		cw := runeWidth(r)
		if cw != 0 && w >= pos && w < pos+n {
			b.WriteString(subst)
			subst = ""
			w += cw
			i += size
			continue
		}
		b.WriteString(s[i : i+size])
		w += cw
		i += size
	}
	return b.String()
}

// WrapText writes text wrapped at width columns, the first line indented
// by indent1 spaces and the others by indent2, as git's
// strbuf_add_wrapped_text does for %w and shortlog -w: a single newline
// in the text joins the lines unless the next one starts with other than
// a letter or digit; a blank line is kept. A width of 0 only indents.
func WrapText(b *strings.Builder, text string, indent1, indent2, width int) {
	if width <= 0 {
		indent := max(indent1, 0)
		for text != "" {
			eol := strings.IndexByte(text, '\n') + 1
			if eol == 0 {
				eol = len(text)
			}
			b.WriteString(strings.Repeat(" ", indent))
			b.WriteString(text[:eol])
			text = text[eol:]
			indent = indent2
		}
		return
	}
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' }
	isAlnum := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	at := func(i int) byte {
		if i < len(text) {
			return text[i]
		}
		return 0
	}
	bol, pos := 0, 0
	w, indent := indent1, indent1
	space := -1
	if indent < 0 {
		w, space = -indent, 0
	}
	for {
		for pos < len(text) {
			n := ansiLen(text[pos:])
			if n == 0 {
				break
			}
			pos += n
		}
		c := at(pos)
		if c == 0 || isSpace(c) {
			if w <= width || space < 0 {
				start := bol
				if c == 0 && pos == start {
					return
				}
				if space >= 0 {
					start = space
				} else {
					b.WriteString(strings.Repeat(" ", max(indent, 0)))
				}
				b.WriteString(text[start:pos])
				if c == 0 {
					return
				}
				space = pos
				newLine := false
				switch {
				case c == '\t':
					w |= 7
				case c == '\n':
					space++
					switch {
					case at(space) == '\n':
						b.WriteByte('\n')
						newLine = true
					case !isAlnum(at(space)):
						newLine = true
					default:
						b.WriteByte(' ')
					}
				}
				if !newLine {
					w++
					pos++
					continue
				}
			}
			b.WriteByte('\n')
			bol = space
			if isSpace(at(space)) {
				bol++
			}
			pos, space = bol, -1
			w, indent = indent2, indent2
			continue
		}
		r, n := utf8.DecodeRuneInString(text[pos:])
		if r == utf8.RuneError && n == 1 {
			w++
		} else {
			w += runeWidth(r)
		}
		pos += n
	}
}

// TermColumns is the width of the terminal as git assumes it: $COLUMNS,
// else 80.
func TermColumns() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return 80
}

// SanitizedSubject is the subject as %f prints it (a file name): runs of
// characters other than letters, digits, '.' and '_' become one '-',
// runs of dots one dot, and trailing dots and dashes go.
func SanitizedSubject(msg string) string {
	subj := msg
	for strings.HasPrefix(subj, "\n") {
		subj = subj[1:]
	}
	if i := strings.IndexByte(subj, '\n'); i >= 0 {
		subj = subj[:i]
	}
	var b strings.Builder
	space := 2
	for i := 0; i < len(subj); i++ {
		c := subj[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' {
			if space == 1 {
				b.WriteByte('-')
			}
			space = 0
			b.WriteByte(c)
			for c == '.' && i+1 < len(subj) && subj[i+1] == '.' {
				i++
			}
		} else {
			space |= 1
		}
	}
	return strings.TrimRight(b.String(), ".-")
}
