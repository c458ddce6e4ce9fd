package prune

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"easel.dev/easel/repo/odb"

	"easel.dev/easel/internal/gittest"
)

func git(t *testing.T, dir string, stdin string, args ...string) string {
	t.Helper()
	gittest.Need(t)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=A",
		"GIT_COMMITTER_EMAIL=a@x", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func write(t *testing.T, path, s string) {
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// age sets a loose object's modification time days ago.
func age(t *testing.T, dir, id string, days int) {
	when := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, ".git/objects", id[:2], id[2:]), when, when); err != nil {
		t.Fatal(err)
	}
}

// twins is a repository where objects are kept alive only by a reflog,
// only by the index, only by a linked work tree's HEAD and index, with
// old and recent unreachable objects (a recent commit keeping an old
// tree), a loose object also packed, and a stale temporary file; then a
// copy of it.
func twins(t *testing.T) (string, string) {
	base := t.TempDir()
	a := filepath.Join(base, "a")
	git(t, base, "", "init", "-q", "-b", "main", a)
	write(t, filepath.Join(a, "f"), "one\n")
	git(t, a, "", "add", "f")
	git(t, a, "", "commit", "-q", "-m", "one")
	// Packed and loose at once: prune-packed removes the loose copy.
	packed := git(t, a, "", "rev-parse", "HEAD:f")
	loose := filepath.Join(a, ".git/objects", packed[:2], packed[2:])
	data, err := os.ReadFile(loose)
	if err != nil {
		t.Fatal(err)
	}
	git(t, a, "", "repack", "-adq")
	write(t, loose, string(data))
	write(t, filepath.Join(a, "f"), "two\n")
	git(t, a, "", "commit", "-q", "-am", "two")
	git(t, a, "", "reset", "-q", "--hard", "HEAD~") // "two" lives in reflogs only
	write(t, filepath.Join(a, "staged"), "index only\n")
	git(t, a, "", "add", "staged")
	wt := filepath.Join(base, "wt")
	git(t, a, "", "worktree", "add", "-q", "--detach", wt)
	write(t, filepath.Join(wt, "w"), "worktree commit\n")
	git(t, wt, "", "add", "w")
	git(t, wt, "", "commit", "-q", "-m", "wt")
	write(t, filepath.Join(wt, "w2"), "worktree index\n")
	git(t, wt, "", "add", "w2")
	// Unreachable: an old blob, a recent commit whose tree and blob are
	// old (kept by the grace period through the commit), an old commit.
	old := git(t, a, "old garbage\n", "hash-object", "-w", "--stdin")
	age(t, a, old, 30)
	oldBlob := git(t, a, "old blob of a recent commit\n", "hash-object", "-w", "--stdin")
	tree := git(t, a, "100644 blob "+oldBlob+"\tx\n", "mktree")
	age(t, a, oldBlob, 30)
	age(t, a, tree, 30)
	git(t, a, "", "commit-tree", "-m", "recent", tree)
	oldTree := git(t, a, "100644 blob "+old+"\ty\n", "mktree")
	oldCommit := git(t, a, "", "commit-tree", "-m", "old", oldTree)
	age(t, a, oldTree, 30)
	age(t, a, oldCommit, 30)
	write(t, filepath.Join(a, ".git/objects/ab/tmp_obj_stale"), "x")
	stale := time.Now().Add(-40 * 24 * time.Hour)
	os.Chtimes(filepath.Join(a, ".git/objects/ab/tmp_obj_stale"), stale, stale)
	b := filepath.Join(base, "b")
	if out, err := exec.Command("cp", "-a", a, b).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	// The work tree's gitdir names a; b's copy must name its own.
	git(t, b, "", "worktree", "repair")
	return a, b
}

func objects(t *testing.T, dir string) string {
	var files []string
	filepath.Walk(filepath.Join(dir, ".git/objects"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, rel)
		}
		return nil
	})
	sort.Strings(files)
	return strings.Join(files, "\n")
}

func sortLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}

func TestPruneMatchesGit(t *testing.T) {
	for _, c := range []struct {
		args   []string
		expire time.Time
		dry    bool
	}{
		{[]string{"-v"}, time.Time{}, false},
		{[]string{"-v", "--expire=2.weeks.ago"}, time.Now().Add(-14 * 24 * time.Hour), false},
		{[]string{"-n"}, time.Time{}, true},
	} {
		g, e := twins(t)
		gout := git(t, g, "", append([]string{"prune"}, c.args...)...)
		db := odb.Open(filepath.Join(e, ".git/objects"))
		var out bytes.Buffer
		disp := func(p string) string { r, _ := filepath.Rel(e, p); return r }
		err := Prune(db, filepath.Join(e, ".git"), Options{DryRun: c.dry, Verbose: !c.dry, Expire: c.expire, Display: disp}, &out)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if sortLines(gout) != sortLines(out.String()) {
			t.Errorf("prune %v reports:\n%s\ngit:\n%s", c.args, out.String(), gout)
		}
		if objects(t, g) != objects(t, e) {
			t.Errorf("prune %v leaves:\n%s\ngit:\n%s", c.args, objects(t, e), objects(t, g))
		}
		git(t, e, "", "fsck", "--strict", "--no-dangling")
	}
}

func TestCountObjectsMatchesGit(t *testing.T) {
	g, e := twins(t)
	write(t, filepath.Join(e, ".git/objects/pack/junk"), "junk")
	write(t, filepath.Join(g, ".git/objects/pack/junk"), "junk")
	out := git(t, g, "", "count-objects", "-v")
	db := odb.Open(filepath.Join(e, ".git/objects"))
	defer db.Close()
	c := Count(db)
	var b strings.Builder
	for _, w := range c.GarbageFiles {
		why, p, _ := strings.Cut(w, ": ")
		r, _ := filepath.Rel(e, p)
		fmt.Fprintf(&b, "warning: %s: %s\n", why, r)
	}
	fmt.Fprintf(&b, "count: %d\nsize: %d\nin-pack: %d\npacks: %d\nsize-pack: %d\nprune-packable: %d\ngarbage: %d\nsize-garbage: %d",
		c.Count, c.Size/1024, c.InPack, c.Packs, c.SizePack/1024, c.PrunePackable, c.Garbage, c.SizeGarbage/1024)
	if b.String() != out {
		t.Errorf("count-objects -v:\n%s\ngit:\n%s", b.String(), out)
	}
	if c.PrunePackable != 1 || c.Garbage != 2 {
		t.Errorf("fixture: prune-packable %d garbage %d", c.PrunePackable, c.Garbage)
	}
}
