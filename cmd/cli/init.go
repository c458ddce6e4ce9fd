package cli

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newInitCmd) }

type initOptions struct {
	Dir    string
	Bare   bool
	Branch string
	Quiet  bool
}

func newInitCmd(env *Env) *cobra.Command {
	var o initOptions
	cmd := &cobra.Command{
		Use:   "init [directory]",
		Short: "Create an empty repository",
		Long:  "Create an empty repository in directory (default: the current one). Running it again on an existing repository is safe.",
		Example: `  easel init
  easel init project
  easel init --bare /srv/easel/project.git
  easel init -b trunk`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Dir = env.Dir
			if len(args) == 1 {
				o.Dir = args[0]
				if !filepath.IsAbs(o.Dir) {
					o.Dir = filepath.Join(env.Dir, o.Dir)
				}
			}
			return runInit(cmd.Context(), env, o)
		},
	}
	cmd.Flags().BoolVar(&o.Bare, "bare", false, "create a bare repository (no work tree)")
	cmd.Flags().StringVarP(&o.Branch, "initial-branch", "b", "", "name of the first branch (default "+repo.DefaultBranch+")")
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	return cmd
}

func runInit(ctx context.Context, env *Env, o initOptions) error {
	r, err := repo.Init(ctx, o.Dir, o.Bare, o.Branch)
	if err != nil {
		return err
	}
	if !o.Quiet {
		fmt.Fprintf(env.IO.Out, "Initialized empty easel repository in %s\n", r.GitDir+string(filepath.Separator))
	}
	return nil
}
