package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/pathspec"
	"easel.dev/easel/repo/treecheck"
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

func (r *Repository) checkoutLocked(ctx context.Context, idx *index.Index, from, to plumbing.Hash) error {
	if u := unmergedPaths(idx); len(u) > 0 {
		return fmt.Errorf("%w: %s; resolve your current index first", ErrUnmergedPaths, strings.Join(u, ", "))
	}
	fromTree, err := r.commitTree(from)
	if err != nil {
		return err
	}
	toTree, err := r.commitTree(to)
	if err != nil {
		return err
	}
	changes, err := diffTrees(ctx, fromTree, r.storedSource(), toTree, r.storedSource(), nil)
	if err != nil {
		return err
	}
	entries := indexEntryMap(idx)
	oe := &OverwriteError{Op: "checkout"}
	isIgnored := func(p string) bool { return r.rulesFor(parentDir(p)).ignored(p, false) }
	deleting := map[string]bool{}
	for _, c := range changes {
		if c.toMode == 0 {
			deleting[c.path] = true
		}
	}
	type op struct{ c treeChange }
	var ops []op
	for _, c := range changes {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Every path is checked before anything is written: refusing
		// half way would leave the directories made for earlier paths.
		if c.toMode != 0 {
			if err := treecheck.Path(c.path); err != nil {
				return fmt.Errorf("%s: %w: %v", c.path, ErrUnsafePath, err)
			}
		}
		e := entries[c.path]
		if entryIs(e, c.toMode, c.to) {
			continue // already staged as the target: keep index and work tree
		}
		if !entryIs(e, c.fromMode, c.from) {
			oe.Modified = append(oe.Modified, c.path)
			continue
		}
		full := filepath.Join(r.WorkDir, filepath.FromSlash(c.path))
		fi, lerr := os.Lstat(full)
		if e != nil {
			if lerr == nil && fi.IsDir() && e.Mode != filemode.Submodule && r.dirHasLocalFiles(c.path, entries, deleting) {
				// The tracked file was replaced by a directory of files.
				oe.Untracked = append(oe.Untracked, c.path)
				continue
			}
			if lerr == nil && !fi.IsDir() {
				changed, err := r.worktreeChanged(full, e, fi, idx.ModTime)
				if err != nil {
					return err
				}
				if changed {
					oe.Modified = append(oe.Modified, c.path)
					continue
				}
			}
		} else if lerr == nil && c.toMode != 0 {
			// Not tracked, and something is where the new file goes.
			if fi.IsDir() {
				// A directory where a gitlink goes is taken as the
				// submodule's work tree, as git takes it.
				if c.toMode != filemode.Submodule && r.dirHasLocalFiles(c.path, entries, deleting) {
					oe.Untracked = append(oe.Untracked, c.path)
					continue
				}
			} else if !isIgnored(c.path) {
				oe.Untracked = append(oe.Untracked, c.path)
				continue
			}
		}
		// A file standing where the new path needs a directory.
		if c.toMode != 0 {
			if p := r.blockingFile(c.path, entries, deleting); p != "" {
				oe.Untracked = append(oe.Untracked, p)
				continue
			}
		}
		ops = append(ops, op{c: c})
	}
	if len(oe.Modified)+len(oe.Untracked) > 0 {
		return oe
	}
	// Deletions first, so that directories can replace files and back.
	for _, o := range ops {
		if o.c.toMode != 0 && o.c.fromMode == 0 {
			continue
		}
		if o.c.toMode == 0 || typeOf(o.c.fromMode) != typeOf(o.c.toMode) {
			if err := r.removeWorktreeFile(o.c.path); err != nil {
				return err
			}
		}
		if o.c.toMode == 0 {
			delete(entries, o.c.path)
		}
	}
	// Attributes come from the index being checked out.
	attrBlobs := map[string]plumbing.Hash{}
	for p, e := range entries {
		if path.Base(p) == ".gitattributes" && e.Mode.IsFile() {
			attrBlobs[parentDir(p)] = e.Hash
		}
	}
	for _, o := range ops {
		if path.Base(o.c.path) == ".gitattributes" {
			if o.c.toMode.IsFile() {
				attrBlobs[parentDir(o.c.path)] = o.c.to
			} else {
				delete(attrBlobs, parentDir(o.c.path))
			}
		}
	}
	defer r.checkoutAttributes(attrBlobs)()
	r.beginDelayedCheckout()
	for _, o := range ops {
		if o.c.toMode == 0 {
			continue
		}
		if e := entries[o.c.path]; e != nil && e.SkipWorktree {
			// Outside a sparse checkout: only the index moves, as
			// git keeps the path out of the work tree.
			entries[o.c.path] = &index.Entry{Name: o.c.path, Hash: o.c.to, Mode: o.c.toMode, SkipWorktree: true}
			continue
		}
		// The plan has checked that whatever stands in the way holds
		// nothing of value (ignored files at most).
		if err := r.clearWay(o.c.path, o.c.toMode); err != nil {
			return err
		}
		e := &index.Entry{Name: o.c.path, Hash: o.c.to, Mode: o.c.toMode}
		fi, err := r.writeWorktreeFile(o.c.path, o.c.to, o.c.toMode)
		if err != nil {
			r.finishDelayedCheckout()
			return err
		}
		if fi != nil {
			fillStat(e, fi)
			markFresh(idx, e)
		}
		entries[o.c.path] = e
	}
	stats, err := r.finishDelayedCheckout()
	for p, fi := range stats {
		if e := entries[p]; e != nil {
			fillStat(e, fi)
			markFresh(idx, e)
		}
	}
	if err != nil {
		return err
	}
	rebuildIndex(idx, entries)
	return nil
}

// rebuildIndex replaces idx's entries with the stage-0 entries in m.
func rebuildIndex(idx *index.Index, m map[string]*index.Entry) {
	idx.Entries = idx.Entries[:0]
	for _, e := range m {
		idx.Entries = append(idx.Entries, e)
	}
	sortIndex(idx)
}

// entryIs reports whether an index entry holds exactly (mode, hash); mode
// 0 means "no entry".
func entryIs(e *index.Entry, mode filemode.FileMode, h plumbing.Hash) bool {
	if mode == 0 {
		return e == nil
	}
	return e != nil && e.Mode == mode && e.Hash == h
}

// dirHasLocalFiles reports whether a directory in the work tree holds
// anything that is neither a tracked file about to be deleted nor ignored.
func (r *Repository) dirHasLocalFiles(dir string, entries map[string]*index.Entry, deleting map[string]bool) bool {
	found := false
	filepath.WalkDir(filepath.Join(r.WorkDir, filepath.FromSlash(dir)), func(p string, d os.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipDir
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(r.WorkDir, p)
		rel = filepath.ToSlash(rel)
		if entries[rel] != nil && deleting[rel] {
			return nil
		}
		if entries[rel] == nil && r.rulesFor(parentDir(rel)).ignored(rel, false) {
			return nil // ignored files are expendable
		}
		found = true
		return filepath.SkipAll
	})
	return found
}

// blockingFile returns a leading directory of path that exists in the work
// tree as a file which is neither tracked-and-being-deleted nor ignored.
func (r *Repository) blockingFile(path string, entries map[string]*index.Entry, deleting map[string]bool) string {
	for d := parentDir(path); d != ""; d = parentDir(d) {
		fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(d)))
		if err != nil || fi.IsDir() {
			continue
		}
		if entries[d] != nil && deleting[d] {
			return ""
		}
		if entries[d] == nil && r.rulesFor(parentDir(d)).ignored(d, false) {
			return ""
		}
		return d
	}
	return ""
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
		for _, e := range idx.Entries {
			if ps.Match(e.Name) {
				if e.Stage != 0 {
					return nil, fmt.Errorf("path '%s' is unmerged: %w", e.Name, ErrUnmergedPaths)
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
				if err := treecheck.Path(p); err != nil {
					return nil, fmt.Errorf("%s: %w: %v", p, ErrUnsafePath, err)
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
		if opts.Staged && !entryIs(e, s.mode, s.hash) {
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
