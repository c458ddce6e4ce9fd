package cli

import (
	"context"
	"fmt"
	"os"
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
		return doDetach(ctx, env, r, rev, true, o.Discard, o.Quiet)
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
	old := leaving(r)
	res, err := r.Switch(ctx, name, so)
	if err != nil {
		return err
	}
	if quiet {
		return nil
	}
	if !so.Discard {
		printCarried(ctx, env, r)
	}
	old.report(ctx, env, r, res.Head)
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

// doDetach checks out rev with HEAD detached; explicit is --detach, which
// goes without the detached-HEAD advice.
func doDetach(ctx context.Context, env *Env, r *repo.Repository, rev string, explicit, discard, quiet bool) error {
	h, err := r.ResolveCommit(ctx, rev)
	if err != nil {
		return err
	}
	old := leaving(r)
	if err := r.SwitchDetachDiscard(ctx, h, rev, discard); err != nil {
		return err
	}
	if !quiet {
		if !discard {
			printCarried(ctx, env, r)
		}
		old.report(ctx, env, r, h)
		if old.branch != "" && !explicit && r.ConfigBool("advice.detachedHead", true) {
			fmt.Fprintf(env.IO.Err, detachAdvice, rev)
		}
		fmt.Fprintf(env.IO.Err, "HEAD is now at %s %s\n", describeAbbrev(r, h), commitSubject(r, h))
	}
	return nil
}

// detachAdvice is git's advice on entering a detached HEAD from a branch.
const detachAdvice = `Note: switching to '%s'.

You are in 'detached HEAD' state. You can look around, make experimental
changes and commit them, and you can discard any commits you make in this
state without impacting any branches by switching back to a branch.

If you want to create a new branch to retain commits you create, you may
do so (now or later) by using -c with the switch command. Example:

  easel switch -c <new-branch-name>

Or undo this operation with:

  easel switch -

Turn off this advice by setting config variable advice.detachedHead to false

`

// describeAbbrev is a commit's abbreviated id as git's checkout shows it,
// with "..." after it when GIT_PRINT_SHA1_ELLIPSIS=yes.
func describeAbbrev(r *repo.Repository, h plumbing.Hash) string {
	s := r.NewAbbreviator().ShortID(h)
	if os.Getenv("GIT_PRINT_SHA1_ELLIPSIS") == "yes" {
		s += "..."
	}
	return s
}

// headState is where HEAD was before a checkout.
type headState struct {
	branch string        // "" when detached
	head   plumbing.Hash // zero when unborn
}

func leaving(r *repo.Repository) headState {
	var st headState
	if b, err := r.HeadBranch(); err == nil {
		st.branch = b.Short()
	}
	st.head, _ = r.Head()
	return st
}

// report says what became of a detached HEAD left for `to`, as git's
// checkout does: "Previous HEAD position was ...", or a warning listing
// the commits no ref reaches any more.
func (st headState) report(ctx context.Context, env *Env, r *repo.Repository, to plumbing.Hash) {
	if st.branch != "" || st.head.IsZero() || st.head == to {
		return
	}
	lost := orphanedCommits(ctx, r, st.head, to)
	if len(lost) == 0 {
		fmt.Fprintf(env.IO.Err, "Previous HEAD position was %s %s\n", describeAbbrev(r, st.head), commitSubject(r, st.head))
		return
	}
	const cutoff = 4
	var b strings.Builder
	for i, h := range lost {
		if i == cutoff && len(lost) > cutoff+1 {
			fmt.Fprintf(&b, " ... and %d more.\n", len(lost)-cutoff)
			break
		}
		fmt.Fprintf(&b, "  %s %s\n", r.NewAbbreviator().ShortID(h), commitSubject(r, h))
	}
	noun, them := "commit", "it"
	if len(lost) > 1 {
		noun, them = "commits", "them"
	}
	fmt.Fprintf(env.IO.Err, "Warning: you are leaving %d %s behind, not connected to\nany of your branches:\n\n%s\n", len(lost), noun, b.String())
	if r.ConfigBool("advice.detachedHead", true) {
		fmt.Fprintf(env.IO.Err, "If you want to keep %s by creating a new branch, this may be a good time\nto do so with:\n\n easel branch <new-branch-name> %s\n\n", them, r.NewAbbreviator().ShortID(st.head))
	}
}

// orphanedCommits lists the commits reachable from old but from no ref
// and not from `to`, newest first.
func orphanedCommits(ctx context.Context, r *repo.Repository, old, to plumbing.Hash) []plumbing.Hash {
	tips, err := r.AllTips()
	if err != nil {
		return nil
	}
	// AllTips ends with HEAD, which still is old.
	if n := len(tips); n > 0 && tips[n-1] == old {
		tips = tips[:n-1]
	}
	w, err := r.Log(ctx, repo.LogOptions{Include: []plumbing.Hash{old}, Exclude: append(tips, to)})
	if err != nil {
		return nil
	}
	var out []plumbing.Hash
	for {
		c, err := w.Next(ctx)
		if err != nil || c == nil {
			break
		}
		out = append(out, c.Hash)
	}
	return out
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
