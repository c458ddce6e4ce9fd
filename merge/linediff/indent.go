package linediff

// git's indent heuristic (xdiff's defaults since 2.14, tuned on a corpus of
// real diffs), used when a diff is printed: among the positions a group of
// changed lines can slide to, choose the one whose edges best follow the
// indentation. Different weights would print different, equally valid,
// hunks.

const maxSliding = 100

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
