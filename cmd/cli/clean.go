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
	Exclude     []string
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
				return &UsageError{Msg: "-x and -X cannot be used together"}
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
	f.StringArrayVarP(&o.Exclude, "exclude", "e", nil, "add `pattern` to the ignore rules")
	return cmd
}

func runClean(ctx context.Context, env *Env, o cleanOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	if !o.DryRun && o.Force == 0 {
		// As git: clean.requireForce false counts as one -f.
		_, set, _ := r.ConfigGet("clean.requireForce")
		switch {
		case !set:
			return &UsageError{Msg: "clean.requireForce defaults to true and neither -i, -n, nor -f given; refusing to clean"}
		case r.ConfigBool("clean.requireForce", true):
			return &UsageError{Msg: "clean.requireForce set to true and neither -i, -n, nor -f given; refusing to clean"}
		}
	}
	var paths []string
	if len(o.Paths) > 0 {
		// Pathspecs given make git recurse within them (as -d).
		if paths, err = parsePathspecCwd(env, r, o.Paths); err != nil {
			return err
		}
	} else if paths, err = parsePathspecCwd(env, r, []string{"."}); err != nil {
		return err // as git: the current directory and below
	}
	dirs := o.Dirs || len(o.Paths) > 0
	events, err := r.Clean(ctx, repo.CleanOptions{
		Dirs: dirs, Ignored: o.Ignored, OnlyIgnored: o.OnlyIgnored,
		Nested: o.Force > 1, DryRun: o.DryRun, Paths: paths, Exclude: o.Exclude,
	})
	if !o.Quiet {
		verb, skip := "Removing", "Skipping repository"
		if o.DryRun {
			verb, skip = "Would remove", "Would skip repository"
		}
		for _, ev := range events {
			v := verb
			if ev.Skipped {
				v = skip
			}
			fmt.Fprintf(env.IO.Out, "%s %s\n", v, displayPath(r, env, ev.Path))
		}
	}
	return err
}
