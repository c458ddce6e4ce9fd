package repo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"easel.dev/easel/merge"
)

// LogOptions selects the commits Log walks.
type LogOptions struct {
	// Include are the starting commits (already resolved); Exclude hides
	// every commit reachable from them ("^rev", "a..b").
	Include []plumbing.Hash
	Exclude []plumbing.Hash
	// Paths limits the output to commits that change one of these paths
	// (files or directories, slash-separated, relative to the top).
	Paths []string
	// Topo orders the commits as git log --graph does: no commit before
	// all of its children, and each line of history kept together. It has
	// to read the whole history first, as git does without a commit-graph.
	Topo bool
	// DateOrder, with Topo, picks among the commits whose children are
	// all out the newest by commit date (git's --date-order).
	DateOrder bool
	// Filter hides the commits it rejects; the walk goes on through them.
	Filter *CommitFilter
	// Since ends the walk at commits committed before it: they are not
	// shown and their parents are not walked (git log --since).
	Since time.Time
	// FirstParent follows only the first parent of merges.
	FirstParent bool
}

// LogWalker yields commits newest first. Without Topo it streams: only the
// frontier of the walk is held in memory, so reading the first ten commits of
// a long history reads about ten commits.
type LogWalker struct {
	r       *Repository
	opts    LogOptions
	queue   commitQueue
	seen    map[plumbing.Hash]bool
	hidden  map[plumbing.Hash]bool
	seq     int
	topo    []*object.Commit
	topoPos int
	// collecting: the walk gathers commits for the topological sort and
	// leaves the filter to Next.
	collecting bool
}

// Log starts a walk.
func (r *Repository) Log(ctx context.Context, opts LogOptions) (*LogWalker, error) {
	w := &LogWalker{r: r, opts: opts, seen: map[plumbing.Hash]bool{}}
	for i, p := range w.opts.Paths {
		w.opts.Paths[i] = strings.Trim(p, "/")
	}
	if len(opts.Exclude) > 0 {
		hidden, err := r.reachable(ctx, opts.Exclude)
		if err != nil {
			return nil, err
		}
		w.hidden = hidden
	}
	for _, h := range opts.Include {
		if err := w.push(h); err != nil {
			return nil, err
		}
	}
	if opts.Topo {
		// As git: every commit of the walk is sorted, and the filter
		// (--author, --grep, --merges, ...) hides commits only as they
		// are shown, so that the order does not depend on it. Commits
		// newer than --until are left out of the sort, as git's
		// limit_list leaves them out.
		w.collecting = true
		var all []*object.Commit
		for {
			c, err := w.next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			if f := w.opts.Filter; f != nil && !f.Until.IsZero() && c.Committer.When.After(f.Until) {
				continue
			}
			all = append(all, c)
		}
		w.collecting = false
		w.topo = topoSort(all, opts.DateOrder)
	}
	return w, nil
}

// Next returns the next commit, or io.EOF at the end.
func (w *LogWalker) Next(ctx context.Context) (*object.Commit, error) {
	if w.opts.Topo {
		if w.topoPos >= len(w.topo) {
			return nil, io.EOF
		}
		for w.topoPos < len(w.topo) {
			c := w.topo[w.topoPos]
			w.topo[w.topoPos] = nil
			w.topoPos++
			if w.opts.Filter.Match(c) {
				return c, nil
			}
		}
		return nil, io.EOF
	}
	return w.next(ctx)
}

// Shows reports whether the walk shows commit h when it reaches it (git's
// get_commit_action): not hidden by a range, not older than --since, and
// kept by the filter. The graph draws lines only to such parents.
func (w *LogWalker) Shows(h plumbing.Hash) bool {
	if w.hidden[h] {
		return false
	}
	if w.opts.Filter.Empty() && w.opts.Since.IsZero() {
		return true
	}
	c, err := w.r.commitOf(h)
	if err != nil {
		return false
	}
	if !w.opts.Since.IsZero() && c.Committer.When.Before(w.opts.Since) {
		return false
	}
	return w.opts.Filter.Match(c)
}

func (w *LogWalker) push(h plumbing.Hash) error {
	if w.seen[h] || w.hidden[h] {
		return nil
	}
	w.seen[h] = true
	c, err := w.r.commitOf(h)
	if err != nil {
		return fmt.Errorf("%s: %v: %w", h, err, ErrCorruptObject)
	}
	w.seq++
	heap.Push(&w.queue, queued{c: c, seq: w.seq})
	return nil
}

// next pops the newest commit by committer date; ties keep the order in
// which commits were queued, as git's date-sorted list does.
func (w *LogWalker) next(ctx context.Context) (*object.Commit, error) {
	for w.queue.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c := heap.Pop(&w.queue).(queued).c
		if !w.opts.Since.IsZero() && c.Committer.When.Before(w.opts.Since) {
			continue
		}
		parents := c.ParentHashes
		if w.opts.FirstParent && len(parents) > 1 {
			parents = parents[:1]
		}
		show := true
		if len(w.opts.Paths) > 0 {
			var err error
			parents, show, err = w.simplify(c, parents)
			if err != nil {
				return nil, err
			}
		}
		show = show && (w.collecting || w.opts.Filter.Match(c))
		for _, p := range parents {
			if err := w.push(p); err != nil {
				return nil, err
			}
		}
		if show {
			return c, nil
		}
	}
	return nil, io.EOF
}

// simplify applies git's default history simplification for path-limited
// logs: a merge that matches one parent on the paths follows only that
// parent and is not shown; other commits are shown when the paths differ
// from every parent.
func (w *LogWalker) simplify(c *object.Commit, parents []plumbing.Hash) ([]plumbing.Hash, bool, error) {
	mine, err := w.r.pathHashes(c.TreeHash, w.opts.Paths)
	if err != nil {
		return nil, false, err
	}
	if len(parents) == 0 {
		for _, h := range mine {
			if !h.IsZero() {
				return nil, true, nil
			}
		}
		return nil, false, nil
	}
	for _, p := range parents {
		pc, err := w.r.commitOf(p)
		if err != nil {
			return nil, false, err
		}
		theirs, err := w.r.pathHashes(pc.TreeHash, w.opts.Paths)
		if err != nil {
			return nil, false, err
		}
		same := true
		for i := range mine {
			if mine[i] != theirs[i] {
				same = false
				break
			}
		}
		if same {
			return []plumbing.Hash{p}, false, nil
		}
	}
	return parents, true, nil
}

// pathHashes gives the object id at each path in tree (zero if absent).
func (r *Repository) pathHashes(tree plumbing.Hash, paths []string) ([]plumbing.Hash, error) {
	t, err := object.GetTree(r.Storer, tree)
	if err != nil {
		return nil, err
	}
	out := make([]plumbing.Hash, len(paths))
	for i, p := range paths {
		if p == "" || p == "." {
			out[i] = tree
			continue
		}
		e, err := t.FindEntry(p)
		if err != nil {
			if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
				continue
			}
			return nil, err
		}
		out[i] = e.Hash
	}
	return out, nil
}

// resolveRangeEnd resolves one side of a range; empty means HEAD.
func (r *Repository) resolveRangeEnd(ctx context.Context, rev string) (plumbing.Hash, error) {
	if rev == "" {
		rev = "HEAD"
	}
	return r.ResolveCommit(ctx, rev)
}

// MergeBase is the first best common ancestor of two revisions, what
// git diff a...b compares b with.
func (r *Repository) MergeBase(ctx context.Context, a, b string) (plumbing.Hash, error) {
	ha, err := r.resolveRangeEnd(ctx, a)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	hb, err := r.resolveRangeEnd(ctx, b)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	bases, err := merge.MergeBases(ctx, r.Storer, ha, hb)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if len(bases) == 0 {
		return plumbing.ZeroHash, fmt.Errorf("%s...%s: no merge base: %w", a, b, ErrUnknownRevision)
	}
	return bases[0], nil
}

// AllTips is what git log --all starts from: HEAD and the commit of every
// branch, remote-tracking branch and tag (tags peeled; refs naming
// anything but a commit are skipped).
func (r *Repository) AllTips() ([]plumbing.Hash, error) {
	var out []plumbing.Hash
	if h, err := r.Head(); err == nil && !h.IsZero() {
		out = append(out, h)
	}
	iter, err := r.Storer.IterReferences()
	if err != nil {
		return nil, err
	}
	defer iter.Close()
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if ref.Type() != plumbing.HashReference || !strings.HasPrefix(ref.Name().String(), "refs/") {
			return nil
		}
		if c, err := r.commitOf(ref.Hash()); err == nil {
			out = append(out, c.Hash)
		}
		return nil
	})
	return out, err
}

// reachable collects every commit reachable from starts.
func (r *Repository) reachable(ctx context.Context, starts []plumbing.Hash) (map[plumbing.Hash]bool, error) {
	seen := map[plumbing.Hash]bool{}
	stack := append([]plumbing.Hash(nil), starts...)
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] {
			continue
		}
		seen[h] = true
		c, err := r.commitOf(h)
		if err != nil {
			return nil, err
		}
		stack = append(stack, c.ParentHashes...)
	}
	return seen, nil
}

// topoSort orders commits (given newest first by date) as git's
// sort_in_topological_order does: start from the tips in the given order,
// and after a commit continue with the parent queued last once all of its
// children are out, so that one line of history is finished before the
// next begins. byDate (--date-order) takes instead the newest commit
// whose children are all out, the first queued among equals.
func topoSort(commits []*object.Commit, byDate bool) []*object.Commit {
	// indegree[h] = 1 + number of children inside the set; 0 = not in set.
	indegree := make(map[plumbing.Hash]int, len(commits))
	byHash := make(map[plumbing.Hash]*object.Commit, len(commits))
	for _, c := range commits {
		indegree[c.Hash] = 1
		byHash[c.Hash] = c
	}
	for _, c := range commits {
		for _, p := range c.ParentHashes {
			if indegree[p] > 0 {
				indegree[p]++
			}
		}
	}
	var stack []*object.Commit
	var dated commitQueue
	seq := 0
	put := func(c *object.Commit) {
		if byDate {
			seq++
			heap.Push(&dated, queued{c: c, seq: seq})
		} else {
			stack = append(stack, c)
		}
	}
	get := func() *object.Commit {
		if byDate {
			if dated.Len() == 0 {
				return nil
			}
			return heap.Pop(&dated).(queued).c
		}
		if len(stack) == 0 {
			return nil
		}
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		return c
	}
	if byDate {
		for _, c := range commits {
			if indegree[c.Hash] == 1 {
				put(c)
			}
		}
	} else {
		// A stack: the tips go in reversed, so the first comes out first.
		for i := len(commits) - 1; i >= 0; i-- {
			if indegree[commits[i].Hash] == 1 {
				put(commits[i])
			}
		}
	}
	out := make([]*object.Commit, 0, len(commits))
	for c := get(); c != nil; c = get() {
		for _, p := range c.ParentHashes {
			if indegree[p] == 0 {
				continue
			}
			indegree[p]--
			if indegree[p] == 1 {
				put(byHash[p])
			}
		}
		indegree[c.Hash] = 0
		out = append(out, c)
	}
	return out
}

type queued struct {
	c   *object.Commit
	seq int
}

type commitQueue []queued

func (q commitQueue) Len() int { return len(q) }
func (q commitQueue) Less(i, j int) bool {
	ti, tj := q[i].c.Committer.When.Unix(), q[j].c.Committer.When.Unix()
	if ti != tj {
		return ti > tj
	}
	return q[i].seq < q[j].seq
}
func (q commitQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *commitQueue) Push(x any)   { *q = append(*q, x.(queued)) }
func (q *commitQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// ResolveRange splits git-style log arguments ("a", "^a", "a..b") into the
// commits to start from and the commits to hide. No argument means HEAD.
func (r *Repository) ResolveRange(ctx context.Context, args []string) (include, exclude []plumbing.Hash, err error) {
	add := func(list *[]plumbing.Hash, rev string) error {
		if rev == "" {
			rev = "HEAD"
		}
		h, err := r.ResolveCommit(ctx, rev)
		if err != nil {
			return err
		}
		*list = append(*list, h)
		return nil
	}
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "^"):
			err = add(&exclude, a[1:])
		case strings.Contains(a, "..."):
			// The symmetric difference: in either side, not in both.
			left, right, _ := strings.Cut(a, "...")
			var l, r2 plumbing.Hash
			if l, err = r.resolveRangeEnd(ctx, left); err == nil {
				if r2, err = r.resolveRangeEnd(ctx, right); err == nil {
					var bases []plumbing.Hash
					if bases, err = merge.MergeBases(ctx, r.Storer, l, r2); err == nil {
						include = append(include, l, r2)
						exclude = append(exclude, bases...)
					}
				}
			}
		case strings.Contains(a, ".."):
			from, to, _ := strings.Cut(a, "..")
			if err = add(&exclude, from); err == nil {
				err = add(&include, to)
			}
		default:
			err = add(&include, a)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	if len(args) == 0 {
		h, herr := r.Head()
		if herr != nil {
			return nil, nil, herr
		}
		if h.IsZero() {
			b, _ := r.HeadBranch()
			return nil, nil, fmt.Errorf("your current branch '%s' does not have any commits yet: %w", shortRefName(b), ErrUnknownRevision)
		}
		include = append(include, h)
	}
	return include, exclude, nil
}
