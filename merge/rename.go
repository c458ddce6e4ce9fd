package merge

import (
	"bytes"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Rename scores are on git's scale: 60000 is identical.
const (
	maxScore         = 60000
	minScore         = maxScore / 2                     // 50%: git's default rename threshold
	basenameScore    = minScore + (maxScore-minScore)/2 // 75%: a same-basename pair needs this
	candidatesPerDst = 4
)

// emptyBlob is never a rename source or destination (git's rename_empty=0).
var emptyBlob = plumbing.NewHash("e69de29bb2d1d6434b8b29ae775ad8c2e48c5391")

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// detectRenames pairs paths deleted on side with paths added on it, the
// way git's diffcore-rename does for a merge: exact renames first, then
// same-basename pairs of at least 75% similarity, then the best matches of
// at least 50%. Only sources the other side touched are considered for
// inexact matches (git's "relevant sources"); with none, nothing is done.
func (m *merger) detectRenames(side int) ([]renameSide, error) {
	if len(m.relevant[side]) == 0 || len(m.adds[side]) == 0 {
		return nil, nil
	}
	var srcs, dsts []pathPair
	for _, d := range m.deletes[side] {
		if d.v.Hash != emptyBlob && d.v.Mode != filemode.Submodule {
			srcs = append(srcs, d)
		}
	}
	for _, a := range m.adds[side] {
		if a.v.Hash != emptyBlob && a.v.Mode != filemode.Submodule {
			dsts = append(dsts, a)
		}
	}
	sort.Slice(srcs, func(i, j int) bool { return srcs[i].path < srcs[j].path })
	sort.Slice(dsts, func(i, j int) bool { return dsts[i].path < dsts[j].path })
	srcUsed := make([]bool, len(srcs))
	dstUsed := make([]bool, len(dsts))
	var out []renameSide
	pairUp := func(si, di int) {
		srcUsed[si], dstUsed[di] = true, true
		out = append(out, renameSide{src: srcs[si].path, dst: dsts[di].path, side: side})
	}

	// Exact renames.
	byHash := map[plumbing.Hash][]int{}
	for i, s := range srcs {
		byHash[s.v.Hash] = append(byHash[s.v.Hash], i)
	}
	for di, d := range dsts {
		best, bestScore := -1, -1
		for _, si := range byHash[d.v.Hash] {
			s := srcs[si]
			if (!isReg(s.v.Mode) || !isReg(d.v.Mode)) && s.v.Mode != d.v.Mode {
				continue
			}
			if srcUsed[si] {
				continue
			}
			score := 1
			if baseName(s.path) == baseName(d.path) {
				score++
			}
			if score > bestScore {
				best, bestScore = si, score
				if score == 2 {
					break
				}
			}
		}
		if best >= 0 {
			pairUp(best, di)
		}
	}

	// Remaining candidates: relevant, regular, unused.
	var rs, rd []int
	for i, s := range srcs {
		if !srcUsed[i] && m.relevant[side][s.path] && isReg(s.v.Mode) {
			rs = append(rs, i)
		}
	}
	for i, d := range dsts {
		if !dstUsed[i] && isReg(d.v.Mode) {
			rd = append(rd, i)
		}
	}
	if len(rs) == 0 || len(rd) == 0 {
		return out, nil
	}
	lim := m.opt.RenameLimit
	if (len(rs) > lim || len(rd) > lim) && lim*lim < len(rs)*len(rd) {
		return out, nil
	}

	// Same basename, unique among the remaining sources and destinations.
	srcBase := map[string]int{}
	for _, i := range rs {
		b := baseName(srcs[i].path)
		if _, dup := srcBase[b]; dup {
			srcBase[b] = -1
		} else {
			srcBase[b] = i
		}
	}
	dstBase := map[string]int{}
	for _, i := range rd {
		b := baseName(dsts[i].path)
		if _, dup := dstBase[b]; dup {
			dstBase[b] = -1
		} else {
			dstBase[b] = i
		}
	}
	for _, si := range rs {
		b := baseName(srcs[si].path)
		di, ok := dstBase[b]
		if !ok || srcBase[b] != si || di < 0 || dstUsed[di] {
			continue
		}
		score, err := m.similarity(srcs[si].v, dsts[di].v)
		if err != nil {
			return nil, err
		}
		if score >= basenameScore {
			pairUp(si, di)
		}
	}

	// Best matches over what is left.
	type cand struct {
		score, nameScore int
		src, dst         int
		seq              int
	}
	var all []cand
	seq := 0
	for _, di := range rd {
		if dstUsed[di] {
			continue
		}
		var top []cand
		for _, si := range rs {
			if srcUsed[si] {
				continue
			}
			score, err := m.similarity(srcs[si].v, dsts[di].v)
			if err != nil {
				return nil, err
			}
			if score < minScore {
				continue
			}
			ns := 0
			if baseName(srcs[si].path) == baseName(dsts[di].path) {
				ns = 1
			}
			c := cand{score: score, nameScore: ns, src: si, dst: di, seq: seq}
			seq++
			top = append(top, c)
			sort.SliceStable(top, func(i, j int) bool {
				if top[i].score != top[j].score {
					return top[i].score > top[j].score
				}
				return top[i].nameScore > top[j].nameScore
			})
			if len(top) > candidatesPerDst {
				top = top[:candidatesPerDst]
			}
		}
		all = append(all, top...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score > all[j].score
		}
		return all[i].nameScore > all[j].nameScore
	})
	for _, c := range all {
		if dstUsed[c.dst] || srcUsed[c.src] {
			continue
		}
		pairUp(c.src, c.dst)
	}
	return out, nil
}

func (m *merger) blob(h plumbing.Hash) ([]byte, error) {
	if b, ok := m.blobs[h]; ok {
		return b, nil
	}
	b, err := readBlob(m.st, h)
	if err != nil {
		return nil, err
	}
	if !m.noBlobCache {
		m.blobs[h] = b
	}
	return b, nil
}

// isBinary is git's buffer_is_binary: a NUL in the first 8000 bytes.
func isBinary(b []byte) bool {
	if len(b) > 8000 {
		b = b[:8000]
	}
	return bytes.IndexByte(b, 0) >= 0
}

// spanHash is git's diffcore-delta fingerprint: the content cut into
// lines (or 64-byte pieces of long lines), each hashed, with the number of
// bytes per hash value. CR of CRLF is ignored in text.
func spanHash(b []byte) map[uint32]int {
	const hashBase = 107927
	text := !isBinary(b)
	out := map[uint32]int{}
	var accum1, accum2 uint32
	n := 0
	for i := 0; i < len(b); i++ {
		c := uint32(b[i])
		if text && c == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			continue
		}
		old1 := accum1
		accum1 = (accum1 << 7) ^ (accum2 >> 25)
		accum2 = (accum2 << 7) ^ (old1 >> 25)
		accum1 += c
		n++
		if n < 64 && c != '\n' {
			continue
		}
		out[(accum1+accum2*0x61)%hashBase] += n
		n = 0
		accum1, accum2 = 0, 0
	}
	if n > 0 {
		out[(accum1+accum2*0x61)%hashBase] += n
	}
	return out
}

// similarity is git's estimate_similarity for regular files.
func (m *merger) similarity(src, dst ver) (int, error) {
	a, err := m.blob(src.Hash)
	if err != nil {
		return 0, err
	}
	b, err := m.blob(dst.Hash)
	if err != nil {
		return 0, err
	}
	maxSize, baseSize := int64(len(a)), int64(len(b))
	if baseSize > maxSize {
		maxSize, baseSize = baseSize, maxSize
	}
	delta := maxSize - baseSize
	if maxSize*(maxScore-minScore) < delta*maxScore {
		return 0, nil
	}
	if len(b) == 0 {
		return 0, nil
	}
	sa := m.spans[src.Hash]
	if sa == nil {
		sa = spanHash(a)
		m.spans[src.Hash] = sa
	}
	sb := m.spans[dst.Hash]
	if sb == nil {
		sb = spanHash(b)
		m.spans[dst.Hash] = sb
	}
	var copied int64
	for h, sc := range sa {
		if dc, ok := sb[h]; ok {
			copied += int64(min(sc, dc))
		}
	}
	return int(copied * maxScore / maxSize), nil
}
