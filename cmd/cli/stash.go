package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/patch"
)

func init() {
	register(newStashCmd)
	// git exits 1 when there is no stash to act on.
}

type stashPushOptions struct {
	Message          string
	IncludeUntracked bool
	All              bool
	KeepIndex        bool
	NoKeepIndex      bool
	Quiet            bool
	Patch            bool
	Paths            []string
}

func addStashPushFlags(cmd *cobra.Command, o *stashPushOptions, withMessage bool) {
	f := cmd.Flags()
	if withMessage {
		f.StringVarP(&o.Message, "message", "m", "", "describe the stash (\"On <branch>: <msg>\" instead of \"WIP on ...\")")
	}
	f.BoolVarP(&o.IncludeUntracked, "include-untracked", "u", false, "also stash untracked files, and remove them")
	f.BoolVarP(&o.All, "all", "a", false, "also stash untracked and ignored files, and remove them")
	f.BoolVarP(&o.KeepIndex, "keep-index", "k", false, "leave the staged changes in the index and the work tree")
	f.BoolVar(&o.NoKeepIndex, "no-keep-index", false, "reset the staged changes too (the default)")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
	f.BoolVarP(&o.Patch, "patch", "p", false, "choose hunks interactively (not supported)")
}

// stashUntracked is show's choice among its untracked-file options, of
// which the last given wins, as in git.
type stashUntracked int

const (
	stashUntrackedNone stashUntracked = iota
	stashUntrackedInclude
	stashUntrackedOnly
)

// choiceFlag is a boolean flag that, when given, sets *to to val.
type choiceFlag struct {
	to  *stashUntracked
	val stashUntracked
	set *bool
}

func (c choiceFlag) String() string   { return "false" }
func (c choiceFlag) Type() string     { return "bool" }
func (c choiceFlag) IsBoolFlag() bool { return true }
func (c choiceFlag) Set(v string) error {
	if v != "true" {
		return fmt.Errorf("no value expected")
	}
	*c.to, *c.set = c.val, true
	return nil
}

func newStashCmd(env *Env) *cobra.Command {
	var o stashPushOptions
	cmd := &cobra.Command{
		Use:   "stash [push [-m <msg>] [-u | -a] [-k] [-q] [--] [<pathspec>...]]",
		Short: "Put local changes aside and get them back later",
		Long: `Record the staged and unstaged changes to tracked files (and with -u the
untracked files, with -a the ignored ones too) in a stash, then reset the
index and work tree to HEAD. With no subcommand, stash is 'stash push'
(pathspecs then after "--").

Stashes are kept as git keeps them: commits under refs/stash, the stack being
refs/stash's reflog, so git and easel read and pop each other's stashes.
<stash> is stash@{<n>} or <n>; the default is stash@{0}, the newest.

  push     save the changes and clean the work tree; with pathspecs only
           the changes of those paths
  save     push, with the words after the options as the message
  list     list the stashes, newest first
  show     the changes a stash records, as a diffstat (-p: a patch)
  apply    merge a stash's changes into the work tree; --index restores
           what was staged too (otherwise the changes are left unstaged)
  pop      apply, then drop the stash unless the apply had conflicts
  drop     remove a stash
  clear    remove all stashes

An apply with conflicts leaves markers in the files and the three versions in
the index, keeps the stash and exits 1. Local changes to files the stash
touches make apply refuse (exit code 9).`,
		Example: `  easel stash
  easel stash push -m "half-done parser" -u
  easel stash list
  easel stash show -p stash@{1}
  easel stash pop
  easel stash apply --index 1
  easel stash drop stash@{2}`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// As git: with no subcommand, only pathspecs after "--".
			if dash := cmd.ArgsLenAtDash(); len(args) > 0 && dash != 0 {
				return &UsageError{Msg: fmt.Sprintf("unknown subcommand: `%s'", args[0])}
			}
			o.Paths = args
			return runStashPush(cmd.Context(), env, o)
		},
	}
	addStashPushFlags(cmd, &o, true)

	var po stashPushOptions
	push := &cobra.Command{
		Use:   "push [-m <msg>] [-u | -a] [-k] [-q] [--] [<pathspec>...]",
		Short: "Save local changes in a new stash and reset to HEAD",
		Long: `Save the index and the work tree's changes to tracked files in a new stash
(stash@{0}), then reset the index and work tree to HEAD. -u also saves the
untracked files and removes them, -a the ignored files too; --keep-index
leaves what is staged in the index and the work tree. With pathspecs, only
the changes (and untracked files) they select are saved and reset; the index
commit still records the whole index, as git's does. Prints "No local
changes to save" when there is nothing to stash.`,
		Example: `  easel stash push
  easel stash push -m "try another approach"
  easel stash push -u --keep-index
  easel stash push -u -- src/parser.go notes.txt`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			po.Paths = args
			return runStashPush(cmd.Context(), env, po)
		},
	}
	addStashPushFlags(push, &po, true)

	var so stashPushOptions
	save := &cobra.Command{
		Use:   "save [-u | -a] [-k] [-q] [<message>]",
		Short: "Save local changes in a new stash (the older form of push)",
		Long: `Save local changes as 'stash push' does; the words after the options are the
stash's message. save takes no pathspecs.`,
		Example: `  easel stash save "half-done parser"
  easel stash save -u`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			so.Message = strings.Join(args, " ")
			return runStashPush(cmd.Context(), env, so)
		},
	}
	addStashPushFlags(save, &so, false)

	list := &cobra.Command{
		Use:     "list",
		Short:   "List the stashes, newest first",
		Long:    `List the stashes as git does, newest first: "stash@{<n>}: <message>".`,
		Example: `  easel stash list`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashList(cmd.Context(), env)
		},
	}

	var sh stashShowOptions
	show := &cobra.Command{
		Use:   "show [-u | --only-untracked] [<diff-options>] [<stash>]",
		Short: "Show the changes recorded in a stash",
		Long: `Show the changes a stash records against the commit it was made on: a
diffstat, or the patch with -p. Without diff options, stash.showStat (true
by default) and stash.showPatch choose. -u (or stash.showIncludeUntracked)
adds the untracked files a stash saved, --only-untracked shows only them;
of -u, --only-untracked and --no-include-untracked the last wins.`,
		Example: `  easel stash show
  easel stash show -p stash@{1}
  easel stash show --include-untracked`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashShow(cmd.Context(), env, stashArg(args), sh)
		},
	}
	sh.f.addFlags(show)
	show.Flags().BoolVarP(&sh.patch, "patch", "p", false, "show the patch")
	for _, c := range []struct {
		name, short string
		val         stashUntracked
		usage       string
	}{
		{"include-untracked", "u", stashUntrackedInclude, "also show the untracked files the stash saved"},
		{"only-untracked", "", stashUntrackedOnly, "show only the untracked files the stash saved"},
		{"no-include-untracked", "", stashUntrackedNone, "show no untracked files"},
	} {
		fl := show.Flags().VarPF(choiceFlag{to: &sh.untracked, val: c.val, set: &sh.untrackedSet}, c.name, c.short, c.usage)
		fl.NoOptDefVal = "true"
	}

	var applyIndex, applyQuiet bool
	apply := &cobra.Command{
		Use:   "apply [--index] [<stash>]",
		Short: "Apply a stash's changes to the work tree",
		Long: `Merge a stash's changes into the work tree (a three-way merge with the commit
the stash was made on as base). The changes are left unstaged, except files
the stash added, which stay added; --index also restores what was staged.
Untracked files saved with -u come back untracked; apply refuses if one of them
exists. Conflicts leave markers and index stages and exit 1.`,
		Example: `  easel stash apply
  easel stash apply --index stash@{1}`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashApply(cmd.Context(), env, stashArg(args), applyIndex, false, applyQuiet)
		},
	}
	apply.Flags().BoolVar(&applyIndex, "index", false, "restore the staged state too")
	apply.Flags().BoolVarP(&applyQuiet, "quiet", "q", false, "print nothing but errors")

	var popIndex, popQuiet bool
	pop := &cobra.Command{
		Use:   "pop [--index] [<stash>]",
		Short: "Apply a stash and drop it",
		Long: `Apply a stash as 'stash apply' does, then drop it. After conflicts the stash
is kept, so that it can be applied again.`,
		Example: `  easel stash pop
  easel stash pop --index 1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashApply(cmd.Context(), env, stashArg(args), popIndex, true, popQuiet)
		},
	}
	pop.Flags().BoolVar(&popIndex, "index", false, "restore the staged state too")
	pop.Flags().BoolVarP(&popQuiet, "quiet", "q", false, "print nothing but errors")

	var dropQuiet bool
	drop := &cobra.Command{
		Use:   "drop [<stash>]",
		Short: "Remove a stash",
		Long: `Remove a stash from the stack; the newer ones are renumbered. Its commits
stay in the object store until they are pruned.`,
		Example: `  easel stash drop
  easel stash drop stash@{2}`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashDrop(cmd.Context(), env, stashArg(args), dropQuiet)
		},
	}
	drop.Flags().BoolVarP(&dropQuiet, "quiet", "q", false, "print nothing but errors")

	clear := &cobra.Command{
		Use:     "clear",
		Short:   "Remove all stashes",
		Long:    `Remove every stash: refs/stash and its reflog are deleted.`,
		Example: `  easel stash clear`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := env.OpenWorktreeRepo(cmd.Context())
			if err != nil {
				return err
			}
			return r.StashClear(cmd.Context())
		},
	}
	cmd.AddCommand(push, save, list, show, apply, pop, drop, clear)
	return cmd
}

func stashArg(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return ""
}

func runStashPush(ctx context.Context, env *Env, o stashPushOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	if o.Patch && (o.IncludeUntracked || o.All) {
		return &UsageError{Msg: "Can't use --patch and --include-untracked or --all at the same time"}
	}
	if o.Patch {
		return &UsageError{Msg: "stash --patch is not supported: interactive hunk selection is not implemented"}
	}
	var paths []string
	if len(o.Paths) > 0 {
		if paths, err = pathspecArgs(r, env, o.Paths); err != nil {
			return err
		}
	}
	id, msg, err := r.StashPush(ctx, repo.StashOptions{Message: o.Message, IncludeUntracked: o.IncludeUntracked, All: o.All,
		KeepIndex: o.KeepIndex && !o.NoKeepIndex, Paths: paths})
	if err != nil {
		return err
	}
	if o.Quiet {
		return nil
	}
	if id.IsZero() {
		fmt.Fprintln(env.IO.Out, "No local changes to save")
		return nil
	}
	fmt.Fprintf(env.IO.Out, "Saved working directory and index state %s\n", msg)
	return nil
}

func runStashList(ctx context.Context, env *Env) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	list, err := r.StashList()
	if err != nil {
		return err
	}
	for _, e := range list {
		fmt.Fprintf(env.IO.Out, "stash@{%d}: %s\n", e.N, e.Message)
	}
	return nil
}

type stashShowOptions struct {
	f            diffFormat
	patch        bool
	untracked    stashUntracked
	untrackedSet bool
}

func runStashShow(ctx context.Context, env *Env, spec string, o stashShowOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	id, err := r.ResolveStashLike(ctx, spec)
	if err != nil {
		return err
	}
	f := o.f
	f.settleFormats()
	if o.patch {
		f.WithPatch = true
	}
	if !f.WithPatch && f.onlyPatch() {
		// No format asked for: the configuration chooses, as in git.
		f.Stat = r.ConfigBool("stash.showStat", true)
		f.WithPatch = r.ConfigBool("stash.showPatch", false)
		if !f.Stat && !f.WithPatch {
			return nil
		}
	}
	untracked := o.untracked
	if !o.untrackedSet && r.ConfigBool("stash.showIncludeUntracked", false) {
		untracked = stashUntrackedInclude
	}
	if err := f.setRenames(r); err != nil {
		return err
	}
	tracked, uTree, err := r.StashTrees(ctx, id)
	if err != nil {
		return err
	}
	var patches []patch.FilePatch
	if untracked != stashUntrackedOnly {
		if patches, err = r.TreeDiff(ctx, tracked.Base, tracked.Worktree, nil, &f.renames, false); err != nil {
			return err
		}
	}
	if untracked != stashUntrackedNone && !uTree.IsZero() {
		added, err := r.TreeDiff(ctx, plumbing.ZeroHash, uTree, nil, nil, false)
		if err != nil {
			return err
		}
		if untracked == stashUntrackedInclude {
			// git overlays the untracked tree on the work tree's; a
			// path in both is a broken stash.
			have := map[string]bool{}
			for _, p := range patches {
				have[p.Path()] = true
			}
			for _, p := range added {
				if have[p.Path()] {
					return fmt.Errorf("worktree and untracked commit have duplicate entries: %s", p.Path())
				}
			}
		}
		patches = append(patches, added...)
		sort.SliceStable(patches, func(i, j int) bool { return patches[i].Path() < patches[j].Path() })
	}
	if len(patches) == 0 {
		return nil
	}
	return writePatches(env.IO.Out, env, r, patches, f, false)
}

func runStashApply(ctx context.Context, env *Env, spec string, index, pop, quiet bool) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	n, id, name, err := r.ResolveStash(spec)
	if err != nil {
		return err
	}
	res, err := r.StashApply(ctx, id, index)
	if err != nil {
		return err
	}
	for _, m := range res.Messages {
		if !quiet || !res.Clean {
			fmt.Fprintln(env.IO.Out, m)
		}
	}
	if !res.Clean {
		if index {
			fmt.Fprintln(env.IO.Err, "Index was not unstashed.")
		}
		if pop {
			fmt.Fprintln(env.IO.Err, "The stash entry is kept in case you need it again.")
		}
		return &ExitError{Code: ExitConflict}
	}
	if !pop {
		return nil
	}
	dropped, err := r.StashDrop(ctx, n)
	if err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(env.IO.Out, "Dropped %s (%s)\n", name, dropped)
	}
	return nil
}

func runStashDrop(ctx context.Context, env *Env, spec string, quiet bool) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	n, _, name, err := r.ResolveStash(spec)
	if err != nil {
		return err
	}
	dropped, err := r.StashDrop(ctx, n)
	if err != nil {
		return err
	}
	if !quiet {
		fmt.Fprintf(env.IO.Out, "Dropped %s (%s)\n", name, dropped)
	}
	return nil
}
