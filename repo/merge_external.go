package repo

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/merge"
)

// ExternalStrategy finds a custom merge strategy: a git-merge-<name>
// program on $PATH, as git merge -s <name> runs it.
func ExternalStrategy(name string) (string, bool) {
	if name == "" || strings.ContainsAny(name, "/\\") {
		return "", false
	}
	p, err := exec.LookPath("git-merge-" + name)
	return p, err == nil
}

// runExternalStrategy is git's try_merge_command: the program is run as
// "git-merge-<name> --<xopt>... <bases>... -- <head> <remotes>..." in the
// work tree, and works on the index and the work tree itself. Its exit
// code says how it went: 0 merged, 1 conflicts left, 2 not handled. The
// index lock is released for it and taken again after; il then holds what
// the program left.
func (r *Repository) runExternalStrategy(ctx context.Context, il *IndexLock, name string, xopts []string, bases []plumbing.Hash, head string, remotes []MergeHead, stdout, stderr io.Writer) (int, error) {
	prog, ok := ExternalStrategy(name)
	if !ok {
		return 2, nil
	}
	if err := il.Commit(); err != nil {
		return 0, err
	}
	var args []string
	for _, x := range xopts {
		args = append(args, "--"+x)
	}
	for _, b := range bases {
		args = append(args, b.String())
	}
	args = append(args, "--", head)
	env := os.Environ()
	for _, h := range remotes {
		args = append(args, h.Hash.String())
		env = append(env, "GITHEAD_"+h.Hash.String()+"="+h.Name)
	}
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = r.WorkDir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return 0, err
		}
		code = ee.ExitCode()
	}
	nl, err := r.LockIndex()
	if err != nil {
		return 0, err
	}
	*il = *nl
	return code, nil
}

// indexResult reads what an external strategy left in the index as a
// merge result: the tree of its stage-0 entries when clean, the unmerged
// entries as conflicts otherwise.
func (r *Repository) indexResult(idx *index.Index, code int) (*merge.Result, error) {
	res := &merge.Result{Clean: code == 0 && !HasUnmerged(idx)}
	byPath := map[string]*merge.Conflict{}
	var order []string
	for _, e := range idx.Entries {
		if e.Stage == 0 {
			continue
		}
		c := byPath[e.Name]
		if c == nil {
			c = &merge.Conflict{Path: e.Name, Kind: "content"}
			byPath[e.Name] = c
			order = append(order, e.Name)
		}
		me := &merge.Entry{Hash: e.Hash, Mode: e.Mode}
		switch e.Stage {
		case index.AncestorMode:
			c.Base = me
		case index.OurMode:
			c.Ours = me
		case index.TheirMode:
			c.Theirs = me
		}
	}
	for _, p := range order {
		res.Conflicts = append(res.Conflicts, *byPath[p])
	}
	if res.Clean {
		tree, err := r.WriteTree(idx)
		if err != nil {
			return nil, err
		}
		res.Tree = tree
	}
	return res, nil
}

// externalMerge runs a custom strategy for git merge: the merge bases of
// HEAD and the first head, "HEAD" and the heads.
func (r *Repository) externalMerge(ctx context.Context, il *IndexLock, name string, head plumbing.Hash, remotes []MergeHead, o MergeOptions) (*strategyResult, error) {
	bases, err := merge.MergeBases(ctx, r.Storer, head, remotes[0].Hash)
	if err != nil {
		return nil, err
	}
	out, errw := o.Out, o.Err
	if out == nil {
		out = io.Discard
	}
	if errw == nil {
		errw = io.Discard
	}
	code, err := r.runExternalStrategy(ctx, il, name, o.XOpts, bases, "HEAD", remotes, out, errw)
	if err != nil {
		return nil, err
	}
	if code != 0 && code != 1 {
		return &strategyResult{failed: true}, nil
	}
	res, err := r.indexResult(il.Index, code)
	if err != nil {
		return nil, err
	}
	return &strategyResult{res: res, external: true}, nil
}

// pickExternal is a pick (cherry-pick, revert, rebase) with a custom
// strategy, as git's sequencer runs it: "git-merge-<name> --<xopt>...
// <base> -- <head> <next>" (trees here; git's merge programs take trees
// as well as commits).
func (r *Repository) pickExternal(ctx context.Context, il *IndexLock, keep bool, base, ours, next plumbing.Hash, nextLabel string, o ReplayOptions) (*merge.Result, error) {
	code, err := r.runExternalStrategy(ctx, il, o.Strategy, o.StrategyOption, []plumbing.Hash{base}, ours.String(),
		[]MergeHead{{Hash: next, Name: nextLabel}}, io.Discard, os.Stderr)
	if err != nil {
		return nil, err
	}
	res, err := r.indexResult(il.Index, code)
	if err != nil {
		return nil, err
	}
	if !keep || !res.Clean {
		if err := il.Commit(); err != nil {
			return nil, err
		}
	}
	r.removeState("AUTO_MERGE")
	return res, nil
}
