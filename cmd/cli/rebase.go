package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newRebaseCmd) }

type rebaseFlags struct {
	Onto        string
	Interactive bool
	Continue    bool
	Skip        bool
	Abort       bool
	Quit        bool
	EditTodo    bool
	Autostash   bool
	NoAutostash bool
	Autosquash  bool
	NoAutosq    bool
	Exec        []string
	Force       bool
	Quiet       bool
	Strategy    []string
	Merge       bool
	StrategyOpt string
	Reapply     bool
	NoReapply   bool
	Merges      string
	Signoff     bool
	Reschedule  bool
	NoResched   bool
	NoMerges    bool
	Root        bool
	NoVerify    bool
	Verify      bool
}

func newRebaseCmd(env *Env) *cobra.Command {
	var o rebaseFlags
	cmd := &cobra.Command{
		Use:   "rebase [-i] [--onto <newbase>] [<upstream> [<branch>]] | --continue | --skip | --abort | --quit | --edit-todo",
		Short: "Replay the current branch's commits on top of another base",
		Long: `Move the commits of the current branch that <upstream> does not have (default: the
branch's upstream) onto <upstream>, or onto --onto <newbase>, one pick at a time
with git's merge; commits whose change upstream already has are dropped, as git
finds them (patch ids). A conflict stops with the files marked: resolve, 'easel
add' them, then --continue, or --skip the commit, or --abort to return to where
you started (--quit keeps HEAD where it is). State is kept in .git/rebase-merge
as git keeps it, so git and easel can each continue the other's rebase; the
reflog records "rebase (start)", "rebase (pick)" and "rebase (finish)" as git.

-i opens the todo list (pick, reword, edit, squash, fixup [-C|-c], drop, exec,
break) in the sequence editor (GIT_SEQUENCE_EDITOR, sequence.editor, then the
commit editor); --autosquash moves "fixup!"/"squash!"/"amend!" commits after the
commit they name; --exec runs a command after each pick. --rebase-merges (-r)
keeps the branch's merges: the todo list recreates its branches with label,
reset and merge commands, as git's does. --autostash stashes
local changes first and applies them at the end. A conflict exits 1.`,
		Example: `  easel rebase main
  easel rebase --onto main feature~3 feature
  easel rebase -i --autosquash main
  easel rebase --rebase-merges main
  easel rebase --continue`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRebase(cmd.Context(), env, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Onto, "onto", "", "put the commits on `newbase` instead of upstream")
	f.BoolVarP(&o.Interactive, "interactive", "i", false, "edit the todo list first")
	f.BoolVar(&o.Continue, "continue", false, "go on after resolving a conflict or an edit")
	f.BoolVar(&o.Skip, "skip", false, "drop the stopped commit and go on")
	f.BoolVar(&o.Abort, "abort", false, "return to the state before the rebase")
	f.BoolVar(&o.Quit, "quit", false, "forget the rebase, leaving HEAD where it is")
	f.BoolVar(&o.EditTodo, "edit-todo", false, "edit the rest of the todo list")
	f.BoolVar(&o.Autostash, "autostash", false, "stash local changes first and apply them at the end")
	f.BoolVar(&o.NoAutostash, "no-autostash", false, "do not stash (rebase.autoStash=false)")
	f.BoolVar(&o.Autosquash, "autosquash", false, "with -i: move fixup!/squash!/amend! commits after their target")
	f.BoolVar(&o.NoAutosq, "no-autosquash", false, "do not rearrange fixup!/squash! commits")
	f.StringArrayVarP(&o.Exec, "exec", "x", nil, "run this shell `command` after each pick")
	f.BoolVarP(&o.Force, "force-rebase", "f", false, "pick every commit even when it could be kept as is")
	f.BoolVar(&o.Force, "no-ff", false, "same as --force-rebase")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print less")
	f.StringArrayVarP(&o.Strategy, "strategy-option", "X", nil, "ours, theirs, no-renames or subtree[=<dir>], as git's ort takes them")
	f.BoolVarP(&o.Merge, "merge", "m", false, "use the merge backend (the only one: accepted for git's sake)")
	f.StringVarP(&o.StrategyOpt, "strategy", "s", "", "merge `strategy` for the picks: ort, recursive, resolve, ours or subtree")
	f.BoolVar(&o.Reapply, "reapply-cherry-picks", false, "keep commits whose change upstream already has")
	f.BoolVar(&o.NoReapply, "no-reapply-cherry-picks", false, "drop commits whose change upstream already has (default)")
	f.StringVarP(&o.Merges, "rebase-merges", "r", "", "keep the branch structure: recreate merges (`mode` rebase-cousins also moves branches that start below the merge base)")
	f.Lookup("rebase-merges").NoOptDefVal = "no-rebase-cousins"
	f.BoolVar(&o.NoMerges, "no-rebase-merges", false, "drop merges and linearise the branch (default)")
	f.BoolVar(&o.Reschedule, "reschedule-failed-exec", false, "put an exec that failed back on the todo list (rebase.rescheduleFailedExec)")
	f.BoolVar(&o.NoResched, "no-reschedule-failed-exec", false, "do not reschedule failed execs")
	f.BoolVar(&o.Root, "root", false, "rebase every commit of the branch, the root commits included (onto --onto, or as new roots)")
	f.BoolVar(&o.NoVerify, "no-verify", false, "skip the pre-rebase hook")
	f.BoolVar(&o.Verify, "verify", false, "run the pre-rebase hook (default)")
	f.BoolVar(&o.Signoff, "signoff", false, "add a Signed-off-by trailer to every commit rebased (implies --force-rebase)")
	return cmd
}

func runRebase(ctx context.Context, env *Env, o rebaseFlags, args []string) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	modes := 0
	for _, b := range []bool{o.Continue, o.Skip, o.Abort, o.Quit, o.EditTodo} {
		if b {
			modes++
		}
	}
	if modes == 1 && (o.Reschedule || o.NoResched) {
		return &UsageError{Msg: "--[no-]reschedule-failed-exec is set when a rebase starts"}
	}
	if modes > 1 || (modes == 1 && len(args) > 0) {
		return &UsageError{Msg: "--continue, --skip, --abort, --quit and --edit-todo take no other arguments"}
	}
	committed := func(id plumbing.Hash, showDate bool) {
		c, err := r.CommitObject(id)
		if err != nil {
			return
		}
		where := "detached HEAD"
		if b, _ := r.HeadBranch(); b != "" {
			where = b.Short()
		}
		subject, _, _ := strings.Cut(c.Message, "\n")
		fmt.Fprintf(env.IO.Out, "[%s %s] %s\n", where, r.NewAbbreviator().ShortID(id), subject)
		printCommitSummary(ctx, env.IO.Out, r, id, showDate)
	}
	switch {
	case o.Continue:
		return sequencerResult(env, r, r.ContinueRebase(ctx, env.IO.Out, env.IO.Err, committed))
	case o.Skip:
		return sequencerResult(env, r, r.SkipRebase(ctx, env.IO.Out, env.IO.Err, committed))
	case o.Abort:
		return sequencerResult(env, r, r.AbortRebase(ctx, env.IO.Out))
	case o.Quit:
		return sequencerResult(env, r, r.QuitRebase(ctx))
	case o.EditTodo:
		return sequencerResult(env, r, r.EditTodo(ctx))
	}
	if err := pickXOptions(o.StrategyOpt, o.Strategy); err != nil {
		return err
	}
	if err := pickStrategy(o.StrategyOpt); err != nil {
		return err
	}
	switch o.Merges {
	case "", "no-rebase-cousins", "rebase-cousins":
	default:
		return &UsageError{Msg: fmt.Sprintf("unknown mode for --rebase-merges: %s", o.Merges)}
	}
	if len(args) > 0 && args[0] == "-" { // the previous branch
		args[0] = "@{-1}"
	}
	ro := repo.RebaseOptions{
		Interactive: o.Interactive, Force: o.Force, Exec: o.Exec, Quiet: o.Quiet,
		StrategyOption: o.Strategy, Strategy: o.StrategyOpt, Out: env.IO.Out, Err: env.IO.Err, Committed: committed,
		ReapplyCherryPicks: o.Reapply && !o.NoReapply,
		RebaseMerges:       o.Merges != "" && !o.NoMerges, RebaseCousins: o.Merges == "rebase-cousins",
		Signoff:              o.Signoff,
		RescheduleFailedExec: (r.ConfigBool("rebase.rescheduleFailedExec", false) || o.Reschedule) && !o.NoResched,
	}
	ro.Autostash = r.ConfigBool("rebase.autoStash", false)
	if o.Autostash {
		ro.Autostash = true
	}
	if o.NoAutostash {
		ro.Autostash = false
	}
	ro.Autosquash = r.ConfigBool("rebase.autoSquash", false)
	if o.Autosquash {
		ro.Autosquash = true
	}
	if o.NoAutosq {
		ro.Autosquash = false
	}
	ro.Strategy, ro.NoVerify = o.StrategyOpt, o.NoVerify && !o.Verify
	if o.Root {
		if len(args) > 1 {
			return &UsageError{Msg: "--root takes at most one argument, the branch"}
		}
		ro.Root = true
		if len(args) == 1 {
			ro.Branch = args[0]
		}
	} else if len(args) == 2 {
		ro.Branch = args[1]
	}
	if o.Root {
		// no upstream: every commit of the branch
	} else if len(args) > 0 {
		if ro.Upstream, err = r.ResolveCommit(ctx, args[0]); err != nil {
			return sequencerResult(env, r, &repo.SequencerError{Fatal: fmt.Sprintf("invalid upstream '%s'", args[0]), Err: repo.ErrUnknownRevision})
		}
		ro.UpstreamName = args[0]
	} else {
		// The branch's upstream, from the newest of its values the
		// branch contains (git's --fork-point default): commits the
		// upstream dropped by a rewrite are not replayed.
		upRef := plumbing.ReferenceName("")
		if b, _ := r.HeadBranch(); b != "" {
			upRef, _ = r.UpstreamRef(b.Short())
		}
		up, err := r.ResolveRef(upRef)
		if upRef == "" || err != nil {
			return sequencerResult(env, r, &repo.SequencerError{Errors: []string{"There is no tracking information for the current branch.",
				"Please specify which branch you want to rebase against.",
				"See easel-rebase(1) for details.", "",
				"    easel rebase '<branch>'", ""}, Err: repo.ErrUnknownRevision})
		}
		ro.Upstream, ro.UpstreamName = up, upRef.Short()
		head, _ := r.Head()
		if fork, err := r.ForkPoint(ctx, upRef, head); err == nil && fork != up {
			ro.ForkPoint = fork
		}
	}
	if o.Onto != "" {
		if ro.Onto, err = r.ResolveCommit(ctx, o.Onto); err != nil {
			return sequencerResult(env, r, &repo.SequencerError{Fatal: fmt.Sprintf("Does not point to a valid commit '%s'", o.Onto), Err: repo.ErrUnknownRevision})
		}
		ro.OntoName = o.Onto
	}
	return sequencerResult(env, r, r.Rebase(ctx, ro))
}
