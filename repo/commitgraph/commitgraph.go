// Package commitgraph reads git's commit-graph files
// (objects/info/commit-graph, and the split chains under
// objects/info/commit-graphs/), in git's format: for each commit its tree,
// parents, commit time and generation numbers, so that a history walk can
// order and follow commits without inflating them. Files are mapped into
// memory, not read: opening one costs a few system calls whatever its size.
package commitgraph

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// ErrNotFound is returned by Open when the repository has no commit-graph.
var ErrNotFound = errors.New("no commit-graph")

const (
	hashLen        = 20
	parentNone     = 0x70000000
	parentOctopus  = 0x80000000
	lastEdge       = 0x80000000
	offsetOverflow = 0x80000000
)

// Graph is a commit-graph: one file, or a chain of them where each layer
// numbers its commits after those of the layers below it.
type Graph struct {
	layers []*layer
}

type layer struct {
	data   []byte
	close  func() error
	base   uint32 // commits in the layers below
	n      uint32
	fanout []byte
	oids   []byte
	cdat   []byte
	edges  []byte
	gda2   []byte // corrected commit date offsets (generation v2), if any
	gdo2   []byte
	bidx   []byte // changed-path Bloom filters: index and data (bloom.go)
	bdat   []byte
}

// Commit is what the graph records of one commit.
type Commit struct {
	Tree    plumbing.Hash
	Parents []uint32 // positions in the graph
	// When is the commit time in seconds since the epoch.
	When int64
	// Level is the topological level (generation number v1): 1 for a
	// root, otherwise one more than the highest of the parents'.
	Level uint32
	// Generation is the corrected commit date (generation number v2)
	// when the graph records it, otherwise Level.
	Generation uint64
}

// Open reads the commit-graph of an object directory (.git/objects): the
// chain when there is one, otherwise the single file. It returns
// ErrNotFound when there is neither.
func Open(objectsDir string) (*Graph, error) {
	info := filepath.Join(objectsDir, "info")
	chain, err := os.ReadFile(filepath.Join(info, "commit-graphs", "commit-graph-chain"))
	if err == nil {
		g := &Graph{}
		sc := bufio.NewScanner(bytes.NewReader(chain))
		for sc.Scan() {
			name := strings.TrimSpace(sc.Text())
			if name == "" {
				continue
			}
			if len(name) != 2*hashLen {
				g.Close()
				return nil, fmt.Errorf("commit-graph chain: bad entry %q", name)
			}
			if err := g.add(filepath.Join(info, "commit-graphs", "graph-"+name+".graph")); err != nil {
				g.Close()
				return nil, err
			}
		}
		if len(g.layers) > 0 {
			return g, nil
		}
	}
	g := &Graph{}
	if err := g.add(filepath.Join(info, "commit-graph")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	return g, nil
}

// OpenFile reads one commit-graph file.
func OpenFile(path string) (*Graph, error) {
	g := &Graph{}
	if err := g.add(path); err != nil {
		return nil, err
	}
	return g, nil
}

// Close releases the mapped files.
func (g *Graph) Close() error {
	var first error
	for _, l := range g.layers {
		if l.close != nil {
			if err := l.close(); err != nil && first == nil {
				first = err
			}
		}
	}
	g.layers = nil
	return first
}

func (g *Graph) add(path string) error {
	data, closeFn, err := mapFile(path)
	if err != nil {
		return err
	}
	l, err := parse(data)
	if err != nil {
		closeFn()
		return fmt.Errorf("%s: %w", path, err)
	}
	l.close = closeFn
	if len(g.layers) > 0 {
		top := g.layers[len(g.layers)-1]
		l.base = top.base + top.n
	}
	g.layers = append(g.layers, l)
	return nil
}

func parse(data []byte) (*layer, error) {
	if len(data) < 8+12+hashLen || string(data[:4]) != "CGPH" {
		return nil, errors.New("not a commit-graph")
	}
	if data[4] != 1 {
		return nil, fmt.Errorf("unsupported commit-graph version %d", data[4])
	}
	if data[5] != 1 {
		return nil, fmt.Errorf("unsupported commit-graph hash version %d", data[5])
	}
	chunks := int(data[6])
	if 8+12*(chunks+1) > len(data) {
		return nil, errors.New("commit-graph chunk table truncated")
	}
	l := &layer{data: data}
	for i := 0; i < chunks; i++ {
		e := data[8+12*i:]
		off := binary.BigEndian.Uint64(e[4:12])
		end := binary.BigEndian.Uint64(data[8+12*(i+1)+4:])
		if off > end || end > uint64(len(data)) {
			return nil, fmt.Errorf("commit-graph chunk %q out of bounds", e[:4])
		}
		chunk := data[off:end]
		switch string(e[:4]) {
		case "OIDF":
			l.fanout = chunk
		case "OIDL":
			l.oids = chunk
		case "CDAT":
			l.cdat = chunk
		case "EDGE":
			l.edges = chunk
		case "GDA2":
			l.gda2 = chunk
		case "GDO2":
			l.gdo2 = chunk
		case "BIDX":
			l.bidx = chunk
		case "BDAT":
			l.bdat = chunk
		}
	}
	if len(l.fanout) != 256*4 || l.oids == nil || l.cdat == nil {
		return nil, errors.New("commit-graph without fan-out, ids or commit data")
	}
	l.n = binary.BigEndian.Uint32(l.fanout[255*4:])
	if uint64(len(l.oids)) < uint64(l.n)*hashLen || uint64(len(l.cdat)) < uint64(l.n)*(hashLen+16) {
		return nil, errors.New("commit-graph chunks shorter than their commits")
	}
	if l.gda2 != nil && uint64(len(l.gda2)) < uint64(l.n)*4 {
		l.gda2 = nil
	}
	return l, nil
}

// NumCommits is the number of commits in the graph, all layers together.
func (g *Graph) NumCommits() uint32 {
	if len(g.layers) == 0 {
		return 0
	}
	top := g.layers[len(g.layers)-1]
	return top.base + top.n
}

// Lookup returns the position of commit h in the graph.
func (g *Graph) Lookup(h plumbing.Hash) (uint32, bool) {
	for i := len(g.layers) - 1; i >= 0; i-- {
		l := g.layers[i]
		lo := uint32(0)
		if h[0] > 0 {
			lo = binary.BigEndian.Uint32(l.fanout[4*(int(h[0])-1):])
		}
		hi := binary.BigEndian.Uint32(l.fanout[4*int(h[0]):])
		if hi > l.n || lo > hi {
			continue
		}
		j := sort.Search(int(hi-lo), func(k int) bool {
			p := int(lo) + k
			return bytes.Compare(l.oids[p*hashLen:(p+1)*hashLen], h[:]) >= 0
		})
		p := int(lo) + j
		if p < int(hi) && bytes.Equal(l.oids[p*hashLen:(p+1)*hashLen], h[:]) {
			return l.base + uint32(p), true
		}
	}
	return 0, false
}

func (g *Graph) layerOf(pos uint32) (*layer, uint32, bool) {
	for i := len(g.layers) - 1; i >= 0; i-- {
		l := g.layers[i]
		if pos >= l.base {
			if pos-l.base >= l.n {
				return nil, 0, false
			}
			return l, pos - l.base, true
		}
	}
	return nil, 0, false
}

// Hash returns the id of the commit at pos.
func (g *Graph) Hash(pos uint32) plumbing.Hash {
	var h plumbing.Hash
	if l, i, ok := g.layerOf(pos); ok {
		copy(h[:], l.oids[int(i)*hashLen:])
	}
	return h
}

// Commit returns what the graph records of the commit at pos.
func (g *Graph) Commit(pos uint32) (Commit, error) {
	l, i, ok := g.layerOf(pos)
	if !ok {
		return Commit{}, fmt.Errorf("commit-graph position %d out of range", pos)
	}
	rec := l.cdat[int(i)*(hashLen+16):]
	var c Commit
	copy(c.Tree[:], rec[:hashLen])
	p1 := binary.BigEndian.Uint32(rec[hashLen:])
	p2 := binary.BigEndian.Uint32(rec[hashLen+4:])
	if p1 != parentNone {
		c.Parents = append(c.Parents, p1)
	}
	switch {
	case p2 == parentNone:
	case p2&parentOctopus != 0:
		// The second and later parents are in the EDGE chunk; the last
		// one has its top bit set.
		for e := p2 &^ parentOctopus; ; e++ {
			if int(e+1)*4 > len(l.edges) {
				return Commit{}, errors.New("commit-graph octopus edge out of range")
			}
			v := binary.BigEndian.Uint32(l.edges[e*4:])
			c.Parents = append(c.Parents, v&^lastEdge)
			if v&lastEdge != 0 {
				break
			}
		}
	default:
		c.Parents = append(c.Parents, p2)
	}
	hi := binary.BigEndian.Uint32(rec[hashLen+8:])
	lo := binary.BigEndian.Uint32(rec[hashLen+12:])
	c.Level = hi >> 2
	c.When = int64(hi&3)<<32 | int64(lo)
	c.Generation = uint64(c.Level)
	if l.gda2 != nil {
		off := binary.BigEndian.Uint32(l.gda2[i*4:])
		if off&offsetOverflow != 0 {
			k := off &^ offsetOverflow
			if int(k+1)*8 <= len(l.gdo2) {
				c.Generation = binary.BigEndian.Uint64(l.gdo2[k*8:])
			}
		} else {
			c.Generation = uint64(c.When) + uint64(off)
		}
	}
	return c, nil
}

// Parents returns the ids of the parents of commit h and its commit time,
// and whether the graph holds h.
func (g *Graph) Parents(h plumbing.Hash) ([]plumbing.Hash, int64, bool) {
	pos, ok := g.Lookup(h)
	if !ok {
		return nil, 0, false
	}
	c, err := g.Commit(pos)
	if err != nil {
		return nil, 0, false
	}
	out := make([]plumbing.Hash, len(c.Parents))
	for i, p := range c.Parents {
		if p >= g.NumCommits() {
			return nil, 0, false
		}
		out[i] = g.Hash(p)
	}
	return out, c.When, true
}
