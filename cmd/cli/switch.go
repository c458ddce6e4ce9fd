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
	"easel.dev/easel/repo/pretty"
)

func init() { register(newSwitchCmd) }

type switchOptions struct {
	Args        []string
	Create      string
	ForceCreate string
	Detach      bool
	Discard     bool
	Quiet       bool
	Orphan      string
	Guess       bool
	NoGuess     bool
	guessSet    bool
	tracking
}

// tracking is -t/--track[=direct|inherit] and --no-track of switch -c and
// checkout -b, as of git branch.
type tracking struct {
	Track   string
	NoTrack bool
}

func (t *tracking) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&t.Track, "track", "t", "", "set up tracking of the start point (`direct` or inherit)")
	cmd.Flags().Lookup("track").NoOptDefVal = repo.TrackDirect
	cmd.Flags().BoolVar(&t.NoTrack, "no-track", false, "do not set up tracking, whatever branch.autoSetupMerge says")
}

// mode is the track mode: the flags, else branch.autoSetupMerge.
func (t tracking) mode(r *repo.Repository) (string, error) {
	switch {
	case t.NoTrack:
		return repo.TrackNever, nil
	case t.Track == "":
		return r.DefaultTrack()
	case t.Track != repo.TrackDirect && t.Track != repo.TrackInherit:
		return "", &UsageError{Msg: fmt.Sprintf("option `track' expects \"direct\" or \"inherit\", not %q", t.Track)}
	}
	return t.Track, nil
}

// switchCreate creates branch name (at so.Start) and switches to it, then
// sets up its tracking of the start point as git's create_branch does.
func switchCreate(ctx context.Context, env *Env, r *repo.Repository, name string, so repo.SwitchOptions, quiet bool, t tracking) error {
	mode, err := t.mode(r)
	if err != nil {
		return err
	}
	// Without a start point (HEAD, perhaps unborn) nothing is tracked.
	var realRef plumbing.ReferenceName
	if so.StartName != "" {
		if realRef, err = r.TrackingStart(ctx, so.StartName, mode); err != nil {
			return err
		}
	}
	if err := doSwitch(ctx, env, r, name, so, quiet); err != nil {
		return err
	}
	if realRef == "" {
		return nil
	}
	res, err := r.ApplyTracking(ctx, name, realRef, mode)
	return reportTracking(env, res, err, quiet)
}

// inProgress refuses, as git's switch does, to leave a merge, am, rebase,
// cherry-pick or revert half done.
func inProgress(r *repo.Repository) error {
	op := r.OperationInProgress()
	if op == "" {
		return nil
	}
	what := map[string]string{"merge": "while merging", "am": "in the middle of an am session", "rebase": "while rebasing",
		"cherry-pick": "while cherry-picking", "revert": "while reverting"}[op]
	return fmt.Errorf("cannot switch branch %s\nConsider \"easel %s --quit\" or \"easel worktree add\".: %w", what, op, repo.ErrMergeInProgress)
}

// expectingBranch is git's die_expecting_a_branch: what arg names when
// it is no branch, with the advice to use --detach.
func expectingBranch(env *Env, r *repo.Repository, arg string) error {
	msg := fmt.Sprintf("a branch is expected, got commit '%s'", arg)
	if ref, n := r.DwimRef(arg); n == 1 {
		s := ref.String()
		switch {
		case strings.HasPrefix(s, "refs/tags/"):
			msg = fmt.Sprintf("a branch is expected, got tag '%s'", strings.TrimPrefix(s, "refs/tags/"))
		case strings.HasPrefix(s, "refs/remotes/"):
			msg = fmt.Sprintf("a branch is expected, got remote branch '%s'", strings.TrimPrefix(s, "refs/remotes/"))
		default:
			msg = fmt.Sprintf("a branch is expected, got '%s'", s)
		}
	}
	fmt.Fprintln(env.IO.Err, "fatal: "+msg)
	if r.ConfigBool("advice.suggestDetachingHead", true) {
		fmt.Fprintln(env.IO.Err, "hint: If you want to detach HEAD at the commit, try again with the --detach option.")
	}
	// A usage mistake (git exits 128).
	return &ExitError{Code: ExitUsage}
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
local branch tracking it (among several remotes, the one checkout.defaultRemote
names; --no-guess or checkout.guess=false turn this off). --detach checks out
any commit without a branch; --orphan starts an unborn branch with an empty
index and no tracked files. switch refuses while a merge, rebase, am,
cherry-pick or revert is under way.
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
			o.guessSet = cmd.Flags().Changed("guess")
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
	f.StringVar(&o.Orphan, "orphan", "", "switch to a new unborn `branch`, with an empty index and no tracked files")
	addGuessFlags(cmd, &o.Guess, &o.NoGuess)
	o.tracking.addFlags(cmd)
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
	if o.Orphan != "" {
		switch {
		case create != "":
			return &UsageError{Msg: "options '-c' and '--orphan' cannot be used together"}
		case o.Detach:
			return &UsageError{Msg: "options '--detach' and '--orphan' cannot be used together"}
		case len(o.Args) > 0:
			return &UsageError{Msg: "'--orphan' cannot take <start-point>"}
		}
		if err := inProgress(r); err != nil {
			return err
		}
		if err := r.SwitchOrphan(ctx, o.Orphan, true, o.Discard); err != nil {
			return err
		}
		if !o.Quiet {
			fmt.Fprintf(env.IO.Err, "Switched to a new branch '%s'\n", o.Orphan)
		}
		return nil
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
		if err := inProgress(r); err != nil {
			return err
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
		if err := inProgress(r); err != nil {
			return err
		}
		return switchCreate(ctx, env, r, create, repo.SwitchOptions{Create: true, Reset: force, Start: start, StartName: startName, Discard: o.Discard}, o.Quiet, o.tracking)
	case len(o.Args) != 1:
		return &UsageError{Msg: "missing branch name; see 'easel switch --help'"}
	}
	arg := o.Args[0]
	if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(arg)); err != nil {
		// Not a branch: git switch wants --detach for a commit, and
		// may make the branch from a remote's of the same name.
		if _, rerr := r.StartPoint(ctx, arg); rerr == nil {
			return expectingBranch(env, r, arg)
		}
		found := false
		if guessing(r, o.Guess, o.NoGuess, o.guessSet) {
			if found, err = guessRemoteBranch(env, r, arg, false); err != nil {
				return err
			}
		}
		if !found {
			return fmt.Errorf("invalid reference: %s: %w", arg, repo.ErrUnknownRevision)
		}
	}
	if err := inProgress(r); err != nil {
		return err
	}
	return doSwitch(ctx, env, r, arg, repo.SwitchOptions{Discard: o.Discard}, o.Quiet)
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
		fmt.Fprintf(env.IO.Out, "branch '%s' set up to track '%s'.\n", name, res.TrackingFrom)
		fmt.Fprintf(env.IO.Err, "Switched to a new branch '%s'\n", name)
	case res.Created:
		fmt.Fprintf(env.IO.Err, "Switched to a new branch '%s'\n", name)
	default:
		fmt.Fprintf(env.IO.Err, "Switched to branch '%s'\n", name)
	}
	// As git's report_tracking: where the branch stands against its
	// upstream, on standard output.
	if tr, err := r.Tracking(ctx, name); err == nil {
		trackingLines(env.IO.Out, tr, r.ConfigBool("advice.statusHints", true))
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
	// As git's oneline format: the first paragraph on one line, in the
	// log output encoding.
	return repo.EncodeLogOutput(pretty.Subject(repo.CommitToUTF8(c).Message), r.LogOutputEncoding())
}
