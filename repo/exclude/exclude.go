// Package exclude is git's ignore-pattern matching (dir.c): the patterns of
// .gitignore, .git/info/exclude, core.excludesFile and clean's -e, matched
// as git matches them. Each pattern is classified once when it is read, as
// git does, so that the common kinds cost a byte comparison: a literal
// ("/git-add", "Makefile"), "*.ext", a literal prefix before the first
// wildcard; only the rest goes through wildmatch.
//
// A pattern is matched against one path; whether a leading directory of
// the path is excluded (which excludes everything below it) is the
// caller's walk (see Stack).
package exclude

import (
	"bytes"
	"strings"

	"easel.dev/easel/repo/wildmatch"
)

// Pattern is one line of an ignore file.
type Pattern struct {
	text     string // without "!", the trailing "/" and, for a path pattern, the leading "/"
	base     string // directory of the file holding it, "" or ending in "/"
	prefix   int    // length of text before its first wildcard character
	negative bool   // "!pattern": a match re-includes
	mustDir  bool   // "pattern/": directories only
	noDir    bool   // no "/" inside: matched against the base name
	endsWith bool   // "*literal": a base name ending in text[1:]
}

// Negative reports whether the pattern re-includes what it matches.
func (p *Pattern) Negative() bool { return p.negative }

// Parse reads the patterns of an ignore file's text; base is the
// directory holding the file, relative to the top of the work tree
// ("" for the top, else "dir" or "dir/"). As git's
// add_patterns_from_buffer: a UTF-8 byte order mark is skipped, lines end
// at "\n" (a "\r" before it is dropped), empty lines and lines starting
// with "#" hold nothing, and unescaped trailing spaces are dropped.
func Parse(data []byte, base string) []Pattern {
	if base != "" && !strings.HasSuffix(base, "/") {
		base += "/"
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var ps []Pattern
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		s := trimTrailingSpaces(string(line))
		if s == "" {
			continue // matches nothing in git either
		}
		ps = append(ps, newPattern(s, base))
	}
	return ps
}

// trimTrailingSpaces drops trailing spaces that no backslash escapes
// (dir.c's trim_trailing_spaces).
func trimTrailingSpaces(s string) string {
	lastSpace := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			if lastSpace < 0 {
				lastSpace = i
			}
		case '\\':
			i++
			if i == len(s) {
				return s
			}
			lastSpace = -1
		default:
			lastSpace = -1
		}
	}
	if lastSpace >= 0 {
		return s[:lastSpace]
	}
	return s
}

// newPattern classifies one pattern (dir.c's parse_path_pattern).
func newPattern(s, base string) Pattern {
	p := Pattern{base: base}
	if s[0] == '!' {
		p.negative = true
		s = s[1:]
	}
	if strings.HasSuffix(s, "/") {
		p.mustDir = true
		s = s[:len(s)-1]
	}
	p.noDir = !strings.Contains(s, "/")
	p.prefix = simpleLength(s)
	if len(s) > 0 && s[0] == '*' && simpleLength(s[1:]) == len(s)-1 {
		p.endsWith = true
	}
	if !p.noDir && strings.HasPrefix(s, "/") {
		// match_pathname: the pattern is anchored at its base.
		s = s[1:]
		p.prefix--
	}
	p.text = s
	return p
}

// simpleLength is the length of s before its first glob character.
func simpleLength(s string) int {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\':
			return i
		}
	}
	return len(s)
}

// Match reports whether path (slash-separated, relative to the top of the
// work tree) matches the pattern; isDir says whether it is a directory.
// fold is core.ignoreCase: ASCII letters compare without regard to case.
// The result does not depend on whether the pattern is negative.
func (p *Pattern) Match(path string, isDir, fold bool) bool {
	if p.mustDir && !isDir {
		return false
	}
	if p.noDir {
		if p.base != "" && !hasPrefix(path, p.base, fold) {
			return false
		}
		return p.matchBasename(path[strings.LastIndexByte(path, '/')+1:], fold)
	}
	return p.matchPathname(path, fold)
}

// matchBasename is dir.c's match_basename.
func (p *Pattern) matchBasename(name string, fold bool) bool {
	switch {
	case p.prefix == len(p.text):
		return len(name) == len(p.text) && equal(name, p.text, fold)
	case p.endsWith:
		lit := p.text[1:]
		return len(lit) <= len(name) && equal(name[len(name)-len(lit):], lit, fold)
	}
	return wildmatch.Match(p.text, name, flags(0, fold))
}

// matchPathname is dir.c's match_pathname: the pattern, anchored at its
// base, against the whole path, '*' not crossing '/'.
func (p *Pattern) matchPathname(path string, fold bool) bool {
	if p.base != "" {
		if len(path) < len(p.base) || !hasPrefix(path, p.base, fold) {
			return false
		}
		path = path[len(p.base):]
	}
	text := p.text
	if p.prefix > 0 {
		if p.prefix > len(path) || !equal(path[:p.prefix], text[:p.prefix], fold) {
			return false
		}
		if p.prefix == len(text) {
			return len(path) == len(text)
		}
		text, path = text[p.prefix:], path[p.prefix:]
	}
	return wildmatch.Match(text, path, flags(wildmatch.PathName, fold))
}

func flags(f wildmatch.Flags, fold bool) wildmatch.Flags {
	if fold {
		f |= wildmatch.CaseFold
	}
	return f
}

func hasPrefix(s, prefix string, fold bool) bool {
	return len(s) >= len(prefix) && equal(s[:len(prefix)], prefix, fold)
}

// equal compares two strings of the same length, folding ASCII case when
// fold is set (git's fspathncmp).
func equal(a, b string, fold bool) bool {
	if !fold {
		return a == b
	}
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x != y {
			if 'A' <= x && x <= 'Z' {
				x += 'a' - 'A'
			}
			if 'A' <= y && y <= 'Z' {
				y += 'a' - 'A'
			}
			if x != y {
				return false
			}
		}
	}
	return true
}

// Last returns the last pattern of ps that matches path, or nil: the one
// that decides, as git reads a list from its end.
func Last(ps []Pattern, path string, isDir, fold bool) *Pattern {
	for i := len(ps) - 1; i >= 0; i-- {
		if ps[i].Match(path, isDir, fold) {
			return &ps[i]
		}
	}
	return nil
}
