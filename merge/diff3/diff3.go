// Package diff3 merges two versions of a text with their common ancestor
// line by line, as git's xdiff/xmerge.c does: the same hunks combine, the
// same ones conflict, and conflicts are printed with the same markers, so
// files merged by easel and by git are byte for byte the same.
package diff3

import (
	"bytes"
	"strings"

	"easel.dev/easel/merge/linediff"
)

// Style is how conflicts are printed.
type Style int

const (
	// StyleMerge shows ours and theirs; lines they agree on inside a
	// conflict are moved out of it.
	StyleMerge Style = iota
	// StyleDiff3 also shows the base between ||||||| and =======.
	StyleDiff3
	// StyleZDiff3 is diff3 with the lines common to both sides at the
	// start and end of a conflict moved out of it.
	StyleZDiff3
)

// Favor resolves conflicts without markers.
type Favor int

const (
	FavorNone Favor = iota
	FavorOurs
	FavorTheirs
	FavorUnion
)

// Options control a merge.
type Options struct {
	Style                             Style
	Favor                             Favor
	OursLabel, BaseLabel, TheirsLabel string // "" -> no label text after the marker
	MarkerSize                        int    // 0 -> 7
	Algorithm                         linediff.Algorithm
	// AlnumSimplify also joins conflicts separated by more than three
	// lines when those lines contain no letter or digit (git merge-file
	// does this; git merge does not).
	AlnumSimplify bool
}

// Result is the merged text and how many conflicts it holds.
type Result struct {
	Content   []byte
	Conflicts int
}

const defaultMarkerSize = 7

// Hunk modes, as xdmerge_t.mode.
const (
	modeConflict = 0
	modeOurs     = 1
	modeTheirs   = 2
	modeBoth     = 3
	modeSame     = 4 // identical after refining: nothing to print
)

// hunk is xdmerge_t: a stretch of base [i0, i0+chg0) that ours replaces by
// [i1, i1+chg1) and theirs by [i2, i2+chg2).
type hunk struct {
	mode     int
	i0, chg0 int
	i1, chg1 int
	i2, chg2 int
}

// change is one xdchange_t: base [i1, i1+chg1) became [i2, i2+chg2).
type change struct{ i1, chg1, i2, chg2 int }

func diff(a, b []string, alg linediff.Algorithm) []change {
	return toChanges(linediff.Slide(a, b, linediff.Diff(a, b, alg)))
}

func diffIDs(a, b []string, ia, ib []int32, nids int, alg linediff.Algorithm) []change {
	ca, cb := linediff.Changed(ia, ib, nids, alg)
	return toChanges(linediff.Slide(a, b, linediff.Hunks(ca, cb)))
}

func toChanges(hs []linediff.Hunk) []change {
	cs := make([]change, len(hs))
	for k, h := range hs {
		cs[k] = change{h.A0, h.A1 - h.A0, h.B0, h.B1 - h.B0}
	}
	return cs
}

// Merge merges ours and theirs, both descended from base.
func Merge(base, ours, theirs []byte, opts Options) Result {
	m := &merger{
		base:   linediff.SplitLines(base),
		ours:   linediff.SplitLines(ours),
		theirs: linediff.SplitLines(theirs),
		opts:   opts,
	}
	// Intern the three versions together: the base is then hashed once
	// for both diffs.
	ids, nids := linediff.Intern(m.base, m.ours, m.theirs)
	x1 := diffIDs(m.base, m.ours, ids[0], ids[1], nids, opts.Algorithm)
	x2 := diffIDs(m.base, m.theirs, ids[0], ids[2], nids, opts.Algorithm)
	if len(x1) == 0 {
		return Result{Content: append([]byte(nil), theirs...)}
	}
	if len(x2) == 0 {
		return Result{Content: append([]byte(nil), ours...)}
	}
	hunks := m.combine(x1, x2)
	switch {
	case opts.Style == StyleZDiff3:
		m.refineZDiff3(hunks)
	case opts.Style == StyleMerge:
		hunks = m.refine(hunks)
		hunks = m.simplify(hunks)
	}
	var out bytes.Buffer
	out.Grow(len(ours) + len(theirs)/8)
	n := m.fill(&out, hunks)
	return Result{Content: out.Bytes(), Conflicts: n}
}

type merger struct {
	base, ours, theirs []string
	opts               Options
}

// appendHunk is xdl_append_merge: a hunk touching or overlapping the
// previous one joins it, and becomes a conflict if their modes differ.
func appendHunk(hs []hunk, mode, i0, chg0, i1, chg1, i2, chg2 int) []hunk {
	if n := len(hs); n > 0 {
		m := &hs[n-1]
		if i1 <= m.i1+m.chg1 || i2 <= m.i2+m.chg2 {
			if mode != m.mode {
				m.mode = modeConflict
			}
			m.chg0 = i0 + chg0 - m.i0
			m.chg1 = i1 + chg1 - m.i1
			m.chg2 = i2 + chg2 - m.i2
			return hs
		}
	}
	return append(hs, hunk{mode, i0, chg0, i1, chg1, i2, chg2})
}

// combine is the first half of xdl_do_merge: walk both change lists over
// the base and pair up what overlaps.
func (m *merger) combine(x1, x2 []change) []hunk {
	var hs []hunk
	p, q := 0, 0
	for p < len(x1) && q < len(x2) {
		a, b := x1[p], x2[q]
		if a.i1+a.chg1 < b.i1 {
			hs = appendHunk(hs, modeOurs, a.i1, a.chg1, a.i2, a.chg2, b.i2-b.i1+a.i1, a.chg1)
			p++
			continue
		}
		if b.i1+b.chg1 < a.i1 {
			hs = appendHunk(hs, modeTheirs, b.i1, b.chg1, a.i2-a.i1+b.i1, b.chg1, b.i2, b.chg2)
			q++
			continue
		}
		if a.i1 != b.i1 || a.chg1 != b.chg1 || a.chg2 != b.chg2 ||
			!equalLines(m.ours[a.i2:a.i2+a.chg2], m.theirs[b.i2:b.i2+b.chg2]) {
			off := a.i1 - b.i1
			ffo := off + a.chg1 - b.chg1
			i0, i1, i2 := a.i1, a.i2, b.i2
			if off > 0 {
				i0 -= off
				i1 -= off
			} else {
				i2 += off
			}
			chg0 := a.i1 + a.chg1 - i0
			chg1 := a.i2 + a.chg2 - i1
			chg2 := b.i2 + b.chg2 - i2
			if ffo < 0 {
				chg0 -= ffo
				chg1 -= ffo
			} else {
				chg2 += ffo
			}
			hs = appendHunk(hs, modeConflict, i0, chg0, i1, chg1, i2, chg2)
		}
		e1, e2 := a.i1+a.chg1, b.i1+b.chg1
		if e1 >= e2 {
			q++
		}
		if e2 >= e1 {
			p++
		}
	}
	for ; p < len(x1); p++ {
		a := x1[p]
		hs = appendHunk(hs, modeOurs, a.i1, a.chg1, a.i2, a.chg2, a.i1+len(m.theirs)-len(m.base), a.chg1)
	}
	for ; q < len(x2); q++ {
		b := x2[q]
		hs = appendHunk(hs, modeTheirs, b.i1, b.chg1, b.i1+len(m.ours)-len(m.base), b.chg1, b.i2, b.chg2)
	}
	return hs
}

func equalLines(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// refine is xdl_refine_conflicts: diff ours against theirs inside each
// conflict so that only the lines where they differ stay conflicted.
func (m *merger) refine(hs []hunk) []hunk {
	out := make([]hunk, 0, len(hs))
	for _, h := range hs {
		if h.mode != modeConflict || h.chg1 == 0 || h.chg2 == 0 {
			out = append(out, h)
			continue
		}
		t1 := m.ours[h.i1 : h.i1+h.chg1]
		t2 := m.theirs[h.i2 : h.i2+h.chg2]
		// git diffs the raw bytes of the two stretches; a stretch whose
		// last line lacks its newline is the same in both views.
		cs := diff(t1, t2, m.opts.Algorithm)
		if len(cs) == 0 {
			h.mode = modeSame
			out = append(out, h)
			continue
		}
		for k, c := range cs {
			nh := h
			if k > 0 {
				nh.mode = modeConflict
			}
			nh.i1 = c.i1 + h.i1
			nh.chg1 = c.chg1
			nh.i2 = c.i2 + h.i2
			nh.chg2 = c.chg2
			out = append(out, nh)
		}
	}
	return out
}

// refineZDiff3 is xdl_refine_zdiff3_conflicts: move the lines both sides
// share at the start and the end of a conflict out of it.
func (m *merger) refineZDiff3(hs []hunk) {
	for k := range hs {
		h := &hs[k]
		if h.mode != modeConflict {
			continue
		}
		for h.chg1 > 0 && h.chg2 > 0 && m.ours[h.i1] == m.theirs[h.i2] {
			h.chg1--
			h.chg2--
			h.i1++
			h.i2++
		}
		for h.chg1 > 0 && h.chg2 > 0 && m.ours[h.i1+h.chg1-1] == m.theirs[h.i2+h.chg2-1] {
			h.chg1--
			h.chg2--
		}
	}
}

// simplify is xdl_simplify_non_conflicts: conflicts separated by three
// lines or fewer (or, with AlnumSimplify, by lines without a letter or
// digit) become one conflict, which reads more easily.
func (m *merger) simplify(hs []hunk) []hunk {
	if len(hs) == 0 {
		return hs
	}
	out := hs[:1]
	for _, next := range hs[1:] {
		cur := &out[len(out)-1]
		begin, end := cur.i1+cur.chg1, next.i1
		if cur.mode != modeConflict || next.mode != modeConflict ||
			(end-begin > 3 && (!m.opts.AlnumSimplify || containsAlnum(m.ours[begin:end]))) {
			out = append(out, next)
			continue
		}
		cur.chg1 = next.i1 + next.chg1 - cur.i1
		cur.chg2 = next.i2 + next.chg2 - cur.i2
	}
	return out
}

func containsAlnum(lines []string) bool {
	for _, l := range lines {
		for i := 0; i < len(l); i++ {
			c := l[i]
			if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				return true
			}
		}
	}
	return false
}

// eolCRLF is is_eol_crlf: 1 if line i ends in CRLF (for a last line
// without newline, the line before decides), 0 for LF, -1 if unknown.
func eolCRLF(lines []string, i int) int {
	n := len(lines)
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	if i < n-1 {
		l := lines[i]
		return b2i(len(l) > 1 && l[len(l)-2] == '\r')
	}
	if n == 0 {
		return -1
	}
	if l := lines[i]; len(l) > 0 && l[len(l)-1] == '\n' {
		return b2i(len(l) > 1 && l[len(l)-2] == '\r')
	}
	if i == 0 {
		return -1
	}
	l := lines[i-1]
	return b2i(len(l) > 1 && l[len(l)-2] == '\r')
}

// crNeeded is is_cr_needed: markers end in CRLF when the lines around the
// conflict on both sides (and the base's first line) do.
func (m *merger) crNeeded(h hunk) bool {
	prev := func(i int) int {
		if i > 0 {
			return i - 1
		}
		return 0
	}
	cr := eolCRLF(m.ours, prev(h.i1))
	if cr != 0 {
		cr = eolCRLF(m.theirs, prev(h.i2))
	}
	if cr != 0 {
		cr = eolCRLF(m.base, 0)
	}
	return cr > 0
}

// copyLines writes lines; with addNL a last line without newline gets
// one, so that a marker after it starts on its own line.
func copyLines(w *bytes.Buffer, lines []string, cr, addNL bool) {
	if len(lines) == 0 {
		return
	}
	for _, l := range lines {
		w.WriteString(l)
	}
	if addNL {
		if l := lines[len(lines)-1]; l == "" || l[len(l)-1] != '\n' {
			if cr {
				w.WriteByte('\r')
			}
			w.WriteByte('\n')
		}
	}
}

func marker(w *bytes.Buffer, c byte, size int, label string, cr bool) {
	w.WriteString(strings.Repeat(string(c), size))
	if label != "" {
		w.WriteByte(' ')
		w.WriteString(label)
	}
	if cr {
		w.WriteByte('\r')
	}
	w.WriteByte('\n')
}

// fill is xdl_fill_merge_buffer: the result is ours, with theirs' changes
// and the conflicts spliced in. It returns the number of conflicts left.
func (m *merger) fill(w *bytes.Buffer, hs []hunk) int {
	size := m.opts.MarkerSize
	if size <= 0 {
		size = defaultMarkerSize
	}
	conflicts := 0
	i := 0
	for _, h := range hs {
		if m.opts.Favor != FavorNone && h.mode == modeConflict {
			h.mode = int(m.opts.Favor)
		}
		switch {
		case h.mode == modeConflict:
			conflicts++
			cr := m.crNeeded(h)
			copyLines(w, m.ours[i:h.i1], false, false)
			marker(w, '<', size, m.opts.OursLabel, cr)
			copyLines(w, m.ours[h.i1:h.i1+h.chg1], cr, true)
			if m.opts.Style == StyleDiff3 || m.opts.Style == StyleZDiff3 {
				marker(w, '|', size, m.opts.BaseLabel, cr)
				copyLines(w, m.base[h.i0:h.i0+h.chg0], cr, true)
			}
			marker(w, '=', size, "", cr)
			copyLines(w, m.theirs[h.i2:h.i2+h.chg2], cr, true)
			marker(w, '>', size, m.opts.TheirsLabel, cr)
		case h.mode&3 != 0:
			copyLines(w, m.ours[i:h.i1], false, false)
			if h.mode&1 != 0 {
				copyLines(w, m.ours[h.i1:h.i1+h.chg1], m.crNeeded(h), h.mode&2 != 0)
			}
			if h.mode&2 != 0 {
				copyLines(w, m.theirs[h.i2:h.i2+h.chg2], false, false)
			}
		default:
			continue
		}
		i = h.i1 + h.chg1
	}
	copyLines(w, m.ours[i:], false, false)
	return conflicts
}
