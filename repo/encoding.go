package repo

import (
	"strings"
	"unicode/utf8"

	"easel.dev/easel/repo/gitobj"
)

// isUTF8Name reports whether an encoding name (a commit's "encoding"
// header, i18n.* settings) means UTF-8, as git's is_encoding_utf8.
func isUTF8Name(enc string) bool {
	return enc == "" || strings.EqualFold(enc, "utf-8") || strings.EqualFold(enc, "utf8")
}

// isLatin1Name reports the names of ISO 8859-1, the one other encoding
// easel converts (iconv's spellings of it).
func isLatin1Name(enc string) bool {
	switch strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(enc, "-", ""), "_", "")) {
	case "iso88591", "latin1", "l1", "cp819", "ibm819":
		return true
	}
	return false
}

// CommitToUTF8 returns c with its message and people converted to UTF-8
// when its "encoding" header names ISO 8859-1, as git re-encodes a
// commit before formatting it; otherwise c itself.
func CommitToUTF8(c *gitobj.Commit) *gitobj.Commit {
	if isUTF8Name(c.Encoding) || !isLatin1Name(c.Encoding) {
		return c
	}
	cp := *c
	cp.Message = latin1ToUTF8(c.Message)
	cp.Author.Name = latin1ToUTF8(c.Author.Name)
	cp.Author.Email = latin1ToUTF8(c.Author.Email)
	cp.Committer.Name = latin1ToUTF8(c.Committer.Name)
	cp.Committer.Email = latin1ToUTF8(c.Committer.Email)
	return &cp
}

func latin1ToUTF8(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// EncodeLogOutput converts UTF-8 text to the log output encoding enc
// (i18n.logOutputEncoding); text is returned as it is for UTF-8 and for
// encodings easel does not convert. As git, text that the encoding cannot
// hold (or that is not UTF-8) is left as it is.
func EncodeLogOutput(s, enc string) string {
	if isUTF8Name(enc) || !isLatin1Name(enc) || !utf8.ValidString(s) {
		return s
	}
	for _, r := range s {
		if r >= 256 {
			return s
		}
	}
	var b strings.Builder
	for _, r := range s {
		b.WriteByte(byte(r))
	}
	return b.String()
}

// LogOutputEncoding is git's log output encoding: i18n.logOutputEncoding,
// else i18n.commitEncoding, else UTF-8 ("").
func (r *Repository) LogOutputEncoding() string {
	for _, k := range []string{"i18n.logOutputEncoding", "i18n.commitEncoding"} {
		if v, ok, _ := r.ConfigGet(k); ok && v != "" {
			if isUTF8Name(v) {
				return ""
			}
			return v
		}
	}
	return ""
}
