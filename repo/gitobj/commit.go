package gitobj

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
)

// ErrMalformed is returned for bytes git would not read as the object.
var ErrMalformed = errors.New("malformed object")

// Commit is a commit object.
type Commit struct {
	Hash         plumbing.Hash
	TreeHash     plumbing.Hash
	ParentHashes []plumbing.Hash
	Author       Signature
	Committer    Signature
	// Encoding is the message's encoding: "UTF-8" when the commit names
	// none.
	Encoding string
	// MergeTag is the first mergetag header (the merged tag's bytes),
	// PGPSignature the gpgsig header; both end in a newline when set.
	MergeTag     string
	PGPSignature string
	// ExtraHeaders are the other headers, in order.
	ExtraHeaders []ExtraHeader
	Message      string

	raw string // the bytes decoded, for Bytes while unchanged
}

// ExtraHeader is a header a commit may carry besides the usual ones; a
// multi-line value has its lines joined by "\n".
type ExtraHeader struct {
	Key, Value string
}

// ID is the commit's id.
func (c *Commit) ID() plumbing.Hash { return c.Hash }

// Type is plumbing.CommitObject.
func (c *Commit) Type() plumbing.ObjectType { return plumbing.CommitObject }

// NumParents is the number of parents.
func (c *Commit) NumParents() int { return len(c.ParentHashes) }

const utf8Name = "UTF-8"

// DecodeCommit reads the commit id from its bytes; the commit does not
// share data's memory.
func DecodeCommit(id plumbing.Hash, data []byte) (*Commit, error) {
	return parseCommit(id, string(data))
}

// DecodeCommitShared reads the commit id from its bytes, its strings
// sharing data's memory: for bytes that never change afterwards (an
// object store's), when a whole history is decoded and the copies would
// count.
func DecodeCommitShared(id plumbing.Hash, data []byte) (*Commit, error) {
	if len(data) == 0 {
		return parseCommit(id, "")
	}
	return parseCommit(id, unsafe.String(&data[0], len(data)))
}

// parseCommit reads a commit as git's parse_commit_buffer and pretty's
// header lookups do: the tree line first, the parent lines right after
// it, the first author, committer and encoding header wherever they
// stand, the message after the first empty line.
func parseCommit(id plumbing.Hash, s string) (*Commit, error) {
	c := &Commit{Hash: id, Encoding: utf8Name, raw: s}
	line, rest, _ := strings.Cut(s, "\n")
	if !strings.HasPrefix(line, "tree ") {
		return nil, fmt.Errorf("%w: commit %s: no tree line", ErrMalformed, id)
	}
	if !ParseHex(line[5:], &c.TreeHash) {
		return nil, fmt.Errorf("%w: commit %s: bad tree id", ErrMalformed, id)
	}
	for strings.HasPrefix(rest, "parent ") {
		line, rest, _ = strings.Cut(rest, "\n")
		var p plumbing.Hash
		if !ParseHex(line[7:], &p) {
			return nil, fmt.Errorf("%w: commit %s: bad parent id", ErrMalformed, id)
		}
		c.ParentHashes = append(c.ParentHashes, p)
	}
	var sawAuthor, sawCommitter, sawEncoding bool
	for rest != "" {
		var key, value string
		key, value, rest = nextHeader(rest)
		if key == "" && value == "" {
			break // the empty line before the message
		}
		switch {
		case key == "author" && !sawAuthor:
			c.Author, sawAuthor = ParseSignature(value), true
		case key == "committer" && !sawCommitter:
			c.Committer, sawCommitter = ParseSignature(value), true
		case key == "encoding" && !sawEncoding:
			c.Encoding, sawEncoding = value, true
		case key == "mergetag" && c.MergeTag == "":
			c.MergeTag = value + "\n"
		case key == "gpgsig" && c.PGPSignature == "":
			c.PGPSignature = value + "\n"
		default:
			c.ExtraHeaders = append(c.ExtraHeaders, ExtraHeader{Key: key, Value: value})
		}
	}
	c.Message = rest
	return c, nil
}

// nextHeader cuts the header at the start of s, its continuation lines
// (those starting with a space) joined to its value by "\n". An empty
// key and value is the empty line that ends the headers.
func nextHeader(s string) (key, value, rest string) {
	line, rest, _ := strings.Cut(s, "\n")
	if line == "" {
		return "", "", rest
	}
	key, value, _ = strings.Cut(line, " ")
	if !strings.HasPrefix(rest, " ") {
		return key, value, rest
	}
	var b strings.Builder
	b.WriteString(value)
	for strings.HasPrefix(rest, " ") {
		line, rest, _ = strings.Cut(rest, "\n")
		b.WriteByte('\n')
		b.WriteString(line[1:])
	}
	return key, b.String(), rest
}

// ParseHex reads a full hexadecimal object id (either case) into h; false
// when s is not one. It takes the bytes of an object as they are, so that
// readers of headers need not make strings of them.
func ParseHex[S string | []byte](s S, h *plumbing.Hash) bool {
	if len(s) != 2*len(h) {
		return false
	}
	for i := range h {
		hi, ok1 := unhex(s[2*i])
		lo, ok2 := unhex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		h[i] = hi<<4 | lo
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Bytes is the commit as git stores it: the bytes it was decoded from
// while its fields are unchanged, else written as git's
// commit_tree_extended writes it (tree, parents, author, committer,
// encoding when not UTF-8, mergetag and the other headers, gpgsig last).
func (c *Commit) Bytes() []byte {
	if c.raw != "" {
		if d, err := parseCommit(c.Hash, c.raw); err == nil && d.sameAs(c) {
			return []byte(c.raw)
		}
	}
	b := make([]byte, 0, 256+len(c.Message)+len(c.MergeTag)+len(c.PGPSignature))
	b = append(b, "tree "...)
	b = append(b, c.TreeHash.String()...)
	for _, p := range c.ParentHashes {
		b = append(b, "\nparent "...)
		b = append(b, p.String()...)
	}
	b = append(b, "\nauthor "...)
	b = c.Author.AppendTo(b)
	b = append(b, "\ncommitter "...)
	b = c.Committer.AppendTo(b)
	if c.Encoding != "" && !isUTF8(c.Encoding) {
		b = appendHeader(b, "encoding", c.Encoding)
	}
	if c.MergeTag != "" {
		b = appendHeader(b, "mergetag", strings.TrimSuffix(c.MergeTag, "\n"))
	}
	for _, h := range c.ExtraHeaders {
		b = appendHeader(b, h.Key, h.Value)
	}
	if c.PGPSignature != "" {
		b = appendHeader(b, "gpgsig", strings.TrimSuffix(c.PGPSignature, "\n"))
	}
	b = append(b, "\n\n"...)
	return append(b, c.Message...)
}

// appendHeader appends "\nkey value", each further line of value as a
// continuation line.
func appendHeader(b []byte, key, value string) []byte {
	b = append(b, '\n')
	b = append(b, key...)
	b = append(b, ' ')
	return append(b, strings.ReplaceAll(value, "\n", "\n ")...)
}

func (c *Commit) sameAs(d *Commit) bool {
	return c.TreeHash == d.TreeHash && slices.Equal(c.ParentHashes, d.ParentHashes) &&
		c.Author.sameAs(d.Author) && c.Committer.sameAs(d.Committer) &&
		c.Encoding == d.Encoding && c.MergeTag == d.MergeTag &&
		c.PGPSignature == d.PGPSignature && slices.Equal(c.ExtraHeaders, d.ExtraHeaders) &&
		c.Message == d.Message
}

// isUTF8 is git's is_encoding_utf8.
func isUTF8(name string) bool {
	return strings.EqualFold(name, "utf-8") || strings.EqualFold(name, "utf8")
}
