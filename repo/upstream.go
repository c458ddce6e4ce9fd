package repo

import (
	"context"
	"errors"
	"strings"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
)

// Tracking is how a branch stands against its upstream (branch.<name>.remote
// and branch.<name>.merge), as git status reports it.
type Tracking struct {
	// Name is the upstream as git shows it: "origin/main", or the local
	// branch name when the remote is ".".
	Name string
	Ref  plumbing.ReferenceName // e.g. refs/remotes/origin/main
	// Gone: the upstream is configured but its ref does not exist.
	Gone          bool
	Ahead, Behind int
}

// Tracking returns branch's standing against its upstream, or nil when
// the branch has no upstream configured.
func (r *Repository) Tracking(ctx context.Context, branch string) (*Tracking, error) {
	remote, merge, err := r.Upstream(branch)
	if err != nil {
		return nil, err
	}
	if remote == "" || merge == "" {
		return nil, nil
	}
	ref, err := r.upstreamRef(remote, merge)
	if err != nil || ref == "" {
		return nil, err
	}
	t := &Tracking{Ref: ref, Name: ref.Short()}
	up, err := r.ResolveRef(ref)
	if err != nil {
		t.Gone = true
		return t, nil
	}
	local, err := r.ResolveRef(plumbing.NewBranchReferenceName(branch))
	if err != nil {
		// An unborn branch: everything upstream is "behind".
		return t, nil
	}
	t.Ahead, t.Behind, err = r.aheadBehind(ctx, local, up)
	return t, err
}

// upstreamRef maps the upstream's merge ref to the local ref that tracks
// it: itself for remote ".", otherwise through the remote's fetch refspecs
// (refs/heads/main -> refs/remotes/origin/main). "" when no refspec maps it.
func (r *Repository) upstreamRef(remote string, merge plumbing.ReferenceName) (plumbing.ReferenceName, error) {
	if remote == "." {
		return merge, nil
	}
	rem, err := r.RemoteByName(remote)
	if errors.Is(err, ErrNoSuchRemote) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	for _, f := range rem.Fetch {
		spec := config.RefSpec(strings.TrimSpace(f))
		if spec.Validate() != nil {
			continue
		}
		if spec.Match(merge) {
			return spec.Dst(merge), nil
		}
	}
	return "", nil
}

// aheadBehind counts the commits reachable from a but not b (ahead) and
// from b but not a (behind), reading the commit-graph where there is one.
func (r *Repository) aheadBehind(ctx context.Context, a, b plumbing.Hash) (ahead, behind int, err error) {
	return commitwalk.For(r.Storer).AheadBehind(ctx, a, b)
}
