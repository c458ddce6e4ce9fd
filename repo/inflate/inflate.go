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
	litBits  = 9 // fast table index width for literal/length codes
	distBits = 8 // and for distance codes
	maxBits  = 15
)

// huffman is a canonical Huffman code: a fast table for codes of up to
// `bits` bits (entry: symbol<<4 | length, 0 for longer or unused codes),
// and counts/symbols for the slow path (RFC 1951 decoding as zlib's puff).
type huffman struct {
	fast   []uint16
	bits   uint
	count  [maxBits + 1]uint16
	symbol [288]uint16
}

// build makes the code from the code lengths of its symbols. Codes may be
// incomplete (a single distance code is common); an over-subscribed set is
// an error. A code with no symbols at all is allowed: using it fails.
func (h *huffman) build(lengths []uint8) error {
	h.count = [maxBits + 1]uint16{}
	for _, l := range lengths {
		h.count[l]++
	}
	left := 1
	for l := 1; l <= maxBits; l++ {
		left <<= 1
		left -= int(h.count[l])
		if left < 0 {
			return ErrCorrupt
		}
	}
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
	clear(h.fast)
	// Canonical codes in order of length, then symbol; each code of up
	// to h.bits bits fills every fast entry whose low bits are its
	// bit-reversed code.
	code, idx := 0, 0
	for l := 1; l <= int(h.bits); l++ {
		for i := 0; i < int(h.count[l]); i++ {
			s := h.symbol[idx]
			idx++
			rev := int(bits.Reverse16(uint16(code)) >> (16 - l))
			e := s<<4 | uint16(l)
			for j := rev; j < len(h.fast); j += 1 << l {
				h.fast[j] = e
			}
			code++
		}
		code <<= 1
	}
	return nil
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
	if e := h.fast[s.bits&(1<<h.bits-1)]; e != 0 {
		n := uint(e & 15)
		s.bits >>= n
		s.nb -= n
		return int(e >> 4), nil
	}
	// Slow path: longer codes, bit by bit.
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
	lenBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lenExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	dBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	dExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clOrder  = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

	fixedLit, fixedDist huffman
)

func init() {
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
	fixedLit = huffman{fast: make([]uint16, 1<<litBits), bits: litBits}
	fixedDist = huffman{fast: make([]uint16, 1<<distBits), bits: distBits}
	fixedLit.build(l[:])
	var d [30]uint8
	for i := range d {
		d[i] = 5
	}
	fixedDist.build(d[:])
}

// Inflater holds the tables of dynamic blocks between streams, so that
// inflating many small objects allocates only their output.
type Inflater struct {
	lit, dist, cl huffman
	lens          [320]uint8
	fastLit       [1 << litBits]uint16
	fastDist      [1 << distBits]uint16
	fastCL        [1 << 7]uint16
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

func (z *Inflater) inflate(dst, src []byte, prefix bool) (int, error) {
	if len(src) < 2 {
		return 0, ErrHeader
	}
	cmf, flg := src[0], src[1]
	if cmf&0x0f != 8 || cmf>>4 > 7 || (uint(cmf)<<8|uint(flg))%31 != 0 || flg&0x20 != 0 {
		return 0, ErrHeader
	}
	z.lit.fast, z.lit.bits = z.fastLit[:], litBits
	z.dist.fast, z.dist.bits = z.fastDist[:], distBits
	z.cl.fast, z.cl.bits = z.fastCL[:], 7
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
			lit, dist = &fixedLit, &fixedDist
		case 2:
			if err := z.dynamic(&s); err != nil {
				return op, err
			}
			lit, dist = &z.lit, &z.dist
		default:
			return op, ErrCorrupt
		}
		for {
			// 15 bits of code, 5 extra, 15 of distance code, 13
			// extra: 48 at most per match.
			s.need(48)
			sym, err := s.decode(lit)
			if err != nil {
				return op, err
			}
			if sym < 256 {
				if op >= len(dst) {
					if prefix {
						return op, nil
					}
					return op, ErrTooLong
				}
				dst[op] = byte(sym)
				op++
				continue
			}
			if sym == 256 {
				break
			}
			sym -= 257
			if sym >= 29 {
				return op, ErrCorrupt
			}
			n := int(lenBase[sym]) + int(s.take(uint(lenExtra[sym])))
			ds, err := s.decode(dist)
			if err != nil {
				return op, err
			}
			if ds >= 30 {
				return op, ErrCorrupt
			}
			d := int(dBase[ds]) + int(s.take(uint(dExtra[ds])))
			if d > op {
				return op, ErrCorrupt
			}
			if op+n > len(dst) {
				if !prefix {
					return op, ErrTooLong
				}
				n = len(dst) - op
			}
			if d >= n {
				copy(dst[op:op+n], dst[op-d:])
			} else {
				for i := 0; i < n; i++ {
					dst[op+i] = dst[op-d+i]
				}
			}
			op += n
			if prefix && op == len(dst) {
				return op, nil
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
	if err := z.cl.build(cl[:]); err != nil {
		return err
	}
	lens := z.lens[:nlen+ndist]
	for i := 0; i < len(lens); {
		s.need(16)
		sym, err := s.decode(&z.cl)
		if err != nil {
			return err
		}
		if sym < 16 {
			lens[i] = uint8(sym)
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
	if err := z.lit.build(lens[:nlen]); err != nil {
		return err
	}
	return z.dist.build(lens[nlen:])
}
