package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	// IgnoreUnmatch: a pathspec matching nothing is not an error.
	IgnoreUnmatch bool
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
	f.BoolVar(&o.IgnoreUnmatch, "ignore-unmatch", false, "exit with success even if a path matches nothing")
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
	removed, err := r.Remove(ctx, paths, repo.RemoveOptions{Cached: o.Cached, Recursive: o.Recursive, Force: o.Force, DryRun: o.DryRun, IgnoreUnmatch: o.IgnoreUnmatch, Err: env.IO.Err})
	var lc *repo.LocalChangesError
	if errors.As(err, &lc) {
		return rmLocalChangesReport(r, lc)
	}
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

// rmLocalChangesReport is git rm's refusal: one "error:" paragraph per kind
// of content that would be lost, naming the files, each with its hint
// unless advice.rmHints is false.
func rmLocalChangesReport(r *repo.Repository, lc *repo.LocalChangesError) error {
	hints := adviceEnabled(r, "rmHints")
	keep := "\n(use --cached to keep the file, or -f to force removal)"
	var b strings.Builder
	para := func(files []string, one, many, hint string) {
		if len(files) == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("error: ")
		if len(files) == 1 {
			b.WriteString(one)
		} else {
			b.WriteString(many)
		}
		for _, f := range files {
			b.WriteString("\n    " + f)
		}
		if hints {
			b.WriteString(hint)
		}
	}
	para(lc.Both, "the following file has staged content different from both the\nfile and the HEAD:",
		"the following files have staged content different from both the\nfile and the HEAD:", "\n(use -f to force removal)")
	para(lc.Staged, "the following file has changes staged in the index:",
		"the following files have changes staged in the index:", keep)
	para(lc.Local, "the following file has local modifications:",
		"the following files have local modifications:", keep)
	return &ExitError{Code: ExitWouldOverwrite, Err: errorLine(strings.TrimPrefix(b.String(), "error: "))}
}
