package cli

import (
	"context"
	"fmt"
	"strings"

	"unicode/utf8"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/column"
	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/refformat"
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
	CreateReflog  bool
	Track         string
	NoTrack       bool
	Copy          bool
	ForceCopy     bool
	Quiet         bool
	EditDesc      bool
	Abbrev        int
	NoAbbrev      bool
	Color         string
	NoColor       bool
	refListFlags
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
			return runBranch(cmd, env, o)
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
	f.BoolVar(&o.CreateReflog, "create-reflog", false, "start the new branch's reflog")
	f.StringVarP(&o.Track, "track", "t", "", "set up tracking of the start point (`direct` or inherit)")
	f.Lookup("track").NoOptDefVal = "direct"
	f.BoolVar(&o.NoTrack, "no-track", false, "do not set up tracking, whatever branch.autoSetupMerge says")
	f.BoolVarP(&o.Copy, "copy", "c", false, "copy a branch with its reflog and configuration")
	f.BoolVarP(&o.ForceCopy, "force-copy", "C", false, "copy a branch even if the new name exists")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print no messages")
	f.BoolVar(&o.EditDesc, "edit-description", false, "edit the branch's description in the editor")
	f.IntVar(&o.Abbrev, "abbrev", -1, "with -v: show `<n>` hex digits of ids")
	f.Lookup("abbrev").NoOptDefVal = "-1"
	f.BoolVar(&o.NoAbbrev, "no-abbrev", false, "with -v: show whole ids")
	f.StringVar(&o.Color, "color", "", "colour the list (`<when>`: always, never or auto)")
	f.Lookup("color").NoOptDefVal = "always"
	f.BoolVar(&o.NoColor, "no-color", false, "do not colour the list")
	o.refListFlags.add(f, "branches")
	return cmd
}

func runBranch(cmd *cobra.Command, env *Env, o branchOptions) error {
	ctx := cmd.Context()
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if err := r.CheckBranchConfig(); err != nil {
		return err
	}
	modes := 0
	for _, b := range []bool{o.Delete || o.ForceDelete, o.Move || o.ForceMove, o.Copy || o.ForceCopy, o.SetUpstreamTo != "", o.UnsetUpstream, o.ShowCurrent, o.EditDesc} {
		if b {
			modes++
		}
	}
	if modes > 1 {
		return &UsageError{Msg: "-d/-D, -m/-M, -c/-C, -u, --unset-upstream, --edit-description and --show-current cannot be combined"}
	}
	filtered := o.filtering()
	list := o.List || filtered || (modes == 0 && len(o.Args) == 0)
	if modes > 0 && list && (o.List || filtered) {
		return &UsageError{Msg: "--list, --merged, --no-merged and --contains only go with listing"}
	}
	if (o.All || o.Remotes) && !list && modes == 0 {
		return &UsageError{Msg: "the -a, and -r, options to 'easel branch' do not take a branch name.\nDid you mean to use: -a|-r --list <pattern>?"}
	}
	// Branch names on the command line may be @{-N} or <branch>@{upstream}.
	local := func(name string) string { return r.InterpretBranchName(name, true, false) }
	headName := func() string {
		h, _ := r.HeadBranch()
		return h.Short()
	}
	switch {
	case o.ShowCurrent:
		if len(o.Args) > 0 {
			return &UsageError{Msg: "--show-current takes no arguments"}
		}
		if head := headName(); head != "" {
			fmt.Fprintln(env.IO.Out, head)
		}
		return nil
	case o.EditDesc:
		return editBranchDescription(ctx, env, r, o, local)
	case o.SetUpstreamTo != "" || o.UnsetUpstream:
		branch := headName()
		switch {
		case len(o.Args) > 1 && o.UnsetUpstream:
			return fmt.Errorf("too many arguments to unset upstream")
		case len(o.Args) > 1:
			return fmt.Errorf("too many arguments to set new upstream")
		case len(o.Args) == 1:
			branch = local(o.Args[0])
		case branch == "" && o.UnsetUpstream:
			return fmt.Errorf("could not unset upstream of HEAD when it does not point to any branch.")
		case branch == "":
			return fmt.Errorf("could not set upstream of HEAD to %s when it does not point to any branch.", o.SetUpstreamTo)
		}
		if o.UnsetUpstream {
			return r.UnsetBranchUpstream(branch)
		}
		if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(branch)); err != nil {
			return &repo.BranchError{Msg: fmt.Sprintf("branch '%s' does not exist", branch), Err: repo.ErrNotFound}
		}
		res, err := r.SetupTracking(ctx, branch, o.SetUpstreamTo, repo.TrackOverride)
		return reportTracking(env, res, err, o.Quiet)
	case o.Delete || o.ForceDelete:
		if len(o.Args) == 0 {
			return fmt.Errorf("branch name required")
		}
		ab := r.NewAbbreviator()
		var failed error
		for _, arg := range o.Args {
			name := r.InterpretBranchName(arg, !o.Remotes, o.Remotes)
			tip, warning, err := r.DeleteBranchRef(ctx, name, o.ForceDelete || o.Force, o.Remotes)
			if warning != "" && !tip.IsZero() || warning != "" && err != nil {
				fmt.Fprintln(env.IO.Err, "warning: "+warning)
			}
			if err != nil {
				fmt.Fprintln(env.IO.Err, "error: "+err.Error())
				failed = err
				continue
			}
			if o.Quiet {
				continue
			}
			was := ab.ShortID(tip)
			if tip.IsZero() {
				was = warning // a symbolic ref: what it pointed at
			}
			kind := "branch"
			if o.Remotes {
				kind = "remote-tracking branch"
			}
			fmt.Fprintf(env.IO.Out, "Deleted %s %s (was %s).\n", kind, name, was)
		}
		if failed != nil {
			// git goes on with the other names and fails at the end;
			// the exit code is the last refusal's own.
			return &ExitError{Code: ExitCode(failed)}
		}
		return nil
	case o.Move || o.ForceMove || o.Copy || o.ForceCopy:
		copying := o.Copy || o.ForceCopy
		force := o.ForceMove || o.ForceCopy || o.Force
		verb := "rename"
		if copying {
			verb = "copy"
		}
		var old, new string
		switch len(o.Args) {
		case 0:
			return fmt.Errorf("branch name required")
		case 1:
			old, new = headName(), local(o.Args[0])
			if old == "" {
				return fmt.Errorf("cannot %s the current branch while not on any.", verb)
			}
		case 2:
			old, new = local(o.Args[0]), local(o.Args[1])
		default:
			return fmt.Errorf("too many arguments for a %s operation", verb)
		}
		if copying {
			return r.CopyBranch(ctx, old, new, force)
		}
		return r.RenameBranch(ctx, old, new, force)
	case !list:
		if len(o.Args) > 2 {
			return &UsageError{Msg: "too many arguments: branch <name> [<start>]"}
		}
		start := headName()
		if start == "" {
			start = "HEAD"
		}
		if len(o.Args) == 2 {
			start = o.Args[1]
		}
		return createBranch(ctx, env, r, local(o.Args[0]), start, o)
	}
	cols, err := o.columns(r, "branch", cmd.Flags().Changed("column"))
	if err != nil {
		return err
	}
	if o.Verbose > 0 {
		if cols.Cmdline && cols.Active(true) {
			return fmt.Errorf("options '--column' and '--verbose' cannot be used together")
		}
		cols.Enable = "never"
	}
	return listBranches(ctx, env, r, o, cols)
}

// createBranch is git's create_branch: check the name, resolve the start
// point (A...B: their merge base), make the ref, then set up tracking as
// --track/--no-track or branch.autoSetupMerge say.
func createBranch(ctx context.Context, env *Env, r *repo.Repository, name, start string, o branchOptions) error {
	if err := repo.CheckBranchName(name); err != nil {
		return err
	}
	mode := o.Track
	switch {
	case o.NoTrack:
		mode = repo.TrackNever
	case mode == "":
		m, err := r.DefaultTrack()
		if err != nil {
			return err
		}
		mode = m
	case mode != repo.TrackDirect && mode != repo.TrackInherit:
		return &UsageError{Msg: fmt.Sprintf("option `track' expects \"direct\" or \"inherit\", not %q", mode)}
	}
	realRef, err := r.TrackingStart(ctx, start, mode)
	if err != nil {
		return err
	}
	h, err := r.StartPoint(ctx, start)
	if err != nil {
		return &repo.BranchError{Msg: fmt.Sprintf("not a valid object name: '%s'", start), Err: repo.ErrUnknownRevision}
	}
	if err := r.CreateBranchWith(ctx, name, h, start, repo.BranchCreateOptions{Force: o.Force, CreateReflog: o.CreateReflog}); err != nil {
		return err
	}
	if realRef == "" {
		return nil
	}
	res, err := r.ApplyTracking(ctx, name, realRef, mode)
	return reportTracking(env, res, err, o.Quiet)
}

// reportTracking prints what tracking setup did (or git's warning and
// hint when it would not) and passes its error on.
func reportTracking(env *Env, res *repo.TrackResult, err error, quiet bool) error {
	if res != nil && len(res.Ambigous) > 0 && err != nil {
		fmt.Fprintln(env.IO.Err, "fatal: "+err.Error())
		ref := strings.TrimPrefix(strings.TrimSuffix(err.Error(), "'"), "not tracking: ambiguous information for ref '")
		hint := []string{"There are multiple remotes whose fetch refspecs map to the remote", "tracking ref '" + ref + "':"}
		for _, n := range res.Ambigous {
			hint = append(hint, "  "+n)
		}
		hint = append(hint, "", "This is typically a configuration error.", "",
			"To support setting up tracking branches, ensure that", "different remotes' fetch refspecs map into different", "tracking namespaces.")
		for _, l := range hint {
			fmt.Fprintln(env.IO.Err, "hint: "+l)
		}
		return &ExitError{Code: ExitFailure}
	}
	if err != nil {
		return err
	}
	if res != nil && res.Warning != "" {
		fmt.Fprintln(env.IO.Err, "warning: "+res.Warning)
		return nil
	}
	if res != nil && res.OwnWarn {
		fmt.Fprintf(env.IO.Err, "warning: not setting branch '%s' as its own upstream\n", res.Branch)
		return nil
	}
	if !quiet {
		fmt.Fprint(env.IO.Out, res.Message())
	}
	return nil
}

// listBranches prints git branch's listing through git's own branch
// format (build_format in git's branch.c): a detached HEAD first, local
// branches, then remote-tracking ones ("remotes/" before them with -a),
// sorted by --sort or branch.sort.
func listBranches(ctx context.Context, env *Env, r *repo.Repository, o branchOptions, cols column.Mode) error {
	sorter, err := o.sorter(r, "branch")
	if err != nil {
		return err
	}
	sorter.DetachedFirst = true
	filter, err := o.filter(ctx, r, o.Args)
	if err != nil {
		return err
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
	var items []*refformat.Item
	remotePrefix := ""
	if o.All {
		remotePrefix = "remotes/"
	}
	width := 0
	if head, _ := r.HeadBranch(); head == "" && (o.All || !o.Remotes) {
		// Detached HEAD, listed with the local branches, as git does.
		if h, err := r.Head(); err == nil && !h.IsZero() {
			ok, err := r.MatchRef(ctx, filter, "HEAD", h)
			if err != nil {
				return err
			}
			if ok {
				desc := r.HeadDescription()
				items = append(items, &refformat.Item{Refname: "HEAD", ID: h, Head: true, Detached: true, Description: desc})
				width = max(width, utf8.RuneCountInString(desc))
			}
		}
	}
	for _, b := range branches {
		it := &refformat.Item{ID: b.Hash, Head: b.Current, Worktree: b.Worktree, Symref: b.SymrefRef.String()}
		w := utf8.RuneCountInString(b.Name)
		if b.Remote {
			it.Refname = "refs/remotes/" + b.Name
			w += len(remotePrefix)
		} else {
			it.Refname = "refs/heads/" + b.Name
			if b.Current {
				it.Worktree = r.WorkDir
			}
		}
		width = max(width, w)
		items = append(items, it)
	}
	format := o.Format
	if format == "" {
		format = branchFormat(o, width, remotePrefix, branchColors(r, o, env))
	}
	f, err := refformat.Parse(format)
	if err != nil {
		return fatalFormat(err)
	}
	f.Color = useBranchColor(r, o, env)
	src := r.RefFormatSource(ctx)
	if err := sorter.Sort(src, items); err != nil {
		return fatalFormat(err)
	}
	return printRefLines(env, f, src, items, cols, 1)
}

// branchColor are the colours of git's branch listing (color.branch.*),
// all empty without colour.
type branchColor struct{ current, local, remote, upstream, worktree, reset string }

// useBranchColor is --color/--no-color, else color.branch, else
// color.ui, else colour on a terminal.
func useBranchColor(r *repo.Repository, o branchOptions, env *Env) bool {
	return useColor(r, env, o.Color, o.NoColor, "color.branch", "color.ui")
}

// useColor decides colour as git's want_color: the option's <when>
// (--no-color: never), else the first of the config keys set (none
// outside a repository: r is nil), else on a terminal.
func useColor(r *repo.Repository, env *Env, when string, no bool, keys ...string) bool {
	if no {
		when = "never"
	}
	when = strings.ToLower(when)
	if when == "" && r != nil {
		for _, key := range keys {
			if v, ok, _ := r.ConfigGet(key); ok {
				when = strings.ToLower(v)
				break
			}
		}
	}
	switch when {
	case "always", "true", "yes", "on", "1":
		return true
	case "never", "false", "no", "off", "0":
		return false
	}
	return env.IO.Color
}

func branchColors(r *repo.Repository, o branchOptions, env *Env) branchColor {
	if !useBranchColor(r, o, env) {
		return branchColor{}
	}
	c := branchColor{current: "\x1b[32m", remote: "\x1b[31m", upstream: "\x1b[34m", worktree: "\x1b[36m", reset: "\x1b[m"}
	for key, to := range map[string]*string{"current": &c.current, "local": &c.local, "remote": &c.remote,
		"upstream": &c.upstream, "worktree": &c.worktree, "reset": &c.reset, "plain": new(string)} {
		if v, ok, _ := r.ConfigGet("color.branch." + key); ok {
			if seq, err := gitconfig.ParseColor(v); err == nil {
				*to = seq
			}
		}
	}
	return c
}

// branchFormat is git's build_format: the listing's lines as a
// ref-filter format, width being the widest name (-v aligns on it).
func branchFormat(o branchOptions, width int, remotePrefix string, c branchColor) string {
	lit := func(s string) string { return strings.ReplaceAll(s, "%", "%%") }
	local := fmt.Sprintf("%%(if)%%(HEAD)%%(then)* %s%%(else)%%(if)%%(worktreepath)%%(then)+ %s%%(else)  %s%%(end)%%(end)",
		lit(c.current), lit(c.worktree), lit(c.local))
	remote := "  " + lit(c.remote)
	if o.Verbose > 0 {
		obname := "%(objectname:short)"
		switch {
		case o.NoAbbrev || o.Abbrev == 0:
			obname = "%(objectname)"
		case o.Abbrev > 0:
			obname = fmt.Sprintf("%%(objectname:short=%d)", o.Abbrev)
		}
		local += fmt.Sprintf("%%(align:%d,left)%%(refname:lstrip=2)%%(end)", width) + lit(c.reset) + " " + obname + " "
		if o.Verbose > 1 {
			local += fmt.Sprintf("%%(if:notequals=*)%%(HEAD)%%(then)%%(if)%%(worktreepath)%%(then)(%s%%(worktreepath)%s) %%(end)%%(end)",
				lit(c.worktree), lit(c.reset))
			local += fmt.Sprintf("%%(if)%%(upstream)%%(then)[%s%%(upstream:short)%s%%(if)%%(upstream:track)"+
				"%%(then): %%(upstream:track,nobracket)%%(end)] %%(end)%%(contents:subject)", lit(c.upstream), lit(c.reset))
		} else {
			local += "%(if)%(upstream:track)%(then)%(upstream:track) %(end)%(contents:subject)"
		}
		remote += fmt.Sprintf("%%(align:%d,left)%s%%(refname:lstrip=2)%%(end)%s"+
			"%%(if)%%(symref)%%(then) -> %%(symref:short)"+
			"%%(else) %s %%(contents:subject)%%(end)", width, lit(remotePrefix), lit(c.reset), obname)
	} else {
		local += "%(refname:lstrip=2)" + lit(c.reset) + "%(if)%(symref)%(then) -> %(symref:short)%(end)"
		remote += lit(remotePrefix) + "%(refname:lstrip=2)" + lit(c.reset) + "%(if)%(symref)%(then) -> %(symref:short)%(end)"
	}
	return "%(if:notequals=refs/remotes)%(refname:rstrip=-2)%(then)" + local + "%(else)" + remote + "%(end)"
}

// colorIf wraps s in an SGR colour when the output is a colour terminal.
func colorIf(env *Env, sgr, s string) string {
	if !env.IO.Color {
		return s
	}
	return sgr + s + "\x1b[m"
}

// editBranchDescription is git branch --edit-description [<branch>].
func editBranchDescription(ctx context.Context, env *Env, r *repo.Repository, o branchOptions, local func(string) string) error {
	head, _ := r.HeadBranch()
	branch := head.Short()
	switch len(o.Args) {
	case 0:
		if branch == "" {
			return fmt.Errorf("Cannot give description to detached HEAD")
		}
	case 1:
		branch = local(o.Args[0])
	default:
		return fmt.Errorf("cannot edit description of more than one branch")
	}
	if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(branch)); err != nil {
		msg := fmt.Sprintf("No branch named '%s'.", branch)
		if branch == head.Short() {
			msg = fmt.Sprintf("No commit on branch '%s' yet.", branch)
		}
		fmt.Fprintln(env.IO.Err, "error: "+msg)
		return &ExitError{Code: 1}
	}
	return r.EditBranchDescription(branch)
}
