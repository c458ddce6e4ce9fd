// Package inflate decompresses a zlib stream (RFC 1950 around RFC 1951's
// deflate) held whole in memory into a buffer of known size: a packed
// object, whose inflated size its pack entry header gives.
//
// compress/zlib reads through io.Reader and io.ByteReader calls, one per
// input byte, and copies its output through a 32 KiB window; for the many
// small objects a whole-history log reads (one zlib stream per commit),
// that and the per-stream set-up were about 40% of the log's time. Here
// the input is a slice read 64 bits at a time, the output slice is itself
// the window, and the Huffman tables are rebuilt in place. The stream is
// checked as compress/zlib checks it: header, block structure, distances,
// the Adler-32 checksum, and the length against the expected size.
package inflate

import (
	"encoding/binary"
	"errors"
	"hash/adler32"
	"math/bits"
	"sync"
)

var (
	// ErrCorrupt is a malformed stream.
	ErrCorrupt = errors.New("zlib: invalid deflate data")
	// ErrChecksum is a stream whose data does not match its Adler-32.
	ErrChecksum = errors.New("zlib: invalid checksum")
	// ErrHeader is a stream that does not start with a zlib header.
	ErrHeader = errors.New("zlib: invalid header")
	// ErrTooLong is a stream that holds more than the expected size.
	ErrTooLong = errors.New("zlib: stream longer than expected")
	// ErrShort is a stream that ends before the expected size.
	ErrShort = errors.New("zlib: stream shorter than expected")
)

const (
	litBits  = 9 // largest fast table index for literal/length codes
	distBits = 8 // and for distance codes
	clBits   = 7 // and for code length codes (all of them fit)
	maxBits  = 15
)

// huffman is a canonical Huffman code: a fast table indexed by the next
// `bits` bits of input (entry: symbol<<4 | length, 0 for a longer or
// unused code), and counts/symbols for the slow path (RFC 1951 decoding
// as zlib's puff) that codes longer than the table need.
//
// The table is as wide as the code's longest code, up to the limit: the
// small objects a history walk reads have short codes (the literal codes
// of a commit seldom exceed 9 bits, its distance codes 6), and a table
// only that wide is quicker to fill, which is most of what a block of a
// few hundred bytes costs.
type huffman struct {
	fast   [1 << litBits]uint16
	bits   uint
	mask   uint64 // 1<<bits - 1
	slow   bool   // codes longer than bits exist: count and symbol are set
	count  [maxBits + 1]uint16
	symbol [288]uint16
}

// build makes the code from the code lengths of its symbols and how many
// there are of each length (count[0] is ignored), with a fast table of at
// most limit bits. As compress/flate and zlib, it accepts a complete
// code, a single code of one bit, and a code with no symbols at all
// (using which fails); any other incomplete or an over-subscribed set is
// an error.
func (h *huffman) build(lengths []uint8, count *[maxBits + 1]uint16, limit uint) error {
	left, longest := 1, 0
	for l := 1; l <= maxBits; l++ {
		left <<= 1
		left -= int(count[l])
		if left < 0 {
			return ErrCorrupt
		}
		if count[l] != 0 {
			longest = l
		}
	}
	if left != 0 && longest != 0 && !(longest == 1 && count[1] == 1) {
		return ErrCorrupt
	}
	h.count = *count
	h.count[0] = 0
	h.bits = max(min(uint(longest), limit), 1)
	h.mask = 1<<h.bits - 1
	h.slow = uint(longest) > h.bits
	// The symbols in canonical order: by length, then symbol.
	var offs [maxBits + 2]uint16
	for l := 1; l <= maxBits; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	for s, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = uint16(s)
			offs[l]++
		}
	}
	// The table is filled for codes of one bit, then doubled and filled
	// for codes of two bits, and so on: each code of length l sits at its
	// bit-reversed code among the first 1<<l entries, and doubling copies
	// it to every entry whose low l bits are that. Entries no code of up
	// to h.bits bits covers stay 0 throughout: the slow path decodes them
	// (or fails).
	h.fast[0] = 0
	code, idx := uint16(0), 0
	for l := uint(1); l <= h.bits; l++ {
		half := 1 << (l - 1)
		copy(h.fast[half:2*half], h.fast[:half])
		for n := int(h.count[l]); n > 0; n-- {
			h.fast[(bits.Reverse16(code)>>(16-l))&(1<<litBits-1)] = h.symbol[idx]<<4 | uint16(l)
			code++
			idx++
		}
		code <<= 1
	}
	return nil
}

// lengthCounts counts the code lengths of a fixed set.
func lengthCounts(lengths []uint8) *[maxBits + 1]uint16 {
	var c [maxBits + 1]uint16
	for _, l := range lengths {
		c[l&maxBits]++
	}
	return &c
}

// state is the bit reader over the input.
type state struct {
	src  []byte
	pos  int    // next input byte to load
	bits uint64 // loaded bits, least significant first
	nb   uint   // number of loaded bits
	over int    // bytes loaded past the end of input (as zeros)
}

func (s *state) refill() {
	if s.pos+8 <= len(s.src) {
		s.bits |= binary.LittleEndian.Uint64(s.src[s.pos:]) << s.nb
		s.pos += int(63-s.nb) >> 3
		s.nb |= 56
		return
	}
	for s.nb <= 56 {
		if s.pos < len(s.src) {
			s.bits |= uint64(s.src[s.pos]) << s.nb
			s.pos++
		} else {
			s.over++
		}
		s.nb += 8
	}
}

// align drops the bits up to the next byte boundary and gives the whole
// bytes still loaded back to the input (padding loaded past its end
// first); false if the stream went past its end.
func (s *state) align() bool {
	s.take(s.nb & 7)
	back := int(s.nb >> 3)
	if s.over > back {
		return false
	}
	s.pos -= back - s.over
	s.over = 0
	s.bits, s.nb = 0, 0
	return true
}

// need makes sure n (<= 56) bits are loaded.
func (s *state) need(n uint) {
	if s.nb < n {
		s.refill()
	}
}

func (s *state) take(n uint) uint32 {
	v := uint32(s.bits & (1<<n - 1))
	s.bits >>= n
	s.nb -= n
	return v
}

// decode reads one symbol of h; at least 15 bits must be loaded.
func (s *state) decode(h *huffman) (int, error) {
	if e := h.fast[s.bits&h.mask&(1<<litBits-1)]; e != 0 {
		n := uint(e & 15)
		s.bits >>= n
		s.nb -= n
		return int(e >> 4), nil
	}
	return s.decodeSlow(h)
}

// decodeSlow decodes a code longer than h's fast table, bit by bit.
func (s *state) decodeSlow(h *huffman) (int, error) {
	if !h.slow {
		return 0, ErrCorrupt // a prefix no code starts with
	}
	code, first, index := 0, 0, 0
	b := s.bits
	for l := 1; l <= maxBits; l++ {
		code |= int(b & 1)
		b >>= 1
		count := int(h.count[l])
		if code-first < count {
			s.bits >>= uint(l)
			s.nb -= uint(l)
			return int(h.symbol[index+code-first]), nil
		}
		index += count
		first += count
		first <<= 1
		code <<= 1
	}
	return 0, ErrCorrupt
}

var (
	lenBase  = [32]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra = [32]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	dBase    = [32]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	dExtra   = [32]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clOrder  = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

// fixedCodes are the tables of the fixed Huffman codes (block type 1),
// built when a stream first uses them rather than at every start of the
// program.
var fixedCodes = sync.OnceValue(func() *struct{ lit, dist huffman } {
	t := new(struct{ lit, dist huffman })
	var l [288]uint8
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	t.lit.build(l[:], lengthCounts(l[:]), litBits)
	// All 32 five-bit codes: 30 and 31 decode, and are refused as
	// distances, as compress/flate refuses them.
	var d [32]uint8
	for i := range d {
		d[i] = 5
	}
	t.dist.build(d[:], lengthCounts(d[:]), distBits)
	return t
})

// Inflater holds the tables of dynamic blocks between streams, so that
// inflating many small objects allocates only their output.
type Inflater struct {
	lit, dist, cl huffman
	lens          [320]uint8
}

// Zlib inflates the zlib stream in src into dst, which must be exactly the
// inflated size: a stream that ends early or goes on past it is an error.
func (z *Inflater) Zlib(dst, src []byte) error {
	_, err := z.inflate(dst, src, false)
	return err
}

// Prefix inflates the first len(dst) bytes of the zlib stream in src (or
// all of it, if shorter) and returns how many it wrote. Nothing past them
// is checked.
func (z *Inflater) Prefix(dst, src []byte) (int, error) {
	return z.inflate(dst, src, true)
}

// errFull is codes' report that a prefix is complete.
var errFull = errors.New("prefix complete")

func (z *Inflater) inflate(dst, src []byte, prefix bool) (int, error) {
	if len(src) < 2 {
		return 0, ErrHeader
	}
	cmf, flg := src[0], src[1]
	if cmf&0x0f != 8 || cmf>>4 > 7 || (uint(cmf)<<8|uint(flg))%31 != 0 || flg&0x20 != 0 {
		return 0, ErrHeader
	}
	s := state{src: src, pos: 2}
	op := 0
	for {
		s.need(3)
		final := s.take(1)
		typ := s.take(2)
		var lit, dist *huffman
		switch typ {
		case 0:
			// Stored: the rest of this byte is dropped, whole bytes
			// still in the bit buffer go back to the input.
			if !s.align() || s.pos+4 > len(src) {
				return op, ErrCorrupt
			}
			n := int(binary.LittleEndian.Uint16(src[s.pos:]))
			if uint16(n) != ^binary.LittleEndian.Uint16(src[s.pos+2:]) {
				return op, ErrCorrupt
			}
			s.pos += 4
			if s.pos+n > len(src) {
				return op, ErrCorrupt
			}
			if op+n > len(dst) {
				if prefix {
					return op + copy(dst[op:], src[s.pos:s.pos+n]), nil
				}
				return op, ErrTooLong
			}
			copy(dst[op:], src[s.pos:s.pos+n])
			op += n
			s.pos += n
			goto next
		case 1:
			fixed := fixedCodes()
			lit, dist = &fixed.lit, &fixed.dist
		case 2:
			if err := z.dynamic(&s); err != nil {
				return op, err
			}
			lit, dist = &z.lit, &z.dist
		default:
			return op, ErrCorrupt
		}
		{
			var err error
			op, err = s.codes(dst, op, lit, dist, prefix)
			if err == errFull {
				return op, nil
			}
			if err != nil {
				return op, err
			}
		}
	next:
		if s.over > 0 && s.over*8 > int(s.nb) {
			return op, ErrCorrupt // read past the end of the input
		}
		if final == 1 {
			break
		}
	}
	if prefix {
		return op, nil
	}
	if op != len(dst) {
		return op, ErrShort
	}
	// The Adler-32 checksum follows, from the next byte boundary.
	if !s.align() || s.pos+4 > len(src) {
		return op, ErrCorrupt
	}
	if binary.BigEndian.Uint32(src[s.pos:]) != adler32.Checksum(dst) {
		return op, ErrChecksum
	}
	return op, nil
}

// codes decodes the symbols of one Huffman block into dst from op, up to
// and including its end-of-block code, and returns where the output got
// to; errFull when a prefix filled dst. The bit buffer lives in locals
// here, where nearly all the time of a large object goes.
func (s *state) codes(dst []byte, op int, lit, dist *huffman, prefix bool) (int, error) {
	src, pos, bitbuf, nb := s.src, s.pos, s.bits, s.nb
	lmask, dmask := lit.mask&(1<<litBits-1), dist.mask&(1<<litBits-1)
	for {
		// 15 bits of code, 5 extra, 15 of distance code, 13 extra:
		// 48 at most per match.
		if nb < 48 {
			if pos+8 <= len(src) {
				bitbuf |= binary.LittleEndian.Uint64(src[pos:]) << nb
				pos += int(63-nb) >> 3
				nb |= 56
			} else {
				s.pos, s.bits, s.nb = pos, bitbuf, nb
				s.refill()
				pos, bitbuf, nb = s.pos, s.bits, s.nb
			}
		}
		var sym int
		if e := lit.fast[bitbuf&lmask]; e != 0 {
			n := uint(e & 15)
			bitbuf >>= n
			nb -= n
			sym = int(e >> 4)
		} else {
			s.bits, s.nb = bitbuf, nb
			var err error
			if sym, err = s.decodeSlow(lit); err != nil {
				return op, err
			}
			bitbuf, nb = s.bits, s.nb
		}
		if sym < 256 {
			if op >= len(dst) {
				if prefix {
					return op, errFull
				}
				return op, ErrTooLong
			}
			dst[op] = byte(sym)
			op++
			continue
		}
		if sym == 256 {
			s.pos, s.bits, s.nb = pos, bitbuf, nb
			return op, nil
		}
		sym -= 257
		if sym >= 29 {
			return op, ErrCorrupt
		}
		eb := uint(lenExtra[sym&31])
		n := int(lenBase[sym&31]) + int(bitbuf&(1<<eb-1))
		bitbuf >>= eb
		nb -= eb
		var ds int
		if e := dist.fast[bitbuf&dmask]; e != 0 {
			k := uint(e & 15)
			bitbuf >>= k
			nb -= k
			ds = int(e >> 4)
		} else {
			s.bits, s.nb = bitbuf, nb
			var err error
			if ds, err = s.decodeSlow(dist); err != nil {
				return op, err
			}
			bitbuf, nb = s.bits, s.nb
		}
		if ds >= 30 {
			return op, ErrCorrupt
		}
		eb = uint(dExtra[ds&31])
		d := int(dBase[ds&31]) + int(bitbuf&(1<<eb-1))
		bitbuf >>= eb
		nb -= eb
		if d > op {
			return op, ErrCorrupt
		}
		if op+n > len(dst) {
			if !prefix {
				return op, ErrTooLong
			}
			n = len(dst) - op
		}
		switch {
		case d >= 8 && op+n+8 <= len(dst):
			// Eight bytes at a time, each word read after the words
			// it overlaps were written; the last may write up to 7
			// bytes past the match, which the output then overwrites.
			for i := 0; i < n; i += 8 {
				binary.LittleEndian.PutUint64(dst[op+i:], binary.LittleEndian.Uint64(dst[op-d+i:]))
			}
		case d >= n:
			copy(dst[op:op+n], dst[op-d:])
		default:
			for i := 0; i < n; i++ {
				dst[op+i] = dst[op-d+i]
			}
		}
		op += n
		if prefix && op == len(dst) {
			return op, errFull
		}
	}
}

// dynamic reads a dynamic block's code definitions into z.lit and z.dist.
func (z *Inflater) dynamic(s *state) error {
	s.need(14)
	nlen := int(s.take(5)) + 257
	ndist := int(s.take(5)) + 1
	ncode := int(s.take(4)) + 4
	if nlen > 286 || ndist > 30 {
		return ErrCorrupt
	}
	var cl [19]uint8
	for i := 0; i < ncode; i++ {
		s.need(3)
		cl[clOrder[i]] = uint8(s.take(3))
	}
	if err := z.cl.build(cl[:], lengthCounts(cl[:]), clBits); err != nil {
		return err
	}
	lens := z.lens[:nlen+ndist]
	// The lengths are counted as they are read, the literal/length
	// code's and the distance code's apart (a run may cross from one
	// to the other).
	var counts [2][maxBits + 1]uint16
	for i := 0; i < len(lens); {
		s.need(16)
		sym, err := s.decode(&z.cl)
		if err != nil {
			return err
		}
		if sym < 16 {
			lens[i] = uint8(sym)
			counts[b2i(i >= nlen)][sym]++
			i++
			continue
		}
		var v uint8
		var n int
		switch sym {
		case 16:
			if i == 0 {
				return ErrCorrupt
			}
			v = lens[i-1]
			n = 3 + int(s.take(2))
		case 17:
			n = 3 + int(s.take(3))
		default:
			n = 11 + int(s.take(7))
		}
		if i+n > len(lens) {
			return ErrCorrupt
		}
		if i < nlen && i+n > nlen {
			counts[0][v] += uint16(nlen - i)
			counts[1][v] += uint16(i + n - nlen)
		} else {
			counts[b2i(i >= nlen)][v] += uint16(n)
		}
		for ; n > 0; n-- {
			lens[i] = v
			i++
		}
	}
	if lens[256] == 0 {
		return ErrCorrupt // no end-of-block code
	}
	if s.over > 0 && s.over*8 > int(s.nb) {
		return ErrCorrupt
	}
	if err := z.lit.build(lens[:nlen], &counts[0], litBits); err != nil {
		return err
	}
	return z.dist.build(lens[nlen:], &counts[1], distBits)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
