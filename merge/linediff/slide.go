package linediff

// Slide applies git's normalisation of a diff (xdl_change_compact without
// the indent heuristic, which is what git's merges use): each run of
// changed lines moves as far down as identical lines allow, unless moving
// it back up lines it up with a change on the other side. Merges need this
// to decide which changes touch, exactly as git does.
func Slide(a, b []string, hunks []Hunk) []Hunk {
	if len(hunks) == 0 {
		return nil
	}
	ca := make([]bool, len(a)+1)
	cb := make([]bool, len(b)+1)
	for _, h := range hunks {
		for i := h.A0; i < h.A1; i++ {
			ca[i] = true
		}
		for i := h.B0; i < h.B1; i++ {
			cb[i] = true
		}
	}
	compact(side{a, ca}, side{b, cb})
	compact(side{b, cb}, side{a, ca})
	return Hunks(ca, cb)
}

type side struct {
	lines   []string
	changed []bool
}

type group struct{ start, end int }

func (s side) first() group {
	g := group{}
	for g.end < len(s.lines) && s.changed[g.end] {
		g.end++
	}
	return g
}

func (s side) next(g *group) bool {
	if g.end == len(s.lines) {
		return false
	}
	g.start = g.end + 1
	g.end = g.start
	for g.end < len(s.lines) && s.changed[g.end] {
		g.end++
	}
	return true
}

func (s side) prev(g *group) bool {
	if g.start == 0 {
		return false
	}
	g.end = g.start - 1
	g.start = g.end
	for g.start > 0 && s.changed[g.start-1] {
		g.start--
	}
	return true
}

func (s side) slideUp(g *group) bool {
	if g.start > 0 && s.lines[g.start-1] == s.lines[g.end-1] {
		g.start--
		g.end--
		s.changed[g.start] = true
		s.changed[g.end] = false
		for g.start > 0 && s.changed[g.start-1] {
			g.start--
		}
		return true
	}
	return false
}

func (s side) slideDown(g *group) bool {
	if g.end < len(s.lines) && s.lines[g.start] == s.lines[g.end] {
		s.changed[g.start] = false
		s.changed[g.end] = true
		g.start++
		g.end++
		for g.end < len(s.lines) && s.changed[g.end] {
			g.end++
		}
		return true
	}
	return false
}

func compact(c, o side) {
	g, og := c.first(), o.first()
	for {
		if g.end != g.start {
			var size, earliestEnd, endMatchingOther int
			for {
				size = g.end - g.start
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
				if size == g.end-g.start {
					break
				}
			}
			if g.end != earliestEnd && endMatchingOther != -1 {
				for og.end == og.start {
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
