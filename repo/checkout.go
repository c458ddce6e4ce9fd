package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/pathspec"
)

// Checkout moves the index and work tree from commit `from` (zero: nothing,
// an unborn branch) to commit `to`, as `git read-tree -m -u from to` does:
// paths that differ between the two commits are updated; local changes to
// other paths are kept. If a path that must change has a local change
// (staged or in the work tree), or an untracked file is in the way, nothing
// is touched and an *OverwriteError (ErrWouldOverwrite) names them.
// HEAD is not moved.
func (r *Repository) Checkout(ctx context.Context, from, to plumbing.Hash) error {
	if r.WorkDir == "" {
		return ErrBareRepository
	}
	return r.UpdateIndex(func(idx *index.Index) error { return r.checkoutLocked(ctx, idx, from, to) })
}

// checkoutLocked is Checkout on an index already locked: the two-way
// move between the commits' trees.
func (r *Repository) checkoutLocked(ctx context.Context, idx *index.Index, from, to plumbing.Hash) error {
	fromTree, err := r.commitTree(from)
	if err != nil {
		return err
	}
	toTree, err := r.commitTree(to)
	if err != nil {
		return err
	}
	return r.unpackTrees(ctx, idx, treeMove{op: "checkout", from: fromTree, to: toTree})
}

// rebuildIndex replaces idx's entries with the stage-0 entries in m.
func rebuildIndex(idx *index.Index, m map[string]*index.Entry) {
	idx.Entries = idx.Entries[:0]
	for _, e := range m {
		idx.Entries = append(idx.Entries, e)
	}
	sortIndex(idx)
}

// makeParentsFor makes the leading directories of path, removing empty
// leftovers only (the plan has already checked that nothing is lost).
func (r *Repository) makeParentsFor(path string) error {
	if err := r.makeParents(path); err != nil && !errors.Is(err, syscall.EEXIST) {
		return err
	}
	return nil
}

// rulesFor returns the ignore rules in force in a directory, reading the
// .gitignore files from the top down.
func (r *Repository) rulesFor(dir string) *ignoreRules {
	rules := r.baseIgnore()
	cur := ""
	parts := []string{}
	if dir != "" {
		parts = strings.Split(dir, "/")
	}
	for i := 0; ; i++ {
		if data, err := os.ReadFile(filepath.Join(r.WorkDir, filepath.FromSlash(cur), ".gitignore")); err == nil {
			rules = rules.child(cur, data)
		}
		if i == len(parts) {
			break
		}
		if cur == "" {
			cur = parts[i]
		} else {
			cur += "/" + parts[i]
		}
	}
	return rules
}

// RestoreOptions modify Restore.
type RestoreOptions struct {
	Source   plumbing.Hash // commit or tree; zero: the index (work tree) or HEAD (staged)
	Staged   bool          // restore the index
	Worktree bool          // restore the work tree (the default when neither is set)
	Overlay  bool          // keep files absent from the source (checkout <rev> -- paths)
	// IgnoreUnmerged skips unmerged paths when restoring the work tree
	// from the index (--ignore-unmerged), telling Warn of each unless nil.
	IgnoreUnmerged bool
	Warn           func(msg string)
}

// Restore sets paths (repository-relative pathspecs) in the index and/or
// the work tree to their content in a source, as git restore and
// git checkout [<rev>] -- <paths> do. It returns the paths it changed.
func (r *Repository) Restore(ctx context.Context, paths []string, opts RestoreOptions) ([]string, error) {
	if len(paths) == 0 {
		return nil, &PathspecError{Msg: "you must specify path(s) to restore"}
	}
	if !opts.Staged && !opts.Worktree {
		opts.Worktree = true
	}
	if opts.Worktree && r.WorkDir == "" {
		return nil, ErrBareRepository
	}
	il, err := r.LockIndex()
	if err != nil {
		return nil, err
	}
	defer il.Rollback()
	idx := il.Index
	ps := pathspec.New(paths)

	// The source: a tree, or the index when restoring only the work tree
	// without --source.
	src := map[string]treeEntry{}
	fromIndex := !opts.Staged && opts.Source.IsZero()
	if fromIndex {
		warned := map[string]bool{}
		for _, e := range idx.Entries {
			if ps.Match(e.Name) {
				if e.Stage != 0 {
					if !opts.IgnoreUnmerged {
						return nil, fmt.Errorf("path '%s' is unmerged: %w", e.Name, ErrUnmergedPaths)
					}
					if opts.Warn != nil && !warned[e.Name] {
						warned[e.Name] = true
						opts.Warn(fmt.Sprintf("path '%s' is unmerged", e.Name))
					}
					continue
				}
				src[e.Name] = treeEntry{name: e.Name, mode: e.Mode, hash: e.Hash}
			}
		}
	} else {
		source := opts.Source
		if source.IsZero() {
			if source, err = r.Head(); err != nil {
				return nil, err
			}
		}
		tree, err := r.commitTree(source)
		if err != nil {
			return nil, err
		}
		all, err := r.flattenTree(tree, nil)
		if err != nil {
			return nil, err
		}
		for p, e := range all {
			if ps.Match(p) {
				// Checked before anything is written, as in checkout.
				if err := r.verifyPath(p); err != nil {
					return nil, err
				}
				src[p] = e
			}
		}
	}
	// What the pathspecs match now (index entries) decides deletions.
	current := map[string]bool{}
	for _, e := range idx.Entries {
		if ps.Match(e.Name) {
			current[e.Name] = true
		}
	}
	for _, m := range ps {
		if m.IsExclude() {
			continue
		}
		ok := false
		for q := range src {
			if m.Match(q) {
				ok = true
				break
			}
		}
		for q := range current {
			if !ok && m.Match(q) {
				ok = true
			}
		}
		if !ok {
			p := m.Original
			return nil, &PathspecError{Pathspec: p, Msg: fmt.Sprintf("pathspec '%s' did not match any file(s) known to easel", p)}
		}
	}

	entries := map[string]*index.Entry{}
	var conflicted []*index.Entry
	for _, e := range idx.Entries {
		if e.Stage == 0 {
			entries[e.Name] = e
		} else {
			conflicted = append(conflicted, e)
		}
	}
	var changed []string
	var names []string
	for p := range src {
		names = append(names, p)
	}
	sort.Strings(names)
	if opts.Worktree {
		r.beginDelayedCheckout()
	}
	for _, p := range names {
		s := src[p]
		e := entries[p]
		if opts.Worktree {
			full := filepath.Join(r.WorkDir, filepath.FromSlash(p))
			fi, lerr := os.Lstat(full)
			same := false
			if lerr == nil && e != nil && e.Hash == s.hash && e.Mode == s.mode {
				c, err := r.worktreeChanged(full, e, fi, idx.ModTime)
				same = err == nil && !c
			}
			if !same {
				if err := r.makeParentsFor(p); err != nil {
					return nil, err
				}
				if lerr == nil && fi.IsDir() && s.mode != filemode.Submodule {
					// A directory where the file goes goes, with
					// whatever it holds, as git's forced
					// checkout_entry removes the subtree.
					if err := r.clearWay(p, s.mode); err != nil {
						r.finishDelayedCheckout()
						return nil, err
					}
				}
				fi, err := r.writeWorktreeFile(p, s.hash, s.mode)
				if err != nil {
					r.finishDelayedCheckout()
					return nil, err
				}
				changed = append(changed, p)
				if !opts.Staged && e != nil && e.Hash == s.hash && e.Mode == s.mode && fi != nil {
					fillStat(e, fi)
					markFresh(idx, e)
				}
				if opts.Staged && fi != nil {
					ne := &index.Entry{Name: p, Hash: s.hash, Mode: s.mode}
					fillStat(ne, fi)
					markFresh(idx, ne)
					entries[p] = ne
					continue
				}
			}
		}
		// An intent-to-add entry is replaced even when it names the
		// same (empty) blob: it is not in the index yet.
		if opts.Staged && (!entryIs(e, s.mode, s.hash) || e.IntentToAdd) {
			entries[p] = blobEntry(p, s.hash, s.mode)
			if !opts.Worktree {
				changed = append(changed, p)
			}
		}
	}
	stats, err := r.finishDelayedCheckout()
	for p, fi := range stats {
		if e := entries[p]; e != nil && e.Hash == src[p].hash && e.Mode == src[p].mode {
			fillStat(e, fi)
			markFresh(idx, e)
		}
	}
	if err != nil {
		return nil, err
	}
	if !opts.Overlay && !fromIndex {
		for p := range current {
			if _, ok := src[p]; ok {
				continue
			}
			if opts.Worktree {
				if err := r.removeWorktreeFile(p); err != nil {
					return nil, err
				}
			}
			if opts.Staged {
				delete(entries, p)
			}
			changed = append(changed, p)
		}
	}
	if opts.Staged {
		// A file staged where the index had a directory replaces what
		// was under it, and the other way round, as git's
		// add_index_entry does.
		staged := func(p string) bool { e := entries[p]; _, ok := src[p]; return ok && e != nil && e.Hash == src[p].hash }
		for q := range entries {
			for d := parentDir(q); d != ""; d = parentDir(d) {
				if staged(d) {
					delete(entries, q)
					break
				}
			}
		}
		for p := range src {
			if staged(p) {
				for d := parentDir(p); d != ""; d = parentDir(d) {
					delete(entries, d)
				}
			}
		}
	}
	rebuildIndex(idx, entries)
	for _, e := range conflicted {
		if _, resolved := entries[e.Name]; !resolved && (!opts.Staged || !ps.Match(e.Name)) {
			idx.Entries = append(idx.Entries, e)
		}
	}
	sortIndex(idx)
	sort.Strings(changed)
	return changed, il.Commit()
}
