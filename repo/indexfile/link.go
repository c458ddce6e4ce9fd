package indexfile

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// Link is a split index's link extension (git's split-index.c): the
// checksum of the shared index file (.git/sharedindex.<checksum>) that
// holds most entries, and two bitmaps over that file's entries: those
// deleted, and those replaced by the first entries of this file, in
// order (their names are empty: the shared entry's name stands).
type Link struct {
	Base    plumbing.Hash
	Delete  EWAH
	Replace EWAH
}

// readLink parses the link extension's content as git's
// read_link_extension does: the bitmaps may be absent altogether.
func readLink(b []byte) (*Link, error) {
	if len(b) < 20 {
		return nil, errors.New("corrupt link extension (too short)")
	}
	l := &Link{}
	copy(l.Base[:], b)
	b = b[20:]
	if len(b) == 0 {
		return l, nil
	}
	var n int
	var err error
	if l.Delete, n, err = readEWAH(b); err != nil {
		return nil, errors.New("corrupt delete bitmap in link extension")
	}
	b = b[n:]
	if l.Replace, n, err = readEWAH(b); err != nil {
		return nil, errors.New("corrupt replace bitmap in link extension")
	}
	if n != len(b) {
		return nil, errors.New("garbage at the end of link extension")
	}
	return l, nil
}

// LinkExtension is the whole link extension (signature and size
// included) naming the shared index base, with empty bitmaps: what git
// writes when every entry is in the shared index.
func LinkExtension(base plumbing.Hash) []byte {
	out := make([]byte, 8, 8+20+2*len(emptyEWAH))
	copy(out, "link")
	out = append(out, base[:]...)
	out = append(out, emptyEWAH...)
	out = append(out, emptyEWAH...)
	binary.BigEndian.PutUint32(out[4:], uint32(len(out)-8))
	return out
}

// MergeSplit makes the whole index of a split index, as git's
// merge_base_index does: the shared index's entries, less those the
// delete bitmap names, those the replace bitmap names taken from the
// split index's first entries (keeping their names), then the split
// index's other entries added (replacing an entry of the same name and
// stage; an entry of stage 0 replaces the path's conflict stages). base
// and split are consumed; the result has split's version.
func MergeSplit(base, split *index.Index, l *Link) (*index.Index, error) {
	n := len(base.Entries)
	repl, err := l.Replace.Bits(n)
	if err != nil {
		return nil, fmt.Errorf("replace bitmap: %w", err)
	}
	del, err := l.Delete.Bits(n)
	if err != nil {
		return nil, fmt.Errorf("delete bitmap: %w", err)
	}
	if len(repl) > len(split.Entries) {
		return nil, fmt.Errorf("too many replacements (%d vs %d)", len(repl), len(split.Entries))
	}
	ents := base.Entries
	for i, pos := range repl {
		src := split.Entries[i]
		if src.Name != "" {
			return nil, fmt.Errorf("corrupt link extension, entry %d should have zero length name", pos)
		}
		e := *src
		e.Name = ents[pos].Name
		ents[pos] = &e
	}
	for _, pos := range del {
		ents[pos] = nil
	}
	type key struct {
		name  string
		stage index.Stage
	}
	added := map[key]*index.Entry{}
	merged := map[string]bool{}
	var order []*index.Entry
	for i, e := range split.Entries[len(repl):] {
		if e.Name == "" {
			return nil, fmt.Errorf("corrupt link extension, entry %d should have non-zero length name", len(repl)+i)
		}
		if e.Stage == 0 {
			merged[e.Name] = true
			for _, s := range []index.Stage{1, 2, 3} {
				delete(added, key{e.Name, s})
			}
		}
		added[key{e.Name, e.Stage}] = e
		order = append(order, e)
	}
	out := &index.Index{Version: split.Version, Entries: make([]*index.Entry, 0, n+len(added))}
	for _, e := range ents {
		if e == nil {
			continue
		}
		if _, ok := added[key{e.Name, e.Stage}]; ok || merged[e.Name] && e.Stage != 0 {
			continue
		}
		out.Entries = append(out.Entries, e)
	}
	for _, e := range order {
		if added[key{e.Name, e.Stage}] == e {
			out.Entries = append(out.Entries, e)
		}
	}
	if len(order) > 0 {
		Sort(out)
	}
	return out, nil
}
