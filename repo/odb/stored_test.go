package odb

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// A reader that listed the packs before a repack replaced them finds its
// objects in the new pack.
func TestReadAfterRepackReplacedPack(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=A", "GIT_COMMITTER_EMAIL=a@x")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q")
	os.WriteFile(filepath.Join(dir, "a"), []byte("a\n"), 0o644)
	run("add", "a")
	run("commit", "-q", "-m", "a")
	run("repack", "-adq")
	id := plumbing.NewHash(run("rev-parse", "HEAD:a"))
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	if !db.Contains(id) { // lists the packs and maps the index, not the pack
		t.Fatal("blob not found")
	}
	os.WriteFile(filepath.Join(dir, "b"), []byte("b\n"), 0o644)
	run("add", "b")
	run("commit", "-q", "-m", "b")
	run("repack", "-adq") // a new pack; the old one is deleted
	if _, data, err := db.Read(id); err != nil || string(data) != "a\n" {
		t.Fatalf("read after the pack was replaced: %q, %v", data, err)
	}
}
