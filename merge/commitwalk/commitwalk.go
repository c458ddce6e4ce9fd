// Package commitwalk walks commit history as git's commit-reach.c does:
// merge bases (paint down to common, with generation-number cutoffs),
// ancestry, ahead/behind counts and the reachability filters of git branch
// and git tag (--contains, --merged, --no-merged).
//
// Commits come from git's commit-graph when the store has one and it holds
// the commit: parents, commit date, root tree and generation number are read
// from the mapped file without inflating the commit. Other commits are parsed
// from the object's bytes, headers only. The package sits below merge/ and
// knows the commit-graph only through the Graph interface, so that merge/
// stays pure over its object store.
package commitwalk

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo/gitobj"
)

// GenInfinity is the generation of a commit the graph does not hold (git's
// GENERATION_NUMBER_INFINITY): newer than everything in the graph, since the
// graph is closed under parents.
const GenInfinity = math.MaxUint64

// Graph is a commit-graph (repo/commitgraph.Graph).
type Graph interface {
	Lookup(h plumbing.Hash) (uint32, bool)
	Hash(pos uint32) plumbing.Hash
	NumCommits() uint32
	// CommitAt returns the commit at pos, its parents appended to
	// parents[:0].
	CommitAt(pos uint32, parents []uint32) (tree plumbing.Hash, ps []uint32, when int64, gen uint64, err error)
	// CorrectedDates: generation numbers are corrected commit dates
	// (git then orders every walk by generation first).
	CorrectedDates() bool
}

// GraphStore is a store that offers the repository's commit-graph; nil when
// there is none or git would not use it (grafts, replace refs, shallow).
type GraphStore interface {
	CommitGraph() Graph
}

// rawReader is a store that hands out an object's bytes without building a
// go-git object (repo/odb).
type rawReader interface {
	Read(id plumbing.Hash) (plumbing.ObjectType, []byte, error)
}

// rawReaderTo is a store that can build an object's bytes in a buffer the
// caller hands it again (repo/odb): owned says the result is not shared.
type rawReaderTo interface {
	ReadTo(id plumbing.Hash, dst []byte) (plumbing.ObjectType, []byte, bool, error)
}

// Node is one commit of a walk. Virtual nodes (merged merge bases) have a
// zero ID, date 0 and infinite generation, as git's virtual commits.
type Node struct {
	ID   plumbing.Hash
	Tree plumbing.Hash
	// When is the committer time, seconds since the epoch.
	When int64
	// Gen is the generation number; GenInfinity outside the graph.
	Gen uint64
	// Flags belong to the walk in progress; Walker.clear resets them.
	Flags uint32
	// Data is the commit's bytes when the walker keeps them (KeepData)
	// and it had to read them: a caller that shows the commit then need
	// not read it again. The caller drops it when done.
	Data []byte

	parents  []*Node
	pids     []plumbing.Hash // parent ids when not read from the graph
	ppos     []uint32        // parent positions when read from the graph
	pos      uint32
	inGraph  bool
	expanded bool
	touched  bool
}

// Walker reads commits for walks, each commit once: nodes and their parent
// links are kept for the walker's life, so repeated queries (a ref list
// filtered by --contains) share the work.
type Walker struct {
	// KeepData keeps the bytes of commits parsed from the store in
	// Node.Data.
	KeepData bool
	// Transient: the walker does not remember nodes, so that a walk
	// that visits each commit once (log) holds only its frontier; the
	// caller keeps its own set of the commits it has seen.
	Transient bool

	st      storer.EncodedObjectStorer
	raw     rawReader
	rawTo   rawReaderTo
	scratch []byte // the last commit read and parsed, read into again
	g       Graph
	v2      bool
	byPos   []*Node
	nodes   map[plumbing.Hash]*Node
	touched []*Node
	pbuf    []uint32
}

// New returns a walker over st, reading through g when it is not nil.
func New(st storer.EncodedObjectStorer, g Graph) *Walker {
	w := &Walker{st: st, g: g, nodes: map[plumbing.Hash]*Node{}}
	w.raw, _ = st.(rawReader)
	w.rawTo, _ = st.(rawReaderTo)
	if g != nil && g.NumCommits() > 0 {
		w.v2 = g.CorrectedDates()
	} else {
		w.g = nil
	}
	return w
}

// For returns a walker over st using the commit-graph st offers, if any.
func For(st storer.EncodedObjectStorer) *Walker {
	var g Graph
	if gs, ok := st.(GraphStore); ok {
		g = gs.CommitGraph()
	}
	return New(st, g)
}

// HasGraph reports whether the walker reads a commit-graph.
func (w *Walker) HasGraph() bool { return w.g != nil }

// ErrNotCommit is returned for ids naming something other than a commit.
var ErrNotCommit = errors.New("not a commit")

// Get returns the node of commit h.
func (w *Walker) Get(h plumbing.Hash) (*Node, error) {
	if n := w.nodes[h]; n != nil {
		return n, nil
	}
	if w.g != nil {
		if pos, ok := w.g.Lookup(h); ok {
			return w.atPos(pos, h)
		}
	}
	n := &Node{ID: h, Gen: GenInfinity}
	if err := w.parse(n); err != nil {
		return nil, err
	}
	if !w.Transient {
		w.nodes[h] = n
	}
	return n, nil
}

func (w *Walker) atPos(pos uint32, h plumbing.Hash) (*Node, error) {
	if w.byPos == nil && !w.Transient {
		w.byPos = make([]*Node, w.g.NumCommits())
	}
	if w.byPos != nil && w.byPos[pos] != nil {
		return w.byPos[pos], nil
	}
	tree, ps, when, gen, err := w.g.CommitAt(pos, w.pbuf)
	if err != nil {
		return nil, err
	}
	w.pbuf = ps
	if h.IsZero() {
		h = w.g.Hash(pos)
	}
	n := &Node{ID: h, Tree: tree, When: when, Gen: gen, pos: pos, inGraph: true}
	if len(ps) > 0 {
		n.ppos = append([]uint32(nil), ps...)
	}
	if !w.Transient {
		w.byPos[pos] = n
		w.nodes[h] = n
	}
	return n, nil
}

// parse reads a commit's headers from its bytes: tree, parents and the
// committer's time, all a walk needs.
func (w *Walker) parse(n *Node) error {
	if w.raw == nil {
		c, err := gitobj.GetCommit(w.st, n.ID)
		if err != nil {
			return fmt.Errorf("read commit %s: %w", n.ID, err)
		}
		n.Tree, n.pids, n.When = c.TreeHash, c.ParentHashes, c.Committer.When.Unix()
		return nil
	}
	var typ plumbing.ObjectType
	var data []byte
	var err error
	if w.rawTo != nil && !w.KeepData {
		// Nothing of the bytes is kept past ParseHeader: a walk over
		// thousands of commits (a merge base far back) reads them all
		// into one buffer instead of leaving each to the collector.
		var owned bool
		typ, data, owned, err = w.rawTo.ReadTo(n.ID, w.scratch)
		if err == nil && owned {
			defer func() { w.scratch = data[:0] }()
		}
	} else {
		typ, data, err = w.raw.Read(n.ID)
	}
	if err != nil {
		return fmt.Errorf("read commit %s: %w", n.ID, err)
	}
	if typ != plumbing.CommitObject {
		return fmt.Errorf("%s: %w", n.ID, ErrNotCommit)
	}
	h, err := ParseHeader(data)
	if err != nil {
		return fmt.Errorf("commit %s: %w", n.ID, err)
	}
	n.Tree, n.pids, n.When = h.Tree, h.Parents, h.When
	if w.KeepData {
		n.Data = data
	}
	return nil
}

// ReadData returns the bytes of commit n: those kept, or read now.
func (w *Walker) ReadData(n *Node) ([]byte, error) {
	if n.Data != nil {
		return n.Data, nil
	}
	if w.raw == nil {
		return nil, errors.New("store hands out no object bytes")
	}
	typ, data, err := w.raw.Read(n.ID)
	if err != nil {
		return nil, fmt.Errorf("read commit %s: %w", n.ID, err)
	}
	if typ != plumbing.CommitObject {
		return nil, fmt.Errorf("%s: %w", n.ID, ErrNotCommit)
	}
	return data, nil
}

// Header is what a walk reads of a commit object.
type Header struct {
	Tree    plumbing.Hash
	Parents []plumbing.Hash
	// When is the committer time (git's commit date), 0 when unreadable,
	// as git parses it.
	When int64
}

// ParseHeader reads the tree, parent and committer lines of a commit's
// bytes, as git's parse_commit_buffer does: the tree line first, then the
// parent lines, the commit date from the committer line.
func ParseHeader(data []byte) (Header, error) {
	var h Header
	line, rest, ok := cutLine(data)
	if !ok || len(line) != 45 || !bytes.HasPrefix(line, []byte("tree ")) {
		return h, errors.New("bad tree line")
	}
	if !gitobj.ParseHex(line[5:], &h.Tree) {
		return h, errors.New("bad tree id")
	}
	for {
		line, rest, ok = cutLine(rest)
		if !ok {
			return h, nil
		}
		if len(line) == 47 && bytes.HasPrefix(line, []byte("parent ")) {
			var p plumbing.Hash
			if !gitobj.ParseHex(line[7:], &p) {
				return h, errors.New("bad parent id")
			}
			h.Parents = append(h.Parents, p)
			continue
		}
		break
	}
	// git reads the date from the committer line that follows author.
	for {
		if len(line) == 0 {
			return h, nil // end of headers
		}
		if bytes.HasPrefix(line, []byte("committer ")) {
			h.When = parseDate(line)
			return h, nil
		}
		line, rest, ok = cutLine(rest)
		if !ok {
			return h, nil
		}
	}
}

// parseDate reads the time after the last '>' of an ident line, 0 when
// there is none (git's parse_commit_date).
func parseDate(line []byte) int64 {
	i := bytes.LastIndexByte(line, '>')
	if i < 0 {
		return 0
	}
	s := line[i+1:]
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	var v int64
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		if v > (math.MaxInt64-9)/10 {
			return 0
		}
		v = v*10 + int64(c-'0')
	}
	return v
}

func cutLine(b []byte) (line, rest []byte, ok bool) {
	if len(b) == 0 {
		return nil, nil, false
	}
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil, true
	}
	return b[:i], b[i+1:], true
}

// Parents returns n's parents, reading them on first use.
func (w *Walker) Parents(n *Node) ([]*Node, error) {
	if n.expanded {
		return n.parents, nil
	}
	var ps []*Node
	if n.inGraph {
		ps = make([]*Node, len(n.ppos))
		for i, p := range n.ppos {
			pn, err := w.atPos(p, plumbing.ZeroHash)
			if err != nil {
				return nil, err
			}
			ps[i] = pn
		}
	} else {
		ps = make([]*Node, len(n.pids))
		for i, h := range n.pids {
			pn, err := w.Get(h)
			if err != nil {
				return nil, err
			}
			ps[i] = pn
		}
	}
	n.parents, n.expanded = ps, true
	return ps, nil
}

// ParentIDs returns the ids of n's parents without reading them.
func (w *Walker) ParentIDs(n *Node) []plumbing.Hash {
	if n.expanded {
		out := make([]plumbing.Hash, len(n.parents))
		for i, p := range n.parents {
			out[i] = p.ID
		}
		return out
	}
	if n.inGraph {
		out := make([]plumbing.Hash, len(n.ppos))
		for i, p := range n.ppos {
			out[i] = w.g.Hash(p)
		}
		return out
	}
	return n.pids
}

// Virtual makes a commit that exists only in the walk (a merged merge base):
// its tree and parents, date 0 and infinite generation, as git's virtual
// commits.
func (w *Walker) Virtual(tree plumbing.Hash, parents ...*Node) *Node {
	return &Node{Tree: tree, Gen: GenInfinity, parents: parents, expanded: true}
}

// mark sets flags on n, remembering n so that clear can reset it.
func (w *Walker) mark(n *Node, f uint32) {
	if !n.touched {
		n.touched = true
		w.touched = append(w.touched, n)
	}
	n.Flags |= f
}

// clear resets the flags of every node marked since the last clear.
func (w *Walker) clear() {
	for _, n := range w.touched {
		n.Flags, n.touched = 0, false
	}
	w.touched = w.touched[:0]
}

// pathFilterGraph is a Graph with changed-path Bloom filters.
type pathFilterGraph interface {
	ChangedPaths(paths []string) func(pos uint32) bool
}

// ChangedPaths returns a test of whether a commit may change one of paths
// against its first parent, answered from the commit-graph's Bloom
// filters: false only when the filters rule every path out. Commits the
// graph does not hold may always have changed them. Nil when the graph has
// no filters for these paths.
func (w *Walker) ChangedPaths(paths []string) func(n *Node) bool {
	pg, ok := w.g.(pathFilterGraph)
	if !ok {
		return nil
	}
	f := pg.ChangedPaths(paths)
	if f == nil {
		return nil
	}
	return func(n *Node) bool {
		return !n.inGraph || f(n.pos)
	}
}
