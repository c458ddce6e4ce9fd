package remote

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// linearServed makes a bare repository root/name with n commits on main,
// one a day from 2020-01-01, each changing a file and adding one.
func linearServed(t *testing.T, root, name string, n int) string {
	t.Helper()
	work := filepath.Join(t.TempDir(), "work")
	git(t, t.TempDir(), "init", "-q", "-b", "main", work)
	for i := 1; i <= n; i++ {
		date := fmt.Sprintf("2020-01-%02dT12:00:00Z", i)
		t.Setenv("GIT_COMMITTER_DATE", date)
		t.Setenv("GIT_AUTHOR_DATE", date)
		os.WriteFile(filepath.Join(work, fmt.Sprintf("f%d.txt", i)), []byte(strings.Repeat(fmt.Sprintf("file %d\n", i), 300)), 0o644)
		commitFile(t, work, "common.txt", strings.Repeat("common\n", 400)+fmt.Sprintf("version %d\n", i))
		git(t, work, "add", ".")
		git(t, work, "commit", "-q", "--amend", "--no-edit")
	}
	os.MkdirAll(root, 0o755)
	git(t, root, "clone", "-q", "--bare", work, filepath.Join(root, name))
	return work
}

// cloneTwins runs the same git clone (args, then the source and the
// destination) from easel's server at url into ours and from git's own
// file transport of the bare repository into theirs.
func cloneTwins(t *testing.T, dir string, args []string, url, bare, ours, theirs string) {
	t.Helper()
	args = args[:len(args):len(args)]
	git(t, dir, append(args, url, ours)...)
	git(t, dir, append(args, "file://"+bare, theirs)...)
}

// shallowState is what a shallow clone holds: its commits and its
// boundary.
func shallowState(t *testing.T, dir string) string {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(dir, ".git", "shallow"))
	lines := strings.Fields(string(data))
	sort.Strings(lines)
	return git(t, dir, "rev-list", "--all") + "\nshallow:\n" + strings.Join(lines, "\n")
}

// TestGitShallow compares shallow clones and fetches from easel with the
// same ones from git's own file transport.
func TestGitShallow(t *testing.T) {
	needGit(t)
	for _, proto := range []string{"0", "2"} {
		t.Run("v"+proto, func(t *testing.T) {
			pinEnv(t)
			root := filepath.Join(t.TempDir(), "srv")
			work := linearServed(t, root, "proj", 8)
			bare := filepath.Join(root, "proj")
			url, _ := startServer(t, Config{Root: root})
			pv := "protocol.version=" + proto
			tmp := t.TempDir()
			ours, theirs := filepath.Join(tmp, "ours"), filepath.Join(tmp, "theirs")
			both := func(args ...string) {
				t.Helper()
				git(t, ours, append([]string{"-c", pv}, args...)...)
				git(t, theirs, append([]string{"-c", pv}, args...)...)
				gittest.Same(t, fmt.Sprint("after ", args), shallowState(t, ours), shallowState(t, theirs))
				git(t, ours, "fsck")
			}
			cloneTwins(t, tmp, []string{"-c", pv, "clone", "-q", "--depth", "1"}, url+"/proj", bare, ours, theirs)
			gittest.Same(t, "clone --depth 1", shallowState(t, ours), shallowState(t, theirs))
			if got := git(t, ours, "rev-list", "--count", "HEAD"); got != "1" {
				t.Fatalf("depth 1 clone has %s commits", got)
			}
			both("fetch", "-q", "--deepen", "2")
			both("fetch", "-q", "--depth", "5")
			// The server moves on; a plain fetch into the shallow clone.
			commitFile(t, work, "new.txt", "new\n")
			git(t, work, "push", "-q", bare, "main")
			both("fetch", "-q")
			both("fetch", "-q", "--unshallow")
			if got := git(t, ours, "rev-list", "--count", "origin/main"); got != "9" {
				t.Fatalf("unshallowed clone has %s commits", got)
			}
			git(t, ours, "fsck", "--strict")

			// --shallow-since.
			s1, s2 := filepath.Join(tmp, "s1"), filepath.Join(tmp, "s2")
			cloneTwins(t, tmp, []string{"-c", pv, "clone", "-q", "--shallow-since=2020-01-05T00:00:00Z"}, url+"/proj", bare, s1, s2)
			gittest.Same(t, "clone --shallow-since", shallowState(t, s1), shallowState(t, s2))
		})
	}
}

// TestGitPartialClone clones with filters and lets git fetch what is
// missing when it needs it.
func TestGitPartialClone(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	work := linearServed(t, root, "proj", 5)
	url, _ := startServer(t, Config{Root: root})
	tmp := t.TempDir()
	for _, filter := range []string{"blob:none", "blob:limit=2500", "tree:0"} {
		t.Run(filter, func(t *testing.T) {
			dir := filepath.Join(tmp, strings.NewReplacer(":", "_", "=", "_").Replace(filter))
			git(t, tmp, "clone", "-q", "--filter="+filter, url+"/proj", dir)
			missing := git(t, dir, "rev-list", "--objects", "--all", "--missing=print")
			n := strings.Count(missing, "\n?")
			if n == 0 {
				t.Fatalf("a %s clone misses nothing:\n%s", filter, missing)
			}
			// Files of the checkout are all there, old versions are fetched
			// on demand.
			for i := 1; i <= 5; i++ {
				f := fmt.Sprintf("f%d.txt", i)
				got, err := os.ReadFile(filepath.Join(dir, f))
				want, _ := os.ReadFile(filepath.Join(work, f))
				if err != nil || string(got) != string(want) {
					t.Fatalf("%s: %v", f, err)
				}
			}
			if a, b := git(t, dir, "show", "HEAD~3:common.txt"), git(t, work, "show", "HEAD~3:common.txt"); a != b {
				t.Fatal("old version fetched on demand differs")
			}
			git(t, dir, "log", "-p", "-q")
			git(t, dir, "fsck")
		})
	}
}
