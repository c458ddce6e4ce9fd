// Package grep is git grep's search: patterns (basic, extended and fixed
// expressions, and Go's own syntax for -P) combined with --and, --or,
// --not and parentheses, matched line by line over file contents, with
// git's output: names, line and column numbers, context, function lines
// and bodies, counts, names alone, colour.
package grep

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// Syntax is how a pattern is read.
type Syntax int

const (
	Basic    Syntax = iota // POSIX basic expressions, git's default (-G)
	Extended               // POSIX extended expressions (-E)
	Fixed                  // fixed strings (-F)
	Perl                   // -P: Go's own expressions, the closest syntax at hand
)

// ParseSyntax reads grep.patternType's values.
func ParseSyntax(s string) (Syntax, bool) {
	switch strings.ToLower(s) {
	case "basic":
		return Basic, true
	case "extended":
		return Extended, true
	case "fixed":
		return Fixed, true
	case "perl":
		return Perl, true
	}
	return 0, false
}

// Token is one element of a pattern expression as given on the command
// line: a pattern, or an operator.
type Token struct {
	Op      string // "" for a pattern; "--and", "--or", "--not", "(", ")"
	Pattern string
}

type pattern struct {
	text    string
	re      *regexp.Regexp // nil for a fixed string matched without regexp
	notBOL  *regexp.Regexp // re with ^ never matching: a search resumed mid-line
	multi   *regexp.Regexp // re over a whole buffer, ^ and $ at line ends: look-ahead
	literal []byte         // the fixed string, when re is nil
	word    bool
	empty   bool // matches the empty string at the start of every line
}

type nodeKind int

const (
	nodeAtom nodeKind = iota
	nodeNot
	nodeAnd
	nodeOr
)

type node struct {
	kind        nodeKind
	atom        *pattern
	left, right *node
	hit         bool
}

// Matcher is a compiled pattern expression.
type Matcher struct {
	pats     []*pattern
	expr     *node
	extended bool // an expression beyond a list of alternatives
	allMatch bool
	invert   bool
	column   bool
}

// CompileOptions say how patterns are read.
type CompileOptions struct {
	Syntax     Syntax
	IgnoreCase bool
	Word       bool
	AllMatch   bool
	Invert     bool
	Column     bool
}

// Compile builds the matcher of a token list.
func Compile(tokens []Token, o CompileOptions) (*Matcher, error) {
	m := &Matcher{allMatch: o.AllMatch, invert: o.Invert, column: o.Column}
	for i := range tokens {
		t := &tokens[i]
		if t.Op == "--and" || t.Op == "--not" || t.Op == "(" || t.Op == ")" {
			m.extended = true
		}
		if t.Op != "" {
			continue
		}
		p, err := compilePattern(t.Pattern, o)
		if err != nil {
			return nil, err
		}
		m.pats = append(m.pats, p)
	}
	if o.AllMatch {
		m.extended = true
	}
	// --or is what adjacent patterns mean already: drop it.
	var list []Token
	for _, t := range tokens {
		if t.Op != "--or" {
			list = append(list, t)
		}
	}
	i, n := 0, 0
	x, err := m.parseOr(list, &i, &n)
	if err != nil {
		return nil, err
	}
	if i < len(list) {
		return nil, fmt.Errorf("incomplete pattern expression group: %s", tokenText(list[i]))
	}
	if x == nil {
		return nil, errors.New("no pattern given")
	}
	m.expr = x
	return m, nil
}

func tokenText(t Token) string {
	if t.Op != "" {
		return t.Op
	}
	return t.Pattern
}

func (m *Matcher) parseOr(list []Token, i, n *int) (*node, error) {
	x, err := m.parseAnd(list, i, n)
	if err != nil || x == nil {
		return x, err
	}
	if *i < len(list) && list[*i].Op != ")" {
		y, err := m.parseOr(list, i, n)
		if err != nil {
			return nil, err
		}
		if y == nil {
			return x, nil
		}
		return &node{kind: nodeOr, left: x, right: y}, nil
	}
	return x, nil
}

func (m *Matcher) parseAnd(list []Token, i, n *int) (*node, error) {
	x, err := m.parseNot(list, i, n)
	if err != nil {
		return nil, err
	}
	if *i < len(list) && list[*i].Op == "--and" {
		if x == nil {
			return nil, errors.New("--and not preceded by pattern expression")
		}
		*i++
		y, err := m.parseAnd(list, i, n)
		if err != nil {
			return nil, err
		}
		if y == nil {
			return nil, errors.New("--and not followed by pattern expression")
		}
		return &node{kind: nodeAnd, left: x, right: y}, nil
	}
	return x, nil
}

func (m *Matcher) parseNot(list []Token, i, n *int) (*node, error) {
	if *i < len(list) && list[*i].Op == "--not" {
		if *i+1 >= len(list) {
			return nil, errors.New("--not not followed by pattern expression")
		}
		*i++
		x, err := m.parseNot(list, i, n)
		if err != nil {
			return nil, err
		}
		if x == nil {
			return nil, errors.New("--not followed by non pattern expression")
		}
		return &node{kind: nodeNot, left: x}, nil
	}
	return m.parseAtom(list, i, n)
}

func (m *Matcher) parseAtom(list []Token, i, n *int) (*node, error) {
	if *i >= len(list) {
		return nil, nil
	}
	switch t := list[*i]; t.Op {
	case "":
		x := &node{kind: nodeAtom, atom: m.pats[*n]}
		*n++
		*i++
		return x, nil
	case "(":
		*i++
		x, err := m.parseOr(list, i, n)
		if err != nil {
			return nil, err
		}
		if *i >= len(list) || list[*i].Op != ")" {
			return nil, errors.New("unmatched parenthesis")
		}
		*i++
		return x, nil
	}
	return nil, nil
}

func compilePattern(text string, o CompileOptions) (*pattern, error) {
	p := &pattern{text: text, word: o.Word}
	var src string
	switch o.Syntax {
	case Fixed:
		if !o.IgnoreCase {
			p.literal = []byte(text)
			p.empty = text == ""
			return p, nil
		}
		src = regexp.QuoteMeta(text)
	case Perl:
		src = text
	default:
		var err error
		src, err = translatePOSIX(text, o.Syntax == Basic)
		if err != nil {
			return nil, fmt.Errorf("command line, '%s': %v", text, err)
		}
	}
	flags := ""
	if o.IgnoreCase {
		flags = "(?i)"
	}
	re, err := regexp.Compile(flags + src)
	if err != nil {
		return nil, fmt.Errorf("command line, '%s': %s", text, describeError(err))
	}
	if o.Syntax != Perl {
		re.Longest() // POSIX: leftmost longest
	}
	if lit, complete := re.LiteralPrefix(); complete && !o.IgnoreCase {
		p.literal = []byte(lit)
		p.empty = lit == ""
		return p, nil
	}
	p.re = re
	tree, err := syntax.Parse(flags+src, syntax.Perl)
	if err != nil {
		return nil, err
	}
	nb := noBOL(tree)
	if p.notBOL, err = regexp.Compile(nb.String()); err != nil {
		p.notBOL = re
	}
	if o.Syntax != Perl {
		p.notBOL.Longest()
	}
	p.multi, err = regexp.Compile("(?m)" + flags + src)
	if err != nil {
		p.multi = nil
	}
	return p, nil
}

func describeError(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: %s", se.Code, se.Expr)
	}
	return err.Error()
}

// noBOL is a copy of the expression where ^ (the start of the text)
// never matches, as regexec's REG_NOTBOL.
func noBOL(re *syntax.Regexp) *syntax.Regexp {
	if re.Op == syntax.OpBeginText || re.Op == syntax.OpBeginLine {
		return &syntax.Regexp{Op: syntax.OpNoMatch}
	}
	c := *re
	c.Sub = make([]*syntax.Regexp, len(re.Sub))
	for i, s := range re.Sub {
		c.Sub[i] = noBOL(s)
	}
	return &c
}

// translatePOSIX turns a POSIX expression (basic or extended, with GNU's
// \< \> \w \s \b extensions) into Go's syntax.
func translatePOSIX(s string, basic bool) (string, error) {
	var b strings.Builder
	atStart := true // where '*' is a literal (basic) or nothing to repeat
	for i := 0; i < len(s); i++ {
		c := s[i]
		start := atStart
		atStart = false
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			n := s[i]
			switch {
			case n == '<' || n == '>':
				b.WriteString(`\b`)
			case basic && (n == '(' || n == ')' || n == '|' || n == '{' || n == '}' || n == '+' || n == '?'):
				b.WriteByte(n)
				if n == '(' || n == '|' {
					atStart = true
				}
			case n >= '1' && n <= '9':
				return "", errors.New("Invalid back reference")
			case n == 'w' || n == 'W' || n == 's' || n == 'S' || n == 'b' || n == 'B':
				b.WriteByte('\\')
				b.WriteByte(n)
			case n == '`':
				b.WriteString(`\A`)
			case n == '\'':
				b.WriteString(`\z`)
			default:
				b.WriteString(regexp.QuoteMeta(string(n)))
			}
		case c == '\\':
			return "", errors.New("Trailing backslash")
		case c == '[':
			j, cls, err := bracket(s, i)
			if err != nil {
				return "", err
			}
			b.WriteString(cls)
			i = j
		case basic && (c == '(' || c == ')' || c == '|' || c == '{' || c == '}' || c == '+' || c == '?'):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '*' && start:
			b.WriteString(`\*`)
		case c == '^':
			b.WriteByte(c)
			atStart = true
		case !basic && (c == '(' || c == '|'):
			b.WriteByte(c)
			atStart = true
		case !basic && c == '{' && !validInterval(s[i:]):
			b.WriteString(`\{`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// validInterval reports whether s starts with "{n}", "{n,}" or "{n,m}".
func validInterval(s string) bool {
	end := strings.IndexByte(s, '}')
	if end < 2 {
		return false
	}
	body := s[1:end]
	lo, hi, _ := strings.Cut(body, ",")
	return lo != "" && strings.Trim(lo, "0123456789") == "" && strings.Trim(hi, "0123456789") == ""
}

// bracket translates the bracket expression starting at s[i] and returns
// the index of its closing ']'.
func bracket(s string, i int) (int, string, error) {
	var b strings.Builder
	b.WriteByte('[')
	j := i + 1
	if j < len(s) && s[j] == '^' {
		b.WriteByte('^')
		j++
	}
	first := true
	for ; j < len(s); j++ {
		c := s[j]
		if c == ']' && !first {
			b.WriteByte(']')
			return j, b.String(), nil
		}
		first = false
		if c == '[' && j+1 < len(s) && (s[j+1] == ':' || s[j+1] == '.' || s[j+1] == '=') {
			end := strings.Index(s[j+2:], string(s[j+1])+"]")
			if end < 0 {
				return 0, "", errors.New("Unmatched [, [^, [:, [., or [=")
			}
			body := s[j+2 : j+2+end]
			switch s[j+1] {
			case ':':
				b.WriteString("[:" + body + ":]")
			default:
				b.WriteString(regexp.QuoteMeta(body))
			}
			j += 2 + end + 1
			continue
		}
		switch c {
		case '\\', '[', ']':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return 0, "", errors.New("Unmatched [, [^, [:, [., or [=")
}

func isWordChar(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// find is the first match of one pattern in line at or after pos
// (REG_NOTBOL when pos > 0); -w's word rule applied as git does.
func (p *pattern) find(line []byte, pos int) (int, int, bool) {
	for {
		s, e, ok := p.raw(line, pos)
		if !ok {
			return 0, 0, false
		}
		if !p.word {
			return s, e, true
		}
		if (s == 0 || !isWordChar(line[s-1])) && (e == len(line) || !isWordChar(line[e])) && s != e {
			return s, e, true
		}
		if s+1 >= len(line) {
			return 0, 0, false
		}
		pos = s + 1
		for pos < len(line) && isWordChar(line[pos-1]) {
			pos++
		}
		if pos >= len(line) {
			return 0, 0, false
		}
	}
}

func (p *pattern) raw(line []byte, pos int) (int, int, bool) {
	if p.re == nil {
		if p.empty {
			if pos > len(line) {
				return 0, 0, false
			}
			return pos, pos, true
		}
		k := bytes.Index(line[pos:], p.literal)
		if k < 0 {
			return 0, 0, false
		}
		return pos + k, pos + k + len(p.literal), true
	}
	re := p.re
	if pos > 0 {
		re = p.notBOL
	}
	loc := re.FindIndex(line[pos:])
	if loc == nil {
		return 0, 0, false
	}
	return pos + loc[0], pos + loc[1], true
}

// next is where the next line that may match starts, at or after pos in
// buf; -1 when none can.
func (p *pattern) next(buf []byte, pos int) int {
	if p.re == nil {
		if p.empty {
			return pos
		}
		k := bytes.Index(buf[pos:], p.literal)
		if k < 0 {
			return -1
		}
		return pos + k
	}
	if p.multi == nil {
		return pos
	}
	loc := p.multi.FindIndex(buf[pos:])
	if loc == nil {
		return -1
	}
	return pos + loc[0]
}

// matchLine evaluates the expression on one line (without its newline),
// and returns the column of the first match (-1 for none) that git shows.
func (m *Matcher) matchLine(line []byte, collect bool) (bool, int) {
	col, icol := -1, -1
	var h bool
	if !m.extended {
		for _, p := range m.pats {
			if s, _, ok := p.find(line, 0); ok {
				h = true
				if col < 0 || s < col {
					col = s
				}
				if !m.column {
					break
				}
			}
		}
	} else {
		h = m.eval(m.expr, line, &col, &icol, collect)
	}
	if m.invert {
		return !h, icol
	}
	return h, col
}

func (m *Matcher) eval(x *node, line []byte, col, icol *int, collect bool) bool {
	var h bool
	switch x.kind {
	case nodeAtom:
		if s, _, ok := x.atom.find(line, 0); ok {
			h = true
			if *col < 0 || s < *col {
				*col = s
			}
		}
	case nodeNot:
		h = !m.eval(x.left, line, icol, col, false)
	case nodeAnd:
		h = m.eval(x.left, line, col, icol, false)
		if h || m.column {
			h = m.eval(x.right, line, col, icol, false) && h
		}
	case nodeOr:
		if !collect && !m.column {
			return m.eval(x.left, line, col, icol, false) || m.eval(x.right, line, col, icol, false)
		}
		h = m.eval(x.left, line, col, icol, false)
		if collect {
			x.left.hit = x.left.hit || h
		}
		h = m.eval(x.right, line, col, icol, collect) || h
	}
	if collect {
		x.hit = x.hit || h
	}
	return h
}

func clearHits(x *node) {
	if x == nil {
		return
	}
	x.hit = false
	clearHits(x.left)
	clearHits(x.right)
}

// allHit is --all-match's test: every alternative at the top of the
// expression matched some line.
func allHit(x *node) bool {
	for {
		if x.kind != nodeOr {
			return x.hit
		}
		if !x.left.hit {
			return false
		}
		x = x.right
	}
}

// nextMatch is the leftmost (then longest) match of any pattern at or
// after pos: what -o prints and colour paints.
func (m *Matcher) nextMatch(line []byte, pos int) (int, int, bool) {
	bs, be, found := -1, -1, false
	if pos >= len(line) {
		return 0, 0, false
	}
	for _, p := range m.pats {
		s, e, ok := p.find(line, pos)
		if !ok {
			continue
		}
		if found && (s > bs || s == bs && e < be) {
			continue
		}
		bs, be, found = s, e, true
	}
	return bs, be, found
}
