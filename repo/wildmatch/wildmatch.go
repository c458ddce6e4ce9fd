// Package wildmatch is git's wildmatch: the glob dialect of .gitignore,
// .gitattributes, pathspecs and ref patterns, with git's flags. It follows
// git's wildmatch.c step by step (including its early "abort" results,
// which keep pathological patterns linear), so that a pattern selects the
// same paths in easel as in git.
package wildmatch

// Flags change how a pattern matches.
type Flags uint

const (
	// PathName makes '*' and '?' stop at '/', and "**" between slashes
	// match any number of directories (WM_PATHNAME).
	PathName Flags = 1 << iota
	// CaseFold compares ASCII letters without regard to case
	// (WM_CASEFOLD, core.ignorecase).
	CaseFold
)

type result int

const (
	match result = iota
	noMatch
	abortAll        // no later '*' can make the rest match
	abortToStarStar // only a "**" earlier in the pattern can help
)

// Match reports whether text matches pattern.
func Match(pattern, text string, flags Flags) bool {
	return dowild(pattern, text, flags) == match
}

// at returns s[i], or 0 past its end (C's terminating NUL).
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLower(c byte) bool { return c >= 'a' && c <= 'z' }
func toLower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}
func toUpper(c byte) byte {
	if isLower(c) {
		return c - ('a' - 'A')
	}
	return c
}

func isGlobSpecial(c byte) bool {
	return c == '*' || c == '?' || c == '[' || c == '\\'
}

func indexSlash(s string, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func dowild(pat, text string, flags Flags) result {
	p, t := 0, 0
	for ; at(pat, p) != 0; t, p = t+1, p+1 {
		pc := pat[p]
		tc := at(text, t)
		if tc == 0 && pc != '*' {
			return abortAll
		}
		if flags&CaseFold != 0 {
			tc, pc = toLower(tc), toLower(pc)
		}
		switch pc {
		case '\\':
			// A literal match with the next character; a trailing
			// backslash matches nothing.
			// (git does not fold the escaped character's case.)
			p++
			pc = at(pat, p)
			if tc != pc {
				return noMatch
			}
			continue
		default:
			if tc != pc {
				return noMatch
			}
			continue
		case '?':
			if flags&PathName != 0 && tc == '/' {
				return noMatch
			}
			continue
		case '*':
			var matchSlash bool
			p++
			if at(pat, p) == '*' {
				prev := p - 2
				for p++; at(pat, p) == '*'; p++ {
				}
				if (prev < 0 || pat[prev] == '/') &&
					(at(pat, p) == 0 || at(pat, p) == '/' || (at(pat, p) == '\\' && at(pat, p+1) == '/')) {
					// "foo/**/bar" matches "foo/bar" too: try
					// the "**/" as matching nothing first.
					if at(pat, p) == '/' && dowild(pat[p+1:], text[t:], flags) == match {
						return match
					}
					matchSlash = true
				} else {
					matchSlash = false // "**" not between slashes is '*'
				}
			} else {
				matchSlash = flags&PathName == 0
			}
			if at(pat, p) == 0 {
				// A trailing "**" matches everything, a trailing
				// '*' only what has no more slashes.
				if !matchSlash && indexSlash(text, t) >= 0 {
					return noMatch
				}
				return match
			} else if !matchSlash && pat[p] == '/' {
				// One '*' then a slash: the rest of this
				// directory name.
				s := indexSlash(text, t)
				if s < 0 {
					return noMatch
				}
				t = s
				break // the slash is consumed by the loop
			}
			for {
				if tc == 0 {
					break
				}
				// Skip ahead to the literal that follows the '*'
				// (not past a slash unless '*' may cross it).
				if !isGlobSpecial(at(pat, p)) {
					lc := at(pat, p)
					if flags&CaseFold != 0 {
						lc = toLower(lc)
					}
					for {
						tc = at(text, t)
						if tc == 0 || (!matchSlash && tc == '/') {
							break
						}
						if flags&CaseFold != 0 {
							tc = toLower(tc)
						}
						if tc == lc {
							break
						}
						t++
					}
					if tc != lc {
						return noMatch
					}
				}
				if m := dowild(pat[p:], text[t:], flags); m != noMatch {
					if !matchSlash || m != abortToStarStar {
						return m
					}
				} else if !matchSlash && tc == '/' {
					return abortToStarStar
				}
				t++
				tc = at(text, t)
				if flags&CaseFold != 0 {
					tc = toLower(tc)
				}
			}
			return abortAll
		case '[':
			p++
			pc = at(pat, p)
			if pc == '^' {
				pc = '!'
			}
			negated := pc == '!'
			if negated {
				p++
				pc = at(pat, p)
			}
			var prev byte
			matched := false
			for {
				if pc == 0 {
					return abortAll
				}
				switch {
				case pc == '\\':
					p++
					pc = at(pat, p)
					if pc == 0 {
						return abortAll
					}
					if tc == pc {
						matched = true
					}
				case pc == '-' && prev != 0 && at(pat, p+1) != 0 && at(pat, p+1) != ']':
					p++
					pc = at(pat, p)
					if pc == '\\' {
						p++
						pc = at(pat, p)
						if pc == 0 {
							return abortAll
						}
					}
					if tc <= pc && tc >= prev {
						matched = true
					} else if flags&CaseFold != 0 && isLower(tc) {
						if u := toUpper(tc); u <= pc && u >= prev {
							matched = true
						}
					}
					pc = 0 // so that prev becomes 0
				case pc == '[' && at(pat, p+1) == ':':
					p += 2
					s := p
					for at(pat, p) != 0 && at(pat, p) != ']' {
						p++
					}
					if at(pat, p) == 0 {
						return abortAll
					}
					i := p - s - 1
					if i < 0 || pat[p-1] != ':' {
						// No ":]": an ordinary '[' in the set.
						p = s - 2
						pc = '['
						if tc == pc {
							matched = true
						}
						prev = pc
						p++
						pc = at(pat, p)
						if pc == ']' {
							goto classDone
						}
						continue
					}
					ok, known := inClass(pat[s:s+i], tc, flags)
					if !known {
						return abortAll // a malformed [:class:]
					}
					if ok {
						matched = true
					}
					pc = 0
				default:
					if tc == pc {
						matched = true
					}
				}
				prev = pc
				p++
				pc = at(pat, p)
				if pc == ']' {
					break
				}
			}
		classDone:
			if matched == negated || (flags&PathName != 0 && tc == '/') {
				return noMatch
			}
			continue
		}
	}
	if t < len(text) {
		return noMatch
	}
	return match
}

// inClass tests c against a POSIX class name; known is false for a name
// git does not know.
func inClass(name string, c byte, flags Flags) (ok, known bool) {
	isDigit := c >= '0' && c <= '9'
	isAlpha := isUpper(c) || isLower(c)
	switch name {
	case "alnum":
		return isAlpha || isDigit, true
	case "alpha":
		return isAlpha, true
	case "blank":
		return c == ' ' || c == '\t', true
	case "cntrl":
		return c < 0x20 || c == 0x7f, true
	case "digit":
		return isDigit, true
	case "graph":
		return c > 0x20 && c < 0x7f, true
	case "lower":
		return isLower(c), true
	case "print":
		return c >= 0x20 && c < 0x7f, true
	case "punct":
		return c > 0x20 && c < 0x7f && !isAlpha && !isDigit, true
	case "space":
		return c == ' ' || (c >= '\t' && c <= '\r'), true
	case "upper":
		return isUpper(c) || (flags&CaseFold != 0 && isLower(c)), true
	case "xdigit":
		return isDigit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'), true
	}
	return false, false
}
