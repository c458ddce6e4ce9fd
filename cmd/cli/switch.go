package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newSwitchCmd) }

type switchOptions struct {
	Args        []string
	Create      string
	ForceCreate string
	Detach      bool
	Discard     bool
	Quiet       bool
}

func newSwitchCmd(env *Env) *cobra.Command {
	var o switchOptions
	cmd := &cobra.Command{
		Use:   "switch <branch> | - | -c <new-branch> [<start>] | --detach <revision>",
		Short: "Switch to another branch",
		Long: `Check out a branch: the index and work tree change to its commit and HEAD points
at it. Local changes to files that do not differ between the two commits are
carried over; if a local change or an untracked file would be overwritten, nothing
changes and the command fails (exit 9).

-c creates the branch first (at <start>, default HEAD); --force-create also resets an existing
one. A name that only exists as a remote-tracking branch (origin/<name>) creates a
local branch tracking it. --detach checks out any commit without a branch.
"-" is the branch checked out before this one (@{-1}; @{-N}: N switches ago).`,
		Example: `  easel switch main
  easel switch -
  easel switch -c feature
  easel switch -c hotfix v1.2
  easel switch --detach HEAD~2
  easel switch fix-login   # creates it from origin/fix-login`,
		Args: cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			return runSwitch(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Create, "create", "c", "", "create a new branch and switch to it")
	f.StringVarP(&o.ForceCreate, "force-create", "C", "", "create or reset a branch and switch to it")
	f.BoolVarP(&o.Detach, "detach", "d", false, "detach HEAD at the given commit")
	f.BoolVarP(&o.Discard, "force", "f", false, "throw away local changes (same as --discard-changes)")
	f.BoolVar(&o.Discard, "discard-changes", false, "throw away local changes")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	return cmd
}

func runSwitch(ctx context.Context, env *Env, o switchOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	create, force := o.Create, false
	if o.ForceCreate != "" {
		create, force = o.ForceCreate, true
	}
	if strings.HasPrefix(create, "@{-") {
		// "-c @{-1}" names the branch checked out before, as in git.
		if create, err = priorBranchArg(r, create); err != nil {
			return err
		}
	}
	if len(o.Args) > 0 && create == "" {
		if o.Args[0], err = priorBranchArg(r, o.Args[0]); err != nil {
			return err
		}
	}
	switch {
	case o.Detach:
		if create != "" || len(o.Args) > 1 {
			return &UsageError{Msg: "--detach takes one revision and no -c"}
		}
		rev := "HEAD"
		if len(o.Args) == 1 {
			rev = o.Args[0]
		}
		return doDetach(ctx, env, r, rev, o.Discard, o.Quiet)
	case create != "":
		if len(o.Args) > 1 {
			return &UsageError{Msg: "too many arguments"}
		}
		var start plumbing.Hash
		startName := ""
		if len(o.Args) == 1 {
			// A...B: their merge base, as git's get_oid_mb.
			if start, err = r.StartPoint(ctx, o.Args[0]); err != nil {
				return err
			}
			startName = o.Args[0]
		}
		return doSwitch(ctx, env, r, create, repo.SwitchOptions{Create: true, Reset: force, Start: start, StartName: startName, Discard: o.Discard}, o.Quiet)
	case len(o.Args) != 1:
		return &UsageError{Msg: "missing branch name; see 'easel switch --help'"}
	}
	if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(o.Args[0])); err != nil {
		// Not a branch: git switch wants --detach for a plain commit.
		if h, rerr := r.ResolveCommit(ctx, o.Args[0]); rerr == nil && !h.IsZero() {
			if _, ok := r.RemoteTracking(o.Args[0]); !ok {
				return &UsageError{Msg: fmt.Sprintf("a branch is expected, got '%s'; use --detach to check out a commit", o.Args[0])}
			}
		}
	}
	return doSwitch(ctx, env, r, o.Args[0], repo.SwitchOptions{Discard: o.Discard}, o.Quiet)
}

// priorBranchArg turns "-" and "@{-N}" into the branch (or, if HEAD was
// detached then, the commit id) checked out N switches ago, as git's
// switch and checkout do; other arguments are returned as they are.
func priorBranchArg(r *repo.Repository, arg string) (string, error) {
	if arg == "-" {
		arg = "@{-1}"
	}
	rest, ok := strings.CutPrefix(arg, "@{-")
	if !ok || !strings.HasSuffix(rest, "}") {
		return arg, nil
	}
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "}"))
	if err != nil || n < 1 {
		return arg, nil
	}
	return r.PriorCheckout(n)
}

// doSwitch checks out branch name; startName is the start point as the
// user typed it, for the new branch's reflog ("" for HEAD).
func doSwitch(ctx context.Context, env *Env, r *repo.Repository, name string, so repo.SwitchOptions, quiet bool) error {
	res, err := r.Switch(ctx, name, so)
	if err != nil {
		return err
	}
	if quiet {
		return nil
	}
	printCarried(ctx, env, r)
	switch {
	case res.Already:
		fmt.Fprintf(env.IO.Err, "Already on '%s'\n", name)
	case res.TrackingFrom != "":
		fmt.Fprintf(env.IO.Err, "branch '%s' set up to track '%s'.\nSwitched to a new branch '%s'\n", name, res.TrackingFrom, name)
	case res.Created:
		fmt.Fprintf(env.IO.Err, "Switched to a new branch '%s'\n", name)
	default:
		fmt.Fprintf(env.IO.Err, "Switched to branch '%s'\n", name)
	}
	return nil
}

func doDetach(ctx context.Context, env *Env, r *repo.Repository, rev string, discard, quiet bool) error {
	h, err := r.ResolveCommit(ctx, rev)
	if err != nil {
		return err
	}
	if err := r.SwitchDetachDiscard(ctx, h, rev, discard); err != nil {
		return err
	}
	if !quiet {
		printCarried(ctx, env, r)
		fmt.Fprintf(env.IO.Err, "HEAD is now at %s %s\n", h.String()[:7], commitSubject(r, h))
	}
	return nil
}

// printCarried lists local changes kept across a checkout, as git does.
func printCarried(ctx context.Context, env *Env, r *repo.Repository) {
	st, err := r.Status(ctx, repo.StatusOptions{Untracked: repo.UntrackedNo})
	if err != nil {
		return
	}
	for _, f := range st.Files {
		code := f.Unstaged
		if code == ' ' {
			code = f.Staged
		}
		fmt.Fprintf(env.IO.Out, "%c\t%s\n", code, displayPath(r, env, f.Path))
	}
}

func commitSubject(r *repo.Repository, h plumbing.Hash) string {
	c, err := r.CommitObject(h)
	if err != nil {
		return ""
	}
	s := c.Message
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
