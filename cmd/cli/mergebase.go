package cli

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newMergeBaseCmd) }

type mergeBaseOptions struct {
	Revs        []string
	All         bool
	Octopus     bool
	Independent bool
	IsAncestor  bool
	ForkPoint   bool
}

func newMergeBaseCmd(env *Env) *cobra.Command {
	var o mergeBaseOptions
	cmd := &cobra.Command{
		Use:   "merge-base [-a | --all] <commit> <commit>... | --octopus <commit>... | --independent <commit>... | --is-ancestor <commit> <commit> | --fork-point <ref> [<commit>]",
		Short: "Find the best common ancestors of commits",
		Long: `Print the best common ancestor of two commits, the commit a three-way merge
of them starts from, as git merge-base does. With more than two commits, the
first is compared with a hypothetical merge of the others. --all prints every
best common ancestor (criss-cross histories have several), newest first.

--octopus prints the common ancestors of all the commits, as an octopus merge
of them would use; --independent prints the commits that none of the others
contains. --is-ancestor prints nothing and exits 0 when the first commit is
an ancestor of the second (or the same), 1 when it is not. --fork-point
finds where the commit (default HEAD) forked from <ref>, using the ref's
reflog: the newest of its values that the commit contains.

The exit status is 1 when there is no common ancestor (or fork point).`,
		Example: `  easel merge-base main topic
  easel merge-base --all HEAD origin/main
  easel merge-base --is-ancestor v1.0 HEAD && echo "v1.0 is in this branch"
  easel merge-base --octopus a b c
  easel merge-base --fork-point origin/main topic`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Revs = args
			modes := 0
			for _, m := range []bool{o.Octopus, o.Independent, o.IsAncestor, o.ForkPoint} {
				if m {
					modes++
				}
			}
			switch {
			case modes > 1:
				return &UsageError{Msg: "--octopus, --independent, --is-ancestor and --fork-point cannot be combined"}
			case o.All && (o.IsAncestor || o.ForkPoint):
				return &UsageError{Msg: "--all cannot be used with --is-ancestor or --fork-point"}
			case o.IsAncestor && len(args) != 2:
				return &UsageError{Msg: "--is-ancestor takes exactly two commits"}
			case o.ForkPoint && (len(args) < 1 || len(args) > 2):
				return &UsageError{Msg: "--fork-point takes a ref and at most one commit"}
			case modes == 0 && len(args) < 2:
				return &UsageError{Msg: "merge-base needs at least two commits"}
			case (o.Octopus || o.Independent) && len(args) < 1:
				return &UsageError{Msg: "no commits given"}
			}
			return runMergeBase(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.All, "all", "a", false, "print every best common ancestor")
	f.BoolVar(&o.Octopus, "octopus", false, "the common ancestors of all the commits, for an octopus merge")
	f.BoolVar(&o.Independent, "independent", false, "the commits no other of them contains")
	f.BoolVar(&o.IsAncestor, "is-ancestor", false, "exit 0 when the first commit is an ancestor of the second")
	f.BoolVar(&o.ForkPoint, "fork-point", false, "where the commit forked from <ref>, by the ref's reflog")
	return cmd
}

func runMergeBase(ctx context.Context, env *Env, o mergeBaseOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if o.ForkPoint {
		return runForkPoint(ctx, env, r, o.Revs)
	}
	commits := make([]plumbing.Hash, len(o.Revs))
	for i, rev := range o.Revs {
		if commits[i], err = resolveMergeBaseCommit(ctx, r, rev); err != nil {
			return err
		}
	}
	var out []plumbing.Hash
	switch {
	case o.IsAncestor:
		ok, err := r.IsAncestor(ctx, commits[0], commits[1])
		if err != nil {
			return err
		}
		if !ok {
			return &ExitError{Code: 1}
		}
		return nil
	case o.Independent:
		out, err = r.IndependentCommits(ctx, commits)
		o.All = true
	case o.Octopus:
		out, err = r.OctopusMergeBases(ctx, commits)
	default:
		out, err = r.MergeBasesMany(ctx, commits[0], commits[1:])
	}
	if err != nil {
		return err
	}
	if len(out) == 0 {
		return &ExitError{Code: 1}
	}
	if !o.All {
		out = out[:1]
	}
	for _, h := range out {
		fmt.Fprintln(env.IO.Out, h)
	}
	return nil
}

func runForkPoint(ctx context.Context, env *Env, r *repo.Repository, args []string) error {
	rev := "HEAD"
	if len(args) == 2 {
		rev = args[1]
	}
	derived, err := resolveMergeBaseCommit(ctx, r, rev)
	if err != nil {
		return err
	}
	ref, ok := r.ReflogRef(args[0])
	if !ok {
		return fmt.Errorf("No such ref: '%s'%w", args[0], noName)
	}
	fp, err := r.ForkPoint(ctx, ref, derived)
	if err != nil {
		return err
	}
	if fp.IsZero() {
		return &ExitError{Code: 1}
	}
	fmt.Fprintln(env.IO.Out, fp)
	return nil
}

// resolveMergeBaseCommit names a commit as git merge-base's
// get_commit_reference does: "Not a valid object name" for what does not
// resolve.
func resolveMergeBaseCommit(ctx context.Context, r *repo.Repository, rev string) (plumbing.Hash, error) {
	h, err := r.ResolveCommit(ctx, rev)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("Not a valid object name %s%w", rev, noName)
	}
	return h, nil
}
