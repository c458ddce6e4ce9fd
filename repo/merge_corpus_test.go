package repo

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge"
)

// TestCorpusMergeReplay merges the two parents of real merges of the
// corpus again, with the merge engine over the repository's own object
// database, and compares the merged tree and whether it was clean with
// git's ort merge of the same parents (git merge-tree --write-tree).
// bench/mergereplay.sh times the same replay against git.
func TestCorpusMergeReplay(t *testing.T) {
	dir := corpusRepo(t)
	merges := strings.Fields(corpusGit(t, dir, "rev-list", "--merges", "--max-parents=2", "main"))
	const sample = 60
	step := max(1, len(merges)/sample)
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	checked, conflicted := 0, 0
	for i := 0; i < len(merges); i += step {
		parents := strings.Fields(corpusGit(t, dir, "rev-parse", merges[i]+"^1", merges[i]+"^2"))
		cmd := exec.Command("git", "merge-tree", "--write-tree", "--no-messages", "--allow-unrelated-histories", parents[0], parents[1])
		cmd.Dir = dir
		out, err := cmd.Output()
		gitClean := err == nil
		if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 1) {
			t.Fatalf("git merge-tree %s %s: %v", parents[0], parents[1], err)
		}
		gitTree := strings.Fields(string(out))[0]
		res, _, err := merge.MergeCommits(context.Background(), r.Storer,
			plumbing.NewHash(parents[0]), plumbing.NewHash(parents[1]),
			// Conflict markers name the sides as given, as git's do.
			merge.Options{OursName: parents[0], TheirsName: parents[1]})
		if err != nil {
			t.Fatalf("merge of %s's parents: %v", merges[i], err)
		}
		if res.Tree.String() != gitTree || res.Clean != gitClean {
			t.Errorf("merge of %s's parents: easel tree %s clean=%v, git tree %s clean=%v",
				merges[i], res.Tree, res.Clean, gitTree, gitClean)
		}
		checked++
		if !gitClean {
			conflicted++
		}
	}
	t.Logf("%d merges replayed (%d with conflicts), all equal to git's", checked, conflicted)
}
