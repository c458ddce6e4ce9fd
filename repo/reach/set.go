package reach

import (
	"encoding/binary"

	"github.com/go-git/go-git/v5/plumbing"
)

// Set is a set of object ids stored flat: an open-addressing table of
// 20-byte keys and nothing else, about 27 bytes an object at its fullest,
// where a Go map of hashes costs twice that. A walk of a large history
// keeps every id it has seen and no object content.
type Set struct {
	slots []plumbing.Hash
	n     int
	zero  bool // the all-zero id, which marks empty slots
}

// NewSet returns a set sized for about n ids.
func NewSet(n int) *Set {
	size := 1024
	for size*3/4 < n {
		size <<= 1
	}
	return &Set{slots: make([]plumbing.Hash, size)}
}

// Len is the number of ids in the set.
func (s *Set) Len() int {
	if s.zero {
		return s.n + 1
	}
	return s.n
}

func slot(h plumbing.Hash, mask int) int {
	// Object ids are uniformly distributed: their first bytes are a hash.
	return int(binary.LittleEndian.Uint64(h[:8])) & mask
}

// words is an id as three machine words: comparing them is a few
// instructions, where == on the arrays calls the runtime's memequal (a
// walk of a long history adds every tree entry it meets: tens of
// millions of probes).
func words(h *plumbing.Hash) (uint64, uint64, uint32) {
	return binary.LittleEndian.Uint64(h[0:8]), binary.LittleEndian.Uint64(h[8:16]), binary.LittleEndian.Uint32(h[16:20])
}

// Add inserts id and reports whether it was absent.
func (s *Set) Add(id plumbing.Hash) bool {
	a, b, c := words(&id)
	if a|b|uint64(c) == 0 {
		was := s.zero
		s.zero = true
		return !was
	}
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	slots := s.slots
	mask := len(slots) - 1
	for i := int(a) & mask; ; i = (i + 1) & mask {
		x, y, z := words(&slots[i])
		if x == a && y == b && z == c {
			return false
		}
		if x|y|uint64(z) == 0 {
			slots[i] = id
			s.n++
			return true
		}
	}
}

// Has reports whether id is in the set.
func (s *Set) Has(id plumbing.Hash) bool {
	a, b, c := words(&id)
	if a|b|uint64(c) == 0 {
		return s.zero
	}
	slots := s.slots
	mask := len(slots) - 1
	for i := int(a) & mask; ; i = (i + 1) & mask {
		x, y, z := words(&slots[i])
		if x == a && y == b && z == c {
			return true
		}
		if x|y|uint64(z) == 0 {
			return false
		}
	}
}

func (s *Set) grow() {
	old := s.slots
	s.slots = make([]plumbing.Hash, len(old)*2)
	mask := len(s.slots) - 1
	for _, h := range old {
		if h.IsZero() {
			continue
		}
		i := slot(h, mask)
		for !s.slots[i].IsZero() {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// ForEach calls fn for every id, in no particular order.
func (s *Set) ForEach(fn func(plumbing.Hash) error) error {
	if s.zero {
		if err := fn(plumbing.ZeroHash); err != nil {
			return err
		}
	}
	for _, h := range s.slots {
		if !h.IsZero() {
			if err := fn(h); err != nil {
				return err
			}
		}
	}
	return nil
}
