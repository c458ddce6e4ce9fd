package remote

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gitServed makes a bare repository under root named name, cloned by git
// from a work repository with a few commits, a branch and tags; it returns
// the work repository.
func gitServed(t *testing.T, root, name string) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), "work")
	git(t, t.TempDir(), "init", "-q", "-b", "main", work)
	for i, f := range []string{"a.txt", "b.txt", "c.txt"} {
		content := strings.Repeat(f+" line\n", 200+i)
		commitFile(t, work, f, content)
	}
	git(t, work, "tag", "-a", "-m", "release one", "v1")
	git(t, work, "branch", "feature")
	commitFile(t, work, "a.txt", strings.Repeat("a.txt line\n", 200)+"changed\n")
	git(t, work, "tag", "light")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	git(t, root, "clone", "-q", "--bare", work, filepath.Join(root, name))
	return work
}

func TestGitCloneFetchPull(t *testing.T) {
	needGit(t)
	for _, proto := range []string{"0", "2"} {
		t.Run("v"+proto, func(t *testing.T) {
			pinEnv(t)
			root := filepath.Join(t.TempDir(), "srv")
			work := gitServed(t, root, "proj")
			bare := filepath.Join(root, "proj")
			url, _ := startServer(t, Config{Root: root})
			pv := "protocol.version=" + proto
			tmp := t.TempDir()

			// ls-remote lists what git's own file transport lists.
			got := git(t, tmp, "-c", pv, "ls-remote", url+"/proj")
			want := git(t, tmp, "ls-remote", bare)
			if got != want {
				t.Fatalf("ls-remote:\n%s\nfile transport:\n%s", got, want)
			}
			if proto == "2" {
				got = git(t, tmp, "-c", pv, "ls-remote", "--symref", url+"/proj", "HEAD")
				if !strings.Contains(got, "ref: refs/heads/main\tHEAD") {
					t.Fatalf("ls-remote --symref: %s", got)
				}
			}

			clone := filepath.Join(tmp, "clone")
			git(t, tmp, "-c", pv, "clone", "-q", url+"/proj.git", clone)
			if a, b := git(t, clone, "rev-parse", "HEAD"), git(t, work, "rev-parse", "main"); a != b {
				t.Fatalf("clone HEAD %s, want %s", a, b)
			}
			if got := git(t, clone, "tag", "-l"); got != "light\nv1" {
				t.Fatalf("tags after clone: %q", got)
			}
			if got := git(t, clone, "branch", "-r"); !strings.Contains(got, "origin/feature") {
				t.Fatalf("remote branches: %q", got)
			}
			git(t, clone, "fsck", "--strict")

			// Incremental fetch and pull after the server moved on, with a
			// new annotated tag followed automatically.
			commitFile(t, work, "b.txt", "b changed\n")
			commitFile(t, work, "d.txt", strings.Repeat("d\n", 3000))
			git(t, work, "tag", "-a", "-m", "two", "v2")
			git(t, work, "push", "-q", bare, "main", "v2")
			git(t, clone, "-c", pv, "fetch")
			if a, b := git(t, clone, "rev-parse", "origin/main"), git(t, work, "rev-parse", "main"); a != b {
				t.Fatalf("fetched origin/main %s, want %s", a, b)
			}
			if a, b := git(t, clone, "rev-parse", "v2"), git(t, work, "rev-parse", "v2"); a != b {
				t.Fatalf("followed tag v2 %s, want %s", a, b)
			}
			git(t, clone, "-c", pv, "pull", "-q", "--ff-only")
			if got, err := os.ReadFile(filepath.Join(clone, "b.txt")); err != nil || string(got) != "b changed\n" {
				t.Fatalf("b.txt after pull: %q %v", got, err)
			}
			// A no-op fetch.
			git(t, clone, "-c", pv, "fetch")

			// fetch --prune drops the branch deleted on the server.
			git(t, bare, "branch", "-D", "feature")
			git(t, clone, "-c", pv, "fetch", "--prune")
			if got := git(t, clone, "branch", "-r"); strings.Contains(got, "feature") {
				t.Fatalf("origin/feature survived fetch --prune: %q", got)
			}
			git(t, clone, "fsck", "--strict")
		})
	}
}

func TestGitPush(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	url, _ := startServer(t, Config{Root: root})
	tmp := t.TempDir()
	work := filepath.Join(tmp, "work")
	git(t, tmp, "init", "-q", "-b", "main", work)
	commitFile(t, work, "a.txt", strings.Repeat("a\n", 500))
	commitFile(t, work, "b.txt", "b\n")
	git(t, work, "remote", "add", "origin", url+"/team/proj")

	// The first push creates the repository.
	git(t, work, "push", "-q", "-u", "origin", "main")
	bare := filepath.Join(root, "team", "proj")
	if a, b := git(t, bare, "rev-parse", "main"), git(t, work, "rev-parse", "main"); a != b {
		t.Fatalf("server main %s, want %s", a, b)
	}
	if got := git(t, bare, "symbolic-ref", "HEAD"); got != "refs/heads/main" {
		t.Fatalf("server HEAD %s", got)
	}
	git(t, bare, "fsck", "--strict")

	// A branch, an annotated tag and a thin incremental push.
	git(t, work, "tag", "-a", "-m", "one", "v1")
	git(t, work, "branch", "feature")
	commitFile(t, work, "a.txt", strings.Repeat("a\n", 500)+"more\n")
	git(t, work, "push", "-q", "origin", "main", "feature", "v1")
	for _, ref := range []string{"main", "feature", "v1"} {
		if a, b := git(t, bare, "rev-parse", ref), git(t, work, "rev-parse", ref); a != b {
			t.Fatalf("server %s %s, want %s", ref, a, b)
		}
	}
	git(t, bare, "fsck", "--strict")

	// Someone else pushes first: git is told to fetch first, and nothing
	// changes on the server.
	other := filepath.Join(tmp, "other")
	git(t, tmp, "clone", "-q", url+"/team/proj", other)
	commitFile(t, other, "c.txt", "c\n")
	git(t, other, "push", "-q")
	commitFile(t, work, "d.txt", "d\n")
	before := snapshot(t, bare)
	out := gitFails(t, work, "push", "origin", "main")
	for _, want := range []string{"! [rejected]", "main -> main (fetch first)", "git pull"} {
		if !strings.Contains(out, want) {
			t.Fatalf("rejected push output lacks %q:\n%s", want, out)
		}
	}
	// --force gets past git's own check; the server refuses as easel does.
	out = gitFails(t, work, "push", "--force", "origin", "main")
	if !strings.Contains(out, "! [remote rejected] main -> main (non-fast-forward)") {
		t.Fatalf("forced push output:\n%s", out)
	}
	// --force-with-lease: a stale lease is refused by git, a right one
	// by the server (no forced rewrite of history).
	git(t, work, "fetch", "-q", "origin")
	stale := git(t, work, "rev-parse", "main~1")
	out = gitFails(t, work, "push", "--force-with-lease=main:"+stale, "origin", "main")
	if !strings.Contains(out, "main -> main (stale info)") {
		t.Fatalf("stale lease output:\n%s", out)
	}
	out = gitFails(t, work, "push", "--force-with-lease", "origin", "main")
	if !strings.Contains(out, "(non-fast-forward)") {
		t.Fatalf("lease on a non-fast-forward:\n%s", out)
	}
	// A tag never moves, forced or not.
	git(t, work, "tag", "-f", "-a", "-m", "moved", "v1", "HEAD")
	out = gitFails(t, work, "push", "--force", "origin", "v1")
	if !strings.Contains(out, "v1 -> v1 (already exists)") {
		t.Fatalf("moved tag output:\n%s", out)
	}
	if got := snapshot(t, bare); got != before {
		t.Fatalf("refused pushes changed the server:\n%s\nbefore:\n%s", got, before)
	}

	// --atomic: one ref cannot move, so none does.
	git(t, work, "branch", "-f", "feature", "main")
	out = gitFails(t, work, "push", "--atomic", "origin", "main", "feature")
	if !strings.Contains(out, "atomic push failed") && !strings.Contains(out, "atomic push failure") {
		t.Fatalf("atomic push output:\n%s", out)
	}
	if got := snapshot(t, bare); got != before {
		t.Fatalf("refused atomic push changed the server")
	}

	// After a pull the push goes through; a branch is deleted.
	git(t, work, "pull", "-q", "--no-rebase", "--no-edit", "origin", "main")
	git(t, work, "push", "-q", "origin", "main", ":feature")
	if a, b := git(t, bare, "rev-parse", "main"), git(t, work, "rev-parse", "main"); a != b {
		t.Fatalf("server main %s, want %s", a, b)
	}
	if _, err := gitRun(bare, "rev-parse", "--verify", "-q", "refs/heads/feature"); err == nil {
		t.Fatal("feature was not deleted")
	}
	// The current branch cannot be deleted.
	out = gitFails(t, work, "push", "origin", ":main")
	if !strings.Contains(out, "deletion of the current branch prohibited") {
		t.Fatalf("deleting main:\n%s", out)
	}
	git(t, bare, "fsck", "--strict")
}

// TestGitEmptyRepository: git clones a repository without commits (the
// default branch comes from the server's HEAD) and its first push fills it.
func TestGitEmptyRepository(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	git(t, t.TempDir(), "init", "-q", "--bare", "-b", "trunk", filepath.Join(root, "empty"))
	url, _ := startServer(t, Config{Root: root})
	tmp := t.TempDir()
	for _, proto := range []string{"0", "2"} {
		dir := filepath.Join(tmp, "v"+proto)
		out := git(t, tmp, "-c", "protocol.version="+proto, "clone", url+"/empty", dir)
		if !strings.Contains(out, "empty repository") {
			t.Fatalf("v%s clone of an empty repository: %s", proto, out)
		}
		if proto == "2" {
			// ls-refs unborn gives the server's default branch.
			if got := git(t, dir, "symbolic-ref", "HEAD"); got != "refs/heads/trunk" {
				t.Fatalf("HEAD of the empty clone: %s", got)
			}
		}
	}
	dir := filepath.Join(tmp, "v2")
	commitFile(t, dir, "a.txt", "a\n")
	git(t, dir, "push", "-q", "origin", "HEAD:trunk")
	if a, b := git(t, filepath.Join(root, "empty"), "rev-parse", "trunk"), git(t, dir, "rev-parse", "HEAD"); a != b {
		t.Fatalf("server trunk %s, want %s", a, b)
	}
	// A repository that does not exist is git's "not found".
	out := gitFails(t, tmp, "clone", url+"/nothing", filepath.Join(tmp, "nothing"))
	if !strings.Contains(out, "not found") {
		t.Fatalf("clone of a missing repository: %s", out)
	}
}

// TestGitPushLimits: easel's push limits hold for git's pushes too.
func TestGitPushLimits(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	gitServed(t, root, "proj")
	bare := filepath.Join(root, "proj")
	tmp := t.TempDir()
	big := make([]byte, 300<<10)
	for i := range big {
		big[i] = byte(i*7919>>3) ^ byte(i>>11)
	}
	for _, cfg := range []Config{{Root: root, MaxPushBytes: 64 << 10}, {Root: root, MaxObjectBytes: 64 << 10}} {
		url, _ := startServer(t, cfg)
		dir := filepath.Join(tmp, fmt.Sprintf("c%d", cfg.MaxPushBytes))
		git(t, tmp, "clone", "-q", url+"/proj", dir)
		if err := os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644); err != nil {
			t.Fatal(err)
		}
		git(t, dir, "add", "big.bin")
		git(t, dir, "commit", "-q", "-m", "big")
		before := snapshot(t, bare)
		out := gitFails(t, dir, "push", "origin", "main")
		if !strings.Contains(out, "413") {
			t.Fatalf("push over the limit (%+v): %s", cfg, out)
		}
		if got := snapshot(t, bare); got != before {
			t.Fatal("a refused push changed the repository")
		}
	}
}
