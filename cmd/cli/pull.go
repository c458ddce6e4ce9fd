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
}

func newPullCmd(env *Env) *cobra.Command {
	var o pullOptions
	cmd := &cobra.Command{
		Use:   "pull [remote [branch]]",
		Short: "Fetch from a remote and merge into the current branch",
		Long: `Pull fetches (see 'easel fetch') and then merges the remote branch into the current
branch: a fast-forward when the current branch has no commits of its own,
otherwise a merge commit, or a stop with conflicts to resolve as after 'easel merge'.
Without arguments it uses the current branch's upstream (set by clone or push -u).`,
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
	// "pull origin main".
	action := strings.TrimSpace("pull " + o.Remote + " " + o.Branch)
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
	favor, noRenames, _ := strategyOptions(o.Strategy)
	out, err := r.Merge(ctx, repo.MergeOptions{
		Theirs: theirs, TheirsName: plumbing.ReferenceName(tracking).Short(),
		Message: fmt.Sprintf("Merge branch '%s' of %s\n", merge.Short(), rm.URL),
		FFOnly:  o.FFOnly, Favor: favor, NoRenames: noRenames,
		ReflogAction: action,
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
