package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newCherryPickCmd) }

// pickFlags are the options cherry-pick and revert share.
type pickFlags struct {
	NoCommit      bool
	Mainline      int
	RecordOrigin  bool
	Signoff       bool
	AllowEmpty    bool
	KeepRedundant bool
	FF            bool
	Strategy      []string
	Use           string // --strategy
	Continue      bool
	Skip          bool
	Abort         bool
	Quit          bool
	Edit          bool
	NoEdit        bool
	EmptyMessage  bool
	Reference     bool
}

func newCherryPickCmd(env *Env) *cobra.Command {
	var o pickFlags
	cmd := &cobra.Command{
		Use:   "cherry-pick [options] <commit>... | --continue | --skip | --abort | --quit",
		Short: "Apply the changes introduced by existing commits",
		Long: `Apply the change each named commit introduces (relative to its parent) on top of
HEAD and commit it, keeping its author and message; the committer is you. Ranges
(a..b) pick the commits of b not in a, oldest first. The merge is git's ort, so
a conflict stops with the files marked and the index holding the three versions:
resolve, 'easel add' them, then --continue (or --skip this commit, or --abort to
get back to where you started, or --quit to keep what is done). Several commits
are tracked in .git/sequencer and CHERRY_PICK_HEAD as git tracks them, so git
and easel can each continue what the other started.

-x appends "(cherry picked from commit ...)"; -n applies to the index and work
tree without committing; -m <n> picks a merge relative to its n-th parent;
--allow-empty keeps commits that were empty, --keep-redundant-commits also
those that become empty. A conflict exits 1.`,
		Example: `  easel cherry-pick feature~2
  easel cherry-pick -x main..feature
  easel cherry-pick -m 1 <merge>
  easel cherry-pick --continue`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("mainline") && o.Mainline <= 0 {
				return &UsageError{Msg: "option `mainline' expects a number greater than zero"}
			}
			return runPick(cmd.Context(), env, o, args, false)
		},
	}
	addPickFlags(cmd, &o, false)
	return cmd
}

func addPickFlags(cmd *cobra.Command, o *pickFlags, revert bool) {
	f := cmd.Flags()
	f.BoolVarP(&o.NoCommit, "no-commit", "n", false, "apply to the index and work tree only, do not commit")
	f.BoolVarP(&o.Signoff, "signoff", "s", false, "add a Signed-off-by trailer of the committer")
	f.IntVarP(&o.Mainline, "mainline", "m", 0, "pick a merge relative to this `parent-number` (from 1)")
	f.StringArrayVarP(&o.Strategy, "strategy-option", "X", nil, "ours, theirs, no-renames or subtree[=<dir>], as git's ort takes them")
	f.StringVar(&o.Use, "strategy", "", "merge `strategy`: ort, recursive, resolve, ours or subtree")
	f.BoolVar(&o.Continue, "continue", false, "commit the resolved pick and go on with the sequence")
	f.BoolVar(&o.Skip, "skip", false, "skip the stopped commit and go on")
	f.BoolVar(&o.Abort, "abort", false, "give up and return to the state before the sequence")
	f.BoolVar(&o.Quit, "quit", false, "forget the sequence in progress, keeping what is done")
	f.BoolVarP(&o.Edit, "edit", "e", false, "accepted for compatibility; the message is not edited")
	f.BoolVar(&o.NoEdit, "no-edit", false, "use the prepared message as it is (the default)")
	if revert {
		f.BoolVar(&o.Reference, "reference", false, "name the commit as \"<abbrev> (<subject>, <date>)\" and leave the title to write (revert.reference)")
	}
	if !revert {
		f.BoolVarP(&o.RecordOrigin, "x", "x", false, "append \"(cherry picked from commit ...)\" to the message")
		f.BoolVar(&o.AllowEmpty, "allow-empty", false, "keep commits that were empty")
		f.BoolVar(&o.KeepRedundant, "keep-redundant-commits", false, "keep commits that become empty (implies --allow-empty)")
		f.BoolVar(&o.FF, "ff", false, "fast-forward when HEAD is the picked commit's parent")
		f.BoolVar(&o.EmptyMessage, "allow-empty-message", false, "accepted for git's sake: messages are kept as they are, even empty")
	}
}

func runPick(ctx context.Context, env *Env, f pickFlags, args []string, revert bool) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	name := "cherry-pick"
	if revert {
		name = "revert"
	}
	modes := 0
	for _, b := range []bool{f.Continue, f.Skip, f.Abort, f.Quit} {
		if b {
			modes++
		}
	}
	if modes > 1 {
		return &UsageError{Msg: "--continue, --skip, --abort and --quit cannot be combined"}
	}
	if modes == 1 && len(args) > 0 {
		return &UsageError{Msg: fmt.Sprintf("%s: --continue, --skip, --abort and --quit take no commits", name)}
	}
	if modes == 0 && len(args) == 0 {
		return &UsageError{Msg: fmt.Sprintf("%s: nothing to %s; name at least one commit", name, name)}
	}
	if f.Mainline < 0 {
		return &UsageError{Msg: "option `mainline' expects a number greater than zero"}
	}
	if f.KeepRedundant {
		f.AllowEmpty = true
	}
	if err := pickXOptions(f.Use, f.Strategy); err != nil {
		return err
	}
	if err := pickStrategy(f.Use); err != nil {
		return err
	}
	if f.FF {
		// git's verify_opt_compatible, in its order
		for _, c := range []struct {
			on   bool
			name string
		}{{f.Signoff, "--signoff"}, {f.NoCommit, "--no-commit"}, {f.RecordOrigin, "-x"}, {f.Edit, "--edit"}} {
			if c.on {
				return sequencerResult(env, r, &repo.SequencerError{Fatal: fmt.Sprintf("%s: %s cannot be used with --ff", name, c.name)})
			}
		}
	}
	o := repo.PickOptions{Revert: revert, ReplayOptions: repo.ReplayOptions{
		NoCommit: f.NoCommit, RecordOrigin: f.RecordOrigin, Signoff: f.Signoff, AllowEmpty: f.AllowEmpty,
		KeepRedundant: f.KeepRedundant, AllowFF: f.FF, Mainline: f.Mainline, StrategyOption: f.Strategy, Strategy: f.Use,
		Reference: f.Reference || (revert && r.ConfigBool("revert.reference", false)),
	}}
	o.Committed = func(id plumbing.Hash, showDate bool) { printPickSummary(ctx, env.IO.Out, r, id, showDate) }
	o.Merged = func(msgs []string) {
		for _, m := range msgs {
			fmt.Fprintln(env.IO.Out, m)
		}
	}
	switch {
	case f.Continue:
		return sequencerResult(env, r, r.ContinuePick(ctx, o))
	case f.Skip:
		return sequencerResult(env, r, r.SkipPick(ctx, o))
	case f.Abort:
		warn, err := r.AbortPick(ctx, o)
		if warn != "" {
			fmt.Fprintln(env.IO.Err, "warning: "+warn)
		}
		return sequencerResult(env, r, err)
	case f.Quit:
		return sequencerResult(env, r, r.QuitPick())
	}
	commits, single, err := pickRevisions(ctx, r, args, revert)
	if err != nil {
		return err
	}
	o.Single = single
	return sequencerResult(env, r, r.CherryPick(ctx, commits, o))
}

// pickRevisions resolves the command line as git's cherry-pick does: one
// plain revision is a single pick; otherwise ranges and "^rev" make a
// walk (oldest first for cherry-pick, newest first for revert) and plain
// revisions are taken in the order given.
func pickRevisions(ctx context.Context, r *repo.Repository, args []string, revert bool) ([]plumbing.Hash, bool, error) {
	args = append([]string(nil), args...)
	for i, a := range args {
		if a == "-" { // the previous branch, as git reads it here
			args[i] = "@{-1}"
		}
	}
	walk := false
	for _, a := range args {
		if strings.Contains(a, "..") || strings.HasPrefix(a, "^") {
			walk = true
		}
	}
	if !walk {
		var out []plumbing.Hash
		for _, a := range args {
			h, err := r.ResolveCommit(ctx, a)
			if err != nil {
				return nil, false, err
			}
			out = append(out, h)
		}
		return out, len(args) == 1, nil
	}
	start := &repo.LogStart{Revs: args}
	if err := r.ResolveLogStart(ctx, start); err != nil {
		return nil, false, err
	}
	w, err := r.WalkLog(ctx, start, repo.LogWalkOptions{Max: -1, Reverse: !revert})
	if err != nil {
		return nil, false, err
	}
	var out []plumbing.Hash
	for {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, err
		}
		out = append(out, c.Hash)
	}
	return out, false, nil
}

// printPickSummary is git's print_commit_summary with the author date
// shown, as the sequencer prints it after each commit.
func printPickSummary(ctx context.Context, w io.Writer, r *repo.Repository, id plumbing.Hash, showDate bool) {
	c, err := r.CommitObject(id)
	if err != nil {
		return
	}
	where := "detached HEAD"
	if b, _ := r.HeadBranch(); b != "" {
		where = b.Short()
	}
	subject, _, _ := strings.Cut(c.Message, "\n")
	fmt.Fprintf(w, "[%s %s] %s\n", where, r.NewAbbreviator().ShortID(id), subject)
	printCommitSummary(ctx, w, r, id, showDate)
}

// sequencerResult prints what the sequencer reports as git does and
// turns it into the exit code: a stop exits 1 after the merge messages on
// stdout and git's error and hints on stderr; other failures print their
// error:, hint: and fatal: lines.
func sequencerResult(env *Env, r *repo.Repository, err error) error {
	if err == nil {
		return nil
	}
	var st *repo.PickStopped
	if errors.As(err, &st) {
		if st.NothingToCommit {
			ctx := context.Background()
			if s, serr := r.Status(ctx, repo.StatusOptions{}); serr == nil {
				var b strings.Builder
				printLongStatus(&b, s, nil, opState{picking: r.CherryPicking()}, false, true, func(p string) string { return displayPath(r, env, p) })
				first, rest, _ := strings.Cut(b.String(), "\n")
				fmt.Fprintln(env.IO.Out, first)
				for _, l := range st.InProgress {
					fmt.Fprintln(env.IO.Out, l)
				}
				fmt.Fprint(env.IO.Out, rest)
			}
		}
		for _, m := range st.Messages {
			fmt.Fprintln(env.IO.Out, m)
		}
		for _, l := range st.Stderr {
			fmt.Fprintln(env.IO.Err, l)
		}
		return &ExitError{Code: st.Code}
	}
	var se *repo.SequencerError
	if errors.As(err, &se) {
		for _, l := range se.Errors {
			fmt.Fprintln(env.IO.Err, "error: "+l)
		}
		for _, l := range se.Hints {
			fmt.Fprintln(env.IO.Err, "hint: "+l)
		}
		if se.Fatal != "" {
			fmt.Fprintln(env.IO.Err, "fatal: "+se.Fatal)
		}
		code := se.Code
		if code == 0 {
			code = ExitFailure
			if se.Err != nil {
				code = ExitCode(se.Err)
			}
		}
		return &ExitError{Code: code}
	}
	var oe *repo.OverwriteError
	if errors.As(err, &oe) {
		fmt.Fprintln(env.IO.Err, oe.Report())
		return &ExitError{Code: ExitWouldOverwrite}
	}
	return err
}
