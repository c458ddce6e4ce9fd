package refs

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+t.TempDir(),
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=A", "GIT_COMMITTER_EMAIL=a@x")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// List agrees with git for-each-ref over loose, packed, shadowed and
// symbolic refs while lock files of updates in progress lie around.
func TestListMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "one")
	git(t, dir, "tag", "-a", "-m", "t", "v1")
	git(t, dir, "tag", "light")
	git(t, dir, "branch", "packed")
	git(t, dir, "branch", "shadowed")
	git(t, dir, "pack-refs", "--all")
	git(t, dir, "commit", "-q", "--allow-empty", "-m", "two")
	git(t, dir, "update-ref", "refs/heads/shadowed", "HEAD")
	git(t, dir, "branch", "a/b")
	git(t, dir, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/heads/packed")
	gd := filepath.Join(dir, ".git")
	for _, lock := range []string{"refs/heads/new.lock", "refs/heads/shadowed.lock", "packed-refs.lock"} {
		if err := os.WriteFile(filepath.Join(gd, lock), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, prefix := range []string{"", "refs/heads/", "refs/heads/a/", "refs/tags/", "refs/remotes/"} {
		l, err := Dir(gd).List(prefix)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Problems) != 0 {
			t.Fatalf("problems: %v", l.Problems)
		}
		var got []string
		for _, r := range l.Refs {
			got = append(got, r.ID.String()+" "+r.Name)
		}
		pattern := prefix
		if pattern == "" {
			pattern = "refs/"
		}
		want := git(t, dir, "for-each-ref", "--format=%(objectname) %(refname)", pattern)
		if strings.Join(got, "\n") != want {
			t.Fatalf("List(%q):\n%s\ngit:\n%s", prefix, strings.Join(got, "\n"), want)
		}
	}
	l, _ := Dir(gd).List("refs/")
	for _, r := range l.Refs {
		switch r.Name {
		case "refs/tags/v1":
			if !r.Packed || r.Peeled.String() != git(t, dir, "rev-parse", "v1^{}") {
				t.Fatalf("v1: %+v", r)
			}
		case "refs/tags/light", "refs/heads/packed":
			if !r.Packed || !r.PeeledKnown || !r.Peeled.IsZero() {
				t.Fatalf("%s: %+v", r.Name, r)
			}
		case "refs/heads/shadowed":
			if r.Packed {
				t.Fatalf("shadowed read from packed-refs: %+v", r)
			}
		case "refs/remotes/origin/HEAD":
			if r.Target != "refs/heads/packed" {
				t.Fatalf("symref: %+v", r)
			}
		}
	}
	branch, id, err := Dir(gd).Head()
	if err != nil || branch != "refs/heads/main" || id.String() != git(t, dir, "rev-parse", "HEAD") {
		t.Fatalf("Head: %s %s %v", branch, id, err)
	}
}

// A broken loose ref is left out and reported; a malformed packed-refs
// line gives every good line and an error.
func TestBrokenRefs(t *testing.T) {
	gd := t.TempDir()
	id := strings.Repeat("ab", 20)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(gd, "refs", "heads"), 0o755))
	must(os.WriteFile(filepath.Join(gd, "refs", "heads", "bad"), []byte("nonsense\n"), 0o644))
	must(os.WriteFile(filepath.Join(gd, "refs", "heads", "good"), []byte(id+"\n"), 0o644))
	must(os.WriteFile(filepath.Join(gd, "packed-refs"), []byte("# pack-refs with: peeled fully-peeled sorted \n"+id+" refs/tags/t\ngarbage\n"), 0o644))
	l, err := Dir(gd).List("")
	must(err)
	var names []string
	for _, r := range l.Refs {
		names = append(names, r.Name)
	}
	if strings.Join(names, " ") != "refs/heads/good refs/tags/t" {
		t.Fatalf("refs: %v", names)
	}
	if len(l.Problems) != 2 || l.Problems[0].Name != "refs/heads/bad" || l.Problems[1].Name != "packed-refs" {
		t.Fatalf("problems: %v", l.Problems)
	}
}

// Listing below a name that is a ref, not a directory, finds nothing
// rather than failing (branch -m m m/m asks whether m/m/... exist).
func TestListBelowRefFile(t *testing.T) {
	gd := t.TempDir()
	if err := os.MkdirAll(filepath.Join(gd, "refs", "heads"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(gd, "refs", "heads", "m"), []byte(strings.Repeat("ab", 20)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, prefix := range []string{"refs/heads/m/", "refs/heads/m/m/"} {
		l, err := Dir(gd).List(prefix)
		if err != nil || len(l.Refs) != 0 {
			t.Fatalf("List(%q): %v %v", prefix, l, err)
		}
	}
	if _, err := Dir(gd).Read("refs/heads/m/m"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Read below a ref file: %v", err)
	}
}
