// Package userdiff is git's diff drivers (diff=<name> in gitattributes):
// the hunk-header patterns of diff.<name>.xfuncname and funcname, and the
// drivers git has built in for common languages.
package userdiff

import (
	"errors"
	"regexp"
	"strings"
	"sync"
)

// FuncLen is the most bytes of a line git shows after a hunk header.
const FuncLen = 80

// builtins are hunk-header patterns for the drivers git knows without
// configuration, one expression a line, "!" before one that rules lines
// out. "default" has none: the plain rule (a line starting with a letter,
// '_' or '$') applies.
// Built on first use rather than when the program starts.
var builtins = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"default": "",
		// C and C++: a definition starts at column 0 with a name (or "::"),
		// but a goto label does not count.
		"cpp": `!^[ \t]*[A-Za-z_][A-Za-z_0-9]*:[[:space:]]*($|/[/*])` + "\n" +
			`^((::[[:space:]]*)?[A-Za-z_].*)$`,
		// Python: class and (async) def lines, indented or not.
		"python": `^[ \t]*((class|(async[ \t]+)?def)[ \t].*)$`,
		// Go: functions and methods, and struct or interface types.
		"golang": `^[ \t]*(func[ \t]*.*(\{[ \t]*)?)$` + "\n" +
			`^[ \t]*(type[ \t].*(struct|interface)[ \t]*(\{[ \t]*)?)$`,
		// Java: statements that look like calls are not headers; class-like
		// declarations and method declarations are.
		"java": `!^[ \t]*(catch|do|for|if|instanceof|new|return|switch|throw|while)` + "\n" +
			`^[ \t]*(([A-Za-z_<>&\]\[ \t.,?@]+[ \t]+)?(class|enum|interface|record)[ \t]+.*)$` + "\n" +
			`^[ \t]*(([A-Za-z_][A-Za-z_0-9<>&\]\[.,? \t@]*[ \t]+)+[A-Za-z_][A-Za-z_0-9]*[ \t]*\([^;]*)$`,
		"bash":     `^[ \t]*((function[ \t]+)?[a-zA-Z_][a-zA-Z0-9_]*[ \t]*\(\)[ \t]*.*|function[ \t]+[a-zA-Z_][a-zA-Z0-9_]*.*)$`,
		"rust":     `^[\t ]*((pub(\([^\)]+\))?[\t ]+)?((async|const|unsafe|extern([\t ]+"[^"]+"))[\t ]+)?(struct|enum|union|mod|trait|fn|impl|macro_rules!)[< \t]+[^;]*)$`,
		"markdown": `^ {0,3}#{1,6}[ \t].*`,
	}
})

// Builtin returns a built-in driver's pattern text.
func Builtin(name string) (string, bool) {
	p, ok := builtins()[name]
	return p, ok
}

type pattern struct {
	re     *regexp.Regexp
	negate bool
}

// Matcher finds the text git shows after a hunk header for a line.
type Matcher struct {
	pats []pattern
}

// ErrLastNegated is git's refusal of a pattern list ending in "!".
var ErrLastNegated = errors.New("Last expression must not be negated")

// Compile parses a pattern list: extended for xfuncname (POSIX extended
// expressions), basic for funcname (git's BRE), icase to ignore case.
func Compile(text string, extended, icase bool) (*Matcher, error) {
	m := &Matcher{}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		neg := strings.HasPrefix(l, "!")
		if neg {
			if i == len(lines)-1 {
				return nil, ErrLastNegated
			}
			l = l[1:]
		}
		if !extended {
			l = breToERE(l)
		}
		if icase {
			l = "(?i)" + l
		}
		re, err := regexp.Compile(l)
		if err != nil {
			return nil, err
		}
		re.Longest() // POSIX leftmost-longest, as git's regexec
		m.pats = append(m.pats, pattern{re, neg})
	}
	return m, nil
}

// Match returns the header text for line (without its newline), or false
// when the line is not a header: the first expression that matches
// decides, its first group if it has a matching one, trailing white space
// trimmed, at most FuncLen bytes.
func (m *Matcher) Match(line string) (string, bool) {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	for _, p := range m.pats {
		loc := p.re.FindStringSubmatchIndex(line)
		if loc == nil {
			continue
		}
		if p.negate {
			return "", false
		}
		s, e := loc[0], loc[1]
		if len(loc) >= 4 && loc[2] >= 0 {
			s, e = loc[2], loc[3]
		}
		out := line[s:e]
		if len(out) > FuncLen {
			out = out[:FuncLen]
		}
		return strings.TrimRight(out, " \t\n\v\f\r"), true
	}
	return "", false
}

// breToERE turns a POSIX basic expression into an extended one: in BRE
// "\(", "\)", "\{", "\}", "\|", "\+" and "\?" are the operators and the
// bare characters are literal.
func breToERE(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			n := s[i+1]
			switch n {
			case '(', ')', '{', '}', '|', '+', '?':
				b.WriteByte(n)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			i++
			continue
		}
		switch c {
		case '(', ')', '{', '}', '|', '+', '?':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}
