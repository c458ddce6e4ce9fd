package merge

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/repo/gitobj"
)

// emptyTree is git's well-known empty tree id,
// 4b825dc642cb6eb9a060e54bf8d69288fbee4904, spelled as bytes so that no
// code runs at start-up to parse it.
var emptyTree = plumbing.Hash{0x4b, 0x82, 0x5d, 0xc6, 0x42, 0xcb, 0x6e, 0xb9, 0xa0, 0x60, 0xe5, 0x4b, 0xf8, 0xd6, 0x92, 0x88, 0xfb, 0xee, 0x49, 0x04}

// trees reads trees once per merge: the walk and the writing of the
// result visit the same directories.
type trees struct {
	st    Store
	cache map[plumbing.Hash][]gitobj.TreeEntry
}

func (t *trees) read(h plumbing.Hash) ([]gitobj.TreeEntry, error) {
	if h.IsZero() || h == emptyTree {
		return nil, nil
	}
	if e, ok := t.cache[h]; ok {
		return e, nil
	}
	tr, err := gitobj.GetTree(t.st, h)
	if err != nil {
		return nil, fmt.Errorf("read tree %s: %w", h, err)
	}
	if t.cache == nil {
		t.cache = map[plumbing.Hash][]gitobj.TreeEntry{}
	}
	t.cache[h] = tr.Entries
	return tr.Entries, nil
}

// treeLess is git's tree entry order: a directory sorts as if its name
// ended in '/'.
func treeLess(a, b gitobj.TreeEntry) bool {
	an, bn := a.Name, b.Name
	if a.Mode == filemode.Dir {
		an += "/"
	}
	if b.Mode == filemode.Dir {
		bn += "/"
	}
	return an < bn
}

// writeTree stores entries as a tree (sorting them as git does) and
// returns its id.
func writeTree(st Store, entries []gitobj.TreeEntry) (plumbing.Hash, error) {
	sort.Slice(entries, func(i, j int) bool { return treeLess(entries[i], entries[j]) })
	return storeObject(st, plumbing.TreeObject, encodeTree(entries))
}

// change sets (or with a zero Mode, removes) the file at path.
type change struct {
	path string
	v    ver
}

// applyChanges returns the tree that is root with changes applied. Only the
// directories on the way to a change are read and rewritten; the rest is
// reused by id. A directory left empty disappears. The result is the zero
// hash when nothing is left.
func applyChanges(ctx context.Context, tr *trees, root plumbing.Hash, changes []change) (plumbing.Hash, error) {
	sort.Slice(changes, func(i, j int) bool { return changes[i].path < changes[j].path })
	return applyDir(ctx, tr, root, changes)
}

func applyDir(ctx context.Context, tr *trees, tree plumbing.Hash, changes []change) (plumbing.Hash, error) {
	if err := ctx.Err(); err != nil {
		return plumbing.ZeroHash, err
	}
	st := tr.st
	entries, err := tr.read(tree)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	byName := make(map[string]int, len(entries))
	out := make([]gitobj.TreeEntry, len(entries))
	copy(out, entries)
	for i, e := range out {
		byName[e.Name] = i
	}
	removed := make([]bool, len(out))
	set := func(name string, e *gitobj.TreeEntry) {
		if i, ok := byName[name]; ok {
			if e == nil {
				removed[i] = true
			} else {
				out[i] = *e
				removed[i] = false
			}
			return
		}
		if e != nil {
			byName[name] = len(out)
			out = append(out, *e)
			removed = append(removed, false)
		}
	}
	// changes are sorted by path, so those below one child directory are
	// contiguous once grouped by first component.
	type group struct {
		file   *change
		nested []change
	}
	groups := map[string]*group{}
	var order []string
	for i := range changes {
		c := changes[i]
		name, rest, deep := strings.Cut(c.path, "/")
		g := groups[name]
		if g == nil {
			g = &group{}
			groups[name] = g
			order = append(order, name)
		}
		if deep {
			g.nested = append(g.nested, change{path: rest, v: c.v})
		} else {
			g.file = &changes[i]
		}
	}
	for _, name := range order {
		g := groups[name]
		var cur *gitobj.TreeEntry
		if i, ok := byName[name]; ok && !removed[i] {
			e := out[i]
			cur = &e
		}
		var dir plumbing.Hash // the directory at name after the nested changes
		if cur != nil && cur.Mode == filemode.Dir {
			dir = cur.Hash
		}
		if len(g.nested) > 0 {
			var sub plumbing.Hash
			if cur != nil && cur.Mode == filemode.Dir {
				sub = cur.Hash
			}
			nh, err := applyDir(ctx, tr, sub, g.nested)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			dir = nh
		}
		switch {
		case g.file != nil && g.file.v.Mode != 0:
			// A file and a directory both placed at name can only come
			// from paths moved by renames onto each other; the file wins,
			// as in git, and the moved paths stay conflicted in the index.
			set(name, &gitobj.TreeEntry{Name: name, Mode: g.file.v.Mode, Hash: g.file.v.Hash})
		case !dir.IsZero():
			set(name, &gitobj.TreeEntry{Name: name, Mode: filemode.Dir, Hash: dir})
		case g.file != nil || len(g.nested) > 0:
			// File removed, or directory emptied.
			if cur != nil && (g.file != nil || cur.Mode == filemode.Dir) {
				set(name, nil)
			} else if cur != nil {
				return plumbing.ZeroHash, fmt.Errorf("merge: %s is both a file and a directory in the result", name)
			}
		}
	}
	final := out[:0:0]
	for i, e := range out {
		if !removed[i] {
			final = append(final, e)
		}
	}
	if len(final) == 0 {
		return plumbing.ZeroHash, nil
	}
	return writeTree(st, final)
}

func readBlob(st Store, h plumbing.Hash) ([]byte, error) {
	b, err := gitobj.GetBlob(st, h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	return b, nil
}

func writeBlob(st Store, data []byte) (plumbing.Hash, error) {
	return storeObject(st, plumbing.BlobObject, data)
}
