package remote

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// Token is one credential from the token file.
type Token struct {
	sum      [32]byte // SHA-256 of the token: compared, never the token itself
	ReadOnly bool
}

// ParseTokens reads a token file: one token per line; "ro:TOKEN" is a
// read-only token, "rw:TOKEN" or a bare TOKEN may read and write; blank
// lines and lines starting with '#' are ignored.
func ParseTokens(r io.Reader) ([]Token, error) {
	var out []Token
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		t := Token{}
		switch {
		case strings.HasPrefix(line, "ro:"):
			t.ReadOnly = true
			line = line[3:]
		case strings.HasPrefix(line, "rw:"):
			line = line[3:]
		}
		if line == "" || strings.ContainsAny(line, " \t") {
			return nil, fmt.Errorf("token file line %d: a token is one word", n)
		}
		t.sum = sha256.Sum256([]byte(line))
		out = append(out, t)
	}
	return out, sc.Err()
}

// LoadTokens reads a token file from disk.
func LoadTokens(path string) ([]Token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	toks, err := ParseTokens(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%s: no tokens", path)
	}
	return toks, nil
}

type access int

const (
	accessRead access = iota
	accessWrite
)

// authorize decides a request: 0 when allowed, else 401 (no credentials
// where some are needed) or 403 (wrong credentials, or a read-only token
// asking to write).
//
// A server without tokens lets everyone in and ignores any Authorization
// header, whatever its scheme (a client configured for another server, or
// a proxy adding Basic credentials, must not be locked out).
func (s *Server) authorize(r *http.Request, want access) int {
	if len(s.cfg.Tokens) == 0 {
		return 0
	}
	hdr := r.Header.Get("Authorization")
	if hdr == "" {
		if want == accessRead && !s.cfg.Private {
			return 0
		}
		return http.StatusUnauthorized
	}
	scheme, tok, ok := strings.Cut(hdr, " ")
	if ok && strings.EqualFold(scheme, "Basic") {
		if len(s.cfg.Tokens) == 0 {
			// A URL's user name (and no password) is no reason to
			// refuse on an open server.
			return 0
		}
		// git's credential flow: the token is the password, the user
		// name is anything.
		tok = basicPassword(tok)
	} else if !strings.EqualFold(scheme, "Bearer") {
		ok = false
	}
	if !ok || tok == "" {
		return http.StatusUnauthorized
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	match, readOnly := 0, false
	// Compare against every token, always, so the time taken says nothing
	// about which one (if any) matched.
	for _, t := range s.cfg.Tokens {
		if subtle.ConstantTimeCompare(got[:], t.sum[:]) == 1 {
			match = 1
			readOnly = t.ReadOnly
		}
	}
	if match == 0 {
		return http.StatusForbidden
	}
	if want == accessWrite && readOnly {
		return http.StatusForbidden
	}
	return 0
}

// basicPassword is the password of HTTP Basic credentials ("" if they are
// malformed).
func basicPassword(enc string) string {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return ""
	}
	_, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return ""
	}
	return pass
}
