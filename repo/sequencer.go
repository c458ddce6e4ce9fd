package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/trailer"
)

// The sequencer replays commits onto HEAD: cherry-pick, revert and rebase
// share it, as they share git's sequencer. Every pick is an in-memory
// three-way merge (merge.MergeTrees, git's ort) of HEAD with the change a
// commit makes, written to the index and work tree, then committed.

// State files, named and formatted as git's sequencer writes them so that
// git and easel continue, skip or abort each other's operations.
const (
	cherryPickHeadFile = "CHERRY_PICK_HEAD"
	revertHeadFile     = "REVERT_HEAD"
	rebaseHeadFile     = "REBASE_HEAD"
	seqDir             = "sequencer"
)

// SequencerError is a failure git reports with "error:" lines, "hint:"
// lines and, for cherry-pick and revert, a final "fatal: <action> failed"
// (exit 128). The command layer prints it as it is.
type SequencerError struct {
	Errors []string // each printed as "error: <line>"
	Hints  []string // each printed as "hint: <line>"
	Fatal  string   // "fatal: <Fatal>" when not empty
	Code   int      // exit code (128 unless set)
	Err    error    // the sentinel it wraps, for errors.Is
}

func (e *SequencerError) Error() string {
	var parts []string
	parts = append(parts, e.Errors...)
	if e.Fatal != "" {
		parts = append(parts, e.Fatal)
	}
	return strings.Join(parts, "; ")
}

func (e *SequencerError) Unwrap() error { return e.Err }

// PickStopped is returned when a pick stopped with conflicts (or, for a
// rebase, as the todo list asked): the work tree and index hold the
// conflict, the state files say how to go on. The command exits 1.
type PickStopped struct {
	// Messages are the merge's per-path messages (stdout).
	Messages []string
	// Stderr holds git's lines for standard error, in order.
	Stderr []string
	Code   int
	// NothingToCommit: git commit refused an empty result; git prints
	// the long status first, with InProgress after its first line (the
	// "You are currently cherry-picking ..." section).
	NothingToCommit bool
	InProgress      []string
}

func (e *PickStopped) Error() string { return strings.Join(e.Stderr, "\n") }

// ReplayOptions are the options of a cherry-pick, revert or rebase.
type ReplayOptions struct {
	NoCommit      bool // -n: merge into the index and work tree only
	RecordOrigin  bool // -x: "(cherry picked from commit ...)"
	Signoff       bool // -s: a Signed-off-by trailer of the committer
	AllowEmpty    bool // --allow-empty: keep commits that were empty
	KeepRedundant bool // --keep-redundant-commits: keep commits that become empty
	DropRedundant bool // rebase: drop commits that become empty
	AllowFF       bool // --ff, and rebase unless forced
	Mainline      int  // -m <parent>
	// Reference: a revert names the commit as git's --pretty=reference
	// ("<abbrev> (<subject>, <date>)") under a title left to write.
	Reference      bool
	StrategyOption []string
	// Strategy is -s: "" or ort/recursive for the ort engine, resolve
	// (no renames), ours (HEAD's tree: the pick becomes empty) or
	// subtree (their tree shifted to match ours).
	Strategy string
	// ConflictStyle is merge, diff3 or zdiff3; empty reads
	// merge.conflictStyle.
	ConflictStyle string
}

// commitLabel is what git's get_message derives from a commit: the
// conflict labels "<abbrev> (<subject>)" and "parent of ...", and the
// subject.
type commitLabel struct {
	short, subject, label, parentLabel string
}

func (r *Repository) labelOf(c *gitobj.Commit, ab *Abbreviator) commitLabel {
	short := ab.ShortID(c.Hash)
	subj := commitSubject(c.Message)
	l := commitLabel{short: short, subject: subj, label: short + " (" + subj + ")"}
	l.parentLabel = "parent of " + l.label
	return l
}

// commitSubject is the subject git's sequencer shows ("could not apply
// <id>... <subject>", conflict labels): the first line of the message.
func commitSubject(msg string) string {
	line, _, _ := strings.Cut(strings.TrimLeft(msg, "\n"), "\n")
	return line
}

// oneline is git's %s: the first paragraph with its lines joined by
// spaces.
func oneline(msg string) string {
	msg = strings.TrimLeft(msg, "\n")
	para, _, _ := strings.Cut(msg, "\n\n")
	lines := strings.Split(strings.TrimRight(para, "\n"), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, " ")
}

func (r *Repository) refExists(name string) bool {
	_, err := os.Stat(r.statePath(name))
	return err == nil
}

func (r *Repository) readHeadFile(name string) (plumbing.Hash, bool) {
	data, err := os.ReadFile(r.statePath(name))
	if err != nil {
		return plumbing.ZeroHash, false
	}
	s := strings.TrimSpace(string(data))
	if len(s) != 40 || !isHex(s) {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(s), true
}

func (r *Repository) removeState(names ...string) {
	for _, n := range names {
		os.Remove(r.statePath(n))
	}
}

// pickMerge merges the change from base to next onto the tree `ours` (what
// the index holds) and writes the result to the index and work tree:
// conflicts become index stages and marked files. It returns the merge
// result; the index lock is committed.
func (r *Repository) pickMerge(ctx context.Context, il *IndexLock, keep bool, ours, base, next plumbing.Hash, baseLabel, nextLabel string, o ReplayOptions) (*merge.Result, error) {
	style := o.ConflictStyle
	if style == "" {
		style = r.conflictStyle(MergeOptions{})
	}
	if _, custom := ExternalStrategy(o.Strategy); custom && !KnownStrategy(o.Strategy) {
		return r.pickExternal(ctx, il, keep, treeOrEmpty(base), treeOrEmpty(ours), treeOrEmpty(next), nextLabel, o)
	}
	favor, noRenames, shift := "", false, ""
	for _, x := range o.StrategyOption {
		switch {
		case x == merge.FavorOurs, x == merge.FavorTheirs:
			favor = x
		case x == "no-renames":
			noRenames = true
		case x == "find-renames":
			noRenames = false
		case x == "subtree":
			shift = "-"
		case strings.HasPrefix(x, "subtree="):
			shift = strings.TrimPrefix(x, "subtree=")
		default:
			return nil, fmt.Errorf("unsupported strategy option %q (ours, theirs, no-renames, find-renames or subtree[=<path>])", x)
		}
	}
	baseTree, oursTree, nextTree := treeOrEmpty(base), treeOrEmpty(ours), treeOrEmpty(next)
	switch o.Strategy {
	case "", StrategyOrt, StrategyRecursive:
	case StrategyResolve:
		noRenames = true
	case StrategySubtree:
		if shift == "" {
			shift = "-"
		}
	case StrategyOurs:
	default:
		return nil, fmt.Errorf("merge strategy %s cannot pick a single commit", o.Strategy)
	}
	if shift != "" {
		if shift == "-" {
			shift = ""
		}
		var err error
		if nextTree, err = r.shiftTree(oursTree, nextTree, shift); err != nil {
			return nil, err
		}
		if baseTree, err = r.shiftTree(oursTree, baseTree, shift); err != nil {
			return nil, err
		}
	}
	var res *merge.Result
	if o.Strategy == StrategyOurs {
		// git-merge-ours: the result is HEAD's tree.
		res = &merge.Result{Tree: oursTree, Clean: true}
	} else {
		var err error
		res, err = merge.MergeTrees(ctx, r.Storer, baseTree, oursTree, nextTree, merge.Options{
			OursName: "HEAD", TheirsName: nextLabel, BaseName: baseLabel,
			ConflictStyle: style, Favor: favor, NoRenames: noRenames, PathMerge: r.pathMerge,
			DirRenames: r.mergeDirRenames(),
		})
		if err != nil {
			return nil, err
		}
	}
	if err := r.unpackTrees(ctx, il.Index, treeMove{op: "merge", from: ours, to: res.Tree, conflicts: res.Conflicts}); err != nil {
		return nil, err
	}
	if !keep || !res.Clean {
		if err := il.Commit(); err != nil {
			return nil, err
		}
	}
	// As git's ort: AUTO_MERGE names the tree with the conflict markers.
	if res.Clean {
		r.removeState("AUTO_MERGE")
	} else if err := writeStateFile(r.statePath("AUTO_MERGE"), res.Tree.String()+"\n"); err != nil {
		return nil, err
	}
	return res, nil
}

// conflictsHint is git's append_conflicts_hint: the unmerged paths as
// comment lines after the message.
func conflictsHint(cs []merge.Conflict) string {
	var b strings.Builder
	b.WriteString("\n# Conflicts:\n")
	seen := map[string]bool{}
	var paths []string
	for _, c := range cs {
		if !seen[c.Path] {
			seen[c.Path] = true
			paths = append(paths, c.Path)
		}
	}
	sortStrings(paths)
	for _, p := range paths {
		b.WriteString("#\t" + p + "\n")
	}
	return b.String()
}

// trailerLine is compiled on first use, not at start-up: every command
// links this package.
var trailerLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9-]+:\s`) })

// hasConformingFooter says whether the message ends in a trailer block
// (git's has_conforming_footer without a sign-off to look for): a last
// paragraph, not the subject, whose lines are "Key: value" trailers or
// "(cherry picked from commit ...)" lines.
func hasConformingFooter(msg string) bool {
	msg = strings.TrimRight(msg, "\n")
	i := strings.LastIndex(msg, "\n\n")
	if i < 0 {
		return false
	}
	para := strings.Split(strings.TrimLeft(msg[i+2:], "\n"), "\n")
	if len(para) == 0 {
		return false
	}
	for _, l := range para {
		if !trailerLine().MatchString(l) && !strings.HasPrefix(l, "(cherry picked from commit ") {
			return false
		}
	}
	return true
}

// pickKind is the todo command that picks a commit.
type pickKind string

const (
	kindPick   pickKind = "pick"
	kindRevert pickKind = "revert"
	kindReword pickKind = "reword"
	kindEdit   pickKind = "edit"
	kindFixup  pickKind = "fixup"
	kindSquash pickKind = "squash"
)

// pickOutcome is what one pick did.
type pickOutcome struct {
	commit     plumbing.Hash // the new HEAD
	ff         bool          // fast-forwarded to the picked commit itself
	conflicted bool
	dropped    bool // became empty and was dropped (rebase)
	empty      bool // would be empty and is not allowed: stopped
	messages   []string
	message    string        // the message prepared (MERGE_MSG)
	tree       plumbing.Hash // the merged tree
	author     gitobj.Signature
	label      commitLabel
}

// pickSpec says what to pick and how to commit it.
type pickSpec struct {
	kind   pickKind
	commit *gitobj.Commit
	action string // "cherry-pick", "revert", "rebase": error texts
	// reflogAction starts the reflog message of the new commit
	// ("cherry-pick", "rebase (pick)").
	reflogAction string
	// noCommitHere: merge only (squash/fixup commit through the caller,
	// -n).
	opts ReplayOptions
	// message replaces the message prepared from the commit (squash
	// chains).
	message *string
	// amend replaces HEAD instead of adding to it (fixup/squash).
	amend bool
	// cleanup of the message before committing: "none", "space", "strip".
	cleanup string
	// deferCommit: merge only; the caller commits out.tree (through the
	// editor, as git commit -e does).
	deferCommit bool
	// il, when set, is the index, locked and read once for a whole run
	// of picks (a rebase): it stays in memory and is written when the run
	// stops, as git's merge backend writes it only when needed. A
	// conflict writes (and releases) it.
	il *IndexLock
}

// errDirtyIndex is git's error_dirty_index.
func (r *Repository) errDirtyIndex(action string, unmerged bool) error {
	if unmerged {
		return errResolveConflict(action)
	}
	return &SequencerError{
		Errors: []string{fmt.Sprintf("your local changes would be overwritten by %s.", action)},
		Hints:  []string{"commit your changes or stash them to proceed."},
		Fatal:  failedFatal(action),
		Err:    ErrWouldOverwrite,
	}
}

func failedFatal(action string) string {
	if action == "rebase" {
		return ""
	}
	return action + " failed"
}

// errResolveConflict is git's error_resolve_conflict.
func errResolveConflict(action string) error {
	verb := map[string]string{"cherry-pick": "Cherry-picking", "revert": "Reverting", "rebase": "Rebasing", "commit": "Committing"}[action]
	if verb == "" {
		verb = action
	}
	return &SequencerError{
		Errors: []string{verb + " is not possible because you have unmerged files."},
		Hints:  []string{"Fix them up in the work tree, and then use 'easel add/rm <file>'", "as appropriate to mark resolution and make a commit."},
		Fatal:  failedFatal(action),
		Err:    ErrUnmergedPaths,
	}
}

// pick is git's do_pick_commit for one commit: merge its change (or, for
// a revert, the reverse) onto HEAD, then commit it, unless it conflicts
// or NoCommit.
func (r *Repository) pick(ctx context.Context, sp pickSpec, ab *Abbreviator) (*pickOutcome, error) {
	o := sp.opts
	c := sp.commit
	out := &pickOutcome{label: r.labelOf(c, ab)}
	if err := r.refNotLocked(); err != nil {
		return nil, err
	}
	il, keep := sp.il, sp.il != nil
	if !keep {
		var err error
		if il, err = r.LockIndex(); err != nil {
			return nil, err
		}
		defer il.Rollback()
	}
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	unborn := head.IsZero()
	// On the fake root of a rebase's "reset [new root]", a pick makes a
	// root commit, as on an unborn branch.
	newRoot := !unborn && sp.action == "rebase" && r.isSquashOnto(head)
	var ours plumbing.Hash
	if o.NoCommit {
		if HasUnmerged(il.Index) {
			return nil, &SequencerError{Errors: []string{"your index file is unmerged."}, Fatal: failedFatal(sp.action), Err: ErrUnmergedPaths}
		}
		if ours, err = r.WriteTree(il.Index); err != nil {
			return nil, err
		}
	} else {
		if !unborn {
			if ours, err = r.commitTree(head); err != nil {
				return nil, err
			}
		}
		dirty := len(il.Index.Entries) > 0 // an unborn branch: the empty tree
		if !unborn {
			dirty = r.indexMatchesTree(il.Index, ours) != nil
		}
		if dirty {
			return nil, r.errDirtyIndex(sp.action, HasUnmerged(il.Index))
		}
	}

	// The parent whose change is picked.
	var parent *gitobj.Commit
	switch {
	case len(c.ParentHashes) == 0:
	case len(c.ParentHashes) > 1:
		if o.Mainline == 0 {
			return nil, &SequencerError{Errors: []string{fmt.Sprintf("commit %s is a merge but no -m option was given.", c.Hash)}, Fatal: failedFatal(sp.action)}
		}
		if o.Mainline > len(c.ParentHashes) {
			return nil, &SequencerError{Errors: []string{fmt.Sprintf("commit %s does not have parent %d", c.Hash, o.Mainline)}, Fatal: failedFatal(sp.action)}
		}
		if parent, err = gitobj.GetCommit(r.Storer, c.ParentHashes[o.Mainline-1]); err != nil {
			return nil, err
		}
	case o.Mainline > 1:
		return nil, &SequencerError{Errors: []string{fmt.Sprintf("commit %s does not have parent %d", c.Hash, o.Mainline)}, Fatal: failedFatal(sp.action)}
	default:
		if parent, err = gitobj.GetCommit(r.Storer, c.ParentHashes[0]); err != nil {
			return nil, err
		}
	}

	isFixup := sp.kind == kindFixup || sp.kind == kindSquash
	if o.AllowFF && !isFixup && ((parent != nil && parent.Hash == head) || (parent == nil && (unborn || newRoot))) {
		if err := r.checkoutLocked(ctx, il.Index, head, c.Hash); err != nil {
			return nil, err
		}
		if !keep {
			if err := il.Commit(); err != nil {
				return nil, err
			}
		}
		name := sp.action
		if err := r.moveHeadTo(ctx, head, c.Hash, name+": fast-forward", keep); err != nil {
			return nil, err
		}
		out.commit, out.ff = c.Hash, true
		out.author = c.Author
		return out, nil
	}

	var base, next *gitobj.Commit
	var baseLabel, nextLabel, msg string
	if sp.kind == kindRevert {
		base, baseLabel = c, out.label.label
		next, nextLabel = parent, out.label.parentLabel
		refer := func(x *gitobj.Commit) string {
			if !o.Reference {
				return x.Hash.String()
			}
			return fmt.Sprintf("%s (%s, %s)", ab.ShortID(x.Hash), oneline(x.Message), x.Author.When.Format("2006-01-02"))
		}
		if o.Reference {
			msg = "# *** SAY WHY WE ARE REVERTING ON THE TITLE LINE ***"
		} else {
			msg = "Revert \"" + out.label.subject + "\""
		}
		msg += "\n\nThis reverts commit " + refer(c)
		if len(c.ParentHashes) > 1 {
			msg += ", reversing\nchanges made to " + refer(parent)
		}
		msg += ".\n"
	} else {
		base, baseLabel = parent, out.label.parentLabel
		next, nextLabel = c, out.label.label
		msg = strings.TrimLeft(c.Message, "\n")
		if o.RecordOrigin {
			if msg != "" && !strings.HasSuffix(msg, "\n") {
				msg += "\n"
			}
			if !hasConformingFooter(msg) {
				msg += "\n"
			}
			msg += "(cherry picked from commit " + c.Hash.String() + ")\n"
		}
	}
	if o.Signoff && !isFixup {
		committer, err := r.Identity("committer")
		if err != nil {
			return nil, err
		}
		msg = trailer.AppendSignoff(msg, 0, "Signed-off-by: "+committer.Name+" <"+committer.Email+">", r.trailerTokens())
	}
	if base == nil {
		baseLabel = "(empty tree)"
	}
	if next == nil {
		nextLabel = "(empty tree)"
	}
	var baseTree, nextTree plumbing.Hash
	if base != nil {
		baseTree = base.TreeHash
	}
	if next != nil {
		nextTree = next.TreeHash
	}
	if sp.message != nil {
		msg = *sp.message
	}
	res, err := r.pickMerge(ctx, il, keep, ours, baseTree, nextTree, baseLabel, nextLabel, o)
	if err != nil {
		return nil, err
	}
	out.messages = res.Messages
	out.conflicted = !res.Clean
	out.tree = res.Tree
	full := msg
	if !res.Clean {
		full += conflictsHint(res.Conflicts)
	}
	out.message = msg
	if err := writeStateFile(r.statePath(mergeMsgFile), full); err != nil {
		return nil, err
	}
	if (sp.kind == kindPick || sp.kind == kindReword || sp.kind == kindEdit) && !o.NoCommit {
		if err := writeStateFile(r.statePath(cherryPickHeadFile), c.Hash.String()+"\n"); err != nil {
			return nil, err
		}
	}
	if sp.kind == kindRevert && ((o.NoCommit && res.Clean) || !res.Clean) {
		if err := writeStateFile(r.statePath(revertHeadFile), c.Hash.String()+"\n"); err != nil {
			return nil, err
		}
	}
	if !res.Clean || o.NoCommit {
		return out, nil
	}

	// Empty results, as git's allow_empty decides.
	allowEmpty := false
	if res.Tree == treeOrEmpty(ours) || (ours.IsZero() && res.Tree == emptyTree) {
		if o.AllowEmpty {
			origEmpty := parent == nil && c.TreeHash == emptyTree || parent != nil && parent.TreeHash == c.TreeHash
			switch {
			case o.KeepRedundant || origEmpty:
				allowEmpty = true
			case o.DropRedundant:
				r.removeState(cherryPickHeadFile, mergeMsgFile)
				out.dropped = true
				out.commit = head
				return out, nil
			}
		}
		if !allowEmpty && !sp.amend {
			out.empty = true
			out.commit = head
			return out, nil
		}
	}

	if sp.deferCommit {
		return out, nil
	}
	// The commit: a pick keeps the author; a revert is the user's.
	var author gitobj.Signature
	if sp.kind == kindRevert {
		if author, err = r.Identity("author"); err != nil {
			return nil, err
		}
	} else {
		author = c.Author
	}
	parents := []plumbing.Hash{}
	if !unborn && !newRoot {
		parents = append(parents, head)
	}
	if sp.amend {
		hc, err := gitobj.GetCommit(r.Storer, head)
		if err != nil {
			return nil, err
		}
		parents = hc.ParentHashes
		author = hc.Author
	}
	cleanup := sp.cleanup
	if cleanup == "" {
		cleanup = "none"
		if o.RecordOrigin {
			cleanup = "space"
		}
	}
	msg = cleanupMode(msg, cleanup)
	id, err := r.commitWith(ctx, res.Tree, parents, author, msg, head, sp.reflogAction, sp.il != nil)
	if err != nil {
		return nil, err
	}
	r.removeState(cherryPickHeadFile, mergeMsgFile)
	out.commit, out.author = id, author
	return out, nil
}

// cleanupMode applies a git commit --cleanup mode.
func cleanupMode(msg, mode string) string {
	switch mode {
	case "space":
		return cleanupText(msg, false)
	case "strip":
		return cleanupText(msg, true)
	}
	return msg
}

// commitWith writes a commit with the given author (the committer is the
// current identity) and moves HEAD to it, logging "<action>: <subject>".
// With unsynced (a rebase's picks on a detached HEAD) the move of HEAD
// is not fsynced, as git does not sync refs by default; the branch update
// that ends the rebase is.
func (r *Repository) commitWith(ctx context.Context, tree plumbing.Hash, parents []plumbing.Hash, author gitobj.Signature, msg string, head plumbing.Hash, action string, unsynced bool) (plumbing.Hash, error) {
	committer, err := r.Identity("committer")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	c := &gitobj.Commit{Author: author, Committer: committer, Message: msg, TreeHash: tree, ParentHashes: parents}
	id, err := r.writeCommit(c)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	subject, _, _ := strings.Cut(msg, "\n")
	logMsg := subject
	if action != "" {
		logMsg = action + ": " + subject
	}
	if err := r.moveHeadTo(ctx, head, id, logMsg, unsynced); err != nil {
		return plumbing.ZeroHash, err
	}
	return id, nil
}

// moveHeadTo moves HEAD from old to new with a reflog line. unsynced
// applies to a detached HEAD only (a branch always goes through the
// synced ref transaction): its lock file is renamed into place without
// an fsync.
func (r *Repository) moveHeadTo(ctx context.Context, old, new plumbing.Hash, msg string, unsynced bool) error {
	if b, _ := r.HeadBranch(); b != "" || !unsynced {
		return r.UpdateRef(ctx, RefUpdate{Name: plumbing.HEAD, Old: old, New: new, CheckOld: true, Message: msg})
	}
	if old == new {
		return nil // as git's ref transaction: a detached HEAD that keeps its value logs nothing
	}
	path := r.refPath(plumbing.HEAD)
	f, err := os.OpenFile(path+".lock", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return &lockfile.LockedError{Path: path + ".lock"}
	}
	if err != nil {
		return err
	}
	_, werr := f.WriteString(new.String() + "\n")
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if cur, _ := r.Head(); werr == nil && cur != old {
		werr = &RefConflictError{Name: plumbing.HEAD, Expected: old, Actual: cur}
	}
	if werr == nil {
		w := reflogWriter{r: r}
		werr = w.append(plumbing.HEAD, old, new, msg)
	}
	if werr == nil {
		werr = os.Rename(path+".lock", path)
	}
	if werr != nil {
		os.Remove(path + ".lock")
	}
	return werr
}

// resetMerge is git reset --merge <to> as the sequencer runs it to abort
// or skip: the index and the work tree files that differ from HEAD (the
// conflict) go back to HEAD, then move to `to` as a checkout does, keeping
// local changes in other files; HEAD moves to `to` with msg, and the
// merge and pick state files are removed.
func (r *Repository) resetMerge(ctx context.Context, to plumbing.Hash, msg string) error {
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
	if to != head {
		if err := r.checkoutLocked(ctx, il.Index, head, to); err != nil {
			return err
		}
	}
	if err := il.Commit(); err != nil {
		return err
	}
	if err := r.ClearMergeState(); err != nil {
		return err
	}
	return r.moveHead(ctx, head, to, msg)
}

// writeStateFile replaces a sequencer state file (todo lists, messages,
// CHERRY_PICK_HEAD) atomically, by rename, but without the fsync lock
// files give refs and the index: like git, which does not sync them
// either, a crash loses at most the last step's note, never a commit.
func writeStateFile(path, data string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// seqPath is a file in .git/sequencer.
func (r *Repository) seqPath(name string) string { return r.gitPath(seqDir + "/" + name) }

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// errNoPick: no cherry-pick or revert in progress.
var ErrNoPickInProgress = errors.New("no cherry-pick or revert in progress")
