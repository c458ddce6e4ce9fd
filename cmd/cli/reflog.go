package cli

import (
	"bufio"
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newReflogCmd) }

type reflogOptions struct {
	Args []string
	Max  int
	JSON bool
}

// reflogJSON is one entry of reflog --json.
type reflogJSON struct {
	ID      string `json:"id"`
	Old     string `json:"old"`
	Index   int    `json:"index"`
	Message string `json:"message"`
	Name    string `json:"name"`
	Email   string `json:"email"`
	Date    string `json:"date"`
}

func newReflogCmd(env *Env) *cobra.Command {
	var o reflogOptions
	cmd := &cobra.Command{
		Use:   "reflog [show] [<ref>]",
		Short: "Show where a branch or HEAD has been",
		Long: `Show the reflog of <ref> (default HEAD), newest first, as git reflog does: every
commit, reset, merge, switch and branch rename that moved it, one line each as
"<id> <ref>@{<n>}: <message>". <ref>@{<n>} names that entry's commit in any
command: HEAD@{1} is where HEAD was before its last move, main@{2} where main was
two updates ago, main@{yesterday} where main was a day ago, @{-1} the branch
checked out before the current one.

Reflogs are kept in .git/logs as git keeps them (not in bare repositories, unless
core.logAllRefUpdates says so).`,
		Example: `  easel reflog
  easel reflog -n 5
  easel reflog show main
  easel reflog --json origin/main
  easel reset --hard HEAD@{1}     # undo the last reset`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 && args[0] == "show" {
				args = args[1:]
			}
			if len(args) > 1 {
				return &UsageError{Msg: "reflog takes one ref"}
			}
			o.Args = args
			return runReflog(cmd.Context(), env, o)
		},
	}
	cmd.Flags().IntVarP(&o.Max, "max-count", "n", -1, "show at most this many entries")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON array of entries")
	return cmd
}

func runReflog(ctx context.Context, env *Env, o reflogOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	name := "HEAD"
	if len(o.Args) == 1 {
		name = o.Args[0]
	}
	ref, ok := r.ReflogRef(name)
	if !ok {
		return fmt.Errorf("%s: %w", name, repo.ErrUnknownRevision)
	}
	entries, err := r.Reflog(ref)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(env.IO.Out)
	defer out.Flush()
	list := []reflogJSON{}
	ab := r.NewAbbreviator()
	shown := 0
	for i := len(entries) - 1; i >= 0 && (o.Max < 0 || shown < o.Max); i-- {
		e := entries[i]
		// As git: an entry that deleted the ref names no commit to show,
		// but still counts.
		if e.New.IsZero() {
			continue
		}
		shown++
		index := len(entries) - 1 - i
		if o.JSON {
			list = append(list, reflogJSON{
				ID: e.New.String(), Old: e.Old.String(), Index: index, Message: e.Message,
				Name: e.Name, Email: e.Email, Date: e.When.Format(time.RFC3339),
			})
			continue
		}
		fmt.Fprintf(out, "%s %s@{%d}: %s\n", ab.ShortID(e.New), name, index, e.Message)
	}
	if o.JSON {
		return writeJSON(out, list)
	}
	return nil
}
