package remote

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// Many pushes, each adding a pack, and many fetches on the client side:
// the number of packs stays bounded on both, nothing is lost (the server
// and the client pass git fsck --strict and hold every pushed commit), and
// a clone still works.
func TestPacksStayBounded(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "srv")
	url, _ := startServer(t, Config{Root: root})
	w := newWorkRepo(t, filepath.Join(t.TempDir(), "w"), "README")
	rm := addOrigin(t, w, url+"/p")
	c := client(t, url+"/p", "")
	f := newWorkRepo(t, filepath.Join(t.TempDir(), "f"))
	frm := addOrigin(t, f, url+"/p")
	// Meanwhile another client fetches without pause: reads go on while
	// packs are merged, and none may miss an object.
	g := newWorkRepo(t, filepath.Join(t.TempDir(), "g"))
	grm := addOrigin(t, g, url+"/p")
	stop := make(chan struct{})
	fetchErr := make(chan error, 1)
	fetches := 0
	go func() {
		defer close(fetchErr)
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, err := Fetch(ctx, g, grm, client(t, url+"/p", ""), Options{})
			switch {
			case err == nil:
				fetches++
			case fetches > 0: // before the first push the repository does not exist
				fetchErr <- err
				return
			}
		}
	}()
	pushes := 2*MaxPacks + 8
	for i := 0; i < pushes; i++ {
		commitFile(t, w.WorkDir, fmt.Sprintf("f%02d.txt", i), fmt.Sprintf("push %d\n", i))
		if _, err := pushBranch(ctx, w, rm, c, "main"); err != nil {
			t.Fatalf("push %d: %v", i, err)
		}
		if _, err := Fetch(ctx, f, frm, c, Options{}); err != nil {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	close(stop)
	if err := <-fetchErr; err != nil {
		t.Fatalf("a fetch during the pushes failed: %v", err)
	}
	t.Logf("%d fetches ran alongside %d pushes", fetches, pushes)
	srv := filepath.Join(root, "p")
	for _, dir := range []string{srv, f.GitDir} {
		packs, err := packFiles(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(packs) > MaxPacks {
			t.Errorf("%s: %d packs after %d pushes", dir, len(packs), pushes)
		}
		git(t, dir, "fsck", "--strict")
	}
	head := git(t, w.WorkDir, "rev-parse", "HEAD")
	if got := git(t, srv, "rev-parse", "refs/heads/main"); got != head {
		t.Fatalf("server main %s, pushed %s", got, head)
	}
	if got := git(t, f.GitDir, "rev-parse", "refs/remotes/origin/main"); got != head {
		t.Fatalf("fetched origin/main %s, pushed %s", got, head)
	}
	if n := git(t, srv, "rev-list", "--count", "main"); n != fmt.Sprint(pushes+1) {
		t.Fatalf("server history has %s commits, want %d", n, pushes+1)
	}
	clone := filepath.Join(t.TempDir(), "clone")
	if _, err := Clone(ctx, url+"/p", clone, "", Options{}); err != nil {
		t.Fatal(err)
	}
	git(t, clone, "fsck", "--strict")
}
