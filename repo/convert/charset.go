package convert

import (
	"errors"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/transform"
)

// charsetByName finds a character set by one of its IANA names or aliases,
// or one of the labels the WHATWG Encoding Standard gives it, as
// golang.org/x/text's ianaindex.IANA.Encoding and, for a name that gives
// none there, htmlindex.Get: case-insensitive, around spaces trimmed. Those
// two packages (and the language tables htmlindex needs) build some 70 KB
// of maps when the program starts, whether a command converts anything or
// not: a few per cent of what starting easel cost. The same names are kept
// here in charsets.go, a sorted table compiled into the binary, which
// TestCharsetTable checks against them.
func charsetByName(name string) (encoding.Encoding, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	i := sort.SearchStrings(charsetNames[:], name)
	if i == len(charsetNames) || charsetNames[i] != name {
		return nil, false
	}
	return charsetEncoding(charsetOf[i]), true
}

// asciiEncoding is US-ASCII as ianaindex has it: a byte past 0x7f reads as
// U+FFFD, a character past it cannot be written.
type asciiEncoding struct{}

func (asciiEncoding) NewDecoder() *encoding.Decoder {
	return &encoding.Decoder{Transformer: asciiDecoder{}}
}

func (asciiEncoding) NewEncoder() *encoding.Encoder {
	return &encoding.Encoder{Transformer: asciiEncoder{}}
}

func (asciiEncoding) String() string { return "US-ASCII" }

type asciiDecoder struct{ transform.NopResetter }

func (asciiDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for _, c := range src {
		if c >= utf8.RuneSelf {
			if nDst+utf8.RuneLen(utf8.RuneError) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], utf8.RuneError)
			nSrc++
			continue
		}
		if nDst >= len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		dst[nDst] = c
		nDst++
		nSrc++
	}
	return nDst, nSrc, nil
}

var errNotASCII = errors.New("encoding: rune not supported by encoding")

type asciiEncoder struct{ transform.NopResetter }

func (asciiEncoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for _, c := range src {
		if c >= utf8.RuneSelf {
			return nDst, nSrc, errNotASCII
		}
		if nDst >= len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		dst[nDst] = c
		nDst++
		nSrc++
	}
	return nDst, nSrc, nil
}
