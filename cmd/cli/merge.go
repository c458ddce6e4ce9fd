package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitconfig"
)

func init() {
	register(newMergeCmd)
	// A merge stopped with conflicts must be concluded or aborted first:
	// the same state as unmerged paths for scripts.
}

type mergeOptions struct {
	Rev      string
	Revs     []string // every commit to merge; Rev is the first
	Message  string
	FFOnly   bool
	NoFF     bool
	NoCommit bool
	Squash   bool
	NoStat   bool
	Conflict string
	Strategy []string // -X options
	Use      []string // -s strategies, in order
	Abort    bool
	Continue bool
	Quiet    bool
	NoVerify bool
	Edit     bool
	NoEdit   bool
	Cleanup  string
	Signoff  bool
	// AllowUnrelated is --allow-unrelated-histories.
	AllowUnrelated bool
}

func newMergeCmd(env *Env) *cobra.Command {
	var o mergeOptions
	cmd := &cobra.Command{
		Use:   "merge [<branch|commit>...]",
		Short: "Join another line of history into the current branch",
		Long: `Merge the named branch or commit into the current branch. When the current
branch is already contained in it, the branch is fast-forwarded; otherwise a
three-way merge (git's ort: renames followed, criss-cross bases merged into a
virtual base) makes a commit with two parents.

Conflicts stop the merge with exit code 1: conflicted files hold markers, the
index holds the base/ours/theirs versions, and MERGE_HEAD and MERGE_MSG record
the merge. Resolve, 'easel add' the files, then 'easel merge --continue' (or
'easel commit'); 'easel merge --abort' goes back to where you started.

--squash merges into the index and work tree without moving HEAD or recording
the merge: the next 'easel commit' makes one ordinary commit, its message the
list of merged commits prepared in SQUASH_MSG.

-X ours and -X theirs resolve conflicting hunks of text files (and whole binary
files) with that side, keeping the other side's changes that do not conflict;
conflicts between whole files (modified on one side, deleted on the other, say)
still stop the merge. -X no-renames turns rename detection off. -X subtree=<dir>
shifts their tree into (or out of) that directory first.

Several commits make an octopus merge: one commit with all of them as parents,
merged one after another; only the last may leave conflicts. -s picks the
strategy as git's does: ort (recursive is the same engine), resolve (no rename
detection), octopus, ours (keep HEAD's tree, record the others as parents) and
subtree (their tree shifted to match a subdirectory); several -s are tried in
order, the first clean result taken. pull.twohead and pull.octopus set the
defaults. A strategy that cannot handle the merge exits with code 2.

A merge that would overwrite uncommitted changes refuses to start (exit code 9)
and names the files.`,
		Example: `  easel merge feature
  easel merge --no-ff -m "Merge feature work" feature
  easel merge --ff-only origin/main
  easel merge --conflict=diff3 feature
  easel merge -X theirs vendor-update
  easel merge topic-a topic-b topic-c
  easel merge -s ours obsolete-branch
  easel merge -s subtree vendor-lib
  easel merge --squash feature && easel commit
  easel merge --continue
  easel merge --abort`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Revs = args
			if len(args) > 0 {
				o.Rev = args[0]
			}
			for _, s := range o.Use {
				if _, custom := repo.ExternalStrategy(s); !repo.KnownStrategy(s) && !custom {
					fmt.Fprintf(env.IO.Err, "Could not find merge strategy '%s'.\nAvailable strategies are: %s.\n", s, strings.Join(repo.MergeStrategies, " "))
					return &ExitError{Code: ExitConflict}
				}
			}
			if o.Abort && o.Continue {
				return &UsageError{Msg: "--abort and --continue cannot be combined"}
			}
			if (o.Abort || o.Continue) && o.Rev != "" {
				return &UsageError{Msg: "--abort and --continue take no revision"}
			}
			if !o.Abort && !o.Continue && o.Rev == "" {
				return &UsageError{Msg: "no revision to merge given\nsee 'easel merge --help'"}
			}
			if o.FFOnly && o.NoFF {
				return &UsageError{Msg: "--ff-only and --no-ff cannot be combined"}
			}
			if o.Squash && o.NoFF {
				return &UsageError{Msg: "--squash and --no-ff cannot be combined"}
			}
			switch o.Conflict {
			case "", "merge", "diff3", "zdiff3":
			default:
				return &UsageError{Msg: fmt.Sprintf("unknown conflict style %q (merge, diff3 or zdiff3)", o.Conflict)}
			}
			custom := false
			for _, s := range o.Use {
				custom = custom || !repo.KnownStrategy(s)
			}
			if _, err := mergeXOptions(o.Strategy); err != nil && !custom {
				return err
			}
			return runMerge(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Message, "message", "m", "", "use this commit message instead of git's \"Merge branch '...'\"")
	f.BoolVar(&o.FFOnly, "ff-only", false, "refuse unless the merge is a fast-forward")
	f.BoolVar(&o.NoFF, "no-ff", false, "make a merge commit even when a fast-forward is possible")
	f.BoolVar(&o.NoCommit, "no-commit", false, "merge into the index and work tree but do not commit")
	f.BoolVarP(&o.NoStat, "no-stat", "n", false, "print no diffstat after the merge (merge.stat=false does the same)")
	f.BoolVar(&o.Squash, "squash", false, "merge into the index and work tree only, for one ordinary commit (its message prepared in SQUASH_MSG)")
	f.StringVar(&o.Conflict, "conflict", "", "conflict marker style: merge, diff3 or zdiff3 (default merge.conflictStyle)")
	addStrategyFlag(f, &o.Strategy)
	f.StringArrayVarP(&o.Use, "strategy", "s", nil, "merge `strategy`: ort, recursive, resolve, octopus, ours or subtree (repeatable: tried in order)")
	f.BoolVar(&o.Abort, "abort", false, "give up the merge in progress and restore the pre-merge state")
	f.BoolVar(&o.Continue, "continue", false, "commit the merge in progress once conflicts are resolved")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print only errors")
	f.BoolVar(&o.NoVerify, "no-verify", false, "skip the pre-merge-commit and commit-msg hooks")
	f.BoolVarP(&o.Edit, "edit", "e", false, "edit the merge message in the editor")
	f.BoolVar(&o.NoEdit, "no-edit", false, "take the merge message as prepared")
	f.StringVar(&o.Cleanup, "cleanup", "", "`mode` of message clean-up, as for commit")
	f.BoolVar(&o.Signoff, "signoff", false, "add a Signed-off-by trailer")
	f.BoolVar(&o.AllowUnrelated, "allow-unrelated-histories", false, "merge a history that shares no commit with HEAD")
	return cmd
}

func runMerge(ctx context.Context, env *Env, o mergeOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	say := func(format string, args ...any) {
		if !o.Quiet {
			fmt.Fprintf(env.IO.Out, format, args...)
		}
	}
	switch {
	case o.Abort:
		return r.AbortMerge(ctx)
	case o.Continue:
		c, err := r.ContinueMerge(ctx, o.Message)
		if err != nil {
			return err
		}
		say("[%s] merge committed\n", c.String()[:7])
		return nil
	}
	var heads []repo.MergeHead
	for _, rev := range o.Revs {
		id, err := r.ResolveCommit(ctx, rev)
		if err != nil {
			return err
		}
		heads = append(heads, repo.MergeHead{Hash: id, Name: rev, Kind: refKind(r, rev)})
	}
	x, _ := mergeXOptions(o.Strategy)
	compose := &repo.ComposeOptions{NoVerify: o.NoVerify, Edit: mergeEdit(o), Cleanup: o.Cleanup, Signoff: o.Signoff,
		Stdin: env.IO.In, Stdout: env.IO.Out, Stderr: env.IO.Err}
	out, err := r.Merge(ctx, repo.MergeOptions{
		Heads: heads, Strategies: o.Use, SubtreeShift: x.subtree, XOpts: o.Strategy, Out: env.IO.Out, Err: env.IO.Err,
		Message: o.Message, FFOnly: o.FFOnly, NoFF: o.NoFF, NoCommit: o.NoCommit,
		ConflictStyle: o.Conflict, Favor: x.favor, NoRenames: x.noRenames, Squash: o.Squash,
		Compose: compose, AllowUnrelated: o.AllowUnrelated,
	})
	var se *repo.StrategyError
	if errors.As(err, &se) {
		for _, m := range se.Output {
			say("%s\n", m)
		}
		for _, m := range se.Stderr {
			fmt.Fprintln(env.IO.Err, m)
		}
		fmt.Fprintln(env.IO.Err, se.Error())
		return &ExitError{Code: ExitUsage}
	}
	if out != nil {
		for _, m := range out.ErrMessages {
			fmt.Fprintln(env.IO.Err, m)
		}
	}
	if errors.Is(err, repo.ErrMergeNotCommitted) {
		return &ExitError{Code: ExitConflict, Err: err}
	}
	if err != nil {
		return err // an OverwriteError prints as git reports it (root.go)
	}
	switch {
	case out.Kind == repo.MergeCommitted, out.Kind == repo.MergeFastForward, out.Squash && out.Kind == repo.MergeStopped:
		// As git: post-merge learns whether it was a squash merge.
		flag := "0"
		if out.Squash {
			flag = "1"
		}
		defer r.Hooks(env.IO.Err).Run(ctx, "post-merge", nil, nil, flag)
	}
	if err := reportMerge(out, say); err != nil {
		return err
	}
	if o.Quiet || o.NoStat || !mergeStatWanted(out) {
		return nil
	}
	return printMergeStat(ctx, env.IO.Out, env, r, out)
}

// mergeEdit is whether git merge opens the editor: --edit/--no-edit, no
// with -m, then $GIT_MERGE_AUTOEDIT, else when standard input and output
// are a terminal.
func mergeEdit(o mergeOptions) int {
	switch {
	case o.Edit:
		return 1
	case o.NoEdit, o.Message != "":
		return 0
	}
	if v, ok := os.LookupEnv("GIT_MERGE_AUTOEDIT"); ok {
		if b, ok := gitconfig.ParseBool(v, false); ok && b {
			return 1
		}
		return 0
	}
	if isTerminal(os.Stdin) && isTerminal(os.Stdout) {
		return 1
	}
	return 0
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// addStrategyFlag adds -X, --strategy-option (merge and pull share it).
func addStrategyFlag(f *pflag.FlagSet, into *[]string) {
	f.StringArrayVarP(into, "strategy-option", "X", nil, "ours, theirs or no-renames (repeatable), as git's ort strategy takes them")
}

// pickStrategy checks the -s of a pick (cherry-pick, revert, rebase):
// any strategy merge knows except octopus, which merges several heads.
func pickStrategy(s string) error {
	if s == "" {
		return nil
	}
	if _, custom := repo.ExternalStrategy(s); (!repo.KnownStrategy(s) && !custom) || s == repo.StrategyOctopus {
		return &UsageError{Msg: fmt.Sprintf("unsupported merge strategy '%s' (ort, recursive, resolve, ours or subtree)", s)}
	}
	return nil
}

// xOptions are the -X options of git merge easel runs.
type xOptions struct {
	favor     string
	noRenames bool
	subtree   string // "-": guess the directory
}

// mergeXOptions reads merge's -X options: those strategyOptions knows,
// and subtree[=<path>].
func mergeXOptions(opts []string) (xOptions, error) {
	var x xOptions
	var rest []string
	for _, opt := range opts {
		switch {
		case opt == "subtree":
			x.subtree = "-"
		case strings.HasPrefix(opt, "subtree="):
			x.subtree = strings.TrimPrefix(opt, "subtree=")
		default:
			rest = append(rest, opt)
		}
	}
	var err error
	x.favor, x.noRenames, err = strategyOptions(rest)
	return x, err
}

// pickXOptions checks -X for a pick: with a custom strategy any option
// goes to the program, as git passes them on.
func pickXOptions(strategy string, opts []string) error {
	if _, custom := repo.ExternalStrategy(strategy); custom && !repo.KnownStrategy(strategy) {
		return nil
	}
	_, err := mergeXOptions(opts)
	return err
}

// strategyOptions reads the -X options easel knows; any other is a usage
// error rather than silently ignored, since it would change the result.
func strategyOptions(opts []string) (favor string, noRenames bool, err error) {
	for _, opt := range opts {
		switch opt {
		case merge.FavorOurs, merge.FavorTheirs:
			if favor != "" && favor != opt {
				return "", false, &UsageError{Msg: "-X ours and -X theirs cannot be combined"}
			}
			favor = opt
		case "no-renames":
			noRenames = true
		case "find-renames":
			noRenames = false
		default:
			return "", false, &UsageError{Msg: fmt.Sprintf("unsupported strategy option %q (ours, theirs, no-renames or find-renames)", opt)}
		}
	}
	return favor, noRenames, nil
}

// reportMerge prints what a merge did, as git does, and turns a conflicted
// merge into its exit code. pull shares it.
func reportMerge(out *repo.MergeOutcome, say func(format string, args ...any)) error {
	for _, m := range out.Messages {
		say("%s\n", m)
	}
	switch out.Kind {
	case repo.MergeUpToDate:
		say("Already up to date.\n")
	case repo.MergeFastForward:
		if out.OldHead.IsZero() {
			say("Fast-forward to %s\n", shortID(out.NewHead))
		} else {
			say("Updating %s..%s\nFast-forward\n", shortID(out.OldHead), shortID(out.NewHead))
		}
	}
	if out.Squash {
		say("Squash commit -- not updating HEAD\n")
	}
	switch out.Kind {
	case repo.MergeCommitted:
		strategy := out.Strategy
		if strategy == "" {
			strategy = repo.StrategyOrt
		}
		if out.Trivial {
			say("In-index merge\n")
		} else {
			say("Merge made by the '%s' strategy.\n", strategy)
		}
	case repo.MergeStopped:
		say("Automatic merge went well; stopped before committing as requested\n")
	case repo.MergeConflicted:
		say("Automatic merge failed; fix conflicts and then commit the result.\n")
		return &ExitError{Code: ExitConflict}
	}
	return nil
}

// refKind names what rev is the way git's merge message does.
func refKind(r *repo.Repository, rev string) string {
	exists := func(name string) bool {
		_, err := r.ResolveRef(plumbing.ReferenceName(name))
		return err == nil
	}
	switch {
	case strings.HasPrefix(rev, "refs/"):
		return "commit"
	case exists("refs/heads/" + rev):
		return "branch"
	case exists("refs/tags/" + rev):
		return "tag"
	case exists("refs/remotes/" + rev):
		return "remote-tracking branch"
	}
	return "commit"
}
