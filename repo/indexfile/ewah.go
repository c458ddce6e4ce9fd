package indexfile

import (
	"encoding/binary"
	"errors"
)

// EWAH is a bitmap as git serializes it (ewah/ewah_io.c): the number of
// bits, the number of 64-bit words, the words, and the position of the
// last run-length word, all big-endian. The words are run-length words
// each followed by its literal words: a run-length word holds the run's
// bit (bit 0), the run's length in words (bits 1-32) and how many literal
// words follow (bits 33-63). Bits count from the least significant bit of
// each word.
type EWAH struct {
	words []uint64
}

// errEWAH is any malformed bitmap.
var errEWAH = errors.New("corrupt ewah bitmap")

// readEWAH parses the bitmap at the start of b, as git's ewah_read_mmap
// does, and returns it with the bytes it takes.
func readEWAH(b []byte) (EWAH, int, error) {
	if len(b) < 8 {
		return EWAH{}, 0, errEWAH
	}
	n := uint64(binary.BigEndian.Uint32(b[4:8]))
	if n*8 > uint64(len(b)-8) || uint64(len(b)-8)-n*8 < 4 {
		return EWAH{}, 0, errEWAH
	}
	words := make([]uint64, n)
	for i := range words {
		words[i] = binary.BigEndian.Uint64(b[8+8*i:])
	}
	return EWAH{words: words}, 8 + int(n)*8 + 4, nil
}

// Bits is the positions of the set bits, in increasing order (git's
// ewah_each_bit). A set bit at limit or beyond is an error, as git dies on
// a position past the index it applies to; that also bounds what a hostile
// bitmap can make this allocate.
func (e EWAH) Bits(limit int) ([]int, error) {
	var out []int
	pos := uint64(0)
	lim := uint64(limit)
	for p := 0; p < len(e.words); {
		w := e.words[p]
		p++
		run := ((w >> 1) & 0xffffffff) * 64
		lits := int(w >> 33)
		if w&1 != 0 && run > 0 {
			if pos+run > lim {
				return nil, errEWAH
			}
			for k := uint64(0); k < run; k++ {
				out = append(out, int(pos+k))
			}
		}
		pos += run
		if lits > len(e.words)-p {
			return nil, errEWAH
		}
		for k := 0; k < lits; k++ {
			lw := e.words[p]
			p++
			for c := uint64(0); lw != 0 && c < 64; c++ {
				if lw&(1<<c) != 0 {
					if pos+c >= lim {
						return nil, errEWAH
					}
					out = append(out, int(pos+c))
				}
			}
			pos += 64
		}
		if pos > 1<<62 {
			// Past any limit: only zero bits may follow. Kept from
			// wrapping round.
			pos = 1 << 62
		}
	}
	return out, nil
}

// emptyEWAH is the serialization of an empty bitmap as git writes it: no
// bits, one run-length word of nothing.
var emptyEWAH = []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
