package repo

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A pack left without its index (a writer killed between the two renames)
// does not make the repository unreadable: git ignores such a pack, and so
// does easel.
func TestOrphanPackIgnored(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	writeFiles(t, dir, sampleTree)
	if err := r.Add(ctx, []string{"."}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit(ctx, CommitOptions{Message: "one"}); err != nil {
		t.Fatal(err)
	}
	rungit(t, dir, "gc", "-q")
	pack := filepath.Join(dir, ".git", "objects", "pack", "pack-0123456789abcdef0123456789abcdef01234567.pack")
	if err := os.WriteFile(pack, []byte("PACK\x00\x00\x00\x02\x00\x00\x00\x05truncated"), 0o444); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	head, err := r.ResolveCommit(ctx, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Status(ctx, StatusOptions{}); err != nil {
		t.Fatalf("status with an orphan pack: %v", err)
	}
	if err := r.Checkout(ctx, head, head); err != nil {
		t.Fatalf("checkout with an orphan pack: %v", err)
	}
	if _, err := r.commitTree(head); err != nil {
		t.Fatalf("reading HEAD's tree with an orphan pack: %v", err)
	}
}
