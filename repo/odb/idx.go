package odb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// index is a pack index (.idx, version 1 or 2) read in place from its
// memory map: the fan-out table narrows a lookup to the ids sharing the
// first byte and a binary search finds the id there, so opening an index
// costs one mmap whatever the pack's size. Nothing is decoded up front.
type index struct {
	data    []byte
	version int
	n       int
	names   int // offset of the sorted ids (v2), or of the first entry (v1)
	crcs    int // v2 only
	off32   int // v2 only
	off64   int // v2 only

	revOnce sync.Once
	rev     []uint32 // positions sorted by pack offset, built when needed
	revErr  error
	revFile string // a .rev file git may have written beside the index
}

var errBadIndex = errors.New("bad pack index")

func openIndex(name string) (*index, error) {
	data, err := mapFile(name)
	if err != nil {
		return nil, err
	}
	ix, err := parseIndex(data)
	if err != nil {
		unmapFile(data)
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ix, nil
}

func parseIndex(data []byte) (*index, error) {
	ix := &index{data: data}
	fan := 0
	if len(data) >= 8 && bytes.Equal(data[:4], []byte{0xff, 't', 'O', 'c'}) {
		if v := binary.BigEndian.Uint32(data[4:]); v != 2 {
			return nil, fmt.Errorf("%w: version %d", errBadIndex, v)
		}
		ix.version = 2
		fan = 8
	} else {
		ix.version = 1
	}
	if len(data) < fan+256*4+40 {
		return nil, fmt.Errorf("%w: too short", errBadIndex)
	}
	ix.n = int(binary.BigEndian.Uint32(data[fan+255*4:]))
	prev := uint32(0)
	for i := 0; i < 256; i++ { // a non-monotonic fan-out would misdirect searches
		v := binary.BigEndian.Uint32(data[fan+i*4:])
		if v < prev {
			return nil, fmt.Errorf("%w: fan-out table", errBadIndex)
		}
		prev = v
	}
	ix.names = fan + 256*4
	if ix.version == 1 {
		if len(data) < ix.names+ix.n*24+40 {
			return nil, fmt.Errorf("%w: truncated", errBadIndex)
		}
		return ix, nil
	}
	ix.crcs = ix.names + ix.n*20
	ix.off32 = ix.crcs + ix.n*4
	ix.off64 = ix.off32 + ix.n*4
	if len(data) < ix.off64+40 {
		return nil, fmt.Errorf("%w: truncated", errBadIndex)
	}
	return ix, nil
}

func (ix *index) fanout(b int) int {
	if b < 0 {
		return 0
	}
	base := 0
	if ix.version == 2 {
		base = 8
	}
	return int(binary.BigEndian.Uint32(ix.data[base+b*4:]))
}

// name is the id at position i.
func (ix *index) name(i int) []byte {
	if ix.version == 1 {
		p := ix.names + i*24 + 4
		return ix.data[p : p+20]
	}
	p := ix.names + i*20
	return ix.data[p : p+20]
}

func (ix *index) id(i int) plumbing.Hash {
	var h plumbing.Hash
	copy(h[:], ix.name(i))
	return h
}

// find returns the position of id.
func (ix *index) find(id plumbing.Hash) (int, bool) {
	i := ix.lowerBound(id)
	if i < ix.n && ix.compare(i, binary.BigEndian.Uint64(id[:8]), &id) == 0 {
		return i, true
	}
	return 0, false
}

// compare is the order of the id at position i against id, whose first 8
// bytes are key: comparing them as a number settles almost every step of
// a search without a call.
func (ix *index) compare(i int, key uint64, id *plumbing.Hash) int {
	name := ix.name(i)
	k := binary.BigEndian.Uint64(name)
	switch {
	case k < key:
		return -1
	case k > key:
		return 1
	}
	return bytes.Compare(name[8:], id[8:])
}

// lowerBound returns the first position whose id is not less than id.
// Ids are uniformly spread, so the search starts with a guess from the
// bytes after the first (which the fan-out table settles) and then looks
// only at a window of about 64 ids around it: a few neighbouring cache
// lines of the index instead of a binary search's far-apart probes,
// each likely a cache (and page) miss when a walk looks up thousands of
// commits.
func (ix *index) lowerBound(id plumbing.Hash) int {
	lo, hi := ix.fanout(int(id[0])-1), ix.fanout(int(id[0]))
	key := binary.BigEndian.Uint64(id[:8])
	if n := hi - lo; n > 64 {
		est := lo + int((key<<8>>40)*uint64(n)>>24)
		a, b := max(lo, est-32), min(hi, est+32)
		switch {
		case ix.compare(a, key, &id) > 0:
			hi = a // before the window: the guess was too high
		case ix.compare(b-1, key, &id) < 0:
			lo = b // after it
		default:
			lo, hi = a, b
		}
	}
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if ix.compare(mid, key, &id) < 0 {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// offset is the pack offset of the object at position i.
func (ix *index) offset(i int) (uint64, error) {
	if ix.version == 1 {
		return uint64(binary.BigEndian.Uint32(ix.data[ix.names+i*24:])), nil
	}
	o := binary.BigEndian.Uint32(ix.data[ix.off32+i*4:])
	if o&0x80000000 == 0 {
		return uint64(o), nil
	}
	p := ix.off64 + int(o&0x7fffffff)*8
	if p+8 > len(ix.data)-40 {
		return 0, fmt.Errorf("%w: 64-bit offset out of range", errBadIndex)
	}
	return binary.BigEndian.Uint64(ix.data[p:]), nil
}

// crc is the CRC-32 of the packed entry at position i (version 2 only).
func (ix *index) crc(i int) (uint32, bool) {
	if ix.version == 1 {
		return 0, false
	}
	return binary.BigEndian.Uint32(ix.data[ix.crcs+i*4:]), true
}

// packChecksum is the trailer of the pack this index describes.
func (ix *index) packChecksum() plumbing.Hash {
	var h plumbing.Hash
	copy(h[:], ix.data[len(ix.data)-40:])
	return h
}

// prefix calls fn for each id that starts with the nibbles of hexPrefix
// (already lower case), in order.
func (ix *index) prefix(raw []byte, odd bool, nibble byte, fn func(plumbing.Hash)) {
	lo, hi := 0, ix.n
	if len(raw) > 0 {
		lo, hi = ix.fanout(int(raw[0])-1), ix.fanout(int(raw[0]))
	} else if odd {
		lo, hi = ix.fanout(int(nibble<<4)-1), ix.fanout(int(nibble<<4|0xf))
	}
	key := raw
	if odd {
		key = append(append([]byte{}, raw...), nibble<<4)
	}
	start := lo + sort.Search(hi-lo, func(i int) bool { return bytes.Compare(ix.name(lo+i), key) >= 0 })
	for i := start; i < hi; i++ {
		name := ix.name(i)
		if !bytes.HasPrefix(name, raw) {
			break
		}
		if odd && name[len(raw)]>>4 != nibble {
			if name[len(raw)]>>4 > nibble {
				break
			}
			continue
		}
		fn(ix.id(i))
	}
}

// reverse returns the positions of all objects in pack order, from the
// .rev file when git wrote one, otherwise sorted here on first use. Only
// callers that need an entry's end (raw copies of packed data) pay for it.
func (ix *index) reverse() ([]uint32, error) {
	ix.revOnce.Do(func() {
		if ix.revFile != "" {
			if rev, err := readRevFile(ix.revFile, ix.n); err == nil {
				ix.rev = rev
				return
			}
		}
		offs := make([]uint64, ix.n)
		rev := make([]uint32, ix.n)
		for i := range rev {
			o, err := ix.offset(i)
			if err != nil {
				ix.revErr = err
				return
			}
			offs[i] = o
			rev[i] = uint32(i)
		}
		sort.Slice(rev, func(a, b int) bool { return offs[rev[a]] < offs[rev[b]] })
		ix.rev = rev
	})
	return ix.rev, ix.revErr
}

// readRevFile reads git's reverse index: "RIDX", version 1, hash function
// 1, then one index position per object in pack order.
func readRevFile(name string, n int) ([]uint32, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if len(data) < 12+4*n+40 || string(data[:4]) != "RIDX" ||
		binary.BigEndian.Uint32(data[4:]) != 1 || binary.BigEndian.Uint32(data[8:]) != 1 {
		return nil, errBadIndex
	}
	rev := make([]uint32, n)
	for i := range rev {
		rev[i] = binary.BigEndian.Uint32(data[12+4*i:])
		if int(rev[i]) >= n {
			return nil, errBadIndex
		}
	}
	return rev, nil
}

func (ix *index) close() { unmapFile(ix.data) }
