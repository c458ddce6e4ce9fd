package remote

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo"
)

// Two clones; A pushes; B, still on the old tip, is refused with 409 and
// nothing changes on the server; after B merges A's commit its push lands
// and both commits are on the server.
func TestPushConflictThenMerge(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	url, s := startServer(t, Config{})
	tmp := t.TempDir()

	seed := newWorkRepo(t, filepath.Join(tmp, "seed"), "README")
	rm := addOrigin(t, seed, url+"/team/proj")
	resp, err := pushBranch(ctx, seed, rm, client(t, url+"/team/proj", ""), "main")
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Created {
		t.Fatal("first push should create the repository")
	}
	serverDir := filepath.Join(s.cfg.Root, "team", "proj")

	a, err := Clone(ctx, url+"/team/proj", filepath.Join(tmp, "a"), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Clone(ctx, url+"/team/proj", filepath.Join(tmp, "b"), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := git(t, filepath.Join(tmp, "b"), "status", "--porcelain"); got != "" {
		t.Fatalf("fresh clone is not clean:\n%s", got)
	}
	aCommit := commitFile(t, filepath.Join(tmp, "a"), "a.txt", "from a\n")
	arm, _ := a.Repo.RemoteByName("origin")
	if _, err := pushBranch(ctx, a.Repo, arm, client(t, url+"/team/proj", ""), "main"); err != nil {
		t.Fatal(err)
	}

	bCommit := commitFile(t, filepath.Join(tmp, "b"), "b.txt", "from b\n")
	brm, _ := b.Repo.RemoteByName("origin")
	before := snapshot(t, serverDir)
	_, err = pushBranch(ctx, b.Repo, brm, client(t, url+"/team/proj", ""), "main")
	var prob *Problem
	if !errors.As(err, &prob) || prob.Status != 409 || !errors.Is(err, ErrRejected) {
		t.Fatalf("B's push: got %v, want 409", err)
	}
	if prob.Ref != "refs/heads/main" || prob.Current != aCommit.String() || prob.Proposed != bCommit.String() || prob.Hint == "" || prob.Type == "" || prob.Instance == "" {
		t.Fatalf("problem details incomplete: %+v", prob)
	}
	if after := snapshot(t, serverDir); after != before {
		t.Fatalf("refused push changed the server:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if got := git(t, filepath.Join(tmp, "b"), "rev-parse", "HEAD"); got != bCommit.String() {
		t.Fatalf("B's commit lost: HEAD is %s", got)
	}

	// B brings in A's commit and pushes again.
	if _, err := Fetch(ctx, b.Repo, brm, client(t, url+"/team/proj", ""), Options{}); err != nil {
		t.Fatal(err)
	}
	theirs, err := b.Repo.ResolveRef("refs/remotes/origin/main")
	if err != nil || theirs != aCommit {
		t.Fatalf("origin/main = %s, %v; want %s", theirs, err, aCommit)
	}
	out, err := b.Repo.Merge(ctx, repo.MergeOptions{Theirs: theirs, TheirsName: "origin/main"})
	if err != nil || out.Kind != repo.MergeCommitted {
		t.Fatalf("merge: %v %+v", err, out)
	}
	if _, err := pushBranch(ctx, b.Repo, brm, client(t, url+"/team/proj", ""), "main"); err != nil {
		t.Fatalf("push after merge: %v", err)
	}
	for _, c := range []plumbing.Hash{aCommit, bCommit} {
		git(t, serverDir, "merge-base", "--is-ancestor", c.String(), "main")
	}
	git(t, serverDir, "fsck", "--strict")
}

// Sixteen clones push to one branch at once; every push is accepted or
// refused with 409, the refused ones merge and retry, and in the end every
// commit is on the server and the repository is sound.
func TestConcurrentPushers(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	url, s := startServer(t, Config{})
	tmp := t.TempDir()
	seed := newWorkRepo(t, filepath.Join(tmp, "seed"), "README")
	rm := addOrigin(t, seed, url+"/race")
	if _, err := pushBranch(ctx, seed, rm, client(t, url+"/race", ""), "main"); err != nil {
		t.Fatal(err)
	}
	const n = 16
	clones := make([]*repo.Repository, n)
	commits := make([]plumbing.Hash, n)
	for i := range clones {
		dir := filepath.Join(tmp, fmt.Sprint("c", i))
		res, err := Clone(ctx, url+"/race", dir, "", Options{})
		if err != nil {
			t.Fatal(err)
		}
		clones[i] = res.Repo
		commits[i] = commitFile(t, dir, fmt.Sprintf("f%d.txt", i), fmt.Sprintf("pusher %d\n", i))
	}
	var mu sync.Mutex
	accepted, rejected := 0, 0
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range clones {
		wg.Add(1)
		go func(r *repo.Repository) {
			defer wg.Done()
			rm, _ := r.RemoteByName("origin")
			c, _ := NewClient(url+"/race", "")
			for round := 0; round < 3*n; round++ {
				_, err := pushBranch(ctx, r, rm, c, "main")
				if err == nil {
					mu.Lock()
					accepted++
					mu.Unlock()
					return
				}
				if !errors.Is(err, ErrRejected) {
					errs <- fmt.Errorf("push: neither accepted nor 409: %w", err)
					return
				}
				mu.Lock()
				rejected++
				mu.Unlock()
				if _, err := Fetch(ctx, r, rm, c, Options{}); err != nil {
					errs <- err
					return
				}
				theirs, _ := r.ResolveRef("refs/remotes/origin/main")
				if _, err := r.Merge(ctx, repo.MergeOptions{Theirs: theirs, TheirsName: "origin/main"}); err != nil {
					errs <- err
					return
				}
			}
			errs <- errors.New("gave up after many rounds")
		}(clones[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if accepted != n {
		t.Fatalf("accepted %d of %d", accepted, n)
	}
	if rejected == 0 {
		t.Log("no push was refused: the pushes did not overlap")
	}
	serverDir := filepath.Join(s.cfg.Root, "race")
	for i, c := range commits {
		if _, err := gitRun(serverDir, "merge-base", "--is-ancestor", c.String(), "main"); err != nil {
			t.Errorf("commit of pusher %d missing on the server", i)
		}
	}
	git(t, serverDir, "fsck", "--strict")
	if left, _ := filepath.Glob(filepath.Join(serverDir, "objects", "incoming-*")); len(left) > 0 {
		t.Fatalf("quarantine left behind: %v", left)
	}
}
