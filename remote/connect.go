package remote

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo/treecheck"
)

// checkConnected is git's connectivity rule for a ref update: a ref may
// point only at an object whose whole closure is present. It is git's
// `rev-list --objects <tips> --not <haves>` walk: commits newest first
// from the tips, an "uninteresting" mark carried down from haves (the
// repository's current refs, whose closures are complete by this very
// rule), stopping when only uninteresting commits are queued. Every
// commit reached that no ref reaches must be present and its tree is
// walked; a tree is left only where it holds, at the same path, the same
// object as the tree of an uninteresting commit met on the way (that
// object is reachable from a ref), so the walk reads the trees that
// changed, not the whole of each. An object that is merely stored is
// walked like a new one: a commit left behind by an earlier push, with its
// tree missing, is caught when a ref is pointed at it.
//
// It returns the blobs the stored trees it walked name .gitmodules (the
// pack's own trees were listed as they arrived), for checkGitmodules.
func checkConnected(ctx context.Context, view storer.EncodedObjectStorer, q *Quarantine, tips, haves []plumbing.Hash) ([]plumbing.Hash, error) {
	w := &connWalk{ctx: ctx, view: view, q: q, commits: map[plumbing.Hash]*cnode{}, seen: map[plumbing.Hash]struct{}{}}
	if q.idx != nil {
		w.seenQ = make([]uint64, (q.idx.len()+63)/64)
	}
	for _, h := range haves {
		if err := w.have(h); err != nil {
			return nil, err
		}
	}
	var trees []plumbing.Hash
	for _, h := range tips {
		if h.IsZero() {
			continue
		}
		if err := w.tip(h, &trees); err != nil {
			return nil, err
		}
	}
	if err := w.run(trees); err != nil {
		return nil, err
	}
	// What the pack holds beyond the tips' closures, and the repository
	// did not have: kept in the pack, so its closure must be complete
	// too, or git fsck would report broken links (and a later push could
	// point a ref at it). Each is walked as a tip, sharing what was
	// walked already.
	if q.idx != nil {
		trees = trees[:0]
		for i, t := range q.idx.types {
			if w.seenQ[i/64]&(1<<(i%64)) != 0 {
				continue
			}
			ot := plumbing.ObjectType(t)
			if ot == plumbing.BlobObject {
				continue
			}
			h := q.idx.hashes[i]
			if c := w.commits[h]; c != nil && (c.popped || c.queued) {
				continue
			}
			if hasOutside(view, h) {
				continue // stored already: its closure is the repository's
			}
			if err := w.tick(); err != nil {
				return nil, err
			}
			if err := w.tip(h, &trees); err != nil {
				return nil, err
			}
		}
		if err := w.run(trees); err != nil {
			return nil, err
		}
	}
	return w.gitmodules, nil
}

// run walks the commits queued, newest first, until only uninteresting
// ones are left, then the trees of the interesting ones (and trees).
func (w *connWalk) run(trees []plumbing.Hash) error {
	for w.interesting > 0 {
		if err := w.tick(); err != nil {
			return err
		}
		c := heap.Pop(&w.queue).(*cnode)
		c.queued = false
		c.popped = true
		if !c.uninteresting {
			w.interesting--
			w.visit(c.hash)
			trees = append(trees, c.tree)
		}
		for _, p := range c.parents {
			pc, err := w.node(p)
			if err != nil {
				return err
			}
			if pc.missing {
				if c.uninteresting {
					continue // below a ref: not this push's to check
				}
				return fmt.Errorf("%w: commit %s, parent of %s, is neither in the pack nor in the repository", ErrMissing, p, c.hash)
			}
			if c.uninteresting {
				w.markUninteresting(pc)
			}
			if !pc.popped && !pc.queued {
				w.push(pc)
			}
		}
	}
	// The trees of the uninteresting commits met: what refs reach.
	if !w.oldsDone {
		w.oldsDone = true
		for _, c := range w.commits {
			if c.uninteresting && !c.missing && len(w.olds) < maxBoundaryTrees {
				w.olds = append(w.olds, c.tree)
			}
		}
	}
	for _, t := range trees {
		if err := w.tree(t, w.olds); err != nil {
			return err
		}
	}
	return nil
}

// hasOutside reports whether h is stored outside the pack (view answers
// for the pack first).
func hasOutside(view storer.EncodedObjectStorer, h plumbing.Hash) bool {
	if o, ok := view.(*overlay); ok {
		return o.EncodedObjectStorer.HasEncodedObject(h) == nil
	}
	return false
}

// maxBoundaryTrees is how many trees of ref-reachable commits new trees
// are compared with; beyond them, unchanged subtrees are walked (a cost,
// never a wrong answer).
const maxBoundaryTrees = 16

type cnode struct {
	hash          plumbing.Hash
	tree          plumbing.Hash
	parents       []plumbing.Hash
	when          int64
	missing       bool
	uninteresting bool
	queued        bool
	popped        bool
}

type connWalk struct {
	ctx         context.Context
	view        storer.EncodedObjectStorer
	q           *Quarantine
	commits     map[plumbing.Hash]*cnode
	queue       cnodeQueue
	interesting int
	olds        []plumbing.Hash
	oldsDone    bool
	oldTrees    map[plumbing.Hash][]treecheck.Entry
	seenQ       []uint64 // the pack's objects walked, by position
	seen        map[plumbing.Hash]struct{}
	gitmodules  []plumbing.Hash
	steps       int
}

func (w *connWalk) tick() error {
	w.steps++
	if w.steps%1024 == 0 {
		return w.ctx.Err()
	}
	return nil
}

// visit marks h walked and reports whether it was already.
func (w *connWalk) visit(h plumbing.Hash) bool {
	if w.q.idx != nil {
		if i, ok := w.q.idx.find(h); ok {
			if w.seenQ[i/64]&(1<<(i%64)) != 0 {
				return true
			}
			w.seenQ[i/64] |= 1 << (i % 64)
			return false
		}
	}
	if _, ok := w.seen[h]; ok {
		return true
	}
	w.seen[h] = struct{}{}
	return false
}

// read returns h's type and content, from the pack or the repository;
// found is false if neither has it.
func (w *connWalk) read(h plumbing.Hash) (t plumbing.ObjectType, data []byte, inPack, found bool, err error) {
	if t, data, ok, err := w.q.readHash(h); ok || err != nil {
		return t, data, true, err == nil, err
	}
	obj, err := w.view.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return 0, nil, false, false, nil
	}
	rd, err := obj.Reader()
	if err != nil {
		return 0, nil, false, false, err
	}
	defer rd.Close()
	data, err = io.ReadAll(rd)
	return obj.Type(), data, false, err == nil, err
}

// node returns the walk's record of commit h, read the first time.
func (w *connWalk) node(h plumbing.Hash) (*cnode, error) {
	if c, ok := w.commits[h]; ok {
		return c, nil
	}
	c := &cnode{hash: h}
	w.commits[h] = c
	t, data, _, found, err := w.read(h)
	if err != nil {
		return nil, err
	}
	if !found || t != plumbing.CommitObject {
		c.missing = true
		return c, nil
	}
	if c.tree, c.parents, err = parseCommitLinks(data); err != nil {
		return nil, fmt.Errorf("%w: commit %s: %v", ErrBadPack, h, err)
	}
	c.when = committerTime(data)
	return c, nil
}

// peel follows tags from h to what they finally name.
func (w *connWalk) peel(h plumbing.Hash, must bool) (plumbing.Hash, plumbing.ObjectType, error) {
	for depth := 0; ; depth++ {
		if depth > 100 {
			return h, 0, fmt.Errorf("%w: tag chain at %s is too long", ErrBadPack, h)
		}
		t, data, _, found, err := w.read(h)
		if err != nil {
			return h, 0, err
		}
		if !found {
			if must {
				return h, 0, fmt.Errorf("%w: %s is neither in the pack nor in the repository", ErrMissing, h)
			}
			return h, 0, nil
		}
		if t != plumbing.TagObject {
			return h, t, nil
		}
		w.visit(h)
		if h, err = parseTagTarget(data); err != nil {
			return h, 0, fmt.Errorf("%w: tag: %v", ErrBadPack, err)
		}
	}
}

// have starts the walk at one of the repository's refs.
func (w *connWalk) have(h plumbing.Hash) error {
	h, t, err := w.peel(h, false)
	if err != nil || t == 0 {
		return err // a ref at a missing object reaches nothing
	}
	if t != plumbing.CommitObject {
		w.visit(h) // a tree or blob a ref names: complete
		if t == plumbing.TreeObject {
			w.olds = append(w.olds, h)
		}
		return nil
	}
	c, err := w.node(h)
	if err != nil || c.missing {
		return err
	}
	w.markUninteresting(c)
	if !c.queued && !c.popped {
		w.push(c)
	}
	return nil
}

// tip starts the walk at a new ref value.
func (w *connWalk) tip(h plumbing.Hash, trees *[]plumbing.Hash) error {
	h, t, err := w.peel(h, true)
	if err != nil {
		return err
	}
	switch t {
	case plumbing.CommitObject:
		c, err := w.node(h)
		if err != nil {
			return err
		}
		if !c.queued && !c.popped {
			w.push(c)
		}
	case plumbing.TreeObject:
		*trees = append(*trees, h)
	default:
		w.visit(h)
	}
	return nil
}

func (w *connWalk) push(c *cnode) {
	c.queued = true
	if !c.uninteresting {
		w.interesting++
	}
	heap.Push(&w.queue, c)
}

// markUninteresting marks c, and what the walk already passed below it.
func (w *connWalk) markUninteresting(c *cnode) {
	stack := []*cnode{c}
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
			for _, p := range c.parents {
				stack = append(stack, w.commits[p])
			}
		}
	}
}

// tree checks that tree h and everything in it is present. olds are the
// trees at the same path in commits refs reach: what they hold at a name
// is not walked again.
func (w *connWalk) tree(h plumbing.Hash, olds []plumbing.Hash) error {
	for _, o := range olds {
		if o == h {
			return nil
		}
	}
	if w.visit(h) {
		return nil
	}
	if err := w.tick(); err != nil {
		return err
	}
	t, data, inPack, found, err := w.read(h)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("%w: tree %s is neither in the pack nor in the repository", ErrMissing, h)
	}
	if t != plumbing.TreeObject {
		return fmt.Errorf("%w: %s is a %s where a tree is expected", ErrBadPack, h, t)
	}
	if !inPack {
		// The pack's trees were checked as they arrived; a stored one
		// no ref reaches is checked here.
		if _, _, err := treecheck.ParseTreeWarn(data); err != nil {
			return fmt.Errorf("tree %s: %w", h, err)
		}
	}
	var oldEntries [][]treecheck.Entry
	for _, o := range olds {
		if es, ok := w.oldTree(o); ok {
			oldEntries = append(oldEntries, es)
		}
	}
	// The entries are read in place (no string per name): the walk
	// goes over every tree of a push, millions of entries for a long
	// history.
	for rest := data; len(rest) > 0; {
		var e rawEntry
		if e, rest, err = nextRawEntry(rest); err != nil {
			return fmt.Errorf("%w: tree %s: %v", ErrBadPack, h, err)
		}
		if e.mode&0o170000 == 0o160000 {
			continue // a submodule: a commit of another repository
		}
		isDir := e.mode&0o170000 == 0o040000
		eh := e.hash
		if !inPack && e.mode&0o170000 != 0o120000 && treecheck.IsDotGitmodules(string(e.name)) {
			w.gitmodules = append(w.gitmodules, eh)
		}
		var subOlds []plumbing.Hash
		same := false
		if len(oldEntries) > 0 {
			name := string(e.name)
			for _, oes := range oldEntries {
				if oe, ok := findEntry(oes, name, isDir); ok {
					if plumbing.Hash(oe.Hash) == eh {
						same = true
						break
					}
					if isDir {
						subOlds = append(subOlds, plumbing.Hash(oe.Hash))
					}
				}
			}
		}
		if same {
			continue
		}
		if isDir {
			if err := w.tree(eh, subOlds); err != nil {
				return err
			}
			continue
		}
		if w.visit(eh) {
			continue
		}
		if i, ok := w.q.idx.findIn(eh); ok {
			if t := plumbing.ObjectType(w.q.idx.types[i]); t != plumbing.BlobObject {
				return fmt.Errorf("%w: tree %s: %q is a %s, not a blob", ErrBadPack, h, e.name, t)
			}
			continue
		}
		if w.view.HasEncodedObject(eh) != nil {
			return fmt.Errorf("%w: blob %s (%q in tree %s) is neither in the pack nor in the repository", ErrMissing, eh, e.name, h)
		}
	}
	return nil
}

// oldTree is the parsed tree o of a commit refs reach, kept for the next
// new trees compared with it (the root trees above all: every new
// commit's root is compared with the same few).
func (w *connWalk) oldTree(o plumbing.Hash) ([]treecheck.Entry, bool) {
	if es, ok := w.oldTrees[o]; ok {
		return es, es != nil
	}
	var es []treecheck.Entry
	if _, od, _, ok, err := w.read(o); err == nil && ok {
		es, _, _ = treecheck.ParseTreeWarn(od)
	}
	if w.oldTrees == nil || len(w.oldTrees) >= maxOldTrees {
		w.oldTrees = map[plumbing.Hash][]treecheck.Entry{}
	}
	w.oldTrees[o] = es
	return es, es != nil
}

// maxOldTrees bounds the parsed trees oldTree keeps.
const maxOldTrees = 64

// rawEntry is a tree entry read in place.
type rawEntry struct {
	mode uint32
	name []byte
	hash plumbing.Hash
}

// nextRawEntry reads the first entry of raw tree data.
func nextRawEntry(data []byte) (rawEntry, []byte, error) {
	var e rawEntry
	sp := bytes.IndexByte(data, ' ')
	if sp <= 0 {
		return e, nil, errors.New("malformed mode")
	}
	for _, c := range data[:sp] {
		if c < '0' || c > '7' {
			return e, nil, errors.New("malformed mode")
		}
		e.mode = e.mode<<3 | uint32(c-'0')
	}
	data = data[sp+1:]
	nul := bytes.IndexByte(data, 0)
	if nul < 0 || len(data) < nul+21 {
		return e, nil, errors.New("truncated entry")
	}
	e.name = data[:nul]
	copy(e.hash[:], data[nul+1:nul+21])
	return e, data[nul+21:], nil
}

// findIn is find on a possibly absent index.
func (x *packIndex) findIn(h plumbing.Hash) (int, bool) {
	if x == nil {
		return 0, false
	}
	return x.find(h)
}

// findEntry finds name in entries sorted in git's tree order, by binary
// search (dir: as a directory, whose name sorts as if it ended in '/').
func findEntry(entries []treecheck.Entry, name string, dir bool) (treecheck.Entry, bool) {
	key := name
	if dir {
		key += "/"
	}
	lo, hi := 0, len(entries)
	for lo < hi {
		m := (lo + hi) / 2
		n := entries[m].Name
		if entries[m].IsDir() {
			n += "/"
		}
		switch {
		case n == key:
			return entries[m], true
		case n < key:
			lo = m + 1
		default:
			hi = m
		}
	}
	return treecheck.Entry{}, false
}

// committerTime is the commit's committer timestamp (0 if unreadable:
// only the order of the walk depends on it, never its answer).
func committerTime(data []byte) int64 {
	hdr, _, _ := bytes.Cut(data, []byte("\n\n"))
	for _, line := range bytes.Split(hdr, []byte("\n")) {
		if rest, ok := bytes.CutPrefix(line, []byte("committer ")); ok {
			f := bytes.Fields(rest)
			if len(f) >= 2 {
				if t, err := strconv.ParseInt(string(f[len(f)-2]), 10, 64); err == nil {
					return t
				}
			}
		}
	}
	return 0
}

// cnodeQueue is a max-heap on committer time: newest first, as git walks.
type cnodeQueue []*cnode

func (q cnodeQueue) Len() int           { return len(q) }
func (q cnodeQueue) Less(i, j int) bool { return q[i].when > q[j].when }
func (q cnodeQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *cnodeQueue) Push(x any)        { *q = append(*q, x.(*cnode)) }
func (q *cnodeQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// refValues lists the ids gitDir's refs point at: the haves of a
// connectivity check, whose closures are complete.
func refValues(gitDir string) ([]plumbing.Hash, error) {
	refs, _, err := readRefs(gitDir)
	if err != nil {
		return nil, err
	}
	seen := map[plumbing.Hash]bool{}
	var out []plumbing.Hash
	for _, h := range refs {
		if !h.IsZero() && !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out, nil
}
