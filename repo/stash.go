package repo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/pathspec"
	"easel.dev/easel/repo/pretty"
	"easel.dev/easel/repo/reflog"
)

// StashRef holds the newest stash; its reflog is the stack, newest last,
// exactly as git keeps it, so either tool reads the other's stashes.
const StashRef = plumbing.ReferenceName("refs/stash")

// Errors of the stash command.
var (
	ErrNoStash            = errors.New("No stash entries found.")
	ErrStashIndexConflict = errors.New("Conflicts in index. Try without --index.")
)

// StashOptions describe one stash push.
type StashOptions struct {
	Message          string // -m: "On <branch>: <msg>" instead of "WIP on ..."
	IncludeUntracked bool   // -u: also record and remove untracked files
	All              bool   // -a: untracked files, ignored ones included
	KeepIndex        bool   // leave the index, and the work tree as the index
	// Paths limits the stash to these repository-relative pathspecs:
	// only their changes are saved and reset, the rest stays as it is
	// (the index commit still records the whole index, as git's does).
	Paths []string
}

// StashEntry is one stash on the stack.
type StashEntry struct {
	N       int // stash@{N}
	ID      plumbing.Hash
	Message string // the reflog message, which git's list prints
}

// StashPush records the index and the work tree's tracked changes (and
// with IncludeUntracked the untracked files) in stash commits as git does,
// pushes them on refs/stash, and resets the index and work tree to HEAD.
// The zero id and no error mean there was nothing to stash.
func (r *Repository) StashPush(ctx context.Context, o StashOptions) (plumbing.Hash, string, error) {
	if r.IsBare() {
		return plumbing.ZeroHash, "", ErrBareRepository
	}
	head, err := r.Head()
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	if head.IsZero() {
		return plumbing.ZeroHash, "", fmt.Errorf("you do not have the initial commit yet: %w", ErrUnknownRevision)
	}
	ps := pathspec.New(o.Paths)
	withUntracked := o.IncludeUntracked || o.All
	var untracked []string
	nested := false
	if withUntracked {
		st, err := r.Status(ctx, StatusOptions{Untracked: UntrackedAll, Ignored: o.All, Paths: o.Paths})
		if err != nil {
			return plumbing.ZeroHash, "", err
		}
		for _, f := range st.Files {
			if f.Staged != '?' && f.Staged != '!' {
				continue
			}
			if strings.HasSuffix(f.Path, "/") {
				// Another repository: it counts as a change, but git's
				// update-index ignores it, so it is neither saved nor
				// removed.
				nested = true
				continue
			}
			untracked = append(untracked, f.Path)
		}
	}
	il, err := r.LockIndex()
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	defer il.Rollback()
	idx := il.Index
	if HasUnmerged(idx) {
		return plumbing.ZeroHash, "", fmt.Errorf("cannot save the current index state: %w", ErrUnmergedPaths)
	}
	if !ps.Empty() && !withUntracked {
		if err := stashPathspecKnown(idx, ps); err != nil {
			return plumbing.ZeroHash, "", err
		}
	}
	headTree, err := r.commitTree(head)
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	iTree, err := r.WriteTree(idx)
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	wTree, err := r.worktreeTree(idx, ps)
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	changed := treeOrEmpty(headTree) != iTree || iTree != wTree
	if changed && !ps.Empty() {
		// Only the changes the pathspecs select count.
		if changed, err = r.treesDifferIn(ps, treeOrEmpty(headTree), iTree, wTree); err != nil {
			return plumbing.ZeroHash, "", err
		}
	}
	if !changed && len(untracked) == 0 && !nested {
		return plumbing.ZeroHash, "", nil
	}

	c, err := r.commitOf(head)
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	branch := "(no branch)"
	if b, _ := r.HeadBranch(); b != "" {
		branch = b.Short()
	}
	on := branch + ": " + r.NewAbbreviator().ShortID(head) + " " + pretty.Subject(c.Message)
	iCommit, err := r.stashCommit(iTree, []plumbing.Hash{head}, "index on "+on+"\n")
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	parents := []plumbing.Hash{head, iCommit}
	if withUntracked && (len(untracked) > 0 || nested) {
		uTree, err := r.untrackedTree(untracked)
		if err != nil {
			return plumbing.ZeroHash, "", err
		}
		u, err := r.stashCommit(uTree, nil, "untracked files on "+on+"\n")
		if err != nil {
			return plumbing.ZeroHash, "", err
		}
		parents = append(parents, u)
	}
	msg := "WIP on " + on
	if o.Message != "" {
		msg = "On " + branch + ": " + o.Message
	}
	// git writes the W commit's message without a final newline.
	w, err := r.stashCommit(wTree, parents, msg)
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	if err := r.pushStash(ctx, w, msg); err != nil {
		return plumbing.ZeroHash, "", err
	}

	// The changes are safe in the stash now; put the index and work tree
	// back to HEAD (or to the index, which --keep-index leaves).
	to := head
	if o.KeepIndex {
		to = iCommit
	}
	if ps.Empty() {
		if err := r.resetHardLocked(ctx, idx, head, to); err != nil {
			return w, msg, err
		}
		if err := il.Commit(); err != nil {
			return w, msg, err
		}
		// git's stash resets with `git reset --hard`, which leaves
		// ORIG_HEAD at HEAD.
		lockfileWrite(r.gitPath(origHeadFile), head.String()+"\n")
	} else {
		// As git's add and reverse apply over the pathspecs: the
		// tracked paths they select go back to HEAD (or the index),
		// index and work tree, the others are left alone.
		paths, err := r.trackedMatches(idx, headTree, ps)
		if err != nil {
			return w, msg, err
		}
		il.Rollback()
		if len(paths) > 0 {
			if _, err := r.Restore(ctx, paths, RestoreOptions{Source: to, Staged: true, Worktree: true}); err != nil {
				return w, msg, err
			}
		}
	}
	for _, p := range untracked {
		if err := r.removeWorktreeFile(p); err != nil {
			return w, msg, err
		}
	}
	return w, msg, nil
}

// stashPathspecKnown fails as git's stash push does when a pathspec
// matches nothing in the index (without -u, untracked files cannot be
// what it means).
func stashPathspecKnown(idx *index.Index, ps pathspec.Pathspec) error {
	for _, it := range ps {
		if it.IsExclude() {
			continue
		}
		found := false
		for _, e := range idx.Entries {
			if it.Match(e.Name) {
				found = true
				break
			}
		}
		if !found {
			return &PathspecError{Pathspec: it.Original, Msg: fmt.Sprintf("pathspec '%s' did not match any file(s) known to easel\nDid you forget to 'easel add'?", it.Original)}
		}
	}
	return nil
}

// treesDifferIn reports whether, among the paths ps matches, the trees
// do not all hold the same entries.
func (r *Repository) treesDifferIn(ps pathspec.Pathspec, trees ...plumbing.Hash) (bool, error) {
	var first map[string]treeEntry
	for i, t := range trees {
		all, err := r.flattenTree(t, nil)
		if err != nil {
			return false, err
		}
		m := map[string]treeEntry{}
		for p, e := range all {
			if ps.Match(p) {
				m[p] = e
			}
		}
		if i == 0 {
			first = m
			continue
		}
		if len(m) != len(first) {
			return true, nil
		}
		for p, e := range m {
			if f, ok := first[p]; !ok || f.hash != e.hash || f.mode != e.mode {
				return true, nil
			}
		}
	}
	return false, nil
}

// trackedMatches lists, as literal pathspecs, the paths of the index and
// of headTree that ps matches.
func (r *Repository) trackedMatches(idx *index.Index, headTree plumbing.Hash, ps pathspec.Pathspec) ([]string, error) {
	seen := map[string]bool{}
	for _, e := range idx.Entries {
		if ps.Match(e.Name) {
			seen[e.Name] = true
		}
	}
	all, err := r.flattenTree(headTree, ps)
	if err != nil {
		return nil, err
	}
	for p := range all {
		if ps.Match(p) {
			seen[p] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, ":(literal)"+p)
	}
	sort.Strings(out)
	return out, nil
}

// worktreeTree is the tree of the index with every tracked file as the
// work tree has it: the W commit's tree (deleted files left out).
func (r *Repository) worktreeTree(idx *index.Index, ps pathspec.Pathspec) (plumbing.Hash, error) {
	tmp := &index.Index{Version: idx.Version}
	for _, e := range idx.Entries {
		if e.Stage != 0 || e.IntentToAdd {
			continue
		}
		if !ps.Match(e.Name) {
			tmp.Entries = append(tmp.Entries, e) // as the index has it
			continue
		}
		if e.Mode == filemode.Submodule {
			// git stashes around submodules: their gitlinks stay as
			// the index has them, their work trees are not saved.
			tmp.Entries = append(tmp.Entries, e)
			continue
		}
		full, err := r.safePath(e.Name)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		fi, err := os.Lstat(full)
		if err != nil || fi.IsDir() {
			continue // deleted (a directory in its place is not the file)
		}
		changed, err := r.worktreeChanged(full, e, fi, idx.ModTime)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if !changed {
			tmp.Entries = append(tmp.Entries, e)
			continue
		}
		h, err := r.writeWorktreeBlob(full, fi)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		tmp.Entries = append(tmp.Entries, blobEntry(e.Name, h, worktreeMode(fi)))
	}
	return r.WriteTree(tmp)
}

// untrackedTree stores the untracked files and returns their tree.
func (r *Repository) untrackedTree(paths []string) (plumbing.Hash, error) {
	tmp := &index.Index{Version: 2}
	for _, p := range paths {
		full, err := r.safePath(p)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		fi, err := os.Lstat(full)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		h, err := r.writeWorktreeBlob(full, fi)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		tmp.Entries = append(tmp.Entries, blobEntry(p, h, worktreeMode(fi)))
	}
	sortIndex(tmp)
	return r.WriteTree(tmp)
}

func (r *Repository) stashCommit(tree plumbing.Hash, parents []plumbing.Hash, msg string) (plumbing.Hash, error) {
	author, err := r.Identity("author")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	committer, err := r.Identity("committer")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return r.writeCommit(&gitobj.Commit{Author: author, Committer: committer, Message: msg, TreeHash: tree, ParentHashes: parents})
}

// pushStash points refs/stash at w. git always logs refs/stash, whatever
// core.logAllRefUpdates says: the log is the stack.
func (r *Repository) pushStash(ctx context.Context, w plumbing.Hash, msg string) error {
	path := r.reflogPath(StashRef)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	f.Close()
	old, err := r.ResolveRef(StashRef)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return r.UpdateRef(ctx, RefUpdate{Name: StashRef, Old: old, New: w, CheckOld: true, Message: msg})
}

// StashList is the stack, newest (stash@{0}) first.
func (r *Repository) StashList() ([]StashEntry, error) {
	lines, err := r.stashLog()
	if err != nil {
		return nil, err
	}
	out := make([]StashEntry, 0, len(lines))
	for i := len(lines) - 1; i >= 0; i-- {
		e, ok := reflog.Parse(lines[i])
		if !ok {
			continue
		}
		out = append(out, StashEntry{N: len(out), ID: e.New, Message: e.Message})
	}
	return out, nil
}

// stashLog reads refs/stash's log as raw lines, oldest first, so that a
// drop can write the others back byte for byte.
func (r *Repository) stashLog() ([]string, error) {
	data, err := os.ReadFile(r.reflogPath(StashRef))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if _, ok := reflog.Parse(sc.Text()); ok {
			lines = append(lines, sc.Text())
		}
	}
	return lines, sc.Err()
}

// ResolveStash reads a stash name as git's stash commands take it: ""
// (stash@{0}), "n", "stash@{n}" or "refs/stash@{n}". name is how git
// names it in messages ("refs/stash@{0}" for "" and a bare number).
func (r *Repository) ResolveStash(spec string) (n int, id plumbing.Hash, name string, err error) {
	list, err := r.StashList()
	if err != nil {
		return 0, plumbing.ZeroHash, "", err
	}
	if len(list) == 0 {
		return 0, plumbing.ZeroHash, "", ErrNoStash
	}
	name = spec
	num := spec
	switch {
	case spec == "":
		num, name = "0", "refs/stash@{0}"
	case strings.HasPrefix(spec, "stash@{") && strings.HasSuffix(spec, "}"):
		num = spec[len("stash@{") : len(spec)-1]
	case strings.HasPrefix(spec, "refs/stash@{") && strings.HasSuffix(spec, "}"):
		num = spec[len("refs/stash@{") : len(spec)-1]
	default:
		name = "refs/stash@{" + spec + "}"
	}
	n, cerr := strconv.Atoi(num)
	if cerr != nil || n < 0 {
		return 0, plumbing.ZeroHash, "", &RevisionError{Msg: fmt.Sprintf("'%s' is not a stash reference", spec)}
	}
	if n >= len(list) {
		return 0, plumbing.ZeroHash, "", &RevisionError{Msg: fmt.Sprintf("%s is not a valid reference", name)}
	}
	return n, list[n].ID, name, nil
}

// StashDrop removes stash@{n} from the stack as git's reflog delete
// --rewrite --updateref does: the next entry's old id becomes the one
// before it, refs/stash moves to the newest left, and goes (log and all)
// with the last.
func (r *Repository) StashDrop(ctx context.Context, n int) (plumbing.Hash, error) {
	lines, err := r.stashLog()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	i := len(lines) - 1 - n
	if n < 0 || i < 0 {
		return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("stash@{%d} is not a valid reference", n)}
	}
	dropped, _ := reflog.Parse(lines[i])
	kept := append(append([]string(nil), lines[:i]...), lines[i+1:]...)
	cur, err := r.ResolveRef(StashRef)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if len(kept) == 0 {
		return dropped.New, r.UpdateRef(ctx, RefUpdate{Name: StashRef, Old: cur, CheckOld: true})
	}
	prev := plumbing.ZeroHash
	var b strings.Builder
	for _, l := range kept {
		e, _ := reflog.Parse(l)
		b.WriteString(prev.String() + l[len(prev.String()):] + "\n")
		prev = e.New
	}
	// The ref moves first: UpdateRef appends a line, which the
	// rewritten log then replaces.
	if prev != cur {
		if err := r.UpdateRef(ctx, RefUpdate{Name: StashRef, Old: cur, New: prev, CheckOld: true}); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	if err := lockfile.WriteFile(r.reflogPath(StashRef), []byte(b.String()), 0o644); err != nil {
		return plumbing.ZeroHash, err
	}
	return dropped.New, nil
}

// StashClear drops every stash: refs/stash and its log go.
func (r *Repository) StashClear(ctx context.Context) error {
	cur, err := r.ResolveRef(StashRef)
	if errors.Is(err, ErrNotFound) {
		return r.removeReflog(StashRef)
	}
	if err != nil {
		return err
	}
	return r.UpdateRef(ctx, RefUpdate{Name: StashRef, Old: cur, CheckOld: true})
}

// StashApplyResult reports an apply.
type StashApplyResult struct {
	Conflicts []merge.Conflict
	Messages  []string
	Clean     bool
}

// StashApply merges stash commit w into the index and work tree as git's
// stash apply does: a three-way merge of the stash's base, the current
// index and the stashed work tree, after which the changes are left
// unstaged (files the stash added stay added), or with index restored
// from the stash's index commit. Untracked files come back as untracked;
// apply refuses, before touching anything, when one of them exists.
func (r *Repository) StashApply(ctx context.Context, w plumbing.Hash, restoreIndex bool) (*StashApplyResult, error) {
	if r.IsBare() {
		return nil, ErrBareRepository
	}
	wc, err := r.commitOf(w)
	if err != nil {
		return nil, err
	}
	if len(wc.ParentHashes) < 2 || len(wc.ParentHashes) > 3 {
		return nil, &RevisionError{Msg: fmt.Sprintf("'%s' is not a stash-like commit", w)}
	}
	bTree, err := r.commitTree(wc.ParentHashes[0])
	if err != nil {
		return nil, err
	}
	iTree, err := r.commitTree(wc.ParentHashes[1])
	if err != nil {
		return nil, err
	}
	var untracked map[string]treeEntry
	if len(wc.ParentHashes) == 3 {
		uTree, err := r.commitTree(wc.ParentHashes[2])
		if err != nil {
			return nil, err
		}
		if untracked, err = r.flattenTree(uTree, nil); err != nil {
			return nil, err
		}
	}
	il, err := r.LockIndex()
	if err != nil {
		return nil, err
	}
	defer il.Rollback()
	if HasUnmerged(il.Index) {
		return nil, fmt.Errorf("cannot apply a stash in the middle of a merge: %w", ErrUnmergedPaths)
	}
	var inWay []string
	for p := range untracked {
		full, err := r.safePath(p)
		if err != nil {
			return nil, err
		}
		if _, err := os.Lstat(full); err == nil {
			inWay = append(inWay, p)
		}
	}
	if len(inWay) > 0 {
		sort.Strings(inWay)
		return nil, &OverwriteError{Op: "merge", Untracked: inWay}
	}
	cTree, err := r.WriteTree(il.Index)
	if err != nil {
		return nil, err
	}
	bTree = treeOrEmpty(bTree)

	// The staged changes go onto the current index first (git applies
	// I's diff with apply --cached); they must merge cleanly.
	var indexTree plumbing.Hash
	hasIndex := restoreIndex && bTree != iTree && cTree != iTree
	if hasIndex {
		res, err := merge.MergeTrees(ctx, r.Storer, bTree, cTree, iTree, merge.Options{})
		if err != nil {
			return nil, err
		}
		if !res.Clean {
			return nil, ErrStashIndexConflict
		}
		// The empty tree need not be stored; zero resets the index to it.
		if indexTree = res.Tree; indexTree == emptyTree {
			indexTree = plumbing.ZeroHash
		}
	}

	opt := merge.Options{OursName: "Updated upstream", TheirsName: "Stashed changes", BaseName: "Stash base",
		ConflictStyle: r.conflictStyle(MergeOptions{}), PathMerge: r.pathMerge}
	if bTree == cTree {
		opt.OursName = "Version stash was based on"
	}
	res, err := merge.MergeTrees(ctx, r.Storer, bTree, cTree, wc.TreeHash, opt)
	if err != nil {
		return nil, err
	}
	if err := r.unpackTrees(ctx, il.Index, treeMove{op: "merge", from: cTree, to: res.Tree, conflicts: res.Conflicts}); err != nil {
		return nil, err
	}
	out := &StashApplyResult{Conflicts: res.Conflicts, Messages: res.Messages, Clean: res.Clean}
	if res.Clean {
		if hasIndex {
			err = r.resetIndexTo(il.Index, indexTree, nil)
		} else {
			err = r.unstageUnlessNew(il.Index, cTree)
		}
		if err != nil {
			return nil, err
		}
	}
	if err := il.Commit(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(untracked))
	for p := range untracked {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		t := untracked[p]
		if _, err := r.writeWorktreeFile(p, t.hash, t.mode); err != nil {
			return out, err
		}
	}
	return out, nil
}

// unstageUnlessNew puts back tree's entry for every path the merge
// changed in the index, so the stash's changes are left unstaged, as git
// does; paths tree does not have stay added, or they would be lost from
// sight as untracked files.
func (r *Repository) unstageUnlessNew(idx *index.Index, tree plumbing.Hash) error {
	orig, err := r.flattenTree(tree, nil)
	if err != nil {
		return err
	}
	entries := map[string]*index.Entry{}
	for _, e := range idx.Entries {
		if e.Stage != 0 {
			continue
		}
		t, ok := orig[e.Name]
		switch {
		case !ok:
			entries[e.Name] = e // new: stays added
		case t.hash == e.Hash && t.mode == e.Mode:
			entries[e.Name] = e
		default:
			entries[e.Name] = blobEntry(e.Name, t.hash, t.mode)
		}
	}
	for p, t := range orig {
		if entries[p] == nil {
			entries[p] = blobEntry(p, t.hash, t.mode) // deleted: unstaged
		}
	}
	rebuildIndex(idx, entries)
	return nil
}

// ResolveStashLike reads spec as ResolveStash does, and else as any
// revision naming a stash-like commit, as git's stash show and apply take
// them.
func (r *Repository) ResolveStashLike(ctx context.Context, spec string) (plumbing.Hash, error) {
	_, id, _, err := r.ResolveStash(spec)
	if err == nil || spec == "" {
		return id, err
	}
	c, cerr := r.ResolveCommit(ctx, spec)
	if cerr != nil {
		return plumbing.ZeroHash, err
	}
	return c, nil
}

// StashCommitTrees are the trees of a stash commit's parts.
type StashCommitTrees struct {
	Base, Index, Worktree plumbing.Hash
}

// StashTrees returns the trees a stash commit records, and its untracked
// files' tree (zero when it saved none).
func (r *Repository) StashTrees(ctx context.Context, w plumbing.Hash) (StashCommitTrees, plumbing.Hash, error) {
	var t StashCommitTrees
	wc, err := r.commitOf(w)
	if err != nil {
		return t, plumbing.ZeroHash, err
	}
	if len(wc.ParentHashes) < 2 || len(wc.ParentHashes) > 3 {
		return t, plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("'%s' is not a stash-like commit", w)}
	}
	t.Worktree = wc.TreeHash
	if t.Base, err = r.commitTree(wc.ParentHashes[0]); err != nil {
		return t, plumbing.ZeroHash, err
	}
	if t.Index, err = r.commitTree(wc.ParentHashes[1]); err != nil {
		return t, plumbing.ZeroHash, err
	}
	var u plumbing.Hash
	if len(wc.ParentHashes) == 3 {
		if u, err = r.commitTree(wc.ParentHashes[2]); err != nil {
			return t, plumbing.ZeroHash, err
		}
	}
	return t, u, nil
}
