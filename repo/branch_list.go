package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/pretty"
	"easel.dev/easel/repo/refspec"
)

// ErrNoUpstream: --unset-upstream on a branch that tracks nothing.
var ErrNoUpstream = errors.New("has no upstream information")

// BranchListOptions select what ListBranches returns.
type BranchListOptions struct {
	Local  bool // refs/heads/*
	Remote bool // refs/remotes/*, symbolic ones (origin/HEAD) included
	Filter RefFilter
}

// ListBranches lists the local branches, then the remote-tracking ones,
// each sorted by name, that pass the filter. A remote-tracking branch's
// Name is "origin/main"; a symbolic one has Symref set to its target's
// short name and is filtered by the commit it resolves to.
func (r *Repository) ListBranches(ctx context.Context, o BranchListOptions) ([]Branch, error) {
	m, err := r.newRefMatcher(ctx, o.Filter)
	if err != nil {
		return nil, err
	}
	head, _ := r.HeadBranch()
	elsewhere := map[plumbing.ReferenceName]string{}
	if o.Local {
		own := r.WorktreeGitDir
		for _, w := range r.worktreeHeads() {
			if w.branch != "" && w.gitDir != own {
				elsewhere[w.branch] = w.path
			}
		}
	}
	var out []Branch
	for _, kind := range []struct {
		want   bool
		prefix string
	}{{o.Local, "refs/heads/"}, {o.Remote, "refs/remotes/"}} {
		if !kind.want {
			continue
		}
		refs, err := r.refsAndSymrefsUnder(kind.prefix)
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			b := Branch{Name: strings.TrimPrefix(ref.Name().String(), kind.prefix), Remote: kind.prefix == "refs/remotes/"}
			id := ref.Hash()
			if ref.Type() == plumbing.SymbolicReference {
				b.Symref, b.SymrefRef = shortRefName(ref.Target()), ref.Target()
				if id, err = r.ResolveRef(ref.Name()); err != nil {
					continue // dangling: git does not list it either
				}
			}
			b.Hash, b.ID, b.Current = id, id.String(), ref.Name() == head
			if !b.Remote && !b.Current {
				b.Worktree = elsewhere[ref.Name()]
			}
			ok, err := m.match(ctx, b.Name, id)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
			if c, err := r.commitOf(id); err == nil {
				b.Subject = pretty.Subject(c.Message)
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// MatchRef reports whether a ref with the short name pointing at id passes
// the filter (for a detached HEAD, which is no ref under refs/).
func (r *Repository) MatchRef(ctx context.Context, f RefFilter, name string, id plumbing.Hash) (bool, error) {
	m, err := r.newRefMatcher(ctx, f)
	if err != nil {
		return false, err
	}
	return m.match(ctx, name, id)
}

// refsAndSymrefsUnder is refsUnder with symbolic refs too.
func (r *Repository) refsAndSymrefsUnder(prefix string) ([]*plumbing.Reference, error) {
	return r.listRefs(prefix, true)
}

// SetUpstreamTo makes branch track upstream, as git branch -u does: a local
// branch (remote ".") or a remote-tracking branch, whose remote is the one
// whose fetch refspec maps to it. It returns the upstream as git's message
// names it ("origin/main", or the local branch's name).
func (r *Repository) SetUpstreamTo(ctx context.Context, branch, upstream string) (string, error) {
	if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(branch)); err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("branch '%s' does not exist: %w", branch, ErrNotFound)
		}
		return "", err
	}
	remote, merge, err := r.upstreamFor(upstream)
	if err != nil {
		return "", err
	}
	if err := r.SetUpstream(ctx, branch, remote, merge); err != nil {
		return "", err
	}
	if remote == "." {
		return merge.Short(), nil
	}
	return remote + "/" + merge.Short(), nil
}

// upstreamFor finds the remote and merge ref that name upstream.
func (r *Repository) upstreamFor(upstream string) (string, plumbing.ReferenceName, error) {
	// git's order for a short name: a full name, a branch, a remote-tracking one.
	candidates := []plumbing.ReferenceName{plumbing.ReferenceName(upstream),
		plumbing.NewBranchReferenceName(upstream), plumbing.ReferenceName("refs/remotes/" + upstream)}
	for _, name := range candidates {
		if !strings.HasPrefix(name.String(), "refs/heads/") && !strings.HasPrefix(name.String(), "refs/remotes/") {
			continue
		}
		if _, err := r.ResolveRef(name); err != nil {
			continue
		}
		if name.IsBranch() {
			return ".", name, nil
		}
		rems, err := r.Remotes()
		if err != nil {
			return "", "", err
		}
		for _, rm := range rems {
			if src, ok := refspec.ParseList(rm.Fetch).QuerySource(name.String()); ok {
				return rm.Name, plumbing.ReferenceName(src), nil
			}
		}
		return "", "", fmt.Errorf("cannot set up tracking information; starting point '%s' is not a branch: %w", upstream, ErrNotFound)
	}
	return "", "", fmt.Errorf("the requested upstream branch '%s' does not exist: %w", upstream, ErrNotFound)
}

// UnsetUpstream removes branch.<branch>.remote and .merge (the section
// too when nothing else is left in it, as git's edit does); git refuses a
// branch without branch.<branch>.merge.
func (r *Repository) UnsetUpstream(ctx context.Context, branch string) error {
	return r.updateLocalConfig(func(c localConfig, e *configEdit) error {
		if !c.has(configKey("branch", branch, "merge")) {
			return fmt.Errorf("Branch '%s' %w", branch, ErrNoUpstream)
		}
		for _, k := range []string{"remote", "merge"} {
			err := e.set("branch."+branch+"."+k, nil, gitconfig.MatchAll(), true)
			if err != nil && !errors.Is(err, gitconfig.ErrNothingSet) {
				return err
			}
		}
		return nil
	})
}
