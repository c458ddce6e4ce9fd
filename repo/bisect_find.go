package repo

import (
	"bytes"
	"context"
	"math"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
)

// The bisection's choice of the commit to test is git's find_bisection:
// the commits between the bad one and the good ones are listed as git's
// limited walk lists them (newest first by commit date, the first queued
// first among equals), each is weighed by how many of them it reaches,
// and the one whose weight is nearest half of them is taken, the oldest
// first on ties; with skipped commits, the best ones are sorted (weight
// nearest half first, then by id) and a skipped one gives way to one a
// pseudo-random distance down that list, as git's skip_away.

// bisectNode is one commit of the bisection's walk.
type bisectNode struct {
	id      plumbing.Hash
	cw      *commitwalk.Node
	date    int64
	read    bool
	parents []*bisectNode // after path simplification

	uninteresting bool
	treesame      bool
	bottom        bool // an excluded tip: relevant to simplification
	seen          bool
	queued        bool
	counted       bool
	onList        bool
	weight        int
}

// bisectWalk lists the commits to bisect.
type bisectWalk struct {
	r           *Repository
	cw          *commitwalk.Walker
	nodes       map[plumbing.Hash]*bisectNode
	paths       []string
	firstParent bool
	queue       dateQueue[*bisectNode]
	interesting int // interesting commits queued
}

func (w *bisectWalk) node(h plumbing.Hash, read bool) (*bisectNode, error) {
	n := w.nodes[h]
	if n == nil {
		n = &bisectNode{id: h}
		w.nodes[h] = n
	}
	if !read || n.read {
		return n, nil
	}
	c, err := w.cw.Get(h)
	if err != nil {
		return n, err
	}
	n.cw, n.date, n.read = c, c.When, true
	for _, p := range w.cw.ParentIDs(c) {
		pn, _ := w.node(p, false)
		n.parents = append(n.parents, pn)
	}
	return n, nil
}

func (w *bisectWalk) enqueue(n *bisectNode) {
	n.queued = true
	if !n.uninteresting {
		w.interesting++
	}
	w.queue.add(n, n.date)
}

func (w *bisectWalk) setUninteresting(n *bisectNode) {
	if n.uninteresting {
		return
	}
	n.uninteresting = true
	if n.queued {
		w.interesting--
	}
}

// markParentsUninteresting is git's mark_parents_uninteresting.
func (w *bisectWalk) markParentsUninteresting(n *bisectNode) {
	stack := append([]*bisectNode(nil), n.parents...)
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if p.uninteresting {
			continue
		}
		w.setUninteresting(p)
		if p.read {
			stack = append(stack, p.parents...)
		}
	}
}

// pathStates are what the bisection's paths are in commit n's tree.
func (w *bisectWalk) pathStates(n *bisectNode) ([]pathState, error) {
	return w.r.pathHashes(n.cw.Tree, w.paths)
}

func sameStates(a, b []pathState) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// simplify is git's try_to_simplify_commit with the bisection's paths
// (dense history, parents simplified).
func (w *bisectWalk) simplify(n *bisectNode) error {
	if len(w.paths) == 0 {
		return nil
	}
	mine, err := w.pathStates(n)
	if err != nil {
		return err
	}
	if len(n.parents) == 0 {
		n.treesame = sameStates(mine, make([]pathState, len(mine)))
		return nil
	}
	relevantParents, relevantChange, irrelevantChange := 0, false, false
	for i, p := range n.parents {
		relevant := !p.uninteresting || p.bottom // git's relevant_commit
		if relevant {
			relevantParents++
		}
		if i == 1 && w.firstParent {
			break
		}
		if _, err := w.node(p.id, true); err != nil {
			return err
		}
		theirs, err := w.pathStates(p)
		if err != nil {
			return err
		}
		if sameStates(mine, theirs) {
			if !relevant {
				continue
			}
			n.parents = []*bisectNode{p}
			n.treesame = true
			return nil
		}
		if relevant {
			relevantChange = true
		} else {
			irrelevantChange = true
		}
	}
	if relevantParents > 0 {
		n.treesame = !relevantChange
	} else {
		n.treesame = !irrelevantChange
	}
	return nil
}

// processParents is git's process_parents in a limited walk.
func (w *bisectWalk) processParents(n *bisectNode) error {
	if n.uninteresting {
		for _, p := range n.parents {
			w.setUninteresting(p)
			if _, err := w.node(p.id, true); err != nil {
				continue
			}
			if len(p.parents) > 0 {
				w.markParentsUninteresting(p)
			}
			if p.seen {
				continue
			}
			p.seen = true
			w.enqueue(p)
		}
		return nil
	}
	if err := w.simplify(n); err != nil {
		return err
	}
	for _, p := range n.parents {
		if _, err := w.node(p.id, true); err != nil {
			return err
		}
		if !p.seen {
			p.seen = true
			w.enqueue(p)
		}
		if w.firstParent {
			break
		}
	}
	return nil
}

// limit is git's limit_list over "bad ^good...": the commits kept,
// newest first.
func (w *bisectWalk) limit(ctx context.Context, include []plumbing.Hash, exclude []plumbing.Hash) ([]*bisectNode, error) {
	var tips []*bisectNode
	for _, h := range append(append([]plumbing.Hash(nil), include...), exclude...) {
		n, err := w.node(h, true)
		if err != nil {
			return nil, err
		}
		tips = append(tips, n)
	}
	for _, n := range tips[len(include):] {
		n.uninteresting, n.bottom = true, true
		w.markParentsUninteresting(n)
	}
	for _, n := range tips {
		if !n.seen {
			n.seen = true
			w.enqueue(n)
		}
	}
	var list []*bisectNode
	slop, date := gitSlop, int64(math.MaxInt64)
	for w.queue.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := w.queue.next()
		n.queued = false
		if !n.uninteresting {
			w.interesting--
		}
		if err := w.processParents(n); err != nil {
			return nil, err
		}
		if n.uninteresting {
			w.markParentsUninteresting(n)
			switch {
			case w.queue.Len() == 0:
				slop = 0
			case date <= w.queue.newest(), w.interesting > 0:
				slop = gitSlop
			default:
				slop--
			}
			if slop > 0 {
				continue
			}
			break
		}
		date = n.date
		list = append(list, n)
	}
	return list, nil
}

// bisection is what find_bisection found.
type bisection struct {
	list    []*bisectNode // the best first (sorted when all is asked)
	reaches int
	all     int
}

// countDistance is git's count_distance: the commits n reaches that
// change the paths, n included, not counting any twice.
func countDistance(n *bisectNode, touched *[]*bisectNode) int {
	nr := 0
	for n != nil {
		if n.uninteresting || n.counted {
			break
		}
		if !n.treesame {
			nr++
		}
		n.counted = true
		*touched = append(*touched, n)
		if len(n.parents) == 0 {
			break
		}
		for _, p := range n.parents[1:] {
			nr += countDistance(p, touched)
		}
		n = n.parents[0]
	}
	return nr
}

func approxHalfway(n *bisectNode, nr int) bool {
	if n.treesame {
		return false
	}
	diff := 2*n.weight - nr
	switch diff {
	case -1, 0, 1:
		return true
	}
	if diff < 0 {
		diff = -diff
	}
	return diff < nr/1024
}

// findBisection is git's find_bisection over the limited walk's list
// (newest first); all sorts every candidate, as git does when commits
// were skipped.
func findBisection(limited []*bisectNode, firstParent, all bool) bisection {
	var list []*bisectNode
	nr := 0
	for i := len(limited) - 1; i >= 0; i-- {
		n := limited[i]
		if n.uninteresting {
			continue
		}
		list = append(list, n)
		n.onList = true
		if !n.treesame {
			nr++
		}
	}
	res := bisection{all: nr}
	best := doFindBisection(list, nr, firstParent, all)
	if best != nil {
		res.list = best
		res.reaches = best[0].weight
	}
	return res
}

func interestingParents(n *bisectNode, firstParent bool) int {
	count := 0
	for _, p := range n.parents {
		if !p.uninteresting {
			count++
		}
		if firstParent {
			break
		}
	}
	return count
}

func doFindBisection(list []*bisectNode, nr int, firstParent, all bool) []*bisectNode {
	counted := 0
	for _, n := range list {
		switch interestingParents(n, firstParent) {
		case 0:
			n.weight = 0
			if !n.treesame {
				n.weight = 1
				counted++
			}
		case 1:
			n.weight = -1
		default:
			n.weight = -2
		}
	}
	for _, n := range list {
		if n.uninteresting || n.weight != -2 {
			continue
		}
		var touched []*bisectNode
		n.weight = countDistance(n, &touched)
		for _, t := range touched {
			t.counted = false
		}
		if !all && approxHalfway(n, nr) {
			return []*bisectNode{n}
		}
		counted++
	}
	for counted < nr {
		progress := false
		for _, n := range list {
			if n.weight >= 0 {
				continue
			}
			var q *bisectNode
			for _, p := range n.parents {
				if p.uninteresting || !p.onList {
					if firstParent {
						break
					}
					continue
				}
				if p.weight >= 0 {
					q = p
					break
				}
				if firstParent {
					break
				}
			}
			if q == nil {
				continue
			}
			progress = true
			if !n.treesame {
				n.weight = q.weight + 1
				counted++
			} else {
				n.weight = q.weight
			}
			if !all && approxHalfway(n, nr) {
				return []*bisectNode{n}
			}
		}
		if !progress {
			break
		}
	}
	if !all {
		if len(list) == 0 {
			return nil
		}
		best, bestDist := list[0], -1
		for _, n := range list {
			if n.treesame {
				continue
			}
			d := n.weight
			if nr-d < d {
				d = nr - d
			}
			if d > bestDist {
				best, bestDist = n, d
			}
		}
		return []*bisectNode{best}
	}
	type cd struct {
		n    *bisectNode
		dist int
	}
	var arr []cd
	for _, n := range list {
		if n.treesame {
			continue
		}
		d := n.weight
		if nr-d < d {
			d = nr - d
		}
		arr = append(arr, cd{n, d})
	}
	sort.SliceStable(arr, func(i, j int) bool {
		if arr[i].dist != arr[j].dist {
			return arr[i].dist > arr[j].dist
		}
		return bytes.Compare(arr[i].n.id[:], arr[j].n.id[:]) < 0
	})
	if len(arr) == 0 {
		if len(list) == 0 {
			return nil
		}
		return list[:1]
	}
	out := make([]*bisectNode, len(arr))
	for i, a := range arr {
		out[i] = a.n
	}
	return out
}

// prn is git's get_prn, the bisection's pseudo-random numbers.
func prn(count uint32) uint32 {
	count = count*1103515245 + 12345
	return (count / 65536) % 32768
}

// sqrti is git's integer square root, computed in float32 as git does.
func sqrti(val int) int {
	if val == 0 {
		return 0
	}
	x := float32(val)
	for {
		y := (x + float32(val)/x) / 2
		d := y - x
		if d < 0 {
			d = -d
		}
		x = y
		if d < 0.5 {
			break
		}
	}
	return int(x)
}

// managedSkipped is git's managed_skipped: the list without the skipped
// commits, or, when the best one is skipped, one away from it; tried are
// the skipped commits met.
func managedSkipped(list []*bisectNode, skipped map[plumbing.Hash]bool, bad plumbing.Hash) (out, tried []*bisectNode) {
	if len(skipped) == 0 {
		return list, nil
	}
	var filtered []*bisectNode
	skippedFirst := false
	for i, n := range list {
		if skipped[n.id] {
			if i == 0 {
				skippedFirst = true
			}
			tried = append(tried, n)
			continue
		}
		if !skippedFirst {
			// git returns the rest of the list from here, but
			// tried holds only the skipped ones before it.
			return list[i:], tried
		}
		filtered = append(filtered, n)
	}
	if !skippedFirst {
		return filtered, tried
	}
	count := len(filtered)
	p := int(prn(uint32(count)))
	index := (count * p / 32768) * sqrti(p) / sqrti(32768)
	result := filtered
	for i := range filtered {
		if i == index {
			switch {
			case filtered[i].id != bad:
				result = filtered[i:]
			case i > 0:
				result = filtered[i-1:]
			}
			break
		}
	}
	return result, tried
}
