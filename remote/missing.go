package remote

import (
	"container/heap"
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo/gitobj"
)

// objectsToSend lists the objects reachable from wants that the other side
// does not need, knowing it has haves (all present in s) and everything
// they reach.
//
// go-git's revlist.Objects first lists every object reachable from the
// haves, which is the whole history: a push or fetch of one commit cost
// time in proportion to the repository's age (70µs per commit here, so
// seconds on a long history). This walks the commits newest first, as
// git's rev-list does, carrying an "uninteresting" mark down from the
// haves, and stops as soon as every commit still queued is uninteresting.
// Trees and blobs are then left out when the trees of the uninteresting
// commits met on the way (the boundary) hold them. The answer may include
// a few objects the other side already has (a clock skew in commit dates
// makes the walk stop late, a file restored to an old content is sent
// again); that costs bytes, never correctness, and nothing reachable from
// wants and missing from the haves' closure is ever left out.
func objectsToSend(ctx context.Context, s storer.EncodedObjectStorer, wants, haves []plumbing.Hash) ([]plumbing.Hash, error) {
	w := &sendWalk{s: s, commits: map[plumbing.Hash]*walkCommit{}, skip: map[plumbing.Hash]bool{}, added: map[plumbing.Hash]bool{}}
	var roots []plumbing.Hash // trees and blobs wanted directly
	for _, h := range haves {
		if err := w.start(h, true, nil); err != nil {
			return nil, err
		}
	}
	for _, h := range wants {
		if err := w.start(h, false, &roots); err != nil {
			return nil, err
		}
	}
	for w.interesting > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := heap.Pop(&w.queue).(*walkCommit)
		c.queued = false
		if !c.uninteresting {
			w.interesting--
		}
		c.popped = true
		for _, p := range c.commit.ParentHashes {
			pc, err := w.get(p)
			if err != nil {
				return nil, err
			}
			if pc == nil {
				continue // a shallow or incomplete history: nothing below it to send
			}
			if c.uninteresting {
				w.markUninteresting(pc)
			}
			if !pc.popped && !pc.queued {
				w.push(pc)
			}
		}
	}
	// The boundary: every uninteresting commit met. Their trees are what
	// the other side surely holds.
	var send []plumbing.Hash
	// (w.commits holds nil for parents missing from the store.)
	for _, c := range w.commits {
		if c != nil && c.uninteresting {
			if err := w.markTree(c.commit.TreeHash); err != nil {
				return nil, err
			}
		}
	}
	for _, h := range w.skipRoots {
		if err := w.markObject(h); err != nil {
			return nil, err
		}
	}
	for h := range w.tags {
		if !w.skip[h] {
			send = append(send, h)
		}
	}
	for _, c := range w.commits {
		if c != nil && c.popped && !c.uninteresting {
			send = append(send, c.commit.Hash)
			if err := w.addTree(c.commit.TreeHash, &send); err != nil {
				return nil, err
			}
		}
	}
	for _, h := range roots {
		if err := w.addObject(h, &send); err != nil {
			return nil, err
		}
	}
	return send, nil
}

type walkCommit struct {
	commit        *gitobj.Commit
	uninteresting bool
	queued        bool
	popped        bool
	index         int
}

type sendWalk struct {
	s           storer.EncodedObjectStorer
	commits     map[plumbing.Hash]*walkCommit
	queue       commitQueue
	interesting int // interesting commits in the queue
	skip        map[plumbing.Hash]bool
	skipRoots   []plumbing.Hash // trees and blobs among the haves
	tags        map[plumbing.Hash]bool
	added       map[plumbing.Hash]bool
}

// start queues a have or a want, peeling tags (a wanted tag is sent).
func (w *sendWalk) start(h plumbing.Hash, uninteresting bool, roots *[]plumbing.Hash) error {
	for depth := 0; ; depth++ {
		if depth > 100 {
			return fmt.Errorf("tag chain at %s is too long", h)
		}
		o, err := w.s.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return fmt.Errorf("%s: %w", h, err)
		}
		switch o.Type() {
		case plumbing.TagObject:
			t, err := gitobj.DecodeEncodedTag(o)
			if err != nil {
				return err
			}
			if uninteresting {
				w.skip[h] = true
			} else {
				if w.tags == nil {
					w.tags = map[plumbing.Hash]bool{}
				}
				w.tags[h] = true
			}
			h = t.Target
			continue
		case plumbing.CommitObject:
			c, err := w.get(h)
			if err != nil {
				return err
			}
			if c == nil {
				return fmt.Errorf("%s: %w", h, plumbing.ErrObjectNotFound)
			}
			if uninteresting {
				w.markUninteresting(c)
			}
			if !c.popped && !c.queued {
				w.push(c)
			}
		default:
			if uninteresting {
				w.skipRoots = append(w.skipRoots, h)
			} else {
				*roots = append(*roots, h)
			}
		}
		return nil
	}
}

// get returns the walk's record of commit h, reading it the first time
// (nil if the store does not have it).
func (w *sendWalk) get(h plumbing.Hash) (*walkCommit, error) {
	if c, ok := w.commits[h]; ok {
		return c, nil
	}
	c, err := gitobj.GetCommit(w.s, h)
	if err == plumbing.ErrObjectNotFound {
		w.commits[h] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("commit %s: %w", h, err)
	}
	wc := &walkCommit{commit: c}
	w.commits[h] = wc
	return wc, nil
}

func (w *sendWalk) push(c *walkCommit) {
	c.queued = true
	if !c.uninteresting {
		w.interesting++
	}
	heap.Push(&w.queue, c)
}

// markUninteresting marks c, and the commits below it the walk has already
// passed, as held by the other side.
func (w *sendWalk) markUninteresting(c *walkCommit) {
	stack := []*walkCommit{c}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if c == nil || c.uninteresting {
			continue
		}
		c.uninteresting = true
		if c.queued {
			w.interesting--
		}
		if c.popped {
			for _, p := range c.commit.ParentHashes {
				stack = append(stack, w.commits[p])
			}
		}
	}
}

// markTree records tree h and everything in it as held by the other side.
func (w *sendWalk) markTree(h plumbing.Hash) error {
	if w.skip[h] {
		return nil
	}
	w.skip[h] = true
	t, err := gitobj.GetTree(w.s, h)
	if err != nil {
		return fmt.Errorf("tree %s: %w", h, err)
	}
	for _, e := range t.Entries {
		switch {
		case e.Mode == filemode.Submodule:
		case e.Mode == filemode.Dir:
			if err := w.markTree(e.Hash); err != nil {
				return err
			}
		default:
			w.skip[e.Hash] = true
		}
	}
	return nil
}

func (w *sendWalk) markObject(h plumbing.Hash) error {
	o, err := w.s.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return err
	}
	if o.Type() == plumbing.TreeObject {
		return w.markTree(h)
	}
	w.skip[h] = true
	return nil
}

// addTree lists tree h and what it holds, leaving out what the other side
// has and what is already listed.
func (w *sendWalk) addTree(h plumbing.Hash, out *[]plumbing.Hash) error {
	if w.skip[h] || w.added[h] {
		return nil
	}
	w.added[h] = true
	*out = append(*out, h)
	t, err := gitobj.GetTree(w.s, h)
	if err != nil {
		return fmt.Errorf("tree %s: %w", h, err)
	}
	for _, e := range t.Entries {
		switch {
		case e.Mode == filemode.Submodule:
		case e.Mode == filemode.Dir:
			if err := w.addTree(e.Hash, out); err != nil {
				return err
			}
		case !w.skip[e.Hash] && !w.added[e.Hash]:
			w.added[e.Hash] = true
			*out = append(*out, e.Hash)
		}
	}
	return nil
}

func (w *sendWalk) addObject(h plumbing.Hash, out *[]plumbing.Hash) error {
	o, err := w.s.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return err
	}
	if o.Type() == plumbing.TreeObject {
		return w.addTree(h, out)
	}
	if !w.skip[h] && !w.added[h] {
		w.added[h] = true
		*out = append(*out, h)
	}
	return nil
}

// commitQueue is a max-heap on committer time: newest first, as git walks.
type commitQueue []*walkCommit

func (q commitQueue) Len() int { return len(q) }
func (q commitQueue) Less(i, j int) bool {
	return q[i].commit.Committer.When.After(q[j].commit.Committer.When)
}
func (q commitQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *commitQueue) Push(x any) {
	c := x.(*walkCommit)
	c.index = len(*q)
	*q = append(*q, c)
}
func (q *commitQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}
