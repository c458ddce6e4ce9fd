package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
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
	Guess       bool
	NoGuess     bool
	guessSet    bool
	Orphan      string
	tracking
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
			o.guessSet = cmd.Flags().Changed("guess")
			return runCheckout(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.NewBranch, "branch", "b", "", "create a new branch and check it out")
	f.StringVarP(&o.ForceBranch, "force-branch", "B", "", "create or reset a branch and check it out")
	f.BoolVar(&o.Detach, "detach", false, "detach HEAD at the given commit")
	f.BoolVarP(&o.Force, "force", "f", false, "throw away local changes when switching; ignore unmerged paths")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	addGuessFlags(cmd, &o.Guess, &o.NoGuess)
	o.tracking.addFlags(cmd)
	f.StringVar(&o.Orphan, "orphan", "", "switch to a new unborn `branch`; the index and work tree stay, for its first commit")
	return cmd
}

// addGuessFlags adds --guess and --no-guess: whether a name that is no
// branch but one remote's branch creates a local branch tracking it.
func addGuessFlags(cmd *cobra.Command, guess, noGuess *bool) {
	cmd.Flags().BoolVar(guess, "guess", true, "a name only a remote has as a branch creates a tracking branch (checkout.guess)")
	cmd.Flags().BoolVar(noGuess, "no-guess", false, "do not create a branch from a remote's branch of the same name")
}

// guessing settles --guess, --no-guess and checkout.guess.
func guessing(r *repo.Repository, guess, noGuess, set bool) bool {
	switch {
	case noGuess:
		return false
	case set:
		return guess
	}
	return r.ConfigBool("checkout.guess", true)
}

// guessRemoteBranch is git's parse_remote_branch: the remote-tracking
// branch name would be created from, or an error when several remotes
// have it (with advice) or when name is a file as well.
func guessRemoteBranch(env *Env, r *repo.Repository, name string, couldBePath bool) (bool, error) {
	g, err := r.GuessRemote(name)
	if err != nil {
		return false, err
	}
	if g.Ref != "" && couldBePath {
		return false, fmt.Errorf("'%s' could be both a local file and a tracking branch.\nPlease use -- (and optionally --no-guess) to disambiguate", name)
	}
	if g.Ref == "" && g.Matches > 1 {
		if r.ConfigBool("advice.checkoutAmbiguousRemoteBranchName", true) {
			for _, l := range strings.Split(ambiguousRemoteAdvice, "\n") {
				fmt.Fprintln(env.IO.Err, strings.TrimRight("hint: "+l, " "))
			}
		}
		return false, fmt.Errorf("'%s' matched multiple (%d) remote tracking branches", name, g.Matches)
	}
	return g.Ref != "", nil
}

const ambiguousRemoteAdvice = `If you meant to check out a remote tracking branch on, e.g. 'origin',
you can do so by fully qualifying the name with the --track option:

    easel checkout --track origin/<name>

If you'd like to always have checkouts of an ambiguous <name> prefer
one remote, e.g. the 'origin' remote, consider setting
checkout.defaultRemote=origin in your config.`

// fileExists says whether arg names a file or directory, relative to the
// current directory, as git's check_filename asks.
func fileExists(env *Env, arg string) bool {
	p := arg
	if !filepath.IsAbs(p) {
		p = filepath.Join(env.Dir, p)
	}
	_, err := os.Lstat(p)
	return err == nil
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
	if o.Orphan != "" {
		if o.NewBranch != "" || o.ForceBranch != "" || o.Detach {
			return &UsageError{Msg: "'--orphan' cannot be used with '-b/-B/--detach'"}
		}
		if o.Dash >= 0 || len(o.Args) > 1 {
			return &UsageError{Msg: "'--orphan' takes at most one start point and no paths"}
		}
		if len(o.Args) == 1 {
			h, err := r.ResolveCommit(ctx, o.Args[0])
			if err != nil {
				return err
			}
			if err := r.SwitchDetachDiscard(ctx, h, o.Args[0], o.Force); err != nil {
				return err
			}
		}
		if err := r.SwitchOrphan(ctx, o.Orphan, false, false); err != nil {
			return err
		}
		if !o.Quiet {
			fmt.Fprintf(env.IO.Err, "Switched to a new branch '%s'\n", o.Orphan)
		}
		return nil
	}
	creating := o.NewBranch != "" || o.ForceBranch != ""
	dwimBranch := false
	switch {
	case o.Dash == 0:
		paths = o.Args
	case o.Dash > 1:
		return &UsageError{Msg: fmt.Sprintf("only one reference expected, %d given.", o.Dash)}
	case len(o.Args) >= 1 && creating:
		rev = o.Args[0]
		if len(o.Args) > 1 {
			return &UsageError{Msg: fmt.Sprintf("Cannot update paths and switch to branch '%s' at the same time.", o.NewBranch+o.ForceBranch)}
		}
	case len(o.Args) >= 1 && o.Detach:
		rev = o.Args[0]
	case len(o.Args) >= 1:
		// git's parse_branchname_arg: a revision, else perhaps a
		// branch to create from a remote's, else paths.
		rev = o.Args[0]
		hasDashDash := o.Dash == 1
		if _, err := r.StartPoint(ctx, rev); err == nil {
			paths = o.Args[1:]
			break
		}
		recover := guessing(r, o.Guess, o.NoGuess, o.guessSet) && len(o.Args) == 1
		if !hasDashDash && strings.ContainsAny(rev, "*?[\\") {
			recover = false
		}
		if recover {
			couldBePath := !hasDashDash && fileExists(env, rev)
			if dwimBranch, err = guessRemoteBranch(env, r, rev, couldBePath); err != nil {
				return err
			}
		}
		if !dwimBranch {
			if hasDashDash {
				return fmt.Errorf("invalid reference: %s: %w", rev, repo.ErrUnknownRevision)
			}
			rev, paths = "", o.Args
		}
	}
	if len(paths) == 0 {
		paths = nil
	}
	if len(paths) > 0 {
		opts := repo.RestoreOptions{Worktree: true, Overlay: true}
		from := "the index"
		if rev != "" {
			h, err := r.ResolveCommit(ctx, rev)
			if err != nil {
				return err
			}
			opts.Source, opts.Staged = h, true
			// git names the source by its tree's abbreviated id.
			if tree, err := r.TreeOf(h); err == nil {
				from = r.NewAbbreviator().ShortID(tree)
			}
		}
		ps, err := pathspecArgs(r, env, paths)
		if err != nil {
			return err
		}
		changed, err := r.Restore(ctx, ps, opts)
		if err != nil {
			return err
		}
		// git counts the paths only when no "--" says that the first
		// argument is a commit (count_checkout_paths).
		if !o.Quiet && o.Dash < 0 {
			noun := "paths"
			if len(changed) == 1 {
				noun = "path"
			}
			fmt.Fprintf(env.IO.Err, "Updated %d %s from %s\n", len(changed), noun, from)
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
		return switchCreate(ctx, env, r, name, repo.SwitchOptions{Create: true, Reset: o.ForceBranch != "", Start: start, StartName: rev, Discard: o.Force}, o.Quiet, o.tracking)
	}
	if rev == "" && o.Detach {
		rev = "HEAD"
	}
	if rev == "" {
		return &UsageError{Msg: "nothing to check out; see 'easel checkout --help'"}
	}
	if !o.Detach {
		if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(rev)); err == nil || dwimBranch {
			return doSwitch(ctx, env, r, rev, repo.SwitchOptions{Discard: o.Force}, o.Quiet)
		}
	}
	return doDetach(ctx, env, r, rev, o.Detach, o.Force, o.Quiet)
}
