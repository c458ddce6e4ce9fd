package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() {
	register(newBranchCmd)
}

type branchOptions struct {
	Args          []string
	Delete        bool
	ForceDelete   bool
	Move          bool
	ForceMove     bool
	Force         bool
	Verbose       int
	JSON          bool
	All           bool
	Remotes       bool
	List          bool
	ShowCurrent   bool
	SetUpstreamTo string
	UnsetUpstream bool
	Merged        string
	NoMerged      string
	Contains      string
}

func newBranchCmd(env *Env) *cobra.Command {
	var o branchOptions
	cmd := &cobra.Command{
		Use:   "branch [<name> [<start>]]",
		Short: "List, create, rename or delete branches",
		Long: `With no arguments, list local branches; the current one is marked with '*'.
-r lists the remote-tracking branches (origin/main), -a both (remotes/origin/main).
--merged [<commit>] lists the branches whose tips <commit> (default HEAD) contains,
--no-merged the others, --contains <commit> those that contain <commit>; with
--list, -a, -r or a filter, names are git's glob patterns ('*' matches '/' too).
With a name, create a branch at <start> (default HEAD) without switching to it.
-d deletes a branch that HEAD contains (refusing one whose commits would be lost),
-D deletes it anyway. -m renames a branch (the current one when only the new
name is given); HEAD follows a renamed current branch. -u <upstream> [<branch>]
makes a branch (default the current one) track a local or remote-tracking
branch; --unset-upstream [<branch>] forgets it. --show-current prints the
current branch's name (nothing when HEAD is detached).`,
		Example: `  easel branch
  easel branch -v
  easel branch -a
  easel branch -r --merged
  easel branch --no-merged main
  easel branch --contains 3f2a9c1
  easel branch feature
  easel branch hotfix v1.2
  easel branch -u origin/main
  easel branch --unset-upstream feature
  easel branch --show-current
  easel branch -m feature feature-2
  easel branch -m trunk
  easel branch -d feature-2
  easel branch --json -a`,
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
	f.CountVarP(&o.Verbose, "verbose", "v", "show the commit id and subject of each branch (twice: and the upstream's name)")
	f.BoolVar(&o.JSON, "json", false, "list branches as JSON")
	f.BoolVarP(&o.All, "all", "a", false, "list local and remote-tracking branches")
	f.BoolVarP(&o.Remotes, "remotes", "r", false, "list remote-tracking branches")
	f.BoolVarP(&o.List, "list", "l", false, "list branches matching the patterns given")
	f.BoolVar(&o.ShowCurrent, "show-current", false, "print the current branch's name")
	f.StringVarP(&o.SetUpstreamTo, "set-upstream-to", "u", "", "make the branch track `<upstream>`")
	f.BoolVar(&o.UnsetUpstream, "unset-upstream", false, "forget the branch's upstream")
	f.StringVar(&o.Merged, "merged", "", "list only branches whose tips `<commit>` contains (default HEAD)")
	f.StringVar(&o.NoMerged, "no-merged", "", "list only branches whose tips `<commit>` does not contain (default HEAD)")
	f.StringVar(&o.Contains, "contains", "", "list only branches that contain `<commit>` (default HEAD)")
	for _, name := range []string{"merged", "no-merged", "contains"} {
		f.Lookup(name).NoOptDefVal = "HEAD"
	}
	return cmd
}

func runBranch(ctx context.Context, env *Env, o branchOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	modes := 0
	for _, b := range []bool{o.Delete || o.ForceDelete, o.Move || o.ForceMove, o.SetUpstreamTo != "", o.UnsetUpstream, o.ShowCurrent} {
		if b {
			modes++
		}
	}
	if modes > 1 {
		return &UsageError{Msg: "-d/-D, -m/-M, -u, --unset-upstream and --show-current cannot be combined"}
	}
	filtered := o.Merged != "" || o.NoMerged != "" || o.Contains != ""
	list := o.List || filtered || (modes == 0 && len(o.Args) == 0)
	if modes > 0 && list && (o.List || filtered) {
		return &UsageError{Msg: "--list, --merged, --no-merged and --contains only go with listing"}
	}
	if (o.All || o.Remotes) && !list && modes == 0 {
		return &UsageError{Msg: "the -a, and -r, options to 'easel branch' do not take a branch name; did you mean: -a|-r --list <pattern>?"}
	}
	switch {
	case o.ShowCurrent:
		if len(o.Args) > 0 {
			return &UsageError{Msg: "--show-current takes no arguments"}
		}
		if head, _ := r.HeadBranch(); head != "" {
			fmt.Fprintln(env.IO.Out, head.Short())
		}
		return nil
	case o.SetUpstreamTo != "" || o.UnsetUpstream:
		if len(o.Args) > 1 {
			return &UsageError{Msg: "too many arguments: -u <upstream> [<branch>], --unset-upstream [<branch>]"}
		}
		branch := ""
		if len(o.Args) == 1 {
			branch = o.Args[0]
		} else if head, _ := r.HeadBranch(); head != "" {
			branch = head.Short()
		} else if o.UnsetUpstream {
			return fmt.Errorf("could not unset upstream of HEAD when it does not point to any branch")
		} else {
			return fmt.Errorf("could not set upstream of HEAD to %s when it does not point to any branch", o.SetUpstreamTo)
		}
		if o.UnsetUpstream {
			return r.UnsetUpstream(ctx, branch)
		}
		name, err := r.SetUpstreamTo(ctx, branch, o.SetUpstreamTo)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.IO.Out, "branch '%s' set up to track '%s'.\n", branch, name)
		return nil
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
	case !list:
		if len(o.Args) > 2 {
			return &UsageError{Msg: "too many arguments: branch <name> [<start>]"}
		}
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
	return listBranches(ctx, env, r, o)
}

// listBranches prints git branch's listing: a detached HEAD first, local
// branches, then remote-tracking ones ("remotes/" before them with -a).
func listBranches(ctx context.Context, env *Env, r *repo.Repository, o branchOptions) error {
	filter := repo.RefFilter{Patterns: o.Args}
	for _, c := range []struct {
		rev string
		to  *plumbing.Hash
	}{{o.Merged, &filter.Merged}, {o.NoMerged, &filter.NoMerged}, {o.Contains, &filter.Contains}} {
		if c.rev == "" {
			continue
		}
		h, err := r.ResolveCommit(ctx, c.rev)
		if err != nil {
			return err
		}
		*c.to = h
	}
	branches, err := r.ListBranches(ctx, repo.BranchListOptions{Local: !o.Remotes || o.All, Remote: o.Remotes || o.All, Filter: filter})
	if err != nil {
		return err
	}
	if o.JSON {
		if branches == nil {
			branches = []repo.Branch{}
		}
		return writeJSON(env.IO.Out, branches)
	}
	ab := r.NewAbbreviator()
	display := func(b repo.Branch) string {
		if b.Remote && o.All {
			return "remotes/" + b.Name
		}
		return b.Name
	}
	width := 0
	for _, b := range branches {
		width = max(width, len(display(b)))
	}
	var sb strings.Builder
	head, _ := r.HeadBranch()
	if head == "" && (o.All || !o.Remotes) {
		// Detached HEAD is listed first, as git does.
		h, err := r.Head()
		if err == nil && !h.IsZero() {
			ok, err := r.MatchRef(ctx, repo.RefFilter{Merged: filter.Merged, NoMerged: filter.NoMerged, Contains: filter.Contains}, "HEAD", h)
			if err != nil {
				return err
			}
			if ok {
				name := "(HEAD detached at " + ab.ShortID(h) + ")"
				width = max(width, len(name))
				line := "* " + colorIf(env, "\x1b[32m", name)
				if o.Verbose > 0 {
					line = "* " + colorIf(env, "\x1b[32m", fmt.Sprintf("%-*s", width, name))
					if c, err := r.CommitObject(h); err == nil {
						line += " " + ab.ShortID(h) + " " + repo.Subject(c.Message)
					}
				}
				sb.WriteString(line + "\n")
			}
		}
	}
	for _, b := range branches {
		mark, name := "  ", display(b)
		switch {
		case b.Current:
			mark = "* "
		case b.Worktree != "":
			mark = "+ " // checked out in another work tree
		}
		if o.Verbose > 0 {
			name = fmt.Sprintf("%-*s", width, name)
		}
		switch {
		case b.Current:
			name = colorIf(env, "\x1b[32m", name)
		case b.Remote:
			name = colorIf(env, "\x1b[31m", name)
		case b.Worktree != "":
			name = colorIf(env, "\x1b[36m", name)
		}
		line := mark + name
		switch {
		case b.Symref != "":
			line += " -> " + b.Symref
		case o.Verbose > 0:
			line += " " + ab.ShortID(b.Hash) + " "
			if b.Worktree != "" && o.Verbose > 1 {
				line += "(" + b.Worktree + ") "
			}
			if !b.Remote {
				line += tracking(ctx, r, b.Name, o.Verbose > 1)
			}
			line += b.Subject
		}
		sb.WriteString(line + "\n")
	}
	_, err = fmt.Fprint(env.IO.Out, sb.String())
	return err
}

// tracking is git's %(upstream:track) for branch -v: "[ahead 1, behind
// 2] ", "[gone] ", or nothing when even or without an upstream; with -vv
// the upstream's name first: "[origin/main: ahead 1] ", "[origin/main] ".
func tracking(ctx context.Context, r *repo.Repository, branch string, name bool) string {
	t, err := r.Tracking(ctx, branch)
	if err != nil || t == nil {
		return ""
	}
	var track string
	switch {
	case t.Gone:
		track = "gone"
	case t.Ahead > 0 && t.Behind > 0:
		track = fmt.Sprintf("ahead %d, behind %d", t.Ahead, t.Behind)
	case t.Ahead > 0:
		track = fmt.Sprintf("ahead %d", t.Ahead)
	case t.Behind > 0:
		track = fmt.Sprintf("behind %d", t.Behind)
	}
	switch {
	case name && track != "":
		return "[" + t.Name + ": " + track + "] "
	case name:
		return "[" + t.Name + "] "
	case track != "":
		return "[" + track + "] "
	}
	return ""
}

// colorIf wraps s in an SGR colour when the output is a colour terminal.
func colorIf(env *Env, sgr, s string) string {
	if !env.IO.Color {
		return s
	}
	return sgr + s + "\x1b[m"
}
