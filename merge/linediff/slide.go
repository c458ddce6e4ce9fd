package linediff

// A line diff is ambiguous wherever a run of changed lines could slide up
// or down over identical lines ("a\nb\na\n" + "b\na\n": which "b\na" was
// added?). git normalises every diff the same way after computing it, and
// so must we to print the same hunks: slide each group of changed lines as
// far down as it goes, line it up with a change on the other side if one is
// in reach, and otherwise choose the position its indent heuristic scores
// best (see indent.go). Merges slide without the heuristic, as git's do.

// Slide applies git's normalisation of a diff (xdl_change_compact without
// the indent heuristic, which is what git's merges use): each run of
// changed lines moves as far down as identical lines allow, unless moving
// it back up lines it up with a change on the other side. Merges need this
// to decide which changes touch, exactly as git does.
func Slide(a, b []string, hunks []Hunk) []Hunk {
	if len(hunks) == 0 {
		return nil
	}
	ca, cb := SlideMarks(a, b, hunks, false)
	return Hunks(ca, cb)
}

// SlideMarks normalises a diff as git does and returns, for each side, which
// lines are changed (each slice one longer than its side; the extra entry
// is false). indentHeuristic chooses among equal positions as git diff
// does; merges leave it off.
func SlideMarks(a, b []string, hunks []Hunk, indentHeuristic bool) (changedA, changedB []bool) {
	return SlideMarksKeyed(a, b, a, b, hunks, indentHeuristic)
}

// SlideMarksKeyed is SlideMarks for lines compared by keys (see
// Flags.Key): lines slide over lines of equal key, as git's slide compares
// line hashes, while the indent heuristic reads the lines themselves.
func SlideMarksKeyed(a, b, keysA, keysB []string, hunks []Hunk, indentHeuristic bool) (changedA, changedB []bool) {
	ca := &changes{lines: a, keys: keysA, changed: make([]bool, len(a)+1)}
	cb := &changes{lines: b, keys: keysB, changed: make([]bool, len(b)+1)}
	for _, h := range hunks {
		for i := h.A0; i < h.A1; i++ {
			ca.changed[i] = true
		}
		for i := h.B0; i < h.B1; i++ {
			cb.changed[i] = true
		}
	}
	compact(ca, cb, indentHeuristic)
	compact(cb, ca, indentHeuristic)
	return ca.changed, cb.changed
}

// changes marks which lines of each side are not matched.
type changes struct {
	lines   []string
	keys    []string // what lines compare by; lines itself without flags
	changed []bool   // len(lines)+1; the extra false entry ends every group
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
	if g.start > 0 && g.end > g.start && c.keys[g.start-1] == c.keys[g.end-1] {
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
	if g.end < c.n() && g.end > g.start && c.keys[g.start] == c.keys[g.end] {
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

// compact slides the groups of c, keeping o (the other side) in step:
// every group of c corresponds to one group (maybe empty) of o.
func compact(c, o *changes, indentHeuristic bool) {
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
			case indentHeuristic:
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
