package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/pretty"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/merge"
)

// Errors of the merge command.
var (
	ErrNotFastForward = errors.New("not possible to fast-forward, aborting")
	// ErrUnrelatedHistories: the commits share no history and the merge
	// was not told to allow that.
	ErrUnrelatedHistories = errors.New("refusing to merge unrelated histories")
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
	// Heads, when set, are the commits to merge (Theirs, TheirsName and
	// TheirsKind are then unused): several make an octopus merge.
	Heads []MergeHead
	// Strategies are git merge's -s, tried in order; empty is git's
	// default (pull.twohead or ort for one head, pull.octopus or octopus
	// for several).
	Strategies []string
	// SubtreeShift is -X subtree=<path>: their tree is shifted into (or
	// out of) that directory before the merge.
	SubtreeShift string
	// XOpts are the -X options as given, for a custom strategy (a
	// git-merge-<name> program) that gets them as --<option>.
	XOpts []string
	// Out and Err receive what a custom strategy program prints.
	Out, Err io.Writer
	// Author, when set, authors the merge commit (a rebase recreating a
	// merge keeps the original's author).
	Author *gitobj.Signature

	// AllowUnrelated merges a commit that shares no history with HEAD
	// (over an empty base); without it such a merge is refused, as git
	// refuses it.
	AllowUnrelated bool

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
	// Strategy is the strategy whose result was taken ("ort",
	// "octopus", ...).
	Strategy string
	// ErrMessages are the strategy's lines for standard error.
	ErrMessages []string
	// Trivial: git's "really trivial in-index merge" made the commit
	// (every path changed on one side at most).
	Trivial bool
	// Heads are the commits merged after git's reduction (those HEAD or
	// another head contains dropped).
	Heads []MergeHead
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
	// git looks for unmerged entries before MERGE_HEAD.
	if HasUnmerged(il.Index) {
		return nil, &refusal{"Merging is not possible because you have unmerged files.", ErrUnmergedPaths}
	}
	if _, ok, err := r.MergeHead(); err != nil {
		return nil, err
	} else if ok {
		return nil, &refusal{"You have not concluded your merge (MERGE_HEAD exists).\nPlease, commit your changes before you merge.", ErrMergeInProgress}
	}
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	out := &MergeOutcome{OldHead: head, NewHead: head}
	heads := o.Heads
	if len(heads) == 0 {
		heads = []MergeHead{{Hash: o.Theirs, Name: o.TheirsName, Kind: o.TheirsKind}}
	}
	if head.IsZero() && len(heads) > 1 {
		return nil, errors.New("Can merge only exactly one commit into empty head")
	}
	// git's reduce_parents: heads HEAD or another head contains add
	// nothing; HEAD itself is "subsumed" when a head contains it.
	ids := make([]plumbing.Hash, 0, len(heads)+1)
	if !head.IsZero() {
		ids = append(ids, head)
	}
	for _, h := range heads {
		ids = append(ids, h.Hash)
	}
	reduced, err := reduceHeads(ctx, r.Storer, ids)
	if err != nil {
		return nil, err
	}
	subsumed := !containsHash(reduced, head)
	var remotes []MergeHead
	seen := map[plumbing.Hash]bool{head: true}
	for _, h := range heads {
		if containsHash(reduced, h.Hash) && !seen[h.Hash] {
			seen[h.Hash] = true
			remotes = append(remotes, h)
		}
	}
	out.Heads = remotes
	if len(remotes) == 0 {
		out.Kind = MergeUpToDate
		return out, nil
	}
	o.Heads = remotes
	o.Theirs, o.TheirsName, o.TheirsKind = remotes[0].Hash, remotes[0].Name, remotes[0].Kind
	strategies := o.Strategies
	if len(strategies) == 0 {
		strategies = r.defaultStrategies(len(remotes))
	}
	for _, st := range strategies {
		if noFastForward(st) {
			o.NoFF = true
		}
	}
	if len(remotes) == 1 && !o.AllowUnrelated && !head.IsZero() {
		bases, err := merge.MergeBases(ctx, r.Storer, head, remotes[0].Hash)
		if err != nil {
			return nil, err
		}
		if len(bases) == 0 {
			return nil, ErrUnrelatedHistories
		}
	}
	canFF := len(remotes) == 1 && subsumed
	headTree := plumbing.ZeroHash
	if !head.IsZero() {
		if headTree, err = r.commitTree(head); err != nil {
			return nil, err
		}
	}
	theirsTree, err := r.commitTree(o.Theirs)
	if err != nil {
		return nil, err
	}
	if canFF && (!o.NoFF || head.IsZero()) {
		if err := r.unpackTrees(ctx, il.Index, treeMove{op: "merge", from: headTree, to: theirsTree}); err != nil {
			var oe *OverwriteError
			if head.IsZero() && errors.As(err, &oe) {
				oe.ReadTree = true
			}
			return nil, err
		}
		if err := il.Commit(); err != nil {
			return nil, err
		}
		if o.Squash {
			if err := r.writeState(origHeadFile, head.String()+"\n"); err != nil {
				return nil, err
			}
			if err := r.writeSquashMessage(ctx, head, []plumbing.Hash{o.Theirs}); err != nil {
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

	// git's strategies want the index to match HEAD before they start.
	if err := r.indexMatchesTree(il.Index, headTree); err != nil {
		var oe *OverwriteError
		if !errors.As(err, &oe) {
			return nil, err
		}
		if len(strategies) == 1 {
			oe.Strategy = strategies[0]
			return nil, err
		}
		// With several strategies git does not stop at the first: each
		// is tried and refuses (the built-in ones saying why), and the
		// staged changes are left as they were.
		se := &StrategyError{Strategies: strategies}
		for i, name := range strategies {
			if i > 0 {
				se.Output = append(se.Output, "Rewinding the tree to pristine...")
			}
			se.Output = append(se.Output, fmt.Sprintf("Trying merge strategy %s...", name))
			switch name {
			case "ort", "recursive", "subtree":
				se.Stderr = append(se.Stderr, "error: Your local changes to the following files would be overwritten by merge:\n  "+
					strings.Join(oe.Modified, " "))
			}
		}
		return nil, se
	}
	// Every strategy works in memory, so trying the next one needs no
	// stash: git's messages between tries are kept for the output.
	var chosen, best *strategyResult
	chosenName, bestName, bestCnt := "", "", -1
	lastName := ""
	if len(remotes) == 1 && allowTrivial(strategies) && !o.NoCommit && !o.Squash {
		if chosen, err = r.trivialMerge(ctx, head, headTree, theirsTree, out); err != nil {
			return nil, err
		}
		out.Trivial = chosen != nil
	}
	for i, name := range strategies {
		if chosen != nil {
			break
		}
		if i > 0 {
			out.Messages = append(out.Messages, "Rewinding the tree to pristine...")
		}
		if len(strategies) > 1 {
			out.Messages = append(out.Messages, fmt.Sprintf("Trying merge strategy %s...", name))
		}
		var sr *strategyResult
		if KnownStrategy(name) {
			sr, err = r.runStrategy(ctx, name, head, remotes, o)
		} else {
			sr, err = r.externalMerge(ctx, il, name, head, remotes, o)
		}
		if err != nil {
			return nil, err
		}
		lastName = name
		out.Messages = append(out.Messages, sr.out...)
		out.ErrMessages = append(out.ErrMessages, sr.errOut...)
		if sr.failed {
			continue
		}
		if sr.res.Clean {
			chosen, chosenName = sr, name
			break
		}
		if cnt := sr.conflictCount(); bestCnt <= 0 || cnt <= bestCnt {
			best, bestName, bestCnt = sr, name, cnt
		}
	}
	if chosen == nil {
		if best == nil {
			return nil, &StrategyError{Strategies: strategies, Output: out.Messages, Stderr: out.ErrMessages}
		}
		if bestName != lastName {
			out.Messages = append(out.Messages, "Rewinding the tree to pristine...",
				fmt.Sprintf("Using the %s to prepare resolving by hand.", bestName))
			out.Messages = append(out.Messages, best.out...)
		}
		chosen, chosenName = best, bestName
	}
	res := chosen.res
	out.Strategy = chosenName
	out.Tree, out.Conflicts = res.Tree, res.Conflicts
	if !chosen.external {
		if err := r.unpackTrees(ctx, il.Index, treeMove{op: "merge", from: headTree, to: res.Tree, conflicts: res.Conflicts}); err != nil {
			var oe *OverwriteError
			if errors.As(err, &oe) {
				oe.Strategy = chosenName
			}
			return nil, err
		}
	}
	if err := il.Commit(); err != nil {
		return nil, err
	}
	if err := r.writeState(origHeadFile, head.String()+"\n"); err != nil {
		return nil, err
	}
	msg := o.Message
	if msg == "" {
		msg = r.mergeTitle(remotes)
	} else if !strings.HasSuffix(msg, "\n") {
		msg += "\n"
	}
	out.Message = msg
	remoteIDs := make([]plumbing.Hash, len(remotes))
	for i, h := range remotes {
		remoteIDs[i] = h.Hash
	}
	if o.Squash {
		if err := r.writeSquashMessage(ctx, head, remoteIDs); err != nil {
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
		if err := r.writeState(mergeMsgFile, full); err != nil {
			return nil, err
		}
		if err := r.writeMergeHeads(o); err != nil {
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
	parents := remoteIDs
	if !subsumed || o.NoFF {
		parents = append([]plumbing.Hash{head}, remoteIDs...)
	}
	c, err := r.writeMergeCommitBy(ctx, tree, parents, final, o.Author)
	if err != nil {
		return nil, err
	}
	logMsg := r.mergeReflogAction(o) + ": Merge made by the '" + chosenName + "' strategy."
	if out.Trivial {
		logMsg = r.mergeReflogAction(o) + ": In-index merge"
	}
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

// writeMergeHeads records a stopped merge's heads (MERGE_HEAD, one a
// line) and MERGE_MODE ("no-ff" when HEAD must stay a parent).
func (r *Repository) writeMergeHeads(o MergeOptions) error {
	mode := ""
	if o.NoFF {
		mode = "no-ff"
	}
	if err := r.writeState(mergeModeFile, mode); err != nil {
		return err
	}
	heads := o.Heads
	if len(heads) == 0 {
		heads = []MergeHead{{Hash: o.Theirs}}
	}
	var b strings.Builder
	for _, h := range heads {
		b.WriteString(h.Hash.String() + "\n")
	}
	return r.writeState(mergeHeadFile, b.String())
}

// writeSquashMessage writes SQUASH_MSG as git's merge --squash does: a
// title, then every commit in theirs but not in head, newest first, in
// the medium format.
func (r *Repository) writeSquashMessage(ctx context.Context, head plumbing.Hash, theirs []plumbing.Hash) error {
	var exclude []plumbing.Hash
	if !head.IsZero() {
		exclude = []plumbing.Hash{head}
	}
	w, err := r.Log(ctx, LogOptions{Include: theirs, Exclude: exclude})
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("Squashed commit of the following:\n")
	f := pretty.CommitFormat{Abbrev: r.NewAbbreviator()}
	for {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		b.WriteByte('\n')
		if err := pretty.WriteCommitMedium(&b, c, f); err != nil {
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
	if len(o.Heads) == 0 {
		o.Heads = []MergeHead{{Hash: o.Theirs, Name: o.TheirsName}}
	}
	action := "merge"
	for _, h := range o.Heads {
		name := h.Name
		if name == "" {
			name = h.Hash.String()
		}
		action += " " + name
	}
	return action
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
	return r.writeMergeCommitBy(ctx, tree, parents, msg, nil)
}

// writeMergeCommitBy is writeMergeCommit with the author given (nil: the
// configured one).
func (r *Repository) writeMergeCommitBy(ctx context.Context, tree plumbing.Hash, parents []plumbing.Hash, msg string, by *gitobj.Signature) (plumbing.Hash, error) {
	author, err := r.Identity("author")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if by != nil {
		author = *by
	}
	committer, err := r.Identity("committer")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	c := &gitobj.Commit{Author: author, Committer: committer, Message: msg, TreeHash: tree, ParentHashes: parents}
	return r.writeCommit(c)
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
	theirs, ok, err := r.MergeHeads()
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
	parents, err := r.mergeParents(ctx, head, theirs)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	c, err := r.writeMergeCommit(ctx, tree, parents, message)
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
