package repo

import (
	"context"
	"sort"

	"easel.dev/easel/repo/userdiff"

	"easel.dev/easel/merge/rename"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// LookupPath finds the entry at the slash-separated path under tree: its
// object id and mode, both zero when the tree has no such entry.
func (r *Repository) LookupPath(tree plumbing.Hash, path string) (plumbing.Hash, filemode.FileMode, error) {
	st, err := r.lookupPath(tree, path)
	return st.hash, st.mode, err
}

// CleanContent turns a work tree file's bytes into what git would store
// for path: the clean filters, end-of-line and working-tree-encoding
// conversions of its attributes.
func (r *Repository) CleanContent(path string, data []byte) ([]byte, error) {
	return r.cleanContent(path, data)
}

// RenameSource finds the file of tree a that the file at path in tree b
// was renamed from, as git blame's find_rename does: a diff of the two
// trees with rename detection, path the only destination and the files b
// no longer has the only sources. ok is false when none is similar enough.
func (r *Repository) RenameSource(a, b plumbing.Hash, path string, o RenameOptions) (src string, blob plumbing.Hash, mode filemode.FileMode, ok bool, err error) {
	dst, err := r.lookupPath(b, path)
	if err != nil || dst.hash.IsZero() || dst.mode == filemode.Dir || a.IsZero() {
		return "", plumbing.ZeroHash, 0, false, err
	}
	flat, err := r.flattenTree(a, nil)
	if err != nil {
		return "", plumbing.ZeroHash, 0, false, err
	}
	now, err := r.flattenTree(b, nil)
	if err != nil {
		return "", plumbing.ZeroHash, 0, false, err
	}
	var gone []rename.File
	for p, e := range flat {
		if _, ok := now[p]; !ok {
			gone = append(gone, rename.File{Path: p, Hash: e.hash, Mode: e.mode})
		}
	}
	if len(gone) == 0 {
		return "", plumbing.ZeroHash, 0, false, nil
	}
	o.Limit = 0
	dsts := []rename.File{{Path: path, Hash: dst.hash, Mode: dst.mode}}
	pairs, err := r.findRenames(gone, dsts, o, false)
	if err != nil || len(pairs) == 0 {
		return "", plumbing.ZeroHash, 0, false, err
	}
	s := gone[pairs[0].Src]
	return s.Path, s.Hash, s.Mode, true, nil
}

// FuncnameMatcher is the function-header matcher of path's diff driver
// (diff=<driver> attribute), nil when the path has none and git's default
// rule applies.
func (r *Repository) FuncnameMatcher(path string) (*userdiff.Matcher, error) {
	d, err := r.diffDriverFor(path)
	if err != nil || d == nil {
		return nil, err
	}
	return d.funcName, nil
}

// RenameSourceInIndex is RenameSource between a tree and the index (git
// blame's find_rename for the work tree's version, a diff-cache): the
// destination is path's staged blob, the sources the files of tree a
// that the index no longer has.
func (r *Repository) RenameSourceInIndex(a plumbing.Hash, path string, o RenameOptions) (src string, blob plumbing.Hash, mode filemode.FileMode, ok bool, err error) {
	idx, err := r.ReadIndex()
	if err != nil {
		return "", plumbing.ZeroHash, 0, false, err
	}
	staged := map[string]bool{}
	var dsts []rename.File
	for _, e := range idx.Entries {
		staged[e.Name] = true
		if e.Name == path && int(e.Stage) == 0 {
			dsts = append(dsts, rename.File{Path: path, Hash: e.Hash, Mode: e.Mode})
		}
	}
	if len(dsts) == 0 {
		return "", plumbing.ZeroHash, 0, false, nil
	}
	flat, err := r.flattenTree(a, nil)
	if err != nil {
		return "", plumbing.ZeroHash, 0, false, err
	}
	var gone []rename.File
	for p, e := range flat {
		if !staged[p] {
			gone = append(gone, rename.File{Path: p, Hash: e.hash, Mode: e.mode})
		}
	}
	if len(gone) == 0 {
		return "", plumbing.ZeroHash, 0, false, nil
	}
	o.Limit = 0
	pairs, err := r.findRenames(gone, dsts, o, false)
	if err != nil || len(pairs) == 0 {
		return "", plumbing.ZeroHash, 0, false, err
	}
	s := gone[pairs[0].Src]
	return s.Path, s.Hash, s.Mode, true, nil
}

// CopySource is a file of a parent that blame -C searches for copied
// lines.
type CopySource struct {
	Path string
	Blob plumbing.Hash
	Mode filemode.FileMode
}

// CopySources lists the files of tree a that git blame -C searches for
// lines of tree b (find_copy_in_parent): the files the diff from a to b
// modifies, deletes or renames, or with harder every file of a, in path
// order.
func (r *Repository) CopySources(ctx context.Context, a, b plumbing.Hash, harder bool) ([]CopySource, error) {
	var out []CopySource
	if harder {
		flat, err := r.flattenTree(a, nil)
		if err != nil {
			return nil, err
		}
		for p, e := range flat {
			out = append(out, CopySource{Path: p, Blob: e.hash, Mode: e.mode})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
		return out, nil
	}
	o := RenameOptions{}
	ps, err := r.TreeDiff(ctx, a, b, nil, &o, false)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.From.Exists() {
			out = append(out, CopySource{Path: p.From.Path, Blob: p.From.Hash, Mode: p.From.Mode})
		}
	}
	return out, nil
}
