package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func init() { register(newCompletionCmd) }

func newCompletionCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print a shell completion script",
		Long: `Print a script that makes the shell complete easel's commands, flags and
arguments. Load it in the current shell, or install it where your shell
reads completions at start-up.`,
		Example: `  # bash, this shell only:
  source <(easel completion bash)
  # bash, every shell (Linux):
  easel completion bash > /etc/bash_completion.d/easel
  # zsh (make sure "autoload -U compinit; compinit" runs in ~/.zshrc):
  easel completion zsh > "${fpath[1]}/_easel"
  # fish:
  easel completion fish > ~/.config/fish/completions/easel.fish
  # PowerShell:
  easel completion powershell | Out-String | Invoke-Expression`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args: func(cmd *cobra.Command, args []string) error {
			if err := cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs)(cmd, args); err != nil {
				return &UsageError{Msg: err.Error() + ": use bash, zsh, fish or powershell"}
			}
			return nil
		},
		DisableFlagsInUseLine: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			root := cmd.Root()
			out := env.IO.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return &UsageError{Msg: fmt.Sprintf("unknown shell %q: use bash, zsh, fish or powershell", args[0])}
		},
	}
	return cmd
}
