package commitgraph

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// git's own vectors for its murmur3 (t0095-bloom.sh, seed 0).
func TestMurmur3(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint32
	}{
		{"", 0x00000000},
		{"Hello world!", 0x627b0c2c},
		{"The quick brown fox jumps over the lazy dog", 0x2e4ff723},
	} {
		for _, v := range []uint32{1, 2} {
			if got := murmur3(0, c.in, v); got != c.want {
				t.Errorf("murmur3(%q), version %d = %#08x, want %#08x", c.in, v, got, c.want)
			}
		}
	}
}

// The filters git writes answer as git reads them: "maybe" for the paths
// a commit changed (and their leading directories, and false positives),
// "definitely not" for the others.
func TestChangedPathsFromGitsFilters(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/b/c.txt", "1")
	write("d.txt", "1")
	write("é/ü.txt", "1") // bytes above 0x7f: git 2.39's signed-char hashing
	git(t, dir, "add", ".")
	git(t, dir, "commit", "-q", "-m", "one")
	write("a/b/c.txt", "2")
	write("é/ü.txt", "2")
	git(t, dir, "commit", "-q", "-am", "two")
	git(t, dir, "commit-graph", "write", "--reachable", "--changed-paths")
	g, err := Open(filepath.Join(dir, ".git", "objects"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.ChangedPaths([]string{""}) != nil {
		t.Error("the whole tree cannot be looked up in a filter")
	}
	pos, ok := g.Lookup(plumbing.NewHash(strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))))
	if !ok {
		t.Fatal("HEAD not in the graph")
	}
	// git's own answer for HEAD (the root commit has no parent to
	// compare with): the statistics its trace prints.
	gitMaybe := func(path string) bool {
		cmd := exec.Command("git", "log", "--oneline", "--", path)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_TRACE2_PERF=1", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git log -- %s: %v: %s", path, err, out)
		}
		switch {
		case strings.Contains(string(out), `"maybe":1`):
			return true
		case strings.Contains(string(out), `"definitely_not":1`):
			return false
		}
		t.Fatalf("git log -- %s: no Bloom filter statistics in its trace: %s", path, out)
		return false
	}
	definitelyNot := 0
	for _, path := range []string{"a/b/c.txt", "a/b", "a", "é/ü.txt", "é", "d.txt", "a/b/x.txt", "zzz", "é/x", "a/d.txt"} {
		f := g.ChangedPaths([]string{path})
		if f == nil {
			t.Fatalf("no filters for %q", path)
		}
		want := gitMaybe(path)
		if got := f(pos); got != want {
			t.Errorf("changed %q: %v, git %v", path, got, want)
		}
		if !want {
			definitelyNot++
		}
	}
	if definitelyNot == 0 {
		t.Error("git ruled no path out: the test shows nothing")
	}
}
