package repo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge"
	"easel.dev/easel/merge/commitwalk"
)

// corpusRepo clones the real-history corpus (git's own history to v1.8.4)
// into a temporary directory, or skips when it is absent.
func corpusRepo(t testing.TB) string {
	t.Helper()
	bundle := os.Getenv("EASEL_CORPUS")
	if bundle == "" {
		bundle = filepath.Join("..", "..", "shared", "corpus", "git-v1.8.4.bundle")
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Skipf("real-history corpus not found at %s (set EASEL_CORPUS): %v", bundle, err)
	}
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	bundle, _ = filepath.Abs(bundle)
	dir := filepath.Join(t.TempDir(), "corpus")
	corpusGit(t, filepath.Dir(dir), "clone", "-q", bundle, dir)
	corpusGit(t, dir, "checkout", "-q", "-b", "main", "v1.8.4")
	return dir
}

func corpusGit(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "XDG_CONFIG_HOME="+dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

// corpusPairs picks commit pairs whose merge bases and ahead/behind counts
// are worth comparing: the two parents of merges spread over the history
// (criss-cross merges among them), and commits far apart on different
// lines.
func corpusPairs(t *testing.T, dir string) [][2]string {
	var pairs [][2]string
	lines := strings.Split(strings.TrimSpace(corpusGit(t, dir, "rev-list", "--merges", "--parents", "HEAD")), "\n")
	for i, line := range lines {
		f := strings.Fields(line)
		if i%151 == 0 && len(f) >= 3 {
			pairs = append(pairs, [2]string{f[1], f[2]})
		}
	}
	all := strings.Fields(corpusGit(t, dir, "rev-list", "--all"))
	for i := 0; i+5000 < len(all); i += 6007 {
		pairs = append(pairs, [2]string{all[i], all[i+5000]}, [2]string{all[i+5000], all[i+37]})
	}
	return pairs
}

func commitwalkCompare(t *testing.T, dir string, pairs [][2]string, withGraph bool) {
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w := commitwalk.For(r.Storer)
	if w.HasGraph() != withGraph {
		t.Fatalf("walker reads a commit-graph: %v, want %v", w.HasGraph(), withGraph)
	}
	multi := 0
	start := time.Now()
	for i, p := range pairs {
		if i%10 == 0 {
			t.Logf("pair %d of %d, %v", i, len(pairs), time.Since(start))
		}
		a, b := plumbing.NewHash(p[0]), plumbing.NewHash(p[1])
		// Exit status 1 and no output: no common ancestor (git's history
		// has several roots).
		mb := exec.Command("git", "merge-base", "--all", p[0], p[1])
		mb.Dir = dir
		out, err := mb.Output()
		if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 1 && len(out) == 0) {
			t.Fatalf("git merge-base --all %s %s: %v", p[0], p[1], err)
		}
		want := strings.Fields(string(out))
		got, err := merge.MergeBases(ctx, r.Storer, a, b)
		if err != nil {
			t.Fatal(err)
		}
		var gs []string
		for _, h := range got {
			gs = append(gs, h.String())
		}
		if strings.Join(gs, " ") != strings.Join(want, " ") {
			t.Errorf("merge-base --all %s %s: got %v, git %v", p[0], p[1], gs, want)
		}
		if len(want) > 1 {
			multi++
		}
		lr := strings.Fields(corpusGit(t, dir, "rev-list", "--count", "--left-right", p[0]+"..."+p[1]))
		ahead, behind, err := w.AheadBehind(ctx, a, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(lr) != 2 || lr[0] != strconv.Itoa(ahead) || lr[1] != strconv.Itoa(behind) {
			t.Errorf("rev-list --count --left-right %s...%s: got %d %d, git %v", p[0], p[1], ahead, behind, lr)
		}
		checks := [][2]string{{p[0], p[1]}}
		if len(want) > 0 {
			checks = append(checks, [2]string{want[0], p[1]})
		}
		for _, q := range checks {
			cmd := exec.Command("git", "merge-base", "--is-ancestor", q[0], q[1])
			cmd.Dir = dir
			isAnc := cmd.Run() == nil
			got, err := w.IsAncestor(ctx, plumbing.NewHash(q[0]), plumbing.NewHash(q[1]))
			if err != nil {
				t.Fatal(err)
			}
			if got != isAnc {
				t.Errorf("merge-base --is-ancestor %s %s: got %v, git %v", q[0], q[1], got, isAnc)
			}
		}
	}
	if multi == 0 {
		t.Errorf("no pair with several merge bases among %d: the sample misses criss-cross merges", len(pairs))
	}

	// git branch --contains, --merged and --no-merged over branches at
	// commits spread through the history.
	for _, target := range []string{pairs[0][0], pairs[len(pairs)/2][1], "HEAD~3000"} {
		target = strings.TrimSpace(corpusGit(t, dir, "rev-parse", target))
		for _, f := range []struct {
			flag   string
			filter RefFilter
		}{
			{"--contains", RefFilter{Contains: []plumbing.Hash{plumbing.NewHash(target)}}},
			{"--merged", RefFilter{Merged: []plumbing.Hash{plumbing.NewHash(target)}}},
			{"--no-merged", RefFilter{NoMerged: []plumbing.Hash{plumbing.NewHash(target)}}},
		} {
			want := strings.Fields(strings.NewReplacer("*", "").Replace(corpusGit(t, dir, "branch", "--format=%(refname:short)", f.flag, target)))
			bs, err := r.ListBranches(ctx, BranchListOptions{Local: true, Filter: f.filter})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range bs {
				got = append(got, b.Name)
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("branch %s %s: got %v, git %v", f.flag, target, got, want)
			}
		}
	}
}

// TestCommitWalkCorpusMatchesGit compares merge bases, ahead/behind counts,
// ancestry and the branch reachability filters with git's on git's own
// history, first parsing commits, then reading a commit-graph git wrote
// (and a split chain of them).
func TestCommitWalkCorpusMatchesGit(t *testing.T) {
	dir := corpusRepo(t)
	pairs := corpusPairs(t, dir)
	// Branches for the ref filters: every 700th commit.
	all := strings.Fields(corpusGit(t, dir, "rev-list", "--all"))
	var refs strings.Builder
	for i := 0; i < len(all); i += 700 {
		refs.WriteString("create refs/heads/b" + strconv.Itoa(i) + " " + all[i] + "\n")
	}
	cmd := exec.Command("git", "update-ref", "--stdin")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(refs.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git update-ref: %v: %s", err, out)
	}
	t.Run("parsed", func(t *testing.T) { commitwalkCompare(t, dir, pairs, false) })
	corpusGit(t, dir, "commit-graph", "write", "--reachable")
	t.Run("commit-graph", func(t *testing.T) { commitwalkCompare(t, dir, pairs, true) })
	// A chain: the older history in one layer, the rest in another, and
	// the newest commits in none.
	os.Remove(filepath.Join(dir, ".git", "objects", "info", "commit-graph"))
	old := corpusGit(t, dir, "rev-parse", "HEAD~2000")
	cmd = exec.Command("git", "commit-graph", "write", "--split=no-merge", "--stdin-commits")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(old)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("commit-graph write: %v: %s", err, out)
	}
	cmd = exec.Command("git", "commit-graph", "write", "--split=no-merge", "--stdin-commits")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(corpusGit(t, dir, "rev-parse", "HEAD~20"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("commit-graph write: %v: %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "objects", "info", "commit-graphs", "commit-graph-chain")); err != nil {
		t.Fatalf("no commit-graph chain: %v", err)
	}
	t.Run("commit-graph chain", func(t *testing.T) { commitwalkCompare(t, dir, pairs, true) })
}
