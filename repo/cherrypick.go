package repo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/lockfile"
)

// PickOptions describe a cherry-pick or a revert.
type PickOptions struct {
	ReplayOptions
	Revert bool
	// Single: one commit named on its own ("cherry-pick X"): no
	// .git/sequencer is written, as git does, so it can run inside a
	// stopped sequence.
	Single bool
	// Committed is called after each commit made (for the summary).
	Committed func(id plumbing.Hash, showDate bool)
	// Merged is called with the merge's messages after each pick that
	// merged ("Auto-merging f", "CONFLICT ..."), before Committed.
	Merged func(messages []string)
}

func (o PickOptions) action() string {
	if o.Revert {
		return "revert"
	}
	return "cherry-pick"
}

// pickAdvice is git's print_advice after a conflict.
func pickAdvice(action string, noCommit bool) []string {
	if noCommit {
		return []string{"after resolving the conflicts, mark the corrected paths", "with 'easel add <paths>' or 'easel rm <paths>'"}
	}
	return []string{
		"After resolving the conflicts, mark them with",
		"\"easel add/rm <pathspec>\", then run",
		"\"easel " + action + " --continue\".",
		"You can instead skip this commit with \"easel " + action + " --skip\".",
		"To abort and get back to the state before \"easel " + action + "\",",
		"run \"easel " + action + " --abort\".",
	}
}

func hintLines(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "hint: " + l
	}
	return out
}

// emptyPickStop is what git commit says when a pick left nothing to
// commit.
func (r *Repository) emptyPickStop(action string) *PickStopped {
	st := &PickStopped{Code: 1, NothingToCommit: true, InProgress: r.pickStatusSection()}
	if action == "revert" {
		return st
	}
	st.Stderr = []string{
		"The previous " + action + " is now empty, possibly due to conflict resolution.",
		"If you wish to commit it anyway, use:",
		"",
		"    easel commit --allow-empty",
		"",
		"Otherwise, please use 'easel " + action + " --skip'",
	}
	return st
}

// pickStatusSection is what git status says of a cherry-pick or revert in
// progress (wt_status's show_cherry_pick_in_progress and
// show_revert_in_progress, for a resolved index), ending in a blank line.
func (r *Repository) pickStatusSection() []string { return r.pickInProgress(false) }

// seqItem is one line of .git/sequencer/todo.
type seqItem struct {
	kind pickKind
	id   plumbing.Hash
	line string
}

// CherryPick picks (or reverts) commits onto HEAD in order. A conflict
// stops it with *PickStopped; .git/sequencer (unless Single) and
// CHERRY_PICK_HEAD/REVERT_HEAD then hold the state for Continue, Skip,
// Abort and Quit.
func (r *Repository) CherryPick(ctx context.Context, commits []plumbing.Hash, o PickOptions) error {
	if r.IsBare() {
		return ErrBareRepository
	}
	action := o.action()
	if len(commits) == 0 {
		return &SequencerError{Errors: []string{"empty commit set passed"}, Fatal: action + " failed"}
	}
	ab := r.NewAbbreviator()
	kind := kindPick
	if o.Revert {
		kind = kindRevert
	}
	if o.Single {
		c, err := gitobj.GetCommit(r.Storer, commits[0])
		if err != nil {
			return err
		}
		return r.runPicks(ctx, []seqItem{{kind: kind, id: c.Hash}}, o, ab, false)
	}
	items := make([]seqItem, 0, len(commits))
	for _, h := range commits {
		c, err := gitobj.GetCommit(r.Storer, h)
		if err != nil {
			return err
		}
		items = append(items, seqItem{kind: kind, id: h, line: fmt.Sprintf("%s %s %s", kind, ab.ShortID(h), commitSubject(c.Message))})
	}
	if err := r.createSeqDir(); err != nil {
		return err
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	if head.IsZero() && o.Revert {
		return &SequencerError{Errors: []string{"can't revert as initial commit"}, Fatal: action + " failed"}
	}
	if err := lockfile.WriteFile(r.seqPath("head"), []byte(head.String()+"\n"), 0o644); err != nil {
		return err
	}
	if err := r.saveSeqOpts(o.ReplayOptions); err != nil {
		return err
	}
	r.updateAbortSafety()
	return r.runPicks(ctx, items, o, ab, true)
}

// createSeqDir refuses when a sequence is in progress, as git's
// create_seq_dir.
func (r *Repository) createSeqDir() error {
	if items, err := r.readSeqTodo(); err == nil && len(items) > 0 {
		what := "cherry-pick"
		if items[0].kind == kindRevert {
			what = "revert"
		}
		skip := ""
		if r.refExists(cherryPickHeadFile) || r.refExists(revertHeadFile) {
			skip = "--skip | "
		}
		return &SequencerError{
			Errors: []string{what + " is already in progress"},
			Hints:  []string{fmt.Sprintf("try \"easel %s (--continue | %s--abort | --quit)\"", what, skip)},
			Fatal:  what + " failed",
		}
	}
	return os.MkdirAll(r.statePath(seqDir), 0o777)
}

// updateAbortSafety records HEAD after each step of a sequence, so that
// --abort does not rewind a HEAD the user moved meanwhile.
func (r *Repository) updateAbortSafety() {
	if _, err := os.Stat(r.statePath(seqDir)); err != nil {
		return
	}
	head, _ := r.Head()
	s := "\n"
	if !head.IsZero() {
		s = head.String() + "\n"
	}
	writeStateFile(r.seqPath("abort-safety"), s)
}

// runPicks is git's pick_commits for cherry-pick and revert.
func (r *Repository) runPicks(ctx context.Context, items []seqItem, o PickOptions, ab *Abbreviator, seq bool) error {
	action := o.action()
	for i, it := range items {
		if seq {
			if err := r.saveSeqTodo(items[i:]); err != nil {
				return err
			}
		}
		c, err := gitobj.GetCommit(r.Storer, it.id)
		if err != nil {
			return err
		}
		out, err := r.pick(ctx, pickSpec{kind: it.kind, commit: c, action: action, reflogAction: action, opts: o.ReplayOptions}, ab)
		r.updateAbortSafety()
		if err != nil {
			return err
		}
		if o.Merged != nil && !out.ff {
			o.Merged(out.messages)
		}
		if out.conflicted {
			verb := "could not apply"
			if it.kind == kindRevert {
				verb = "could not revert"
			}
			st := &PickStopped{Code: 1}
			advice := pickAdvice(action, o.NoCommit)
			// A porcelain that concludes the pick itself says so in
			// GIT_CHERRY_PICK_HELP; CHERRY_PICK_HEAD is then removed.
			if help := os.Getenv("GIT_CHERRY_PICK_HELP"); help != "" {
				advice = strings.Split(strings.TrimSuffix(help, "\n"), "\n")
				r.removeState(cherryPickHeadFile)
			}
			st.Stderr = append([]string{fmt.Sprintf("error: %s %s... %s", verb, out.label.short, out.label.subject)}, hintLines(advice)...)
			return st
		}
		if out.empty {
			return r.emptyPickStop(action)
		}
		if !o.NoCommit && !out.ff && o.Committed != nil {
			o.Committed(out.commit, true)
		}
	}
	if seq {
		return os.RemoveAll(r.statePath(seqDir))
	}
	return nil
}

func (r *Repository) saveSeqTodo(items []seqItem) error {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.line + "\n")
	}
	return writeStateFile(r.seqPath("todo"), b.String())
}

// readSeqTodo parses .git/sequencer/todo ("pick <id> <subject>" lines).
func (r *Repository) readSeqTodo() ([]seqItem, error) {
	f, err := os.Open(r.seqPath("todo"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var items []seqItem
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<24)
	ctx := context.Background()
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		t := strings.TrimLeft(line, " \t")
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		fields := strings.Fields(t)
		var kind pickKind
		switch fields[0] {
		case "pick", "p":
			kind = kindPick
		case "revert":
			kind = kindRevert
		default:
			return nil, fmt.Errorf("unusable instruction sheet: '%s'", r.seqPath("todo"))
		}
		if len(fields) < 2 {
			return nil, fmt.Errorf("unusable instruction sheet: '%s'", r.seqPath("todo"))
		}
		id, err := r.ResolveCommit(ctx, fields[1])
		if err != nil {
			return nil, fmt.Errorf("could not parse '%s': %w", fields[1], err)
		}
		items = append(items, seqItem{kind: kind, id: id, line: line})
	}
	return items, sc.Err()
}

// saveSeqOpts writes .git/sequencer/opts as git's save_opts does (a
// config file, keys in git's order).
func (r *Repository) saveSeqOpts(o ReplayOptions) error {
	var b strings.Builder
	add := func(k, v string) { fmt.Fprintf(&b, "\t%s = %s\n", k, v) }
	if o.NoCommit {
		add("no-commit", "true")
	}
	if o.AllowEmpty {
		add("allow-empty", "true")
	}
	if o.KeepRedundant {
		add("keep-redundant-commits", "true")
	}
	if o.Signoff {
		add("signoff", "true")
	}
	if o.RecordOrigin {
		add("record-origin", "true")
	}
	if o.AllowFF {
		add("allow-ff", "true")
	}
	if o.Mainline != 0 {
		add("mainline", strconv.Itoa(o.Mainline))
	}
	if o.Strategy != "" {
		add("strategy", o.Strategy)
	}
	for _, x := range o.StrategyOption {
		add("strategy-option", x)
	}
	s := ""
	if b.Len() > 0 {
		s = "[options]\n" + b.String()
	}
	if s == "" {
		return nil // git writes no file when there is nothing to say
	}
	return lockfile.WriteFile(r.seqPath("opts"), []byte(s), 0o644)
}

// readSeqOpts reads .git/sequencer/opts back.
func (r *Repository) readSeqOpts() (ReplayOptions, error) {
	var o ReplayOptions
	data, err := os.ReadFile(r.seqPath("opts"))
	if errors.Is(err, os.ErrNotExist) {
		return o, nil
	}
	if err != nil {
		return o, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		b := v == "true" || v == "yes" || v == "on" || v == "1"
		switch k {
		case "no-commit":
			o.NoCommit = b
		case "allow-empty":
			o.AllowEmpty = b
		case "keep-redundant-commits":
			o.KeepRedundant = b
		case "record-origin":
			o.RecordOrigin = b
		case "signoff":
			o.Signoff = b
		case "allow-ff":
			o.AllowFF = b
		case "mainline":
			o.Mainline, _ = strconv.Atoi(v)
		case "strategy-option":
			o.StrategyOption = append(o.StrategyOption, v)
		case "strategy":
			o.Strategy = v
		}
	}
	return o, nil
}

// PickInProgress says which of cherry-pick and revert has a sequence or a
// single stopped pick in progress ("" when none).
func (r *Repository) PickInProgress() string {
	if items, err := r.readSeqTodo(); err == nil && len(items) > 0 {
		if items[0].kind == kindRevert {
			return "revert"
		}
		return "cherry-pick"
	}
	if r.refExists(cherryPickHeadFile) {
		return "cherry-pick"
	}
	if r.refExists(revertHeadFile) {
		return "revert"
	}
	return ""
}

// ContinuePick concludes a stopped pick (committing the resolved index,
// as git commit --no-edit --cleanup=strip) and goes on with the rest of
// the sequence.
func (r *Repository) ContinuePick(ctx context.Context, o PickOptions) error {
	action := o.action()
	items, err := r.readSeqTodo()
	if errors.Is(err, os.ErrNotExist) {
		return r.continueSinglePick(ctx, o)
	}
	if err != nil {
		return err
	}
	if len(items) > 0 && (items[0].kind == kindRevert) != o.Revert {
		if o.Revert {
			return &SequencerError{Errors: []string{"cannot revert during a cherry-pick."}, Fatal: action + " failed"}
		}
		return &SequencerError{Errors: []string{"cannot cherry-pick during a revert."}, Fatal: action + " failed"}
	}
	ro, err := r.readSeqOpts()
	if err != nil {
		return err
	}
	o.ReplayOptions = ro
	if r.refExists(cherryPickHeadFile) || r.refExists(revertHeadFile) {
		if err := r.continueSinglePick(ctx, o); err != nil {
			return err
		}
	}
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	head, err := r.Head()
	if err == nil {
		var tree plumbing.Hash
		if tree, err = r.commitTree(head); err == nil {
			if r.indexMatchesTree(il.Index, treeOrEmpty(tree)) != nil {
				err = r.errDirtyIndex(action, HasUnmerged(il.Index))
			}
		}
	}
	il.Rollback()
	if err != nil {
		return err
	}
	if len(items) > 0 {
		items = items[1:]
	}
	return r.runPicks(ctx, items, o, r.NewAbbreviator(), true)
}

// continueSinglePick commits the resolved pick: the message from
// MERGE_MSG with comments stripped, the author from CHERRY_PICK_HEAD (a
// revert's is the user), as git commit does during a cherry-pick.
func (r *Repository) continueSinglePick(ctx context.Context, o PickOptions) error {
	action := o.action()
	pickHead, picking := r.readHeadFile(cherryPickHeadFile)
	_, reverting := r.readHeadFile(revertHeadFile)
	if !picking && !reverting {
		return &SequencerError{Errors: []string{"no cherry-pick or revert in progress"}, Fatal: action + " failed", Err: ErrNoPickInProgress}
	}
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	defer il.Rollback()
	if HasUnmerged(il.Index) {
		return &SequencerError{
			Errors: []string{"Committing is not possible because you have unmerged files."},
			Hints:  []string{"Fix them up in the work tree, and then use 'easel add/rm <file>'", "as appropriate to mark resolution and make a commit."},
			Fatal:  "Exiting because of an unresolved conflict.", Err: ErrUnmergedPaths,
		}
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	tree, err := r.WriteTree(il.Index)
	if err != nil {
		return err
	}
	var headTree plumbing.Hash
	if !head.IsZero() {
		if headTree, err = r.commitTree(head); err != nil {
			return err
		}
	}
	what := "cherry-pick"
	if !picking {
		what = "revert"
	}
	if tree == treeOrEmpty(headTree) {
		return r.emptyPickStop(what)
	}
	data, _ := os.ReadFile(r.statePath(mergeMsgFile))
	msg := cleanupText(string(data), true)
	if msg == "" {
		return ErrEmptyMessage
	}
	var author gitobj.Signature
	if picking {
		pc, err := gitobj.GetCommit(r.Storer, pickHead)
		if err != nil {
			return err
		}
		author = pc.Author
	} else if author, err = r.Identity("author"); err != nil {
		return err
	}
	var parents []plumbing.Hash
	if !head.IsZero() {
		parents = []plumbing.Hash{head}
	}
	il.Rollback()
	// git commit's reflog message during a cherry-pick.
	kind := "commit"
	if picking {
		kind = "commit (cherry-pick)"
	} else if head.IsZero() {
		kind = "commit (initial)"
	}
	id, err := r.commitWith(ctx, tree, parents, author, msg, head, kind, false)
	if err != nil {
		return err
	}
	r.removeState(cherryPickHeadFile, revertHeadFile, mergeMsgFile, "AUTO_MERGE")
	// git's sequencer_post_commit_cleanup: the last pick of a sequence
	// done ends it.
	if items, err := r.readSeqTodo(); err == nil && len(items) <= 1 {
		os.RemoveAll(r.statePath(seqDir))
	}
	// git commit shows the author date when it comes from
	// CHERRY_PICK_HEAD.
	if o.Committed != nil {
		o.Committed(id, picking)
	}
	return nil
}

// SkipPick drops the stopped pick (reset --merge to HEAD) and goes on with
// the rest of the sequence.
func (r *Repository) SkipPick(ctx context.Context, o PickOptions) error {
	action := o.action()
	headFile := cherryPickHeadFile
	if o.Revert {
		headFile = revertHeadFile
	}
	if !r.refExists(headFile) {
		items, _ := r.readSeqTodo()
		if len(items) == 0 || (items[0].kind == kindRevert) != o.Revert {
			return &SequencerError{Errors: []string{"no " + action + " in progress"}, Fatal: action + " failed", Err: ErrNoPickInProgress}
		}
		if !r.rollbackIsSafe() {
			return &SequencerError{Errors: []string{"there is nothing to skip"}, Hints: []string{"have you committed already?", "try \"easel " + action + " --continue\""}, Fatal: action + " failed"}
		}
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	if err := r.resetMerge(ctx, head, "reset: moving to "+head.String()); err != nil {
		return err
	}
	if _, err := os.Stat(r.statePath(seqDir)); err != nil {
		return nil
	}
	return r.ContinuePick(ctx, o)
}

// rollbackIsSafe: HEAD is where the sequence last left it.
func (r *Repository) rollbackIsSafe() bool {
	data, err := os.ReadFile(r.seqPath("abort-safety"))
	var expected plumbing.Hash
	if err == nil {
		if s := strings.TrimSpace(string(data)); len(s) == 40 {
			expected = plumbing.NewHash(s)
		}
	}
	head, _ := r.Head()
	return head == expected
}

// AbortPick gives up the sequence (or the single stopped pick): HEAD, the
// index and the work tree go back to where they were, as git's reset
// --merge; a HEAD moved meanwhile is left alone with a warning, returned
// as the string.
func (r *Repository) AbortPick(ctx context.Context, o PickOptions) (string, error) {
	action := o.action()
	data, err := os.ReadFile(r.seqPath("head"))
	if errors.Is(err, os.ErrNotExist) {
		if !r.refExists(cherryPickHeadFile) && !r.refExists(revertHeadFile) {
			return "", &SequencerError{Errors: []string{"no cherry-pick or revert in progress"}, Fatal: action + " failed", Err: ErrNoPickInProgress}
		}
		head, err := r.Head()
		if err != nil {
			return "", err
		}
		if head.IsZero() {
			return "", &SequencerError{Errors: []string{"cannot abort from a branch yet to be born"}, Fatal: action + " failed"}
		}
		return "", r.resetMerge(ctx, head, "reset: moving to "+head.String())
	}
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(data))
	if len(s) != 40 || !isHex(s) {
		return "", &SequencerError{Errors: []string{fmt.Sprintf("stored pre-cherry-pick HEAD file '%s' is corrupt", r.seqPath("head"))}, Fatal: action + " failed", Err: ErrCorruptObject}
	}
	orig := plumbing.NewHash(s)
	if orig.IsZero() {
		return "", &SequencerError{Errors: []string{"cannot abort from a branch yet to be born"}, Fatal: action + " failed"}
	}
	warn := ""
	if !r.rollbackIsSafe() {
		warn = "You seem to have moved HEAD. Not rewinding, check your HEAD!"
	} else if err := r.resetMerge(ctx, orig, "reset: moving to "+orig.String()); err != nil {
		return "", err
	}
	return warn, os.RemoveAll(r.statePath(seqDir))
}

// QuitPick forgets the sequence in progress, leaving HEAD, the index and
// the work tree as they are.
func (r *Repository) QuitPick() error {
	if err := os.RemoveAll(r.statePath(seqDir)); err != nil {
		return err
	}
	return r.ClearMergeState()
}
