package convert

import (
	"bytes"
	"fmt"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/encoding/unicode/utf32"
)

// working-tree-encoding: the work tree holds a file in another encoding
// (UTF-16 for Windows tools, Shift-JIS...), the repository in UTF-8, as
// git's encode_to_git and encode_to_worktree. git converts with iconv;
// golang.org/x/text has the same character sets for Go.

// workTreeEncoding is the attribute's value, or "" where content stays
// as it is (unspecified, or UTF-8 itself).
func workTreeEncoding(v string) string {
	if v == "" || sameEncoding(v, "UTF-8") {
		return ""
	}
	return v
}

// sameEncoding compares names as git's same_encoding: case-insensitive,
// "UTF8" the same as "UTF-8".
func sameEncoding(a, b string) bool {
	norm := func(s string) string {
		s = strings.ToUpper(s)
		if strings.HasPrefix(s, "UTF") && !strings.HasPrefix(s, "UTF-") {
			s = "UTF-" + s[3:]
		}
		return s
	}
	return norm(a) == norm(b)
}

// utfWidth returns 2 or 4 for the UTF-16 and UTF-32 families ("UTF-16",
// "UTF16LE"...), with the byte order part ("", "LE", "BE", "LE-BOM").
func utfWidth(enc string) (width int, order string) {
	u := strings.ToUpper(enc)
	for _, w := range []struct {
		p string
		n int
	}{{"UTF-16", 2}, {"UTF16", 2}, {"UTF-32", 4}, {"UTF32", 4}} {
		if rest, ok := strings.CutPrefix(u, w.p); ok {
			return w.n, rest
		}
	}
	return 0, ""
}

func hasBOM(data []byte, width int) bool {
	if width == 2 {
		return bytes.HasPrefix(data, []byte{0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe})
	}
	return bytes.HasPrefix(data, []byte{0, 0, 0xfe, 0xff}) || bytes.HasPrefix(data, []byte{0xff, 0xfe, 0, 0})
}

// validateEncoding is git's validate_encoding: UTF-16/32 with a byte
// order in the name must have no BOM, without one must have one.
func validateEncoding(path, enc string, data []byte) error {
	width, order := utfWidth(enc)
	if width == 0 {
		return nil
	}
	switch {
	case (order == "LE" || order == "BE") && hasBOM(data, width):
		return convError("BOM is prohibited in '%s' if encoded as %s", path, enc)
	case order == "" && !hasBOM(data, width):
		return convError("BOM is required in '%s' if encoded as %s", path, enc)
	}
	return nil
}

// lookupEncoding finds a character set by the names iconv knows it by.
// UTF-16 and UTF-32 without a byte order read either (by the BOM) and
// write little-endian with a BOM, as glibc's iconv on the machines git
// runs on; "UTF-16LE-BOM" is git's own name for the same.
func lookupEncoding(enc string) (encoding.Encoding, error) {
	if width, order := utfWidth(enc); width != 0 {
		e16 := func(o unicode.Endianness, b unicode.BOMPolicy) encoding.Encoding { return unicode.UTF16(o, b) }
		e32 := func(o utf32.Endianness, b utf32.BOMPolicy) encoding.Encoding { return utf32.UTF32(o, b) }
		switch {
		case width == 2 && order == "LE":
			return e16(unicode.LittleEndian, unicode.IgnoreBOM), nil
		case width == 2 && order == "BE":
			return e16(unicode.BigEndian, unicode.IgnoreBOM), nil
		case width == 2 && (order == "" || order == "LE-BOM"):
			return e16(unicode.LittleEndian, unicode.UseBOM), nil
		case width == 2 && order == "BE-BOM":
			return e16(unicode.BigEndian, unicode.UseBOM), nil
		case width == 4 && order == "LE":
			return e32(utf32.LittleEndian, utf32.IgnoreBOM), nil
		case width == 4 && order == "BE":
			return e32(utf32.BigEndian, utf32.IgnoreBOM), nil
		case width == 4 && (order == "" || order == "LE-BOM"):
			return e32(utf32.LittleEndian, utf32.UseBOM), nil
		case width == 4 && order == "BE-BOM":
			return e32(utf32.BigEndian, utf32.UseBOM), nil
		}
	}
	for _, name := range []string{enc, strings.ReplaceAll(enc, "-", "_"), strings.ReplaceAll(enc, "_", "-")} {
		if e, ok := charsetByName(name); ok {
			return e, nil
		}
	}
	return nil, fmt.Errorf("unknown encoding %s", enc)
}

// encodeToGit turns content in enc into UTF-8.
func encodeToGit(path, enc string, data []byte) ([]byte, error) {
	if err := validateEncoding(path, enc, data); err != nil {
		return nil, err
	}
	e, err := lookupEncoding(enc)
	var out []byte
	if err == nil {
		out, err = e.NewDecoder().Bytes(data)
	}
	if err != nil {
		return nil, convError("failed to encode '%s' from %s to UTF-8", path, enc)
	}
	return out, nil
}

// encodeToWorkTree turns UTF-8 content into enc.
func encodeToWorkTree(path, enc string, data []byte) ([]byte, error) {
	e, err := lookupEncoding(enc)
	var out []byte
	if err == nil {
		out, err = e.NewEncoder().Bytes(data)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to encode '%s' from UTF-8 to %s", path, enc)
	}
	return out, nil
}

// Error is a conversion that cannot be done; its message names the path
// as git's does.
type Error struct{ msg string }

func (e *Error) Error() string { return e.msg }

func convError(format string, a ...any) error { return &Error{fmt.Sprintf(format, a...)} }
