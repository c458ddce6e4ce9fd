package linediff

// patience is git's xpatience.c: match the lines that occur exactly once
// in each range, keep the longest run of them in the same order
// (patience sorting), recurse between those anchors, and fall back to
// Myers where no line is unique. Positions are 1-based as in git.
type patience struct {
	a, b   []int32
	ca, cb []bool
	s      *scratch
}

// patienceEntry is one distinct line of a range of a, in order of first
// occurrence; line2 is its only position in b (0: none, -1: not unique).
type patienceEntry struct {
	line1, line2   int
	next, previous *patienceEntry
}

func (p *patience) diff(line1, count1, line2, count2 int) {
	if count1 == 0 {
		for ; count2 > 0; count2-- {
			p.cb[line2-1] = true
			line2++
		}
		return
	}
	if count2 == 0 {
		for ; count1 > 0; count1-- {
			p.ca[line1-1] = true
			line1++
		}
		return
	}
	// fill_hashmap: the lines of a's range, then b's.
	byID := make(map[int32]*patienceEntry, count1)
	var first, last *patienceEntry
	for l := line1; l < line1+count1; l++ {
		id := p.a[l-1]
		if e := byID[id]; e != nil {
			e.line2 = -1
			continue
		}
		e := &patienceEntry{line1: l}
		byID[id] = e
		if first == nil {
			first = e
		}
		if last != nil {
			last.next, e.previous = e, last
		}
		last = e
	}
	hasMatches := false
	for l := line2; l < line2+count2; l++ {
		e := byID[p.b[l-1]]
		if e == nil {
			continue
		}
		hasMatches = true
		if e.line2 != 0 {
			e.line2 = -1
		} else {
			e.line2 = l
		}
	}
	if !hasMatches {
		for ; count1 > 0; count1-- {
			p.ca[line1-1] = true
			line1++
		}
		for ; count2 > 0; count2-- {
			p.cb[line2-1] = true
			line2++
		}
		return
	}
	if lcs := longestCommonSequence(first); lcs != nil {
		p.walk(lcs, line1, count1, line2, count2)
		return
	}
	a := p.a[line1-1 : line1-1+count1]
	b := p.b[line2-1 : line2-1+count2]
	myers(a, b, p.ca[line1-1:line1-1+count1+1], p.cb[line2-1:line2-1+count2+1], p.s)
}

// longestCommonSequence is find_longest_common_sequence: patience sorting
// of the lines unique on both sides by their position in b; it returns
// the first of the longest increasing run, linked through next.
func longestCommonSequence(first *patienceEntry) *patienceEntry {
	var seq []*patienceEntry
	for e := first; e != nil; e = e.next {
		if e.line2 <= 0 {
			continue
		}
		left, right := -1, len(seq)
		for left+1 < right {
			mid := left + (right-left)/2
			if seq[mid].line2 > e.line2 {
				right = mid
			} else {
				left = mid
			}
		}
		e.previous = nil
		if left >= 0 {
			e.previous = seq[left]
		}
		i := left + 1
		if i == len(seq) {
			seq = append(seq, e)
		} else {
			seq[i] = e
		}
	}
	if len(seq) == 0 {
		return nil
	}
	e := seq[len(seq)-1]
	e.next = nil
	for e.previous != nil {
		e.previous.next = e
		e = e.previous
	}
	return e
}

// walk is walk_common_sequence: grow each anchor over the equal lines
// around it and diff what lies between.
func (p *patience) walk(first *patienceEntry, line1, count1, line2, count2 int) {
	end1, end2 := line1+count1, line2+count2
	match := func(l1, l2 int) bool { return p.a[l1-1] == p.b[l2-1] }
	for {
		var next1, next2 int
		if first != nil {
			next1, next2 = first.line1, first.line2
			for next1 > line1 && next2 > line2 && match(next1-1, next2-1) {
				next1--
				next2--
			}
		} else {
			next1, next2 = end1, end2
		}
		for line1 < next1 && line2 < next2 && match(line1, line2) {
			line1++
			line2++
		}
		if next1 > line1 || next2 > line2 {
			p.diff(line1, next1-line1, line2, next2-line2)
		}
		if first == nil {
			return
		}
		for first.next != nil && first.next.line1 == first.line1+1 && first.next.line2 == first.line2+1 {
			first = first.next
		}
		line1, line2 = first.line1+1, first.line2+1
		first = first.next
	}
}
