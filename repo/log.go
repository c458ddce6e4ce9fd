package repo

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/merge"
	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/commitgraph"
	"easel.dev/easel/repo/gitobj"
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
	r    *Repository
	opts LogOptions
	cw   *commitwalk.Walker // the streaming walk's commits
	// changed answers from the commit-graph's Bloom filters whether a
	// commit may change the paths against its first parent (nil: no
	// filters).
	changed func(*commitwalk.Node) bool
	// paths remembers what the paths are in recent root trees: each
	// commit's tree is looked at as a parent and again as a child.
	paths map[plumbing.Hash][]pathState
	seen  map[plumbing.Hash]struct{}
	queue dateQueue[*commitwalk.Node]

	limited           bool
	nodes             map[plumbing.Hash]*walkNode
	lq                dateQueue[limitEntry]
	interestingQueued int
	list              []*walkNode
	listIDs           []plumbing.Hash
	listPos           int
	graph             *commitgraph.Graph
	ps                pathspec.Pathspec // opts.Paths when they have wildcards or magic
}

// Log starts a walk.
func (r *Repository) Log(ctx context.Context, opts LogOptions) (*LogWalker, error) {
	w := &LogWalker{r: r, opts: opts}
	if ps := pathspec.New(opts.Paths); !ps.Plain() {
		w.ps = ps // wildcards or magic: compared by a tree diff
	} else {
		// Whole files and directories: compared by the ids at those
		// paths, without walking the trees.
		w.opts.Paths = nil
		for _, it := range ps {
			w.opts.Paths = append(w.opts.Paths, strings.Trim(it.Pattern, "/"))
		}
	}
	if opts.Topo || len(opts.Exclude) > 0 {
		w.limited = true
		if err := w.limit(ctx); err != nil {
			return nil, err
		}
		return w, nil
	}
	// The walk reads parents and dates from the commit-graph, or from
	// the commits' headers, keeping their bytes to show them.
	w.cw = commitwalk.For(r.Storer)
	w.cw.KeepData, w.cw.Transient = true, true
	w.seen = map[plumbing.Hash]struct{}{}
	if len(w.opts.Paths) > 0 && w.ps == nil {
		w.changed = w.cw.ChangedPaths(w.opts.Paths)
	}
	for _, h := range opts.Include {
		n, err := w.cw.Get(h)
		if err != nil {
			return nil, fmt.Errorf("%s: %v: %w", h, err, ErrCorruptObject)
		}
		w.push(n)
	}
	return w, nil
}

// Next returns the next commit, or io.EOF at the end.
func (w *LogWalker) Next(ctx context.Context) (*gitobj.Commit, error) {
	if w.limited {
		return w.nextLimited(ctx)
	}
	return w.next(ctx)
}

// Shows reports whether the walk shows commit h when it reaches it (git's
// get_commit_action): not hidden by a range, not older than --since, and
// kept by the filter. The graph draws lines only to such parents.
func (w *LogWalker) Shows(h plumbing.Hash) bool {
	var c *gitobj.Commit
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

func (w *LogWalker) push(n *commitwalk.Node) {
	if _, ok := w.seen[n.ID]; ok {
		return
	}
	w.seen[n.ID] = struct{}{}
	w.queue.add(n, n.When)
}

// next pops the newest commit by committer date; ties keep the order in
// which commits were queued, as git's date-sorted list does. Commits are
// decoded only to be filtered or shown.
func (w *LogWalker) next(ctx context.Context) (*gitobj.Commit, error) {
	for w.queue.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := w.queue.next()
		if !w.opts.Since.IsZero() && n.When < w.opts.Since.Unix() {
			n.Data = nil
			continue
		}
		pids := w.cw.ParentIDs(n)
		if w.opts.FirstParent && len(pids) > 1 {
			pids = pids[:1]
		}
		// Parents already queued are not read again.
		parents := make([]*commitwalk.Node, 0, len(pids))
		for _, h := range pids {
			if _, ok := w.seen[h]; ok && len(w.opts.Paths) == 0 {
				continue
			}
			p, err := w.cw.Get(h)
			if err != nil {
				return nil, fmt.Errorf("%s: %v: %w", h, err, ErrCorruptObject)
			}
			parents = append(parents, p)
		}
		show := true
		var err error
		if len(w.opts.Paths) > 0 {
			parents, show, err = w.simplify(n, parents)
			if err != nil {
				return nil, err
			}
		}
		var c *gitobj.Commit
		if show {
			if c, err = w.decode(n); err != nil {
				return nil, err
			}
			show = w.opts.Filter.Match(c)
		}
		n.Data = nil
		for _, p := range parents {
			w.push(p)
		}
		if show {
			return c, nil
		}
	}
	return nil, io.EOF
}

// decode builds the commit from the bytes the walk kept (or reads
// them, when the commit-graph spared the walk reading the commit).
func (w *LogWalker) decode(n *commitwalk.Node) (*gitobj.Commit, error) {
	data, err := w.cw.ReadData(n)
	if err != nil {
		c, cerr := w.r.commitOf(n.ID)
		if cerr != nil {
			return nil, fmt.Errorf("%s: %v: %w", n.ID, cerr, ErrCorruptObject)
		}
		return c, nil
	}
	return w.r.decodeShownCommit(n.ID, data)
}

// decodeShownCommit builds the commit log shows from its bytes, which
// stay as the store gave them: the commit shares them rather than copying
// each (a whole-history log decodes every commit).
func (r *Repository) decodeShownCommit(id plumbing.Hash, data []byte) (*gitobj.Commit, error) {
	c, err := gitobj.DecodeCommitShared(id, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", id, err, ErrCorruptObject)
	}
	return c, nil
}

// simplify applies git's default history simplification for path-limited
// logs: a merge that matches one parent on the paths follows only that
// parent and is not shown; other commits are shown when the paths differ
// from every parent.
func (w *LogWalker) simplify(n *commitwalk.Node, parents []*commitwalk.Node) ([]*commitwalk.Node, bool, error) {
	if w.ps != nil {
		trees := make([]plumbing.Hash, len(parents))
		for i, p := range parents {
			trees[i] = p.Tree
		}
		i, show, err := w.simplifyPattern(n.Tree, trees)
		if i >= 0 {
			return parents[i : i+1], show, err
		}
		return parents, show, err
	}
	// The first parent is compared first; where the Bloom filter rules
	// the paths out, it is the same there without reading either tree.
	if len(parents) > 0 && w.changed != nil && !w.changed(n) {
		return parents[:1], false, nil
	}
	mine, err := w.pathStates(n.Tree)
	if err != nil {
		return nil, false, err
	}
	if len(parents) == 0 {
		for _, h := range mine {
			if !h.hash.IsZero() {
				return nil, true, nil
			}
		}
		return nil, false, nil
	}
	for _, p := range parents {
		theirs, err := w.pathStates(p.Tree)
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
			return []*commitwalk.Node{p}, false, nil
		}
	}
	return parents, true, nil
}

// pathStates is pathHashes of the walk's paths in tree, remembered.
func (w *LogWalker) pathStates(tree plumbing.Hash) ([]pathState, error) {
	if st, ok := w.paths[tree]; ok {
		return st, nil
	}
	st, err := w.r.pathHashes(tree, w.opts.Paths)
	if err != nil {
		return nil, err
	}
	if w.paths == nil || len(w.paths) >= 4096 {
		w.paths = map[plumbing.Hash][]pathState{}
	}
	w.paths[tree] = st
	return st, nil
}

// simplifyCommit is simplify for the limited walk, which holds commits
// and parent ids.
func (w *LogWalker) simplifyCommit(c *gitobj.Commit, parents []plumbing.Hash) ([]plumbing.Hash, bool, error) {
	if w.ps != nil {
		trees := make([]plumbing.Hash, len(parents))
		for i, p := range parents {
			pc, err := w.r.commitOf(p)
			if err != nil {
				return nil, false, err
			}
			trees[i] = pc.TreeHash
		}
		i, show, err := w.simplifyPattern(c.TreeHash, trees)
		if i >= 0 {
			return parents[i : i+1], show, err
		}
		return parents, show, err
	}
	mine, err := w.r.pathHashes(c.TreeHash, w.opts.Paths)
	if err != nil {
		return nil, false, err
	}
	if len(parents) == 0 {
		for _, h := range mine {
			if !h.hash.IsZero() {
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

// pathState is what a path is in a tree: the object and its mode (a
// change of mode alone is a change, as for git).
type pathState struct {
	hash plumbing.Hash
	mode filemode.FileMode
}

// pathHashes gives the object id and mode at each path in tree (zero if
// absent). It reads the trees' bytes, not go-git's decoded trees: a
// path-limited log looks paths up in two trees per commit.
func (r *Repository) pathHashes(tree plumbing.Hash, paths []string) ([]pathState, error) {
	out := make([]pathState, len(paths))
	for i, p := range paths {
		if p == "" || p == "." {
			out[i] = pathState{hash: tree, mode: filemode.Dir}
			continue
		}
		st, err := r.lookupPath(tree, p)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}

// lookupPath finds the entry at the slash-separated path under tree.
func (r *Repository) lookupPath(tree plumbing.Hash, path string) (pathState, error) {
	cur := pathState{hash: tree, mode: filemode.Dir}
	for path != "" {
		name, rest, _ := strings.Cut(path, "/")
		path = rest
		if cur.mode != filemode.Dir {
			return pathState{}, nil
		}
		typ, data, err := r.Objects.Read(cur.hash)
		if err != nil {
			return pathState{}, err
		}
		if typ != plumbing.TreeObject {
			return pathState{}, fmt.Errorf("%s is a %s, not a tree: %w", cur.hash, typ, ErrCorruptObject)
		}
		found := false
		for len(data) > 0 {
			sp := bytes.IndexByte(data, ' ')
			nul := bytes.IndexByte(data, 0)
			if sp < 0 || nul < sp || nul+21 > len(data) {
				return pathState{}, fmt.Errorf("tree %s: bad entry: %w", cur.hash, ErrCorruptObject)
			}
			if string(data[sp+1:nul]) == name {
				m, err := filemode.New(string(data[:sp]))
				if err != nil {
					return pathState{}, fmt.Errorf("tree %s: %v: %w", cur.hash, err, ErrCorruptObject)
				}
				cur = pathState{mode: m}
				copy(cur.hash[:], data[nul+1:nul+21])
				found = true
				break
			}
			data = data[nul+21:]
		}
		if !found {
			return pathState{}, nil
		}
	}
	return cur, nil
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
	all, err := r.ListRefs("refs/")
	if err != nil {
		return nil, err
	}
	var out []plumbing.Hash
	for _, ref := range all {
		h := ref.ID
		if ref.Symbolic() && h.IsZero() {
			continue
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

// ErrBrokenHead is HEAD naming a ref that cannot exist or an object that
// does not.
var ErrBrokenHead = fmt.Errorf("your current branch appears to be broken: %w", ErrUnknownRevision)

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
		b, _ := r.HeadBranch()
		if strings.HasSuffix(b.String(), ".lock") {
			// No ref may have that name: as git, HEAD is broken.
			return nil, nil, ErrBrokenHead
		}
		if !h.IsZero() {
			if r.Storer.HasEncodedObject(h) != nil {
				return nil, nil, ErrBrokenHead
			}
		}
		if h.IsZero() {
			return nil, nil, fmt.Errorf("your current branch '%s' does not have any commits yet: %w", shortRefName(b), ErrUnknownRevision)
		}
		include = append(include, h)
	}
	return include, exclude, nil
}

// simplifyPattern is simplify for pathspecs with wildcards or magic: the
// index of the first parent tree that differs from tree in no selected
// path (-1: none), and whether the commit is shown.
func (w *LogWalker) simplifyPattern(tree plumbing.Hash, parents []plumbing.Hash) (int, bool, error) {
	if len(parents) == 0 {
		d, err := w.r.DiffTrees(context.Background(), plumbing.ZeroHash, tree, w.ps)
		return -1, len(d) > 0, err
	}
	for i, p := range parents {
		d, err := w.r.DiffTrees(context.Background(), p, tree, w.ps)
		if err != nil {
			return -1, false, err
		}
		if len(d) == 0 {
			return i, false, nil
		}
	}
	return -1, true, nil
}
