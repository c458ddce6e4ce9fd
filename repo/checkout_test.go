package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func commitAll(t *testing.T, r *Repository, msg string) plumbing.Hash {
	t.Helper()
	ctx := context.Background()
	if err := r.Add(ctx, nil, AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	id, err := r.Commit(ctx, CommitOptions{Message: msg})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return "<missing>"
	}
	return string(data)
}

// Two commits: A, then B changes a, deletes b, adds c, turns directory d
// into a file and file e into a directory.
func twoCommits(t *testing.T) (*Repository, string, plumbing.Hash, plumbing.Hash) {
	r, dir := initRepo(t)
	writeFiles(t, dir, map[string]string{"a": "a1\n", "b": "b1\n", "d/x": "x\n", "e": "e file\n", "same": "same\n", ".gitignore": "*.o\n"})
	A := commitAll(t, r, "A")
	os.RemoveAll(filepath.Join(dir, "d"))
	os.Remove(filepath.Join(dir, "b"))
	os.Remove(filepath.Join(dir, "e"))
	writeFiles(t, dir, map[string]string{"a": "a2\n", "c": "c\n", "d": "d is a file\n", "e/inner": "e dir\n", "link": "->a"})
	B := commitAll(t, r, "B")
	return r, dir, A, B
}

func TestCheckoutTwoWay(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, dir, A, B := twoCommits(t)
	if err := r.Reset(ctx, A, ResetHard); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, dir, "a") + readFile(t, dir, "d/x") + readFile(t, dir, "c"); got != "a1\nx\n<missing>" {
		t.Fatalf("after reset --hard A: %q", got)
	}
	// A local change to a file both commits share is carried over.
	writeFiles(t, dir, map[string]string{"same": "edited\n", "untracked.txt": "mine\n", "c.o": "ignored\n"})
	if err := r.Checkout(ctx, A, B); err != nil {
		t.Fatal(err)
	}
	r.moveHead(ctx, A, B, "")
	for name, want := range map[string]string{"a": "a2\n", "b": "<missing>", "c": "c\n", "d": "d is a file\n", "e/inner": "e dir\n", "same": "edited\n", "untracked.txt": "mine\n"} {
		if got := readFile(t, dir, name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if out := rungit(t, dir, "status", "--porcelain"); out != " M same\n?? untracked.txt\n" {
		t.Fatalf("git status after checkout: %q", out)
	}
	if got := status(t, r, StatusOptions{}); got != " M same\n?? untracked.txt\n" {
		t.Fatalf("status after checkout: %q", got)
	}

	// Back to A with a local change to a path that differs: refused,
	// nothing touched.
	writeFiles(t, dir, map[string]string{"a": "local edit\n"})
	err := r.Checkout(ctx, B, A)
	var oe *OverwriteError
	if !errors.As(err, &oe) || !errors.Is(err, ErrWouldOverwrite) || strings.Join(oe.Modified, ",") != "a" {
		t.Fatalf("checkout over a local change: %v", err)
	}
	if readFile(t, dir, "a") != "local edit\n" || readFile(t, dir, "c") != "c\n" {
		t.Fatal("refused checkout changed files")
	}
	// A staged change is a local change too.
	if err := r.Add(ctx, []string{"a"}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := r.Checkout(ctx, B, A); !errors.Is(err, ErrWouldOverwrite) {
		t.Fatalf("checkout over a staged change: %v", err)
	}
	if err := r.Reset(ctx, B, ResetHard); err != nil {
		t.Fatal(err)
	}
	if readFile(t, dir, "untracked.txt") != "mine\n" || readFile(t, dir, "same") != "same\n" {
		t.Fatal("reset --hard: untracked file lost or local change kept")
	}

	// An untracked file where the target has a file: refused.
	if err := r.Reset(ctx, A, ResetHard); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"c": "untracked c\n"})
	err = r.Checkout(ctx, A, B)
	if !errors.As(err, &oe) || strings.Join(oe.Untracked, ",") != "c" {
		t.Fatalf("checkout over an untracked file: %v", err)
	}
	os.Remove(filepath.Join(dir, "c"))
	// An untracked file inside a directory that must become a file.
	writeFiles(t, dir, map[string]string{"d/extra.txt": "mine\n"})
	err = r.Checkout(ctx, A, B)
	if !errors.As(err, &oe) || strings.Join(oe.Dirs, ",") != "d" {
		t.Fatalf("checkout over an untracked file in a directory: %v", err)
	}
	// An ignored file there is expendable, as in git.
	os.Remove(filepath.Join(dir, "d", "extra.txt"))
	writeFiles(t, dir, map[string]string{"d/build.o": "output\n"})
	if err := r.Checkout(ctx, A, B); err != nil {
		t.Fatal(err)
	}
	if readFile(t, dir, "d") != "d is a file\n" {
		t.Fatal("directory not replaced by the file")
	}
	rungit(t, dir, "fsck", "--strict")
}

func TestCheckoutFromUnbornFillsWorktree(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, _, _, B := twoCommits(t)
	dir2 := t.TempDir()
	r2, err := Init(ctx, dir2, false, "main")
	if err != nil {
		t.Fatal(err)
	}
	// Copy the objects over with git, then check out into the empty tree.
	rungit(t, dir2, "fetch", "-q", r.GitDir, "main:refs/remotes/origin/main")
	if err := r2.Checkout(ctx, plumbing.ZeroHash, B); err != nil {
		t.Fatal(err)
	}
	if err := r2.UpdateRef(ctx, RefUpdate{Name: plumbing.HEAD, New: B}); err != nil {
		t.Fatal(err)
	}
	if out := rungit(t, dir2, "status", "--porcelain"); out != "" {
		t.Fatalf("git status after checkout into an empty work tree: %q", out)
	}
	if target, _ := os.Readlink(filepath.Join(dir2, "link")); target != "a" {
		t.Fatalf("symlink: %q", target)
	}
}

func TestRestoreAndResetPaths(t *testing.T) {
	gitEnv(t)
	ctx := context.Background()
	r, dir, _, _ := twoCommits(t)
	writeFiles(t, dir, map[string]string{"a": "edited\n", "c": "staged\n"})
	if err := r.Add(ctx, []string{"c"}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := status(t, r, StatusOptions{}); got != " M a\nM  c\n" {
		t.Fatalf("setup: %q", got)
	}
	if _, err := r.Restore(ctx, []string{"a"}, RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Restore(ctx, []string{"c"}, RestoreOptions{Staged: true}); err != nil {
		t.Fatal(err)
	}
	if got := status(t, r, StatusOptions{}); got != " M c\n" {
		t.Fatalf("after restore: %q", got)
	}
	if _, err := r.Restore(ctx, []string{"nope"}, RestoreOptions{}); !errors.Is(err, ErrPathspecNoMatch) {
		t.Fatalf("restore of an unknown path: %v", err)
	}
	if err := r.Add(ctx, []string{"c"}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	head, _ := r.Head()
	if err := r.ResetPaths(ctx, head, []string{"c"}); err != nil {
		t.Fatal(err)
	}
	if got := status(t, r, StatusOptions{}); got != " M c\n" {
		t.Fatalf("after reset c: %q", got)
	}
}
