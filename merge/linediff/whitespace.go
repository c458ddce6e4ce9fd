package linediff

import "strings"

// Flags say which whitespace differences make two lines differ not, as
// git's -w, -b, --ignore-space-at-eol and --ignore-cr-at-eol do
// (xdiff's XDF_IGNORE_* flags).
type Flags uint8

const (
	// IgnoreAllSpace is -w: whitespace anywhere does not count.
	IgnoreAllSpace Flags = 1 << iota
	// IgnoreSpaceChange is -b: a run of whitespace equals any other run,
	// and whitespace at the end of a line does not count.
	IgnoreSpaceChange
	// IgnoreSpaceAtEOL is --ignore-space-at-eol.
	IgnoreSpaceAtEOL
	// IgnoreCRAtEOL is --ignore-cr-at-eol: a carriage return before the
	// newline does not count.
	IgnoreCRAtEOL
)

// isSpace is git's isspace: space, tab, newline and carriage return
// (not vertical tab or form feed).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Key is what a line is compared by under f: the characters xdiff feeds
// its line hash (xdl_hash_record_with_whitespace), so lines with equal
// keys are the lines git matches. Without flags it is the line itself,
// newline included.
func (f Flags) Key(line string) string {
	if f == 0 {
		return line
	}
	if f == IgnoreCRAtEOL {
		// Only a CR that ends a complete line is dropped.
		if s, ok := strings.CutSuffix(line, "\n"); ok {
			return strings.TrimSuffix(s, "\r")
		}
		return line
	}
	s := strings.TrimSuffix(line, "\n")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isSpace(c) {
			b.WriteByte(c)
			continue
		}
		j := i
		for j+1 < len(s) && isSpace(s[j+1]) {
			j++
		}
		atEOL := j+1 >= len(s)
		switch {
		case f&IgnoreAllSpace != 0:
		case f&IgnoreSpaceChange != 0:
			if !atEOL {
				b.WriteByte(' ')
			}
		case f&IgnoreSpaceAtEOL != 0:
			if !atEOL {
				b.WriteString(s[i : j+1])
			}
		default:
			b.WriteString(s[i : j+1])
		}
		i = j
	}
	return b.String()
}

// Keys maps lines to their keys (the lines themselves when f is zero).
func (f Flags) Keys(lines []string) []string {
	if f == 0 {
		return lines
	}
	keys := make([]string, len(lines))
	for i, l := range lines {
		keys[i] = f.Key(l)
	}
	return keys
}

// Blank is xdiff's xdl_blankline, what --ignore-blank-lines ignores:
// without whitespace flags a line of at most one byte (an empty line, or
// a last line of one character and no newline, as git counts it), with
// them a line of only whitespace.
func (f Flags) Blank(line string) bool {
	if f == 0 {
		return len(line) <= 1
	}
	for i := 0; i < len(line); i++ {
		if !isSpace(line[i]) {
			return false
		}
	}
	return true
}
