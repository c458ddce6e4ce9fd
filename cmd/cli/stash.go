package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() {
	register(newStashCmd)
	// git exits 1 when there is no stash to act on.
}

type stashPushOptions struct {
	Message          string
	IncludeUntracked bool
	KeepIndex        bool
	Quiet            bool
}

func addStashPushFlags(cmd *cobra.Command, o *stashPushOptions) {
	f := cmd.Flags()
	f.StringVarP(&o.Message, "message", "m", "", "describe the stash (\"On <branch>: <msg>\" instead of \"WIP on ...\")")
	f.BoolVarP(&o.IncludeUntracked, "include-untracked", "u", false, "also stash untracked files, and remove them")
	f.BoolVar(&o.KeepIndex, "keep-index", false, "leave the staged changes in the index and the work tree")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing but errors")
}

func newStashCmd(env *Env) *cobra.Command {
	var o stashPushOptions
	cmd := &cobra.Command{
		Use:   "stash [push [-m <msg>] [-u] [--keep-index] [-q]]",
		Short: "Put local changes aside and get them back later",
		Long: `Record the staged and unstaged changes to tracked files (and with -u the
untracked files) in a stash, then reset the index and work tree to HEAD. With
no subcommand, stash is 'stash push'.

Stashes are kept as git keeps them: commits under refs/stash, the stack being
refs/stash's reflog, so git and easel read and pop each other's stashes.
<stash> is stash@{<n>} or <n>; the default is stash@{0}, the newest.

  push     save the changes and clean the work tree
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
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashPush(cmd.Context(), env, o)
		},
	}
	addStashPushFlags(cmd, &o)

	var po stashPushOptions
	push := &cobra.Command{
		Use:   "push [-m <msg>] [-u] [--keep-index] [-q]",
		Short: "Save local changes in a new stash and reset to HEAD",
		Long: `Save the index and the work tree's changes to tracked files in a new stash
(stash@{0}), then reset the index and work tree to HEAD. -u also saves the
untracked files and removes them; --keep-index leaves what is staged in the
index and the work tree. Prints "No local changes to save" when there is
nothing to stash.`,
		Example: `  easel stash push
  easel stash push -m "try another approach"
  easel stash push -u --keep-index`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashPush(cmd.Context(), env, po)
		},
	}
	addStashPushFlags(push, &po)

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

	var showPatch bool
	show := &cobra.Command{
		Use:   "show [-p] [<stash>]",
		Short: "Show the changes recorded in a stash",
		Long: `Show the changes a stash records against the commit it was made on: a
diffstat, or the patch with -p.`,
		Example: `  easel stash show
  easel stash show -p stash@{1}`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashShow(cmd.Context(), env, stashArg(args), showPatch)
		},
	}
	show.Flags().BoolVarP(&showPatch, "patch", "p", false, "show the patch instead of the diffstat")

	var applyIndex bool
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
			return runStashApply(cmd.Context(), env, stashArg(args), applyIndex, false)
		},
	}
	apply.Flags().BoolVar(&applyIndex, "index", false, "restore the staged state too")

	var popIndex bool
	pop := &cobra.Command{
		Use:   "pop [--index] [<stash>]",
		Short: "Apply a stash and drop it",
		Long: `Apply a stash as 'stash apply' does, then drop it. After conflicts the stash
is kept, so that it can be applied again.`,
		Example: `  easel stash pop
  easel stash pop --index 1`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashApply(cmd.Context(), env, stashArg(args), popIndex, true)
		},
	}
	pop.Flags().BoolVar(&popIndex, "index", false, "restore the staged state too")

	drop := &cobra.Command{
		Use:   "drop [<stash>]",
		Short: "Remove a stash",
		Long: `Remove a stash from the stack; the newer ones are renumbered. Its commits
stay in the object store until they are pruned.`,
		Example: `  easel stash drop
  easel stash drop stash@{2}`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStashDrop(cmd.Context(), env, stashArg(args))
		},
	}

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
	cmd.AddCommand(push, list, show, apply, pop, drop, clear)
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
	id, msg, err := r.StashPush(ctx, repo.StashOptions{Message: o.Message, IncludeUntracked: o.IncludeUntracked, KeepIndex: o.KeepIndex})
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

func runStashShow(ctx context.Context, env *Env, spec string, showPatch bool) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	_, id, _, err := r.ResolveStash(spec)
	if err != nil {
		return err
	}
	base, err := r.ResolveCommit(ctx, id.String()+"^1")
	if err != nil {
		return err
	}
	from, err := r.TreeOf(base)
	if err != nil {
		return err
	}
	to, err := r.TreeOf(id)
	if err != nil {
		return err
	}
	f := diffFormat{Stat: !showPatch, Context: 3}
	if err := f.setRenames(r); err != nil {
		return err
	}
	patches, err := r.TreeDiff(ctx, from, to, nil, &f.renames, false)
	if err != nil {
		return err
	}
	if len(patches) == 0 {
		return nil
	}
	return writePatches(env.IO.Out, env, r, patches, f, false)
}

func runStashApply(ctx context.Context, env *Env, spec string, index, pop bool) error {
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
		fmt.Fprintln(env.IO.Out, m)
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
	fmt.Fprintf(env.IO.Out, "Dropped %s (%s)\n", name, dropped)
	return nil
}

func runStashDrop(ctx context.Context, env *Env, spec string) error {
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
	fmt.Fprintf(env.IO.Out, "Dropped %s (%s)\n", name, dropped)
	return nil
}
