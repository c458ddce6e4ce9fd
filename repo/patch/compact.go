package patch

import "easel.dev/easel/merge/linediff"

// A line diff is ambiguous wherever a run of changed lines could slide up
// or down over identical lines ("a\nb\na\n" + "b\na\n": which "b\na" was
// added?). git normalises every diff the same way after computing it, and
// so must we to print the same hunks: slide each group of changed lines as
// far down as it goes, line it up with a change on the other side if one is
// in reach, and otherwise choose the position its indent heuristic scores
// best. The heuristic's weights are git's (xdiff's defaults since 2.14,
// tuned on a corpus of real diffs); different weights would print
// different, equally valid, hunks.

// changes marks which lines of each side are not matched.
type changes struct {
	lines   []string
	changed []bool // len(lines)+1; the extra false entry ends every group
}

func toChanges(a, b []string, hunks []linediff.Hunk) (*changes, *changes) {
	ca := &changes{lines: a, changed: make([]bool, len(a)+1)}
	cb := &changes{lines: b, changed: make([]bool, len(b)+1)}
	for _, h := range hunks {
		for i := h.A0; i < h.A1; i++ {
			ca.changed[i] = true
		}
		for i := h.B0; i < h.B1; i++ {
			cb.changed[i] = true
		}
	}
	return ca, cb
}

// group is a run [start, end) of changed lines; start == end is the empty
// group between two unchanged lines.
type group struct{ start, end int }

func (c *changes) n() int { return len(c.lines) }

func (c *changes) firstGroup() group {
	g := group{0, 0}
	for g.end < c.n() && c.changed[g.end] {
		g.end++
	}
	return g
}

// next moves to the group after g; false at the end.
func (c *changes) next(g *group) bool {
	if g.end == c.n() {
		return false
	}
	g.start = g.end + 1
	g.end = g.start
	for g.end < c.n() && c.changed[g.end] {
		g.end++
	}
	return true
}

func (c *changes) prev(g *group) bool {
	if g.start == 0 {
		return false
	}
	g.end = g.start - 1
	g.start = g.end
	for g.start > 0 && c.changed[g.start-1] {
		g.start--
	}
	return true
}

// slideUp moves a non-empty group one line up when the line above equals
// its last line, merging with a group it reaches.
func (c *changes) slideUp(g *group) bool {
	if g.start > 0 && g.end > g.start && c.lines[g.start-1] == c.lines[g.end-1] {
		g.start--
		g.end--
		c.changed[g.start] = true
		c.changed[g.end] = false
		for g.start > 0 && c.changed[g.start-1] {
			g.start--
		}
		return true
	}
	return false
}

func (c *changes) slideDown(g *group) bool {
	if g.end < c.n() && g.end > g.start && c.lines[g.start] == c.lines[g.end] {
		c.changed[g.start] = false
		c.changed[g.end] = true
		g.start++
		g.end++
		for g.end < c.n() && c.changed[g.end] {
			g.end++
		}
		return true
	}
	return false
}

const maxSliding = 100

// compact slides the groups of c, keeping o (the other side) in step:
// every group of c corresponds to one group (maybe empty) of o.
func compact(c, o *changes) {
	g := c.firstGroup()
	og := o.firstGroup()
	for {
		if g.end != g.start {
			var groupSize, earliestEnd int
			endMatchingOther := -1
			for {
				groupSize = g.end - g.start
				endMatchingOther = -1
				for c.slideUp(&g) {
					o.prev(&og)
				}
				earliestEnd = g.end
				if og.end > og.start {
					endMatchingOther = g.end
				}
				for c.slideDown(&g) {
					o.next(&og)
					if og.end > og.start {
						endMatchingOther = g.end
					}
				}
				if groupSize == g.end-g.start {
					break
				}
			}
			switch {
			case g.end == earliestEnd:
				// It cannot move.
			case endMatchingOther != -1:
				// Line it up with the change on the other side.
				for og.end == og.start {
					c.slideUp(&g)
					o.prev(&og)
				}
			default:
				shift := earliestEnd
				if g.end-groupSize-1 > shift {
					shift = g.end - groupSize - 1
				}
				if g.end-maxSliding > shift {
					shift = g.end - maxSliding
				}
				bestShift := -1
				var best splitScore
				for ; shift <= g.end; shift++ {
					var s splitScore
					s.add(c.measure(shift))
					s.add(c.measure(shift - groupSize))
					if bestShift == -1 || s.cmp(best) <= 0 {
						best = s
						bestShift = shift
					}
				}
				for g.end > bestShift {
					c.slideUp(&g)
					o.prev(&og)
				}
			}
		}
		if !c.next(&g) {
			break
		}
		o.next(&og)
	}
}

const (
	maxIndent = 200
	maxBlanks = 20

	startOfFilePenalty             = 1
	endOfFilePenalty               = 21
	totalBlankWeight               = -30
	postBlankWeight                = 6
	relativeIndentPenalty          = -4
	relativeIndentWithBlankPenalty = 10
	relativeOutdentPenalty         = 24
	relativeOutdentWithBlank       = 17
	relativeDedentPenalty          = 23
	relativeDedentWithBlank        = 17
	indentWeight                   = 60
)

// indentOf is the indent width of a line (tabs to multiples of 8), -1
// for a line of only whitespace.
func indentOf(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ':
			n++
		case '\t':
			n += 8 - n%8
		case '\n', '\r', '\v', '\f':
		default:
			return n
		}
		if n >= maxIndent {
			return maxIndent
		}
	}
	return -1
}

type split struct {
	eof                   bool
	indent                int
	preBlank, preIndent   int
	postBlank, postIndent int
}

// measure describes the surroundings of a split just before line at.
func (c *changes) measure(at int) split {
	var m split
	if at >= c.n() {
		m.eof = true
		m.indent = -1
	} else {
		m.indent = indentOf(c.lines[at])
	}
	m.preIndent = -1
	for i := at - 1; i >= 0; i-- {
		if ind := indentOf(c.lines[i]); ind != -1 {
			m.preIndent = ind
			break
		}
		m.preBlank++
		if m.preBlank == maxBlanks {
			m.preIndent = 0
			break
		}
	}
	m.postIndent = -1
	for i := at + 1; i < c.n(); i++ {
		if ind := indentOf(c.lines[i]); ind != -1 {
			m.postIndent = ind
			break
		}
		m.postBlank++
		if m.postBlank == maxBlanks {
			m.postIndent = 0
			break
		}
	}
	return m
}

type splitScore struct{ effectiveIndent, penalty int }

func (s *splitScore) add(m split) {
	if m.preIndent == -1 && m.preBlank == 0 {
		s.penalty += startOfFilePenalty
	}
	if m.eof {
		s.penalty += endOfFilePenalty
	}
	postBlank := 0
	if m.indent == -1 {
		postBlank = 1 + m.postBlank
	}
	totalBlank := m.preBlank + postBlank
	s.penalty += totalBlankWeight * totalBlank
	s.penalty += postBlankWeight * postBlank
	indent := m.indent
	if indent == -1 {
		indent = m.postIndent
	}
	anyBlanks := totalBlank != 0
	s.effectiveIndent += indent
	switch {
	case indent == -1 || m.preIndent == -1:
	case indent > m.preIndent:
		if anyBlanks {
			s.penalty += relativeIndentWithBlankPenalty
		} else {
			s.penalty += relativeIndentPenalty
		}
	case indent == m.preIndent:
	default:
		if m.postIndent != -1 && m.postIndent > indent {
			if anyBlanks {
				s.penalty += relativeOutdentWithBlank
			} else {
				s.penalty += relativeOutdentPenalty
			}
		} else {
			if anyBlanks {
				s.penalty += relativeDedentWithBlank
			} else {
				s.penalty += relativeDedentPenalty
			}
		}
	}
}

func (s splitScore) cmp(t splitScore) int {
	c := 0
	if s.effectiveIndent > t.effectiveIndent {
		c = 1
	} else if s.effectiveIndent < t.effectiveIndent {
		c = -1
	}
	return indentWeight*c + (s.penalty - t.penalty)
}
