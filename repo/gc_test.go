package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"easel.dev/easel/repo/prune"
)

// TestGCMatchesGit runs gc on a repository git made and checks what git
// sees: refs packed, one pack holding what is reachable, unreachable
// loose objects kept or pruned by their age, fsck --strict clean.
func TestGCMatchesGit(t *testing.T) {
	needGit(t)
	gitEnv(t)
	dir := t.TempDir()
	rungit(t, dir, "init", "-q", "-b", "main")
	for i := 0; i < 6; i++ {
		writeFiles(t, dir, map[string]string{"f.txt": strings.Repeat(fmt.Sprintf("line %d\n", i), 50+i)})
		rungit(t, dir, "add", "f.txt")
		rungit(t, dir, "commit", "-q", "-m", fmt.Sprint("c", i))
	}
	rungit(t, dir, "repack", "-q") // one pack, then more loose objects
	writeFiles(t, dir, map[string]string{"g.txt": "more\n"})
	rungit(t, dir, "add", "g.txt")
	rungit(t, dir, "commit", "-q", "-m", "g")
	hash := func(s string) string {
		cmd := exec.Command("git", "hash-object", "-w", "--stdin")
		cmd.Dir, cmd.Stdin = dir, strings.NewReader(s)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(out))
	}
	recent, old := hash("recent garbage\n"), hash("old garbage\n")
	oldPath := filepath.Join(dir, ".git", "objects", old[:2], old[2:])
	past := time.Now().Add(-30 * 24 * time.Hour)
	os.Chtimes(oldPath, past, past)

	twin := filepath.Join(t.TempDir(), "twin")
	if out, err := exec.Command("cp", "-a", dir, twin).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.GC(GCOptions{}, os.Stderr); err != nil {
		t.Fatal(err)
	}
	rungit(t, dir, "fsck", "--strict", "--no-dangling")
	// git gc on the twin: the same refs, reflogs and objects remain.
	rungit(t, twin, "gc", "-q")
	for _, args := range [][]string{
		{"for-each-ref"},
		{"reflog", "show", "--all"},
		{"cat-file", "--batch-all-objects", "--batch-check"},
		{"count-objects"},
	} {
		if a, b := rungit(t, dir, args...), rungit(t, twin, args...); a != b {
			if args[0] == "count-objects" {
				continue // sizes differ with the packs
			}
			t.Errorf("git %v after easel gc:\n%s\nafter git gc:\n%s", args, a, b)
		}
	}
	packs, _ := filepath.Glob(filepath.Join(dir, ".git/objects/pack/*.pack"))
	if len(packs) != 1 {
		t.Fatalf("%d packs after gc", len(packs))
	}
	if _, err := os.Stat(filepath.Join(dir, ".git/refs/heads/main")); !os.IsNotExist(err) {
		t.Fatal("refs/heads/main not packed")
	}
	if !strings.Contains(rungit(t, dir, "cat-file", "-t", recent), "blob") {
		t.Fatal("recent unreachable object pruned")
	}
	if _, err := os.Stat(oldPath); !os.IsNotExist(err) {
		t.Fatal("unreachable object older than two weeks kept")
	}
	if n := strings.TrimSpace(rungit(t, dir, "rev-list", "--all", "--count")); n != "7" {
		t.Fatalf("%s commits after gc", n)
	}
	// The commit-graph git would write, and git accepts it.
	if _, err := os.Stat(filepath.Join(dir, ".git/objects/info/commit-graph")); err != nil {
		t.Fatalf("no commit-graph after gc: %v", err)
	}
	rungit(t, dir, "commit-graph", "verify")
	// --prune=now takes the recent one too.
	if err := r.GC(GCOptions{PruneExpire: prune.All}, os.Stderr); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("git", "-C", dir, "cat-file", "-e", recent).CombinedOutput(); err == nil {
		t.Fatalf("gc --prune=now kept %s: %s", recent, out)
	}
	rungit(t, dir, "fsck", "--strict")
}

func TestGCPidLock(t *testing.T) {
	needGit(t)
	gitEnv(t)
	dir := t.TempDir()
	rungit(t, dir, "init", "-q")
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// A live process of this host holds it: refused, unless forced.
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleeper.Process.Kill()
	host, _ := os.Hostname()
	pidFile := filepath.Join(dir, ".git", "gc.pid")
	os.WriteFile(pidFile, []byte(fmt.Sprintf("%d %s", sleeper.Process.Pid, host)), 0o644)
	if err := r.GC(GCOptions{}, os.Stderr); !errors.Is(err, ErrGCRunning) {
		t.Fatalf("gc beside a running one: %v", err)
	}
	if err := r.GC(GCOptions{Force: true}, os.Stderr); err != nil {
		t.Fatalf("gc --force: %v", err)
	}
	if _, err := os.Stat(pidFile); !os.IsNotExist(err) {
		t.Fatal("gc.pid left behind")
	}
	// A dead process's file is stale.
	sleeper.Process.Kill()
	sleeper.Wait()
	os.WriteFile(pidFile, []byte(fmt.Sprintf("%d %s", sleeper.Process.Pid, host)), 0o644)
	if err := r.GC(GCOptions{}, os.Stderr); err != nil {
		t.Fatalf("gc after a dead one: %v", err)
	}
}

func TestNeedsGC(t *testing.T) {
	needGit(t)
	gitEnv(t)
	dir := t.TempDir()
	rungit(t, dir, "init", "-q")
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if need, _ := r.NeedsGC(); need {
		t.Fatal("an empty repository needs gc")
	}
	// gc.auto=256: more than one object in objects/17 is enough.
	rungit(t, dir, "config", "gc.auto", "256")
	d17 := filepath.Join(dir, ".git/objects/17")
	os.MkdirAll(d17, 0o755)
	for i := 0; i < 2; i++ {
		os.WriteFile(filepath.Join(d17, fmt.Sprintf("%038d", i)), nil, 0o444)
	}
	if need, all := r.NeedsGC(); !need || all {
		t.Fatalf("2 loose objects in 17/ over gc.auto=256: need %v all %v", need, all)
	}
	rungit(t, dir, "config", "gc.auto", "0")
	if need, _ := r.NeedsGC(); need {
		t.Fatal("gc.auto=0 does not disable")
	}
}
