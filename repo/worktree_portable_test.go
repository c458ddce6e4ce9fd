package repo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorktreeLifecycleEverywhere: commit, status, checkout between two
// commits that turn a directory into a file and a file into a directory,
// reset --hard and restore, without git or symbolic links, so that it
// runs on every platform (the tests that compare with git skip where git
// is not installed, such as a Windows test binary run under wine).
func TestWorktreeLifecycleEverywhere(t *testing.T) {
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	writeFiles(t, dir, map[string]string{"a": "a1\n", "b": "b1\n", "d/x": "x\n", "e": "e file\n", "same": "same\n", "sub/dir/deep.txt": "deep\n", ".gitignore": "*.o\n"})
	A := commitAll(t, r, "A")
	if got := status(t, r, StatusOptions{}); got != "" {
		t.Fatalf("status after commit A: %q", got)
	}
	os.RemoveAll(filepath.Join(dir, "d"))
	os.Remove(filepath.Join(dir, "b"))
	os.Remove(filepath.Join(dir, "e"))
	writeFiles(t, dir, map[string]string{"a": "a2\n", "c": "c\n", "d": "d is a file\n", "e/inner": "e dir\n", "x.o": "ignored\n"})
	// What git status --porcelain reports in path order (git too leaves
	// out e/, untracked where the index has a file e).
	if got := status(t, r, StatusOptions{}); got != " M a\n D b\n?? c\n?? d\n D d/x\n D e\n" {
		t.Fatalf("status before commit B: %q", got)
	}
	B := commitAll(t, r, "B")
	if got := status(t, r, StatusOptions{}); got != "" {
		t.Fatalf("status after commit B: %q", got)
	}

	if err := r.Reset(ctx, A, ResetHard); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"a": "a1\n", "b": "b1\n", "c": "<missing>", "d/x": "x\n", "e": "e file\n", "sub/dir/deep.txt": "deep\n", "x.o": "ignored\n"} {
		if got := readFile(t, dir, name); got != want {
			t.Errorf("after reset --hard A: %s: %q, want %q", name, got, want)
		}
	}
	if got := status(t, r, StatusOptions{}); got != "" {
		t.Fatalf("status after reset --hard A: %q", got)
	}

	writeFiles(t, dir, map[string]string{"same": "edited\n", "untracked.txt": "mine\n"})
	if err := r.Checkout(ctx, A, B); err != nil {
		t.Fatal(err)
	}
	r.moveHead(ctx, A, B, "")
	for name, want := range map[string]string{"a": "a2\n", "b": "<missing>", "c": "c\n", "d": "d is a file\n", "e/inner": "e dir\n", "same": "edited\n", "untracked.txt": "mine\n"} {
		if got := readFile(t, dir, name); got != want {
			t.Errorf("after checkout B: %s: %q, want %q", name, got, want)
		}
	}
	if got := status(t, r, StatusOptions{}); got != " M same\n?? untracked.txt\n" {
		t.Fatalf("status after checkout B: %q", got)
	}
	if _, err := r.Restore(ctx, []string{"same"}, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := status(t, r, StatusOptions{}); got != "?? untracked.txt\n" {
		t.Fatalf("status after restore: %q", got)
	}
}

// TestIgnoreCaseDirectoryWhereIndexHasFile: with core.ignoreCase (the
// default on Windows and macOS) a directory where the index has a file of
// that name holds untracked files: status -uall lists them and add -A
// adds them, as git does; they were once taken for the indexed file spelt
// otherwise and left out of the commit.
func TestIgnoreCaseDirectoryWhereIndexHasFile(t *testing.T) {
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	cfg := filepath.Join(dir, ".git", "config")
	data, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "ignorecase = true") {
		if err := os.WriteFile(cfg, append(data, "\tignorecase = true\n"...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if r, err = Open(ctx, dir); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"a": "a\n", "e": "e file\n", "G": "g file\n"})
	commitAll(t, r, "A")
	os.Remove(filepath.Join(dir, "e"))
	os.Remove(filepath.Join(dir, "G"))
	writeFiles(t, dir, map[string]string{"e/inner": "e dir\n", "f/x": "x\n", "g/y": "y\n"})
	want := map[UntrackedMode]string{UntrackedNormal: " D G\n D e\n?? f/\n?? g/\n", UntrackedAll: " D G\n D e\n?? e/inner\n?? f/x\n?? g/y\n"}
	if _, err := exec.LookPath("git"); err == nil {
		want[UntrackedNormal] = sortLines(rungit(t, dir, "status", "--porcelain"))
		want[UntrackedAll] = sortLines(rungit(t, dir, "status", "--porcelain", "-uall"))
	}
	for _, u := range []UntrackedMode{UntrackedNormal, UntrackedAll} {
		if got := status(t, r, StatusOptions{Untracked: u}); got != want[u] {
			t.Errorf("status -u%s:\n%s\nwant:\n%s", u, got, want[u])
		}
	}
	if err := r.Add(ctx, nil, AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	idx, err := r.ReadIndex()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range idx.Entries {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "a e/inner f/x g/y" {
		t.Errorf("index after add -A: %s, want a e/inner f/x g/y", got)
	}
}
