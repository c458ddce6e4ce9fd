package commitgraph

import (
	"bytes"
	"fmt"

	"easel.dev/easel/repo/hashfile"
)

// Verify checks the commit-graph of objectsDir as git commit-graph verify
// does: each file's checksum, ids in order, and for every commit the
// tree, parents, commit time and generation numbers against what read
// (the object database) says. It returns git's message for each problem;
// none when the graph is right or there is none.
func Verify(objectsDir string, read func(pos uint32, g *Graph) (Input, error)) []string {
	g, err := Open(objectsDir)
	if err != nil {
		if err == ErrNotFound {
			return nil
		}
		return []string{err.Error()}
	}
	defer g.Close()
	var problems []string
	for _, l := range g.layers {
		if !hashfile.Valid(l.data) {
			problems = append(problems, "the commit-graph file has incorrect checksum and is likely corrupt")
		}
		for i := uint32(1); i < l.n; i++ {
			if bytes.Compare(l.oids[(i-1)*hashLen:i*hashLen], l.oids[i*hashLen:(i+1)*hashLen]) >= 0 {
				problems = append(problems, fmt.Sprintf("commit-graph has incorrect OID order: %x then %x", l.oids[(i-1)*hashLen:i*hashLen], l.oids[i*hashLen:(i+1)*hashLen]))
				break
			}
		}
	}
	if len(problems) > 0 {
		return problems
	}
	n := g.NumCommits()
	for pos := uint32(0); pos < n; pos++ {
		id := g.Hash(pos)
		c, err := g.Commit(pos)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		want, err := read(pos, g)
		if err != nil {
			problems = append(problems, fmt.Sprintf("failed to parse commit %s from object database for commit-graph", id))
			continue
		}
		if want.Tree != c.Tree {
			problems = append(problems, fmt.Sprintf("root tree OID for commit %s in commit-graph is %s != %s", id, c.Tree, want.Tree))
		}
		if len(want.Parents) != len(c.Parents) {
			problems = append(problems, fmt.Sprintf("commit-graph parent list for commit %s has the wrong length", id))
		} else {
			for k, p := range c.Parents {
				if p >= n || g.Hash(p) != want.Parents[k] {
					problems = append(problems, fmt.Sprintf("commit-graph parent for %s is %s != %s", id, g.Hash(p), want.Parents[k]))
				}
			}
		}
		if c.When != want.When {
			problems = append(problems, fmt.Sprintf("commit date for commit %s in commit-graph is %d != %d", id, c.When, want.When))
		}
	}
	return problems
}
