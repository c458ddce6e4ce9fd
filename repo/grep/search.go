package grep

import (
	"bytes"
	"strconv"
)

// Colors are the SGR sequences of color.grep.<slot>; all empty without
// colour.
type Colors struct {
	Context, Filename, Function, LineNumber, Column  string
	MatchContext, MatchSelected, Selected, Separator string
}

// DefaultColors are git's.
func DefaultColors() Colors {
	return Colors{Filename: "\x1b[35m", LineNumber: "\x1b[32m", Column: "\x1b[32m",
		MatchContext: "\x1b[1;31m", MatchSelected: "\x1b[1;31m", Separator: "\x1b[36m"}
}

// Binary is how files that look binary are searched.
type Binary int

const (
	BinaryDefault Binary = iota // "Binary file x matches"
	BinaryNoMatch               // -I: never match
	BinaryText                  // -a: as text
)

// Options are what is shown of each file.
type Options struct {
	LineNumber, Column     bool
	Count, NameOnly        bool // -c, -l
	UnmatchNameOnly        bool // -L
	OnlyMatching           bool // -o
	StatusOnly             bool // -q
	Pathname               bool // names before lines (not -h)
	NullAfterName          bool // -z
	Heading, Break         bool
	Before, After          int
	ShowFunction, FuncBody bool // -p, -W
	Binary                 Binary
	MaxCount               int // -m; < 0 unlimited
	Color                  *Colors
	Matcher                *Matcher
}

// FuncMatch tells whether a line starts a function, as diff's hunk
// headers find them; nil: git's default rule.
type FuncMatch func(line string) bool

// File is one thing to search.
type File struct {
	Name     string // as shown
	Data     []byte
	IsBinary bool // from the attributes, or the content
	Func     FuncMatch
}

// searcher is one worker's state over a file.
type searcher struct {
	o     *Options
	m     *Matcher
	out   *bytes.Buffer
	f     *File
	last  int // last line shown, 0 none
	funcs FuncMatch
}

// Search searches one file and returns what git prints for it and
// whether it matched (for -L: whether it was listed). The output starts
// with the separator a file gets after another ("--" or an empty line
// for --break) when context or breaks are asked for; the caller drops it
// from the first file printed.
func Search(o *Options, m *Matcher, f *File) ([]byte, bool) {
	var out bytes.Buffer
	s := &searcher{o: o, m: m, out: &out, f: f, funcs: f.Func}
	if !m.allMatch {
		hit := s.run(false)
		return out.Bytes(), hit
	}
	clearHits(m.expr)
	s.run(true)
	if !allHit(m.expr) {
		if o.UnmatchNameOnly {
			return s.nameOnly(), !o.StatusOnly
		}
		return nil, false
	}
	hit := s.run(false)
	return out.Bytes(), hit
}

func (s *searcher) nameOnly() []byte {
	var b bytes.Buffer
	s.out = &b
	s.showName()
	return b.Bytes()
}

// Clone is a copy of the matcher for one goroutine (--all-match keeps
// marks in the expression).
func (m *Matcher) Clone() *Matcher {
	c := *m
	c.expr = cloneNode(m.expr)
	return &c
}

func cloneNode(x *node) *node {
	if x == nil {
		return nil
	}
	c := *x
	c.left, c.right = cloneNode(x.left), cloneNode(x.right)
	return &c
}

// Patterns reports whether the matcher can skip ahead over lines that
// cannot match (git's look-ahead).
func (m *Matcher) canLookAhead() bool {
	if m.extended || m.invert {
		return false
	}
	for _, p := range m.pats {
		if p.re != nil && p.multi == nil {
			return false
		}
	}
	return true
}

func (s *searcher) lookAhead(buf []byte, pos int) int {
	best := -1
	for _, p := range s.m.pats {
		k := p.next(buf, pos)
		if k >= 0 && (best < 0 || k < best) {
			best = k
		}
		if best == pos {
			break
		}
	}
	return best
}

func (s *searcher) run(collect bool) bool {
	o, buf := s.o, s.f.Data
	binaryOnly := false
	if s.f.IsBinary {
		switch o.Binary {
		case BinaryDefault:
			binaryOnly = true
		case BinaryNoMatch:
			return false
		}
	}
	s.last = 0
	lookAhead := !collect && s.m.canLookAhead()
	count, lno, lastHit := 0, 1, 0
	showFunction := false
	peek := -1
	bol := 0
	for bol < len(buf) {
		if lookAhead && !(lastHit > 0 && (showFunction || lno <= lastHit+o.After)) {
			k := s.lookAhead(buf, bol)
			if k < 0 {
				break
			}
			if k > bol {
				// Start of the line holding k.
				ls := bytes.LastIndexByte(buf[bol:k], '\n')
				if ls >= 0 {
					lno += bytes.Count(buf[bol:bol+ls+1], []byte{'\n'})
					bol += ls + 1
				}
			}
		}
		eol := bytes.IndexByte(buf[bol:], '\n')
		if eol < 0 {
			eol = len(buf)
		} else {
			eol += bol
		}
		line := buf[bol:eol]
		hit, col := s.m.matchLine(line, collect)
		if collect {
			goto next
		}
		if o.UnmatchNameOnly {
			if hit {
				return false
			}
			goto next
		}
		if hit && (o.MaxCount < 0 || count < o.MaxCount) {
			count++
			if o.StatusOnly {
				return true
			}
			if o.NameOnly {
				s.showName()
				return true
			}
			if o.Count {
				goto next
			}
			if binaryOnly {
				s.out.WriteString("Binary file ")
				s.color(s.f.Name, s.colors().Filename)
				s.out.WriteString(" matches\n")
				return true
			}
			if o.Before > 0 || o.FuncBody {
				s.preContext(bol, eol, lno)
			} else if o.ShowFunction {
				s.funcLine(bol, lno)
			}
			if col < 0 {
				col = 0
			}
			s.showLine(bol, eol, lno, col+1, ':')
			lastHit = lno
			if o.FuncBody {
				showFunction = true
			}
			goto next
		}
		if showFunction && (peek < 0 || peek < bol) {
			// Trailing empty lines are not interesting: look past them
			// for the next function.
			pb, pe := bol, eol
			for isEmptyLine(buf[pb:pe]) && pe < len(buf) {
				pb = pe + 1
				pe = bytes.IndexByte(buf[pb:], '\n')
				if pe < 0 {
					pe = len(buf)
				} else {
					pe += pb
				}
			}
			peek = pb
			if s.isFunc(buf[pb:pe]) {
				showFunction = false
			}
		}
		if showFunction || (lastHit > 0 && lno <= lastHit+o.After) {
			s.showLine(bol, eol, lno, 0, '-')
		}
	next:
		bol = eol + 1
		lno++
	}
	if collect {
		return false
	}
	if o.StatusOnly {
		return o.UnmatchNameOnly
	}
	if o.UnmatchNameOnly {
		s.showName()
		return true
	}
	if o.Count && count > 0 {
		if o.Pathname {
			s.color(s.f.Name, s.colors().Filename)
			s.sep(':')
		}
		s.out.WriteString(strconv.Itoa(count))
		s.out.WriteByte('\n')
		return true
	}
	return lastHit > 0
}

func isEmptyLine(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func (s *searcher) isFunc(line []byte) bool {
	if s.funcs != nil {
		return s.funcs(string(line))
	}
	if len(line) == 0 {
		return false
	}
	c := line[0]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$'
}

var noColors Colors

func (s *searcher) colors() *Colors {
	if s.o.Color == nil {
		return &noColors
	}
	return s.o.Color
}

func (s *searcher) color(text, sgr string) {
	if sgr == "" {
		s.out.WriteString(text)
		return
	}
	s.out.WriteString(sgr)
	s.out.WriteString(text)
	s.out.WriteString("\x1b[m")
}

func (s *searcher) colorBytes(text []byte, sgr string) {
	if sgr == "" || len(text) == 0 {
		s.out.Write(text)
		return
	}
	s.out.WriteString(sgr)
	s.out.Write(text)
	s.out.WriteString("\x1b[m")
}

func (s *searcher) sep(c byte) {
	if s.o.NullAfterName {
		s.out.WriteByte(0)
		return
	}
	s.color(string(c), s.colors().Separator)
}

func (s *searcher) showName() {
	s.color(s.f.Name, s.colors().Filename)
	if s.o.NullAfterName {
		s.out.WriteByte(0)
	} else {
		s.out.WriteByte('\n')
	}
}

// lineStart is the start of the line before the one starting at bol.
func lineStart(buf []byte, end int) int {
	i := bytes.LastIndexByte(buf[:end], '\n')
	return i + 1
}

// funcLine shows the nearest function line above the line at bol, when
// it is after the last line shown.
func (s *searcher) funcLine(bol, lno int) {
	buf := s.f.Data
	for bol > 0 {
		eol := bol - 1
		bol = lineStart(buf, eol)
		lno--
		if lno <= s.last {
			break
		}
		if s.isFunc(buf[bol:eol]) {
			s.showLine(bol, eol, lno, 0, '=')
			break
		}
	}
}

// preContext shows the lines before a hit: -B's, or for -W back to the
// function's first line (and the comment above it).
func (s *searcher) preContext(bol, eol, lno int) {
	o, buf := s.o, s.f.Data
	cur, from, funcLno := lno, 1, 0
	funcNeeded, commentNeeded := o.ShowFunction, false
	if o.Before < lno {
		from = lno - o.Before
	}
	if from <= s.last {
		from = s.last + 1
	}
	origFrom := from
	if o.FuncBody {
		if s.isFunc(buf[bol:eol]) {
			commentNeeded = true
		} else {
			funcNeeded = true
		}
		from = s.last + 1
	}
	for bol > 0 && cur > from {
		nextBol := bol
		e := bol - 1
		bol = lineStart(buf, e)
		cur--
		if commentNeeded && (isEmptyLine(buf[bol:e]) || s.isFunc(buf[bol:e])) {
			commentNeeded = false
			from = origFrom
			if cur < from {
				cur++
				bol = nextBol
				break
			}
		}
		if funcNeeded && s.isFunc(buf[bol:e]) {
			funcLno = cur
			funcNeeded = false
			if o.FuncBody {
				commentNeeded = true
			} else {
				from = origFrom
			}
		}
	}
	if o.ShowFunction && funcNeeded {
		s.funcLine(bol, cur)
	}
	for cur < lno {
		e := bytes.IndexByte(buf[bol:], '\n') + bol
		sign := byte('-')
		if cur == funcLno {
			sign = '='
		}
		s.showLine(bol, e, cur, 0, sign)
		bol = e + 1
		cur++
	}
}

func (s *searcher) header(lno, col int, sign byte) {
	o, c := s.o, s.colors()
	if o.Heading && s.last == 0 {
		s.color(s.f.Name, c.Filename)
		s.out.WriteByte('\n')
	}
	s.last = lno
	if !o.Heading && o.Pathname {
		s.color(s.f.Name, c.Filename)
		s.sep(sign)
	}
	if o.LineNumber {
		s.color(strconv.Itoa(lno), c.LineNumber)
		s.sep(sign)
	}
	if o.Column && col > 0 {
		s.color(strconv.Itoa(col), c.Column)
		s.sep(sign)
	}
}

func (s *searcher) showLine(bol, eol, lno, col int, sign byte) {
	o, c := s.o, s.colors()
	line := s.f.Data[bol:eol]
	if o.Break && s.last == 0 {
		s.out.WriteByte('\n')
	} else if o.Before > 0 || o.After > 0 || o.FuncBody {
		if s.last == 0 || lno > s.last+1 {
			s.color("--", c.Separator)
			s.out.WriteByte('\n')
		}
	}
	// A line is "matching" when it is shown for its matches: a selected
	// line, or with -v a context line.
	matching := (sign == ':') != s.m.invert
	only := o.OnlyMatching && matching
	if o.OnlyMatching && !matching {
		return
	}
	if !only {
		s.header(lno, col, sign)
	}
	var lineColor string
	if o.Color != nil {
		switch sign {
		case ':':
			lineColor = c.Selected
		case '-':
			lineColor = c.Context
		case '=':
			lineColor = c.Function
		}
	}
	if matching && (o.Color != nil || only) {
		matchColor := c.MatchContext
		if sign == ':' {
			matchColor = c.MatchSelected
		}
		pos := 0
		for {
			ms, me, ok := s.m.nextMatch(line, pos)
			if !ok || ms == me {
				break
			}
			if only {
				s.header(lno, col, sign)
			} else {
				s.colorBytes(line[pos:ms], lineColor)
			}
			s.colorBytes(line[ms:me], matchColor)
			if only {
				s.out.WriteByte('\n')
			}
			col += me - pos
			pos = me
		}
		line = line[pos:]
	}
	if !only {
		s.colorBytes(line, lineColor)
		s.out.WriteByte('\n')
	}
}
