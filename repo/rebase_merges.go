package repo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/gitobj"
)

// rebase --rebase-merges: the todo list recreates the branch structure
// with label, reset and merge commands, as git's make_script_with_merges
// writes it, and the sequencer runs those commands as git's do_label,
// do_reset and do_merge do. Labels are refs under refs/rewritten/, listed
// in rebase-merge/refs-to-delete and deleted when the rebase ends.

const rewrittenPrefix = "refs/rewritten/"

// mergeLabels is git's label_state: the label of each labelled commit and
// the labels in use.
type mergeLabels struct {
	byCommit map[plumbing.Hash]string
	used     map[string]bool
	ab       *Abbreviator
}

// label returns the label of id, making one from want (sanitised as git
// does: runs of characters other than letters, digits and non-ASCII bytes
// become one dash) or, without want, from the shortest unique id that is
// not a label already.
func (l *mergeLabels) label(id plumbing.Hash, want string) string {
	if s, ok := l.byCommit[id]; ok {
		return s
	}
	var s string
	if want == "" {
		s = l.ab.ShortID(id)
		if l.used[s] {
			full := id.String()
			for n := len(s) + 1; n < len(full); n++ {
				if !l.used[full[:n]] {
					s = full[:n]
					break
				}
			}
		}
	} else {
		var b strings.Builder
		for i := 0; i < len(want); i++ {
			c := want[i]
			switch {
			case c&0x80 != 0 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9'):
				b.WriteByte(c)
			case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
				b.WriteByte('-')
			}
		}
		s = b.String()
		if s == "" {
			s = "rev-" + l.ab.ShortID(id)
		}
		if _, isHex := parseFullHex(s); isHex || s == "#" || l.used[s] {
			for n := 2; ; n++ {
				if c := fmt.Sprintf("%s-%d", s, n); !l.used[c] {
					s = c
					break
				}
			}
		}
	}
	l.used[s] = true
	l.byCommit[id] = s
	return s
}

func parseFullHex(s string) (plumbing.Hash, bool) {
	if len(s) != 40 {
		return plumbing.ZeroHash, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.NewHash(strings.ToLower(s)), true
}

// mergeBranchLabel is the label git derives from a merge's subject: the
// branch name of "Merge branch 'x'", the source of "Merge pull request
// #n from x", or the whole subject.
func mergeBranchLabel(subject string) string {
	if rest, ok := strings.CutPrefix(subject, "Merge "); ok {
		if i := strings.IndexByte(rest, '\''); i >= 0 {
			if j := strings.IndexByte(rest[i+1:], '\''); j >= 0 {
				return rest[i+1 : i+1+j]
			}
		}
	}
	if rest, ok := strings.CutPrefix(subject, "Merge pull request "); ok {
		if _, from, ok := strings.Cut(rest, " from "); ok {
			return from
		}
	}
	return subject
}

// mergesScript is git's make_script_with_merges. commits are the commits
// to rebase, parents before children (merges included); skip holds those
// whose change upstream already has (they are walked, never picked);
// ontoBase is the first merge base of upstream and the branch, which the
// todo list calls "onto". With cousins (--rebase-merges=rebase-cousins)
// branches that start below the merge base start at onto too.
func (r *Repository) mergesScript(commits []*gitobj.Commit, skip map[plumbing.Hash]bool, ontoBase plumbing.Hash, cousins bool, ab *Abbreviator) string {
	labels := &mergeLabels{byCommit: map[plumbing.Hash]string{}, used: map[string]bool{}, ab: ab}
	if !ontoBase.IsZero() {
		labels.byCommit[ontoBase] = "onto"
		labels.used["onto"] = true
	}
	interesting := map[plumbing.Hash]*gitobj.Commit{}
	todo := map[plumbing.Hash]string{}
	var tips []*gitobj.Commit

	// First phase: a todo line for each commit; the tips of merged
	// branches are labelled after the merge that takes them.
	for _, c := range commits {
		interesting[c.Hash] = c
		if skip[c.Hash] {
			continue
		}
		subject := oneline(c.Message)
		if len(c.ParentHashes) < 2 {
			line := "pick " + c.Hash.String() + " " + subject
			if r.originallyEmpty(c) {
				line += " # empty"
			}
			todo[c.Hash] = line
			continue
		}
		want := mergeBranchLabel(subject)
		var b strings.Builder
		b.WriteString("merge -C " + c.Hash.String())
		for _, p := range c.ParentHashes[1:] {
			b.WriteByte(' ')
			pc, ok := interesting[p]
			if !ok {
				b.WriteString(labels.label(p, ""))
				continue
			}
			tips = append(tips, pc)
			b.WriteString(labels.label(p, want))
		}
		b.WriteString(" # " + subject)
		todo[c.Hash] = b.String()
	}

	// Second phase: branch points get labels; the last commit (the
	// branch's own tip) is a tip too.
	childSeen := map[plumbing.Hash]bool{}
	for i, c := range commits {
		for _, p := range c.ParentHashes {
			if _, ok := interesting[p]; !ok {
				continue
			}
			if !childSeen[p] {
				childSeen[p] = true
			} else {
				labels.label(p, "branch-point")
			}
		}
		if i == len(commits)-1 {
			tips = append(tips, c)
		}
	}

	// Third phase: from each tip, the commits not yet shown down its
	// first-parent line, oldest first, after a reset to where they start.
	var out strings.Builder
	out.WriteString("label onto\n")
	shown := map[plumbing.Hash]bool{}
	for _, tip := range tips {
		if shown[tip.Hash] {
			continue
		}
		if l, ok := labels.byCommit[tip.Hash]; ok {
			out.WriteString("\n# Branch " + l + "\n")
		} else {
			out.WriteString("\n")
		}
		var list []*gitobj.Commit
		c := tip
		var start plumbing.Hash
		root := false
		for {
			ic, ok := interesting[c.Hash]
			if !ok || shown[c.Hash] {
				start = c.Hash
				break
			}
			list = append(list, ic)
			if len(ic.ParentHashes) == 0 {
				root = true
				break
			}
			pid := ic.ParentHashes[0]
			if pc, ok := interesting[pid]; ok {
				c = pc
			} else {
				start = pid
				break
			}
		}
		switch {
		case root && cousins:
			out.WriteString("reset onto\n")
		case root:
			out.WriteString("reset [new root]\n")
		default:
			to, ok := labels.byCommit[start]
			if !ok && !cousins {
				to = labels.label(start, "")
			}
			if to == "" || to == "onto" {
				out.WriteString("reset onto\n")
			} else {
				subject := ""
				if sc, err := r.CommitObject(start); err == nil {
					subject = oneline(sc.Message)
				}
				out.WriteString("reset " + to + " # " + subject + "\n")
			}
		}
		for i := len(list) - 1; i >= 0; i-- {
			id := list[i].Hash
			if line, ok := todo[id]; ok {
				out.WriteString(line + "\n")
			}
			if l, ok := labels.byCommit[id]; ok {
				out.WriteString("label " + l + "\n")
			}
			shown[id] = true
		}
	}
	return out.String()
}

// labelName is a label argument up to its first white space.
func labelName(arg string) string {
	if i := strings.IndexAny(arg, " \t"); i >= 0 {
		return arg[:i]
	}
	return arg
}

// doLabel is git's do_label: refs/rewritten/<name> names HEAD.
func (r *Repository) doLabel(ctx context.Context, name string) error {
	if name == "#" {
		return &SequencerError{Errors: []string{fmt.Sprintf("illegal label name: '%s'", name)}}
	}
	head, err := r.Head()
	if err != nil || head.IsZero() {
		return &SequencerError{Errors: []string{"could not read HEAD"}}
	}
	ref := plumbing.ReferenceName(rewrittenPrefix + name)
	if err := r.UpdateRef(ctx, RefUpdate{Name: ref, New: head, Message: "rebase (label) '" + name + "'"}); err != nil {
		return &SequencerError{Errors: []string{err.Error()}}
	}
	return r.appendRebaseLine("refs-to-delete", ref.String())
}

// appendRebaseLine adds a line to a file of the rebase state.
func (r *Repository) appendRebaseLine(name, line string) error {
	data, err := os.ReadFile(r.rebasePath(name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	s := string(data)
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return r.writeRebaseFile(name, s+line+"\n")
}

// lookupLabel is git's lookup_label: exactly refs/rewritten/<label>,
// else the label read as a revision, which must name a commit.
func (r *Repository) lookupLabel(ctx context.Context, label string) (plumbing.Hash, string, error) {
	ref := rewrittenPrefix + label
	id, err := r.ResolveRef(plumbing.ReferenceName(ref))
	name := ref
	if err != nil || id.IsZero() {
		if id, err = r.ResolveRevision(ctx, label); err != nil {
			return plumbing.ZeroHash, "", &SequencerError{Errors: []string{fmt.Sprintf("could not resolve '%s'", label)}}
		}
		name = label
	}
	if t, _, err := r.Objects.Info(id); err == nil && t != plumbing.CommitObject && t != plumbing.TagObject {
		return plumbing.ZeroHash, "", &SequencerError{Errors: []string{fmt.Sprintf("object %s is a %s, not a commit", id, t), fmt.Sprintf("could not resolve '%s'", label)}}
	}
	if id, err = r.ResolveCommit(ctx, id.String()); err != nil {
		return plumbing.ZeroHash, "", &SequencerError{Errors: []string{fmt.Sprintf("could not resolve '%s'", label)}}
	}
	return id, name, nil
}

// doReset is git's do_reset: the index, the work tree and HEAD move to a
// label.
func (r *Repository) doReset(ctx context.Context, st *rebaseState, arg string) error {
	name := labelName(arg)
	var to plumbing.Hash
	if strings.HasPrefix(arg, "[new root]") {
		// A fake root: an empty commit of the empty tree, made once per
		// rebase and named in squash-onto; what is picked onto it
		// becomes a root commit.
		name = "[new root]"
		s, _ := r.readRebaseLine("squash-onto")
		if to, _ = parseFullHex(s); to.IsZero() {
			who, err := r.Identity("committer")
			if err != nil {
				return err
			}
			if _, err := r.emptyTree(); err != nil {
				return err
			}
			if to, err = r.writeCommit(&gitobj.Commit{Author: who, Committer: who, TreeHash: emptyTree}); err != nil {
				return &SequencerError{Errors: []string{"writing fake root commit"}}
			}
			if err := r.writeRebaseFile("squash-onto", to.String()); err != nil {
				return err
			}
		}
	} else {
		var err error
		if to, _, err = r.lookupLabel(ctx, name); err != nil {
			return err
		}
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	defer il.Rollback()
	if HasUnmerged(il.Index) {
		return errResolveConflict("rebase")
	}
	if err := r.checkoutLocked(ctx, il.Index, head, to); err != nil {
		return err
	}
	if err := il.Commit(); err != nil {
		return err
	}
	return r.moveHeadTo(ctx, head, to, st.base+" (reset): '"+name+"'", true)
}

// doMerge is git's do_merge for one merge head: the original merge (-C
// or -c) gives the message and author; a merge whose parents are
// unchanged is fast-forwarded to; a head HEAD already contains is
// skipped. A conflict stops the rebase as a pick's does.
func (r *Repository) doMerge(ctx context.Context, st *rebaseState, it todoItem, ab *Abbreviator) error {
	heads, oneline := it.arg, ""
	if i := strings.Index(" "+heads, " # "); i >= 0 {
		heads, oneline = strings.TrimSpace(heads[:max(i-1, 0)]), strings.TrimSpace(heads[i+2:])
	}
	if strings.HasPrefix(heads, "# ") || heads == "#" {
		heads = ""
	}
	names := strings.Fields(heads)
	if len(names) == 0 {
		return &SequencerError{Errors: []string{fmt.Sprintf("nothing to merge: '%s'", it.arg)}}
	}
	if len(names) > 1 || st.opts.Strategy != "" || len(st.opts.StrategyOption) > 0 {
		return r.doMergeCommand(ctx, st, it, ab, heads, names, oneline)
	}
	theirs, theirsName, err := r.lookupLabel(ctx, names[0])
	if err != nil {
		if se, ok := err.(*SequencerError); ok {
			se.Errors = append(se.Errors, fmt.Sprintf("unable to parse '%s'", names[0]))
		}
		return err
	}
	head, err := r.Head()
	if err != nil || head.IsZero() {
		return &SequencerError{Errors: []string{"cannot merge without a current revision"}}
	}
	if r.isSquashOnto(head) {
		// A merge into [new root] is a fast-forward to the merge head.
		if err := r.UpdateIndex(func(idx *index.Index) error { return r.checkoutLocked(ctx, idx, head, theirs) }); err != nil {
			return err
		}
		return r.moveHeadTo(ctx, head, theirs, st.base+": fast-forward", true)
	}
	var orig *gitobj.Commit
	if !it.id.IsZero() {
		if orig, err = r.CommitObject(it.id); err != nil {
			return err
		}
	}
	// The original merge, when nothing under it changed.
	if done, err := r.fastForwardToOriginal(ctx, st, it, head, orig, []plumbing.Hash{theirs}); done || err != nil {
		return err
	}
	author, msg, err := r.redoneMergeIdentity(orig, oneline, "Merge branch '"+heads+"'")
	if err != nil {
		return err
	}
	if err := r.writeAuthorScript(author); err != nil {
		return err
	}
	if err := writeStateFile(r.statePath(mergeMsgFile), msg); err != nil {
		return err
	}
	bases, err := r.mergeBases(ctx, head, theirs)
	if err != nil {
		return err
	}
	if len(bases) > 0 && bases[0] == theirs {
		return nil // HEAD already has it
	}
	if err := writeStateFile(r.statePath(mergeHeadFile), theirs.String()+"\n"); err != nil {
		return err
	}
	if err := writeStateFile(r.statePath("MERGE_MODE"), "no-ff"); err != nil {
		return err
	}
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	defer il.Rollback()
	ours, err := r.commitTree(head)
	if err != nil {
		return err
	}
	res, _, err := merge.MergeCommits(ctx, r.Storer, head, theirs, merge.Options{
		OursName: "HEAD", TheirsName: theirsName, ConflictStyle: r.conflictStyle(MergeOptions{}),
		DirRenames: r.mergeDirRenames(),
	})
	if err != nil {
		return &SequencerError{Errors: []string{fmt.Sprintf("could not even attempt to merge '%s'", heads)}}
	}
	if err := r.unpackTrees(ctx, il.Index, treeMove{op: "merge", from: ours, to: res.Tree, conflicts: res.Conflicts}); err != nil {
		return err
	}
	if err := il.Commit(); err != nil {
		return err
	}
	if !res.Clean {
		if err := writeStateFile(r.statePath("AUTO_MERGE"), res.Tree.String()+"\n"); err != nil {
			return err
		}
		fmt.Fprint(st.out, joinLines(res.Messages))
		return r.mergeLineStopped(ctx, orig, ab, it, msg, 1)
	}
	if _, err := r.commitWith(ctx, res.Tree, []plumbing.Hash{head, theirs}, author, msg, head, cmp.Or(st.pickAction, st.base), true); err != nil {
		return err
	}
	r.removeState(mergeHeadFile, "MERGE_MODE", mergeMsgFile, "AUTO_MERGE")
	return r.editMergeMessage(ctx, st, it)
}

// editMergeMessage opens the editor on the merge just made for "merge -c".
func (r *Repository) editMergeMessage(ctx context.Context, st *rebaseState, it todoItem) error {
	if it.flag != "-c" {
		return nil
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	tree, err := r.commitTree(head)
	if err != nil {
		return err
	}
	id, err := r.amendWithEditor(ctx, st.base+" (merge)", tree, false)
	if err != nil {
		return err
	}
	if st.committed != nil {
		st.committed(id, true)
	}
	return nil
}

// deleteRewrittenRefs removes the labels a rebase made (git's
// sequencer_remove_state).
func (r *Repository) deleteRewrittenRefs(ctx context.Context) {
	data, err := os.ReadFile(r.rebasePath("refs-to-delete"))
	if err != nil {
		return
	}
	for _, name := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if strings.HasPrefix(name, rewrittenPrefix) {
			r.UpdateRef(ctx, RefUpdate{Name: plumbing.ReferenceName(name)})
		}
	}
}

// removeRebaseState ends a rebase: its labels, then its state directory.
func (r *Repository) removeRebaseState(ctx context.Context) error {
	r.deleteRewrittenRefs(ctx)
	return os.RemoveAll(r.gitPath(rebaseDir))
}

// rescheduleTodo puts items[i], a command that failed (a label, reset or
// merge that did nothing, an exec with --reschedule-failed-exec), back at
// the front of the todo list, as git reschedules them: the done list
// keeps it, and as git's save_todo after stepping back, gets the command
// before it once more. A merge -C/-c leaves its patch as a stopped pick.
func (r *Repository) rescheduleTodo(ctx context.Context, items []todoItem, i int) {
	it := items[i]
	var b strings.Builder
	for _, x := range items[i:] {
		b.WriteString(todoLine(x) + "\n")
	}
	r.writeRebaseFile("git-rebase-todo", b.String())
	if i > 0 {
		r.appendDone(todoLine(items[i-1]))
	}
	if !it.id.IsZero() {
		if c, err := r.CommitObject(it.id); err == nil {
			r.makePatch(ctx, c)
		}
	}
}

// isSquashOnto reports whether id is the fake root of this rebase's
// "reset [new root]".
func (r *Repository) isSquashOnto(id plumbing.Hash) bool {
	s, ok := r.readRebaseLine("squash-onto")
	return ok && s == id.String()
}

// doMergeCommand is do_merge for an octopus ("merge -C <id> a b") or a
// rebase with -s: git runs "git merge -s <strategy|octopus> --no-ff
// --no-edit --no-stat -F MERGE_MSG <heads>" with the original's author;
// here the same merge runs in process. A merge whose parents are all
// unchanged is fast-forwarded to; conflicts stop the rebase with every
// head in MERGE_HEAD for --continue.
func (r *Repository) doMergeCommand(ctx context.Context, st *rebaseState, it todoItem, ab *Abbreviator, arg string, names []string, oneline string) error {
	ids := make([]plumbing.Hash, len(names))
	for i, n := range names {
		id, _, err := r.lookupLabel(ctx, n)
		if err != nil {
			if se, ok := err.(*SequencerError); ok {
				se.Errors = append(se.Errors, fmt.Sprintf("unable to parse '%s'", n))
			}
			return err
		}
		ids[i] = id
	}
	head, err := r.Head()
	if err != nil || head.IsZero() {
		return &SequencerError{Errors: []string{"cannot merge without a current revision"}}
	}
	var orig *gitobj.Commit
	if !it.id.IsZero() {
		if orig, err = r.CommitObject(it.id); err != nil {
			return err
		}
	}
	// git's can_fast_forward: HEAD is the original's first parent and
	// the heads are its other parents, in order.
	if done, err := r.fastForwardToOriginal(ctx, st, it, head, orig, ids); done || err != nil {
		return err
	}
	kind := "branch"
	if len(names) > 1 {
		kind = "branches"
	}
	author, msg, err := r.redoneMergeIdentity(orig, oneline, fmt.Sprintf("Merge %s '%s'", kind, arg))
	if err != nil {
		return err
	}
	if err := r.writeAuthorScript(author); err != nil {
		return err
	}
	heads := make([]MergeHead, len(ids))
	for i, id := range ids {
		heads[i] = MergeHead{Hash: id, Name: id.String(), Kind: "commit"}
	}
	// git's rebase reads -X without -s as -s ort.
	strategy := st.opts.Strategy
	if strategy == "" && len(st.opts.StrategyOption) > 0 {
		strategy = StrategyOrt
	}
	var xopts []string
	if strategy != "" {
		xopts = st.opts.StrategyOption
	} else {
		strategy = StrategyOctopus
	}
	mo := MergeOptions{Heads: heads, Strategies: []string{strategy}, NoFF: true, Message: msg, Author: &author,
		ReflogAction: cmp.Or(st.pickAction, st.base), XOpts: xopts, Out: st.out, Err: st.err}
	for _, x := range xopts {
		switch {
		case x == merge.FavorOurs, x == merge.FavorTheirs:
			mo.Favor = x
		case x == "no-renames":
			mo.NoRenames = true
		case x == "subtree":
			mo.SubtreeShift = "-"
		case strings.HasPrefix(x, "subtree="):
			mo.SubtreeShift = strings.TrimPrefix(x, "subtree=")
		}
	}
	stopped := func(code int) error { return r.mergeLineStopped(ctx, orig, ab, it, msg, code) }
	r.removeState(cherryPickHeadFile)
	out, err := r.Merge(ctx, mo)
	var se *StrategyError
	if errors.As(err, &se) {
		fmt.Fprint(st.out, joinLines(se.Output))
		fmt.Fprint(st.err, joinLines(append(se.Stderr, se.Error())))
		return stopped(2)
	}
	if err != nil {
		return err
	}
	fmt.Fprint(st.out, joinLines(out.Messages))
	fmt.Fprint(st.err, joinLines(out.ErrMessages))
	switch out.Kind {
	case MergeConflicted:
		fmt.Fprintln(st.out, "Automatic merge failed; fix conflicts and then commit the result.")
		return stopped(1)
	case MergeCommitted:
		fmt.Fprintf(st.out, "Merge made by the '%s' strategy.\n", out.Strategy)
		r.removeState(mergeMsgFile)
	}
	return r.editMergeMessage(ctx, st, it)
}

// fastForwardToOriginal is git's can_fast_forward for a merge line: when
// the original merge's parents are HEAD and then the heads, in order, the
// rebase moves to the original instead of redoing it. done reports that
// it did.
func (r *Repository) fastForwardToOriginal(ctx context.Context, st *rebaseState, it todoItem, head plumbing.Hash, orig *gitobj.Commit, heads []plumbing.Hash) (bool, error) {
	if !st.opts.AllowFF || orig == nil || len(orig.ParentHashes) != len(heads)+1 || orig.ParentHashes[0] != head {
		return false, nil
	}
	for i, h := range heads {
		if orig.ParentHashes[i+1] != h {
			return false, nil
		}
	}
	if err := r.UpdateIndex(func(idx *index.Index) error { return r.checkoutLocked(ctx, idx, head, orig.Hash) }); err != nil {
		return true, err
	}
	if err := r.moveHeadTo(ctx, head, orig.Hash, st.base+": fast-forward", true); err != nil {
		return true, err
	}
	return true, r.editMergeMessage(ctx, st, it)
}

// redoneMergeIdentity is the author and message of a merge the rebase
// makes again: the original's, or for a merge line without one ("merge
// <label>") the current author and the line's one-line message, else
// def, git's "Merge branch '<label>'".
func (r *Repository) redoneMergeIdentity(orig *gitobj.Commit, oneline, def string) (gitobj.Signature, string, error) {
	if orig != nil {
		return orig.Author, strings.TrimLeft(orig.Message, "\n"), nil
	}
	author, err := r.Identity("author")
	if err != nil {
		return gitobj.Signature{}, "", err
	}
	if oneline == "" {
		oneline = def
	}
	return author, oneline, nil
}

// mergeLineStopped stops the rebase at a merge line that conflicted, as
// git does: the original's patch kept for the user (or, for a new merge,
// its message), and "Could not apply"/"Could not merge" on stderr.
func (r *Repository) mergeLineStopped(ctx context.Context, orig *gitobj.Commit, ab *Abbreviator, it todoItem, msg string, code int) error {
	if orig != nil {
		if err := r.makePatch(ctx, orig); err != nil {
			return err
		}
		return &PickStopped{Code: code, Stderr: []string{fmt.Sprintf("Could not apply %s... %s", ab.ShortID(orig.Hash), it.arg)}}
	}
	if err := r.writeRebaseFile("message", msg); err != nil {
		return err
	}
	return &PickStopped{Code: code, Stderr: []string{fmt.Sprintf("Could not merge %s", it.arg)}}
}
