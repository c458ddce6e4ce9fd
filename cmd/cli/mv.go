package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newMvCmd) }

type mvOptions struct {
	Args    []string
	Force   bool
	DryRun  bool
	Verbose bool
	Skip    bool
}

func newMvCmd(env *Env) *cobra.Command {
	var o mvOptions
	cmd := &cobra.Command{
		Use:   "mv <source>... <destination>",
		Short: "Move or rename a tracked file or directory",
		Long: `Rename a tracked file or directory in the work tree and the index. With several
sources, or when the destination is an existing directory, the sources move into
it. An existing destination file is refused unless -f is given.`,
		Example: `  easel mv old.txt new.txt
  easel mv src/util.go src/lib/
  easel mv a.txt b.txt docs/
  easel mv -f draft.md README.md`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			return runMv(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Force, "force", "f", false, "overwrite an existing destination file")
	f.BoolVarP(&o.DryRun, "dry-run", "n", false, "only show what would be moved")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "print each move")
	f.BoolVarP(&o.Skip, "skip-errors", "k", false, "skip sources that cannot move instead of failing")
	return cmd
}

func runMv(ctx context.Context, env *Env, o mvOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	paths, err := repoPathArgs(r, env, o.Args)
	if err != nil {
		return err
	}
	moves, err := r.Move(ctx, paths[:len(paths)-1], paths[len(paths)-1], repo.MoveOptions{Force: o.Force, DryRun: o.DryRun, SkipErrors: o.Skip,
		DestIsDir: strings.HasSuffix(o.Args[len(o.Args)-1], "/"), Err: env.IO.Err})
	if err != nil {
		return err
	}
	if o.Verbose || o.DryRun {
		for _, m := range moves {
			fmt.Fprintf(env.IO.Out, "Renaming %s to %s\n", displayPath(r, env, m.From), displayPath(r, env, m.To))
		}
	}
	return nil
}
