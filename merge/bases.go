package merge

import (
	"container/heap"
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// cnode is a commit in the merge-base walk. Virtual commits (merged merge
// bases) have no id and date 0, as in git.
type cnode struct {
	hash     plumbing.Hash
	tree     plumbing.Hash
	date     int64
	parents  []*cnode
	phashes  []plumbing.Hash
	expanded bool
}

type graph struct {
	st    Store
	nodes map[plumbing.Hash]*cnode
}

func newGraph(st Store) *graph { return &graph{st: st, nodes: map[plumbing.Hash]*cnode{}} }

func (g *graph) node(h plumbing.Hash) (*cnode, error) {
	if n := g.nodes[h]; n != nil {
		return n, nil
	}
	c, err := object.GetCommit(g.st, h)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", h, err)
	}
	n := &cnode{hash: h, tree: c.TreeHash, date: c.Committer.When.Unix(), phashes: c.ParentHashes}
	g.nodes[h] = n
	return n, nil
}

func (g *graph) parents(n *cnode) ([]*cnode, error) {
	if n.expanded || n.phashes == nil {
		return n.parents, nil
	}
	for _, h := range n.phashes {
		p, err := g.node(h)
		if err != nil {
			return nil, err
		}
		n.parents = append(n.parents, p)
	}
	n.expanded = true
	return n.parents, nil
}

const (
	flagParent1 = 1 << iota
	flagParent2
	flagStale
	flagResult
)

// queue orders commits newest first, first-in first among equal dates
// (git's prio_queue by commit date).
type queue struct {
	items []qitem
	seq   int
}

type qitem struct {
	n   *cnode
	seq int
}

func (q *queue) Len() int { return len(q.items) }
func (q *queue) Less(i, j int) bool {
	if q.items[i].n.date != q.items[j].n.date {
		return q.items[i].n.date > q.items[j].n.date
	}
	return q.items[i].seq < q.items[j].seq
}
func (q *queue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *queue) Push(x any)    { q.items = append(q.items, x.(qitem)) }
func (q *queue) Pop() any {
	it := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return it
}
func (q *queue) push(n *cnode) { heap.Push(q, qitem{n, q.seq}); q.seq++ }

// paint is git's paint_down_to_common: it walks from one and twos, newest
// first, until only commits reachable from a common ancestor remain, and
// returns the flags it left and the common commits it met.
func (g *graph) paint(ctx context.Context, one *cnode, twos []*cnode) (map[*cnode]int, []*cnode, error) {
	flags := map[*cnode]int{}
	q := &queue{}
	flags[one] |= flagParent1
	q.push(one)
	for _, t := range twos {
		flags[t] |= flagParent2
		q.push(t)
	}
	var result []*cnode
	nonStale := func() bool {
		for _, it := range q.items {
			if flags[it.n]&flagStale == 0 {
				return true
			}
		}
		return false
	}
	for nonStale() {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		c := heap.Pop(q).(qitem).n
		f := flags[c] & (flagParent1 | flagParent2 | flagStale)
		if f == flagParent1|flagParent2 {
			if flags[c]&flagResult == 0 {
				flags[c] |= flagResult
				result = append(result, c)
			}
			f |= flagStale
		}
		ps, err := g.parents(c)
		if err != nil {
			return nil, nil, err
		}
		for _, p := range ps {
			if flags[p]&f == f {
				continue
			}
			flags[p] |= f
			q.push(p)
		}
	}
	return flags, result, nil
}

// insertByDate keeps list newest first; equal dates keep arrival order.
func insertByDate(list []*cnode, c *cnode) []*cnode {
	i := 0
	for i < len(list) && list[i].date >= c.date {
		i++
	}
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = c
	return list
}

// bases returns all best common ancestors of a and b, newest first, as
// git merge-base --all does.
func (g *graph) bases(ctx context.Context, a, b *cnode) ([]*cnode, error) {
	if a == b {
		return []*cnode{a}, nil
	}
	flags, found, err := g.paint(ctx, a, []*cnode{b})
	if err != nil {
		return nil, err
	}
	var list []*cnode
	for _, c := range found {
		if flags[c]&flagStale == 0 {
			list = insertByDate(list, c)
		}
	}
	if len(list) <= 1 {
		return list, nil
	}
	// remove_redundant: drop a candidate reachable from another one.
	redundant := make([]bool, len(list))
	for i := range list {
		if redundant[i] {
			continue
		}
		var others []*cnode
		var idx []int
		for j := range list {
			if j != i && !redundant[j] {
				others = append(others, list[j])
				idx = append(idx, j)
			}
		}
		fl, _, err := g.paint(ctx, list[i], others)
		if err != nil {
			return nil, err
		}
		if fl[list[i]]&flagParent2 != 0 {
			redundant[i] = true
		}
		for k, o := range others {
			if fl[o]&flagParent1 != 0 {
				redundant[idx[k]] = true
			}
		}
	}
	var out []*cnode
	for i, c := range list {
		if !redundant[i] {
			out = insertByDate(out, c)
		}
	}
	return out, nil
}

// MergeBases returns all best common ancestors of commits a and b, newest
// first (git merge-base --all).
func MergeBases(ctx context.Context, st Store, a, b plumbing.Hash) ([]plumbing.Hash, error) {
	g := newGraph(st)
	na, err := g.node(a)
	if err != nil {
		return nil, err
	}
	nb, err := g.node(b)
	if err != nil {
		return nil, err
	}
	bs, err := g.bases(ctx, na, nb)
	if err != nil {
		return nil, err
	}
	out := make([]plumbing.Hash, len(bs))
	for i, c := range bs {
		out[i] = c.hash
	}
	return out, nil
}

// IsAncestor reports whether commit a is reachable from commit b (a == b
// counts).
func IsAncestor(ctx context.Context, st Store, a, b plumbing.Hash) (bool, error) {
	if a == b {
		return true, nil
	}
	bs, err := MergeBases(ctx, st, a, b)
	if err != nil {
		return false, err
	}
	for _, h := range bs {
		if h == a {
			return true, nil
		}
	}
	return false, nil
}
