package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/patch"
)

// rebase keeps its state in .git/rebase-merge as git's merge backend
// does (git rebase and rebase -i both use it), so either tool continues,
// skips or aborts a rebase the other started.
const rebaseDir = "rebase-merge"

// Errors of rebase.
var (
	ErrNoRebase         = errors.New("No rebase in progress?")
	ErrRebaseInProgress = errors.New("a rebase is in progress")
)

// RebaseOptions describe a rebase.
type RebaseOptions struct {
	Upstream     plumbing.Hash
	UpstreamName string
	// Onto is where the commits go (Upstream when zero); OntoName as the
	// user spelled it, for the reflog ("rebase (start): checkout main").
	Onto     plumbing.Hash
	OntoName string
	// Branch, when set, is checked out first (rebase <upstream> <branch>).
	Branch         string
	Interactive    bool
	Force          bool // --force-rebase: no fast-forward over unchanged commits
	Autostash      bool
	Autosquash     bool
	Exec           []string
	Quiet          bool
	StrategyOption []string
	// Strategy is -s (see ReplayOptions.Strategy).
	Strategy string
	// Root rebases every commit of the branch (--root): there is no
	// upstream; without Onto the commits are replayed onto a fake empty
	// root, so that the first one becomes a root commit again.
	Root bool
	// NoVerify skips the pre-rebase hook, which is otherwise given the
	// upstream as named ("--root" with Root) and the branch argument.
	NoVerify bool
	// ReapplyCherryPicks keeps commits whose change upstream has.
	ReapplyCherryPicks bool
	// ForkPoint, when set, also hides the commits it reaches (git's
	// --fork-point): commits an upstream rewrite dropped stay dropped.
	ForkPoint plumbing.Hash
	// RebaseMerges keeps the branch structure (label, reset and merge
	// commands); RebaseCousins also moves branches that start below the
	// merge base onto onto.
	RebaseMerges, RebaseCousins bool
	// RescheduleFailedExec puts an exec that failed back on the todo
	// list (--reschedule-failed-exec, rebase.rescheduleFailedExec).
	RescheduleFailedExec bool
	// Signoff adds the committer's Signed-off-by to every commit picked
	// (and so implies Force, as git's).
	Signoff bool
	// ReflogAction starts the reflog messages ("rebase" by default; git
	// pull --rebase's is "pull --rebase"): "<action> (start): checkout".
	ReflogAction string
	// Committed is called for the commits git makes through git commit
	// (after an editor, on --continue), which print a summary.
	Committed func(id plumbing.Hash, showDate bool)
	// Out and Err receive what git prints on standard output and error.
	Out, Err io.Writer
}

// rebaseState is what .git/rebase-merge holds between commands.
type rebaseState struct {
	headName    string // "refs/heads/x" or "detached HEAD"
	onto        plumbing.Hash
	origHead    plumbing.Hash
	quiet       bool
	interactive bool // an explicit -i (no drop_redundant_commits)
	opts        ReplayOptions
	action      string // reflog action: "rebase", "rebase (continue)" ...
	base        string // start of the pick and finish reflog messages
	out, err    io.Writer
	// committed reports a commit git makes with git commit (and so
	// summarizes on stdout); showDate when amending.
	committed func(id plumbing.Hash, showDate bool)
	// rescheduleExec: a failed exec goes back on the todo list.
	rescheduleExec bool
	// pickAction is the reflog action of the last pick this process ran
	// ("rebase (pick)"): git's merge commits reuse it, or the base
	// action before any pick.
	pickAction string
}

func (r *Repository) rebasePath(name string) string {
	return r.gitPath(rebaseDir + "/" + name)
}

func (r *Repository) writeRebaseFile(name, content string) error {
	return writeStateFile(r.rebasePath(name), content)
}

func (r *Repository) readRebaseLine(name string) (string, bool) {
	data, err := os.ReadFile(r.rebasePath(name))
	if err != nil {
		return "", false
	}
	return strings.TrimRight(string(data), "\r\n"), true
}

func (r *Repository) rebaseFileExists(name string) bool {
	_, err := os.Stat(r.rebasePath(name))
	return err == nil
}

// RebaseInProgress says whether .git/rebase-merge (or git's rebase-apply)
// exists.
func (r *Repository) RebaseInProgress() bool {
	for _, d := range []string{rebaseDir, "rebase-apply"} {
		if fi, err := os.Stat(r.gitPath(d)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// todoItem is one line of git-rebase-todo.
type todoItem struct {
	cmd  string // pick, reword, edit, squash, fixup, exec, break, drop, noop, comment
	flag string // fixup's -C or -c
	id   plumbing.Hash
	arg  string // the rest: subject, exec command
	line string // the line as written
}

func (t todoItem) isCommand() bool { return t.cmd != "comment" }

// squashTarget: --autosquash moves fixups after picks and after the
// merges of --rebase-merges that name their original.
func (t todoItem) squashTarget() bool {
	return t.cmd == "pick" || (t.cmd == "merge" && !t.id.IsZero())
}
func (t todoItem) isFixup() bool { return t.cmd == "fixup" || t.cmd == "squash" }

var todoCommands = []struct{ name, nick string }{
	{"pick", "p"}, {"revert", ""}, {"edit", "e"}, {"reword", "r"}, {"fixup", "f"}, {"squash", "s"},
	{"exec", "x"}, {"break", "b"}, {"label", "l"}, {"reset", "t"}, {"merge", "m"}, {"noop", ""}, {"drop", "d"},
}

// parseTodo reads a todo list as git's todo_list_parse_insn_buffer.
func (r *Repository) parseTodo(ctx context.Context, text string) ([]todoItem, error) {
	var items []todoItem
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil, nil
	}
	var bad []string
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSuffix(line, "\r")
		t := strings.TrimLeft(line, " \t")
		if t == "" || strings.HasPrefix(t, "#") {
			items = append(items, todoItem{cmd: "comment", line: line, arg: t})
			continue
		}
		word, rest := t, ""
		if i := strings.IndexAny(t, " \t"); i >= 0 {
			word, rest = t[:i], t[i:]
		}
		cmd := ""
		for _, c := range todoCommands {
			if word == c.name || (c.nick != "" && word == c.nick) {
				cmd = c.name
			}
		}
		if cmd == "" {
			bad = append(bad, fmt.Sprintf("invalid line %d: %s", n+1, line))
			continue
		}
		rest = strings.TrimLeft(rest, " \t")
		it := todoItem{cmd: cmd, line: line}
		switch cmd {
		case "noop", "break":
			if rest != "" {
				bad = append(bad, fmt.Sprintf("%s does not accept arguments: '%s'", cmd, rest))
				continue
			}
		case "exec", "label", "reset":
			if rest == "" {
				bad = append(bad, "missing arguments for "+cmd)
				continue
			}
			it.arg = rest
		case "merge":
			// merge [-C <commit> | -c <commit>] <label>... [# <oneline>]
			if f := rest; strings.HasPrefix(f, "-C ") || strings.HasPrefix(f, "-c ") || strings.HasPrefix(f, "-C\t") || strings.HasPrefix(f, "-c\t") {
				it.flag = f[:2]
				f = strings.TrimLeft(f[2:], " \t")
				name, after, _ := strings.Cut(f, " ")
				h, err := r.ResolveCommit(ctx, name)
				if err != nil {
					bad = append(bad, fmt.Sprintf("could not parse '%s'", name), fmt.Sprintf("invalid line %d: %s", n+1, line))
					continue
				}
				it.id, rest = h, strings.TrimLeft(after, " \t")
			}
			if rest == "" {
				bad = append(bad, "missing arguments for merge")
				continue
			}
			it.arg = rest
		case "revert":
			bad = append(bad, fmt.Sprintf("invalid line %d: %s (not supported)", n+1, line))
			continue
		default:
			if rest == "" {
				bad = append(bad, "missing arguments for "+cmd)
				continue
			}
			if cmd == "fixup" && (strings.HasPrefix(rest, "-C ") || strings.HasPrefix(rest, "-c ") || strings.HasPrefix(rest, "-C\t") || strings.HasPrefix(rest, "-c\t")) {
				it.flag = rest[:2]
				rest = strings.TrimLeft(rest[2:], " \t")
			}
			name := rest
			if i := strings.IndexAny(rest, " \t"); i >= 0 {
				name, rest = rest[:i], strings.TrimLeft(rest[i:], " \t")
			} else {
				rest = ""
			}
			h, err := r.ResolveCommit(ctx, name)
			if err != nil {
				bad = append(bad, fmt.Sprintf("could not parse '%s'", name), fmt.Sprintf("invalid line %d: %s", n+1, line))
				continue
			}
			it.id, it.arg = h, rest
		}
		items = append(items, it)
	}
	if len(bad) > 0 {
		return items, &SequencerError{Errors: bad}
	}
	fixupOK := r.rebaseFileExists("done")
	for _, it := range items {
		if fixupOK {
			break
		}
		if it.isFixup() {
			return items, &SequencerError{Errors: []string{fmt.Sprintf("cannot '%s' without a previous commit", it.cmd)}}
		}
		if it.isCommand() && it.cmd != "noop" && it.cmd != "drop" {
			fixupOK = true
		}
	}
	return items, nil
}

// formatTodo writes items as git's todo_list_to_strbuf: full or short
// ids, the rest of each line kept.
func formatTodo(items []todoItem, ab *Abbreviator) string {
	var b strings.Builder
	for _, it := range items {
		if !it.isCommand() {
			b.WriteString(it.arg + "\n")
			continue
		}
		b.WriteString(it.cmd)
		if !it.id.IsZero() {
			if it.flag != "" {
				b.WriteString(" " + it.flag)
			}
			if ab != nil {
				b.WriteString(" " + ab.ShortID(it.id))
			} else {
				b.WriteString(" " + it.id.String())
			}
		}
		if it.arg != "" {
			b.WriteString(" " + it.arg)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// todoHelp is git's append_todo_help for a new todo list; with
// shortRevs empty, for --edit-todo.
func todoHelp(count int, shortRevs, shortOnto string) string {
	cmds := "commands"
	if count == 1 {
		cmds = "command"
	}
	head := "#\n"
	if shortRevs != "" {
		head = fmt.Sprintf("\n# Rebase %s onto %s (%d %s)\n#\n", shortRevs, shortOnto, count, cmds)
	}
	tail := `#
# However, if you remove everything, the rebase will be aborted.
#
`
	if shortRevs == "" {
		tail = `#
# You are editing the todo file of an ongoing interactive rebase.
# To continue rebase after editing, run:
#     git rebase --continue
#
`
	}
	return head + `# Commands:
# p, pick <commit> = use commit
# r, reword <commit> = use commit, but edit the commit message
# e, edit <commit> = use commit, but stop for amending
# s, squash <commit> = use commit, but meld into previous commit
# f, fixup [-C | -c] <commit> = like "squash" but keep only the previous
#                    commit's log message, unless -C is used, in which case
#                    keep only this commit's message; -c is same as -C but
#                    opens the editor
# x, exec <command> = run command (the rest of the line) using shell
# b, break = stop here (continue rebase later with 'git rebase --continue')
# d, drop <commit> = remove commit
# l, label <label> = label current HEAD with a name
# t, reset <label> = reset HEAD to a label
# m, merge [-C <commit> | -c <commit>] <label> [# <oneline>]
#         create a merge commit using the original merge commit's
#         message (or the oneline, if no original merge commit was
#         specified); use -c <commit> to reword the commit message
# u, update-ref <ref> = track a placeholder for the <ref> to be updated
#                       to this position in the new commits. The <ref> is
#                       updated at the end of the rebase
#
# These lines can be re-ordered; they are executed from top to bottom.
#
# If you remove a line here THAT COMMIT WILL BE LOST.
` + tail
}

// stripComments is git's strbuf_stripspace with comments removed.
func stripComments(s string) string { return cleanupText(s, true) }

func countCommands(items []todoItem) int {
	n := 0
	for _, it := range items {
		if it.isCommand() {
			n++
		}
	}
	return n
}

// termClearLine is git's term_clear_line.
func termClearLine() string {
	if terminalDumb() {
		cols := 80
		if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
			cols = c
		}
		return "\r" + strings.Repeat(" ", cols) + "\r"
	}
	return "\r\x1b[K"
}

// rebaseCommits lists the commits of orig not in upstream, oldest first
// in topological order, merges left out and those whose change upstream
// already has (git's --cherry-mark) dropped.
// rebaseCommits lists the commits of orig that upstream (and fork) lack,
// parents first, as git's todo list takes them: merges only with
// keepMerges; skipped are those whose change upstream already has (git's
// cherry-mark), still in commits.
func (r *Repository) rebaseCommits(ctx context.Context, upstream, fork, orig plumbing.Hash, cherryMark, keepMerges bool) (commits, skipped []*gitobj.Commit, err error) {
	var mine []*gitobj.Commit
	exclude := []plumbing.Hash{upstream}
	if !fork.IsZero() {
		exclude = append(exclude, fork)
	}
	w, err := r.Log(ctx, LogOptions{Include: []plumbing.Hash{orig}, Exclude: exclude, Topo: true})
	if err != nil {
		return nil, nil, err
	}
	for {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if len(c.ParentHashes) > 1 && !keepMerges {
			continue
		}
		mine = append(mine, c)
	}
	for i, j := 0, len(mine)-1; i < j; i, j = i+1, j-1 {
		mine[i], mine[j] = mine[j], mine[i]
	}
	if len(mine) == 0 || !cherryMark {
		return mine, nil, nil
	}
	// The other side: commits of upstream not in orig.
	theirs := map[plumbing.Hash]bool{}
	w, err = r.Log(ctx, LogOptions{Include: []plumbing.Hash{upstream}, Exclude: []plumbing.Hash{orig}})
	if err != nil {
		return nil, nil, err
	}
	for {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if id, ok, err := r.patchID(ctx, c); err != nil {
			return nil, nil, err
		} else if ok {
			theirs[id] = true
		}
	}
	if len(theirs) == 0 {
		return mine, nil, nil
	}
	for _, c := range mine {
		if id, ok, err := r.patchID(ctx, c); err != nil {
			return nil, nil, err
		} else if ok && theirs[id] {
			skipped = append(skipped, c)
		}
	}
	return mine, skipped, nil
}

func (r *Repository) originallyEmpty(c *gitobj.Commit) bool {
	if len(c.ParentHashes) == 0 {
		return c.TreeHash == emptyTree
	}
	pt, err := r.commitTree(c.ParentHashes[0])
	return err == nil && pt == c.TreeHash
}

// rebaseBusyError is git's message when a rebase is already going on.
func (r *Repository) rebaseBusyError() error {
	return &SequencerError{Fatal: fmt.Sprintf("It seems that there is already a %s directory, and\n"+
		"I wonder if you are in the middle of another rebase.  If that is the\n"+
		"case, please try\n\teasel rebase (--continue | --abort | --skip)\n"+
		"If that is not the case, please\n\trm -fr \"%s\"\n"+
		"and run me again.  I am stopping in case you still have something\n"+
		"valuable there.\n", rebaseDir, r.displayGitPath(rebaseDir)), Err: ErrRebaseInProgress}
}

func reflogBase(action string) string {
	if action == "" {
		return "rebase"
	}
	return action
}

// PullRebase is how git pull integrates for branch: branch.<name>.rebase,
// else pull.rebase: "false" (merge), "true", "interactive" or "merges".
func (r *Repository) PullRebase(branch string) string {
	for _, k := range []string{"branch." + branch + ".rebase", "pull.rebase"} {
		if v, ok, _ := r.ConfigGet(k); ok {
			switch strings.ToLower(v) {
			case "true", "yes", "on", "1":
				return "true"
			case "interactive", "i":
				return "interactive"
			case "merges", "m", "preserve", "p":
				return "merges"
			}
			return "false"
		}
	}
	return "false"
}

// ForkPoint is git merge-base --fork-point: the newest value the
// remote-tracking ref had (its reflog, newest first) that head contains;
// zero when none. A ref without reflog entries counts with its current
// value alone, as in git's get_fork_point.
func (r *Repository) ForkPoint(ctx context.Context, ref plumbing.ReferenceName, head plumbing.Hash) (plumbing.Hash, error) {
	entries, _ := r.Reflog(ref)
	values := make([]plumbing.Hash, 0, len(entries))
	for _, e := range entries {
		values = append(values, e.New)
	}
	if len(values) == 0 {
		cur, err := r.ResolveRef(ref)
		if err != nil {
			return plumbing.ZeroHash, nil
		}
		values = append(values, cur)
	}
	// Of the values head contains, the one all others lead to (git's
	// merge base of head and every reflog entry).
	var best plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	for i := len(values) - 1; i >= 0; i-- {
		h := values[i]
		if h.IsZero() || seen[h] {
			continue
		}
		seen[h] = true
		ok, err := merge.IsAncestor(ctx, r.Storer, h, head)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if !ok {
			continue
		}
		if best.IsZero() {
			best = h
			continue
		}
		if up, err := merge.IsAncestor(ctx, r.Storer, best, h); err != nil {
			return plumbing.ZeroHash, err
		} else if up {
			best = h
		}
	}
	return best, nil
}

func currentBranch(r *Repository) plumbing.ReferenceName {
	b, _ := r.HeadBranch()
	return b
}

// displayGitPath names a path in the git directory as git's messages do:
// relative to the top of the work tree when the git directory is its
// .git.
func (r *Repository) displayGitPath(name string) string {
	if r.WorkDir != "" && r.GitDir == filepath.Join(r.WorkDir, ".git") {
		return ".git/" + name
	}
	return r.gitPath(name)
}

// Rebase replays the commits of the current branch (or o.Branch) that
// upstream lacks onto o.Onto (or upstream), as git rebase's merge
// backend: picks with the sequencer, state in .git/rebase-merge. It stops
// on a conflict (*PickStopped), an edit or a break.
func (r *Repository) Rebase(ctx context.Context, o RebaseOptions) error {
	if r.IsBare() {
		return ErrBareRepository
	}
	if r.RebaseInProgress() {
		return r.rebaseBusyError()
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Err == nil {
		o.Err = io.Discard
	}
	if o.Signoff {
		o.Force = true // every commit gets the trailer: none is kept as it is
	}
	cur, err := r.Head()
	if err != nil {
		return err
	}
	orig := cur
	if orig.IsZero() {
		return &SequencerError{Fatal: "invalid upstream: no commits on the current branch", Err: ErrUnknownRevision}
	}
	headName := "detached HEAD"
	branchName := "HEAD"
	if b, _ := r.HeadBranch(); b != "" {
		headName, branchName = b.String(), b.Short()
	}
	// rebase <upstream> <branch> works on <branch>: HEAD goes straight
	// from where it is to onto, as git does.
	if o.Branch != "" {
		// A branch is rebased in place; any other commit is rebased on
		// a detached HEAD, as git's checkout --detach.
		if tip, err := r.ResolveRef(plumbing.NewBranchReferenceName(o.Branch)); err == nil {
			orig, headName, branchName = tip, plumbing.NewBranchReferenceName(o.Branch).String(), o.Branch
		} else if id, err := r.ResolveCommit(ctx, o.Branch); err == nil {
			orig, headName, branchName = id, "detached HEAD", o.Branch
		} else {
			return &SequencerError{Fatal: fmt.Sprintf("no such branch/commit '%s'", o.Branch), Err: ErrUnknownRevision}
		}
	}
	onto, ontoName := o.Onto, o.OntoName
	var squashOnto plumbing.Hash
	if o.Root {
		// git's --root: the commits are onto..orig; without --onto,
		// onto is a fake root commit of the empty tree, made here.
		if onto.IsZero() {
			who, err := r.Identity("committer")
			if err != nil {
				return err
			}
			// The empty tree is stored, so that fsck finds the fake
			// root's tree.
			if _, err := r.emptyTree(); err != nil {
				return err
			}
			if squashOnto, err = r.writeCommit(&gitobj.Commit{Author: who, Committer: who, TreeHash: emptyTree}); err != nil {
				return err
			}
			onto, ontoName = squashOnto, squashOnto.String()
		}
		o.Upstream, o.UpstreamName = onto, ontoName
	}
	if onto.IsZero() {
		onto, ontoName = o.Upstream, o.UpstreamName
	}
	// The work tree must be clean, unless it is stashed away.
	var autostash plumbing.Hash
	if err := r.requireClean("rebase"); err != nil {
		if !o.Autostash {
			return err
		}
		id, _, serr := r.StashPush(ctx, StashOptions{Message: "autostash"})
		if serr != nil {
			return serr
		}
		autostash = id
		fmt.Fprintf(o.Out, "Created autostash: %s\n", r.NewAbbreviator().ShortID(id))
	}
	// Up to date: onto is where the branch already starts.
	// (--rebase-merges always runs its todo list, as git's does.)
	if !o.Interactive && len(o.Exec) == 0 && !o.RebaseMerges && !o.Root {
		bases, err := r.mergeBases(ctx, onto, orig)
		if err != nil {
			return err
		}
		upToDate := len(bases) == 1 && bases[0] == onto
		if upToDate && !o.ForkPoint.IsZero() && o.ForkPoint != bases[0] {
			upToDate = false
		}
		if upToDate && o.Upstream != onto {
			ub, err := r.mergeBases(ctx, o.Upstream, orig)
			if err != nil {
				return err
			}
			upToDate = len(ub) == 1 && ub[0] == onto
		}
		if upToDate && !o.Force {
			if o.Branch != "" && plumbing.ReferenceName(headName) != currentBranch(r) {
				if err := r.Checkout(ctx, cur, orig); err != nil {
					return err
				}
				if headName == "detached HEAD" {
					if err := r.DetachHead(orig, "rebase: checkout "+o.Branch); err != nil {
						return err
					}
				} else if err := r.SetSymbolicRef(plumbing.HEAD, plumbing.ReferenceName(headName), "rebase: checkout "+o.Branch); err != nil {
					return err
				}
			}
			if !o.Quiet {
				fmt.Fprintf(o.Out, "Current branch %s is up to date.\n", branchName)
			}
			return r.popAutostash(ctx, autostash, o.Out)
		}
		if upToDate {
			fmt.Fprintf(o.Out, "Current branch %s is up to date, rebase forced.\n", branchName)
		}
	}
	if !o.NoVerify {
		upstreamArg := o.UpstreamName
		if o.Root {
			upstreamArg = "--root"
		}
		args := []string{upstreamArg}
		if o.Branch != "" {
			args = append(args, o.Branch)
		}
		if _, err := r.Hooks(o.Err).Run(ctx, "pre-rebase", nil, nil, args...); err != nil {
			r.popAutostash(ctx, autostash, o.Out)
			return &SequencerError{Fatal: "The pre-rebase hook refused to rebase."}
		}
	}
	commits, alreadyUp, err := r.rebaseCommits(ctx, o.Upstream, o.ForkPoint, orig, !o.ReapplyCherryPicks, o.RebaseMerges)
	if err != nil {
		return err
	}
	skip := map[plumbing.Hash]bool{}
	for _, c := range alreadyUp {
		skip[c.Hash] = true
	}
	if len(alreadyUp) > 0 {
		ab := r.NewAbbreviator()
		for _, c := range alreadyUp {
			fmt.Fprintf(o.Err, "warning: skipped previously applied commit %s\n", ab.ShortID(c.Hash))
		}
		if r.ConfigBool("advice.skippedCherryPicks", true) {
			fmt.Fprintf(o.Err, "hint: use --reapply-cherry-picks to include skipped commits\nhint: Disable this message with \"easel config advice.skippedCherryPicks false\"\n")
		}
	}

	// The state directory, as git's init_basic_state and
	// write_basic_state leave it.
	if err := os.MkdirAll(r.gitPath(rebaseDir), 0o777); err != nil {
		return err
	}
	r.removeState(rebaseHeadFile)
	os.Remove(r.gitPath("logs/" + rebaseHeadFile))
	files := map[string]string{
		"interactive": "", "head-name": headName + "\n", "onto": onto.String() + "\n",
		"orig-head": orig.String() + "\n",
	}
	if o.RescheduleFailedExec {
		files["reschedule-failed-exec"] = ""
	} else {
		files["no-reschedule-failed-exec"] = ""
	}
	if o.Quiet {
		files["quiet"] = ""
	}
	if o.Signoff {
		files["signoff"] = "--signoff\n"
	}
	if !o.Interactive {
		if len(o.Exec) > 0 {
			files["keep_redundant_commits"] = ""
		} else {
			files["drop_redundant_commits"] = ""
		}
	}
	if len(o.StrategyOption) > 0 || o.Strategy != "" {
		strategy := o.Strategy
		if strategy == "" {
			strategy = StrategyOrt
		}
		files["strategy"] = strategy + "\n"
		s := ""
		for _, x := range o.StrategyOption {
			s += " --" + x
		}
		if s != "" {
			files["strategy_opts"] = s + "\n"
		}
	}
	if !autostash.IsZero() {
		files["autostash"] = autostash.String() + "\n"
	}
	if !squashOnto.IsZero() {
		files["squash-onto"] = squashOnto.String() + "\n"
	}
	for name, content := range files {
		if err := r.writeRebaseFile(name, content); err != nil {
			return err
		}
	}

	// The todo list: "pick <id> <subject>", empty commits marked; with
	// --rebase-merges, the branch structure in labels, resets and merges.
	var items []todoItem
	if o.RebaseMerges && len(commits) > 0 {
		var ontoBase plumbing.Hash
		if bases, err := r.mergeBases(ctx, o.Upstream, orig); err == nil && len(bases) > 0 {
			ontoBase = bases[0]
		}
		script := r.mergesScript(commits, skip, ontoBase, o.RebaseCousins, r.NewAbbreviator())
		if items, err = r.parseTodo(ctx, script); err != nil {
			r.removeRebaseState(ctx)
			return err
		}
	} else {
		for _, c := range commits {
			if skip[c.Hash] {
				continue
			}
			arg := oneline(c.Message)
			if r.originallyEmpty(c) {
				arg += " # empty"
			}
			items = append(items, todoItem{cmd: "pick", id: c.Hash, arg: arg})
		}
	}
	if len(items) == 0 {
		items = append(items, todoItem{cmd: "noop"})
	}
	if o.Autosquash && o.Interactive {
		items = rearrangeSquash(items, commits)
	}
	if len(o.Exec) > 0 {
		items = addExecCommands(items, o.Exec)
	}
	ab := r.NewAbbreviator()
	shortRevs := ab.ShortID(o.Upstream) + ".." + ab.ShortID(orig)
	help := todoHelp(countCommands(items), shortRevs, ab.ShortID(onto))
	if err := r.writeRebaseFile("git-rebase-todo", formatTodo(items, ab)+help); err != nil {
		return err
	}
	if err := r.writeRebaseFile("git-rebase-todo.backup", formatTodo(items, nil)+help); err != nil {
		return err
	}
	st := &rebaseState{rescheduleExec: o.RescheduleFailedExec, headName: headName, onto: onto, origHead: orig, quiet: o.Quiet, interactive: o.Interactive, action: "rebase", base: reflogBase(o.ReflogAction), out: o.Out, err: o.Err, committed: o.Committed}
	st.opts = r.rebaseReplayOptions(!o.Force && !o.Signoff, o.Interactive, len(o.Exec) > 0, o.StrategyOption)
	st.opts.Strategy = o.Strategy
	st.opts.Signoff = o.Signoff
	if o.Interactive {
		if err := r.runEditor(r.SequenceEditor(), r.rebasePath("git-rebase-todo")); err != nil {
			r.abandonRebase(ctx, autostash, o.Out)
			return &SequencerError{Errors: []string{err.Error()}}
		}
		data, err := os.ReadFile(r.rebasePath("git-rebase-todo"))
		if err != nil {
			return err
		}
		text := stripComments(string(data))
		if text == "" {
			r.abandonRebase(ctx, autostash, o.Out)
			return &SequencerError{Errors: []string{"nothing to do"}, Code: 1}
		}
		if items, err = r.parseTodo(ctx, text); err != nil {
			r.abandonRebase(ctx, autostash, o.Out)
			return err
		}
	}
	// Full ids; leading picks already on onto are skipped (fast-forward).
	text := formatTodo(items, nil)
	if o.RebaseMerges {
		text = stripComments(text) // as git's stripspace: blank lines stay, comments go
	}
	items, _ = r.parseTodo(ctx, text)
	total := len(items)
	base := onto
	skipped := 0
	if st.opts.AllowFF {
		for _, it := range items {
			if it.cmd != "pick" {
				break
			}
			c, err := gitobj.GetCommit(r.Storer, it.id)
			if err != nil {
				return err
			}
			if len(c.ParentHashes) != 1 || c.ParentHashes[0] != base {
				break
			}
			base = c.Hash
			skipped++
		}
	}
	if skipped > 0 {
		if err := r.writeRebaseFile("done", formatTodo(items[:skipped], nil)); err != nil {
			return err
		}
		items = items[skipped:]
	}
	if err := r.writeRebaseFile("git-rebase-todo", formatTodo(items, nil)); err != nil {
		return err
	}
	// Detach HEAD at onto.
	if err := r.Checkout(ctx, cur, base); err != nil {
		r.removeRebaseState(ctx)
		return err
	}
	if err := r.writeState(origHeadFile, orig.String()+"\n"); err != nil {
		return err
	}
	if err := r.DetachHead(base, reflogBase(o.ReflogAction)+" (start): checkout "+ontoName); err != nil {
		return err
	}
	if err := r.writeRebaseFile("end", strconv.Itoa(total)+"\n"); err != nil {
		return err
	}
	return r.runRebaseTodo(ctx, st, skipped, total)
}

// rebaseReplayOptions are the sequencer options git's rebase passes.
func (r *Repository) rebaseReplayOptions(allowFF, interactive, exec bool, xopts []string) ReplayOptions {
	return ReplayOptions{AllowEmpty: true, AllowFF: allowFF, DropRedundant: !interactive && !exec, KeepRedundant: !interactive && exec, StrategyOption: xopts}
}

// abandonRebase removes the state of a rebase that did not start.
func (r *Repository) abandonRebase(ctx context.Context, autostash plumbing.Hash, out io.Writer) {
	r.removeRebaseState(ctx)
	r.popAutostash(ctx, autostash, out)
}

// requireClean is git's require_clean_work_tree.
func (r *Repository) requireClean(action string) error {
	st, err := r.Status(context.Background(), StatusOptions{Untracked: UntrackedNo})
	if err != nil {
		return err
	}
	unstaged, staged := changeKinds(st)
	var errs []string
	if unstaged {
		errs = append(errs, "cannot "+action+": You have unstaged changes.")
	}
	if staged {
		if unstaged {
			errs = append(errs, "additionally, your index contains uncommitted changes.")
		} else {
			errs = append(errs, "cannot "+action+": Your index contains uncommitted changes.")
		}
	}
	if len(errs) > 0 {
		return &SequencerError{Errors: append(errs, "Please commit or stash them."), Err: ErrWouldOverwrite}
	}
	return nil
}

func (r *Repository) mergeBases(ctx context.Context, a, b plumbing.Hash) ([]plumbing.Hash, error) {
	return merge.MergeBases(ctx, r.Storer, a, b)
}

// changeKinds says whether a status has unstaged and staged changes
// (untracked and ignored files do not count).
func changeKinds(st *Status) (unstaged, staged bool) {
	for _, f := range st.Files {
		if f.Staged == '?' || f.Staged == '!' {
			continue
		}
		if f.Unmerged != "" {
			unstaged, staged = true, true
		}
		if f.Unstaged != ' ' && f.Unstaged != 0 {
			unstaged = true
		}
		if f.Staged != ' ' && f.Staged != 0 {
			staged = true
		}
	}
	return unstaged, staged
}

// popAutostash applies the stash made by --autostash and drops it; a
// conflict keeps it in the stash list, as git does.
func (r *Repository) popAutostash(ctx context.Context, id plumbing.Hash, out io.Writer) error {
	if id.IsZero() {
		return nil
	}
	res, err := r.StashApply(ctx, id, false)
	if err != nil || (res != nil && len(res.Conflicts) > 0) {
		fmt.Fprintf(out, "Applying autostash resulted in conflicts.\nYour changes are safe in the stash.\nYou can run \"easel stash pop\" or \"easel stash drop\" at any time.\n")
		return nil
	}
	if n, cur, _, err := r.ResolveStash("stash@{0}"); err == nil && cur == id {
		r.StashDrop(ctx, n)
	}
	fmt.Fprintln(out, "Applied autostash.")
	return nil
}

// readRebaseState reads .git/rebase-merge back.
func (r *Repository) readRebaseState(action string, out, errw io.Writer) (*rebaseState, error) {
	if fi, err := os.Stat(r.gitPath(rebaseDir)); err != nil || !fi.IsDir() {
		return nil, &SequencerError{Fatal: "No rebase in progress?", Err: ErrNoRebase}
	}
	st := &rebaseState{action: action, base: "rebase", out: out, err: errw}
	st.headName, _ = r.readRebaseLine("head-name")
	s, _ := r.readRebaseLine("onto")
	if len(s) == 40 {
		st.onto = plumbing.NewHash(s)
	}
	s, _ = r.readRebaseLine("orig-head")
	if len(s) == 40 {
		st.origHead = plumbing.NewHash(s)
	}
	st.quiet = r.rebaseFileExists("quiet")
	st.rescheduleExec = r.rebaseFileExists("reschedule-failed-exec")
	var xopts []string
	if s, ok := r.readRebaseLine("strategy_opts"); ok {
		for _, f := range strings.Fields(s) {
			xopts = append(xopts, strings.TrimPrefix(f, "--"))
		}
	}
	// --signoff (rebase-merge/signoff) signs each pick, so none is
	// fast-forwarded.
	signoff := r.rebaseFileExists("signoff")
	strategy, _ := r.readRebaseLine("strategy")
	st.opts = ReplayOptions{AllowEmpty: true, AllowFF: !signoff, Signoff: signoff, StrategyOption: xopts, Strategy: strategy,
		DropRedundant: r.rebaseFileExists("drop_redundant_commits"), KeepRedundant: r.rebaseFileExists("keep_redundant_commits")}
	st.interactive = !st.opts.DropRedundant && !st.opts.KeepRedundant
	return st, nil
}

// readTodoFile parses git-rebase-todo.
func (r *Repository) readTodoFile(ctx context.Context) ([]todoItem, error) {
	data, err := os.ReadFile(r.rebasePath("git-rebase-todo"))
	if err != nil {
		return nil, err
	}
	return r.parseTodo(ctx, string(data))
}

func (r *Repository) doneCount(ctx context.Context) int {
	data, err := os.ReadFile(r.rebasePath("done"))
	if err != nil {
		return 0
	}
	items, _ := r.parseTodo(ctx, string(data))
	return countCommands(items)
}

// appendDone adds an executed line to rebase-merge/done.
func (r *Repository) appendDone(line string) error {
	f, err := os.OpenFile(r.rebasePath("done"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(line + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func todoLine(it todoItem) string {
	if it.line != "" {
		return it.line
	}
	return strings.TrimSuffix(formatTodo([]todoItem{it}, nil), "\n")
}

// runRebaseTodo is git's pick_commits for a rebase: it runs the todo list
// from the file, one command at a time, saving the rest before each.
func (r *Repository) runRebaseTodo(ctx context.Context, st *rebaseState, doneNr, total int) error {
	items, err := r.readTodoFile(ctx)
	if err != nil {
		return err
	}
	ab := r.NewAbbreviator()
	fixups := r.readFixups()
	// The index stays locked and in memory from pick to pick; it is
	// written before anything else may read it and when the run ends.
	var il *IndexLock
	flush := func() error {
		if il == nil {
			return nil
		}
		err := il.Commit()
		il = nil
		return err
	}
	defer flush()
	for i := 0; i < len(items); i++ {
		it := items[i]
		// save_todo: the rest to git-rebase-todo, this one to done.
		var rest strings.Builder
		for _, x := range items[i+1:] {
			rest.WriteString(todoLine(x) + "\n")
		}
		if err := r.writeRebaseFile("git-rebase-todo", rest.String()); err != nil {
			return err
		}
		// After an exec, a reword or a merge -c (which may have run
		// "rebase --edit-todo"), the todo list is read again if it
		// changed, as git's check_todo.
		saved := rest.String()
		reread := func() error {
			data, err := os.ReadFile(r.rebasePath("git-rebase-todo"))
			if err != nil || string(data) == saved {
				return nil
			}
			next, err := r.readTodoFile(ctx)
			if err != nil {
				return err
			}
			items = append(items[:i+1:i+1], next...)
			return nil
		}
		if err := r.appendDone(todoLine(it)); err != nil {
			return err
		}
		if !it.isCommand() {
			continue
		}
		doneNr++
		if err := r.writeRebaseFile("msgnum", strconv.Itoa(doneNr)+"\n"); err != nil {
			return err
		}
		if !st.quiet && it.cmd != "noop" {
			fmt.Fprintf(st.err, "Rebasing (%d/%d)\r", doneNr, total)
		}
		for _, f := range []string{"message", "author-script", "stopped-sha", "amend"} {
			os.Remove(r.rebasePath(f))
		}
		r.removeState(mergeHeadFile, "AUTO_MERGE", rebaseHeadFile)
		if it.cmd != "pick" && it.cmd != "noop" && it.cmd != "drop" {
			if err := flush(); err != nil {
				return err
			}
		}
		switch it.cmd {
		case "break":
			fmt.Fprint(st.err, termClearLine())
			head, _ := r.Head()
			if c, err := gitobj.GetCommit(r.Storer, head); err == nil {
				fmt.Fprintf(st.err, "Stopped at %s\n", r.labelOf(c, ab).label)
			} else {
				fmt.Fprintln(st.err, "Stopped at HEAD")
			}
			return &PickStopped{Code: 0}
		case "exec":
			fmt.Fprint(st.err, termClearLine())
			if err := r.rebaseExec(ctx, it.arg, st.err); err != nil {
				var stop *PickStopped
				if st.rescheduleExec && errors.As(err, &stop) {
					r.rescheduleTodo(ctx, items, i)
					stop.Stderr = append(stop.Stderr, rescheduledAdvice(it)...)
				}
				return err
			}
			if err := reread(); err != nil {
				return err
			}
			continue
		case "noop", "drop":
			continue
		case "label", "reset", "merge":
			var err error
			switch it.cmd {
			case "label":
				err = r.doLabel(ctx, labelName(it.arg))
			case "reset":
				err = r.doReset(ctx, st, it.arg)
			default:
				err = r.doMerge(ctx, st, it, ab)
			}
			var stop *PickStopped
			stopped := errors.As(err, &stop)
			if it.cmd == "merge" && !it.id.IsZero() && (err == nil || stopped) {
				// git records a merge as rewritten even when it stopped
				r.recordRewritten(it.id, nextIsFixup(items[i+1:]))
			}
			if err != nil {
				if !stopped {
					r.rescheduleTodo(ctx, items, i)
					var se *SequencerError
					if errors.As(err, &se) {
						for _, h := range rescheduledAdvice(it) {
							se.Hints = append(se.Hints, strings.TrimPrefix(strings.TrimPrefix(h, "hint:"), " "))
						}
						if se.Code == 0 {
							se.Code = 1
						}
					}
				}
				return err
			}
			if it.cmd == "merge" {
				if err := reread(); err != nil {
					return err
				}
			}
			continue
		}
		// git's is_final_fixup: comments, noop and drop do not count.
		final := true
		for _, x := range items[i+1:] {
			if x.isCommand() && x.cmd != "noop" && x.cmd != "drop" {
				final = !x.isFixup()
				break
			}
		}
		if il == nil {
			if il, err = r.LockIndex(); err != nil {
				return err
			}
		}
		st.pickAction = st.base + " (" + it.cmd + ")"
		if err := r.rebasePick(ctx, st, it, final, &fixups, ab, &il); err != nil {
			return err
		}
		r.recordRewritten(it.id, nextIsFixup(items[i+1:]))
		if it.cmd != "pick" {
			if err := reread(); err != nil {
				return err
			}
		}
	}
	r.flushRewritten()
	if err := flush(); err != nil {
		return err
	}
	return r.finishRebase(ctx, st)
}

// rebaseExec runs an exec line as git's do_exec.
func (r *Repository) rebaseExec(ctx context.Context, command string, errw io.Writer) error {
	fmt.Fprintf(errw, "Executing: %s\n", command)
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	cmd.Dir = r.WorkDir
	// The work tree's own git directory, as git's do_exec: in a linked
	// work tree, its HEAD and per-work-tree refs.
	gitDir := r.GitDir
	if r.WorktreeGitDir != "" {
		gitDir = r.WorktreeGitDir
	}
	cmd.Env = append(os.Environ(), "GIT_DIR="+gitDir, "GIT_WORK_TREE="+r.WorkDir)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	runErr := cmd.Run()
	dirty := r.requireClean("rebase") != nil
	status := 0
	if runErr != nil {
		status = 1
		var ee *exec.ExitError
		if errors.As(runErr, &ee) && ee.ExitCode() > 0 && ee.ExitCode() != 127 {
			status = ee.ExitCode()
		}
		extra := ""
		if dirty {
			extra = "and made changes to the index and/or the working tree\n"
		}
		fmt.Fprintf(errw, "warning: execution failed: %s\n%sYou can fix the problem, and then run\n\n  easel rebase --continue\n\n\n", command, extra)
		return &PickStopped{Code: status}
	}
	if dirty {
		fmt.Fprintf(errw, "warning: execution succeeded: %s\nbut left changes to the index and/or the working tree\nCommit or stash your changes, and then run\n\n  easel rebase --continue\n\n\n", command)
		return &PickStopped{Code: 1}
	}
	return nil
}

// writeAuthorScript is git's write_author_script.
func (r *Repository) writeAuthorScript(a gitobj.Signature) error {
	q := func(s string) string { return strings.ReplaceAll(s, "'", `'\''`) }
	_, off := a.When.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	date := fmt.Sprintf("@%d %c%02d%02d", a.When.Unix(), sign, off/3600, off%3600/60)
	return r.writeRebaseFile("author-script", fmt.Sprintf("GIT_AUTHOR_NAME='%s'\nGIT_AUTHOR_EMAIL='%s'\nGIT_AUTHOR_DATE='%s'\n", q(a.Name), q(a.Email), q(date)))
}

// readAuthorScript reads author-script back into a signature.
func (r *Repository) readAuthorScript() (gitobj.Signature, bool) {
	var sig gitobj.Signature
	data, err := os.ReadFile(r.rebasePath("author-script"))
	if err != nil {
		return sig, false
	}
	vals := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		vals[k] = unquoteSh(v)
	}
	sig.Name, sig.Email = vals["GIT_AUTHOR_NAME"], vals["GIT_AUTHOR_EMAIL"]
	t, err := ParseDate(vals["GIT_AUTHOR_DATE"])
	if err != nil || sig.Name == "" {
		return sig, false
	}
	sig.When = t
	return sig, true
}

// unquoteSh undoes git's sq_quote ('...' with '\” for quotes).
func unquoteSh(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\'':
			in = !in
		case !in && s[i] == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// makePatch records a stop as git's make_patch: stopped-sha, REBASE_HEAD,
// patch and message.
func (r *Repository) makePatch(ctx context.Context, c *gitobj.Commit) error {
	if err := r.writeRebaseFile("stopped-sha", c.Hash.String()+"\n"); err != nil {
		return err
	}
	if err := writeStateFile(r.statePath(rebaseHeadFile), c.Hash.String()+"\n"); err != nil {
		return err
	}
	var parentTree plumbing.Hash
	if len(c.ParentHashes) > 0 {
		parentTree, _ = r.commitTree(c.ParentHashes[0])
	}
	var b strings.Builder
	// A merge's patch is empty: git's log_tree shows no diff for merges
	// without -m or --cc.
	if ps, err := r.DiffTrees(ctx, parentTree, c.TreeHash, nil); err == nil && len(c.ParentHashes) < 2 {
		for i := range ps {
			if r.LoadPatchData(&ps[i], false) == nil {
				patch.WriteUnified(&b, ps[i], patch.Options{Context: 3})
			}
		}
	}
	if err := r.writeRebaseFile("patch", b.String()); err != nil {
		return err
	}
	if !r.rebaseFileExists("message") {
		return r.writeRebaseFile("message", strings.TrimLeft(c.Message, "\n")+"\n")
	}
	return nil
}

// fixupState is the squash/fixup chain in progress (current-fixups).
type fixupState struct {
	lines []string // "fixup <id>", "squash <id>"
}

func (r *Repository) readFixups() fixupState {
	var f fixupState
	if s, ok := r.readRebaseLine("current-fixups"); ok && s != "" {
		f.lines = strings.Split(s, "\n")
	}
	return f
}

func (f fixupState) seenSquash() bool {
	for _, l := range f.lines {
		if strings.HasPrefix(l, "squash") {
			return true
		}
	}
	return false
}

var nthNames = []string{"", "1st", "2nd", "3rd"}

func nth(n int) string {
	if n < len(nthNames) {
		return nthNames[n]
	}
	return ""
}

// commented is git's strbuf_add_commented_lines.
func commented(s string) string {
	if s == "" {
		return ""
	}
	var b strings.Builder
	lines := strings.SplitAfter(s, "\n")
	for _, l := range lines {
		if l == "" {
			continue
		}
		if l == "\n" {
			b.WriteString("#\n")
		} else {
			b.WriteString("# " + l)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// updateSquashMessages is git's update_squash_messages: the combined
// message of a squash/fixup chain in message-squash (and message-fixup
// while only fixups were seen).
func (r *Repository) updateSquashMessages(it todoItem, c *gitobj.Commit, f *fixupState) error {
	count := len(f.lines)
	var buf string
	flagged := it.cmd == "fixup" && it.flag != ""
	if count > 0 {
		data, err := os.ReadFile(r.rebasePath("message-squash"))
		if err != nil {
			return err
		}
		buf = string(data)
		if strings.HasPrefix(buf, "#") {
			_, after, _ := strings.Cut(buf, "\n")
			buf = fmt.Sprintf("# This is a combination of %d commits.\n", count+2) + after
		}
	} else {
		head, err := r.Head()
		if err != nil {
			return err
		}
		hc, err := gitobj.GetCommit(r.Storer, head)
		if err != nil {
			return err
		}
		body := strings.TrimLeft(hc.Message, "\n")
		if it.cmd == "fixup" && it.flag == "" {
			if err := r.writeRebaseFile("message-fixup", body); err != nil {
				return err
			}
		}
		buf = "# This is a combination of 2 commits.\n"
		if flagged {
			buf += "# The 1st commit message will be skipped:\n\n" + commented(body)
		} else {
			buf += "# This is the 1st commit message:\n\n" + body
		}
	}
	body := strings.TrimLeft(c.Message, "\n")
	n := count + 2
	if it.cmd == "squash" || flagged {
		commentedLen := 0
		if strings.HasPrefix(body, "amend!") || ((it.cmd == "squash" || f.seenSquash()) && (strings.HasPrefix(body, "squash!") || strings.HasPrefix(body, "fixup!"))) {
			if i := strings.Index(body, "\n\n"); i >= 0 {
				commentedLen = i + 1
			} else {
				commentedLen = len(body)
			}
		}
		buf += fmt.Sprintf("\n# This is the commit message #%d:\n\n", n) + commented(body[:commentedLen]) + body[commentedLen:]
		if flagged && !f.seenSquash() && it.flag == "-C" {
			if err := r.writeRebaseFile("message-fixup", strings.TrimLeft(body[commentedLen:], "\n")); err != nil {
				return err
			}
		} else {
			os.Remove(r.rebasePath("message-fixup"))
		}
	} else {
		buf += fmt.Sprintf("\n# The commit message #%d will be skipped:\n\n", n) + commented(body)
	}
	if err := r.writeRebaseFile("message-squash", buf); err != nil {
		return err
	}
	f.lines = append(f.lines, it.cmd+" "+c.Hash.String())
	return r.writeRebaseFile("current-fixups", strings.Join(f.lines, "\n"))
}

// rebasePick runs one pick-like todo command.
func (r *Repository) rebasePick(ctx context.Context, st *rebaseState, it todoItem, final bool, f *fixupState, ab *Abbreviator, ilp **IndexLock) error {
	c, err := gitobj.GetCommit(r.Storer, it.id)
	if err != nil {
		return err
	}
	if err := r.writeAuthorScript(c.Author); err != nil {
		return err
	}
	sp := pickSpec{kind: pickKind(it.cmd), commit: c, action: "rebase", reflogAction: st.base + " (" + it.cmd + ")", opts: st.opts, il: *ilp}
	editFinal := false
	if it.isFixup() {
		if err := r.updateSquashMessages(it, c, f); err != nil {
			return err
		}
		sp.amend = true
		var msg string
		switch {
		case !final:
			data, _ := os.ReadFile(r.rebasePath("message-squash"))
			msg = string(data)
		case r.rebaseFileExists("message-fixup"):
			data, _ := os.ReadFile(r.rebasePath("message-fixup"))
			msg = string(data)
		default:
			data, _ := os.ReadFile(r.rebasePath("message-squash"))
			msg = string(data)
			editFinal = true
			sp.deferCommit = true
		}
		sp.message = &msg
	}
	out, err := r.pick(ctx, sp, ab)
	if err != nil {
		return err
	}
	// Anything but a clean pick that goes on writes the index now.
	if out.conflicted || out.empty || it.cmd == "edit" {
		if !out.conflicted {
			if err := (*ilp).Commit(); err != nil {
				return err
			}
		}
		*ilp = nil
	}
	if out.conflicted || out.empty {
		r.removeState(cherryPickHeadFile)
		var lines []string
		if out.conflicted {
			lines = append(lines,
				fmt.Sprintf("error: could not apply %s... %s", out.label.short, out.label.subject),
				"hint: Resolve all conflicts manually, mark them as resolved with",
				"hint: \"easel add/rm <conflicted_files>\", then run \"easel rebase --continue\".",
				"hint: You can instead skip this commit: run \"easel rebase --skip\".",
				"hint: To abort and get back to the state before \"easel rebase\", run \"easel rebase --abort\".")
		}
		if it.isFixup() {
			data, _ := os.ReadFile(r.rebasePath("message-squash"))
			r.writeRebaseFile("message", string(data))
			if out.conflicted {
				head, _ := r.Head()
				r.writeRebaseFile("amend", head.String()+"\n")
			}
		}
		if err := r.makePatch(ctx, c); err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("Could not apply %s... %s", out.label.short, it.arg))
		fmt.Fprint(st.out, joinLines(out.messages))
		return &PickStopped{Code: 1, Stderr: lines}
	}
	if out.dropped {
		fmt.Fprintf(st.err, "dropping %s %s -- patch contents already upstream\n", c.Hash, out.label.subject)
	}
	if editFinal || it.cmd == "reword" {
		id, err := r.amendWithEditor(ctx, st.base+" ("+it.cmd+")", out.tree, editFinal)
		if err != nil {
			return err
		}
		if st.committed != nil {
			st.committed(id, true)
		}
	}
	if it.isFixup() && final {
		for _, n := range []string{"message-fixup", "message-squash", "current-fixups"} {
			os.Remove(r.rebasePath(n))
		}
		f.lines = nil
	}
	head, _ := r.Head()
	if it.cmd == "edit" {
		fmt.Fprint(st.err, termClearLine())
		fmt.Fprintf(st.err, "Stopped at %s...  %s\n", out.label.short, it.arg)
		if err := r.makePatch(ctx, c); err != nil {
			return err
		}
		if err := r.writeRebaseFile("amend", head.String()+"\n"); err != nil {
			return err
		}
		return &PickStopped{Code: 0, Stderr: []string{"You can amend the commit now, with", "", "  easel commit --amend ", "", "Once you are satisfied with your changes, run", "", "  easel rebase --continue"}}
	}
	return nil
}

func joinLines(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// recordRewritten is git's record_in_rewritten: old waits in
// rewritten-pending until the fixup/squash chain it starts ends, then the
// pending commits are mapped to HEAD in rewritten-list.
func (r *Repository) recordRewritten(old plumbing.Hash, nextIsFixup bool) {
	f, err := os.OpenFile(r.rebasePath("rewritten-pending"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "%s\n", old)
	f.Close()
	if !nextIsFixup {
		r.flushRewritten()
	}
}

func (r *Repository) flushRewritten() {
	data, err := os.ReadFile(r.rebasePath("rewritten-pending"))
	if err != nil || len(data) == 0 {
		return
	}
	head, err := r.Head()
	if err != nil {
		return
	}
	f, err := os.OpenFile(r.rebasePath("rewritten-list"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o666)
	if err != nil {
		return
	}
	for _, l := range strings.Fields(string(data)) {
		fmt.Fprintf(f, "%s %s\n", l, head)
	}
	f.Close()
	os.Remove(r.rebasePath("rewritten-pending"))
}

// nextIsFixup peeks at the next command of a todo list.
func nextIsFixup(items []todoItem) bool {
	for _, x := range items {
		if x.isCommand() {
			return x.isFixup()
		}
	}
	return false
}

// amendWithEditor is git commit --amend -e as the sequencer runs it for
// reword and the end of a squash chain: HEAD's message (or SQUASH_MSG)
// goes through the editor, comments are stripped, HEAD is replaced.
func (r *Repository) amendWithEditor(ctx context.Context, action string, tree plumbing.Hash, squash bool) (plumbing.Hash, error) {
	head, err := r.Head()
	if err != nil {
		return head, err
	}
	hc, err := gitobj.GetCommit(r.Storer, head)
	if err != nil {
		return head, err
	}
	msg := hc.Message
	if squash {
		data, err := os.ReadFile(r.rebasePath("message-squash"))
		if err != nil {
			return head, err
		}
		msg = string(data)
		r.writeState(squashMsgFile, msg)
		defer r.removeState(squashMsgFile)
	} else {
		tree = hc.TreeHash
	}
	path := r.statePath("COMMIT_EDITMSG")
	// As git commit --amend: the message, a blank line, then the
	// comment block the clean-up strips.
	edit := strings.TrimRight(msg, "\n") + "\n\n# Please enter the commit message for your changes. Lines starting\n" +
		"# with '#' will be ignored, and an empty message aborts the commit.\n"
	if err := os.WriteFile(path, []byte(edit), 0o644); err != nil {
		return head, err
	}
	if err := r.runEditor(r.CommitEditor(), path); err != nil {
		return head, &SequencerError{Errors: []string{err.Error()}}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return head, err
	}
	msg = cleanupText(string(data), true)
	if msg == "" {
		return head, &SequencerError{Errors: []string{"Aborting commit due to empty commit message."}, Code: 1}
	}
	return r.commitWith(ctx, tree, hc.ParentHashes, hc.Author, msg, head, action, false)
}

// finishRebase moves the branch to the result and HEAD back to it.
func (r *Repository) finishRebase(ctx context.Context, st *rebaseState) error {
	head, err := r.Head()
	if err != nil {
		return err
	}
	if strings.HasPrefix(st.headName, "refs/") {
		onto, _ := r.readRebaseLine("onto")
		name := plumbing.ReferenceName(st.headName)
		if err := r.UpdateRef(ctx, RefUpdate{Name: name, Old: st.origHead, New: head, CheckOld: true, Message: st.base + " (finish): " + st.headName + " onto " + onto}); err != nil {
			return err
		}
		if err := r.SetSymbolicRef(plumbing.HEAD, name, st.base+" (finish): returning to "+st.headName); err != nil {
			return err
		}
	}
	var autostash plumbing.Hash
	if s, ok := r.readRebaseLine("autostash"); ok && len(s) == 40 {
		autostash = plumbing.NewHash(s)
	}
	// post-rewrite reads "<old> <new>" lines of every commit rewritten.
	if list, err := os.ReadFile(r.rebasePath("rewritten-list")); err == nil && len(list) > 0 {
		r.Hooks(st.err).Run(ctx, "post-rewrite", bytes.NewReader(list), nil, "rebase")
	}
	r.removeRebaseState(ctx)
	if err := r.popAutostash(ctx, autostash, st.out); err != nil {
		return err
	}
	if !st.quiet {
		fmt.Fprint(st.err, termClearLine())
		fmt.Fprintf(st.err, "Successfully rebased and updated %s.\n", st.headName)
	}
	return nil
}

// ContinueRebase commits what was resolved (or amended after an edit)
// and runs the rest of the todo list.
func (r *Repository) ContinueRebase(ctx context.Context, out, errw io.Writer, committed func(plumbing.Hash, bool)) error {
	st, err := r.readRebaseState("rebase (continue)", out, errw)
	if err != nil {
		return err
	}
	st.committed = committed
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	unmerged := HasUnmerged(il.Index)
	il.Rollback()
	if unmerged {
		return &SequencerError{Fatal: "You must edit all merge conflicts and then\nmark them as resolved using easel add", Err: ErrUnmergedPaths}
	}
	if err := r.commitStagedChanges(ctx, st); err != nil {
		return err
	}
	items, err := r.readTodoFile(ctx)
	if err != nil {
		return err
	}
	if s, ok := r.readRebaseLine("stopped-sha"); ok && len(s) == 40 {
		r.recordRewritten(plumbing.NewHash(s), nextIsFixup(items))
	}
	done := r.doneCount(ctx)
	total := done + countCommands(items)
	r.writeRebaseFile("end", strconv.Itoa(total)+"\n")
	return r.runRebaseTodo(ctx, st, done, total)
}

// commitStagedChanges is git's commit_staged_changes.
func (r *Repository) commitStagedChanges(ctx context.Context, st *rebaseState) error {
	status, err := r.Status(ctx, StatusOptions{Untracked: UntrackedNo})
	if err != nil {
		return err
	}
	unstaged, staged := changeKinds(status)
	if unstaged {
		return &SequencerError{Errors: []string{"cannot rebase: You have unstaged changes."}, Err: ErrWouldOverwrite}
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	amend := false
	if s, ok := r.readRebaseLine("amend"); ok {
		if staged && s != head.String() {
			return &SequencerError{Errors: []string{"\nYou have uncommitted changes in your working tree. Please, commit them\nfirst and then run 'easel rebase --continue' again."}}
		}
		amend = true
	}
	if !staged {
		r.removeState(cherryPickHeadFile, mergeMsgFile)
		return nil
	}
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	tree, err := r.WriteTree(il.Index)
	il.Rollback()
	if err != nil {
		return err
	}
	data, _ := os.ReadFile(r.rebasePath("message"))
	msg := string(data)
	path := r.statePath("COMMIT_EDITMSG")
	if err := os.WriteFile(path, []byte(msg), 0o644); err != nil {
		return err
	}
	if err := r.runEditor(r.CommitEditor(), path); err != nil {
		return &SequencerError{Errors: []string{err.Error()}}
	}
	if data, err = os.ReadFile(path); err != nil {
		return err
	}
	msg = cleanupText(string(data), true)
	if msg == "" {
		return &SequencerError{Errors: []string{"could not commit staged changes."}, Code: 1}
	}
	author, ok := r.readAuthorScript()
	parents := []plumbing.Hash{head}
	if mhs, ok, _ := r.MergeHeads(); ok {
		parents = append(parents, mhs...) // a merge of --rebase-merges that stopped
	}
	if amend {
		hc, err := gitobj.GetCommit(r.Storer, head)
		if err != nil {
			return err
		}
		parents = hc.ParentHashes
		author, ok = hc.Author, true
	}
	if !ok {
		return &SequencerError{Errors: []string{"you have staged changes in your working tree"}}
	}
	id, err := r.commitWith(ctx, tree, parents, author, msg, head, st.action, false)
	if err != nil {
		return err
	}
	os.Remove(r.rebasePath("amend"))
	r.removeState(cherryPickHeadFile, mergeMsgFile, mergeHeadFile, "MERGE_MODE", "AUTO_MERGE")
	items, _ := r.readTodoFile(ctx)
	next := nextIsFixup(items)
	if !next {
		os.Remove(r.rebasePath("current-fixups"))
	}

	if st.committed != nil {
		st.committed(id, amend)
	}
	return nil
}

// SkipRebase drops the stopped commit's changes and goes on.
func (r *Repository) SkipRebase(ctx context.Context, out, errw io.Writer, committed func(plumbing.Hash, bool)) error {
	st, err := r.readRebaseState("rebase (skip)", out, errw)
	if err != nil {
		return err
	}
	st.committed = committed
	head, err := r.Head()
	if err != nil {
		return err
	}
	if err := r.UpdateIndex(func(idx *index.Index) error { return r.resetHardLocked(ctx, idx, head, head) }); err != nil {
		return err
	}
	r.removeState(cherryPickHeadFile, revertHeadFile, mergeMsgFile, mergeHeadFile, "AUTO_MERGE", squashMsgFile)
	os.Remove(r.rebasePath("amend"))
	items, err := r.readTodoFile(ctx)
	if err != nil {
		return err
	}
	done := r.doneCount(ctx)
	return r.runRebaseTodo(ctx, st, done, done+countCommands(items))
}

// AbortRebase puts the branch, HEAD, the index and the work tree back as
// they were before the rebase.
func (r *Repository) AbortRebase(ctx context.Context, out io.Writer) error {
	st, err := r.readRebaseState("rebase (abort)", out, io.Discard)
	if err != nil {
		return err
	}
	head, err := r.Head()
	if err != nil {
		return err
	}
	if err := r.UpdateIndex(func(idx *index.Index) error { return r.resetHardLocked(ctx, idx, head, st.origHead) }); err != nil {
		return err
	}
	r.removeState(cherryPickHeadFile, revertHeadFile, mergeMsgFile, mergeHeadFile, "AUTO_MERGE", squashMsgFile, rebaseHeadFile)
	if strings.HasPrefix(st.headName, "refs/") {
		if err := r.SetSymbolicRef(plumbing.HEAD, plumbing.ReferenceName(st.headName), "rebase (abort): returning to "+st.headName); err != nil {
			return err
		}
	} else if err := r.DetachHead(st.origHead, "rebase (abort): updating HEAD"); err != nil {
		return err
	}
	var autostash plumbing.Hash
	if s, ok := r.readRebaseLine("autostash"); ok && len(s) == 40 {
		autostash = plumbing.NewHash(s)
	}
	r.removeRebaseState(ctx)
	return r.popAutostash(ctx, autostash, out)
}

// QuitRebase forgets the rebase, leaving HEAD where it is.
func (r *Repository) QuitRebase(ctx context.Context) error {
	if !r.RebaseInProgress() {
		return &SequencerError{Fatal: "No rebase in progress?", Err: ErrNoRebase}
	}
	return r.removeRebaseState(ctx)
}

// EditTodo lets the user edit the remaining todo list (rebase
// --edit-todo).
func (r *Repository) EditTodo(ctx context.Context) error {
	if !r.RebaseInProgress() {
		return &SequencerError{Fatal: "No rebase in progress?", Err: ErrNoRebase}
	}
	path := r.rebasePath("git-rebase-todo")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	items, _ := r.parseTodo(ctx, string(data))
	help := todoHelp(countCommands(items), "", "")
	if i := strings.LastIndex(help, "git rebase --continue"); i >= 0 {
		help = help[:i] + "easel" + help[i+3:]
	}
	if err := r.writeRebaseFile("git-rebase-todo", formatTodo(items, r.NewAbbreviator())+help); err != nil {
		return err
	}
	if err := r.runEditor(r.SequenceEditor(), path); err != nil {
		return err
	}
	if data, err = os.ReadFile(path); err != nil {
		return err
	}
	if items, err = r.parseTodo(ctx, stripComments(string(data))); err != nil {
		return err
	}
	return r.writeRebaseFile("git-rebase-todo", formatTodo(items, nil))
}

// addExecCommands is git's todo_list_add_exec_commands: the commands after
// every pick and its fixup/squash chain.
func addExecCommands(items []todoItem, cmds []string) []todoItem {
	var execs []todoItem
	for _, c := range cmds {
		execs = append(execs, todoItem{cmd: "exec", arg: c})
	}
	var out []todoItem
	insert := false
	for _, it := range items {
		if insert && !it.isFixup() {
			out = append(out, execs...)
			insert = false
		}
		out = append(out, it)
		if it.cmd == "pick" {
			insert = true
		}
	}
	if insert || len(out) == len(items) {
		out = append(out, execs...)
	}
	return out
}

// rearrangeSquash is git's todo_list_rearrange_squash (--autosquash):
// "fixup! <subject>", "squash! <subject>" and "amend! <subject>" commits
// move after the commit they name (by subject, subject prefix or id).
func rearrangeSquash(items []todoItem, commits []*gitobj.Commit) []todoItem {
	bySubject := map[string]int{}
	subjects := make([]string, len(items))
	next := make([]int, len(items))
	tail := make([]int, len(items))
	byID := map[string]int{}
	rearranged := false
	for i := range items {
		next[i], tail[i] = -1, -1
		if !items[i].squashTarget() {
			continue
		}
		byID[items[i].id.String()] = i
	}
	for i := range items {
		it := &items[i]
		if !it.squashTarget() {
			continue
		}
		subj := it.arg
		for _, c := range commits {
			if c.Hash == it.id {
				subj = oneline(c.Message)
			}
		}
		subjects[i] = subj
		target := -1
		if p, ok := cutFixupish(subj); ok {
			for {
				p = strings.TrimLeft(p, " \t")
				q, more := cutFixupish(p)
				if !more {
					break
				}
				p = q
			}
			if j, ok := bySubject[p]; ok {
				target = j
			} else if !strings.Contains(p, " ") {
				for id, j := range byID {
					if len(p) >= 4 && strings.HasPrefix(id, p) && j < i {
						target = j
					}
				}
			}
			if target < 0 {
				for j := 0; j < i; j++ {
					if subjects[j] != "" && strings.HasPrefix(subjects[j], p) {
						target = j
						break
					}
				}
			}
		}
		if target >= 0 {
			rearranged = true
			switch {
			case strings.HasPrefix(subj, "fixup!"):
				it.cmd = "fixup"
			case strings.HasPrefix(subj, "amend!"):
				it.cmd, it.flag = "fixup", "-C"
			default:
				it.cmd = "squash"
			}
			if tail[target] < 0 {
				next[i], next[target] = next[target], i
			} else {
				next[i], next[tail[target]] = next[tail[target]], i
			}
			tail[target] = i
		} else if _, ok := bySubject[subj]; !ok {
			bySubject[subj] = i
		}
	}
	if !rearranged {
		return items
	}
	var out []todoItem
	for i := range items {
		if items[i].isFixup() {
			continue
		}
		for cur := i; cur >= 0; cur = next[cur] {
			out = append(out, items[cur])
		}
	}
	return out
}

func cutFixupish(s string) (string, bool) {
	for _, p := range []string{"fixup! ", "amend! ", "squash! "} {
		if strings.HasPrefix(s, p) {
			return s[len(p):], true
		}
	}
	return s, false
}

// rescheduledAdvice is git's advice when a todo command goes back on the
// list, as "hint:" lines.
func rescheduledAdvice(it todoItem) []string {
	lines := []string{"Could not execute the todo command", "", "    " + todoLine(it), "",
		"It has been rescheduled; To edit the command before continuing, please",
		"edit the todo list first:", "", "    easel rebase --edit-todo", "    easel rebase --continue"}
	for i, l := range lines {
		if l == "" {
			lines[i] = "hint: " // git's advice keeps the space on its blank lines here
		} else {
			lines[i] = "hint: " + l
		}
	}
	return lines
}
