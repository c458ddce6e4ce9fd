package cli

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newReflogCmd) }

type reflogOptions struct {
	Args []string
	Max  int
	JSON bool
	// style: --format, --pretty and --oneline, with which the entries
	// are shown as log -g shows them (git reflog is log -g
	// --abbrev-commit --pretty=oneline).
	style commitStyle
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
	var digits string
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
			if digits != "" {
				n, err := strconv.Atoi(digits)
				if err != nil {
					return &UsageError{Msg: "bad count -" + digits}
				}
				o.Max = n
			}
			if o.style.Format != "" || o.style.Pretty != "" || o.style.Oneline {
				lo := logOptions{WalkReflogs: true, AbbrevCommit: "yes", Revs: o.Args, Max: o.Max,
					commitStyle: o.style, Color: "auto", Decorate: "auto", dashdash: true}
				return runLog(cmd.Context(), env, lo)
			}
			return runReflog(cmd.Context(), env, o)
		},
	}
	// As git: "-<n>" is -n <n>.
	addDigitFlags(cmd, &digits)
	cmd.Flags().IntVarP(&o.Max, "max-count", "n", -1, "show at most this many entries")
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON array of entries")
	cmd.Flags().StringVar(&o.style.Format, "format", "", "show each entry's commit in this format, as log -g does")
	cmd.Flags().StringVar(&o.style.Pretty, "pretty", "", "same as --format")
	cmd.Flags().BoolVar(&o.style.Oneline, "oneline", false, "one line per entry (the default)")
	cmd.AddCommand(newReflogExpireCmd(env))
	return cmd
}

func newReflogExpireCmd(env *Env) *cobra.Command {
	var o repo.ReflogExpireOptions
	var expire, expireUnreachable string
	var all, singleWorktree bool
	cmd := &cobra.Command{
		Use:   "expire [--expire=<time>] [--expire-unreachable=<time>] [--rewrite] [--updateref] [--stale-fix] [-n] [--verbose] [--all | <ref>...]",
		Short: "Drop old reflog entries",
		Long: `Drop reflog entries as git reflog expire does: those older than --expire
(gc.reflogExpire, 90 days by default), and those older than --expire-unreachable
(gc.reflogExpireUnreachable, 30 days) whose commits the ref no longer reaches (for
HEAD: no ref reaches). gc.<pattern>.reflogExpire settings apply to the refs they
match; refs/stash never expires unless configured. --stale-fix also drops entries
whose commits are gone or incomplete.`,
		Example: `  easel reflog expire --all
  easel reflog expire --expire=now --all
  easel reflog expire -n --verbose --expire-unreachable=now HEAD`,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenRepo(cmd.Context())
			if err != nil {
				return err
			}
			o.Now = time.Now()
			if expire != "" {
				if o.Expire, err = repo.ParseExpiry(expire, o.Now); err != nil {
					return &UsageError{Msg: err.Error()}
				}
			}
			if expireUnreachable != "" {
				if o.ExpireUnreachable, err = repo.ParseExpiry(expireUnreachable, o.Now); err != nil {
					return &UsageError{Msg: err.Error()}
				}
			}
			var refs []plumbing.ReferenceName
			if all {
				refs = r.ReflogNames()
			}
			for _, a := range args {
				ref, ok := r.ReflogRef(a)
				if !ok {
					return fmt.Errorf("%s points nowhere!: %w", a, repo.ErrUnknownRevision)
				}
				refs = append(refs, ref)
			}
			if len(refs) == 0 && !all {
				return &UsageError{Msg: "no reflog specified to delete"}
			}
			out := bufio.NewWriter(env.IO.Out)
			defer out.Flush()
			for _, ref := range refs {
				if err := r.ExpireReflog(ref, o, out); err != nil {
					return err
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&expire, "expire", "", "drop entries older than `time`")
	f.StringVar(&expireUnreachable, "expire-unreachable", "", "drop entries older than `time` that the ref no longer reaches")
	f.BoolVar(&o.StaleFix, "stale-fix", false, "drop entries whose commits are gone or incomplete")
	f.BoolVarP(&o.DryRun, "dry-run", "n", false, "show what would be dropped, change nothing")
	f.BoolVar(&o.Verbose, "verbose", false, "print every entry kept or dropped")
	f.BoolVar(&o.Rewrite, "rewrite", false, "make each entry's old id the previous entry's new id")
	f.BoolVar(&o.UpdateRef, "updateref", false, "set the ref to the last entry kept")
	f.BoolVar(&all, "all", false, "expire every reflog")
	f.BoolVar(&singleWorktree, "single-worktree", false, "only the current work tree's reflogs (the default here)")
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
