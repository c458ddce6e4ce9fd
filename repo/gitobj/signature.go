// Package gitobj holds git's object types (commit, tag, tree and the
// identities in them), decoded from and encoded to the bytes git stores.
//
// Decoding is as lenient as git is on real history: unknown and
// multi-line headers are kept, identities without brackets or with odd
// time zones still decode as far as git reads them, a missing trailing
// newline is kept. Encoding writes what git writes, and an object or
// identity that was decoded and left unchanged encodes to its original
// bytes, so that copying a commit (rebase, cherry-pick, amend) keeps
// ids and identities exactly.
package gitobj

import (
	"strconv"
	"strings"
	"time"
)

// Signature is an identity line of a commit or tag: who and when.
type Signature struct {
	Name  string
	Email string
	// When is the time in the zone the line was written in.
	When time.Time

	// raw is the line this signature was decoded from; encoding writes
	// it back while the fields still say what it says.
	raw string
}

// String is "Name <email>".
func (s Signature) String() string { return s.Name + " <" + s.Email + ">" }

// Decode reads an identity line (without its "author " key).
func (s *Signature) Decode(b []byte) { *s = ParseSignature(string(b)) }

// ParseSignature reads an identity line as git's split_ident_line does:
// the name up to the first '<' (trailing blanks dropped), the address up
// to the next '>', the time after the last '>' and the zone after it.
// What does not parse stays zero, as git then shows nothing of it.
func ParseSignature(line string) Signature {
	s := Signature{raw: line}
	lt := strings.IndexByte(line, '<')
	if lt < 0 {
		return s
	}
	gt := strings.IndexByte(line[lt+1:], '>')
	if gt < 0 {
		return s
	}
	gt += lt + 1
	s.Name = strings.TrimRight(line[:lt], " \t\n\r\v\f")
	s.Email = line[lt+1 : gt]
	// A broken identity may hold more than one '>': the date follows
	// the last.
	rest := line[strings.LastIndexByte(line, '>')+1:]
	rest = strings.TrimLeft(rest, " ")
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	if n == 0 {
		return s
	}
	ts, err := strconv.ParseInt(rest[:n], 10, 64)
	if err != nil {
		return s
	}
	s.When = time.Unix(ts, 0).In(zone(strings.TrimLeft(rest[n:], " ")))
	return s
}

// zone reads git's "+hhmm": a sign and digits read as one decimal number
// whose last two digits are minutes (git's own reading, so "+05300" is
// 53 hours). Anything else is UTC.
func zone(tz string) *time.Location {
	if len(tz) < 2 || (tz[0] != '+' && tz[0] != '-') {
		return time.UTC
	}
	n := 1
	for n < len(tz) && tz[n] >= '0' && tz[n] <= '9' {
		n++
	}
	v, err := strconv.Atoi(tz[1:n])
	if err != nil || n == 1 {
		return time.UTC
	}
	off := (v/100)*3600 + (v%100)*60
	if tz[0] == '-' {
		off = -off
	}
	if off == 0 {
		return utcZone
	}
	return time.FixedZone("", off)
}

var utcZone = time.FixedZone("", 0)

// sameAs reports whether s says what t says: names, addresses, instants
// and zone offsets.
func (s Signature) sameAs(t Signature) bool {
	if s.Name != t.Name || s.Email != t.Email || !s.When.Equal(t.When) {
		return false
	}
	_, so := s.When.Zone()
	_, to := t.When.Zone()
	return so == to
}

// AppendTo appends the identity line as git writes it: the line it was
// decoded from while unchanged, else "Name <email> seconds +hhmm".
func (s Signature) AppendTo(dst []byte) []byte {
	if s.raw != "" && ParseSignature(s.raw).sameAs(s) {
		return append(dst, s.raw...)
	}
	dst = append(dst, s.Name...)
	dst = append(dst, " <"...)
	dst = append(dst, s.Email...)
	dst = append(dst, "> "...)
	u := s.When.Unix()
	if u < 0 {
		u = 0
	}
	dst = strconv.AppendInt(dst, u, 10)
	dst = append(dst, ' ')
	return s.When.AppendFormat(dst, "-0700")
}
