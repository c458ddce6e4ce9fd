package commitwalk

import (
	"container/heap"
	"context"

	"github.com/go-git/go-git/v5/plumbing"
)

const (
	flagParent1 = 1 << iota
	flagParent2
	flagStale
	flagResult
	flagSeen
)

// queue is git's prio_queue of commits: newest first by commit date, or,
// when byGen, highest generation first and then newest; ties come out in
// the order they went in.
type queue struct {
	items []qitem
	seq   int
	byGen bool
}

type qitem struct {
	n   *Node
	seq int
}

func (q *queue) Len() int { return len(q.items) }
func (q *queue) Less(i, j int) bool {
	a, b := q.items[i].n, q.items[j].n
	if q.byGen && a.Gen != b.Gen {
		return a.Gen > b.Gen
	}
	if a.When != b.When {
		return a.When > b.When
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
func (q *queue) push(n *Node) { heap.Push(q, qitem{n, q.seq}); q.seq++ }
func (q *queue) pop() *Node   { return heap.Pop(q).(qitem).n }

// insertByDate keeps list newest first; equal dates keep arrival order
// (git's commit_list_insert_by_date).
func insertByDate(list []*Node, c *Node) []*Node {
	i := 0
	for i < len(list) && list[i].When >= c.When {
		i++
	}
	list = append(list, nil)
	copy(list[i+1:], list[i:])
	list[i] = c
	return list
}

// paint is git's paint_down_to_common: it walks from one and twos until
// only commits reachable from a common ancestor remain, and returns the
// common commits it met, newest first. Flags stay set for the caller, who
// clears them. With minGen the walk is ordered by generation and stops
// below minGen: nothing there can matter to the caller.
func (w *Walker) paint(ctx context.Context, one *Node, twos []*Node, minGen uint64) ([]*Node, error) {
	w.mark(one, flagParent1)
	if len(twos) == 0 {
		return []*Node{one}, nil
	}
	q := &queue{byGen: minGen != 0 || w.v2}
	q.push(one)
	for _, t := range twos {
		w.mark(t, flagParent2)
		q.push(t)
	}
	nonStale := func() bool {
		for _, it := range q.items {
			if it.n.Flags&flagStale == 0 {
				return true
			}
		}
		return false
	}
	var result []*Node
	for nonStale() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := q.pop()
		if c.Gen < minGen {
			break
		}
		f := c.Flags & (flagParent1 | flagParent2 | flagStale)
		if f == flagParent1|flagParent2 {
			if c.Flags&flagResult == 0 {
				w.mark(c, flagResult)
				result = insertByDate(result, c)
			}
			f |= flagStale
		}
		ps, err := w.Parents(c)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.Flags&f == f {
				continue
			}
			w.mark(p, f)
			q.push(p)
		}
	}
	return result, nil
}

// Bases returns all best common ancestors of a and b, newest first, as
// git merge-base --all does.
func (w *Walker) Bases(ctx context.Context, a, b *Node) ([]*Node, error) {
	if a == b {
		return []*Node{a}, nil
	}
	found, err := w.paint(ctx, a, []*Node{b}, 0)
	if err != nil {
		w.clear()
		return nil, err
	}
	var list []*Node
	for _, c := range found {
		if c.Flags&flagStale == 0 {
			list = insertByDate(list, c)
		}
	}
	w.clear()
	if len(list) <= 1 {
		return list, nil
	}
	list, err = w.removeRedundant(ctx, list)
	if err != nil {
		return nil, err
	}
	var out []*Node
	for _, c := range list {
		out = insertByDate(out, c)
	}
	return out, nil
}

// removeRedundant drops the candidates reachable from another one (git's
// remove_redundant), keeping the others in order.
func (w *Walker) removeRedundant(ctx context.Context, list []*Node) ([]*Node, error) {
	redundant := make([]bool, len(list))
	for i := range list {
		if redundant[i] {
			continue
		}
		minGen := list[i].Gen
		var others []*Node
		var idx []int
		for j := range list {
			if j != i && !redundant[j] {
				others = append(others, list[j])
				idx = append(idx, j)
				minGen = min(minGen, list[j].Gen)
			}
		}
		// Outside the graph generations say nothing: walk it all.
		if minGen == GenInfinity {
			minGen = 0
		}
		_, err := w.paint(ctx, list[i], others, minGen)
		if err != nil {
			w.clear()
			return nil, err
		}
		if list[i].Flags&flagParent2 != 0 {
			redundant[i] = true
		}
		for k, o := range others {
			if o.Flags&flagParent1 != 0 {
				redundant[idx[k]] = true
			}
		}
		w.clear()
	}
	var out []*Node
	for i, c := range list {
		if !redundant[i] {
			out = append(out, c)
		}
	}
	return out, nil
}

// MergeBases returns all best common ancestors of commits a and b, newest
// first (git merge-base --all a b).
func (w *Walker) MergeBases(ctx context.Context, a, b plumbing.Hash) ([]plumbing.Hash, error) {
	na, err := w.Get(a)
	if err != nil {
		return nil, err
	}
	nb, err := w.Get(b)
	if err != nil {
		return nil, err
	}
	bs, err := w.Bases(ctx, na, nb)
	if err != nil {
		return nil, err
	}
	out := make([]plumbing.Hash, len(bs))
	for i, c := range bs {
		out[i] = c.ID
	}
	return out, nil
}

// IsAncestor reports whether commit anc is desc or one of its ancestors
// (git merge-base --is-ancestor, git's repo_in_merge_bases): a walk down
// from both that stops below anc's generation.
func (w *Walker) IsAncestor(ctx context.Context, anc, desc plumbing.Hash) (bool, error) {
	if anc == desc {
		return true, nil
	}
	a, err := w.Get(anc)
	if err != nil {
		return false, err
	}
	d, err := w.Get(desc)
	if err != nil {
		return false, err
	}
	return w.isAncestor(ctx, a, d)
}

func (w *Walker) isAncestor(ctx context.Context, a, d *Node) (bool, error) {
	if a == d {
		return true, nil
	}
	if a.Gen > d.Gen {
		return false, nil
	}
	_, err := w.paint(ctx, a, []*Node{d}, a.Gen)
	ok := a.Flags&flagParent2 != 0
	w.clear()
	return ok, err
}

// AheadBehind counts the commits reachable from a but not from b (ahead)
// and from b but not from a (behind): git rev-list --count --left-right
// a...b. It walks both sides until every commit left to walk is reached
// from both; the cost is about the size of the difference.
func (w *Walker) AheadBehind(ctx context.Context, a, b plumbing.Hash) (ahead, behind int, err error) {
	if a == b {
		return 0, 0, nil
	}
	na, err := w.Get(a)
	if err != nil {
		return 0, 0, err
	}
	nb, err := w.Get(b)
	if err != nil {
		return 0, 0, err
	}
	defer w.clear()
	const both = flagParent1 | flagParent2
	q := &queue{byGen: true}
	notBoth := 0 // queue entries whose commit lacks a side
	// Outside the graph the order is by date, which skewed clocks break:
	// there, stop only once the queue is older than every one-sided commit
	// seen, and repair what was walked out of order afterwards.
	oldestSingle, haveSingle := int64(0), false
	var walked []*Node
	paint := func(n *Node, f uint32) {
		old := n.Flags & both
		if old|f == old {
			return
		}
		w.mark(n, f)
		if old|f == both {
			// Entries already queued for n no longer count as one-sided.
			notBoth -= int(n.Flags>>8) & 0xffffff
		} else {
			notBoth++
			if !haveSingle || n.When < oldestSingle {
				oldestSingle, haveSingle = n.When, true
			}
		}
		n.Flags += 1 << 8 // queued entries of n, above the side bits
		q.push(n)
	}
	paint(na, flagParent1)
	paint(nb, flagParent2)
	for q.Len() > 0 {
		top := q.items[0].n
		if notBoth == 0 && (top.Gen != GenInfinity || top.When < oldestSingle) {
			break
		}
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		c := q.pop()
		c.Flags -= 1 << 8
		f := c.Flags & both
		if f != both {
			notBoth--
		}
		if c.Flags&flagSeen == 0 {
			w.mark(c, flagSeen)
			walked = append(walked, c)
		}
		ps, err := w.Parents(c)
		if err != nil {
			return 0, 0, err
		}
		for _, p := range ps {
			paint(p, f)
		}
	}
	// A commit walked before a descendant that reaches it from the other
	// side (skewed dates outside the graph) still carries one side: pass
	// "both" down through the commits already walked.
	var stack []*Node
	for _, n := range walked {
		if n.Flags&both == both {
			stack = append(stack, n)
		}
	}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Flags&flagSeen == 0 {
			continue
		}
		for _, p := range n.parents {
			if p.touched && p.Flags&both != both {
				w.mark(p, both)
				stack = append(stack, p)
			}
		}
	}
	for _, n := range w.touched {
		switch n.Flags & both {
		case flagParent1:
			ahead++
		case flagParent2:
			behind++
		}
	}
	return ahead, behind, nil
}

// Contains answers, for many tips, whether a target commit is the tip or
// one of its ancestors (git branch --contains, git tag --contains). What
// one answer walked is remembered for the next.
type Contains struct {
	w      *Walker
	target *Node
	miss   map[*Node]bool // known not to reach the target
}

// Contains starts the queries for target.
func (w *Walker) Contains(target plumbing.Hash) (*Contains, error) {
	t, err := w.Get(target)
	if err != nil {
		return nil, err
	}
	return &Contains{w: w, target: t, miss: map[*Node]bool{}}, nil
}

// From reports whether the target is tip or one of tip's ancestors. Commits
// of a lower generation than the target's cannot reach it and are not
// walked.
func (c *Contains) From(ctx context.Context, tip plumbing.Hash) (bool, error) {
	n, err := c.w.Get(tip)
	if err != nil {
		return false, err
	}
	seen := map[*Node]bool{}
	stack := []*Node{n}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if h == c.target {
			return true, nil
		}
		if seen[h] || c.miss[h] || h.Gen < c.target.Gen {
			continue
		}
		seen[h] = true
		ps, err := c.w.Parents(h)
		if err != nil {
			return false, err
		}
		stack = append(stack, ps...)
	}
	for h := range seen {
		c.miss[h] = true
	}
	return false, nil
}

// ReachSet is the set of commits reachable from a base commit, walked only
// as far as the questions asked need (git branch --merged, --no-merged):
// highest generation first, so a question about a tip walks down to the
// tip's generation and no further.
type ReachSet struct {
	w    *Walker
	q    queue
	seen map[*Node]bool
}

// ReachableFrom starts the set of commits reachable from base.
func (w *Walker) ReachableFrom(base plumbing.Hash) (*ReachSet, error) {
	n, err := w.Get(base)
	if err != nil {
		return nil, err
	}
	s := &ReachSet{w: w, q: queue{byGen: true}, seen: map[*Node]bool{n: true}}
	s.q.push(n)
	return s, nil
}

// Has reports whether tip is reachable from the base (the base included).
func (s *ReachSet) Has(ctx context.Context, tip plumbing.Hash) (bool, error) {
	n, err := s.w.Get(tip)
	if err != nil {
		return false, err
	}
	// Every commit of a generation at least tip's that reaches tip is
	// walked before the queue drops below it.
	for s.q.Len() > 0 && !s.seen[n] && s.q.items[0].n.Gen >= n.Gen {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		c := s.q.pop()
		ps, err := s.w.Parents(c)
		if err != nil {
			return false, err
		}
		for _, p := range ps {
			if !s.seen[p] {
				s.seen[p] = true
				s.q.push(p)
			}
		}
	}
	return s.seen[n], nil
}
