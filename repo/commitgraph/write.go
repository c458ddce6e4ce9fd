package commitgraph

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/hashfile"
)

// Input is what the writer needs to know of one commit.
type Input struct {
	ID      plumbing.Hash
	Tree    plumbing.Hash
	Parents []plumbing.Hash
	When    int64 // committer time
}

// WriteOptions choose the file's form.
type WriteOptions struct {
	// Split writes the graph as a one-layer chain under
	// info/commit-graphs/ (replacing any chain and the single file), as
	// git commit-graph write --split=replace does; otherwise the single
	// file info/commit-graph, replacing any chain.
	Split bool
	// NoGenerationV2 leaves out the corrected commit dates (GDA2/GDO2),
	// as commitGraph.generationVersion=1 does.
	NoGenerationV2 bool
}

const (
	v1Max       = 0x3FFFFFFF
	v2OffsetMax = 1<<31 - 1
)

// ErrNotClosed is a set of commits that lacks a parent of one of them: a
// commit-graph must hold every commit its commits reach.
var ErrNotClosed = errors.New("commit-graph: parent missing from the commits written")

// Encode builds the commit-graph file of commits in git 2.39's format:
// OIDF, OIDL, CDAT (topological levels and commit times), GDA2 and GDO2
// (corrected commit dates), EDGE for octopus merges, and the trailing
// checksum. commits must be closed under parents; their order does not
// matter.
func Encode(commits []Input, opt WriteOptions) ([]byte, error) {
	list := append([]Input(nil), commits...)
	sort.Slice(list, func(i, j int) bool { return bytes.Compare(list[i].ID[:], list[j].ID[:]) < 0 })
	n := len(list)
	pos := make(map[plumbing.Hash]uint32, n)
	for i, c := range list {
		pos[c.ID] = uint32(i)
	}
	for _, c := range list {
		for _, p := range c.Parents {
			if _, ok := pos[p]; !ok {
				return nil, fmt.Errorf("%w: %s of %s", ErrNotClosed, p, c.ID)
			}
		}
	}
	level := make([]uint32, n)
	gen := make([]int64, n)
	done := make([]bool, n)
	// Parents before children, without recursion: histories are deep.
	for i := range list {
		if done[i] {
			continue
		}
		stack := []uint32{uint32(i)}
		for len(stack) > 0 {
			cur := stack[len(stack)-1]
			ready := true
			for _, p := range list[cur].Parents {
				if pp := pos[p]; !done[pp] {
					stack = append(stack, pp)
					ready = false
				}
			}
			if !ready {
				continue
			}
			stack = stack[:len(stack)-1]
			if done[cur] {
				continue
			}
			var maxLevel uint32
			var maxGen int64
			for _, p := range list[cur].Parents {
				pp := pos[p]
				if level[pp] > maxLevel {
					maxLevel = level[pp]
				}
				if gen[pp] > maxGen {
					maxGen = gen[pp]
				}
			}
			level[cur] = maxLevel + 1
			if level[cur] > v1Max {
				level[cur] = v1Max
			}
			when := list[cur].When
			if when != 0 && when > maxGen {
				maxGen = when - 1
			}
			gen[cur] = maxGen + 1
			done[cur] = true
		}
	}

	var fanout, oids, cdat, gda2, gdo2, edges bytes.Buffer
	be32 := func(b *bytes.Buffer, v uint32) { binary.Write(b, binary.BigEndian, v) }
	for b, i := 0, 0; b < 256; b++ {
		for i < n && int(list[i].ID[0]) <= b {
			i++
		}
		be32(&fanout, uint32(i))
	}
	for i, c := range list {
		oids.Write(c.ID[:])
		cdat.Write(c.Tree[:])
		switch len(c.Parents) {
		case 0:
			be32(&cdat, parentNone)
			be32(&cdat, parentNone)
		case 1:
			be32(&cdat, pos[c.Parents[0]])
			be32(&cdat, parentNone)
		case 2:
			be32(&cdat, pos[c.Parents[0]])
			be32(&cdat, pos[c.Parents[1]])
		default:
			be32(&cdat, pos[c.Parents[0]])
			be32(&cdat, parentOctopus|uint32(edges.Len()/4))
			for k, p := range c.Parents[1:] {
				v := pos[p]
				if k == len(c.Parents)-2 {
					v |= lastEdge
				}
				be32(&edges, v)
			}
		}
		be32(&cdat, level[i]<<2|uint32(c.When>>32)&3)
		be32(&cdat, uint32(c.When))
		off := gen[i] - c.When
		if off > v2OffsetMax {
			be32(&gda2, offsetOverflow|uint32(gdo2.Len()/8))
			binary.Write(&gdo2, binary.BigEndian, uint64(off))
		} else {
			be32(&gda2, uint32(off))
		}
	}
	type chunk struct {
		id   string
		data []byte
	}
	chunks := []chunk{{"OIDF", fanout.Bytes()}, {"OIDL", oids.Bytes()}, {"CDAT", cdat.Bytes()}}
	if !opt.NoGenerationV2 {
		chunks = append(chunks, chunk{"GDA2", gda2.Bytes()})
		if gdo2.Len() > 0 {
			chunks = append(chunks, chunk{"GDO2", gdo2.Bytes()})
		}
	}
	if edges.Len() > 0 {
		chunks = append(chunks, chunk{"EDGE", edges.Bytes()})
	}
	var out bytes.Buffer
	out.WriteString("CGPH")
	out.Write([]byte{1, 1, byte(len(chunks)), 0})
	off := uint64(8 + 12*(len(chunks)+1))
	for _, c := range chunks {
		out.WriteString(c.id)
		binary.Write(&out, binary.BigEndian, off)
		off += uint64(len(c.data))
	}
	out.Write([]byte{0, 0, 0, 0})
	binary.Write(&out, binary.BigEndian, off)
	for _, c := range chunks {
		out.Write(c.data)
	}
	return hashfile.Append(out.Bytes()), nil
}

// Write encodes commits and installs the file in objectsDir/info as git
// does: written to a temporary file, synced, renamed into place; a chain
// file is replaced under its lock after its layer is in place; the form
// not written (single file or chain) is removed last. A crash at any point
// leaves a valid commit-graph or none.
func Write(objectsDir string, commits []Input, opt WriteOptions) error {
	data, err := Encode(commits, opt)
	if err != nil {
		return err
	}
	info := filepath.Join(objectsDir, "info")
	graphs := filepath.Join(info, "commit-graphs")
	if !opt.Split {
		if err := installFile(filepath.Join(info, "commit-graph"), data); err != nil {
			return err
		}
		// The chain would take precedence over the file just written.
		os.Remove(filepath.Join(graphs, "commit-graph-chain"))
		removeLayers(graphs, "")
		return nil
	}
	name := hex.EncodeToString(data[len(data)-20:])
	if err := installFile(filepath.Join(graphs, "graph-"+name+".graph"), data); err != nil {
		return err
	}
	if err := installFile(filepath.Join(graphs, "commit-graph-chain"), []byte(name+"\n")); err != nil {
		return err
	}
	os.Remove(filepath.Join(info, "commit-graph"))
	removeLayers(graphs, name)
	return nil
}

func removeLayers(dir, keep string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, "graph-") && strings.HasSuffix(n, ".graph") && n != "graph-"+keep+".graph" {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// installFile writes data to path through a temporary file and a rename,
// read-only as git leaves commit-graph files.
func installFile(path string, data []byte) error {
	return hashfile.InstallFile(path, "tmp_graph_", data)
}
