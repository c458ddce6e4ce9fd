package repo_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestRepackGCCrash kills easel repack and easel gc with SIGKILL at
// random moments on a repository with several packs, loose objects and
// unreachable objects. After every kill git fsck --strict passes, every
// object reachable before is still there, every unreachable object is
// still there (the grace period keeps them: they are recent), and the
// command succeeds when run again.
func TestRepackGCCrash(t *testing.T) {
	bin := buildBin(t)
	pinIdentity(t)
	rng := crashRand(t)
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q", "-b", "main")
	body := make([]string, 400)
	for i := range body {
		body[i] = fmt.Sprintf("line %d %d", i, rng.Int64())
	}
	for c := 0; c < 60; c++ {
		for k := 0; k < 4; k++ {
			body[rng.IntN(len(body))] = fmt.Sprintf("edit %d %d", c, rng.Int64())
		}
		name := fmt.Sprintf("f%d.txt", c%5)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(body, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		gitOut(t, dir, "add", name)
		gitOut(t, dir, "commit", "-q", "-m", fmt.Sprint("c", c))
		if c%15 == 14 {
			gitOut(t, dir, "repack", "-q") // several packs, and loose objects after
		}
	}
	// Unreachable objects: a dropped commit (reflog only, then not even
	// that) and dangling blobs.
	gitOut(t, dir, "reset", "-q", "--hard", "HEAD~2")
	gitOut(t, dir, "reflog", "expire", "--expire=now", "--all")
	all := func() []string {
		out := gitOut(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
		ids := strings.Fields(out)
		sort.Strings(ids)
		return ids
	}
	before := all()
	check := func(what string) {
		t.Helper()
		gitOut(t, dir, "fsck", "--strict", "--no-dangling")
		after := all()
		have := map[string]bool{}
		for _, id := range after {
			have[id] = true
		}
		for _, id := range before {
			if !have[id] {
				t.Fatalf("after %s: object %s lost", what, id)
			}
		}
	}
	cmds := [][]string{
		{"repack", "-a", "-d", "-q"},
		{"repack", "-a", "-d", "-f", "-q"},
		{"repack", "-A", "-d", "-q"},
		{"gc", "-q"},
		{"gc", "--aggressive", "-q"},
	}
	rounds := 12 * crashScale(t)
	killed := 0
	for i := 0; i < rounds; i++ {
		args := cmds[rng.IntN(len(cmds))]
		d := time.Duration(rng.IntN(400)) * time.Millisecond
		if easelKilled(t, bin, dir, d, args...) {
			killed++
		}
		check(fmt.Sprintf("%v killed after %v", args, d))
		if code, out, _ := rerun(t, bin, dir, args...); code != 0 {
			t.Fatalf("%v after a kill: exit %d\n%s", args, code, out)
		}
		check(fmt.Sprint(args))
	}
	t.Logf("%d of %d runs killed", killed, rounds)
	if killed == 0 {
		t.Fatal("no run was killed: the delays are too long for this machine")
	}
}
