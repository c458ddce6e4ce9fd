package repo

import (
	"path/filepath"
	"strconv"

	"easel.dev/easel/merge/rename"
	"easel.dev/easel/repo/patch"
)

// RenameOptions say whether and how a diff pairs deleted files with added
// ones, as git's -M, --no-renames, diff.renames and diff.renameLimit do.
type RenameOptions struct {
	Off      bool
	MinScore int // similarity needed, on git's scale of 60000 (0: 50%)
	Limit    int // 0: rename.DefaultLimit
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
