package cli

import "github.com/spf13/cobra"

func init() { register(newRevertCmd) }

func newRevertCmd(env *Env) *cobra.Command {
	var o pickFlags
	cmd := &cobra.Command{
		Use:   "revert [options] <commit>... | --continue | --skip | --abort | --quit",
		Short: "Record new commits that undo existing ones",
		Long: `For each named commit, apply the reverse of its change on top of HEAD and commit
it with git's message: Revert "<subject>", then "This reverts commit <id>.".
The author and committer are you. Ranges (a..b) revert newest first. A conflict
stops with the files marked and REVERT_HEAD written: resolve, 'easel add', then
--continue (or --skip, --abort, --quit). -n reverts into the index and work tree
only; -m <n> reverts a merge relative to its n-th parent. A conflict exits 1.`,
		Example: `  easel revert HEAD
  easel revert -n HEAD~3..HEAD
  easel revert -m 1 <merge>
  easel revert --continue`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("mainline") && o.Mainline <= 0 {
				return &UsageError{Msg: "option `mainline' expects a number greater than zero"}
			}
			return runPick(cmd.Context(), env, o, args, true)
		},
	}
	addPickFlags(cmd, &o, true)
	return cmd
}
