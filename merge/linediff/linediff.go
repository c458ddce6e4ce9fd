// Package linediff computes line diffs the way git's xdiff does: Myers
// (linear space, with xdiff's cost cutoff and its discarding of lines that
// have no match on the other side) and histogram. Choosing the same diff as
// git among several of equal length matters: the unified formatter and the
// three-way merge print and merge what this package returns, and users
// compare that with git.
package linediff

import (
	"bytes"
	"hash/maphash"
	"strings"
)

// Algorithm selects the diff algorithm.
type Algorithm int

const (
	// Histogram is git's histogram diff (xhistogram.c), used by merge-ort.
	Histogram Algorithm = iota
	// Myers is git's default diff (xdiffi.c), used by diff and merge-file.
	Myers
	// Patience is git's patience diff (xpatience.c).
	Patience
	// Minimal is Myers searching for the smallest diff (git's --minimal).
	Minimal
)

// ParseAlgorithm reads git's names of the diff algorithms, as
// --diff-algorithm and diff.algorithm take them.
func ParseAlgorithm(name string) (Algorithm, bool) {
	switch strings.ToLower(name) {
	case "myers", "default":
		return Myers, true
	case "minimal":
		return Minimal, true
	case "patience":
		return Patience, true
	case "histogram":
		return Histogram, true
	}
	return Myers, false
}

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
	n := bytes.Count(data, nl)
	if data[len(data)-1] != '\n' {
		n++
	}
	s := string(data) // one allocation; lines share it
	lines := make([]string, 0, n)
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}

var nl = []byte{'\n'}

// Diff returns the changes turning a into b, ordered and non-overlapping.
// The hunks are not slid (git's xdl_change_compact); callers that print or
// merge them apply that normalisation.
func Diff(a, b []string, alg Algorithm) []Hunk {
	ia, ib, nids := intern(a, b)
	ca, cb := Changed(ia, ib, nids, alg)
	return Hunks(ca, cb)
}

// intern maps equal lines to equal small integers so the algorithms
// compare ints, not strings. An open-addressing table keyed by the line's
// hash is about twice as fast as a Go map here, which matters: interning
// is a large part of diffing a big file with few changes.
func intern(a, b []string) (ia, ib []int32, n int) {
	ids, n := Intern(a, b)
	return ids[0], ids[1], n
}

// Intern gives every distinct line of the files a small integer id, the
// same for equal lines across all files; n is the number of ids. Callers
// diffing several versions of one file (a three-way merge) intern them
// once and call Changed.
func Intern(files ...[]string) (ids [][]int32, n int) {
	total := 0
	for _, f := range files {
		total += len(f)
	}
	size := 1
	for size < 2*total {
		size <<= 1
	}
	mask := uint64(size - 1)
	type slot struct {
		hash uint64
		id   int32 // id+1; 0 marks an empty slot
	}
	table := make([]slot, size)
	var first []string // first line seen with each id
	seed := maphash.MakeSeed()
	lookup := func(l string) int32 {
		h := maphash.String(seed, l)
		for i := h & mask; ; i = (i + 1) & mask {
			e := &table[i]
			if e.id == 0 {
				first = append(first, l)
				e.hash, e.id = h, int32(len(first))
				return e.id - 1
			}
			if e.hash == h && first[e.id-1] == l {
				return e.id - 1
			}
		}
	}
	ids = make([][]int32, len(files))
	if len(files) == 0 {
		return ids, 0
	}
	// The first file is hashed line by line. The others are mostly the
	// same lines in the same order, so each is first compared with the
	// line after the last one matched in the first file, a sequential
	// read that spares most lines the random access into the table.
	ref, refIDs := files[0], make([]int32, len(files[0]))
	pos := make([]int32, 0, len(ref)) // id -> a position in ref, -1 if none
	for i, l := range ref {
		id := lookup(l)
		refIDs[i] = id
		if int(id) == len(pos) {
			pos = append(pos, int32(i))
		}
	}
	ids[0] = refIDs
	for k, f := range files[1:] {
		out := make([]int32, len(f))
		j := 0
		for i, l := range f {
			if j < len(ref) && ref[j] == l {
				out[i] = refIDs[j]
				j++
				continue
			}
			id := lookup(l)
			out[i] = id
			if int(id) < len(pos) {
				j = int(pos[id]) + 1
			}
		}
		ids[k+1] = out
	}
	return ids, len(first)
}

// Changed marks the lines of a and b (interned to ids below nids) that the
// diff does not match. Both slices have one extra false entry at the end.
func Changed(a, b []int32, nids int, alg Algorithm) (ca, cb []bool) {
	ca = make([]bool, len(a)+1)
	cb = make([]bool, len(b)+1)
	s := newScratch(nids)
	s.needMin = alg == Minimal
	switch alg {
	case Histogram:
		// Unlike Myers, git's histogram starts from the whole files: a
		// common prefix is not trimmed first, and the anchors it finds
		// decide which of several equal diffs comes out.
		h := histogram{a: a, b: b, ca: ca, cb: cb, s: s}
		h.diff(1, len(a), 1, len(b))
	case Patience:
		// As histogram, patience works on the whole files.
		p := patience{a: a, b: b, ca: ca, cb: cb, s: s}
		p.diff(1, len(a), 1, len(b))
	default:
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
	// needMin: Myers looks for the smallest diff (git's --minimal).
	needMin    bool
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
