package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newCleanCmd) }

type cleanOptions struct {
	DryRun      bool
	Force       int
	Dirs        bool
	Ignored     bool
	OnlyIgnored bool
	Quiet       bool
	Paths       []string
}

func newCleanCmd(env *Env) *cobra.Command {
	var o cleanOptions
	cmd := &cobra.Command{
		Use:   "clean [-n | -f] [-d] [-x | -X] [-- <path>...]",
		Short: "Remove untracked files from the work tree",
		Long: `Clean removes files that are not tracked: by default the untracked files in
directories that hold tracked files, not ignored ones. -d removes untracked
directories too, -x ignored files too, -X only ignored files (build output).
Tracked files are never touched. Nothing is removed without -f (unless
clean.requireForce is false): run -n first to see what would go. A nested
repository is kept unless -f is given twice.`,
		Example: `  easel clean -n
  easel clean -f
  easel clean -fd
  easel clean -fX            # only what .gitignore ignores
  easel clean -n -d -- build/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			if o.Ignored && o.OnlyIgnored {
				return &UsageError{Msg: "-x and -X cannot be combined"}
			}
			return runClean(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.DryRun, "dry-run", "n", false, "only say what would be removed")
	f.CountVarP(&o.Force, "force", "f", "remove (twice: nested repositories too)")
	f.BoolVarP(&o.Dirs, "dirs", "d", false, "remove untracked directories too")
	f.BoolVarP(&o.Ignored, "ignored", "x", false, "remove ignored files too")
	f.BoolVarP(&o.OnlyIgnored, "only-ignored", "X", false, "remove only ignored files")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print only errors")
	return cmd
}

func runClean(ctx context.Context, env *Env, o cleanOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	if !o.DryRun && o.Force == 0 && r.ConfigBool("clean.requireForce", true) {
		return &UsageError{Msg: "clean.requireForce is true and neither -n nor -f was given; refusing to clean"}
	}
	args := o.Paths
	if len(args) == 0 {
		args = []string{"."} // as git: the current directory and below
	}
	paths, err := parsePathspecCwd(env, r, args)
	if err != nil {
		return err
	}
	removed, err := r.Clean(ctx, repo.CleanOptions{
		Dirs: o.Dirs, Ignored: o.Ignored, OnlyIgnored: o.OnlyIgnored,
		Nested: o.Force > 1, DryRun: o.DryRun, Paths: paths,
	})
	if !o.Quiet || o.DryRun {
		verb := "Removing"
		if o.DryRun {
			verb = "Would remove"
		}
		for _, p := range removed {
			fmt.Fprintf(env.IO.Out, "%s %s\n", verb, displayPath(r, env, p))
		}
	}
	return err
}
