// Package linediff computes line diffs the way git's xdiff does: Myers
// (linear space, with xdiff's cost cutoff and its discarding of lines that
// have no match on the other side) and histogram. Choosing the same diff as
// git among several of equal length matters: the unified formatter and the
// three-way merge print and merge what this package returns, and users
// compare that with git.
package linediff

// Algorithm selects the diff algorithm.
type Algorithm int

const (
	// Histogram is git's histogram diff (xhistogram.c), used by merge-ort.
	Histogram Algorithm = iota
	// Myers is git's default diff (xdiffi.c), used by diff and merge-file.
	Myers
)

// Hunk: lines a[A0:A1] are replaced by b[B0:B1] (A0==A1: pure insertion;
// B0==B1: pure deletion).
type Hunk struct{ A0, A1, B0, B1 int }

// SplitLines splits data after each "\n"; the last line may lack it. A
// line compares with its newline, as in git, so a final line without one
// differs from the same text with one.
func SplitLines(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	n := 0
	for _, c := range data {
		if c == '\n' {
			n++
		}
	}
	if data[len(data)-1] != '\n' {
		n++
	}
	s := string(data) // one allocation; lines share it
	lines := make([]string, 0, n)
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			lines = append(lines, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// Diff returns the changes turning a into b, ordered and non-overlapping.
// The hunks are not slid (git's xdl_change_compact); callers that print or
// merge them apply that normalisation.
func Diff(a, b []string, alg Algorithm) []Hunk {
	ia, ib, nids := intern(a, b)
	ca, cb := Changed(ia, ib, nids, alg)
	return Hunks(ca, cb)
}

// intern maps equal lines to equal small integers so the algorithms
// compare ints, not strings.
func intern(a, b []string) (ia, ib []int32, n int) {
	ids := make(map[string]int32, len(a))
	ia = make([]int32, len(a))
	ib = make([]int32, len(b))
	for i, l := range a {
		id, ok := ids[l]
		if !ok {
			id = int32(len(ids))
			ids[l] = id
		}
		ia[i] = id
	}
	for i, l := range b {
		id, ok := ids[l]
		if !ok {
			id = int32(len(ids))
			ids[l] = id
		}
		ib[i] = id
	}
	return ia, ib, len(ids)
}

// Changed marks the lines of a and b (interned to ids below nids) that the
// diff does not match. Both slices have one extra false entry at the end.
func Changed(a, b []int32, nids int, alg Algorithm) (ca, cb []bool) {
	ca = make([]bool, len(a)+1)
	cb = make([]bool, len(b)+1)
	s := newScratch(nids)
	if alg == Histogram {
		// Unlike Myers, git's histogram starts from the whole files: a
		// common prefix is not trimmed first, and the anchors it finds
		// decide which of several equal diffs comes out.
		h := histogram{a: a, b: b, ca: ca, cb: cb, s: s}
		h.diff(1, len(a), 1, len(b))
	} else {
		myers(a, b, ca, cb, s)
	}
	return ca, cb
}

// Hunks turns change marks into hunks: unchanged lines pair up in order.
func Hunks(ca, cb []bool) []Hunk {
	na, nb := len(ca)-1, len(cb)-1
	var hunks []Hunk
	i, j := 0, 0
	for i < na || j < nb {
		if i < na && j < nb && !ca[i] && !cb[j] {
			i++
			j++
			continue
		}
		h := Hunk{A0: i, B0: j}
		for i < na && ca[i] {
			i++
		}
		for j < nb && cb[j] {
			j++
		}
		h.A1, h.B1 = i, j
		if h.A0 == h.A1 && h.B0 == h.B1 {
			// Unequal counts of unchanged lines cannot happen; guard
			// against looping forever all the same.
			if i < na {
				i++
			}
			if j < nb {
				j++
			}
			continue
		}
		hunks = append(hunks, h)
	}
	return hunks
}

// scratch holds per-line-id counters reused across the recursive calls so
// that no call allocates in proportion to the number of distinct lines.
type scratch struct {
	cnt1, cnt2 []int32
	recPtr     []int32 // histogram: first occurrence of an id in the A range
	recCnt     []int32 // histogram: occurrences of an id in the A range
}

func newScratch(n int) *scratch {
	return &scratch{cnt1: make([]int32, n), cnt2: make([]int32, n)}
}

// trimEnds is xdl_trim_ends: a[:start] == b[:start] and the suffixes after
// endA/endB are equal (ends are exclusive).
func trimEnds(a, b []int32) (start, endA, endB int) {
	lim := min(len(a), len(b))
	for start < lim && a[start] == b[start] {
		start++
	}
	endA, endB = len(a), len(b)
	for endA > start && endB > start && a[endA-1] == b[endB-1] {
		endA--
		endB--
	}
	return start, endA, endB
}

// bogosqrt is xdl_bogosqrt: a power of two near the square root.
func bogosqrt(n int) int {
	i := 1
	for ; n > 0; n >>= 2 {
		i <<= 1
	}
	return i
}
