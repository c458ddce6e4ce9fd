package repo

import (
	"container/heap"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
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
// from b but not a (behind). It walks newest first (by committer date),
// painting each commit with the sides that reach it, and stops once what
// is left to walk cannot change the counts: the cost is about the size of
// the two sides' difference, not of the whole history.
func (r *Repository) aheadBehind(ctx context.Context, a, b plumbing.Hash) (ahead, behind int, err error) {
	if a == b {
		return 0, 0, nil
	}
	const (
		fromA uint8 = 1 << iota
		fromB
		both = fromA | fromB
	)
	flags := map[plumbing.Hash]uint8{}
	inQueue := map[plumbing.Hash]int{} // heap entries per commit
	notBoth := 0                       // heap entries whose commit lacks a side
	walked := map[plumbing.Hash]*object.Commit{}
	seq := 0
	var oldestSingle time.Time // oldest commit ever reached from one side only
	haveSingle := false
	q := &trackQueue{}
	paint := func(h plumbing.Hash, f uint8) error {
		old := flags[h]
		if old|f == old {
			return nil // nothing new to pass on
		}
		c, err := r.commitOf(h)
		if err != nil {
			return err
		}
		flags[h] = old | f
		if old|f == both {
			notBoth -= inQueue[h]
		} else {
			notBoth++
			if when := c.Committer.When; !haveSingle || when.Before(oldestSingle) {
				oldestSingle, haveSingle = when, true
			}
		}
		inQueue[h]++
		seq++
		heap.Push(q, &queuedCommit{c, seq})
		return nil
	}
	if err := paint(a, fromA); err != nil {
		return 0, 0, err
	}
	if err := paint(b, fromB); err != nil {
		return 0, 0, err
	}
	// Stop once every queued commit is reached from both sides and is
	// older than every commit reached from one side only: a commit is not
	// normally older than its ancestors, so nothing left in the queue can
	// still reach (and so discount) a one-sided commit. Equal dates keep
	// the walk going, which a plain "all queued are both" test would not.
	for q.Len() > 0 && (notBoth > 0 || !(*q)[0].Committer.When.Before(oldestSingle)) {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		c := heap.Pop(q).(*queuedCommit).Commit
		walked[c.Hash] = c
		inQueue[c.Hash]--
		f := flags[c.Hash]
		if f != both {
			notBoth--
		}
		for _, p := range c.ParentHashes {
			if err := paint(p, f); err != nil {
				return 0, 0, err
			}
		}
	}
	// A commit walked before a descendant that reaches it from the other
	// side (equal or skewed dates) still carries one flag: pass "both"
	// down through the commits already walked.
	var stack []plumbing.Hash
	for h, f := range flags {
		if f == both {
			stack = append(stack, h)
		}
	}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		c, ok := walked[h]
		if !ok {
			continue
		}
		for _, p := range c.ParentHashes {
			if f, seen := flags[p]; seen && f != both {
				flags[p] = both
				stack = append(stack, p)
			}
		}
	}
	for _, f := range flags {
		switch f {
		case fromA:
			ahead++
		case fromB:
			behind++
		}
	}
	return ahead, behind, nil
}

type queuedCommit struct {
	*object.Commit
	seq int
}

// trackQueue is a max-heap of commits by committer date; equal dates come
// out in the order they went in, as in git's walk.
type trackQueue []*queuedCommit

func (q trackQueue) Len() int { return len(q) }
func (q trackQueue) Less(i, j int) bool {
	a, b := q[i].Committer.When, q[j].Committer.When
	if a.Equal(b) {
		return q[i].seq < q[j].seq
	}
	return a.After(b)
}
func (q trackQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *trackQueue) Push(x any)   { *q = append(*q, x.(*queuedCommit)) }
func (q *trackQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}
