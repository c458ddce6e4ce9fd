package cli

import (
	"github.com/spf13/cobra"
)

func init() { register(newPackRefsCmd) }

func newPackRefsCmd(env *Env) *cobra.Command {
	var all, noPrune bool
	cmd := &cobra.Command{
		Use:   "pack-refs [--all] [--no-prune]",
		Short: "Move loose refs into packed-refs",
		Long: `Move tags (with --all every ref but symbolic and per-work-tree ones) from
their own files into packed-refs, as git pack-refs does, then remove the loose
files (unless --no-prune). Each ref keeps its value at every moment.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			return r.PackRefs(all, !noPrune)
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "pack every ref, not only tags")
	cmd.Flags().BoolVar(&noPrune, "no-prune", false, "keep the loose ref files")
	prune := cmd.Flags().Bool("prune", true, "remove the loose ref files (default)")
	cmd.Flags().MarkHidden("prune")
	_ = prune
	return cmd
}
