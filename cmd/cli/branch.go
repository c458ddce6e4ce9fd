package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() {
	register(newBranchCmd)
	RegisterExitCode(repo.ErrNotMerged, ExitNotMerged)
	RegisterExitCode(repo.ErrAlreadyExists, ExitAlreadyExists)
	RegisterExitCode(repo.ErrNotFound, ExitUnknownRev)
}

type branchOptions struct {
	Args        []string
	Delete      bool
	ForceDelete bool
	Move        bool
	ForceMove   bool
	Force       bool
	Verbose     bool
	JSON        bool
}

func newBranchCmd(env *Env) *cobra.Command {
	var o branchOptions
	cmd := &cobra.Command{
		Use:   "branch [<name> [<start>]]",
		Short: "List, create, rename or delete branches",
		Long: `With no arguments, list local branches; the current one is marked with '*'.
With a name, create a branch at <start> (default HEAD) without switching to it.
-d deletes a branch that HEAD contains (refusing one whose commits would be lost),
-D deletes it anyway. -m renames a branch (the current one when only the new
name is given); HEAD follows a renamed current branch.`,
		Example: `  easel branch
  easel branch -v
  easel branch feature
  easel branch hotfix v1.2
  easel branch -m feature feature-2
  easel branch -m trunk
  easel branch -d feature-2
  easel branch --json`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Args = args
			return runBranch(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Delete, "delete", "d", false, "delete a branch that is merged into HEAD")
	f.BoolVarP(&o.ForceDelete, "force-delete", "D", false, "delete a branch even if it is not merged")
	f.BoolVarP(&o.Move, "move", "m", false, "rename a branch")
	f.BoolVarP(&o.ForceMove, "force-move", "M", false, "rename a branch even if the new name exists")
	f.BoolVarP(&o.Force, "force", "f", false, "with a name: reset an existing branch to <start>")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "show the commit id and subject of each branch")
	f.BoolVar(&o.JSON, "json", false, "list branches as JSON")
	return cmd
}

func runBranch(ctx context.Context, env *Env, o branchOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	modes := 0
	for _, b := range []bool{o.Delete || o.ForceDelete, o.Move || o.ForceMove} {
		if b {
			modes++
		}
	}
	if modes > 1 {
		return &UsageError{Msg: "-d/-D and -m/-M cannot be combined"}
	}
	switch {
	case o.Delete || o.ForceDelete:
		if len(o.Args) == 0 {
			return &UsageError{Msg: "branch name required"}
		}
		ab := r.NewAbbreviator()
		for _, name := range o.Args {
			tip, err := r.DeleteBranch(ctx, name, o.ForceDelete || o.Force)
			if err != nil {
				return err
			}
			fmt.Fprintf(env.IO.Out, "Deleted branch %s (was %s).\n", name, ab.ShortID(tip))
		}
		return nil
	case o.Move || o.ForceMove:
		switch len(o.Args) {
		case 1:
			head, err := r.HeadBranch()
			if err != nil {
				return err
			}
			if head == "" {
				return fmt.Errorf("cannot rename: HEAD is detached (not on a branch)")
			}
			return r.RenameBranch(ctx, head.Short(), o.Args[0], o.ForceMove || o.Force)
		case 2:
			return r.RenameBranch(ctx, o.Args[0], o.Args[1], o.ForceMove || o.Force)
		}
		return &UsageError{Msg: "branch -m needs a new name"}
	case len(o.Args) > 0:
		start := "HEAD"
		if len(o.Args) == 2 {
			start = o.Args[1]
		}
		h, err := r.ResolveCommit(ctx, start)
		if err != nil {
			return err
		}
		startName := start
		if len(o.Args) == 1 {
			// git's reflog names the current branch as the start.
			if b, _ := r.HeadBranch(); b != "" {
				startName = b.Short()
			}
		}
		return r.CreateBranchFrom(ctx, o.Args[0], h, startName, o.Force)
	}
	branches, err := r.Branches(ctx)
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(env.IO.Out, branches)
	}
	ab := r.NewAbbreviator()
	head, _ := r.HeadBranch()
	width := 0
	for _, b := range branches {
		width = max(width, len(b.Name))
	}
	var sb strings.Builder
	if head == "" {
		// Detached HEAD is listed first, as git does.
		if h, err := r.Head(); err == nil && !h.IsZero() {
			name := "(HEAD detached at " + ab.ShortID(h) + ")"
			width = max(width, len(name))
			line := "* " + colorIf(env, "\x1b[32m", name)
			if o.Verbose {
				line = "* " + colorIf(env, "\x1b[32m", fmt.Sprintf("%-*s", width, name))
				if c, err := object.GetCommit(r.Storer, h); err == nil {
					line += " " + ab.ShortID(h) + " " + repo.Subject(c.Message)
				}
			}
			sb.WriteString(line + "\n")
		}
	}
	for _, b := range branches {
		mark, name := "  ", b.Name
		if b.Current {
			mark = "* "
		}
		if o.Verbose {
			name = fmt.Sprintf("%-*s", width, name)
		}
		if b.Current {
			name = colorIf(env, "\x1b[32m", name)
		}
		line := mark + name
		if o.Verbose {
			line += " " + ab.ShortID(b.Hash) + " " + b.Subject
		}
		sb.WriteString(line + "\n")
	}
	_, err = fmt.Fprint(env.IO.Out, sb.String())
	return err
}

// colorIf wraps s in an SGR colour when the output is a colour terminal.
func colorIf(env *Env, sgr, s string) string {
	if !env.IO.Color {
		return s
	}
	return sgr + s + "\x1b[m"
}
