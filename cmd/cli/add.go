package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() {
	register(newAddCmd)
}

type addOptions struct {
	Paths   []string
	All     bool
	Update  bool
	Force   bool
	Verbose bool
	// Renormalize: git add --renormalize.
	Renormalize bool
}

func newAddCmd(env *Env) *cobra.Command {
	var o addOptions
	cmd := &cobra.Command{
		Use:   "add [<path>...]",
		Short: "Stage file contents for the next commit",
		Long: `Record the current content of the named files in the index, so that the next
commit includes them. A directory adds everything under it; deleted tracked files
under a named path are removed from the index. Ignored files are skipped (naming
one explicitly is an error unless -f is given).

-A stages every change in the work tree (new, modified and deleted files);
-u only changes to files that are already tracked.`,
		Example: `  easel add README.md src/
  easel add -A
  easel add -u
  easel add '*.go'
  easel add -f build/keep.log`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			return runAdd(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.All, "all", "A", false, "stage all changes, including new and deleted files")
	f.BoolVarP(&o.Update, "update", "u", false, "stage changes to tracked files only")
	f.BoolVarP(&o.Force, "force", "f", false, "add ignored files too")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "print the paths added and removed")
	f.BoolVar(&o.Renormalize, "renormalize", false, "stage every tracked file afresh through the attributes' conversion (implies -u)")
	return cmd
}

func runAdd(ctx context.Context, env *Env, o addOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	if len(o.Paths) == 0 && !o.All && !o.Update && !o.Renormalize {
		return &UsageError{Msg: "nothing specified, nothing added (maybe you wanted 'easel add .' or 'easel add -A'?)"}
	}
	paths, err := pathspecArgs(r, env, o.Paths)
	if err != nil {
		return err
	}
	res, err := r.AddWithResult(ctx, paths, repo.AddOptions{All: o.All, Update: o.Update, Force: o.Force, Renormalize: o.Renormalize})
	if err != nil {
		return err
	}
	for _, p := range res.Embedded {
		fmt.Fprintf(env.IO.Err, "warning: adding embedded git repository: %s\n", displayPath(r, env, p))
	}
	if o.Verbose {
		for _, p := range res.Added {
			fmt.Fprintf(env.IO.Out, "add '%s'\n", displayPath(r, env, p))
		}
		for _, p := range res.Removed {
			fmt.Fprintf(env.IO.Out, "remove '%s'\n", displayPath(r, env, p))
		}
	}
	return nil
}

// relPath is target relative to base, slash-separated; an error if target
// is outside base.
func relPath(base, target string) (string, error) {
	rel, err := filepath.Rel(filepath.Clean(base), filepath.Clean(target))
	if err != nil {
		return "", err
	}
	rel = filepath.ToSlash(rel)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", errors.New("outside")
	}
	return rel, nil
}
