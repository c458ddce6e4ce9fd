package repo

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/commitgraph"
	"easel.dev/easel/repo/reach"
)

// CommitGraphOptions are git commit-graph write's.
type CommitGraphOptions struct {
	// Reachable starts from every ref; otherwise from every commit in
	// the repository's packs (git's default). Either way every ancestor
	// is included.
	Reachable bool
	Split     bool // a one-layer chain instead of the single file
}

// WriteCommitGraph writes objects/info/commit-graph (or the chain) as git
// commit-graph write does, with generation numbers v1 and v2 unless
// commitGraph.generationVersion is 1. As git, it writes nothing in a
// shallow repository or one with replace refs or grafts, where the graph
// would disagree with what commands see. It returns the number of
// commits written.
func (r *Repository) WriteCommitGraph(opt CommitGraphOptions) (int, error) {
	if r.commitGraphIncompatible() {
		return 0, nil
	}
	var start []plumbing.Hash
	if opt.Reachable {
		roots, _ := reach.Collect(r.GitDir, reach.Options{NoReflogs: true, NoIndex: true})
		for _, rt := range roots {
			if rt.Kind == reach.KindRef {
				start = append(start, rt.ID)
			}
		}
	} else {
		for _, pf := range r.Objects.PackFiles(false) {
			pf.ForEachID(func(id plumbing.Hash) error {
				if t, _, err := r.Objects.Info(id); err == nil && t == plumbing.CommitObject {
					start = append(start, id)
				}
				return nil
			})
		}
	}
	seen := reach.NewSet(len(start))
	var commits []commitgraph.Input
	stack := start
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		t, data, err := r.Objects.Read(id)
		for t == plumbing.TagObject && err == nil {
			line, _, _ := bytes.Cut(data, []byte("\n"))
			hexID, ok := bytes.CutPrefix(line, []byte("object "))
			if !ok {
				break
			}
			id = plumbing.NewHash(string(hexID))
			t, data, err = r.Objects.Read(id)
		}
		if err != nil || t != plumbing.CommitObject || !seen.Add(id) {
			continue
		}
		c := parseGraphCommit(id, data)
		commits = append(commits, c)
		stack = append(stack, c.Parents...)
	}
	gv := 2
	if v, ok, _ := r.ConfigGet("commitGraph.generationVersion"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			gv = n
		}
	}
	return len(commits), commitgraph.Write(filepath.Join(r.GitDir, "objects"), commits, commitgraph.WriteOptions{Split: opt.Split, NoGenerationV2: gv < 2})
}

// commitGraphIncompatible is git's !commit_graph_compatible: shallow,
// grafted or replaced histories are not what the graph would record.
func (r *Repository) commitGraphIncompatible() bool {
	for _, f := range []string{"shallow", "info/grafts"} {
		if _, err := os.Stat(filepath.Join(r.GitDir, f)); err == nil {
			return true
		}
	}
	if os.Getenv("GIT_NO_REPLACE_OBJECTS") == "" {
		if ents, err := os.ReadDir(filepath.Join(r.GitDir, "refs", "replace")); err == nil && len(ents) > 0 {
			return true
		}
		if data, err := os.ReadFile(filepath.Join(r.GitDir, "packed-refs")); err == nil && bytes.Contains(data, []byte(" refs/replace/")) {
			return true
		}
	}
	return false
}

func parseGraphCommit(id plumbing.Hash, data []byte) commitgraph.Input {
	c := commitgraph.Input{ID: id}
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		data = rest
		if len(line) == 0 {
			break
		}
		switch {
		case bytes.HasPrefix(line, []byte("tree ")) && len(line) == 45:
			c.Tree = plumbing.NewHash(string(line[5:]))
		case bytes.HasPrefix(line, []byte("parent ")) && len(line) == 47:
			c.Parents = append(c.Parents, plumbing.NewHash(string(line[7:])))
		case bytes.HasPrefix(line, []byte("committer ")):
			if gt := bytes.LastIndexByte(line, '>'); gt >= 0 {
				f := bytes.Fields(line[gt+1:])
				if len(f) > 0 {
					c.When, _ = strconv.ParseInt(string(f[0]), 10, 64)
				}
			}
		}
	}
	return c
}
