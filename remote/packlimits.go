package remote

import (
	"errors"
	"math"
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
	// MaxObjects is the most objects one pack may hold: indexing keeps
	// 40 bytes per object (see packindex.go). Zero means
	// DefaultMaxObjects.
	MaxObjects int64
	// MaxInflatedBytes caps the work of the whole pack: the bytes
	// produced by inflating its entries and applying its deltas. The
	// budget of a pack is InflateRatio times its size (at least
	// MinInflateBudget), never more than this. Zero means
	// DefaultMaxInflatedBytes.
	MaxInflatedBytes int64
	// InflateRatio is the budget per byte of pack. Zero means
	// DefaultInflateRatio.
	InflateRatio int64
	// NoObjectChecks skips the fsck checks of commits, trees and tags:
	// for packs of objects the repository already holds (merging packs).
	NoObjectChecks bool
}

// Defaults for PackLimits. 100 MiB is the largest file the big hosting
// services take in a push; depth 50 is git's own default pack.depth (easel's
// own packs carry at most one level: deltas against what the receiver has).
//
// The expansion budget: git's own history to v1.8.4 is a 51.6 MB pack of
// objects totalling 2.1 GB (41 times), and pass 2 reads the bases of
// deltas again, so 200 times leaves room for histories that compress
// better. Below MinInflateBudget (256 MiB, about half a second of work)
// no push is refused for its expansion, so a small push of one large,
// very compressible file goes through. 32 GiB caps a push at the 2 GiB
// body limit (about a minute of CPU).
//
// 1,000,000 objects (40 MB of index) is more than the git project's whole
// history to date (850,000); a server that takes larger pushes raises it.
const (
	DefaultMaxObjectBytes   = 100 << 20
	DefaultMaxDeltaDepth    = 50
	DefaultMaxObjects       = 1_000_000
	DefaultMaxInflatedBytes = 32 << 30
	DefaultInflateRatio     = 200
	MinInflateBudget        = 256 << 20
)

// ErrObjectTooLarge is returned for a pack holding an object over
// PackLimits.MaxObjectBytes (the server answers 413).
var ErrObjectTooLarge = errors.New("object too large")

// ErrTooManyObjects is returned for a pack holding more than
// PackLimits.MaxObjects objects (413).
var ErrTooManyObjects = errors.New("too many objects")

// ErrInflateBudget is returned for a pack that would expand beyond its
// budget (see PackLimits.MaxInflatedBytes; 413).
var ErrInflateBudget = errors.New("pack expands too much")

func (l PackLimits) withDefaults() PackLimits {
	if l.MaxObjectBytes <= 0 {
		l.MaxObjectBytes = DefaultMaxObjectBytes
	}
	if l.MaxDeltaDepth <= 0 {
		l.MaxDeltaDepth = DefaultMaxDeltaDepth
	}
	if l.MaxObjects <= 0 {
		l.MaxObjects = DefaultMaxObjects
	}
	if l.MaxInflatedBytes <= 0 {
		l.MaxInflatedBytes = DefaultMaxInflatedBytes
	}
	if l.InflateRatio <= 0 {
		l.InflateRatio = DefaultInflateRatio
	}
	return l
}

// budget is how many bytes a pack of packBytes may expand to.
func (l PackLimits) budget(packBytes int64) int64 {
	b := int64(math.MaxInt64)
	if packBytes <= 0 || l.InflateRatio <= math.MaxInt64/packBytes {
		b = l.InflateRatio * packBytes
	}
	return min(max(b, MinInflateBudget), l.MaxInflatedBytes)
}

// unlimited is for packs made of the repository's own objects.
func unlimited() PackLimits {
	return PackLimits{MaxObjectBytes: math.MaxInt64, MaxDeltaDepth: math.MaxInt32, MaxObjects: math.MaxUint32,
		MaxInflatedBytes: math.MaxInt64, InflateRatio: math.MaxInt64, NoObjectChecks: true}
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
