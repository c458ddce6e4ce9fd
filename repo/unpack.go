package repo

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/statuswalk"
)

// treeMove is one move of the index and the work tree from tree `from`
// to tree `to`: git's unpack-trees two-way merge ("read-tree -m -u from
// to"). It is the one engine behind switching branches (checkout, switch,
// a fast-forward, rebase's and the sequencer's checkouts, reset --keep)
// and behind writing a three-way merge's result (merge, cherry-pick,
// revert, rebase, stash apply), where `from` is what the index held and
// `to` the merged tree, whose conflicted paths then become index stages.
type treeMove struct {
	op        string           // names the operation in a refusal: "checkout", "merge"
	from, to  plumbing.Hash    // trees; zero: the empty tree
	conflicts []merge.Conflict // recorded as stages 1-3 after the move
	// fromIndex takes the index itself as `from` (reset --merge): paths
	// staged as something other than `to` move, unless their work tree
	// file has changes of its own. Conflicted paths give way to `to`.
	fromIndex bool
}

// unpackTrees applies m to idx and the work tree. Per path that differs
// between the trees, as git's twoway_merge decides it:
//   - the index already holds `to`'s entry: kept, work tree and all;
//   - the index differs from `from`: a staged change is in the way;
//   - the work tree file differs from the index, or a directory of files
//     that are neither tracked nor ignored stands where the path is, or
//     an untracked file that is not ignored is where a new file goes:
//     in the way.
//
// Every path is checked before anything is written; a refusal is an
// *OverwriteError naming all of them, and nothing has changed.
func (r *Repository) unpackTrees(ctx context.Context, idx *index.Index, m treeMove) error {
	var changes []treeChange
	var err error
	unmerged := map[string]bool{}
	if m.fromIndex {
		for _, p := range unmergedPaths(idx) {
			unmerged[p] = true
		}
		if changes, err = r.indexChanges(idx, m.to, unmerged); err != nil {
			return err
		}
	} else {
		if u := unmergedPaths(idx); len(u) > 0 {
			return fmt.Errorf("%w: %s; resolve your current index first", ErrUnmergedPaths, strings.Join(u, ", "))
		}
		if changes, err = diffTrees(ctx, m.from, r.storedSource(), m.to, r.storedSource(), nil); err != nil {
			return err
		}
	}
	entries := indexEntryMap(idx)
	// Conflicted paths whose merged content equals the index's still get
	// their stages; make sure they are visited.
	conflicted := map[string]bool{}
	for _, c := range m.conflicts {
		conflicted[c.Path] = true
	}
	if len(conflicted) > 0 {
		seen := map[string]bool{}
		for _, c := range changes {
			seen[c.path] = true
		}
		for p := range conflicted {
			if !seen[p] {
				c := treeChange{path: p}
				if e := entries[p]; e != nil {
					c.fromMode, c.from, c.toMode, c.to = e.Mode, e.Hash, e.Mode, e.Hash
				}
				changes = append(changes, c)
			}
		}
		sortChanges(changes)
	}
	op := m.op
	if op == "" {
		op = "merge"
	}
	oe := &OverwriteError{Op: op}
	isIgnored := func(p string) bool { return r.rulesFor(parentDir(p)).ignored(p, false) }
	ic := r.icaseIndex(idx)
	deleting, adding := map[string]bool{}, map[string]bool{}
	for _, c := range changes {
		if c.toMode == 0 {
			deleting[c.path] = true
		} else {
			adding[c.path] = true
		}
	}
	// refuse files a path (as shown) under the refusals of its kind and
	// keeps the one git's unpack-trees meets first: it walks the trees'
	// paths in order, then the index entries no tree has (with the index
	// as `from`, those that `to` lacks).
	refuse := func(kind refusalKind, shown string, c treeChange) {
		switch kind {
		case refusedModified, refusedStaged:
			oe.Modified = append(oe.Modified, shown)
		case refusedDir:
			oe.Dirs = append(oe.Dirs, shown)
		default:
			oe.Untracked = append(oe.Untracked, shown)
		}
		walked, late := c.path, m.fromIndex && c.toMode == 0
		// Unless a file of `to` replaces its directory: git checks
		// what the directory holds on that file's visit.
		for d := parentDir(c.path); late && d != ""; d = parentDir(d) {
			if adding[d] {
				walked, late = d, false
			}
		}
		if oe.first.kind == refusedNone || late != oe.first.late && !late || late == oe.first.late && walked < oe.first.walked {
			oe.first = firstRefusal{kind: kind, path: shown, walked: walked, late: late}
		}
	}
	var ops []treeChange
	for _, c := range changes {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// Refusing half way would leave the directories made for
		// earlier paths: unsafe names are refused up front.
		if c.toMode != 0 {
			if err := r.verifyPath(c.path); err != nil {
				return err
			}
		}
		e := entries[c.path]
		if unmerged[c.path] {
			ops = append(ops, c) // the conflict's files are the operation's own
			continue
		}
		if entryIs(e, c.toMode, c.to) && !conflicted[c.path] {
			continue // already staged as the target: keep index and work tree
		}
		if !entryIs(e, c.fromMode, c.from) {
			refuse(refusedStaged, c.path, c)
			continue
		}
		full, err := r.safePath(c.path)
		if err != nil {
			return err
		}
		fi, lerr := os.Lstat(full)
		if e != nil {
			if lerr == nil && fi.IsDir() && e.Mode != filemode.Submodule && r.dirHasLocalFiles(c.path, entries, deleting, ic) {
				// The tracked file was replaced by a directory of files.
				refuse(refusedUntracked, c.path, c)
				continue
			}
			if lerr == nil && !fi.IsDir() && !e.SkipWorktree {
				changed, err := r.worktreeChanged(full, e, fi, idx.ModTime)
				if err != nil {
					return err
				}
				if changed {
					refuse(refusedModified, c.path, c)
					continue
				}
			}
		} else if lerr == nil && c.toMode != 0 && !ic.exists(r, c.path, full, fi, idx) {
			// Not tracked, and something is where the new file goes.
			if fi.IsDir() {
				// A directory where a gitlink goes is taken as the
				// submodule's work tree, as git takes it.
				if c.toMode != filemode.Submodule && r.dirHasLocalFiles(c.path, entries, deleting, ic) {
					refuse(refusedDir, c.path, c)
					continue
				}
			} else if !isIgnored(c.path) {
				refuse(refusedUntracked, c.path, c)
				continue
			}
		}
		// A file standing where the new path needs a directory.
		if c.toMode != 0 {
			if p := r.blockingFile(c.path, entries, deleting, ic, idx); p != "" {
				refuse(refusedUntracked, p, c)
				continue
			}
		}
		ops = append(ops, c)
	}
	if len(oe.Modified)+len(oe.Untracked)+len(oe.Dirs) > 0 {
		sort.Strings(oe.Modified)
		sort.Strings(oe.Untracked)
		sort.Strings(oe.Dirs)
		return oe
	}

	// Deletions first, so that directories can replace files and back.
	updates := make(map[string]*index.Entry, len(ops))
	for _, c := range ops {
		if c.fromMode == 0 || (c.toMode != 0 && typeOf(c.fromMode) == typeOf(c.toMode)) {
			continue
		}
		if e := entries[c.path]; e == nil || !e.SkipWorktree {
			if err := r.removeWorktreeFile(c.path); err != nil {
				return err
			}
		}
		if c.toMode == 0 {
			updates[c.path] = nil
		}
	}
	// Attributes come from the tree being written (git's
	// GIT_ATTR_CHECKOUT): a pick that brings a .gitattributes converts
	// the files it writes by it.
	attrBlobs := map[string]plumbing.Hash{}
	for p, e := range entries {
		if path.Base(p) == ".gitattributes" && e.Mode.IsFile() {
			attrBlobs[parentDir(p)] = e.Hash
		}
	}
	for _, c := range ops {
		if path.Base(c.path) == ".gitattributes" {
			if c.toMode.IsFile() {
				attrBlobs[parentDir(c.path)] = c.to
			} else {
				delete(attrBlobs, parentDir(c.path))
			}
		}
	}
	defer r.checkoutAttributes(attrBlobs)()
	r.beginDelayedCheckout()
	for _, c := range ops {
		if c.toMode == 0 {
			continue
		}
		if e := entries[c.path]; e != nil && e.SkipWorktree {
			// Outside a sparse checkout: only the index moves, as
			// git keeps the path out of the work tree.
			updates[c.path] = &index.Entry{Name: c.path, Hash: c.to, Mode: c.toMode, SkipWorktree: true}
			continue
		}
		ne := blobEntry(c.path, c.to, c.toMode)
		updates[c.path] = ne
		if e := entries[c.path]; e != nil && entryIs(e, c.toMode, c.to) {
			// A conflicted path whose merged content is what the
			// index holds: nothing to write.
			*ne = *e
			continue
		}
		// The checks above made sure that whatever stands in the way
		// holds nothing of value (ignored files at most).
		if err := r.clearWay(c.path, c.toMode); err != nil {
			r.finishDelayedCheckout()
			return err
		}
		fi, err := r.writeWorktreeFile(c.path, c.to, c.toMode)
		if err != nil {
			r.finishDelayedCheckout()
			return err
		}
		if fi != nil {
			fillStat(ne, fi)
			markFresh(idx, ne)
		}
	}
	stats, err := r.finishDelayedCheckout()
	for p, fi := range stats {
		if e := updates[p]; e != nil {
			fillStat(e, fi)
			markFresh(idx, e)
		}
	}
	if err != nil {
		return err
	}
	for p := range unmerged {
		if _, ok := updates[p]; !ok {
			updates[p] = nil
		}
	}
	var stages []*index.Entry
	for _, c := range m.conflicts {
		updates[c.Path] = nil
		for i, s := range []*merge.Entry{c.Base, c.Ours, c.Theirs} {
			if s == nil {
				continue
			}
			ne := blobEntry(c.Path, s.Hash, s.Mode)
			ne.Stage = index.Stage(i + 1)
			stages = append(stages, ne)
		}
	}
	applyIndexUpdates(idx, updates, stages)
	sortIndex(idx)
	// As git's unpack_trees: the cache-tree is brought up to date with
	// the trees the repository holds.
	r.primeCacheTree(idx)
	return nil
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
//
// With core.ignoreCase a file whose name the index has under another case
// counts as tracked, as git's read_directory asks the index by folded
// name (a case-folding file system has only the one file); on Linux that
// lets such a file go with the directory, as git lets it go.
func (r *Repository) dirHasLocalFiles(dir string, entries map[string]*index.Entry, deleting map[string]bool, ic icaseIndex) bool {
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
		if entries[rel] == nil && ic.has(rel) {
			return nil
		}
		found = true
		return filepath.SkipAll
	})
	return found
}

// blockingFile returns a leading directory of path that exists in the work
// tree as a file which is neither tracked-and-being-deleted nor ignored.
func (r *Repository) blockingFile(path string, entries map[string]*index.Entry, deleting map[string]bool, ic icaseIndex, idx *index.Index) string {
	for d := parentDir(path); d != ""; d = parentDir(d) {
		full := filepath.Join(r.WorkDir, filepath.FromSlash(d))
		fi, err := os.Lstat(full)
		if err != nil || fi.IsDir() {
			continue
		}
		if entries[d] == nil && ic.exists(r, d, full, fi, idx) {
			return ""
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

// indexChanges lists the paths where the index (stage 0; an unmerged path
// by its highest stage) differs from tree `to`, as changes from the index.
func (r *Repository) indexChanges(idx *index.Index, to plumbing.Hash, unmerged map[string]bool) ([]treeChange, error) {
	target, err := r.flattenTree(to, nil)
	if err != nil {
		return nil, err
	}
	cur := map[string]*index.Entry{}
	for _, e := range idx.Entries {
		if e.IntentToAdd {
			continue
		}
		if old := cur[e.Name]; old == nil || e.Stage > old.Stage {
			cur[e.Name] = e
		}
	}
	var out []treeChange
	for p, e := range cur {
		t, ok := target[p]
		if ok && t.hash == e.Hash && t.mode == e.Mode && !unmerged[p] {
			continue
		}
		c := treeChange{path: p, fromMode: e.Mode, from: e.Hash}
		if ok {
			c.toMode, c.to = t.mode, t.hash
		}
		out = append(out, c)
	}
	for p, t := range target {
		if cur[p] == nil {
			out = append(out, treeChange{path: p, toMode: t.mode, to: t.hash})
		}
	}
	sortChanges(out)
	return out, nil
}

// icaseIndex finds index entries by their name folded to lower case, for
// git's core.ignoreCase lookups (index_file_exists with ignore_case); nil
// when the option is off.
type icaseIndex map[string][]*index.Entry

func (r *Repository) icaseIndex(idx *index.Index) icaseIndex {
	if !r.ConfigBool("core.ignorecase", false) {
		return nil
	}
	ic := make(icaseIndex, len(idx.Entries))
	for _, e := range idx.Entries {
		f := statuswalk.FoldASCII(e.Name)
		ic[f] = append(ic[f], e)
	}
	return ic
}

// has reports whether the index has p under any case.
func (ic icaseIndex) has(p string) bool { return len(ic[statuswalk.FoldASCII(p)]) > 0 }

// exists is git's icase_exists: the file found at p (full, lstat fi) is
// taken for an index entry spelt otherwise when it is that entry's file,
// unchanged (git compares the refreshed entry's stat data with p's
// lstat), as on a case-folding file system, where the lstat of p finds
// the tracked file. Such a file is not untracked and may be replaced. On
// a case-sensitive file system it can only be the same file under a
// second name (a hard link), so git there, and easel, refuse every other
// file as before.
func (ic icaseIndex) exists(r *Repository, p, full string, fi os.FileInfo, idx *index.Index) bool {
	for _, e := range ic[statuswalk.FoldASCII(p)] {
		if e.Name == p || e.SkipWorktree {
			continue
		}
		efull := filepath.Join(r.WorkDir, filepath.FromSlash(e.Name))
		efi, err := os.Lstat(efull)
		if err != nil || !os.SameFile(fi, efi) {
			continue
		}
		if changed, err := r.worktreeChanged(efull, e, efi, idx.ModTime); err == nil && !changed {
			return true
		}
	}
	return false
}
