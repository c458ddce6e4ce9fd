package gitobj

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// ErrEntryNotFound is returned by Tree.FindEntry for a path the tree does
// not hold.
var ErrEntryNotFound = errors.New("entry not found")

// Tree is a tree object.
type Tree struct {
	Hash    plumbing.Hash
	Entries []TreeEntry

	st storer.EncodedObjectStorer // for FindEntry's subtrees
}

// TreeEntry is one entry of a tree.
type TreeEntry struct {
	Name string
	Mode filemode.FileMode
	Hash plumbing.Hash
}

// ID is the tree's id.
func (t *Tree) ID() plumbing.Hash { return t.Hash }

// Type is plumbing.TreeObject.
func (t *Tree) Type() plumbing.ObjectType { return plumbing.TreeObject }

// DecodeTree reads the tree id from its bytes: entries of an octal mode,
// a space, the name, a NUL and the binary id.
func DecodeTree(id plumbing.Hash, data []byte) (*Tree, error) {
	t := &Tree{Hash: id}
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("%w: tree %s: no mode", ErrMalformed, id)
		}
		mode, err := strconv.ParseUint(string(data[:sp]), 8, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: tree %s: bad mode %q", ErrMalformed, id, data[:sp])
		}
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || len(data) < nul+1+len(plumbing.ZeroHash) {
			return nil, fmt.Errorf("%w: tree %s: truncated entry", ErrMalformed, id)
		}
		e := TreeEntry{Name: string(data[:nul]), Mode: filemode.FileMode(mode)}
		copy(e.Hash[:], data[nul+1:])
		t.Entries = append(t.Entries, e)
		data = data[nul+1+len(e.Hash):]
	}
	return t, nil
}

// Bytes is the tree as git writes it, entries in the order given.
func (t *Tree) Bytes() []byte {
	n := 0
	for _, e := range t.Entries {
		n += len(e.Name) + 8 + len(e.Hash)
	}
	b := make([]byte, 0, n)
	for _, e := range t.Entries {
		b = strconv.AppendUint(b, uint64(e.Mode), 8)
		b = append(b, ' ')
		b = append(b, e.Name...)
		b = append(b, 0)
		b = append(b, e.Hash[:]...)
	}
	return b
}

// entry is the entry named name, nil without one.
func (t *Tree) entry(name string) *TreeEntry {
	for i := range t.Entries {
		if t.Entries[i].Name == name {
			return &t.Entries[i]
		}
	}
	return nil
}

// FindEntry finds the entry at a slash-separated path below the tree,
// reading subtrees from the store the tree was read from.
func (t *Tree) FindEntry(path string) (*TreeEntry, error) {
	cur := t
	for {
		name, rest, more := strings.Cut(path, "/")
		e := cur.entry(name)
		if e == nil {
			return nil, ErrEntryNotFound
		}
		if !more {
			return e, nil
		}
		if e.Mode != filemode.Dir || t.st == nil {
			return nil, ErrEntryNotFound
		}
		sub, err := GetTree(t.st, e.Hash)
		if err != nil {
			return nil, err
		}
		cur, path = sub, rest
	}
}
