package repo

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitPathMatchesGit places files of a linked work tree as git does:
// for each name, easel's path must be the one `git rev-parse --git-path`
// gives in the same work tree (git's path.c common_list decides both).
func TestGitPathMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("needs git")
	}
	dir := t.TempDir()
	main, wt := filepath.Join(dir, "main"), filepath.Join(dir, "wt")
	for _, args := range [][]string{
		{"init", "-q", "-b", "main", main},
		{"-C", main, "-c", "user.name=A", "-c", "user.email=a@x", "commit", "-q", "--allow-empty", "-m", "one"},
		{"-C", main, "worktree", "add", "-q", wt, "-b", "topic"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	r, err := Open(context.Background(), filepath.Join(wt))
	if err != nil {
		t.Fatal(err)
	}
	if !r.IsLinkedWorktree() || r.WorkDir != wt {
		t.Fatalf("opened %+v", r)
	}
	names := []string{
		"HEAD", "index", "ORIG_HEAD", "MERGE_HEAD", "MERGE_MSG", "FETCH_HEAD", "AUTO_MERGE", "COMMIT_EDITMSG",
		"config", "config.worktree", "packed-refs", "shallow", "objects", "objects/pack/x.idx", "objects/info/alternates",
		"refs/heads/main", "refs/tags/v1", "refs/stash", "refs/bisect/bad", "refs/worktree/x", "refs/rewritten/y",
		"refs/bisectx", "logs/HEAD", "logs/refs/heads/main", "logs/refs/bisect/bad", "logs/refs/worktree/x",
		"info/exclude", "info/sparse-checkout", "hooks/pre-commit", "remotes/origin", "rr-cache/x", "worktrees",
		"rebase-merge/done", "sequencer/todo", "gc.pid", "modules/sub", "lost-found/x", "branches/x", "svn/x",
	}
	for _, n := range names {
		out, err := exec.Command("git", "-C", wt, "rev-parse", "--git-path", n).Output()
		if err != nil {
			t.Fatalf("git rev-parse --git-path %s: %v", n, err)
		}
		want := strings.TrimSpace(string(out))
		if !filepath.IsAbs(want) {
			want = filepath.Join(wt, want)
		}
		if got := r.gitPath(n); got != filepath.Clean(want) {
			t.Errorf("%s: easel's %s, git's %s", n, got, want)
		}
	}
}
