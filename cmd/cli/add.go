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
	Renormalize   bool
	DryRun        bool
	IgnoreMissing bool
	Refresh       bool
	IgnoreErrors  bool
	Chmod         string
}

func newAddCmd(env *Env) *cobra.Command {
	var o addOptions
	cmd := &cobra.Command{
		Use:   "add [<path>...]",
		Short: "Stage file contents for the next commit",
		Long: `Record the current content of the named files in the index, so that the next
commit includes them. A directory adds everything under it; deleted tracked files
under a named path are removed from the index. Ignored files are skipped (naming
one explicitly is an error unless -f is given; the other paths are added all the
same).

-A stages every change in the work tree (new, modified and deleted files);
-u only changes to files that are already tracked. -n shows what would be
staged; --chmod=+x or -x sets the executable bit of the named files in the
index only; --refresh only refreshes the stat data of unchanged files.`,
		Example: `  easel add README.md src/
  easel add -A
  easel add -u
  easel add '*.go'
  easel add -f build/keep.log
  easel add --chmod=+x run.sh
  easel add -n .`,
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
	f.BoolVarP(&o.DryRun, "dry-run", "n", false, "only show what would be added")
	f.BoolVar(&o.IgnoreMissing, "ignore-missing", false, "with --dry-run: a path matching nothing is no error unless ignored")
	f.BoolVar(&o.Refresh, "refresh", false, "only refresh the stat data of unchanged tracked files")
	f.BoolVar(&o.IgnoreErrors, "ignore-errors", false, "accepted for git compatibility")
	f.StringVar(&o.Chmod, "chmod", "", "set (+x) or clear (-x) the executable bit in the index")
	return cmd
}

func runAdd(ctx context.Context, env *Env, o addOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	var chmod byte
	switch o.Chmod {
	case "":
	case "+x", "-x":
		chmod = o.Chmod[0]
	default:
		return &ExitError{Code: ExitUsage, Err: errorLine("fatal: --chmod param '" + o.Chmod + "' must be either -x or +x")}
	}
	if o.IgnoreMissing && !o.DryRun {
		return &UsageError{Msg: "the option '--ignore-missing' requires '--dry-run'"}
	}
	if len(o.Paths) == 0 && !o.All && !o.Update && !o.Renormalize {
		// As git: a note, and success.
		fmt.Fprintln(env.IO.Err, "Nothing specified, nothing added.")
		if adviceEnabled(r, "addEmptyPathspec") {
			fmt.Fprint(env.IO.Err, "hint: Maybe you wanted to say 'easel add .'?\n"+
				"hint: Turn this message off by running\n"+
				"hint: \"easel config advice.addEmptyPathspec false\"\n")
		}
		return nil
	}
	paths, err := pathspecArgs(r, env, o.Paths)
	if err != nil {
		return err
	}
	res, err := r.AddWithResult(ctx, paths, repo.AddOptions{All: o.All, Update: o.Update, Force: o.Force, Renormalize: o.Renormalize,
		DryRun: o.DryRun, IgnoreMissing: o.IgnoreMissing, Refresh: o.Refresh, Chmod: chmod})
	var pe *repo.PathspecError
	if errors.As(err, &pe) && pe.Msg == "" && len(paths) == len(o.Paths) {
		// git names the pathspec as it was given, not as resolved.
		for i, p := range paths {
			if p == pe.Pathspec {
				return &repo.PathspecError{Pathspec: o.Paths[i]}
			}
		}
	}
	if err != nil {
		return err
	}
	for _, p := range res.Embedded {
		fmt.Fprintf(env.IO.Err, "warning: adding embedded git repository: %s\n", displayPath(r, env, p))
	}
	if o.Verbose || o.DryRun {
		for _, c := range res.Order {
			verb := "add"
			if c.Removed {
				verb = "remove"
			}
			fmt.Fprintf(env.IO.Out, "%s '%s'\n", verb, displayPath(r, env, c.Path))
		}
	}
	failed := false
	if len(res.Ignored) > 0 {
		failed = true
		fmt.Fprintln(env.IO.Err, "The following paths are ignored by one of your .gitignore files:")
		for _, p := range res.Ignored {
			fmt.Fprintln(env.IO.Err, p)
		}
		if adviceEnabled(r, "addIgnoredFile") {
			fmt.Fprint(env.IO.Err, "hint: Use -f if you really want to add them.\n"+
				"hint: Turn this message off by running\n"+
				"hint: \"easel config advice.addIgnoredFile false\"\n")
		}
	}
	for _, p := range res.ChmodRefused {
		fmt.Fprintf(env.IO.Err, "error: cannot chmod %cx '%s'\n", chmod, p)
	}
	if len(res.ChmodRefused) > 0 {
		return &ExitError{Code: ExitFailure}
	}
	if failed {
		// What could be added was; the status says an ignored path
		// was named (README's exit code for it).
		return &ExitError{Code: ExitPathspec}
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
