package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newResetCmd) }

type resetOptions struct {
	Args  []string
	Dash  int
	Soft  bool
	Mixed bool
	Hard  bool
	Merge bool
	Keep  bool
	Quiet bool
	// Refresh and NoRefresh: whether a mixed reset refreshes the index
	// (the default); IntentToAdd is -N.
	Refresh, NoRefresh bool
	IntentToAdd        bool
}

func newResetCmd(env *Env) *cobra.Command {
	var o resetOptions
	cmd := &cobra.Command{
		Use:   "reset [--soft | --mixed | --hard] [<revision>] | reset [<revision>] [--] <path>...",
		Short: "Move the current branch, or unstage files",
		Long: `Point the current branch (or a detached HEAD) at <revision> (default HEAD):
  --soft   only move the branch; the index and work tree keep your changes staged
  --mixed  also reset the index (the default); changes stay in the work tree
  --hard   also reset the work tree: uncommitted changes to tracked files are LOST;
           untracked files are kept
The old HEAD is saved as ORIG_HEAD. Any merge in progress is abandoned.

With paths, the branch does not move: the index entries of those paths are set to
their content in <revision> (unstaging them); the work tree is not touched.`,
		Example: `  easel reset HEAD~1
  easel reset --soft HEAD~3
  easel reset --hard origin/main
  easel reset src/config.go
  easel reset HEAD~2 -- docs/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			o.Dash = cmd.ArgsLenAtDash()
			return runReset(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Soft, "soft", false, "move the branch only")
	f.BoolVar(&o.Mixed, "mixed", false, "move the branch and reset the index (default)")
	f.BoolVar(&o.Hard, "hard", false, "move the branch and reset the index and work tree")
	f.BoolVar(&o.Merge, "merge", false, "move the branch, index and files that differ; keep unstaged changes")
	f.BoolVar(&o.Keep, "keep", false, "move the branch, index and files as a checkout does; keep local changes")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	f.BoolVar(&o.Refresh, "refresh", true, "after a mixed reset, refresh the index's stat data (the default)")
	f.BoolVar(&o.NoRefresh, "no-refresh", false, "after a mixed reset, leave the index unrefreshed")
	f.BoolVarP(&o.IntentToAdd, "intent-to-add", "N", false, "with --mixed: keep paths the reset removes from the index as intent-to-add")
	return cmd
}

func runReset(ctx context.Context, env *Env, o resetOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	n := 0
	mode := repo.ResetMixed
	for _, m := range []struct {
		set  bool
		mode repo.ResetMode
	}{{o.Soft, repo.ResetSoft}, {o.Mixed, repo.ResetMixed}, {o.Hard, repo.ResetHard}, {o.Merge, repo.ResetMerge}, {o.Keep, repo.ResetKeep}} {
		if m.set {
			n++
			mode = m.mode
		}
	}
	if n > 1 {
		return &UsageError{Msg: "--soft, --mixed, --hard, --merge and --keep cannot be combined"}
	}
	rev := "HEAD"
	var paths []string
	switch {
	case o.Dash == 0:
		paths = o.Args
	case o.Dash > 0:
		if o.Dash > 1 {
			return &UsageError{Msg: "only one revision may be given before '--'"}
		}
		rev, paths = o.Args[0], o.Args[1:]
	case len(o.Args) > 0:
		if _, err := r.ResolveCommit(ctx, o.Args[0]); err == nil {
			rev, paths = o.Args[0], o.Args[1:]
		} else if _, serr := os.Lstat(absPath(env, o.Args[0])); serr != nil {
			// As git: neither a revision nor a file in the work tree
			// ("ambiguous argument") is reported as the revision error.
			return fmt.Errorf("ambiguous argument '%s': unknown revision or path not in the working tree: %w", o.Args[0], repo.ErrUnknownRevision)
		} else {
			paths = o.Args
		}
	}
	if o.IntentToAdd && mode != repo.ResetMixed {
		return &UsageError{Msg: "-N can only be used with --mixed"}
	}
	var target plumbing.Hash
	head, _ := r.Head()
	switch {
	case rev == "HEAD" && head.IsZero():
		target = head // unborn: reset paths against the empty tree
	case len(paths) > 0:
		// With paths any tree will do, as in git.
		if target, err = resolveTree(ctx, r, rev); err != nil {
			return err
		}
	default:
		if target, err = r.ResolveCommit(ctx, rev); err != nil {
			return err
		}
	}
	if len(paths) > 0 {
		if n > 0 && mode != repo.ResetMixed {
			return &UsageError{Msg: "cannot do a --soft or --hard reset with paths; use 'easel restore'"}
		}
		ps, err := pathspecArgs(r, env, paths)
		if err != nil {
			return err
		}
		if err := r.ResetPaths(ctx, target, ps); err != nil {
			return err
		}
		if !o.Quiet {
			printUnstaged(ctx, env, r)
		}
		return nil
	}
	if head.IsZero() && target.IsZero() {
		return fmt.Errorf("HEAD has no commits yet: %w", repo.ErrUnknownRevision)
	}
	ro := repo.ResetOptions{NoRefresh: o.NoRefresh || !o.Refresh, IntentToAdd: o.IntentToAdd}
	if err := r.ResetWith(ctx, target, mode, rev, ro); err != nil {
		var oe *repo.OverwriteError
		if errors.As(err, &oe) {
			// reset reports as git's plain unpack-trees does: the
			// first path in its way, and no more.
			fmt.Fprintln(env.IO.Err, oe.First())
			fmt.Fprintf(env.IO.Err, "fatal: Could not reset index file to revision '%s'.\n", rev)
			return &ExitError{Code: ExitWouldOverwrite}
		}
		return err
	}
	if o.Quiet {
		return nil
	}
	switch mode {
	case repo.ResetHard:
		fmt.Fprintf(env.IO.Out, "HEAD is now at %s %s\n", describeAbbrev(r, target), commitSubject(r, target))
	case repo.ResetMixed:
		if !r.IsBare() {
			printUnstaged(ctx, env, r)
		}
	}
	return nil
}

// absPath is a command-line path made absolute against the working directory.
func absPath(env *Env, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(env.Dir, p)
}

// printUnstaged lists the changes left in the work tree after a reset.
func printUnstaged(ctx context.Context, env *Env, r *repo.Repository) {
	st, err := r.Status(ctx, repo.StatusOptions{Untracked: repo.UntrackedNo})
	if err != nil {
		return
	}
	first := true
	for _, f := range st.Files {
		if f.Unstaged == ' ' {
			continue
		}
		if first {
			fmt.Fprintln(env.IO.Out, "Unstaged changes after reset:")
			first = false
		}
		fmt.Fprintf(env.IO.Out, "%c\t%s\n", f.Unstaged, displayPath(r, env, f.Path))
	}
}
