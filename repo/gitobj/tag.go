package gitobj

import (
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Tag is an annotated tag object.
type Tag struct {
	Hash       plumbing.Hash
	Target     plumbing.Hash
	TargetType plumbing.ObjectType
	Name       string
	// Tagger is zero for the old tags that have none.
	Tagger Signature
	// Message is the message without the signature block that may end
	// it; PGPSignature is that block.
	Message      string
	PGPSignature string

	raw string
}

// ID is the tag's id.
func (t *Tag) ID() plumbing.Hash { return t.Hash }

// Type is plumbing.TagObject.
func (t *Tag) Type() plumbing.ObjectType { return plumbing.TagObject }

// DecodeTag reads the tag id from its bytes as git's parse_tag_buffer
// does: object, type and tag lines, an optional tagger, other headers
// skipped, the message after the empty line with a trailing signature
// block split off.
func DecodeTag(id plumbing.Hash, data []byte) (*Tag, error) {
	return parseTag(id, string(data))
}

func parseTag(id plumbing.Hash, s string) (*Tag, error) {
	t := &Tag{Hash: id, raw: s}
	rest := s
	var sawObject, sawType bool
	for rest != "" {
		var key, value string
		key, value, rest = nextHeader(rest)
		if key == "" && value == "" {
			break
		}
		switch key {
		case "object":
			if !sawObject {
				if !ParseHex(value, &t.Target) {
					return nil, fmt.Errorf("%w: tag %s: bad object id", ErrMalformed, id)
				}
				sawObject = true
			}
		case "type":
			if !sawType {
				typ, err := plumbing.ParseObjectType(value)
				if err != nil {
					return nil, fmt.Errorf("%w: tag %s: bad type %q", ErrMalformed, id, value)
				}
				t.TargetType, sawType = typ, true
			}
		case "tag":
			if t.Name == "" {
				t.Name = value
			}
		case "tagger":
			if t.Tagger == (Signature{}) {
				t.Tagger = ParseSignature(value)
			}
		}
	}
	if !sawObject || !sawType {
		return nil, fmt.Errorf("%w: tag %s: no object or type line", ErrMalformed, id)
	}
	t.Message = rest
	if i := signatureStart(rest); i >= 0 {
		t.Message, t.PGPSignature = rest[:i], rest[i:]
	}
	return t, nil
}

// signatureStart is where the last signature block of a tag's message
// starts, -1 without one (git's parse_signed_buffer).
func signatureStart(msg string) int {
	at := -1
	for n := 0; n < len(msg); {
		line := msg[n:]
		for _, begin := range signatureBegins {
			if strings.HasPrefix(line, begin) {
				at = n
				break
			}
		}
		i := strings.IndexByte(line, '\n')
		if i < 0 {
			break
		}
		n += i + 1
	}
	return at
}

var signatureBegins = []string{
	"-----BEGIN PGP SIGNATURE-----",
	"-----BEGIN PGP MESSAGE-----",
	"-----BEGIN SIGNED MESSAGE-----",
	"-----BEGIN SSH SIGNATURE-----",
}

// Bytes is the tag as git stores it: the bytes decoded while unchanged,
// else as git's create_tag writes it.
func (t *Tag) Bytes() []byte {
	if t.raw != "" {
		if d, err := parseTag(t.Hash, t.raw); err == nil && d.sameAs(t) {
			return []byte(t.raw)
		}
	}
	b := make([]byte, 0, 200+len(t.Message)+len(t.PGPSignature))
	b = append(b, "object "...)
	b = append(b, t.Target.String()...)
	b = append(b, "\ntype "...)
	b = append(b, t.TargetType.String()...)
	b = append(b, "\ntag "...)
	b = append(b, t.Name...)
	b = append(b, '\n')
	if t.Tagger != (Signature{}) {
		b = append(b, "tagger "...)
		b = t.Tagger.AppendTo(b)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, t.Message...)
	return append(b, t.PGPSignature...)
}

func (t *Tag) sameAs(d *Tag) bool {
	return t.Target == d.Target && t.TargetType == d.TargetType && t.Name == d.Name &&
		t.Tagger.sameAs(d.Tagger) && t.Message == d.Message && t.PGPSignature == d.PGPSignature
}
