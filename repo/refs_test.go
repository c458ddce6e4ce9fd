package repo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestUpdateRefsCompareAndSwap(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
echo 1 > f; git add f; git commit -qm one
echo 2 > f; git commit -qam two
git branch old HEAD~1
git tag gone HEAD
git pack-refs --all
`)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	two, _ := r.ResolveCommit(ctx, "main")
	one, _ := r.ResolveCommit(ctx, "old")

	// A stale expectation changes nothing, not even the refs that matched.
	err = r.UpdateRefs(ctx, []RefUpdate{
		{Name: "refs/heads/old", Old: one, New: two, CheckOld: true},
		{Name: "refs/heads/main", Old: one, New: one, CheckOld: true},
	})
	var conflict *RefConflictError
	if !errors.As(err, &conflict) || conflict.Name != "refs/heads/main" || conflict.Actual != two {
		t.Fatalf("want conflict on main, got %v", err)
	}
	if h, _ := r.ResolveRef("refs/heads/old"); h != one {
		t.Fatalf("old moved to %s in a refused transaction", h)
	}

	// Create-only fails when the ref exists.
	if err := r.UpdateRef(ctx, RefUpdate{Name: "refs/heads/old", New: two, CheckOld: true}); !errors.Is(err, ErrRefChanged) {
		t.Fatalf("create over existing ref: %v", err)
	}

	// Through HEAD, the branch moves; deleting a packed ref removes it from packed-refs.
	if err := r.UpdateRefs(ctx, []RefUpdate{
		{Name: plumbing.HEAD, Old: two, New: one, CheckOld: true},
		{Name: "refs/tags/gone", Old: two, CheckOld: true},
		{Name: "refs/heads/new", New: two, CheckOld: true},
	}); err != nil {
		t.Fatal(err)
	}
	if got := revParse(t, dir, "main"); got != one.String() {
		t.Fatalf("git sees main at %s, want %s", got, one)
	}
	if revParse(t, dir, "refs/tags/gone") != "" {
		t.Fatal("deleted tag still visible to git")
	}
	packed, _ := os.ReadFile(filepath.Join(dir, ".git", "packed-refs"))
	if strings.Contains(string(packed), "refs/tags/gone") {
		t.Fatal("deleted tag left in packed-refs")
	}
	if out, err := exec.Command("git", "-C", dir, "fsck", "--strict").CombinedOutput(); err != nil {
		t.Fatalf("fsck: %v\n%s", err, out)
	}

	// A held lock refuses the update and names the lock file.
	lock := filepath.Join(dir, ".git", "refs", "heads", "main.lock")
	if err := os.WriteFile(lock, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = r.UpdateRef(ctx, RefUpdate{Name: "refs/heads/main", New: two})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "main.lock") {
		t.Fatalf("want lock error naming main.lock, got %v", err)
	}
	if h, _ := r.ResolveRef("refs/heads/main"); h != one {
		t.Fatal("ref changed while locked")
	}
}
