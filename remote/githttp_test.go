package remote

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitRun runs git in dir and returns its combined output and error.
func gitRun(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

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
			out := git(t, clone, "-c", pv, "fetch")
			_ = out
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
