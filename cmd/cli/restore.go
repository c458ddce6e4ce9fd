package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newRestoreCmd) }

type restoreOptions struct {
	Paths    []string
	Source   string
	Staged   bool
	Worktree bool
	Quiet    bool
	// IgnoreUnmerged is --ignore-unmerged: unmerged paths are left alone
	// (with a warning unless --quiet) instead of failing the restore.
	IgnoreUnmerged bool
}

func newRestoreCmd(env *Env) *cobra.Command {
	var o restoreOptions
	cmd := &cobra.Command{
		Use:   "restore [--staged] [--worktree] [--source <revision>] <path>...",
		Short: "Restore files in the work tree or the index",
		Long: `Discard changes to the named files. By default the work tree files are restored
from the index (undoing unstaged edits). --staged restores the index from HEAD
(unstaging), leaving the files alone; give both --staged and --worktree to do
both. --source takes the content from another commit; files absent from that
commit are deleted.`,
		Example: `  easel restore README.md
  easel restore --staged src/
  easel restore --staged --worktree .
  easel restore --source HEAD~2 config.yaml`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			return runRestore(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Source, "source", "s", "", "take the content from this revision")
	f.BoolVarP(&o.Staged, "staged", "S", false, "restore the index")
	f.BoolVarP(&o.Worktree, "worktree", "W", false, "restore the work tree (the default)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	f.BoolVar(&o.IgnoreUnmerged, "ignore-unmerged", false, "when restoring from the index, leave unmerged paths alone")
	return cmd
}

func runRestore(ctx context.Context, env *Env, o restoreOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	opts := repo.RestoreOptions{Staged: o.Staged, Worktree: o.Worktree, IgnoreUnmerged: o.IgnoreUnmerged}
	if !o.Quiet {
		opts.Warn = func(msg string) { fmt.Fprintf(env.IO.Err, "warning: %s\n", msg) }
	}
	if o.Source != "" {
		if opts.Source, err = r.ResolveCommit(ctx, o.Source); err != nil {
			return err
		}
	}
	if (opts.Worktree || !opts.Staged) && r.IsBare() {
		return repo.ErrBareRepository
	}
	paths, err := pathspecArgs(r, env, o.Paths)
	if err != nil {
		return err
	}
	changed, err := r.Restore(ctx, paths, opts)
	if err != nil {
		return err
	}
	if !o.Quiet && len(changed) > 0 && env.IO.ErrTerminal {
		fmt.Fprintf(env.IO.Err, "Restored %d path(s)\n", len(changed))
	}
	return nil
}
