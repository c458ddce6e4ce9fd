package repo_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCrashGcStepsKilled kills prune, pack-refs, reflog expire and
// commit-graph write at random points of their work on a repository with
// hundreds of refs, reflog entries and thousands of unreachable loose
// objects. After every kill git fsck --strict must pass, every ref must
// keep its value, and the command must succeed when run again.
func TestCrashGcStepsKilled(t *testing.T) {
	bin := buildBin(t)
	pinIdentity(t)
	rnd := crashRand(t)
	dir := t.TempDir()
	gitOut(t, dir, "init", "-q", "-b", "main", ".")
	var updates strings.Builder
	for i := 0; i < 60; i++ {
		writeTestFile(t, filepath.Join(dir, fmt.Sprintf("f%d", i%7)), randomText(256))
		gitOut(t, dir, "add", ".")
		gitOut(t, dir, "commit", "-q", "-m", fmt.Sprint("c", i))
		fmt.Fprintf(&updates, "create refs/heads/b%03d HEAD\ncreate refs/tags/t%03d HEAD\n", i, i)
	}
	cmd := exec.Command("git", "-C", dir, "update-ref", "--stdin")
	cmd.Stdin = strings.NewReader(updates.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("update-ref: %v %s", err, out)
	}
	gitOut(t, dir, "repack", "-dq")
	garbage := func(n int) {
		var paths []string
		gd := filepath.Join(t.TempDir(), "g")
		for i := 0; i < n; i++ {
			p := filepath.Join(gd, fmt.Sprint(i))
			writeTestFile(t, p, randomText(128))
			paths = append(paths, p)
		}
		cmd := exec.Command("git", "-C", dir, "hash-object", "-w", "--stdin-paths")
		cmd.Stdin = strings.NewReader(strings.Join(paths, "\n") + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("hash-object: %v %s", err, out)
		}
	}
	refs := func() string { return gitOut(t, dir, "for-each-ref", "--format=%(objectname) %(refname)") }
	commands := [][]string{
		{"prune"},
		{"pack-refs", "--all"},
		{"reflog", "expire", "--all", "--expire-unreachable=now"},
		{"commit-graph", "write", "--reachable", "--split"},
		{"commit-graph", "write", "--reachable"},
	}
	spans := make([]time.Duration, len(commands))
	for i, args := range commands {
		garbage(400)
		spans[i] = timed(func() { easelRun(t, bin, dir, args...) })
	}
	t.Logf("unkilled: %v", spans)
	rounds := 10 * crashScale(t)
	killed := 0
	for round := 0; round < rounds; round++ {
		k := round % len(commands)
		args := commands[k]
		if k == 0 {
			garbage(400)
		}
		// New loose refs for pack-refs to move.
		gitOut(t, dir, "branch", "-f", fmt.Sprint("r", round), "main~"+fmt.Sprint(round%40))
		before := refs()
		if easelKilled(t, bin, dir, time.Duration(rnd.Int64N(int64(spans[k])*13/10+1)), args...) {
			killed++
		}
		when := fmt.Sprintf("round %d, easel %s killed", round, strings.Join(args, " "))
		fsckClean(t, dir, when)
		if after := refs(); after != before {
			t.Fatalf("%s: refs changed:\n%s\nwere:\n%s", when, after, before)
		}
		if code, out, _ := rerun(t, bin, dir, args...); code != 0 {
			t.Fatalf("%s: running it again: exit %d\n%s", when, code, out)
		}
		fsckClean(t, dir, when+", then run again")
		if args[0] == "commit-graph" {
			gitOut(t, dir, "commit-graph", "verify")
		}
		if args[0] == "prune" {
			// git finds nothing more to prune.
			if out := gitOut(t, dir, "prune", "-n"); out != "" {
				t.Fatalf("%s: after prune ran again git would still prune:\n%s", when, out)
			}
		}
	}
	if killed == 0 {
		t.Fatal("no command was killed while running: the kills all came too late")
	}
	if _, err := os.Stat(filepath.Join(dir, ".git/packed-refs")); err != nil {
		t.Fatal("pack-refs never wrote packed-refs")
	}
	t.Logf("%d rounds, %d killed mid-command", rounds, killed)
}
