package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"easel.dev/easel/repo/pathspec"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// emptyTree is the id of the tree with no entries, which git treats as
// existing whether or not it is stored: 4b825dc642cb6eb9a060e54bf8d69288fbee4904,
// spelled as bytes so that no code runs at start-up to compute it.
var emptyTree = plumbing.Hash{0x4b, 0x82, 0x5d, 0xc6, 0x42, 0xcb, 0x6e, 0xb9, 0xa0, 0x60, 0xe5, 0x4b, 0xf8, 0xd6, 0x92, 0x88, 0xfb, 0xee, 0x49, 0x04}

// treeEntry is one entry of a tree object.
type treeEntry struct {
	name string
	mode filemode.FileMode
	hash plumbing.Hash
}

func (e treeEntry) isDir() bool { return e.mode == filemode.Dir }

// gitTreeLess orders tree entries as git does: a directory sorts as if its
// name ended in "/".
func gitTreeLess(a, b treeEntry) bool {
	// As if directory names ended in "/", without building the strings.
	an, bn := a.name, b.name
	n := min(len(an), len(bn))
	if an[:n] != bn[:n] {
		return an[:n] < bn[:n]
	}
	ac, bc := treeNameEnd(a, n), treeNameEnd(b, n)
	return ac < bc
}

// treeNameEnd is the byte of e's name at i in git's tree order: past the
// end a directory continues with '/', a file ends (0, before everything).
func treeNameEnd(e treeEntry, i int) int {
	switch {
	case i < len(e.name):
		return int(e.name[i])
	case i == len(e.name) && e.isDir():
		return '/'
	case i == len(e.name):
		return 0
	}
	return -1
}

func encodeTree(entries []treeEntry) []byte { return appendTree(nil, entries) }

// appendTree appends the tree object's content to dst.
func appendTree(dst []byte, entries []treeEntry) []byte {
	for _, e := range entries {
		dst = strconv.AppendUint(dst, uint64(e.mode), 8)
		dst = append(dst, ' ')
		dst = append(dst, e.name...)
		dst = append(dst, 0)
		dst = append(dst, e.hash[:]...)
	}
	return dst
}

func parseTreeRaw(data []byte) ([]treeEntry, error) {
	var out []treeEntry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp < 0 {
			return nil, errors.New("bad tree entry")
		}
		m, err := strconv.ParseUint(string(data[:sp]), 8, 32)
		if err != nil {
			return nil, errors.New("bad tree mode")
		}
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || len(data) < nul+21 {
			return nil, errors.New("truncated tree entry")
		}
		e := treeEntry{name: string(data[:nul]), mode: filemode.FileMode(m)}
		copy(e.hash[:], data[nul+1:nul+21])
		data = data[nul+21:]
		out = append(out, e)
	}
	return out, nil
}

// readTreeEntries is the one tree reader: the entries of a stored tree
// (nil for the zero hash, the empty tree); a missing or unparsable tree is
// ErrCorruptObject.
func (r *Repository) readTreeEntries(h plumbing.Hash) ([]treeEntry, error) {
	if h.IsZero() || h == emptyTree {
		return nil, nil
	}
	obj, err := r.Storer.EncodedObject(plumbing.TreeObject, h)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		// A tree that a commit or tree names but the repository lacks
		// is corrupt data, whichever command meets it.
		return nil, fmt.Errorf("tree %s: %w: %w", h, ErrCorruptObject, err)
	}
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w", h, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, err
	}
	ents, err := parseTreeRaw(data)
	if err != nil {
		return nil, fmt.Errorf("tree %s: %w: %v", h, ErrCorruptObject, err)
	}
	return ents, nil
}

// indexTrees is the tree structure the stage-0 index entries describe:
// every directory's sorted entries and hash, computed in memory.
type indexTrees struct {
	dirs map[string][]treeEntry // "" is the root
	hash map[string]plumbing.Hash
}

// buildIndexTrees computes the trees of the index; with store set it also
// writes the tree objects. Unmerged entries are left out.
func (r *Repository) buildIndexTrees(idx *index.Index, store bool) (*indexTrees, error) {
	ents := make([]*index.Entry, 0, len(idx.Entries))
	for _, e := range idx.Entries {
		if e.Stage == 0 && !e.IntentToAdd {
			ents = append(ents, e)
		}
	}
	// A valid index is sorted already; checking is much cheaper than sorting.
	if !sort.SliceIsSorted(ents, func(i, j int) bool { return ents[i].Name < ents[j].Name }) {
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name < ents[j].Name })
	}
	t := &indexTrees{dirs: map[string][]treeEntry{}, hash: map[string]plumbing.Hash{}}
	var pending []memObject
	var scratch []byte // tree contents only hashed are encoded here
	var build func(prefix string, ents []*index.Entry) (plumbing.Hash, error)
	build = func(prefix string, ents []*index.Entry) (plumbing.Hash, error) {
		var out []treeEntry
		for i := 0; i < len(ents); {
			rest := ents[i].Name[len(prefix):]
			slash := strings.IndexByte(rest, '/')
			if slash < 0 {
				out = append(out, treeEntry{name: rest, mode: ents[i].Mode, hash: ents[i].Hash})
				i++
				continue
			}
			name := rest[:slash]
			sub := prefix + name + "/"
			j := i
			for j < len(ents) && strings.HasPrefix(ents[j].Name, sub) {
				j++
			}
			h, err := build(sub, ents[i:j])
			if err != nil {
				return plumbing.ZeroHash, err
			}
			out = append(out, treeEntry{name: name, mode: filemode.Dir, hash: h})
			i = j
		}
		// Index order is tree order except in corner cases; see gitTreeLess.
		if !sort.SliceIsSorted(out, func(a, b int) bool { return gitTreeLess(out[a], out[b]) }) {
			sort.Slice(out, func(a, b int) bool { return gitTreeLess(out[a], out[b]) })
		}
		var data []byte
		if store {
			data = encodeTree(out)
		} else {
			scratch = appendTree(scratch[:0], out)
			data = scratch
		}
		h := hashObject(plumbing.TreeObject, data)
		if store {
			pending = append(pending, memObject{id: h, t: plumbing.TreeObject, data: data})
		}
		dir := strings.TrimSuffix(prefix, "/")
		t.dirs[dir] = out
		t.hash[dir] = h
		return h, nil
	}
	if _, err := build("", ents); err != nil {
		return nil, err
	}
	if store {
		if err := r.storeObjects(pending); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// WriteTree writes the index as tree objects and returns the root tree
// (git write-tree). It fails with ErrUnmergedPaths on a conflicted index.
func (r *Repository) WriteTree(idx *index.Index) (plumbing.Hash, error) {
	if u := unmergedPaths(idx); len(u) > 0 {
		return plumbing.ZeroHash, fmt.Errorf("%w: %s", ErrUnmergedPaths, strings.Join(u, ", "))
	}
	t, err := r.buildIndexTrees(idx, true)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	// As git's write_index_as_tree and commit: the index, when written
	// next, records the trees just written in its cache-tree.
	r.recordCacheTree(idx, t, false)
	return t.hash[""], nil
}

// treeChange is one file that differs between two trees.
type treeChange struct {
	path             string
	fromMode, toMode filemode.FileMode // 0: absent
	from, to         plumbing.Hash
}

// treeSource gives the entries of a directory: a stored tree read by hash,
// or the index's in-memory trees.
type treeSource func(dir string, h plumbing.Hash) ([]treeEntry, error)

func (r *Repository) storedSource() treeSource {
	return func(_ string, h plumbing.Hash) ([]treeEntry, error) { return r.readTreeEntries(h) }
}

func (t *indexTrees) source() treeSource {
	return func(dir string, _ plumbing.Hash) ([]treeEntry, error) { return t.dirs[dir], nil }
}

// diffTrees is the one tree-diff walker: it lists the files that differ
// between tree a (read through sa) and tree b (through sb) among the paths
// ps selects, sorted by path, skipping subtrees whose ids are equal and
// directories ps cannot match. A path that is a file on one side and a
// directory on the other comes out as a deletion plus additions. Every
// caller (diff, status, checkout, commit, merge) goes through it; those
// that want renames or contents add them to its result (DiffTrees).
func diffTrees(ctx context.Context, a plumbing.Hash, sa treeSource, b plumbing.Hash, sb treeSource, ps pathspec.Pathspec) ([]treeChange, error) {
	var out []treeChange
	if err := walkTreeDiff(ctx, "", a, sa, b, sb, ps, &out); err != nil {
		return nil, err
	}
	sortChanges(out)
	return out, nil
}

func walkTreeDiff(ctx context.Context, dir string, a plumbing.Hash, sa treeSource, b plumbing.Hash, sb treeSource, ps pathspec.Pathspec, out *[]treeChange) error {
	if a == b && !a.IsZero() {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var ea, eb []treeEntry
	var err error
	if !a.IsZero() {
		if ea, err = sa(dir, a); err != nil {
			return err
		}
	}
	if !b.IsZero() {
		if eb, err = sb(dir, b); err != nil {
			return err
		}
	}
	join := func(name string) string {
		if dir == "" {
			return name
		}
		return dir + "/" + name
	}
	// Index both sides by name: file and directory of the same name are
	// different entries.
	type key struct {
		name string
		dir  bool
	}
	mb := make(map[key]treeEntry, len(eb))
	for _, e := range eb {
		mb[key{e.name, e.isDir()}] = e
	}
	seen := make(map[key]bool, len(ea))
	for _, x := range ea {
		k := key{x.name, x.isDir()}
		seen[k] = true
		y, ok := mb[k]
		p := join(x.name)
		switch {
		case x.isDir() && !ps.MayContain(p):
		case x.isDir() && ok:
			if err := walkTreeDiff(ctx, p, x.hash, sa, y.hash, sb, ps, out); err != nil {
				return err
			}
		case x.isDir():
			if err := walkTreeDiff(ctx, p, x.hash, sa, plumbing.ZeroHash, sb, ps, out); err != nil {
				return err
			}
		case !ps.Match(p):
		case ok:
			if x.hash != y.hash || x.mode != y.mode {
				*out = append(*out, treeChange{path: p, fromMode: x.mode, toMode: y.mode, from: x.hash, to: y.hash})
			}
		default:
			*out = append(*out, treeChange{path: p, fromMode: x.mode, from: x.hash})
		}
	}
	for _, y := range eb {
		k := key{y.name, y.isDir()}
		if seen[k] {
			continue
		}
		p := join(y.name)
		switch {
		case y.isDir():
			if !ps.MayContain(p) {
				continue
			}
			if err := walkTreeDiff(ctx, p, plumbing.ZeroHash, sa, y.hash, sb, ps, out); err != nil {
				return err
			}
		case ps.Match(p):
			*out = append(*out, treeChange{path: p, toMode: y.mode, to: y.hash})
		}
	}
	return nil
}

// sortChanges orders changes by path.
func sortChanges(cs []treeChange) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].path < cs[j].path })
}

// flattenTree is the one tree flattener: every file of a stored tree that
// ps selects (nil: all), by full path.
func (r *Repository) flattenTree(h plumbing.Hash, ps pathspec.Pathspec) (map[string]treeEntry, error) {
	out := map[string]treeEntry{}
	var walk func(prefix string, h plumbing.Hash) error
	walk = func(prefix string, h plumbing.Hash) error {
		ents, err := r.readTreeEntries(h)
		if err != nil {
			return err
		}
		for _, e := range ents {
			p := prefix + e.name
			if e.isDir() {
				if !ps.MayContain(p) {
					continue
				}
				if err := walk(p+"/", e.hash); err != nil {
					return err
				}
				continue
			}
			if ps.Match(p) {
				e.name = p
				out[p] = e
			}
		}
		return nil
	}
	if h.IsZero() {
		return out, nil
	}
	return out, walk("", h)
}

// commitTree returns the tree of a commit (zero for the zero commit).
func (r *Repository) commitTree(c plumbing.Hash) (plumbing.Hash, error) {
	if c.IsZero() {
		return plumbing.ZeroHash, nil
	}
	obj, err := r.Storer.EncodedObject(plumbing.AnyObject, c)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%s: %w", c, err)
	}
	switch obj.Type() {
	case plumbing.TreeObject:
		return c, nil
	case plumbing.CommitObject:
	default:
		return plumbing.ZeroHash, fmt.Errorf("%s is a %s, not a commit", c, obj.Type())
	}
	rd, err := obj.Reader()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer rd.Close()
	var head [46]byte
	if _, err := io.ReadFull(rd, head[:]); err != nil || string(head[:5]) != "tree " {
		return plumbing.ZeroHash, fmt.Errorf("commit %s: %w", c, ErrCorruptObject)
	}
	return plumbing.NewHash(string(head[5:45])), nil
}
