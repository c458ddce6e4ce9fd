package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/attr"
	"easel.dev/easel/repo/patch"
	"easel.dev/easel/repo/pathspec"
)

// Changes between two versions of the repository's files come out as
// patch.FilePatch values with paths, modes and ids but no contents; call
// LoadPatchData for the ones whose contents are needed. Worktree sides have
// a zero-length Data and the id the file would get, computed on demand.

// TreeOf returns the tree of a commit (or the tree itself); zero stays
// zero, meaning the empty tree.
func (r *Repository) TreeOf(h plumbing.Hash) (plumbing.Hash, error) {
	if h.IsZero() {
		return h, nil
	}
	return r.peel(h, "tree")
}

// DiffTrees lists the files that differ between trees a and b (zero: the
// empty tree) among the paths ps selects, through the one tree walker.
func (r *Repository) DiffTrees(ctx context.Context, a, b plumbing.Hash, ps pathspec.Pathspec) ([]patch.FilePatch, error) {
	changes, err := diffTrees(ctx, a, r.storedSource(), b, r.storedSource(), ps)
	if err != nil {
		return nil, err
	}
	out := make([]patch.FilePatch, len(changes))
	for i, c := range changes {
		if c.fromMode != 0 {
			out[i].From = patch.Side{Path: c.path, Mode: c.fromMode, Hash: c.from}
		}
		if c.toMode != 0 {
			out[i].To = patch.Side{Path: c.path, Mode: c.toMode, Hash: c.to}
		}
	}
	return out, nil
}

// TreeDiff is the one call for what changed between trees a and b (as
// git's diffcore): the tree walker limited by ps, renames found as
// renames says (nil: none), and with load the blobs read into the patches.
func (r *Repository) TreeDiff(ctx context.Context, a, b plumbing.Hash, ps pathspec.Pathspec, renames *RenameOptions, load bool) ([]patch.FilePatch, error) {
	out, err := r.DiffTrees(ctx, a, b, ps)
	if err != nil {
		return nil, err
	}
	if renames != nil && renames.Copies > 0 && !renames.Off {
		if out, err = r.detectCopies(a, out, *renames); err != nil {
			return nil, err
		}
	} else if renames != nil {
		if out, err = r.DetectRenames(out, *renames, false); err != nil {
			return nil, err
		}
	}
	if load {
		for i := range out {
			if err := r.LoadPatchData(&out[i], false); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func sortPatches(ps []patch.FilePatch) {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Path() < ps[j].Path() })
}

// flatSides is flattenTree as the patch sides of its files.
func (r *Repository) flatSides(h plumbing.Hash, ps pathspec.Pathspec) (map[string]patch.Side, error) {
	flat, err := r.flattenTree(h, ps)
	if err != nil {
		return nil, err
	}
	out := make(map[string]patch.Side, len(flat))
	for p, e := range flat {
		out[p] = patch.Side{Path: p, Mode: e.mode, Hash: e.hash}
	}
	return out, nil
}

// readIndexForDiff reads the index; a repository without one has an
// empty index.
func (r *Repository) readIndexForDiff() (*index.Index, error) {
	return r.ReadIndex()
}

// DiffIndex lists the differences from tree (zero: empty) to the index:
// what "diff --cached" shows. Unmerged paths are listed in unmerged.
func (r *Repository) DiffIndex(ctx context.Context, tree plumbing.Hash, ps pathspec.Pathspec) (out []patch.FilePatch, unmerged []string, err error) {
	flat, err := r.flatSides(tree, ps)
	if err != nil {
		return nil, nil, err
	}
	idx, err := r.readIndexForDiff()
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, e := range idx.Entries {
		if !ps.Match(e.Name) || seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		if e.Stage != 0 {
			unmerged = append(unmerged, e.Name)
			continue
		}
		from, ok := flat[e.Name]
		if e.IntentToAdd {
			continue
		}
		to := patch.Side{Path: e.Name, Mode: e.Mode, Hash: e.Hash}
		if ok && from.Hash == to.Hash && from.Mode == to.Mode {
			continue
		}
		out = append(out, patch.FilePatch{From: from, To: to})
	}
	for path, s := range flat {
		if !seen[path] {
			out = append(out, patch.FilePatch{From: s})
		}
	}
	sortPatches(out)
	return out, unmerged, nil
}

// DiffWorktree lists differences to the work tree from the index (base
// zero and fromIndex true: "diff") or from a tree ("diff <rev>"). Only
// tracked files are considered, as git does: files in the index or, for a
// tree base, in the tree.
func (r *Repository) DiffWorktree(ctx context.Context, fromIndex bool, tree plumbing.Hash, ps pathspec.Pathspec) (out []patch.FilePatch, unmerged []string, err error) {
	if r.IsBare() {
		return nil, nil, ErrBareRepository
	}
	idx, err := r.readIndexForDiff()
	if err != nil {
		return nil, nil, err
	}
	var flat map[string]patch.Side
	if !fromIndex {
		if flat, err = r.flatSides(tree, ps); err != nil {
			return nil, nil, err
		}
	}
	indexTime := time.Time{}
	if fi, err := os.Stat(r.indexPath()); err == nil {
		indexTime = fi.ModTime()
	}
	seen := map[string]bool{}
	mr := r.modeRules()
	for _, e := range idx.Entries {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if !ps.Match(e.Name) || seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		if e.Stage != 0 {
			unmerged = append(unmerged, e.Name)
			continue
		}
		var from patch.Side
		if fromIndex {
			if !e.IntentToAdd {
				from = patch.Side{Path: e.Name, Mode: e.Mode, Hash: e.Hash}
			}
		} else {
			from = flat[e.Name]
		}
		if e.Mode == filemode.Submodule {
			// Submodule contents are another repository's business:
			// the diff shows the commit it has checked out, "-dirty"
			// when its tracked files changed, as git does.
			to, err := r.submoduleSide(ctx, e)
			if err != nil {
				return nil, nil, err
			}
			if to.Hash == from.Hash && !to.Dirty && from.Mode == to.Mode {
				continue
			}
			out = append(out, patch.FilePatch{From: from, To: to})
			continue
		}
		var to patch.Side
		if e.SkipWorktree {
			// Outside a sparse checkout the index stands for the
			// work tree, as git takes the entry to be up to date.
			to = patch.Side{Path: e.Name, Mode: e.Mode, Hash: e.Hash}
		} else if to, err = r.worktreeSide(mr, e, indexTime); err != nil {
			return nil, nil, err
		}
		if from.Exists() == to.Exists() && (!from.Exists() || from.Hash == to.Hash && from.Mode == to.Mode) {
			continue
		}
		out = append(out, patch.FilePatch{From: from, To: to})
	}
	for path, s := range flat {
		if !seen[path] {
			// In the tree, not in the index: git diff <rev> shows it
			// deleted even if an untracked file of that name exists.
			out = append(out, patch.FilePatch{From: s})
		}
	}
	sortPatches(out)
	return out, unmerged, nil
}

// worktreeSide describes the work tree file for index entry e, hashing its
// contents only when size or mtime say it may have changed (or when its
// mtime is too close to the index's to trust, git's "racy" case).
// The mode is the one git records (core.fileMode, core.symlinks), and a
// directory holding a repository where a file was is a gitlink, as git's
// check_removed and ce_mode_from_stat have it.
func (r *Repository) worktreeSide(mr modeRules, e *index.Entry, indexTime time.Time) (patch.Side, error) {
	full := filepath.Join(r.WorkDir, filepath.FromSlash(e.Name))
	fi, err := os.Lstat(full)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return patch.Side{}, nil
		}
		return patch.Side{}, err
	}
	var mode filemode.FileMode
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		mode = filemode.Symlink
	case fi.Mode().IsRegular():
		mode = filemode.Regular
		if fi.Mode()&0o111 != 0 {
			mode = filemode.Executable
		}
	case fi.IsDir():
		// A directory where a file was: deleted, unless it is a
		// repository with a commit checked out (a type change to a
		// gitlink).
		if h, ok := r.nestedRepoHead(e.Name); ok {
			return patch.Side{Path: e.Name, Mode: filemode.Submodule, Hash: h}, nil
		}
		return patch.Side{}, nil
	default:
		return patch.Side{}, nil
	}
	if !e.IntentToAdd {
		mode = mr.fromStat(mode, e.Mode)
	}
	s := patch.Side{Path: e.Name, Mode: mode}
	racy := !indexTime.IsZero() && !fi.ModTime().Before(indexTime)
	if !e.IntentToAdd && mode == e.Mode && int64(e.Size) == fi.Size()&0xffffffff && fi.ModTime().Equal(e.ModifiedAt) && !racy {
		s.Hash = e.Hash
		return s, nil
	}
	if s.Hash, err = r.hashWorktreeFile(full, fi); err != nil {
		return patch.Side{}, err
	}
	return s, nil
}

func readWorktreeFile(full string, mode filemode.FileMode) ([]byte, error) {
	if mode == filemode.Symlink {
		if fi, err := os.Lstat(full); err == nil && fi.Mode().IsRegular() {
			// core.symlinks=false: the link is a file holding its
			// target.
			return os.ReadFile(full)
		}
		target, err := os.Readlink(full)
		if err != nil {
			return nil, err
		}
		return []byte(filepath.ToSlash(target)), nil
	}
	return os.ReadFile(full)
}

// LoadPatchData fills in the contents of both sides of p: blobs from the
// object store, work tree files from disk (worktree true for the To side).
func (r *Repository) LoadPatchData(p *patch.FilePatch, toWorktree bool) error {
	return r.loadPatchData(p, toWorktree, false)
}

// loadPatchData is LoadPatchData; text loads both sides whatever their
// content (a textconv driver, or diff.<driver>.binary=false).
func (r *Repository) loadPatchData(p *patch.FilePatch, toWorktree, text bool) error {
	// A binary change is reported from sizes alone: look at the start of
	// each side first and load neither when one is binary. The diff
	// attribute decides first: "-diff" (or "binary") is binary whatever
	// the content, "diff" is text whatever the content.
	forced, err := r.diffAttribute(p)
	if err != nil {
		return err
	}
	fromBin, err := r.probeBinary(&p.From, false)
	if err != nil {
		return err
	}
	toBin, err := r.probeBinary(&p.To, toWorktree)
	if err != nil {
		return err
	}
	if forced != 0 {
		fromBin, toBin = forced < 0, forced < 0
	}
	if text {
		fromBin, toBin = false, false
	}
	if fromBin || toBin {
		p.From.Binary, p.To.Binary = p.From.Exists(), p.To.Exists()
		return nil
	}
	load := func(s *patch.Side, fromDisk bool) error {
		if !s.Exists() || s.Data != nil || s.Mode == filemode.Submodule {
			return nil
		}
		if fromDisk {
			data, err := readWorktreeFile(filepath.Join(r.WorkDir, filepath.FromSlash(s.Path)), s.Mode)
			if err != nil {
				return err
			}
			if s.Mode != filemode.Symlink {
				// The work tree side is compared as it would be stored.
				if data, err = r.cleanContent(s.Path, data); err != nil {
					return err
				}
			}
			s.Data = data
			return nil
		}
		data, err := r.ReadBlob(s.Hash)
		if err != nil {
			return err
		}
		s.Data = data
		return nil
	}
	if err := load(&p.From, false); err != nil {
		return err
	}
	return load(&p.To, toWorktree)
}

// diffAttribute is the diff attribute of a change's path: -1 when unset
// (binary), 1 when set (text), 0 when content decides.
func (r *Repository) diffAttribute(p *patch.FilePatch) (int, error) {
	path := p.To.Path
	if path == "" {
		path = p.From.Path
	}
	if path == "" {
		return 0, nil
	}
	a, err := r.Attributes(path)
	if err != nil {
		return 0, err
	}
	switch v := a.Get("diff"); {
	case v.IsUnset():
		return -1, nil
	case v.IsSet():
		return 1, nil
	}
	return 0, nil
}

// probeBinary reads the first patch.BinaryProbe bytes of a regular file
// side and records its size; it reports whether they hold a NUL.
func (r *Repository) probeBinary(s *patch.Side, fromDisk bool) (bool, error) {
	if !s.Exists() || s.Data != nil || !s.Mode.IsRegular() && s.Mode != filemode.Executable {
		return false, nil
	}
	var rd io.ReadCloser
	if fromDisk {
		f, err := os.Open(filepath.Join(r.WorkDir, filepath.FromSlash(s.Path)))
		if err != nil {
			return false, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return false, err
		}
		rd, s.Size = f, fi.Size()
	} else {
		o, err := r.Storer.EncodedObject(plumbing.BlobObject, s.Hash)
		if err != nil {
			return false, fmt.Errorf("blob %s: %v: %w", s.Hash, err, ErrCorruptObject)
		}
		if rd, err = o.Reader(); err != nil {
			return false, fmt.Errorf("blob %s: %v: %w", s.Hash, err, ErrCorruptObject)
		}
		s.Size = o.Size()
	}
	defer rd.Close()
	head := make([]byte, patch.BinaryProbe)
	n, err := io.ReadFull(rd, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return false, err
	}
	return patch.IsBinary(head[:n]), nil
}

// ReadBlob returns the contents of a blob.
func (r *Repository) ReadBlob(h plumbing.Hash) ([]byte, error) {
	o, err := r.Storer.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %v: %w", h, err, ErrCorruptObject)
	}
	rd, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %v: %w", h, err, ErrCorruptObject)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// CheckOptions are the whitespace rule and conflict marker size that diff
// --check applies to path: the whitespace attribute (set: every check,
// unset: none, a value: those rules) or else core.whitespace, and the
// conflict-marker-size attribute.
func (r *Repository) CheckOptions(path string) (patch.CheckOptions, error) {
	o := patch.CheckOptions{Rule: patch.WSDefault, MarkerSize: 7}
	if v, ok, _ := r.ConfigGet("core.whitespace"); ok {
		rule, err := patch.ParseWSRule(v)
		if err != nil {
			return o, err
		}
		o.Rule = rule
	}
	a, err := r.Attributes(path)
	if err != nil {
		return o, err
	}
	switch v := a.Get("whitespace"); {
	case v.IsSet():
		o.Rule = patch.WSRuleAll()
	case v.IsUnset():
		o.Rule = 0
	case v.State == attr.Valued:
		rule, err := patch.ParseWSRule(v.Text)
		if err != nil {
			return o, err
		}
		o.Rule = rule
	}
	if v := a.Get("conflict-marker-size"); v.Text != "" {
		if n, err := strconv.Atoi(v.Text); err == nil && n > 0 {
			o.MarkerSize = n
		}
	}
	return o, nil
}
