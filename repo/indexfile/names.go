package indexfile

import (
	"bytes"
	"errors"
)

// V4Name decodes a version 4 entry name from b: a varint saying how many
// bytes to drop from the end of the previous name, then the bytes to
// append, NUL-terminated. It returns the name and the bytes consumed.
func V4Name(b []byte, prev string) (string, int, error) {
	strip, n, err := v4Strip(b)
	if err != nil {
		return "", 0, err
	}
	if strip > len(prev) {
		return "", 0, errors.New("name prefix longer than the previous name")
	}
	end := bytes.IndexByte(b[n:], 0)
	if end < 0 {
		return "", 0, errors.New("unterminated entry name")
	}
	return prev[:len(prev)-strip] + string(b[n:n+end]), n + end + 1, nil
}

// v4Strip decodes the varint at the start of a version 4 entry name (git's
// decode_varint): how many bytes to drop from the previous name, and the
// bytes it takes.
func v4Strip(b []byte) (int, int, error) {
	strip, n := 0, 0
	for {
		if n >= len(b) || n > 8 {
			return 0, 0, errors.New("bad name prefix length")
		}
		c := b[n]
		n++
		strip = strip<<7 | int(c&0x7f)
		if c&0x80 == 0 {
			if strip < 0 {
				return 0, 0, errors.New("bad name prefix length")
			}
			return strip, n, nil
		}
		strip++
	}
}

// putV4Name appends the version 4 encoding of name after prev to buf.
func putV4Name(buf []byte, name, prev string) []byte {
	common := 0
	for common < len(name) && common < len(prev) && name[common] == prev[common] {
		common++
	}
	// git's encode_varint: base-128, most significant group first, each
	// continuation group biased by one.
	var v [16]byte
	pos := len(v) - 1
	strip := uint64(len(prev) - common)
	v[pos] = byte(strip & 127)
	for strip >>= 7; strip != 0; strip >>= 7 {
		strip--
		pos--
		v[pos] = 128 | byte(strip&127)
	}
	buf = append(buf, v[pos:]...)
	buf = append(buf, name[common:]...)
	return append(buf, 0)
}
