package repo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/commitgraph"
	"easel.dev/easel/repo/pathspec"
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

// LogWalker yields commits newest first. Without Topo or Exclude it streams:
// only the frontier of the walk is held in memory, so reading the first ten
// commits of a long history reads about ten commits. With either it runs
// git's limited walk first (see log_limit.go).
type LogWalker struct {
	r     *Repository
	opts  LogOptions
	queue commitQueue
	seen  map[plumbing.Hash]bool
	seq   int

	limited           bool
	nodes             map[plumbing.Hash]*walkNode
	lq                limitQueue
	interestingQueued int
	list              []*walkNode
	listIDs           []plumbing.Hash
	listPos           int
	graph             *commitgraph.Graph
	ps                pathspec.Pathspec // from opts.Paths
	plain             []string          // ps's paths when it has no wildcards or magic
}

// Log starts a walk.
func (r *Repository) Log(ctx context.Context, opts LogOptions) (*LogWalker, error) {
	w := &LogWalker{r: r, opts: opts, seen: map[plumbing.Hash]bool{}}
	w.ps = pathspec.New(opts.Paths)
	if w.ps.Plain() {
		// Whole files and directories: compared by the ids at those
		// paths, without walking the trees.
		for _, it := range w.ps {
			w.plain = append(w.plain, strings.Trim(it.Pattern, "/"))
		}
	}
	if opts.Topo || len(opts.Exclude) > 0 {
		w.limited = true
		if err := w.limit(ctx); err != nil {
			return nil, err
		}
		return w, nil
	}
	for _, h := range opts.Include {
		if err := w.push(h); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Next returns the next commit, or io.EOF at the end.
func (w *LogWalker) Next(ctx context.Context) (*object.Commit, error) {
	if w.limited {
		return w.nextLimited(ctx)
	}
	return w.next(ctx)
}

// Shows reports whether the walk shows commit h when it reaches it (git's
// get_commit_action): not hidden by a range, not older than --since, and
// kept by the filter. The graph draws lines only to such parents.
func (w *LogWalker) Shows(h plumbing.Hash) bool {
	var c *object.Commit
	if w.limited {
		n := w.nodes[h]
		if n != nil && (n.uninteresting || n.hide) {
			return false
		}
		if n != nil && n.read && w.opts.Filter.Empty() {
			return w.opts.Since.IsZero() || n.date >= w.opts.Since.Unix()
		}
		if n != nil {
			c = n.c
		}
	}
	if w.opts.Filter.Empty() && w.opts.Since.IsZero() {
		return true
	}
	if c == nil {
		var err error
		if c, err = w.r.commitOf(h); err != nil {
			return false
		}
	}
	if !w.opts.Since.IsZero() && c.Committer.When.Before(w.opts.Since) {
		return false
	}
	return w.opts.Filter.Match(c)
}

func (w *LogWalker) push(h plumbing.Hash) error {
	if w.seen[h] {
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
		show = show && w.opts.Filter.Match(c)
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
	if w.plain == nil {
		return w.simplifyPattern(c, parents)
	}
	mine, err := w.r.pathHashes(c.TreeHash, w.plain)
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
		theirs, err := w.r.pathHashes(pc.TreeHash, w.plain)
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

// simplifyPattern is simplify for pathspecs with wildcards or magic: a
// parent is "the same" when the trees differ in no selected path.
func (w *LogWalker) simplifyPattern(c *object.Commit, parents []plumbing.Hash) ([]plumbing.Hash, bool, error) {
	if len(parents) == 0 {
		d, err := w.r.DiffTrees(context.Background(), plumbing.ZeroHash, c.TreeHash, w.ps)
		return nil, len(d) > 0, err
	}
	for _, p := range parents {
		pc, err := w.r.commitOf(p)
		if err != nil {
			return nil, false, err
		}
		d, err := w.r.DiffTrees(context.Background(), pc.TreeHash, c.TreeHash, w.ps)
		if err != nil {
			return nil, false, err
		}
		if len(d) == 0 {
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

// AllTips is what git log --all starts from, in git's order: the commit of
// every ref under refs/ (branches, remote-tracking branches, tags peeled,
// stash, notes) sorted by name, then HEAD. Refs naming anything but a
// commit are skipped.
func (r *Repository) AllTips() ([]plumbing.Hash, error) {
	iter, err := r.Storer.IterReferences()
	if err != nil {
		return nil, err
	}
	defer iter.Close()
	var refs []*plumbing.Reference
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if strings.HasPrefix(ref.Name().String(), "refs/") {
			refs = append(refs, ref)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Name() < refs[j].Name() })
	var out []plumbing.Hash
	for _, ref := range refs {
		h := ref.Hash()
		if ref.Type() == plumbing.SymbolicReference {
			resolved, err := r.ResolveRef(ref.Target())
			if err != nil {
				continue
			}
			h = resolved
		}
		if c, err := r.commitOf(h); err == nil {
			out = append(out, c.Hash)
		}
	}
	if h, err := r.Head(); err == nil && !h.IsZero() {
		out = append(out, h)
	}
	return out, nil
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
