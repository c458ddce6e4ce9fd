package repo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/bits"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// Abbreviator shortens object ids the way git does: at least a minimum
// length that grows with the number of packed objects (7 for small
// repositories), and longer when another object shares the prefix. It reads
// pack indexes with ReadAt and binary search, so shortening one id costs a
// few small reads, not a scan of every object.
type Abbreviator struct {
	gitDir string
	once   sync.Once
	min    int
	packs  []*idxReader
	mu     sync.Mutex
	loose  map[string][]string // "ab" -> names of loose objects in objects/ab
}

// NewAbbreviator returns an abbreviator for r. It is cheap until first used.
func (r *Repository) NewAbbreviator() *Abbreviator {
	return &Abbreviator{gitDir: r.GitDir, loose: map[string][]string{}}
}

// ShortID abbreviates h (which need not exist in the repository).
func (a *Abbreviator) ShortID(h plumbing.Hash) string {
	return a.Short(h, 0)
}

// Short abbreviates h to at least n hex digits (n <= 0: git's default).
func (a *Abbreviator) Short(h plumbing.Hash, n int) string {
	a.once.Do(a.load)
	if n <= 0 {
		n = a.min
	}
	full := h.String()
	if n >= len(full) {
		return full
	}
	common := a.longestShared(h)
	if common+1 > n {
		n = common + 1
	}
	if n > len(full) {
		n = len(full)
	}
	return full[:n]
}

func (a *Abbreviator) load() {
	matches, _ := filepath.Glob(filepath.Join(a.gitDir, "objects", "pack", "*.idx"))
	var count uint64
	for _, m := range matches {
		ir, err := openIdx(m)
		if err != nil {
			continue
		}
		a.packs = append(a.packs, ir)
		count += uint64(ir.n)
	}
	// git: collisions are expected around 2^(bits/2) objects, and there are
	// 4 bits per hex digit; never fewer than 7 digits.
	a.min = 7
	if count > 0 {
		l := bits.Len64(count) + 1
		l = (l + 1) / 2
		if l > a.min {
			a.min = l
		}
	}
}

// longestShared is the number of leading hex digits h shares with any other
// object in the repository.
func (a *Abbreviator) longestShared(h plumbing.Hash) int {
	best := 0
	full := h.String()
	for _, name := range a.looseNames(full[:2]) {
		if name == full[2:] {
			continue
		}
		if c := 2 + commonPrefix(name, full[2:]); c > best {
			best = c
		}
	}
	for _, p := range a.packs {
		if c := p.longestShared(h); c > best {
			best = c
		}
	}
	return best
}

func (a *Abbreviator) looseNames(dir string) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if names, ok := a.loose[dir]; ok {
		return names
	}
	entries, _ := os.ReadDir(filepath.Join(a.gitDir, "objects", dir))
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if len(e.Name()) == 38 {
			names = append(names, e.Name())
		}
	}
	a.loose[dir] = names
	return names
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// idxReader answers neighbour queries on a version 2 pack index without
// loading it.
type idxReader struct {
	f      *os.File
	fanout [256]uint32
	n      int
	names  []byte // the sorted ids, read once when not too large
}

// maxIdxNames bounds the ids an idxReader holds in memory (20 bytes each,
// so at most 10 MiB per pack index): past it, every lookup reads from the
// file.
const maxIdxNames = 512 << 10

func openIdx(path string) (*idxReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	hdr := make([]byte, 8+256*4)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		f.Close()
		return nil, err
	}
	if !bytes.Equal(hdr[:4], []byte{0xff, 't', 'O', 'c'}) || binary.BigEndian.Uint32(hdr[4:8]) != 2 {
		f.Close()
		return nil, errors.New("unsupported pack index version")
	}
	ir := &idxReader{f: f}
	for i := 0; i < 256; i++ {
		ir.fanout[i] = binary.BigEndian.Uint32(hdr[8+4*i:])
	}
	ir.n = int(ir.fanout[255])
	if ir.n <= maxIdxNames {
		names := make([]byte, 20*ir.n)
		if _, err := f.ReadAt(names, 8+256*4); err == nil {
			ir.names = names
		}
	}
	return ir, nil
}

func (ir *idxReader) hashAt(i int) (plumbing.Hash, bool) {
	var h plumbing.Hash
	if ir.names != nil {
		copy(h[:], ir.names[20*i:])
		return h, true
	}
	if _, err := ir.f.ReadAt(h[:], int64(8+256*4+20*i)); err != nil {
		return h, false
	}
	return h, true
}

func (ir *idxReader) longestShared(h plumbing.Hash) int {
	lo := 0
	if h[0] > 0 {
		lo = int(ir.fanout[h[0]-1])
	}
	hi := int(ir.fanout[h[0]])
	// First index with hash >= h.
	for lo < hi {
		mid := (lo + hi) / 2
		m, ok := ir.hashAt(mid)
		if !ok {
			return 0
		}
		if bytes.Compare(m[:], h[:]) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	best := 0
	full := h.String()
	for _, i := range []int{lo - 1, lo, lo + 1} {
		if i < 0 || i >= ir.n {
			continue
		}
		m, ok := ir.hashAt(i)
		if !ok || m == h {
			continue
		}
		if c := commonPrefix(m.String(), full); c > best {
			best = c
		}
	}
	return best
}

// shortRefName is how git prints a ref in lists: without refs/heads/,
// refs/tags/ or refs/remotes/.
func shortRefName(name plumbing.ReferenceName) string {
	s := name.String()
	for _, p := range []string{"refs/heads/", "refs/tags/", "refs/remotes/"} {
		if strings.HasPrefix(s, p) {
			return s[len(p):]
		}
	}
	return s
}
