package reach

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/commitgraph"
	"easel.dev/easel/repo/odb"

	"easel.dev/easel/internal/gittest"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	gittest.Need(t)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=A",
		"GIT_COMMITTER_EMAIL=a@x", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixture is a repository whose objects are kept alive by every kind of
// root: branches, a packed tag, a linked work tree's detached HEAD and
// its index, reflog entries only, an index entry only; plus a dangling
// blob and an unreferenced commit that nothing keeps.
func fixture(t *testing.T) (string, map[string]string) {
	dir := t.TempDir()
	main := filepath.Join(dir, "main")
	git(t, dir, "init", "-q", "-b", "main", main)
	ids := map[string]string{}
	write(t, filepath.Join(main, "a/b.txt"), "one\n")
	git(t, main, "add", ".")
	git(t, main, "commit", "-q", "-m", "one")
	git(t, main, "tag", "-a", "-m", "tag", "v1")
	write(t, filepath.Join(main, "a/b.txt"), "two\n")
	git(t, main, "commit", "-q", "-am", "two")
	ids["reflogOnly"] = strings.TrimSpace(git(t, main, "rev-parse", "HEAD"))
	git(t, main, "reset", "-q", "--hard", "HEAD~")
	git(t, main, "pack-refs", "--all")
	write(t, filepath.Join(main, "staged.txt"), "staged only\n")
	git(t, main, "add", "staged.txt")
	ids["indexOnly"] = strings.TrimSpace(git(t, main, "rev-parse", ":staged.txt"))
	git(t, main, "worktree", "add", "-q", "--detach", filepath.Join(dir, "wt"))
	wt := filepath.Join(dir, "wt")
	write(t, filepath.Join(wt, "w.txt"), "worktree\n")
	git(t, wt, "add", "w.txt")
	git(t, wt, "commit", "-q", "-m", "in worktree")
	ids["worktreeHead"] = strings.TrimSpace(git(t, wt, "rev-parse", "HEAD"))
	write(t, filepath.Join(wt, "w2.txt"), "worktree index\n")
	git(t, wt, "add", "w2.txt")
	// Index version 4 compresses paths; the reader must follow it.
	git(t, wt, "update-index", "--index-version", "4")
	ids["worktreeIndex"] = strings.TrimSpace(git(t, wt, "rev-parse", ":w2.txt"))
	ids["dangling"] = strings.TrimSpace(git(t, main, "hash-object", "-w", "--stdin"))
	return main, ids
}

func TestReachableMatchesGit(t *testing.T) {
	main, ids := fixture(t)
	write(t, filepath.Join(main, ".git/refs/heads/held.lock"), "garbage")
	common := filepath.Join(main, ".git")
	db := odb.Open(filepath.Join(common, "objects"))
	defer db.Close()
	set, problems, err := Reachable(db, common, Options{})
	if err != nil || len(problems) > 0 {
		t.Fatalf("err %v problems %v", err, problems)
	}
	var got []string
	set.ForEach(func(h plumbing.Hash) error { got = append(got, h.String()); return nil })
	sort.Strings(got)
	out := git(t, main, "rev-list", "--objects", "--all", "--reflog", "--indexed-objects")
	seen := map[string]bool{}
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		id := line[:40]
		if !seen[id] {
			seen[id] = true
			want = append(want, id)
		}
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("reachable differs from git's:\n got %d %v\nwant %d %v", len(got), got, len(want), want)
	}
	for _, k := range []string{"reflogOnly", "indexOnly", "worktreeHead", "worktreeIndex"} {
		if !seen[ids[k]] {
			t.Errorf("%s %s not reachable for git: fixture is wrong", k, ids[k])
		}
	}
	if seen[ids["dangling"]] {
		t.Errorf("dangling blob reachable")
	}

	// Without reflogs and the index, what only they keep is left out.
	set, _, _ = Reachable(db, common, Options{NoReflogs: true, NoIndex: true})
	for _, k := range []string{"reflogOnly", "indexOnly", "worktreeIndex"} {
		if set.Has(plumbing.NewHash(ids[k])) {
			t.Errorf("%s reachable without reflogs and index", k)
		}
	}
	if !set.Has(plumbing.NewHash(ids["worktreeHead"])) {
		t.Errorf("worktree HEAD not reachable")
	}
}

func TestWalkPathsAndBrokenLinks(t *testing.T) {
	main, _ := fixture(t)
	common := filepath.Join(main, ".git")
	blob := strings.TrimSpace(git(t, main, "rev-parse", "HEAD:a/b.txt"))
	tree := strings.TrimSpace(git(t, main, "rev-parse", "HEAD:a"))
	os.Remove(filepath.Join(common, "objects", blob[:2], blob[2:]))
	db := odb.Open(filepath.Join(common, "objects"))
	defer db.Close()
	paths := map[string]string{}
	var broken []string
	w := &Walker{DB: db, Paths: true,
		Visit: func(o Object) error { paths[o.ID.String()] = o.Path; return nil },
		BadLink: func(from plumbing.Hash, ft plumbing.ObjectType, to plumbing.Hash, tt plumbing.ObjectType, err error) error {
			broken = append(broken, ft.String()+" "+from.String()+" -> "+tt.String()+" "+to.String())
			return nil
		}}
	head := strings.TrimSpace(git(t, main, "rev-parse", "HEAD"))
	w.Add(plumbing.NewHash(head), plumbing.AnyObject, "")
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	if paths[tree] != "a" {
		t.Errorf("tree a reached by %q", paths[tree])
	}
	if want := "tree " + tree + " -> blob " + blob; len(broken) != 1 || broken[0] != want {
		t.Errorf("broken links %v, want %s", broken, want)
	}
}

func TestSet(t *testing.T) {
	s := NewSet(0)
	var ids []plumbing.Hash
	for i := 0; i < 5000; i++ {
		h := plumbing.ComputeHash(plumbing.BlobObject, []byte{byte(i), byte(i >> 8)})
		ids = append(ids, h)
		if !s.Add(h) {
			t.Fatal("new id reported present")
		}
	}
	s.Add(plumbing.ZeroHash)
	for _, h := range ids {
		if s.Add(h) || !s.Has(h) {
			t.Fatal("id lost")
		}
	}
	if s.Len() != 5001 || s.Has(plumbing.ComputeHash(plumbing.TreeObject, nil)) {
		t.Fatalf("len %d", s.Len())
	}
}

// With the commit-graph, commits it holds are not read: the walk reaches
// what git rev-list --objects lists, and a commit written after the graph
// is read as usual.
func TestWalkThroughCommitGraph(t *testing.T) {
	main, _ := fixture(t)
	git(t, main, "commit-graph", "write", "--reachable")
	write(t, filepath.Join(main, "after.txt"), "after the graph\n")
	git(t, main, "add", "after.txt")
	git(t, main, "commit", "-q", "-m", "after")
	common := filepath.Join(main, ".git")
	db := odb.Open(filepath.Join(common, "objects"))
	defer db.Close()
	g, err := commitgraph.Open(filepath.Join(common, "objects"))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var got []string
	fromGraph := 0
	w := &Walker{DB: db, Blobs: SkipBlobs, Graph: g, Visit: func(o Object) error {
		got = append(got, o.ID.String()+" "+o.Type.String())
		if o.Type == plumbing.CommitObject && o.Data == nil {
			fromGraph++
		}
		return nil
	}}
	w.Add(plumbing.NewHash(strings.TrimSpace(git(t, main, "rev-parse", "HEAD"))), plumbing.AnyObject, "")
	if err := w.Run(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	var want []string
	for _, line := range strings.Split(strings.TrimSpace(git(t, main, "rev-list", "--objects", "HEAD")), "\n") {
		id := line[:40]
		want = append(want, id+" "+strings.TrimSpace(git(t, main, "cat-file", "-t", id)))
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("walk differs from git's:\n got %v\nwant %v", got, want)
	}
	if fromGraph != 1 { // "one"; "after" is not in the graph
		t.Fatalf("%d commits taken from the graph, want 1", fromGraph)
	}
}
