package repo

import (
	"path/filepath"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/merge/rename"
	"easel.dev/easel/repo/patch"
)

// RenameOptions say whether and how a diff pairs deleted files with added
// ones, as git's -M, --no-renames, diff.renames and diff.renameLimit do.
type RenameOptions struct {
	Off      bool
	MinScore int // similarity needed, on git's scale of 60000 (0: 50%)
	Limit    int // 0: rename.DefaultLimit
	// Copies finds copies as well (git's -C): 1 from the files the
	// diff modifies or deletes, 2 from every file of the old tree
	// (-C -C, --find-copies-harder).
	Copies int
}

// RenameConfig reads the rename settings of the diff family from section
// ("diff", or "status" which falls back to diff's).
func (r *Repository) RenameConfig(section string) RenameOptions {
	on := r.ConfigBool("diff.renames", true)
	limitKey := "diff.renameLimit"
	if section != "diff" {
		on = r.ConfigBool(section+".renames", on)
		if _, ok, _ := r.ConfigGet(section + ".renameLimit"); ok {
			limitKey = section + ".renameLimit"
		}
	}
	o := RenameOptions{Off: !on}
	if v, ok, _ := r.ConfigGet(limitKey); ok {
		if n, err := strconv.Atoi(v); err == nil {
			o.Limit = n
		}
	}
	return o
}

// DetectRenames turns deletions and additions among ps into renames where
// git would, and returns the changes sorted by path. toWorktree says the
// added files are read from the work tree.
func (r *Repository) DetectRenames(ps []patch.FilePatch, o RenameOptions, toWorktree bool) ([]patch.FilePatch, error) {
	if o.Off {
		return ps, nil
	}
	var srcs, dsts []rename.File
	var srcAt, dstAt []int
	for i, p := range ps {
		switch {
		case !p.To.Exists():
			srcs = append(srcs, rename.File{Path: p.From.Path, Hash: p.From.Hash, Mode: p.From.Mode})
			srcAt = append(srcAt, i)
		case !p.From.Exists():
			dsts = append(dsts, rename.File{Path: p.To.Path, Hash: p.To.Hash, Mode: p.To.Mode})
			dstAt = append(dstAt, i)
		}
	}
	if len(srcs) == 0 || len(dsts) == 0 {
		return ps, nil
	}
	pairs, err := r.findRenames(srcs, dsts, o, toWorktree)
	if err != nil || len(pairs) == 0 {
		return ps, err
	}
	gone := map[int]bool{}
	for _, pr := range pairs {
		s, d := srcAt[pr.Src], dstAt[pr.Dst]
		ps[d] = patch.FilePatch{From: ps[s].From, To: ps[d].To, Score: pr.Score}
		gone[s] = true
	}
	out := ps[:0]
	for i, p := range ps {
		if !gone[i] {
			out = append(out, p)
		}
	}
	sortPatches(out)
	return out, nil
}

// findRenames runs git's rename detection, reading sources from the object
// store and destinations from the store or, with dstOnDisk, the work tree.
func (r *Repository) findRenames(srcs, dsts []rename.File, o RenameOptions, dstOnDisk bool) ([]rename.Pair, error) {
	onDisk := map[string]bool{}
	if dstOnDisk {
		for _, d := range dsts {
			onDisk[d.Path] = true
		}
	}
	d := rename.Detector{Load: func(f rename.File) ([]byte, error) {
		if onDisk[f.Path] {
			return readWorktreeFile(filepath.Join(r.WorkDir, filepath.FromSlash(f.Path)), f.Mode)
		}
		return r.ReadBlob(f.Hash)
	}}
	return d.Detect(srcs, dsts, rename.Options{MinScore: o.MinScore, Limit: o.Limit, EmptyFiles: true})
}

// detectCopies is DetectRenames with copies, as git's -C: renames are
// found first, from the deleted files alone; then the added files left
// are matched with every source, the deleted files, the modified ones
// and, with o.Copies 2, every file of tree a, and paired with one that is
// still there they are copies of it (git counts those sources as used
// already, so that a rename wins over a copy).
func (r *Repository) detectCopies(a plumbing.Hash, ps []patch.FilePatch, o RenameOptions) ([]patch.FilePatch, error) {
	ps, err := r.DetectRenames(ps, o, false)
	if err != nil {
		return nil, err
	}
	var srcs, dsts []rename.File
	var dstAt []int
	seen := map[string]bool{}
	for i, p := range ps {
		switch {
		case !p.From.Exists():
			dsts = append(dsts, rename.File{Path: p.To.Path, Hash: p.To.Hash, Mode: p.To.Mode})
			dstAt = append(dstAt, i)
		default:
			srcs = append(srcs, rename.File{Path: p.From.Path, Hash: p.From.Hash, Mode: p.From.Mode})
			seen[p.From.Path] = true
		}
	}
	if len(dsts) == 0 {
		return ps, nil
	}
	if o.Copies >= 2 && !a.IsZero() {
		flat, err := r.flattenTree(a, nil)
		if err != nil {
			return nil, err
		}
		for path, e := range flat {
			if !seen[path] {
				srcs = append(srcs, rename.File{Path: path, Hash: e.hash, Mode: e.mode})
			}
		}
	}
	pairs, err := r.findRenames(srcs, dsts, o, false)
	if err != nil || len(pairs) == 0 {
		return ps, err
	}
	for _, pr := range pairs {
		src := srcs[pr.Src]
		d := dstAt[pr.Dst]
		ps[d] = patch.FilePatch{From: patch.Side{Path: src.Path, Mode: src.Mode, Hash: src.Hash}, To: ps[d].To, Score: pr.Score, Copy: true}
	}
	sortPatches(ps)
	return ps, nil
}

// FollowRename finds where the file at path in tree b came from in tree a,
// as git's try_to_follow_renames for log --follow: path is the only
// destination; a file of a that b no longer has is preferred (a rename),
// else any file of a is a source (copies found harder). ok is false when
// no source is similar enough.
func (r *Repository) FollowRename(a, b plumbing.Hash, path string, o RenameOptions) (fp patch.FilePatch, ok bool, err error) {
	dst, err := r.lookupPath(b, path)
	if err != nil || dst.hash.IsZero() || dst.mode == filemode.Dir || a.IsZero() {
		return fp, false, err
	}
	flat, err := r.flattenTree(a, nil)
	if err != nil {
		return fp, false, err
	}
	now, err := r.flattenTree(b, nil)
	if err != nil {
		return fp, false, err
	}
	var gone, all []rename.File
	still := map[string]bool{}
	for p, e := range flat {
		f := rename.File{Path: p, Hash: e.hash, Mode: e.mode}
		all = append(all, f)
		if _, ok := now[p]; ok {
			still[p] = true
		} else {
			gone = append(gone, f)
		}
	}
	o.Limit = 0 // one destination is never too many
	dsts := []rename.File{{Path: path, Hash: dst.hash, Mode: dst.mode}}
	for _, srcs := range [][]rename.File{gone, all} {
		pairs, err := r.findRenames(srcs, dsts, o, false)
		if err != nil {
			return fp, false, err
		}
		if len(pairs) > 0 {
			src := srcs[pairs[0].Src]
			return patch.FilePatch{
				From:  patch.Side{Path: src.Path, Mode: src.Mode, Hash: src.Hash},
				To:    patch.Side{Path: path, Mode: dst.mode, Hash: dst.hash},
				Score: pairs[0].Score, Copy: still[src.Path],
			}, true, nil
		}
	}
	return fp, false, nil
}
