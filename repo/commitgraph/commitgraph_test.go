package commitgraph

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// history makes commits with merges, an octopus merge of five parents and
// committer dates that run backwards, so that levels and corrected dates
// differ from the dates.
func history(t *testing.T, dir string, from, to int) {
	t.Helper()
	var s strings.Builder
	if from == 1 {
		s.WriteString("GIT_COMMITTER_DATE='1700000000 +0000' git commit -q --allow-empty -m root\n")
	}
	for i := from; i <= to; i++ {
		date := 1700000000 + i*100
		if i%7 == 3 {
			date -= 5000 // clock skew
		}
		env := "GIT_COMMITTER_DATE='" + strconv.Itoa(date) + " +0000' GIT_AUTHOR_DATE='" + strconv.Itoa(date) + " +0000'"
		switch {
		case i%10 == 9 && i > 10:
			s.WriteString(env + " git merge -q --no-ff --no-edit -s ours s" + strconv.Itoa(i-6) + " s" + strconv.Itoa(i-3) + " s" + strconv.Itoa(i-2) + " s" + strconv.Itoa(i-1) + "\n")
		case i%5 == 0:
			s.WriteString(env + " git merge -q --no-ff --no-edit s" + strconv.Itoa(i-2) + "\n")
		default:
			s.WriteString("git branch s" + strconv.Itoa(i) + " HEAD~" + strconv.Itoa(i%3) + " 2>/dev/null || git branch s" + strconv.Itoa(i) + "\n")
			s.WriteString("git checkout -q s" + strconv.Itoa(i) + " && echo " + strconv.Itoa(i) + " > f" + strconv.Itoa(i) + " && git add f" + strconv.Itoa(i) + " && " + env + " git commit -q -m c" + strconv.Itoa(i) + " && git checkout -q main\n")
		}
	}
	cmd := exec.Command("bash", "-euc", s.String())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("history: %v\n%s", err, out)
	}
}

type gitCommit struct {
	tree    plumbing.Hash
	parents []plumbing.Hash
	when    int64
}

// compare checks every commit git lists against the graph, and the
// generation numbers against their definitions.
func compare(t *testing.T, dir string, g *Graph) {
	t.Helper()
	commits := map[plumbing.Hash]gitCommit{}
	var order []plumbing.Hash // parents before children
	for _, l := range strings.Split(strings.TrimSpace(git(t, dir, "log", "--all", "--reverse", "--topo-order", "--format=%H %T %ct %P")), "\n") {
		f := strings.Fields(l)
		when, _ := strconv.ParseInt(f[2], 10, 64)
		c := gitCommit{tree: plumbing.NewHash(f[1]), when: when}
		for _, p := range f[3:] {
			c.parents = append(c.parents, plumbing.NewHash(p))
		}
		h := plumbing.NewHash(f[0])
		commits[h] = c
		order = append(order, h)
	}
	if int(g.NumCommits()) != len(commits) {
		t.Fatalf("graph holds %d commits, git lists %d", g.NumCommits(), len(commits))
	}
	level := map[plumbing.Hash]uint32{}
	corrected := map[plumbing.Hash]uint64{}
	octopus := 0
	for _, h := range order {
		want := commits[h]
		pos, ok := g.Lookup(h)
		if !ok {
			t.Fatalf("%s not found in the graph", h)
		}
		if g.Hash(pos) != h {
			t.Fatalf("position %d holds %s, want %s", pos, g.Hash(pos), h)
		}
		c, err := g.Commit(pos)
		if err != nil {
			t.Fatal(err)
		}
		if c.Tree != want.tree || c.When != want.when || len(c.Parents) != len(want.parents) {
			t.Fatalf("%s: tree %s time %d %d parents; git: %s %d %d", h, c.Tree, c.When, len(c.Parents), want.tree, want.when, len(want.parents))
		}
		lv, cd := uint32(1), uint64(want.when)
		for i, p := range c.Parents {
			if g.Hash(p) != want.parents[i] {
				t.Fatalf("%s: parent %d is %s, git says %s", h, i, g.Hash(p), want.parents[i])
			}
			lv = max(lv, level[want.parents[i]]+1)
			cd = max(cd, corrected[want.parents[i]]+1)
		}
		level[h], corrected[h] = lv, cd
		if c.Level != lv {
			t.Errorf("%s: level %d, want %d", h, c.Level, lv)
		}
		if c.Generation != cd {
			t.Errorf("%s: corrected commit date %d, want %d", h, c.Generation, cd)
		}
		if len(c.Parents) > 2 {
			octopus++
		}
		parents, when, ok := g.Parents(h)
		if !ok || when != want.when || len(parents) != len(want.parents) {
			t.Fatalf("Parents(%s) = %v %d %v", h, parents, when, ok)
		}
	}
	if octopus == 0 {
		t.Fatal("no octopus merge in the history: the EDGE chunk is not exercised")
	}
	if _, ok := g.Lookup(plumbing.NewHash(strings.Repeat("ab", 20))); ok {
		t.Error("an id not in the graph was found")
	}
}

func TestReadsGitsCommitGraph(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main", ".")
	if _, err := Open(filepath.Join(dir, ".git", "objects")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Open without a commit-graph: %v, want ErrNotFound", err)
	}
	history(t, dir, 1, 40)
	git(t, dir, "commit-graph", "write", "--reachable")
	g, err := Open(filepath.Join(dir, ".git", "objects"))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.layers) != 1 || g.layers[0].gda2 == nil {
		t.Fatalf("%d layers, corrected dates %v: want one file with generation v2", len(g.layers), g.layers[0].gda2 != nil)
	}
	compare(t, dir, g)
	g.Close()

	// A chain: the base layer, then two more written on top of it.
	git(t, dir, "commit-graph", "write", "--reachable", "--split=replace")
	history(t, dir, 41, 55)
	git(t, dir, "commit-graph", "write", "--reachable", "--split=no-merge")
	history(t, dir, 56, 70)
	git(t, dir, "commit-graph", "write", "--reachable", "--split=no-merge")
	g, err = Open(filepath.Join(dir, ".git", "objects"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if len(g.layers) != 3 {
		t.Fatalf("%d layers in the chain, want 3", len(g.layers))
	}
	compare(t, dir, g)
}

func TestRefusesOtherFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "commit-graph")
	for _, data := range [][]byte{[]byte("CGPH"), []byte("PACK\x00\x00\x00\x02" + strings.Repeat("\x00", 64)), []byte("CGPH\x02\x01\x00\x00" + strings.Repeat("\x00", 64))} {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenFile(path); err == nil {
			t.Errorf("%q read as a commit-graph", data[:8])
		}
	}
}
