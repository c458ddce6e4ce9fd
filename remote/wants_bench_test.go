package remote

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// corpusBundle finds git's history to v1.8.4 (see ../shared/corpus).
func corpusBundle(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv("EASEL_CORPUS")
	if p == "" {
		p = filepath.Join("..", "..", "shared", "corpus", "git-v1.8.4.bundle")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus bundle not found at %s (set EASEL_CORPUS): %v", p, err)
	}
	return p
}

// BenchmarkUnreachableWant measures the reachability check of a fetch's
// wants on git's own history (34,307 commits, one tag as the only ref):
// a want that is the tip (a map lookup), an ancestor 100 commits down
// (served), the root commit (refused: beyond maxWantWalk), and an
// unreachable commit dated like the tip (refused after a walk of one day
// of history) or like the root (refused after maxWantWalk commits, the
// worst case an anonymous client can ask for).
func BenchmarkUnreachableWant(b *testing.B) {
	bundle := corpusBundle(b)
	dir := filepath.Join(b.TempDir(), "corpus.git")
	run := func(env []string, args ...string) string {
		cmd := exec.Command("git", args...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run(nil, "clone", "-q", "--bare", bundle, dir)
	tip := run(nil, "-C", dir, "rev-parse", "v1.8.4^{commit}")
	root := run(nil, "-C", dir, "rev-list", "--max-parents=0", "--reverse", tip)
	root = strings.Fields(root)[0]
	tree := run(nil, "-C", dir, "rev-parse", tip+"^{tree}")
	orphan := func(date string) plumbing.Hash {
		env := []string{"GIT_COMMITTER_DATE=" + date, "GIT_AUTHOR_DATE=" + date,
			"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=A", "GIT_COMMITTER_EMAIL=a@example.com"}
		return plumbing.NewHash(run(env, "-C", dir, "commit-tree", tree, "-p", root, "-m", "unreachable "+date))
	}
	recent := orphan(run(nil, "-C", dir, "log", "-1", "--format=%cI", tip))
	old := orphan("2005-04-07T00:00:00+00:00")
	store := OpenObjectStore(dir)
	defer store.Close()
	for _, c := range []struct {
		name string
		want plumbing.Hash
		ok   bool
	}{
		{"tip", plumbing.NewHash(run(nil, "-C", dir, "rev-parse", "v1.8.4")), true},
		{"tip~100", plumbing.NewHash(run(nil, "-C", dir, "rev-parse", tip+"~100")), true},
		{"root", plumbing.NewHash(root), false},
		{"unreachable-recent", recent, false},
		{"unreachable-old", old, false},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				bad, err := unreachableWant(b.Context(), dir, store, []plumbing.Hash{c.want})
				if err != nil {
					b.Fatal(err)
				}
				if bad.IsZero() != c.ok {
					b.Fatalf("want %s: reachable %v, expected %v", c.want, bad.IsZero(), c.ok)
				}
			}
		})
	}
}
