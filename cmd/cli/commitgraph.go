package cli

import (
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newCommitGraphCmd) }

func newCommitGraphCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "commit-graph write [--reachable] [--split]",
		Short: "Write the commit-graph file",
		Args:  cobra.NoArgs,
	}
	var o repo.CommitGraphOptions
	var progress bool
	write := &cobra.Command{
		Use:   "write [--reachable] [--split]",
		Short: "Write objects/info/commit-graph",
		Long: `Write the commit-graph git reads to walk history without inflating commits:
every commit in the packs (with --reachable: every commit the refs reach) and its
ancestors, with generation numbers v1 and v2 (commitGraph.generationVersion=1 writes
v1 only). --split writes it as a one-layer chain under objects/info/commit-graphs/.
Nothing is written in a shallow repository or one with replace refs or grafts.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			_, err = r.WriteCommitGraph(o)
			return err
		},
	}
	write.Flags().BoolVar(&o.Reachable, "reachable", false, "start from every ref instead of every packed commit")
	write.Flags().BoolVar(&o.Split, "split", false, "write a commit-graph chain")
	write.Flags().BoolVar(&progress, "progress", false, "accepted for git compatibility")
	write.Flags().Bool("no-progress", false, "accepted for git compatibility")
	write.Flags().MarkHidden("no-progress")
	cmd.AddCommand(write)
	return cmd
}
