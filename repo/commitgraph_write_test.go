package repo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestWriteCommitGraphMatchesGit writes the commit-graph of a history with
// merges, an octopus and a commit dated before its parent (corrected
// commit dates differ from commit times) and wants git's very bytes,
// for --reachable and for the packed commits; git verifies the split form.
func TestWriteCommitGraphMatchesGit(t *testing.T) {
	g, e := gcsTwins(t)
	base := time.Now().Add(-10 * 24 * time.Hour)
	for _, dir := range []string{g, e} {
		gcsGit(t, dir, base, "checkout", "-q", "-b", "o1", "main~1")
		for i, b := range []string{"o1", "o2", "o3"} {
			if i > 0 {
				gcsGit(t, dir, base, "checkout", "-q", "-b", b, "main~1")
			}
			os.WriteFile(filepath.Join(dir, b), []byte(b), 0o644)
			gcsGit(t, dir, base, "add", b)
			gcsGit(t, dir, base.Add(time.Duration(i)*time.Hour), "commit", "-q", "-m", b)
		}
		gcsGit(t, dir, base.Add(-400*24*time.Hour), "merge", "-q", "-m", "octopus", "o1", "o2")
		gcsGit(t, dir, time.Time{}, "repack", "-adq")
	}
	r, err := Open(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	for _, reachable := range []bool{true, false} {
		args := []string{"commit-graph", "write"}
		if reachable {
			args = append(args, "--reachable")
		}
		gcsGit(t, g, time.Time{}, args...)
		n, err := r.WriteCommitGraph(CommitGraphOptions{Reachable: reachable})
		if err != nil || n == 0 {
			t.Fatalf("write: %d commits, %v", n, err)
		}
		want, _ := os.ReadFile(filepath.Join(g, ".git/objects/info/commit-graph"))
		got, _ := os.ReadFile(filepath.Join(e, ".git/objects/info/commit-graph"))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Fatalf("reachable=%v: commit-graph differs from git's (%d vs %d bytes)", reachable, len(got), len(want))
		}
		if !bytes.Contains(got, []byte("EDGE")) {
			t.Fatalf("octopus merge not recorded in an EDGE chunk")
		}
	}
	if _, err := r.WriteCommitGraph(CommitGraphOptions{Reachable: true, Split: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e, ".git/objects/info/commit-graph")); !os.IsNotExist(err) {
		t.Errorf("single file left beside the chain")
	}
	gcsGit(t, e, time.Time{}, "commit-graph", "verify")
}
