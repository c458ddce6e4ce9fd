package statuswalk

import "golang.org/x/text/unicode/norm"

// Precompose returns s in Unicode normalization form C when it is not
// already, as git's precompose_string_if_needed turns the decomposed
// names macOS returns into the precomposed ones the index holds. Names
// all of ASCII, the common case, cost one scan.
func Precompose(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			if norm.NFC.IsNormalString(s) {
				return s
			}
			return norm.NFC.String(s)
		}
	}
	return s
}

// precomposeName is Precompose for a name read from a directory, which
// stays a byte slice when nothing changes.
func precomposeName(b []byte) []byte {
	for _, c := range b {
		if c >= 0x80 {
			if norm.NFC.IsNormal(b) {
				return b
			}
			return norm.NFC.Bytes(b)
		}
	}
	return b
}
