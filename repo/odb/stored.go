package odb

import (
	"fmt"
	"hash/crc32"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// Stored is how a packed object is kept: its entry's place in a pack,
// whether it is whole or a delta, and against which base. Pack writers
// use it to copy entries as they are (git's object and delta reuse)
// instead of inflating and compressing them again.
type Stored struct {
	p        *pack
	Offset   uint64              // the entry's offset in its pack
	End      uint64              // where the next entry (or the trailer) starts
	Kind     plumbing.ObjectType // the entry's type: an object type, or OFS/REF delta
	Size     uint64              // the entry's inflated size (a delta's own size)
	Base     plumbing.Hash       // a delta's base
	dataOff  uint64
	baseOff  uint64 // a delta's base entry, when it is in the same pack
	baseHere bool
}

// Delta reports whether the entry is a delta.
func (s Stored) Delta() bool {
	return s.Kind == plumbing.OFSDeltaObject || s.Kind == plumbing.REFDeltaObject
}

// SamePack reports whether two entries are in the same pack.
func (s Stored) SamePack(o Stored) bool { return s.p != nil && s.p == o.p }

// BaseInPack reports whether a delta's base is an entry of the same pack.
func (s Stored) BaseInPack() bool { return s.baseHere }

// Locate returns how the repository (not its alternates) stores id when
// it is packed; loose objects and unknown ids give false. The pack is the
// one every read of id uses, so an object and its delta base are located
// alike and reused deltas cannot form a cycle across packs.
func (db *DB) Locate(id plumbing.Hash) (Stored, bool) {
	p, off, ok := db.own.findPacked(id)
	if !ok {
		return Stored{}, false
	}
	s, err := p.stored(off)
	if err != nil {
		return Stored{}, false
	}
	return s, true
}

func (p *pack) stored(off uint64) (Stored, error) {
	d, err := p.pack()
	if err != nil {
		return Stored{}, err
	}
	e, err := parseEntry(d, off)
	if err != nil {
		return Stored{}, err
	}
	rev, err := p.idx.reverse()
	if err != nil {
		return Stored{}, err
	}
	s := Stored{p: p, Offset: off, Kind: e.typ, Size: e.size, dataOff: e.data}
	k := sort.Search(len(rev), func(k int) bool {
		o, _ := p.idx.offset(int(rev[k]))
		return o > off
	})
	s.End = uint64(len(d) - 20)
	if k < len(rev) {
		s.End, _ = p.idx.offset(int(rev[k]))
	}
	if s.End <= e.data {
		return Stored{}, fmt.Errorf("%w: entry at %d overlaps the next", errCorrupt, off)
	}
	switch e.typ {
	case plumbing.OFSDeltaObject:
		j := sort.Search(len(rev), func(k int) bool {
			o, _ := p.idx.offset(int(rev[k]))
			return o >= e.baseOff
		})
		if j == len(rev) {
			return Stored{}, fmt.Errorf("%w: no entry at delta base offset %d", errCorrupt, e.baseOff)
		}
		if o, _ := p.idx.offset(int(rev[j])); o != e.baseOff {
			return Stored{}, fmt.Errorf("%w: no entry at delta base offset %d", errCorrupt, e.baseOff)
		}
		s.Base = p.idx.id(int(rev[j]))
		s.baseOff, s.baseHere = e.baseOff, true
	case plumbing.REFDeltaObject:
		s.Base = e.baseID
		if pos, ok := p.idx.find(e.baseID); ok {
			if o, err := p.idx.offset(pos); err == nil {
				s.baseOff, s.baseHere = o, true
			}
		}
	}
	return s, nil
}

// Compressed returns the entry's zlib stream (after its header), checked
// against the CRC-32 the index records for the whole entry, or an error
// when the entry is damaged. The bytes are the pack's memory map: valid
// until the database is closed, not to be modified.
func (db *DB) Compressed(s Stored, id plumbing.Hash) ([]byte, error) {
	d, err := s.p.pack()
	if err != nil {
		return nil, err
	}
	if s.End > uint64(len(d)-20) || s.dataOff >= s.End {
		return nil, fmt.Errorf("%w: entry of %s out of range", errCorrupt, id)
	}
	if pos, ok := s.p.idx.find(id); ok {
		if want, ok := s.p.idx.crc(pos); ok && crc32.ChecksumIEEE(d[s.Offset:s.End]) != want {
			return nil, fmt.Errorf("%w: CRC of %s does not match its index", errCorrupt, id)
		}
	}
	return d[s.dataOff:s.End], nil
}

// Packed is the data of one pack the repository has, for writers that
// decide what to drop after a repack.
type Packed struct {
	Name    string // pack-<checksum>, the base name of its files
	Objects int
	Keep    bool // a .keep file marks it as not to be repacked
}
