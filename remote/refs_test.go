package remote

import (
	"os"
	"path/filepath"
	"testing"
)

// A push running on the server holds the lock of the ref it updates; the
// ref advertisement must list what git's own transport lists meanwhile,
// loose refs over packed ones, peeled tags included.
func TestRefAdvertisementWithLockedRef(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	gitServed(t, root, "proj")
	bare := filepath.Join(root, "proj")
	git(t, bare, "pack-refs", "--all")
	git(t, bare, "update-ref", "refs/heads/feature", "main~1")
	git(t, bare, "update-ref", "refs/heads/loose", "main")
	for _, lock := range []string{"refs/heads/x.lock", "refs/heads/feature.lock", "refs/tags/v9.lock"} {
		if err := os.WriteFile(filepath.Join(bare, lock), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	url, _ := startServer(t, Config{Root: root})
	tmp := t.TempDir()
	want := git(t, tmp, "ls-remote", bare)
	for _, pv := range []string{"protocol.version=0", "protocol.version=2"} {
		if got := git(t, tmp, "-c", pv, "ls-remote", url+"/proj"); got != want {
			t.Fatalf("%s ls-remote:\n%s\nfile transport:\n%s", pv, got, want)
		}
	}
	clone := filepath.Join(tmp, "clone")
	git(t, tmp, "clone", "-q", url+"/proj", clone)
	for _, pair := range [][2]string{{"refs/remotes/origin/feature", "refs/heads/feature"}, {"refs/remotes/origin/loose", "refs/heads/loose"}, {"refs/tags/v1", "refs/tags/v1"}} {
		if got, want := git(t, clone, "rev-parse", pair[0]), git(t, bare, "rev-parse", pair[1]); got != want {
			t.Fatalf("clone's %s is %s, server's %s is %s", pair[0], got, pair[1], want)
		}
	}
}
