package odb

import (
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"time"

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

// DataOffset is where the entry's compressed data starts (after its
// header).
func (s Stored) DataOffset() uint64 { return s.dataOff }

// Sibling is the entry of s's pack that starts at off, with its data at
// dataOff and its end at end, as Locate reported them: enough for
// Compressed. Pack writers that keep a few numbers per object, not a
// whole Stored, rebuild the entry from them when they copy it.
func (s Stored) Sibling(off, dataOff, end uint64) Stored {
	return Stored{p: s.p, Offset: off, End: end, dataOff: dataOff}
}

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

// PackName is the base name (pack-<checksum>) of the entry's pack.
func (s Stored) PackName() string {
	if s.p == nil {
		return ""
	}
	return filepath.Base(s.p.base)
}

// OwnPack is one pack of the repository's own objects directory.
type OwnPack struct {
	Name    string // pack-<checksum>: the base name of its files
	Keep    bool   // a .keep file says not to repack it
	Objects int
	Size    int64 // of the .pack and .idx files
	ModTime time.Time
}

// OwnPacks lists the repository's packs as they are on disk now, with
// what repack and gc decide by: PackFiles(false) with sizes, dates and
// .keep files.
func (db *DB) OwnPacks() []OwnPack {
	var out []OwnPack
	for _, pf := range db.PackFiles(false) {
		op := OwnPack{Name: filepath.Base(pf.Base)}
		op.Objects, _ = pf.Count()
		for _, ext := range []string{".pack", ".idx"} {
			if fi, err := os.Stat(pf.Base + ext); err == nil {
				op.Size += fi.Size()
				if ext == ".pack" {
					op.ModTime = fi.ModTime()
				}
			}
		}
		if _, err := os.Stat(pf.Base + ".keep"); err == nil {
			op.Keep = true
		}
		out = append(out, op)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ForEachInPack calls fn with every id of the named own pack.
func (db *DB) ForEachInPack(name string, fn func(plumbing.Hash) error) error {
	for _, pf := range db.PackFiles(false) {
		if filepath.Base(pf.Base) == name {
			return pf.ForEachID(fn)
		}
	}
	return fmt.Errorf("%s: no such pack", name)
}

// HasLoose reports whether id is a loose object of the repository's own
// objects directory.
func (db *DB) HasLoose(id plumbing.Hash) bool {
	_, err := os.Lstat(db.own.loosePath(id))
	return err == nil
}

// LoosePath is where id is (or would be) stored loose.
func (db *DB) LoosePath(id plumbing.Hash) string { return db.own.loosePath(id) }

// ForEachLoose calls fn with every loose object of the repository's own
// objects directory.
func (db *DB) ForEachLoose(fn func(plumbing.Hash) error) error { return db.own.forEachLoose(fn) }

// InPack reports whether id is in one of the repository's own packs,
// looking at the pack directory again first when asked.
func (db *DB) InPack(id plumbing.Hash) bool {
	_, _, ok := db.own.findPacked(id)
	return ok
}
