package repo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/commitgraph"
	"easel.dev/easel/repo/gitobj"
)

// A limited walk is git's limit_list, used as git uses it: when commits are
// excluded ("^a", "a..b") or the output is sorted topologically (--graph,
// --topo-order, --date-order). It reads commits newest first from both the
// included and the excluded tips, marks everything reached from an
// excluded commit uninteresting, and stops once only uninteresting commits
// are left to read (plus a few, git's "slop", against clock skew). So it
// reads only as far back as the range needs, not the whole history behind
// the excluded tips; and where committer dates run backwards it shows what
// git shows, commit for commit, even where that is not exact reachability.

// walkNode is what the limited walk knows of one commit.
type walkNode struct {
	// read: parents and date are known ("parsed"), from the
	// commit-graph or from the commit itself; c is read only when needed.
	read bool
	date int64 // committer date, seconds
	c    *gitobj.Commit
	// parents are the parents the walk follows (after path
	// simplification, which may keep only one).
	parents       []plumbing.Hash
	seen          bool // queued once already
	uninteresting bool
	queued        bool // in the queue now
	hide          bool // path-limited: the commit does not change the paths
	indegree      int  // for the topological sort
}

// gitSlop is git's SLOP: how many more commits the walk reads after only
// uninteresting ones are left, in case dates are skewed.
const gitSlop = 5

// limitEntry is a commit queued in the limited walk.
type limitEntry struct {
	n *walkNode
	h plumbing.Hash
}

// node returns the walk's record of h, reading the commit when read is set
// and it was not read yet.
func (w *LogWalker) node(h plumbing.Hash, read bool) (*walkNode, error) {
	n := w.nodes[h]
	if n == nil {
		n = &walkNode{}
		w.nodes[h] = n
	}
	if !read || n.read {
		return n, nil
	}
	if w.graph != nil {
		if parents, when, ok := w.graph.Parents(h); ok {
			n.read, n.date, n.parents = true, when, parents
			return n, nil
		}
	}
	if err := w.readCommit(h, n); err != nil {
		return n, err
	}
	n.read, n.date, n.parents = true, n.c.Committer.When.Unix(), n.c.ParentHashes
	return n, nil
}

// readCommit inflates the commit of n when it is not yet.
func (w *LogWalker) readCommit(h plumbing.Hash, n *walkNode) error {
	if n.c != nil {
		return nil
	}
	if typ, data, err := w.r.Objects.Read(h); err == nil && typ == plumbing.CommitObject {
		c, err := w.r.decodeShownCommit(h, data)
		if c != nil {
			// Kept for the whole walk: a copy of the message alone,
			// not the object's bytes it shares.
			c.Message = strings.Clone(c.Message)
		}
		n.c = c
		return err
	}
	c, err := w.r.commitOf(h) // a tag to peel, or an error to report
	if err != nil {
		return fmt.Errorf("%s: %v: %w", h, err, ErrCorruptObject)
	}
	n.c = c
	return nil
}

func (w *LogWalker) enqueue(h plumbing.Hash, n *walkNode) {
	n.queued = true
	if !n.uninteresting {
		w.interestingQueued++
	}
	w.lq.add(limitEntry{n: n, h: h}, n.date)
}

// setUninteresting flags n, keeping the count of interesting queued
// commits right.
func (w *LogWalker) setUninteresting(n *walkNode) {
	if n.uninteresting {
		return
	}
	n.uninteresting = true
	if n.queued {
		w.interestingQueued--
	}
}

// markParentsUninteresting is git's mark_parents_uninteresting: the parents
// of n, and the ancestors of those already read, become uninteresting.
func (w *LogWalker) markParentsUninteresting(n *walkNode) {
	stack := append([]plumbing.Hash(nil), n.parents...)
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p, _ := w.node(h, false)
		if p.uninteresting {
			continue
		}
		w.setUninteresting(p)
		if p.read {
			stack = append(stack, p.parents...)
		}
	}
}

// processParents is git's process_parents for a limited walk.
func (w *LogWalker) processParents(h plumbing.Hash, n *walkNode) error {
	if n.uninteresting {
		for _, h := range n.parents {
			p, err := w.node(h, true)
			w.setUninteresting(p)
			if err != nil {
				// git reads the parents of uninteresting commits
				// gently: a missing one ends nothing.
				continue
			}
			if len(p.parents) > 0 {
				w.markParentsUninteresting(p)
			}
			if p.seen {
				continue
			}
			p.seen = true
			w.enqueue(h, p)
		}
		return nil
	}
	parents := n.parents
	if len(w.opts.Paths) > 0 {
		var show bool
		if err := w.readCommit(h, n); err != nil {
			return err
		}
		var err error
		if parents, show, err = w.simplifyCommit(n.c, parents); err != nil {
			return err
		}
		n.hide = !show
		n.parents = parents
	}
	if w.opts.FirstParent && len(parents) > 1 {
		parents = parents[:1]
	}
	for _, h := range parents {
		p, err := w.node(h, true)
		if err != nil {
			return err
		}
		if !p.seen {
			p.seen = true
			w.enqueue(h, p)
		}
	}
	return nil
}

// stillInteresting is git's still_interesting: how much slop is left.
func (w *LogWalker) stillInteresting(date int64, slop int) int {
	if w.lq.Len() == 0 {
		return 0
	}
	if date <= w.lq.newest() {
		return gitSlop
	}
	if w.interestingQueued > 0 {
		return gitSlop
	}
	return slop - 1
}

// limit runs the limited walk and leaves in w.list the commits it keeps,
// in git's order: newest first, or topologically with Topo.
func (w *LogWalker) limit(ctx context.Context) error {
	w.nodes = map[plumbing.Hash]*walkNode{}
	// Parents and dates come from the commit-graph where there is one:
	// commits are then inflated only to be shown.
	w.graph = w.r.Storer.commitGraph()
	// As git: every tip is read before any is marked, and the excluded
	// ones mark what they reach among the commits read.
	tips := append(append([]plumbing.Hash(nil), w.opts.Include...), w.opts.Exclude...)
	for _, h := range tips {
		if _, err := w.node(h, true); err != nil {
			return err
		}
	}
	for _, h := range w.opts.Exclude {
		w.nodes[h].uninteresting = true
	}
	for _, h := range w.opts.Exclude {
		w.markParentsUninteresting(w.nodes[h])
	}
	for _, h := range tips {
		if n := w.nodes[h]; !n.seen {
			n.seen = true
			w.enqueue(h, n)
		}
	}
	slop, date := gitSlop, int64(math.MaxInt64)
	var until int64 = math.MaxInt64
	if f := w.opts.Filter; f != nil && !f.Until.IsZero() {
		until = f.Until.Unix()
	}
	for w.lq.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		it := w.lq.next()
		n := it.n
		n.queued = false
		if !n.uninteresting {
			w.interestingQueued--
		}
		when := n.date
		if !w.opts.Since.IsZero() && when < w.opts.Since.Unix() {
			w.setUninteresting(n)
		}
		if err := w.processParents(it.h, n); err != nil {
			return err
		}
		if n.uninteresting {
			w.markParentsUninteresting(n)
			if slop = w.stillInteresting(date, slop); slop > 0 {
				continue
			}
			break
		}
		// git leaves commits newer than --until out of the list.
		if when > until {
			continue
		}
		date = when
		w.list = append(w.list, n)
		w.listIDs = append(w.listIDs, it.h)
	}
	if w.opts.Topo {
		w.list, w.listIDs = topoSortNodes(w.list, w.listIDs, w.nodes, w.opts.DateOrder)
	}
	return nil
}

// nextLimited returns the next kept commit that is shown: commits marked
// uninteresting after they were kept, and commits the filter or the paths
// reject, are skipped, as git's get_commit_action skips them.
func (w *LogWalker) nextLimited(ctx context.Context) (*gitobj.Commit, error) {
	for w.listPos < len(w.list) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n, h := w.list[w.listPos], w.listIDs[w.listPos]
		w.list[w.listPos] = nil
		w.listPos++
		if n.uninteresting || n.hide {
			continue
		}
		if err := w.readCommit(h, n); err != nil {
			return nil, err
		}
		c := n.c
		n.c = nil // shown once: the walk need not keep it
		if !w.opts.Filter.Match(c) {
			continue
		}
		return c, nil
	}
	return nil, io.EOF
}

// topoSortNodes orders the kept commits (given newest first) as git's
// sort_in_topological_order does: start from the tips in the given order,
// and after a commit continue with the parent queued last once all of its
// children are out, so that one line of history is finished before the
// next begins. byDate (--date-order) takes instead the newest commit whose
// children are all out, the first queued among equals.
func topoSortNodes(list []*walkNode, ids []plumbing.Hash, nodes map[plumbing.Hash]*walkNode, byDate bool) ([]*walkNode, []plumbing.Hash) {
	index := make(map[*walkNode]plumbing.Hash, len(list))
	for i, n := range list {
		index[n] = ids[i]
	}
	// indegree: 1 + the number of children in the list; 0: not in it.
	for _, n := range nodes {
		n.indegree = 0
	}
	for _, n := range list {
		n.indegree = 1
	}
	for _, n := range list {
		for _, h := range n.parents {
			if p := nodes[h]; p != nil && p.indegree > 0 {
				p.indegree++
			}
		}
	}
	var stack []*walkNode
	var dated dateQueue[*walkNode]
	put := func(n *walkNode) {
		if byDate {
			dated.add(n, n.date)
		} else {
			stack = append(stack, n)
		}
	}
	get := func() *walkNode {
		if byDate {
			if dated.Len() == 0 {
				return nil
			}
			return dated.next()
		}
		if len(stack) == 0 {
			return nil
		}
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return n
	}
	if byDate {
		for _, n := range list {
			if n.indegree == 1 {
				put(n)
			}
		}
	} else {
		// A stack: the tips go in reversed, so the first comes out first.
		for i := len(list) - 1; i >= 0; i-- {
			if list[i].indegree == 1 {
				put(list[i])
			}
		}
	}
	out := make([]*walkNode, 0, len(list))
	outIDs := make([]plumbing.Hash, 0, len(list))
	for n := get(); n != nil; n = get() {
		for _, h := range n.parents {
			p := nodes[h]
			if p == nil || p.indegree == 0 {
				continue
			}
			p.indegree--
			if p.indegree == 1 {
				put(p)
			}
		}
		n.indegree = 0
		out = append(out, n)
		outIDs = append(outIDs, index[n])
	}
	return out, outIDs
}

// openCommitGraph opens the repository's commit-graph when git would use
// it: core.commitGraph not false, and no grafts, replace refs or shallow
// boundary that the graph does not know about. Nil otherwise.
func (r *Repository) openCommitGraph() *commitgraph.Graph {
	if !r.ConfigBool("core.commitgraph", true) {
		return nil
	}
	for _, f := range []string{"shallow", filepath.Join("info", "grafts")} {
		if _, err := os.Stat(filepath.Join(r.GitDir, f)); err == nil {
			return nil
		}
	}
	if entries, err := os.ReadDir(filepath.Join(r.GitDir, "refs", "replace")); err == nil && len(entries) > 0 {
		return nil
	}
	if data, err := os.ReadFile(filepath.Join(r.GitDir, "packed-refs")); err == nil && bytes.Contains(data, []byte(" refs/replace/")) {
		return nil
	}
	g, err := commitgraph.Open(filepath.Join(r.GitDir, "objects"))
	if err != nil {
		return nil
	}
	return g
}
