package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/refspec"
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
		// As git's set_merge: a local upstream is read as a ref name
		// would be ("main" for refs/heads/main) when it names one ref.
		if ref, n := r.dwimRef(merge.String()); n == 1 {
			return ref, nil
		}
		return merge, nil
	}
	rem, err := r.RemoteByName(remote)
	if errors.Is(err, ErrNoSuchRemote) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	dst, _ := refspec.ParseList(rem.Fetch).Query(merge.String())
	return plumbing.ReferenceName(dst), nil
}

// aheadBehind counts the commits reachable from a but not b (ahead) and
// from b but not a (behind), reading the commit-graph where there is one.
func (r *Repository) aheadBehind(ctx context.Context, a, b plumbing.Hash) (ahead, behind int, err error) {
	return commitwalk.For(r.Storer).AheadBehind(ctx, a, b)
}

// UpstreamRef is the ref <branch>@{upstream} names: branch.<name>.merge
// mapped through the remote's fetch refspecs ("" when branch has no
// upstream or no refspec maps it).
func (r *Repository) UpstreamRef(branch string) (plumbing.ReferenceName, error) {
	remote, merge, err := r.Upstream(branch)
	if err != nil || remote == "" || merge == "" {
		return "", err
	}
	return r.upstreamRef(remote, merge)
}

// PushRef is the ref <branch>@{push} names, as git's branch_get_push:
// the remote-tracking ref of where "git push" would send branch, found
// through the push remote's push refspecs or push.default, then its fetch
// refspecs. The error says why there is none, in git's words.
func (r *Repository) PushRef(branch string) (plumbing.ReferenceName, error) {
	local := plumbing.NewBranchReferenceName(branch).String()
	remote, _, _ := r.ConfigGet("branch." + branch + ".pushRemote")
	if remote == "" {
		remote, _, _ = r.ConfigGet("remote.pushDefault")
	}
	if remote == "" {
		remote, _, _ = r.ConfigGet("branch." + branch + ".remote")
	}
	if remote == "" {
		remote = "origin"
	}
	rem, err := r.RemoteByName(remote)
	if err != nil {
		return "", &RevisionError{Msg: fmt.Sprintf("branch '%s' has no remote for pushing", branch)}
	}
	fetch := refspec.ParseList(rem.Fetch)
	tracking := func(dst string) (plumbing.ReferenceName, error) {
		if t, ok := fetch.Expand(dst); ok {
			return plumbing.ReferenceName(t), nil
		}
		return "", &RevisionError{Msg: fmt.Sprintf("push destination '%s' on remote '%s' has no local tracking branch", dst, remote)}
	}
	if push, _ := r.ConfigGetAll("remote." + remote + ".push"); len(push) > 0 {
		dst, ok := refspec.ParseList(push).Expand(local)
		if !ok {
			return "", &RevisionError{Msg: fmt.Sprintf("push refspecs for '%s' do not include '%s'", remote, local)}
		}
		return tracking(dst)
	}
	if r.ConfigBool("remote."+remote+".mirror", false) {
		return tracking(local)
	}
	mode, _, _ := r.ConfigGet("push.default")
	switch strings.ToLower(mode) {
	case "nothing":
		return "", &RevisionError{Msg: "push has no destination (push.default is 'nothing')"}
	case "matching", "current":
		return tracking(local)
	}
	up, err := r.UpstreamRef(branch)
	if err != nil {
		return "", err
	}
	if up == "" {
		if _, merge, _ := r.Upstream(branch); merge != "" {
			return "", &RevisionError{Msg: fmt.Sprintf("upstream branch '%s' not stored as a remote-tracking branch", merge)}
		}
		return "", &RevisionError{Msg: fmt.Sprintf("no upstream configured for branch '%s'", branch)}
	}
	if strings.EqualFold(mode, "upstream") {
		return up, nil
	}
	// simple (the default): the upstream, if it is where current would push.
	cur, err := tracking(local)
	if err != nil {
		return "", err
	}
	if cur != up {
		return "", &RevisionError{Msg: "cannot resolve 'simple' push to a single destination"}
	}
	return cur, nil
}
