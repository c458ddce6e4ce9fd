package odb

import "errors"

var errBadDelta = errors.New("corrupt delta")

// deltaHeader reads the two sizes that start a delta: the base's and the
// result's.
func deltaHeader(d []byte) (baseSize, resultSize uint64, rest []byte, err error) {
	var ok bool
	if baseSize, d, ok = deltaVarint(d); !ok {
		return 0, 0, nil, errBadDelta
	}
	if resultSize, d, ok = deltaVarint(d); !ok {
		return 0, 0, nil, errBadDelta
	}
	return baseSize, resultSize, d, nil
}

func deltaVarint(d []byte) (uint64, []byte, bool) {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if len(d) == 0 {
			return 0, nil, false
		}
		b := d[0]
		d = d[1:]
		v |= uint64(b&0x7f) << shift
		if b&0x80 == 0 {
			return v, d, true
		}
	}
	return 0, nil, false
}

// applyDelta builds the object a delta describes from its base (git's
// patch_delta), checking every copy against both buffers.
func applyDelta(base, delta []byte) ([]byte, error) { return applyDeltaTo(nil, base, delta) }

// applyDeltaTo is applyDelta building the object in dst's memory when it
// is large enough.
func applyDeltaTo(dst, base, delta []byte) ([]byte, error) {
	bs, rs, d, err := deltaHeader(delta)
	if err != nil {
		return nil, err
	}
	if bs != uint64(len(base)) || rs > 1<<40 {
		return nil, errBadDelta
	}
	out := dst[:0]
	if uint64(cap(out)) < rs {
		out = make([]byte, 0, rs)
	}
	for len(d) > 0 {
		op := d[0]
		d = d[1:]
		if op&0x80 != 0 {
			var off, size uint64
			for i := uint(0); i < 4; i++ {
				if op&(1<<i) != 0 {
					if len(d) == 0 {
						return nil, errBadDelta
					}
					off |= uint64(d[0]) << (8 * i)
					d = d[1:]
				}
			}
			for i := uint(0); i < 3; i++ {
				if op&(0x10<<i) != 0 {
					if len(d) == 0 {
						return nil, errBadDelta
					}
					size |= uint64(d[0]) << (8 * i)
					d = d[1:]
				}
			}
			if size == 0 {
				size = 0x10000
			}
			if off+size > uint64(len(base)) || uint64(len(out))+size > rs {
				return nil, errBadDelta
			}
			out = append(out, base[off:off+size]...)
		} else if op != 0 {
			n := int(op)
			if n > len(d) || uint64(len(out)+n) > rs {
				return nil, errBadDelta
			}
			out = append(out, d[:n]...)
			d = d[n:]
		} else {
			return nil, errBadDelta
		}
	}
	if uint64(len(out)) != rs {
		return nil, errBadDelta
	}
	return out, nil
}

// ApplyDelta builds the object a git delta describes from its base,
// checking every instruction; pack writers use it to verify what they
// produce.
func ApplyDelta(base, delta []byte) ([]byte, error) { return applyDelta(base, delta) }
