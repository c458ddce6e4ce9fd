package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"easel.dev/easel/repo/lockfile"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"

	"easel.dev/easel/merge"
)

// Errors of the merge command.
var (
	ErrNotFastForward = errors.New("not possible to fast-forward, aborting")
	// ErrUntrackedOverwrite wraps ErrWouldOverwrite for untracked files.
	errUntracked = fmt.Errorf("untracked working tree files would be overwritten by merge: %w", ErrWouldOverwrite)
)

// MergeOptions describe one merge of another commit into HEAD.
type MergeOptions struct {
	Theirs plumbing.Hash
	// TheirsName is the other side as the user named it ("feature",
	// "origin/main", an id); it labels conflict markers and the message.
	TheirsName string
	// TheirsKind is how git's message names it: "branch" (default),
	// "remote-tracking branch", "tag" or "commit".
	TheirsKind string
	// Message replaces the generated merge message.
	Message string
	FFOnly  bool
	NoFF    bool
	// NoCommit stops after updating the index and work tree, as if the
	// merge had conflicts (MERGE_HEAD written).
	NoCommit bool
	// ConflictStyle is merge, diff3 or zdiff3; empty reads
	// merge.conflictStyle from the configuration.
	ConflictStyle string
	// Favor is "", merge.FavorOurs or merge.FavorTheirs (-X ours|theirs):
	// conflicting hunks are resolved with that side.
	Favor string
	// NoRenames turns rename detection off (-X no-renames).
	NoRenames bool
	// Squash merges into the index and work tree without moving HEAD or
	// recording MERGE_HEAD, and prepares SQUASH_MSG listing the merged
	// commits: the next commit has one parent.
	Squash bool

	// ReflogAction starts the reflog message: "merge <TheirsName>" when
	// empty; git pull's is "pull".
	ReflogAction string

	// Compose, when set, prepares a merge commit's message as git merge
	// does: the pre-merge-commit, prepare-commit-msg and commit-msg hooks
	// (NoVerify skips the first and last), the editor when Edit is 1, the
	// clean-up mode and --signoff. See merge_msg.go.
	Compose *ComposeOptions
}

// MergeKind says what a merge did.
type MergeKind int

const (
	MergeUpToDate MergeKind = iota
	MergeFastForward
	MergeCommitted
	MergeConflicted
	MergeStopped // NoCommit: merged cleanly, not committed
)

// MergeOutcome reports a merge.
type MergeOutcome struct {
	Kind      MergeKind
	OldHead   plumbing.Hash
	NewHead   plumbing.Hash // after a fast-forward or merge commit
	Tree      plumbing.Hash
	Conflicts []merge.Conflict
	// Messages are git's per-path messages (Auto-merging, CONFLICT ...).
	Messages []string
	// Message is the commit message used, or prepared in MERGE_MSG.
	Message string
	// Squash: the merge went into the index and work tree only (Kind
	// is FastForward, Stopped or Conflicted; HEAD did not move).
	Squash bool
}

// mergeMessage is git's fmt-merge-msg for a single head: "Merge branch
// 'x'", plus " into y" unless y is main or master (merge.suppressDest's
// default); a detached HEAD gives " into HEAD".
func (r *Repository) mergeMessage(o MergeOptions) string {
	kind := o.TheirsKind
	if kind == "" {
		kind = "branch"
	}
	msg := fmt.Sprintf("Merge %s '%s'", kind, o.TheirsName)
	if b, err := r.HeadBranch(); err == nil {
		short := b.Short()
		if b == "" {
			short = "HEAD" // detached
		}
		if short != "main" && short != "master" {
			msg += " into " + short
		}
	}
	return msg + "\n"
}

func (r *Repository) conflictStyle(o MergeOptions) string {
	if o.ConflictStyle != "" {
		return o.ConflictStyle
	}
	if v, ok, err := r.ConfigGet("merge.conflictStyle"); err == nil && ok {
		return strings.ToLower(v)
	}
	return merge.StyleMerge
}

// Merge merges o.Theirs into HEAD: nothing when it is already contained,
// a fast-forward when possible (unless NoFF), otherwise a three-way merge
// committed with two parents, or stopped with conflicts recorded in the
// index, the work tree and MERGE_HEAD/MERGE_MSG. Local changes the merge
// would overwrite make it refuse before anything is touched
// (ErrWouldOverwrite naming the files).
func (r *Repository) Merge(ctx context.Context, o MergeOptions) (*MergeOutcome, error) {
	if r.IsBare() {
		return nil, ErrBareRepository
	}
	switch s := r.conflictStyle(o); s {
	case merge.StyleMerge, merge.StyleDiff3, merge.StyleZDiff3:
		o.ConflictStyle = s
	default:
		return nil, fmt.Errorf("unknown conflict style %q (merge, diff3 or zdiff3)", s)
	}
	if _, ok, err := r.MergeHead(); err != nil {
		return nil, err
	} else if ok {
		return nil, fmt.Errorf("you have not concluded your merge (MERGE_HEAD exists): %w", ErrMergeInProgress)
	}
	// A lock on the ref the merge will move (left by a killed process,
	// or held by a running one) would fail the merge only after the index
	// and work tree were written; refuse before touching anything.
	if err := r.refNotLocked(); err != nil {
		return nil, err
	}
	il, err := r.LockIndex()
	if err != nil {
		return nil, err
	}
	defer il.Rollback()
	if HasUnmerged(il.Index) {
		return nil, fmt.Errorf("merging is not possible: %w", ErrUnmergedPaths)
	}
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	out := &MergeOutcome{OldHead: head, NewHead: head}
	if head == o.Theirs {
		out.Kind = MergeUpToDate
		return out, nil
	}
	canFF := head.IsZero()
	if !canFF {
		if up, err := merge.IsAncestor(ctx, r.Storer, o.Theirs, head); err != nil {
			return nil, err
		} else if up {
			out.Kind = MergeUpToDate
			return out, nil
		}
		if canFF, err = merge.IsAncestor(ctx, r.Storer, head, o.Theirs); err != nil {
			return nil, err
		}
	}
	headTree, err := r.commitTree(head)
	if err != nil {
		return nil, err
	}
	theirsTree, err := r.commitTree(o.Theirs)
	if err != nil {
		return nil, err
	}
	if canFF && (!o.NoFF || head.IsZero()) {
		if err := r.unpackTrees(ctx, il.Index, treeMove{op: "merge", from: headTree, to: theirsTree}); err != nil {
			return nil, err
		}
		if err := il.Commit(); err != nil {
			return nil, err
		}
		if o.Squash {
			if err := r.writeState(origHeadFile, head.String()+"\n"); err != nil {
				return nil, err
			}
			if err := r.writeSquashMessage(ctx, head, o.Theirs); err != nil {
				return nil, err
			}
			out.Kind, out.Squash, out.NewHead, out.Tree = MergeFastForward, true, o.Theirs, theirsTree
			return out, nil
		}
		if !head.IsZero() {
			if err := r.writeState(origHeadFile, head.String()+"\n"); err != nil {
				return nil, err
			}
		}
		// git's message for a merge into an unborn branch is fixed.
		logMsg := r.mergeReflogAction(o) + ": Fast-forward"
		if head.IsZero() {
			logMsg = "initial pull"
		}
		if err := r.UpdateRef(ctx, RefUpdate{Name: plumbing.HEAD, Old: head, New: o.Theirs, CheckOld: true, Message: logMsg}); err != nil {
			return nil, err
		}
		out.Kind, out.NewHead, out.Tree = MergeFastForward, o.Theirs, theirsTree
		return out, nil
	}
	if o.FFOnly {
		return nil, ErrNotFastForward
	}

	// git's ort strategy wants the index to match HEAD before it starts.
	if err := r.indexMatchesTree(il.Index, headTree); err != nil {
		return nil, err
	}
	res, _, err := merge.MergeCommits(ctx, r.Storer, head, o.Theirs, merge.Options{
		OursName: "HEAD", TheirsName: o.TheirsName, ConflictStyle: o.ConflictStyle,
		Favor: o.Favor, NoRenames: o.NoRenames, SubmoduleFastForward: r.submoduleFastForward,
		PathMerge: r.pathMerge,
	})
	if err != nil {
		return nil, err
	}
	out.Tree, out.Conflicts, out.Messages = res.Tree, res.Conflicts, res.Messages
	if err := r.unpackTrees(ctx, il.Index, treeMove{op: "merge", from: headTree, to: res.Tree, conflicts: res.Conflicts}); err != nil {
		var oe *OverwriteError
		if errors.As(err, &oe) {
			oe.Strategy = "ort"
		}
		return nil, err
	}
	if err := il.Commit(); err != nil {
		return nil, err
	}
	if err := r.writeState(origHeadFile, head.String()+"\n"); err != nil {
		return nil, err
	}
	msg := o.Message
	if msg == "" {
		msg = r.mergeMessage(o)
	} else if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	out.Message = msg
	if o.Squash {
		if err := r.writeSquashMessage(ctx, head, o.Theirs); err != nil {
			return nil, err
		}
		out.Kind, out.Squash = MergeStopped, true
		if !res.Clean {
			out.Kind = MergeConflicted
		}
		return out, nil
	}
	if !res.Clean || o.NoCommit {
		full := msg
		if !res.Clean {
			full += "\n# Conflicts:\n"
			seen := map[string]bool{}
			for _, c := range res.Conflicts {
				if !seen[c.Path] {
					seen[c.Path] = true
					full += "#\t" + c.Path + "\n"
				}
			}
		}
		mode := ""
		if o.NoFF {
			mode = "no-ff"
		}
		if err := r.writeState(mergeMsgFile, full); err != nil {
			return nil, err
		}
		if err := r.writeState(mergeModeFile, mode); err != nil {
			return nil, err
		}
		if err := r.writeState(mergeHeadFile, o.Theirs.String()+"\n"); err != nil {
			return nil, err
		}
		out.Kind = MergeConflicted
		if res.Clean {
			out.Kind = MergeStopped
		}
		return out, nil
	}
	final := CleanupMessage(msg)
	tree := res.Tree
	if o.Compose != nil {
		if final, tree, err = r.prepareMergeCommit(ctx, o, msg, tree); err != nil {
			return nil, err
		}
		out.Message = final
	}
	c, err := r.writeMergeCommit(ctx, tree, []plumbing.Hash{head, o.Theirs}, final)
	if err != nil {
		return nil, err
	}
	logMsg := r.mergeReflogAction(o) + ": Merge made by the 'ort' strategy."
	if err := r.UpdateRef(ctx, RefUpdate{Name: plumbing.HEAD, Old: head, New: c, CheckOld: true, Message: logMsg}); err != nil {
		return nil, err
	}
	if o.Compose != nil {
		if err := r.ClearMergeState(); err != nil {
			return nil, err
		}
	}
	out.Kind, out.NewHead = MergeCommitted, c
	return out, nil
}

// writeSquashMessage writes SQUASH_MSG as git's merge --squash does: a
// title, then every commit in theirs but not in head, newest first, in
// the medium format.
func (r *Repository) writeSquashMessage(ctx context.Context, head, theirs plumbing.Hash) error {
	var exclude []plumbing.Hash
	if !head.IsZero() {
		exclude = []plumbing.Hash{head}
	}
	w, err := r.Log(ctx, LogOptions{Include: []plumbing.Hash{theirs}, Exclude: exclude})
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("Squashed commit of the following:\n")
	f := CommitFormat{Abbrev: r.NewAbbreviator()}
	for {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		b.WriteByte('\n')
		if err := WriteCommitMedium(&b, c, f); err != nil {
			return err
		}
	}
	return r.writeState(squashMsgFile, b.String())
}

// mergeReflogAction is the start of a merge's reflog message.
func (r *Repository) mergeReflogAction(o MergeOptions) string {
	if o.ReflogAction != "" {
		return o.ReflogAction
	}
	name := o.TheirsName
	if name == "" {
		name = o.Theirs.String()
	}
	return "merge " + name
}

// mergeFile is a blob, symlink or gitlink at a path.
type mergeFile struct {
	hash plumbing.Hash
	mode filemode.FileMode
}

// mergeDelta is a path whose file differs between two trees (zero mode:
// absent).
type mergeDelta struct {
	path     string
	from, to mergeFile
}

// mergeDeltas lists the files that differ between trees a and b (the one
// tree walker's changes, as merge files).
func (r *Repository) mergeDeltas(ctx context.Context, a, b plumbing.Hash) ([]mergeDelta, error) {
	changes, err := diffTrees(ctx, a, r.storedSource(), b, r.storedSource(), nil)
	if err != nil {
		return nil, err
	}
	out := make([]mergeDelta, len(changes))
	for i, c := range changes {
		out[i] = mergeDelta{path: c.path, from: mergeFile{c.from, c.fromMode}, to: mergeFile{c.to, c.toMode}}
	}
	return out, nil
}

// flatMergeFiles is flattenTree as merge files.
func (r *Repository) flatMergeFiles(tree plumbing.Hash) (map[string]mergeFile, error) {
	flat, err := r.flattenTree(tree, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[string]mergeFile, len(flat))
	for p, e := range flat {
		out[p] = mergeFile{e.hash, e.mode}
	}
	return out, nil
}

// indexMatchesTree refuses a merge when the index has staged changes
// relative to HEAD, as git's merge strategies do.
func (r *Repository) indexMatchesTree(idx *index.Index, tree plumbing.Hash) error {
	files, err := r.flatMergeFiles(tree)
	if err != nil {
		return err
	}
	var bad []string
	seen := 0
	for _, e := range idx.Entries {
		if e.Stage != 0 {
			continue
		}
		seen++
		if f, ok := files[e.Name]; !ok || f.hash != e.Hash || f.mode != e.Mode {
			bad = append(bad, e.Name)
		}
	}
	if seen != len(files) {
		have := indexEntryMap(idx)
		for p := range files {
			if have[p] == nil {
				bad = append(bad, p)
			}
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return &OverwriteError{Op: "merge", Modified: bad}
	}
	return nil
}

// writeMergeCommit stores a commit of tree with parents, signed with the
// configured author and committer (dates from GIT_*_DATE when set, so
// that the id equals git's for the same inputs).
func (r *Repository) writeMergeCommit(ctx context.Context, tree plumbing.Hash, parents []plumbing.Hash, msg string) (plumbing.Hash, error) {
	author, err := r.Identity("author")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	committer, err := r.Identity("committer")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	c := &object.Commit{Author: author, Committer: committer, Message: msg, TreeHash: tree, ParentHashes: parents}
	obj := r.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	return r.Storer.SetEncodedObject(obj)
}

// AbortMerge gives up a merge stopped by conflicts: the index and the
// work tree files the merge touched go back to HEAD (ORIG_HEAD is HEAD
// while a merge is stopped), and MERGE_HEAD, MERGE_MSG and MERGE_MODE are
// removed. Local changes to files the merge did not touch stay, as git's
// merge --abort leaves them (the merge refused to start over staged
// changes, so the index matched HEAD before it).
func (r *Repository) AbortMerge(ctx context.Context) error {
	if r.IsBare() {
		return ErrBareRepository
	}
	if _, ok, err := r.MergeHead(); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("cannot abort: %w", ErrNoMergeInProgress)
	}
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	defer il.Rollback()
	head, err := r.Head()
	if err != nil {
		return err
	}
	headTree, err := r.commitTree(head)
	if err != nil {
		return err
	}
	if err := r.restoreTouched(il.Index, headTree); err != nil {
		return err
	}
	if err := il.Commit(); err != nil {
		return err
	}
	if err := r.ClearMergeState(); err != nil {
		return err
	}
	// git's merge --abort is reset --merge: HEAD stays, and its reflog
	// says so.
	if head.IsZero() {
		return nil
	}
	return r.moveHead(ctx, head, head, "reset: moving to HEAD")
}

// ContinueMerge concludes a merge stopped by conflicts once every path is
// resolved: it commits the index with HEAD and MERGE_HEAD as parents and
// message (MERGE_MSG's when empty), then clears the merge state.
func (r *Repository) ContinueMerge(ctx context.Context, message string) (plumbing.Hash, error) {
	theirs, ok, err := r.MergeHead()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if !ok {
		return plumbing.ZeroHash, fmt.Errorf("there is no merge to continue: %w", ErrNoMergeInProgress)
	}
	il, err := r.LockIndex()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer il.Rollback()
	if ps := unmergedPaths(il.Index); len(ps) > 0 {
		return plumbing.ZeroHash, fmt.Errorf("committing is not possible because %w: %s", ErrUnmergedPaths, strings.Join(ps, ", "))
	}
	if message == "" {
		if m, ok, err := r.MergeMessage(); err != nil {
			return plumbing.ZeroHash, err
		} else if ok {
			message = m
		}
	}
	message = CleanupMessage(message)
	if message == "" {
		return plumbing.ZeroHash, errors.New("aborting commit due to empty commit message")
	}
	tree, err := r.WriteTree(il.Index)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	head, err := r.Head()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	c, err := r.writeMergeCommit(ctx, tree, []plumbing.Hash{head, theirs}, message)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	// git merge --continue commits with git commit.
	logMsg := "commit (merge): " + strings.SplitN(message, "\n", 2)[0]
	if err := r.UpdateRef(ctx, RefUpdate{Name: plumbing.HEAD, Old: head, New: c, CheckOld: true, Message: logMsg}); err != nil {
		return plumbing.ZeroHash, err
	}
	il.Rollback()
	return c, r.ClearMergeState()
}

// applyIndexUpdates replaces (or with nil, removes) every entry, all
// stages, of each path in updates, then adds the extra entries. The index
// is sorted when written.
func applyIndexUpdates(idx *index.Index, updates map[string]*index.Entry, extra []*index.Entry) {
	out := idx.Entries[:0]
	for _, e := range idx.Entries {
		if _, ok := updates[e.Name]; ok {
			continue
		}
		out = append(out, e)
	}
	for i := len(out); i < len(idx.Entries); i++ {
		idx.Entries[i] = nil
	}
	for _, ne := range updates {
		if ne != nil {
			out = append(out, ne)
		}
	}
	idx.Entries = append(out, extra...)
}

// refNotLocked fails with a *lockfile.LockedError when HEAD or the branch
// it points to has a lock file.
func (r *Repository) refNotLocked() error {
	names := []string{"HEAD"}
	if b, err := r.HeadBranch(); err == nil {
		names = append(names, b.String())
	}
	for _, n := range names {
		p := r.gitPath(n) + ".lock"
		if _, err := os.Lstat(p); err == nil {
			return &lockfile.LockedError{Path: p}
		}
	}
	return nil
}

// restoreTouched puts back HEAD's tree for every path whose index entry
// differs from it (conflict stages included), in the index and the work
// tree; other paths and their local changes stay. It is what aborting a
// stopped merge or pick needs, since they refused to start over staged
// changes.
func (r *Repository) restoreTouched(idx *index.Index, headTree plumbing.Hash) error {
	files, err := r.flatMergeFiles(headTree)
	if err != nil {
		return err
	}
	touched := map[string]bool{}
	for _, e := range idx.Entries {
		if f, ok := files[e.Name]; e.Stage != 0 || !ok || f.hash != e.Hash || f.mode != e.Mode {
			touched[e.Name] = true
		}
	}
	have := indexEntryMap(idx)
	for p := range files {
		if have[p] == nil {
			touched[p] = true
		}
	}
	paths := make([]string, 0, len(touched))
	for p := range touched {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	updates := make(map[string]*index.Entry, len(paths))
	for _, p := range paths {
		if _, ok := files[p]; !ok {
			if err := r.removeWorktreeFile(p); err != nil {
				return err
			}
			updates[p] = nil
		}
	}
	for _, p := range paths {
		f, ok := files[p]
		if !ok {
			continue
		}
		ne := blobEntry(p, f.hash, f.mode)
		if f.mode != filemode.Submodule {
			fi, err := r.writeWorktreeFile(p, f.hash, f.mode)
			if err != nil {
				return err
			}
			fillStat(ne, fi)
			markFresh(idx, ne)
		}
		updates[p] = ne
	}
	applyIndexUpdates(idx, updates, nil)
	return nil
}
