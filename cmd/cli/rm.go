package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() {
	register(newRmCmd)
}

type rmOptions struct {
	Paths     []string
	Cached    bool
	Recursive bool
	Force     bool
	DryRun    bool
	Quiet     bool
}

func newRmCmd(env *Env) *cobra.Command {
	var o rmOptions
	cmd := &cobra.Command{
		Use:   "rm [--cached] [-r] <path>...",
		Short: "Remove files from the work tree and the index",
		Long: `Stop tracking the named files: remove them from the index and delete them from the
work tree. With --cached the files stay on disk (they become untracked). A
directory needs -r. Files whose content would be lost (changes staged or not
committed) are refused unless -f is given.`,
		Example: `  easel rm old.txt
  easel rm --cached secrets.env
  easel rm -r build/
  easel rm -n -r docs/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			return runRm(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Cached, "cached", false, "remove from the index only; keep the files")
	f.BoolVarP(&o.Recursive, "recursive", "r", false, "allow removing directories")
	f.BoolVarP(&o.Force, "force", "f", false, "remove even if there are local changes")
	f.BoolVarP(&o.DryRun, "dry-run", "n", false, "only show what would be removed")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	return cmd
}

func runRm(ctx context.Context, env *Env, o rmOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if r.IsBare() {
		return repo.ErrBareRepository
	}
	paths, err := parsePathspecCwd(env, r, o.Paths)
	if err != nil {
		return err
	}
	removed, err := r.Remove(ctx, paths, repo.RemoveOptions{Cached: o.Cached, Recursive: o.Recursive, Force: o.Force, DryRun: o.DryRun})
	if err != nil {
		return err
	}
	if !o.Quiet {
		for _, p := range removed {
			fmt.Fprintf(env.IO.Out, "rm '%s'\n", p)
		}
	}
	return nil
}
