package remote

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/remote/gitproto"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
)

// Shallow fetches (git fetch --depth, --deepen, --shallow-since) and
// fetches from a shallow clone. The commits sent are found by a walk from
// the wants that stops at the requested depth or date (and, for a plain
// fetch into a shallow clone, at commits the client has); the last
// commits kept with parents left out become the client's new shallow
// boundary ("shallow <id>"), and commits of its old boundary whose
// parents are now sent are "unshallow <id>".

type shallowInfo struct {
	shallow   []plumbing.Hash // new boundary commits
	unshallow []plumbing.Hash // client boundary commits no longer shallow
	commits   []plumbing.Hash // commits in the walked region, wants first
	boundary  map[plumbing.Hash]bool
	client    map[plumbing.Hash]bool // the client's shallow commits
}

// maxShallowWalk bounds the commits a shallow request walks.
const maxShallowWalk = 1 << 20

func computeShallow(ctx context.Context, dir string, s *repo.Storage, req *gitproto.UploadRequest) (*shallowInfo, error) {
	si := &shallowInfo{boundary: map[plumbing.Hash]bool{}, client: map[plumbing.Hash]bool{}}
	if req.Depth > 0 && (req.DeepenSince != 0 || len(req.DeepenNot) > 0) {
		return nil, errors.New("deepen and deepen-since (or deepen-not) cannot be used together")
	}
	// deepen-not: the commits the named refs reach are left out, and
	// those whose parents are among them become the boundary (git's
	// rev-list <wants> --not <refs>).
	var excluded map[plumbing.Hash]bool
	if len(req.DeepenNot) > 0 {
		var err error
		if excluded, err = excludedCommits(ctx, dir, s, req.DeepenNot); err != nil {
			return nil, err
		}
	}
	for _, h := range req.Shallow {
		si.client[h] = true
	}
	var starts []plumbing.Hash
	for _, w := range req.Wants {
		if h := peelOr(s, w); isCommit(s, h) {
			starts = append(starts, h)
		}
	}
	depth := req.Depth
	stopAtHaves := !req.Deepen()
	haves := map[plumbing.Hash]bool{}
	for _, h := range req.Haves {
		haves[h] = true
	}
	dist, order, err := walkDepth(ctx, s, starts, 0, func(h plumbing.Hash, c *gitobj.Commit, d int) bool {
		if stopAtHaves {
			return !haves[h] && !si.client[h]
		}
		if excluded[h] {
			return false
		}
		if req.DeepenSince != 0 && c.Committer.When.Unix() < req.DeepenSince {
			return false
		}
		return depth == 0 || req.DeepenRelative || d < depth
	})
	if err != nil {
		return nil, err
	}
	if req.DeepenRelative && depth > 0 {
		// --deepen=N: N more generations below the client's boundary.
		deepest := 0
		for h := range si.client {
			if d, ok := dist[h]; ok && d > deepest {
				deepest = d
			}
		}
		limit := deepest + depth
		dist, order, err = walkDepth(ctx, s, starts, 0, func(_ plumbing.Hash, _ *gitobj.Commit, d int) bool { return d < limit })
		if err != nil {
			return nil, err
		}
	}
	if req.DeepenSince != 0 || excluded != nil {
		// Commits older than the date, or that the deepen-not refs
		// reach, were met, not kept.
		kept := order[:0]
		for _, h := range order {
			if excluded[h] {
				delete(dist, h)
				continue
			}
			if req.DeepenSince == 0 {
				kept = append(kept, h)
				continue
			}
			if c, err := gitobj.GetCommit(s, h); err == nil && c.Committer.When.Unix() >= req.DeepenSince {
				kept = append(kept, h)
			} else {
				delete(dist, h)
			}
		}
		order = kept
	}
	if (req.DeepenSince != 0 || excluded != nil) && len(order) == 0 {
		return nil, fmt.Errorf("no commits selected for shallow requests")
	}
	si.commits = order
	for _, h := range order {
		c, err := gitobj.GetCommit(s, h)
		if err != nil {
			return nil, err
		}
		cut := false
		for _, p := range c.ParentHashes {
			if _, kept := dist[p]; !kept {
				cut = true
			}
		}
		if stopAtHaves {
			// A plain fetch: the client's own boundary stays as it is.
			continue
		}
		if cut && len(c.ParentHashes) > 0 {
			si.boundary[h] = true
			if !si.client[h] {
				si.shallow = append(si.shallow, h)
			}
		} else if si.client[h] {
			si.unshallow = append(si.unshallow, h)
		}
	}
	return si, nil
}

func isCommit(s storer.EncodedObjectStorer, h plumbing.Hash) bool {
	o, err := s.EncodedObject(plumbing.AnyObject, h)
	return err == nil && o.Type() == plumbing.CommitObject
}

// walkDepth walks breadth first from starts (distance 1); a commit's
// parents are walked when descend says so. It returns every commit met
// with its distance, and their order.
func walkDepth(ctx context.Context, s storer.EncodedObjectStorer, starts []plumbing.Hash, _ int, descend func(plumbing.Hash, *gitobj.Commit, int) bool) (map[plumbing.Hash]int, []plumbing.Hash, error) {
	dist := map[plumbing.Hash]int{}
	var order, queue []plumbing.Hash
	for _, h := range starts {
		if _, ok := dist[h]; !ok {
			dist[h] = 1
			queue = append(queue, h)
		}
	}
	for len(queue) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		if len(order) > maxShallowWalk {
			return nil, nil, fmt.Errorf("shallow request walks more than %d commits", maxShallowWalk)
		}
		h := queue[0]
		queue = queue[1:]
		c, err := gitobj.GetCommit(s, h)
		if err != nil {
			return nil, nil, fmt.Errorf("commit %s: %w", h, err)
		}
		d := dist[h]
		order = append(order, h)
		if !descend(h, c, d) {
			continue
		}
		for _, p := range c.ParentHashes {
			if _, ok := dist[p]; !ok {
				if !isCommit(s, p) {
					continue
				}
				dist[p] = d + 1
				queue = append(queue, p)
			}
		}
	}
	// Commits not descended into are still kept (they are the edge);
	// their parents are not.
	return dist, order, nil
}

// objects lists what a shallow fetch sends: the commits of the walked
// region the client lacks, their trees and blobs less what the trees of
// the client's haves hold, and tags that were wanted.
func (si *shallowInfo) objects(ctx context.Context, s storer.EncodedObjectStorer, wants, common []plumbing.Hash) ([]plumbing.Hash, error) {
	inRegion := make(map[plumbing.Hash]bool, len(si.commits))
	for _, h := range si.commits {
		inRegion[h] = true
	}
	// What the client holds of the region: the haves and below them,
	// down to its own boundary.
	known := map[plumbing.Hash]bool{}
	stack := []plumbing.Hash{}
	for _, h := range common {
		stack = append(stack, peelOr(s, h))
	}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if known[h] || !inRegion[h] {
			continue
		}
		known[h] = true
		if si.client[h] {
			continue
		}
		c, err := gitobj.GetCommit(s, h)
		if err != nil {
			continue
		}
		stack = append(stack, c.ParentHashes...)
	}
	w := &sendWalk{s: s, commits: map[plumbing.Hash]*walkCommit{}, skip: map[plumbing.Hash]bool{}, added: map[plumbing.Hash]bool{}}
	for _, h := range common {
		if t, ok := peelToTree(s, h); ok {
			if err := w.markTree(t); err != nil {
				return nil, err
			}
		}
	}
	var out []plumbing.Hash
	for _, h := range wants {
		for t := h; ; {
			o, err := s.EncodedObject(plumbing.AnyObject, t)
			if err != nil || o.Type() != plumbing.TagObject {
				break
			}
			tag, err := gitobj.DecodeEncodedTag(o)
			if err != nil {
				break
			}
			if !w.added[t] {
				w.added[t] = true
				out = append(out, t)
			}
			t = tag.Target
		}
	}
	for _, h := range si.commits {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if known[h] && !si.unshallowed(h) {
			continue
		}
		c, err := gitobj.GetCommit(s, h)
		if err != nil {
			return nil, err
		}
		if !known[h] {
			out = append(out, h)
		}
		if err := w.addTree(c.TreeHash, &out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (si *shallowInfo) unshallowed(h plumbing.Hash) bool {
	for _, u := range si.unshallow {
		if u == h {
			return true
		}
	}
	return false
}

// write sends the shallow and unshallow lines.
func (si *shallowInfo) write(pw *gitproto.Writer) {
	if si == nil {
		return
	}
	for _, h := range si.shallow {
		pw.Line("shallow %s", h)
	}
	for _, h := range si.unshallow {
		pw.Line("unshallow %s", h)
	}
}
