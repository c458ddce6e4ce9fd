package packobj

import (
	"encoding/binary"
	"math/bits"
)

// The delta encoder follows git's diff-delta: the base is indexed in
// blocks of blockSize bytes by a hash of each block, and the target is
// scanned with a rolling hash of the same width; where a block of the
// base matches, the match is extended forward (and backward into bytes
// not yet emitted) and written as a copy, everything else as literal
// inserts. Its output is what git's patch_delta (and odb's applyDelta)
// read.

const (
	blockSize   = 16
	bucketLimit = 64      // entries kept per hash bucket (git's HASH_LIMIT)
	maxCopy     = 0x10000 // largest copy emitted at once, as git does
	goodEnough  = 4096    // a match this long stops the search
)

// rolling hash base; any odd multiplier spreads well enough.
const hashMul = 0x01000193

// hashPow is hashMul**(blockSize-1), to drop the outgoing byte.
var hashPow = func() uint32 {
	p := uint32(1)
	for i := 0; i < blockSize-1; i++ {
		p *= hashMul
	}
	return p
}()

func blockHash(b []byte) uint32 {
	var h uint32
	for _, c := range b[:blockSize] {
		h = h*hashMul + uint32(c)
	}
	return h
}

// deltaIndex is the hash table of a base's blocks: bucket i's offsets are
// offs[start[i]:start[i+1]], highest offset first.
type deltaIndex struct {
	src   []byte
	shift uint
	start []uint32
	offs  []uint32
	vals  []uint32 // the full hash of each entry, checked before the bytes
}

func bucketOf(h uint32, shift uint) uint32 { return (h * 0x9E3779B1) >> shift }

// newDeltaIndex indexes src; nil when src is too small to match anything.
func newDeltaIndex(src []byte) *deltaIndex {
	if len(src) <= blockSize {
		return nil
	}
	n := (len(src) - 1) / blockSize
	bits := uint(4)
	for (1<<bits) < n && bits < 31 {
		bits++
	}
	ix := &deltaIndex{src: src, shift: 32 - bits}
	nb := 1 << bits
	counts := make([]uint32, nb+1)
	hashes := make([]uint32, n)
	prev := uint32(0)
	for i := 0; i < n; i++ {
		off := i * blockSize
		h := blockHash(src[off:])
		// Runs of identical blocks are indexed once (their first),
		// as git does, so repetitive data does not flood a bucket.
		if i > 0 && h == prev && string(src[off:off+blockSize]) == string(src[off-blockSize:off]) {
			hashes[i] = ^uint32(0)
			continue
		}
		prev = h
		b := bucketOf(h, ix.shift)
		hashes[i] = b
		counts[b]++
	}
	// Cap each bucket, keeping entries spread over the base.
	ix.start = make([]uint32, nb+1)
	total := uint32(0)
	for b := 0; b < nb; b++ {
		ix.start[b] = total
		c := counts[b]
		if c > bucketLimit {
			c = bucketLimit
		}
		total += c
	}
	ix.start[nb] = total
	ix.offs = make([]uint32, total)
	ix.vals = make([]uint32, total)
	fill := make([]uint32, nb)
	seen := counts[:nb]
	// Walk from the end so that each bucket lists later blocks first
	// (git prefers them too); when a bucket overflows, keep every k-th.
	for i := n - 1; i >= 0; i-- {
		b := hashes[i]
		if b == ^uint32(0) {
			continue
		}
		c := seen[b] // entries this bucket holds before the cap
		cap := ix.start[b+1] - ix.start[b]
		j := fill[b]
		fill[b]++
		// keep the j-th when it starts a new share of the cap: exactly
		// cap entries, spread evenly over the base
		if c > cap && (uint64(j+1)*uint64(cap))/uint64(c) == (uint64(j)*uint64(cap))/uint64(c) {
			continue
		}
		k := (uint64(j) * uint64(cap)) / uint64(c)
		if c <= cap {
			k = uint64(j)
		}
		ix.offs[ix.start[b]+uint32(k)] = uint32(i * blockSize)
		ix.vals[ix.start[b]+uint32(k)] = blockHash(src[i*blockSize:])
	}
	return ix
}

// makeDelta returns the delta turning ix's base into trg, or nil when it
// would be larger than maxSize (0: no limit).
func makeDelta(ix *deltaIndex, trg []byte, maxSize int) []byte {
	if ix == nil || len(trg) == 0 {
		return nil
	}
	src := ix.src
	limit := maxSize
	if limit == 0 {
		limit = len(trg) + len(trg)/64 + 64
	}
	out := make([]byte, 0, min(limit, 1<<16)+32)
	out = binary.AppendUvarint(out, uint64(len(src)))
	out = binary.AppendUvarint(out, uint64(len(trg)))

	ins := 0 // literal bytes pending, ending at p
	p := 0
	flushInsert := func(end int) {
		for ins > 0 {
			n := min(ins, 127)
			out = append(out, byte(n))
			out = append(out, trg[end-ins:end-ins+n]...)
			ins -= n
		}
	}
	var h uint32
	if len(trg) >= blockSize {
		h = blockHash(trg)
	}
	for p < len(trg) {
		msize, moff := 0, 0
		if p+blockSize <= len(trg) {
			b := bucketOf(h, ix.shift)
			lo, hi := ix.start[b], ix.start[b+1]
			for e := lo; e < hi; e++ {
				if ix.vals[e] != h {
					continue
				}
				ref := int(ix.offs[e])
				n := matchLen(src[ref:], trg[p:])
				if n > msize {
					msize, moff = n, ref
					if n >= goodEnough {
						break
					}
				}
			}
		}
		if msize < 4 {
			// literal byte; roll the hash
			ins++
			if ins == 127 {
				flushInsert(p + 1)
			}
			if p+blockSize < len(trg) {
				h = (h-uint32(trg[p])*hashPow)*hashMul + uint32(trg[p+blockSize])
			}
			p++
		} else {
			// extend backwards into pending literals
			for ins > 0 && moff > 0 && src[moff-1] == trg[p-1] {
				ins--
				moff--
				p--
				msize++
			}
			flushInsert(p)
			for msize > 0 {
				n := min(msize, maxCopy)
				out = appendCopy(out, moff, n)
				moff += n
				p += n
				msize -= n
			}
			if p+blockSize <= len(trg) {
				h = blockHash(trg[p:])
			}
		}
		if maxSize > 0 && len(out)+ins > maxSize {
			return nil
		}
	}
	flushInsert(len(trg))
	if maxSize > 0 && len(out) > maxSize {
		return nil
	}
	return out
}

func appendCopy(out []byte, off, size int) []byte {
	op := byte(0x80)
	var buf [7]byte
	n := 0
	for i := 0; i < 4; i++ {
		if b := byte(off >> (8 * i)); b != 0 {
			op |= 1 << i
			buf[n] = b
			n++
		}
	}
	if size == 0x10000 {
		size = 0 // encoded as no size bytes at all
	}
	for i := 0; i < 3; i++ {
		if b := byte(size >> (8 * i)); b != 0 {
			op |= 0x10 << i
			buf[n] = b
			n++
		}
	}
	out = append(out, op)
	return append(out, buf[:n]...)
}

// matchLen is the length of the common prefix of a and b, compared eight
// bytes at a time.
func matchLen(a, b []byte) int {
	n := 0
	for len(a) >= 8 && len(b) >= 8 {
		x := binary.LittleEndian.Uint64(a) ^ binary.LittleEndian.Uint64(b)
		if x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		a, b, n = a[8:], b[8:], n+8
	}
	for i := 0; i < len(a) && i < len(b) && a[i] == b[i]; i++ {
		n++
	}
	return n
}
