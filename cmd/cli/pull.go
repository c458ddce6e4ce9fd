package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/remote"
	"easel.dev/easel/repo"
)

func init() { register(newPullCmd) }

type pullOptions struct {
	Remote   string
	Branch   string
	FFOnly   bool
	NoStat   bool
	Strategy []string // -X options
	Quiet    bool
	// Rebase is --rebase[=<mode>] ("" when not given); NoRebase is
	// --no-rebase. Without either, branch.<name>.rebase and pull.rebase
	// decide.
	Rebase    string
	NoRebase  bool
	Autostash bool
	// AllowUnrelated is --allow-unrelated-histories, passed to the merge.
	AllowUnrelated bool
}

func newPullCmd(env *Env) *cobra.Command {
	var o pullOptions
	cmd := &cobra.Command{
		Use:   "pull [remote [branch]]",
		Short: "Fetch from a remote and merge into the current branch",
		Long: `Pull fetches (see 'easel fetch') and then merges the remote branch into the current
branch: a fast-forward when the current branch has no commits of its own,
otherwise a merge commit, or a stop with conflicts to resolve as after 'easel merge'.
Without arguments it uses the current branch's upstream (set by clone or push -u).
--rebase (or pull.rebase / branch.<name>.rebase set to true) replays your commits
on top of the fetched branch instead, as 'easel rebase' does (a fast-forward
when you have none); --no-rebase merges whatever the configuration says.`,
		Example: `  easel pull
  easel pull origin main
  easel pull --ff-only
  easel pull -X theirs`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				o.Remote = args[0]
			}
			if len(args) > 1 {
				o.Branch = args[1]
			}
			if _, _, err := strategyOptions(o.Strategy); err != nil {
				return err
			}
			return runPull(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVar(&o.FFOnly, "ff-only", false, "refuse unless the merge is a fast-forward")
	addStrategyFlag(cmd.Flags(), &o.Strategy)
	cmd.Flags().BoolVarP(&o.NoStat, "no-stat", "n", false, "print no diffstat after the merge (merge.stat=false does the same)")
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	cmd.Flags().StringVarP(&o.Rebase, "rebase", "r", "", "replay your commits on top of the fetched branch instead of merging (`true|false|merges|interactive`)")
	cmd.Flags().Lookup("rebase").NoOptDefVal = "true"
	cmd.Flags().BoolVar(&o.NoRebase, "no-rebase", false, "merge even when pull.rebase or branch.<name>.rebase says rebase")
	cmd.Flags().BoolVar(&o.Autostash, "autostash", false, "with --rebase: stash local changes first, apply them at the end")
	cmd.Flags().BoolVar(&o.AllowUnrelated, "allow-unrelated-histories", false, "merge a history that shares no commit with HEAD")
	return cmd
}

func runPull(ctx context.Context, env *Env, o pullOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	head, err := r.HeadBranch()
	if err != nil {
		return err
	}
	if head == "" {
		return fmt.Errorf("you are not on a branch; say which branch to merge: easel pull <remote> <branch>: %w", repo.ErrUnknownRevision)
	}
	remoteName, merge := o.Remote, plumbing.ReferenceName("")
	if o.Branch != "" {
		merge = plumbing.NewBranchReferenceName(o.Branch)
	} else {
		upRemote, upMerge, err := r.Upstream(head.Short())
		if err != nil {
			return err
		}
		if upMerge == "" || (remoteName != "" && upRemote != remoteName) {
			return &UsageError{Msg: fmt.Sprintf("there is no tracking information for the current branch; run 'easel pull <remote> <branch>' or set it with 'easel push -u <remote> %s'", head.Short())}
		}
		remoteName, merge = upRemote, upMerge
	}
	// git's reflog action for a pull is the command line: "pull",
	// "pull origin main", "pull --rebase".
	rebaseMode := r.PullRebase(head.Short())
	flag := ""
	if o.Rebase != "" {
		rebaseMode, flag = o.Rebase, " --rebase"
		if o.Rebase != "true" {
			flag += "=" + o.Rebase
		}
		switch o.Rebase {
		case "true", "false", "interactive", "merges":
		default:
			return &UsageError{Msg: fmt.Sprintf("invalid value for '--rebase': '%s' (true, false, merges or interactive)", o.Rebase)}
		}
	}
	if o.NoRebase {
		rebaseMode, flag = "false", " --no-rebase"
	}
	action := strings.TrimSpace("pull" + flag + " " + o.Remote + " " + o.Branch)
	rm, _, err := fetchRemoteAs(ctx, env, r, remoteName, o.Quiet, action, pruneDefault)
	if err != nil {
		return err
	}
	tracking := remote.TrackingRef(rm, merge.String())
	if tracking == "" {
		return fmt.Errorf("remote %s does not fetch %s: %w", rm.Name, merge, repo.ErrUnknownRevision)
	}
	theirs, err := r.ResolveRef(plumbing.ReferenceName(tracking))
	if err != nil {
		return fmt.Errorf("%s has no branch %s: %w", rm.Name, merge.Short(), repo.ErrUnknownRevision)
	}
	if rebaseMode == "true" || rebaseMode == "interactive" || rebaseMode == "merges" {
		return pullRebase(ctx, env, r, o, plumbing.ReferenceName(tracking), theirs, action, rebaseMode)
	}
	favor, noRenames, _ := strategyOptions(o.Strategy)
	out, err := r.Merge(ctx, repo.MergeOptions{
		Theirs: theirs, TheirsName: plumbing.ReferenceName(tracking).Short(),
		Message: fmt.Sprintf("Merge branch '%s' of %s\n", merge.Short(), rm.URL),
		FFOnly:  o.FFOnly, Favor: favor, NoRenames: noRenames,
		ReflogAction: action, AllowUnrelated: o.AllowUnrelated,
	})
	if err != nil {
		return err
	}
	say := func(format string, args ...any) {
		if !o.Quiet {
			fmt.Fprintf(env.IO.Out, format, args...)
		}
	}
	if err := reportMerge(out, say); err != nil {
		return err
	}
	if o.Quiet || o.NoStat || !mergeStatWanted(out) {
		return nil
	}
	return printMergeStat(ctx, env.IO.Out, env, r, out)
}

// pullRebase is git pull --rebase after the fetch: a fast-forward when the
// branch has no commits of its own, otherwise a rebase of the commits
// since the fork point (the newest value of the remote-tracking branch
// the branch contains) onto the fetched tip.
func pullRebase(ctx context.Context, env *Env, r *repo.Repository, o pullOptions, tracking plumbing.ReferenceName, theirs plumbing.Hash, action string, mode string) error {
	head, err := r.Head()
	if err != nil {
		return err
	}
	say := func(format string, args ...any) {
		if !o.Quiet {
			fmt.Fprintf(env.IO.Out, format, args...)
		}
	}
	if ff, err := r.IsAncestor(ctx, head, theirs); err != nil {
		return err
	} else if ff && !o.Autostash && mode != "interactive" {
		out, err := r.Merge(ctx, repo.MergeOptions{Theirs: theirs, TheirsName: tracking.Short(), FFOnly: true, ReflogAction: action})
		if err != nil {
			return err
		}
		if err := reportMerge(out, say); err != nil {
			return err
		}
		if o.Quiet || o.NoStat || !mergeStatWanted(out) {
			return nil
		}
		return printMergeStat(ctx, env.IO.Out, env, r, out)
	}
	upstream, err := r.ForkPoint(ctx, tracking, head)
	if err != nil {
		return err
	}
	if upstream.IsZero() {
		upstream = theirs
	}
	ro := repo.RebaseOptions{
		Upstream: upstream, UpstreamName: upstream.String(), Onto: theirs, OntoName: theirs.String(),
		Interactive: mode == "interactive", RebaseMerges: mode == "merges", Autostash: o.Autostash || r.ConfigBool("rebase.autoStash", false),
		Quiet: o.Quiet, StrategyOption: o.Strategy, ReflogAction: action, Out: env.IO.Out, Err: env.IO.Err,
	}
	return sequencerResult(env, r, r.Rebase(ctx, ro))
}
