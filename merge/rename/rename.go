// Package rename pairs deleted files with added ones the way git's
// diffcore-rename does, for diffs and merges alike: exact renames first,
// then same-basename pairs, then the best matches above a similarity
// threshold, with git's span-hash estimate of similarity.
package rename

import (
	"bytes"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// Scores are on git's scale: MaxScore is identical.
const (
	MaxScore     = 60000
	DefaultScore = MaxScore / 2 // 50%: git's default rename threshold
	DefaultLimit = 1000         // git's diff.renameLimit
)

const candidatesPerDst = 4

// emptyBlob is the id of empty contents,
// e69de29bb2d1d6434b8b29ae775ad8c2e48c5391, spelled as bytes so that no
// code runs at start-up to parse it.
var emptyBlob = plumbing.Hash{0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b, 0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91}

// File is a deleted (source) or added (destination) file.
type File struct {
	Path string
	Hash plumbing.Hash
	Mode filemode.FileMode
}

// Pair is a rename found: indexes into the sources and destinations
// given, and the similarity.
type Pair struct {
	Src, Dst int
	Score    int
}

// Percent is the similarity git prints: the score in whole percent,
// rounded down.
func Percent(score int) int { return score * 100 / MaxScore }

// Options tune one detection.
type Options struct {
	MinScore int // inexact renames need at least this (0: DefaultScore)
	// Limit caps inexact detection: with more than Limit sources or
	// destinations left and more than Limit² pairs, only exact renames
	// are found (0: DefaultLimit).
	Limit int
	// EmptyFiles lets empty files be renamed (git's diff does, its merge
	// does not).
	EmptyFiles bool
	// Relevant, when not nil, limits inexact matching to the sources it
	// accepts (a merge needs renames only of paths the other side touched).
	Relevant func(path string) bool
}

// Detector finds renames, loading contents through Load only for pairs
// that need a similarity estimate, once per blob.
type Detector struct {
	Load      func(File) ([]byte, error)
	sigs      map[plumbing.Hash]sig
	overLimit bool
}

// sig is what similarity needs of a blob.
type sig struct {
	size  int64
	spans map[uint32]int
}

// LimitExceeded reports whether Detect found only exact renames because
// of the limit (git then warns).
func (d *Detector) LimitExceeded() bool { return d.overLimit }

func isReg(m filemode.FileMode) bool {
	return m == filemode.Regular || m == filemode.Executable || m == filemode.Deprecated
}

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Detect pairs srcs with dsts. Pairs come in the order git records them:
// exact renames by destination path, same-basename ones by source path,
// then the rest best first.
func (d *Detector) Detect(srcs, dsts []File, o Options) ([]Pair, error) {
	d.overLimit = false
	if len(srcs) == 0 || len(dsts) == 0 {
		return nil, nil
	}
	if o.MinScore <= 0 {
		o.MinScore = DefaultScore
	}
	if o.Limit <= 0 {
		o.Limit = DefaultLimit
	}
	usable := func(f File) bool {
		return f.Mode != filemode.Submodule && (o.EmptyFiles || f.Hash != emptyBlob)
	}
	var si, di []int // candidates, by path
	for i, s := range srcs {
		if usable(s) {
			si = append(si, i)
		}
	}
	for i, t := range dsts {
		if usable(t) {
			di = append(di, i)
		}
	}
	sort.Slice(si, func(a, b int) bool { return srcs[si[a]].Path < srcs[si[b]].Path })
	sort.Slice(di, func(a, b int) bool { return dsts[di[a]].Path < dsts[di[b]].Path })
	srcUsed := make([]bool, len(srcs))
	dstUsed := make([]bool, len(dsts))
	var out []Pair
	pairUp := func(s, t, score int) {
		srcUsed[s], dstUsed[t] = true, true
		out = append(out, Pair{Src: s, Dst: t, Score: score})
	}

	// Exact renames, a source with the same basename preferred.
	byHash := map[plumbing.Hash][]int{}
	for _, i := range si {
		byHash[srcs[i].Hash] = append(byHash[srcs[i].Hash], i)
	}
	for _, t := range di {
		best, bestScore := -1, -1
		for _, s := range byHash[dsts[t].Hash] {
			if srcUsed[s] {
				continue
			}
			if (!isReg(srcs[s].Mode) || !isReg(dsts[t].Mode)) && srcs[s].Mode != dsts[t].Mode {
				continue
			}
			score := 1
			if baseName(srcs[s].Path) == baseName(dsts[t].Path) {
				score++
			}
			if score > bestScore {
				best, bestScore = s, score
				if score == 2 {
					break
				}
			}
		}
		if best >= 0 {
			pairUp(best, t, MaxScore)
		}
	}

	// Same basename, unique among the sources and destinations left.
	// The bar is halfway between the threshold and identical (75% by
	// default).
	relevant := func(s int) bool { return o.Relevant == nil || o.Relevant(srcs[s].Path) }
	srcBase := map[string]int{}
	for _, s := range si {
		if srcUsed[s] {
			continue
		}
		b := baseName(srcs[s].Path)
		if _, dup := srcBase[b]; dup {
			srcBase[b] = -1
		} else {
			srcBase[b] = s
		}
	}
	dstBase := map[string]int{}
	for _, t := range di {
		if dstUsed[t] {
			continue
		}
		b := baseName(dsts[t].Path)
		if _, dup := dstBase[b]; dup {
			dstBase[b] = -1
		} else {
			dstBase[b] = t
		}
	}
	basenameScore := o.MinScore + (MaxScore-o.MinScore)/2
	for _, s := range si {
		if srcUsed[s] || !relevant(s) {
			continue
		}
		b := baseName(srcs[s].Path)
		t, ok := dstBase[b]
		if !ok || srcBase[b] != s || t < 0 || dstUsed[t] {
			continue
		}
		score, err := d.similarity(srcs[s], dsts[t], o.MinScore)
		if err != nil {
			return nil, err
		}
		if score >= basenameScore {
			pairUp(s, t, score)
		}
	}

	// Best matches over what is left, within the limit.
	var rs, rd []int
	for _, s := range si {
		if !srcUsed[s] && relevant(s) && isReg(srcs[s].Mode) {
			rs = append(rs, s)
		}
	}
	for _, t := range di {
		if !dstUsed[t] && isReg(dsts[t].Mode) {
			rd = append(rd, t)
		}
	}
	if len(rs) == 0 || len(rd) == 0 {
		return out, nil
	}
	if lim := o.Limit; (len(rs) > lim || len(rd) > lim) && lim*lim < len(rs)*len(rd) {
		d.overLimit = true
		return out, nil
	}
	type cand struct {
		score, nameScore int
		src, dst         int
	}
	better := func(a, b cand) bool {
		if a.score != b.score {
			return a.score > b.score
		}
		return a.nameScore > b.nameScore
	}
	var all []cand
	for _, t := range rd {
		var top []cand
		for _, s := range rs {
			score, err := d.similarity(srcs[s], dsts[t], o.MinScore)
			if err != nil {
				return nil, err
			}
			if score < o.MinScore {
				continue
			}
			ns := 0
			if baseName(srcs[s].Path) == baseName(dsts[t].Path) {
				ns = 1
			}
			top = append(top, cand{score: score, nameScore: ns, src: s, dst: t})
			sort.SliceStable(top, func(i, j int) bool { return better(top[i], top[j]) })
			if len(top) > candidatesPerDst {
				top = top[:candidatesPerDst]
			}
		}
		all = append(all, top...)
	}
	sort.SliceStable(all, func(i, j int) bool { return better(all[i], all[j]) })
	for _, c := range all {
		if !dstUsed[c.dst] && !srcUsed[c.src] {
			pairUp(c.src, c.dst, c.score)
		}
	}
	return out, nil
}

// similarity is git's estimate_similarity for regular files; 0 when the
// sizes alone rule out reaching minScore.
func (d *Detector) similarity(src, dst File, minScore int) (int, error) {
	if !isReg(src.Mode) || !isReg(dst.Mode) {
		return 0, nil
	}
	a, err := d.sig(src)
	if err != nil {
		return 0, err
	}
	b, err := d.sig(dst)
	if err != nil {
		return 0, err
	}
	maxSize, baseSize := a.size, b.size
	if baseSize > maxSize {
		maxSize, baseSize = baseSize, maxSize
	}
	delta := maxSize - baseSize
	if maxSize*int64(MaxScore-minScore) < delta*MaxScore {
		return 0, nil
	}
	if b.size == 0 {
		return 0, nil
	}
	var copied int64
	for h, sc := range a.spans {
		if dc, ok := b.spans[h]; ok {
			copied += int64(min(sc, dc))
		}
	}
	return int(copied * MaxScore / maxSize), nil
}

func (d *Detector) sig(f File) (sig, error) {
	if s, ok := d.sigs[f.Hash]; ok {
		return s, nil
	}
	data, err := d.Load(f)
	if err != nil {
		return sig{}, err
	}
	s := sig{size: int64(len(data)), spans: spanHash(data)}
	if d.sigs == nil {
		d.sigs = map[plumbing.Hash]sig{}
	}
	d.sigs[f.Hash] = s
	return s, nil
}

// IsBinary is git's buffer_is_binary: a NUL in the first 8000 bytes.
func IsBinary(b []byte) bool {
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
	text := !IsBinary(b)
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
