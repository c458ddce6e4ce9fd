package repo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/pathspec"
)

// ResetMode is git reset's --soft, --mixed or --hard.
type ResetMode int

const (
	ResetMixed ResetMode = iota // move HEAD, set the index to the target
	ResetSoft                   // move HEAD only
	ResetHard                   // move HEAD, set the index and work tree to the target
	ResetMerge                  // move HEAD, move the index and work tree, keeping unstaged changes
	ResetKeep                   // move HEAD, move the index and work tree as a checkout does
)

// Reset moves HEAD (the current branch, or HEAD itself when detached) to
// commit `to` and, depending on mode, resets the index and work tree. It
// records the old HEAD in ORIG_HEAD and ends any merge in progress (except
// soft, which refuses during a merge, as git does).
func (r *Repository) Reset(ctx context.Context, to plumbing.Hash, mode ResetMode) error {
	return r.ResetTo(ctx, to, mode, "")
}

// ResetTo is Reset with `to` as the user named it ("HEAD~1"), for the
// reflog: "reset: moving to <rev>" (its id when empty).
func (r *Repository) ResetTo(ctx context.Context, to plumbing.Hash, mode ResetMode, rev string) error {
	return r.ResetWith(ctx, to, mode, rev, ResetOptions{})
}

// ResetOptions modify a mixed reset.
type ResetOptions struct {
	// NoRefresh leaves the entries the reset changed without stat data
	// (git's --no-refresh), so a later status compares their contents.
	NoRefresh bool
	// IntentToAdd keeps paths the reset removes from the index as
	// intent-to-add entries (-N).
	IntentToAdd bool
}

// ResetWith is ResetTo with options for the mixed reset.
func (r *Repository) ResetWith(ctx context.Context, to plumbing.Hash, mode ResetMode, rev string, o ResetOptions) error {
	if _, err := r.commitTree(to); err != nil {
		return err
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	if mode == ResetSoft || mode == ResetKeep {
		// As git's die_if_unmerged_cache: MERGE_HEAD's presence or an
		// unmerged index is enough.
		_, statErr := os.Stat(r.gitPath("MERGE_HEAD"))
		idx, err := r.ReadIndex()
		if err != nil {
			return err
		}
		if statErr == nil || HasUnmerged(idx) {
			name := map[ResetMode]string{ResetSoft: "soft", ResetKeep: "keep"}[mode]
			return fmt.Errorf("Cannot do a %s reset in the middle of a merge: %w", name, ErrMergeInProgress)
		}
	}
	switch mode {
	case ResetMixed:
		err := r.UpdateIndex(func(idx *index.Index) error {
			var before map[string]bool
			if o.IntentToAdd {
				before = map[string]bool{}
				for _, e := range idx.Entries {
					before[e.Name] = true
				}
			}
			if err := r.resetIndexTo(idx, to, nil); err != nil {
				return err
			}
			if o.IntentToAdd {
				r.keepAsIntentToAdd(idx, before)
			}
			if !o.NoRefresh && r.WorkDir != "" {
				r.refreshEntries(idx)
			}
			return nil
		})
		if err != nil {
			return err
		}
	case ResetMerge, ResetKeep:
		if r.WorkDir == "" {
			return ErrBareRepository
		}
		toTree, err := r.commitTree(to)
		if err != nil {
			return err
		}
		m := treeMove{op: "merge", to: toTree, fromIndex: mode == ResetMerge}
		if mode == ResetKeep {
			if m.from, err = r.commitTree(head); err != nil {
				return err
			}
		}
		if err := r.UpdateIndex(func(idx *index.Index) error { return r.unpackTrees(ctx, idx, m) }); err != nil {
			return err
		}
	case ResetHard:
		if r.WorkDir == "" {
			return ErrBareRepository
		}
		if err := r.UpdateIndex(func(idx *index.Index) error { return r.resetHardLocked(ctx, idx, head, to) }); err != nil {
			return err
		}
	}
	if rev == "" {
		rev = to.String()
	}
	if err := r.moveHead(ctx, head, to, "reset: moving to "+rev); err != nil {
		return err
	}
	if mode != ResetSoft {
		r.ClearMergeState()
	}
	return nil
}

// ResetHard is Reset(ctx, to, ResetHard): HEAD, index and work tree all
// become `to`; tracked files not in `to` are deleted, untracked files are
// left alone unless a file of `to` needs their place.
func (r *Repository) ResetHard(ctx context.Context, to plumbing.Hash) error {
	return r.Reset(ctx, to, ResetHard)
}

// moveHead points HEAD at `to`. An unchanged HEAD still goes through
// UpdateRefs: git's HEAD reflog records "reset: moving to HEAD" too.
func (r *Repository) moveHead(ctx context.Context, old, to plumbing.Hash, msg string) error {
	if !old.IsZero() {
		lockfileWrite(r.gitPath("ORIG_HEAD"), old.String()+"\n")
	}
	return r.UpdateRefs(ctx, []RefUpdate{{Name: plumbing.HEAD, Old: old, New: to, CheckOld: true, Message: msg}})
}

// resetIndexTo makes the index hold commit/tree `to` for the paths ps
// matches (all paths when ps is nil). Entries whose content is unchanged
// keep their stat data, so status need not rehash them.
func (r *Repository) resetIndexTo(idx *index.Index, to plumbing.Hash, ps pathspec.Pathspec) error {
	tree, err := r.commitTree(to)
	if err != nil {
		return err
	}
	target, err := r.flattenTree(tree, nil)
	if err != nil {
		return err
	}
	old := indexEntryMap(idx)
	entries := map[string]*index.Entry{}
	var keep []*index.Entry
	for _, e := range idx.Entries {
		if !ps.Match(e.Name) {
			if e.Stage == 0 {
				entries[e.Name] = e
			} else {
				keep = append(keep, e)
			}
		}
	}
	for p, t := range target {
		if !ps.Match(p) {
			continue
		}
		if e := old[p]; e != nil && e.Hash == t.hash && e.Mode == t.mode {
			entries[p] = e
			continue
		}
		ne := blobEntry(p, t.hash, t.mode)
		if e := old[p]; e != nil && e.SkipWorktree {
			// Outside a sparse checkout it stays so, as in git.
			ne.SkipWorktree = true
		}
		entries[p] = ne
	}
	rebuildIndex(idx, entries)
	idx.Entries = append(idx.Entries, keep...)
	sortIndex(idx)
	return nil
}

// keepAsIntentToAdd adds back, as intent-to-add entries, the paths of
// before that the index no longer has (git reset -N).
func (r *Repository) keepAsIntentToAdd(idx *index.Index, before map[string]bool) {
	now := map[string]bool{}
	for _, e := range idx.Entries {
		now[e.Name] = true
	}
	added := false
	for p := range before {
		if !now[p] {
			e := blobEntry(p, emptyBlob, filemode.Regular)
			e.IntentToAdd = true
			idx.Entries = append(idx.Entries, e)
			added = true
		}
	}
	if added {
		sortIndex(idx)
	}
}

// refreshEntries gives entries without stat data, whose files hold
// their content, the files' stat data, as git's refresh after a mixed
// reset does, so that nothing reports them changed.
func (r *Repository) refreshEntries(idx *index.Index) {
	for _, e := range idx.Entries {
		if e.Stage != 0 || e.IntentToAdd || e.SkipWorktree || !e.ModifiedAt.IsZero() || e.Mode == filemode.Submodule {
			continue
		}
		full, err := r.safePath(e.Name)
		if err != nil {
			continue
		}
		fi, err := os.Lstat(full)
		if err != nil || fi.IsDir() {
			continue
		}
		if changed, err := r.worktreeChanged(full, e, fi, idx.ModTime); err == nil && !changed {
			fillStat(e, fi)
			markFresh(idx, e)
		}
	}
}

// resetHardLocked makes the index and work tree match `to`. Files tracked
// now (in the index or in HEAD) but absent from `to` are deleted.
func (r *Repository) resetHardLocked(ctx context.Context, idx *index.Index, head, to plumbing.Hash) error {
	tree, err := r.commitTree(to)
	if err != nil {
		return err
	}
	target, err := r.flattenTree(tree, nil)
	if err != nil {
		return err
	}
	headTree, err := r.commitTree(head)
	if err != nil {
		return err
	}
	headFiles, err := r.flattenTree(headTree, nil)
	if err != nil {
		return err
	}
	old := indexEntryMap(idx)
	tracked := map[string]bool{}
	for _, e := range idx.Entries {
		tracked[e.Name] = true
	}
	for p := range headFiles {
		tracked[p] = true
	}
	var gone []string
	for p := range tracked {
		if _, ok := target[p]; !ok {
			gone = append(gone, p)
		}
	}
	sort.Strings(gone)
	for _, p := range gone {
		if err := r.removeWorktreeFile(p); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(target))
	for p := range target {
		names = append(names, p)
	}
	sort.Strings(names)
	entries := make(map[string]*index.Entry, len(target))
	for _, p := range names {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		t := target[p]
		if e := old[p]; e != nil && e.SkipWorktree {
			// Outside a sparse checkout: the index moves, the work
			// tree stays without the file, as git keeps it; an
			// entry already at the target stays as it is, stat
			// data and all (git's oneway merge).
			if e.Hash != t.hash || e.Mode != t.mode {
				e = &index.Entry{Name: p, Hash: t.hash, Mode: t.mode, SkipWorktree: true}
			}
			entries[p] = e
			continue
		}
		if e := old[p]; e != nil && e.Hash == t.hash && e.Mode == t.mode {
			full := filepath.Join(r.WorkDir, filepath.FromSlash(p))
			if fi, err := os.Lstat(full); err == nil {
				if changed, err := r.worktreeChanged(full, e, fi, idx.ModTime); err == nil && !changed {
					if !statMatches(e, fi) {
						fillStat(e, fi)
					}
					markFresh(idx, e)
					entries[p] = e
					continue
				}
			}
		}
		if err := r.clearWay(p, t.mode); err != nil {
			return err
		}
		fi, err := r.writeWorktreeFile(p, t.hash, t.mode)
		if err != nil {
			return err
		}
		e := &index.Entry{Name: p, Hash: t.hash, Mode: t.mode}
		if fi != nil {
			fillStat(e, fi)
			markFresh(idx, e)
		}
		entries[p] = e
	}
	rebuildIndex(idx, entries)
	r.primeCacheTree(idx) // as git's reset --hard: the index is the tree
	return nil
}

// clearWay removes what stands where path must be written: a directory at
// path (reset --hard overwrites, as git does, when it only holds files
// that are not tracked in the target) or files where its leading
// directories go.
//
// A submodule is never descended into: when a gitlink (mode) goes where
// its directory stands, the directory stays as it is (git moves only the
// gitlink without --recurse-submodules); another repository's work tree
// in the way of a file is refused rather than deleted.
func (r *Repository) clearWay(path string, mode filemode.FileMode) error {
	full, err := r.safePath(path)
	if err != nil {
		return err
	}
	if fi, err := os.Lstat(full); err == nil && fi.IsDir() {
		if mode == filemode.Submodule {
			return r.makeParents(path)
		}
		if IsNestedRepository(full) {
			return fmt.Errorf("%s: the work tree of a submodule is in the way: %w", path, ErrWouldOverwrite)
		}
		if err := os.RemoveAll(full); err != nil {
			return err
		}
	}
	return r.makeParents(path)
}

// ResetPaths sets the index entries of paths to their content in commit
// `from` (git reset [<rev>] -- <paths>); paths absent there are removed from
// the index. The work tree is not touched.
func (r *Repository) ResetPaths(ctx context.Context, from plumbing.Hash, paths []string) error {
	return r.UpdateIndex(func(idx *index.Index) error { return r.resetIndexTo(idx, from, pathspec.New(paths)) })
}

func lockfileWrite(path, content string) error {
	return lockfile.WriteFile(path, []byte(content), 0o644)
}
