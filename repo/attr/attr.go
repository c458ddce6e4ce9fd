// Package attr answers which gitattributes apply to a path, with git's
// files, precedence, pattern rules and macros, so that every command that
// converts, diffs or merges content sees what git would see.
//
// Precedence, highest first: $GIT_DIR/info/attributes, then the
// .gitattributes of the path's own directory and of each directory above
// it up to the work tree's root, then core.attributesFile (by default
// $XDG_CONFIG_HOME/git/attributes), then the system file, then the
// built-in macro "binary". Within one file a later line overrides an
// earlier one. An attribute assigned by a higher source is never changed
// by a lower one, and a set macro ("binary") assigns its attributes where
// it is set, as git's attr.c fills them.
package attr

import (
	"bytes"
	"strings"

	"easel.dev/easel/repo/wildmatch"
)

// State is how an attribute stands for a path.
type State uint8

const (
	// Unspecified: nothing says anything of the attribute (or "!attr").
	Unspecified State = iota
	// Set: "attr".
	Set
	// Unset: "-attr".
	Unset
	// Valued: "attr=value".
	Valued
)

// Value is an attribute's state for a path, with its text when Valued.
type Value struct {
	State State
	Text  string
}

// String is the value as git check-attr prints it.
func (v Value) String() string {
	switch v.State {
	case Set:
		return "set"
	case Unset:
		return "unset"
	case Valued:
		return v.Text
	}
	return "unspecified"
}

// IsSet reports "attr" (set, not valued).
func (v Value) IsSet() bool { return v.State == Set }

// IsUnset reports "-attr".
func (v Value) IsUnset() bool { return v.State == Unset }

// assignment is one "attr", "-attr", "!attr" or "attr=value" of a line.
type assignment struct {
	name  string
	value Value
}

// line is one pattern line, or a macro definition.
type line struct {
	macro    string // the macro's name for "[attr]name ..." lines
	pattern  string
	noDir    bool // the pattern has no slash: it matches base names
	mustDir  bool // a trailing slash: it matches directories only
	endsWith bool // "*literal": a suffix compare
	literal  int  // length of the pattern's wildcard-free prefix
	assigns  []assignment
}

// File is one parsed attributes file.
type File struct {
	base  string // directory it applies to ("" for the root or a global file)
	lines []line
}

// MaxLineLength and MaxFileSize are git's limits: longer lines and larger
// files are ignored (git warns), which bounds the cost of hostile input.
const (
	MaxLineLength = 2048
	MaxFileSize   = 100 << 20
)

// Parse reads an attributes file that applies to the directory base ("" for
// the top). Macro definitions are kept only when macrosOK (the top-level
// .gitattributes, info/attributes, the global and system files), as in git.
// Lines git would reject (negative patterns, invalid names) are dropped.
func Parse(data []byte, base string, macrosOK bool) *File {
	f := &File{base: strings.Trim(base, "/")}
	if len(data) > MaxFileSize {
		return f
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for len(data) > 0 {
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		if len(raw) >= MaxLineLength {
			continue
		}
		if l, ok := parseLine(string(raw), macrosOK); ok {
			f.lines = append(f.lines, l)
		}
	}
	return f
}

const blank = " \t\r\n"

func parseLine(s string, macrosOK bool) (line, bool) {
	s = strings.TrimLeft(s, blank)
	if s == "" || s[0] == '#' {
		return line{}, false
	}
	var name, rest string
	if s[0] == '"' {
		n, r, ok := unquoteC(s)
		if !ok {
			return line{}, false
		}
		name, rest = n, r
	} else {
		i := strings.IndexAny(s, blank)
		if i < 0 {
			i = len(s)
		}
		name, rest = s[:i], s[i:]
	}
	var l line
	const macroPrefix = "[attr]"
	if len(name) > len(macroPrefix) && strings.HasPrefix(name, macroPrefix) {
		if !macrosOK {
			return line{}, false
		}
		m := strings.TrimLeft(s[len(macroPrefix):], blank)
		i := strings.IndexAny(m, blank)
		if i < 0 {
			i = len(m)
		}
		if !validName(m[:i]) {
			return line{}, false
		}
		l.macro, rest = m[:i], m[i:]
	} else {
		if strings.HasPrefix(name, "!") {
			return line{}, false // negative patterns are ignored in git attributes
		}
		l.setPattern(name)
	}
	for rest = strings.TrimLeft(rest, blank); rest != ""; rest = strings.TrimLeft(rest, blank) {
		i := strings.IndexAny(rest, blank)
		if i < 0 {
			i = len(rest)
		}
		a, ok := parseAssignment(rest[:i])
		if !ok {
			return line{}, false // git drops the whole line
		}
		l.assigns = append(l.assigns, a)
		rest = rest[i:]
	}
	return l, true
}

func parseAssignment(tok string) (assignment, bool) {
	var v Value
	name := tok
	if eq := strings.IndexByte(tok, '='); eq >= 0 {
		name = tok[:eq]
		v = Value{State: Valued, Text: tok[eq+1:]}
	} else {
		v.State = Set
	}
	if strings.HasPrefix(name, "-") || strings.HasPrefix(name, "!") {
		if name[0] == '-' {
			v = Value{State: Unset}
		} else {
			v = Value{State: Unspecified}
		}
		name = name[1:]
	}
	if !validName(name) {
		return assignment{}, false
	}
	return assignment{name: name, value: v}, true
}

// validName is git's attr_name_valid.
func validName(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '-' || c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// setPattern records a pattern as git's parse_path_pattern does.
func (l *line) setPattern(p string) {
	if strings.HasSuffix(p, "/") {
		p = p[:len(p)-1]
		l.mustDir = true
	}
	l.pattern = p
	l.noDir = !strings.Contains(p, "/")
	l.literal = len(p)
	if i := strings.IndexAny(p, "*?[\\"); i >= 0 {
		l.literal = i
	}
	l.endsWith = strings.HasPrefix(p, "*") && !strings.ContainsAny(p[1:], "*?[\\")
}

// unquoteC reads a C-style quoted string at the start of s, returning it and
// what follows.
func unquoteC(s string) (string, string, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return b.String(), s[i+1:], true
		case '\\':
			i++
			if i >= len(s) {
				return "", "", false
			}
			switch e := s[i]; e {
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'v':
				b.WriteByte('\v')
			case '\\', '"':
				b.WriteByte(e)
			default:
				if e < '0' || e > '3' || i+2 >= len(s) {
					return "", "", false
				}
				v := 0
				for k := 0; k < 3; k++ {
					d := s[i+k]
					if d < '0' || d > '7' {
						return "", "", false
					}
					v = v*8 + int(d-'0')
				}
				b.WriteByte(byte(v))
				i += 2
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// matches reports whether the line's pattern selects path (slash-separated,
// relative to the work tree; isDir for a directory), as git's
// path_matches.
func (l *line) matches(path string, isDir bool, base string, fold bool) bool {
	if l.mustDir && !isDir {
		return false
	}
	flags := wildmatch.Flags(0)
	if fold {
		flags |= wildmatch.CaseFold
	}
	if l.noDir {
		name := path[strings.LastIndexByte(path, '/')+1:]
		switch {
		case l.literal == len(l.pattern):
			return equalPath(l.pattern, name, fold)
		case l.endsWith:
			suffix := l.pattern[1:]
			return len(suffix) <= len(name) && equalPath(suffix, name[len(name)-len(suffix):], fold)
		}
		return wildmatch.Match(l.pattern, name, flags)
	}
	pattern, literal := l.pattern, l.literal
	if strings.HasPrefix(pattern, "/") {
		pattern, literal = pattern[1:], literal-1
	}
	name := path
	if base != "" {
		if len(path) < len(base)+1 || path[len(base)] != '/' || !equalPath(path[:len(base)], base, fold) {
			return false
		}
		name = path[len(base)+1:]
	}
	if literal > 0 {
		if literal > len(name) || !equalPath(pattern[:literal], name[:literal], fold) {
			return false
		}
		pattern, name = pattern[literal:], name[literal:]
		if pattern == "" && name == "" {
			return true
		}
	}
	return wildmatch.Match(pattern, name, flags|wildmatch.PathName)
}

func equalPath(a, b string, fold bool) bool {
	if fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}
