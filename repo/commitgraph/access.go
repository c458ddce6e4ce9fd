package commitgraph

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
)

// CorrectedDates reports whether generation numbers are corrected commit
// dates (generation number v2): only when every layer records them, as
// git decides, since a layer's topological levels cannot be compared with
// another layer's corrected dates.
func (g *Graph) CorrectedDates() bool {
	if len(g.layers) == 0 {
		return false
	}
	for _, l := range g.layers {
		if l.gda2 == nil {
			return false
		}
	}
	return true
}

// CommitAt reads the commit at pos without allocating: its tree, its
// parents' positions (appended to parents[:0]), its commit time and its
// generation number (corrected commit date when CorrectedDates, otherwise
// the topological level).
func (g *Graph) CommitAt(pos uint32, parents []uint32) (tree plumbing.Hash, ps []uint32, when int64, gen uint64, err error) {
	l, i, ok := g.layerOf(pos)
	if !ok {
		return tree, nil, 0, 0, fmt.Errorf("commit-graph position %d out of range", pos)
	}
	rec := l.cdat[int(i)*(hashLen+16):]
	copy(tree[:], rec[:hashLen])
	ps = parents[:0]
	p1 := binary.BigEndian.Uint32(rec[hashLen:])
	p2 := binary.BigEndian.Uint32(rec[hashLen+4:])
	if p1 != parentNone {
		ps = append(ps, p1)
	}
	switch {
	case p2 == parentNone:
	case p2&parentOctopus != 0:
		for e := p2 &^ parentOctopus; ; e++ {
			if int(e+1)*4 > len(l.edges) {
				return tree, nil, 0, 0, errors.New("commit-graph octopus edge out of range")
			}
			v := binary.BigEndian.Uint32(l.edges[e*4:])
			ps = append(ps, v&^lastEdge)
			if v&lastEdge != 0 {
				break
			}
		}
	default:
		ps = append(ps, p2)
	}
	n := g.NumCommits()
	for _, p := range ps {
		if p >= n {
			return tree, nil, 0, 0, fmt.Errorf("commit-graph parent position %d out of range", p)
		}
	}
	hi := binary.BigEndian.Uint32(rec[hashLen+8:])
	lo := binary.BigEndian.Uint32(rec[hashLen+12:])
	when = int64(hi&3)<<32 | int64(lo)
	gen = uint64(hi >> 2)
	if g.CorrectedDates() {
		off := binary.BigEndian.Uint32(l.gda2[i*4:])
		if off&offsetOverflow != 0 {
			k := off &^ offsetOverflow
			if int(k+1)*8 > len(l.gdo2) {
				return tree, nil, 0, 0, errors.New("commit-graph generation overflow out of range")
			}
			gen = binary.BigEndian.Uint64(l.gdo2[k*8:])
		} else {
			gen = uint64(when) + uint64(off)
		}
	}
	return tree, ps, when, gen, nil
}
