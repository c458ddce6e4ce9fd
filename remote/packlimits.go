package remote

import (
	"errors"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// PackLimits bound what one received pack may make the receiver do. go-git's
// parser holds each object whole in memory while it resolves deltas and
// accepts delta chains up to 4095 deep, so without these a small pack (a
// zlib bomb: a few MB inflating to GBs, or a long chain of deltas each
// rebuilding a large object) costs the receiver memory and CPU far out of
// proportion to the bytes sent.
type PackLimits struct {
	// MaxObjectBytes is the largest object accepted, measured inflated:
	// the size a whole object declares, and the result size a delta
	// declares. Zero means DefaultMaxObjectBytes.
	MaxObjectBytes int64
	// MaxDeltaDepth is the longest delta chain accepted (an object stored
	// whole has depth 0). Zero means DefaultMaxDeltaDepth.
	MaxDeltaDepth int
}

// Defaults for PackLimits. 100 MiB is the largest file the big hosting
// services take in a push; depth 50 is git's own default pack.depth (easel's
// own packs carry at most one level: deltas against what the receiver has).
const (
	DefaultMaxObjectBytes = 100 << 20
	DefaultMaxDeltaDepth  = 50
)

// ErrObjectTooLarge is returned for a pack holding an object over
// PackLimits.MaxObjectBytes (the server answers 413).
var ErrObjectTooLarge = errors.New("object too large")

func (l PackLimits) withDefaults() PackLimits {
	if l.MaxObjectBytes <= 0 {
		l.MaxObjectBytes = DefaultMaxObjectBytes
	}
	if l.MaxDeltaDepth <= 0 {
		l.MaxDeltaDepth = DefaultMaxDeltaDepth
	}
	return l
}

// checkPackLimits reads the pack in f once, before go-git's parser does,
// and refuses it if an object is over the size limit or a delta chain over
// the depth limit. It only inflates into a hash or a 32-byte buffer, so
// its memory does not depend on the pack. Object sizes are checked from
// the headers before anything is inflated, and the inflated stream is
// bounded by the declared size (go-git's scanner enforces that).
//
// A REF_DELTA must name a whole object stored earlier in the same pack
// (git writes a delta's base before the delta) or, when have is not nil,
// an object have holds: a thin pack's external base. Those are returned,
// each once, in the order first named, for fixThin to append; an external
// base is stored whole in the completed pack, so its delta has depth 1,
// and reading it costs what have's own chains cost (they were bounded when
// they arrived). A base in neither is ErrMissing. For a thin pack the
// scanner also checks the pack's own SHA-1 trailer and that nothing follows
// it, since fixThin rewrites both.
func checkPackLimits(f io.ReadSeeker, lim PackLimits, have storer.EncodedObjectStorer) (external []plumbing.Hash, err error) {
	lim = lim.withDefaults()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	sc := packfile.NewScanner(f)
	_, count, err := sc.Header()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPack, err)
	}
	isExternal := map[plumbing.Hash]bool{}
	depthAt := map[int64]int{}              // offset -> delta depth
	wholeByHash := map[plumbing.Hash]bool{} // whole objects seen so far
	var head deltaHead
	for i := uint32(0); i < count; i++ {
		oh, err := sc.NextObjectHeader()
		if err != nil {
			return nil, fmt.Errorf("%w: object %d: %v", ErrBadPack, i, err)
		}
		depth := 0
		switch oh.Type {
		case plumbing.OFSDeltaObject:
			d, ok := depthAt[oh.OffsetReference]
			if !ok {
				return nil, fmt.Errorf("%w: object %d at offset %d: delta base at offset %d is not an object of this pack", ErrBadPack, i, oh.Offset, oh.OffsetReference)
			}
			depth = d + 1
		case plumbing.REFDeltaObject:
			depth = 1
			if wholeByHash[oh.Reference] || isExternal[oh.Reference] {
				break
			}
			if have == nil {
				return nil, fmt.Errorf("%w: object %d at offset %d: delta base %s is not a whole object earlier in this pack (thin packs are not accepted)", ErrBadPack, i, oh.Offset, oh.Reference)
			}
			size, err := have.EncodedObjectSize(oh.Reference)
			if err != nil {
				return nil, fmt.Errorf("%w: object %d at offset %d: delta base %s is neither in the pack nor in the repository", ErrMissing, i, oh.Offset, oh.Reference)
			}
			if size > lim.MaxObjectBytes {
				return nil, fmt.Errorf("%w: delta at offset %d: its base %s is %d bytes, over the limit of %d", ErrObjectTooLarge, oh.Offset, oh.Reference, size, lim.MaxObjectBytes)
			}
			isExternal[oh.Reference] = true
			external = append(external, oh.Reference)
		case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
		default:
			return nil, fmt.Errorf("%w: object %d has invalid type %d", ErrBadPack, i, oh.Type)
		}
		if depth > lim.MaxDeltaDepth {
			return nil, fmt.Errorf("%w: object at offset %d: delta chain deeper than %d", ErrBadPack, oh.Offset, lim.MaxDeltaDepth)
		}
		if oh.Length > lim.MaxObjectBytes {
			return nil, fmt.Errorf("%w: object at offset %d is %d bytes, over the limit of %d", ErrObjectTooLarge, oh.Offset, oh.Length, lim.MaxObjectBytes)
		}
		depthAt[oh.Offset] = depth
		if depth == 0 {
			hasher := plumbing.NewHasher(oh.Type, oh.Length)
			n, _, err := sc.NextObject(hasher)
			if err != nil {
				return nil, fmt.Errorf("%w: object at offset %d: %v", ErrBadPack, oh.Offset, err)
			}
			if n != oh.Length {
				return nil, fmt.Errorf("%w: object at offset %d: %d bytes, %d declared", ErrBadPack, oh.Offset, n, oh.Length)
			}
			wholeByHash[hasher.Sum()] = true
			continue
		}
		head.reset()
		if _, _, err := sc.NextObject(&head); err != nil {
			return nil, fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, oh.Offset, err)
		}
		_, target, ok := head.sizes()
		if !ok {
			return nil, fmt.Errorf("%w: delta at offset %d: truncated delta header", ErrBadPack, oh.Offset)
		}
		if target > uint64(lim.MaxObjectBytes) {
			return nil, fmt.Errorf("%w: delta at offset %d builds an object of %d bytes, over the limit of %d", ErrObjectTooLarge, oh.Offset, target, lim.MaxObjectBytes)
		}
	}
	if len(external) > 0 {
		// fixThin will rewrite the trailer: check the one sent first.
		if _, err := sc.Checksum(); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadPack, err)
		}
		end, err := sc.SeekFromStart(0)
		if err != nil {
			return nil, err
		}
		if size, err := f.Seek(0, io.SeekEnd); err != nil {
			return nil, err
		} else if size != end {
			return nil, fmt.Errorf("%w: data after the pack checksum", ErrBadPack)
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return external, nil
}

// deltaHead keeps the first bytes of an inflated delta (its source and
// target sizes) and discards the rest.
type deltaHead struct {
	buf [32]byte
	n   int
}

func (d *deltaHead) reset() { d.n = 0 }

func (d *deltaHead) Write(p []byte) (int, error) {
	d.n += copy(d.buf[d.n:], p)
	return len(p), nil
}

func (d *deltaHead) sizes() (src, target uint64, ok bool) {
	b := d.buf[:d.n]
	src, b, ok = leb128(b)
	if !ok {
		return 0, 0, false
	}
	target, _, ok = leb128(b)
	return src, target, ok
}

func leb128(b []byte) (uint64, []byte, bool) {
	var v uint64
	for i, c := range b {
		if i >= 10 {
			return 0, nil, false
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v, b[i+1:], true
		}
	}
	return 0, nil, false
}
