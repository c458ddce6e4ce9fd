package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newCheckoutCmd) }

type checkoutOptions struct {
	Args        []string
	Dash        int // index of "--" in Args, -1 if none
	NewBranch   string
	ForceBranch string
	Detach      bool
	Force       bool
	Quiet       bool
}

func newCheckoutCmd(env *Env) *cobra.Command {
	var o checkoutOptions
	cmd := &cobra.Command{
		Use:   "checkout <branch> | - | -b <new> [<start>] | <revision> | [<revision>] -- <path>...",
		Short: "Switch branches, or restore files from a commit or the index",
		Long: `With a branch name, switch to it (like 'easel switch'). With -b, create it first.
With any other revision, check it out with a detached HEAD. "-" is the branch
checked out before this one (@{-1}).

With paths (after "--", or paths that are not revisions), overwrite those files:
from the index when no revision is given, otherwise from the revision, in both
the index and the work tree. Files absent from the revision are left alone.`,
		Example: `  easel checkout main
  easel checkout -
  easel checkout -b feature origin/main
  easel checkout v1.0
  easel checkout -- src/broken.go
  easel checkout HEAD~1 -- README.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			o.Dash = cmd.ArgsLenAtDash()
			return runCheckout(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.NewBranch, "branch", "b", "", "create a new branch and check it out")
	f.StringVarP(&o.ForceBranch, "force-branch", "B", "", "create or reset a branch and check it out")
	f.BoolVar(&o.Detach, "detach", false, "detach HEAD at the given commit")
	f.BoolVarP(&o.Force, "force", "f", false, "throw away local changes when switching; ignore unmerged paths")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	return cmd
}

func runCheckout(ctx context.Context, env *Env, o checkoutOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	var rev string
	var paths []string
	if o.Detach {
		// As git: --detach takes one commit, and no branch to create.
		if o.NewBranch != "" || o.ForceBranch != "" {
			return &UsageError{Msg: "'--detach' cannot be used with '-b/-B/--orphan'"}
		}
		if len(o.Args) > 1 || o.Dash >= 0 && len(o.Args) > o.Dash {
			return &UsageError{Msg: "easel checkout: --detach does not take a path argument"}
		}
	}
	if o.Dash != 0 && len(o.Args) > 0 {
		if o.Args[0], err = priorBranchArg(r, o.Args[0]); err != nil {
			return err
		}
	}
	switch {
	case o.Dash == 0:
		paths = o.Args
	case o.Dash > 0:
		if o.Dash > 1 {
			return &UsageError{Msg: "only one revision may be given before '--'"}
		}
		rev, paths = o.Args[0], o.Args[1:]
		if len(paths) == 0 {
			paths = nil
		}
	case len(o.Args) >= 1:
		rev = o.Args[0]
		if len(o.Args) > 1 && (o.NewBranch != "" || o.ForceBranch != "") {
			return &UsageError{Msg: fmt.Sprintf("Cannot update paths and switch to branch '%s' at the same time.", o.NewBranch+o.ForceBranch)}
		}
		if len(o.Args) > 1 && o.NewBranch == "" && o.ForceBranch == "" {
			// "checkout rev path..." without "--".
			if _, err := r.ResolveCommit(ctx, rev); err == nil {
				paths = o.Args[1:]
			} else {
				rev, paths = "", o.Args
			}
		} else if o.NewBranch == "" && o.ForceBranch == "" && !o.Detach {
			if _, err := r.ResolveCommit(ctx, rev); err != nil {
				if _, isBranch := r.RemoteTracking(rev); !isBranch {
					rev, paths = "", o.Args // not a revision: a path
				}
			}
		}
	}
	if len(paths) > 0 {
		opts := repo.RestoreOptions{Worktree: true, Overlay: true}
		if rev != "" {
			h, err := r.ResolveCommit(ctx, rev)
			if err != nil {
				return err
			}
			opts.Source, opts.Staged = h, true
		}
		ps, err := pathspecArgs(r, env, paths)
		if err != nil {
			return err
		}
		changed, err := r.Restore(ctx, ps, opts)
		if err != nil {
			return err
		}
		if !o.Quiet {
			noun := "paths"
			if len(changed) == 1 {
				noun = "path"
			}
			fmt.Fprintf(env.IO.Err, "Updated %d %s from %s\n", len(changed), noun, map[bool]string{true: "the index", false: rev}[rev == ""])
		}
		return nil
	}
	for _, b := range []*string{&o.NewBranch, &o.ForceBranch} {
		if strings.HasPrefix(*b, "@{-") {
			// "-b @{-1}" names the branch checked out before, as in git.
			if *b, err = priorBranchArg(r, *b); err != nil {
				return err
			}
		}
	}
	if name := o.NewBranch + o.ForceBranch; name != "" {
		if o.NewBranch != "" && o.ForceBranch != "" {
			return &UsageError{Msg: "-b and -B cannot be used together"}
		}
		var start plumbing.Hash
		if rev != "" {
			// A...B: their merge base, as git's get_oid_mb.
			if start, err = r.StartPoint(ctx, rev); err != nil {
				return fmt.Errorf("'%s' is not a commit and a branch '%s' cannot be created from it: %w", rev, name, repo.ErrUnknownRevision)
			}
		}
		return doSwitch(ctx, env, r, name, repo.SwitchOptions{Create: true, Reset: o.ForceBranch != "", Start: start, StartName: rev, Discard: o.Force}, o.Quiet)
	}
	if rev == "" && o.Detach {
		rev = "HEAD"
	}
	if rev == "" {
		return &UsageError{Msg: "nothing to check out; see 'easel checkout --help'"}
	}
	if !o.Detach {
		if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(rev)); err == nil {
			return doSwitch(ctx, env, r, rev, repo.SwitchOptions{Discard: o.Force}, o.Quiet)
		}
		if _, ok := r.RemoteTracking(rev); ok {
			if _, err := r.ResolveCommit(ctx, rev); err != nil {
				return doSwitch(ctx, env, r, rev, repo.SwitchOptions{Discard: o.Force}, o.Quiet)
			}
		}
	}
	return doDetach(ctx, env, r, rev, o.Detach, o.Force, o.Quiet)
}
