package repo

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/object"
)

// A commit of 1,000 new files in 100 directories writes its blobs and its
// 101 trees as packs; the same process then reads them back (the summary
// diff, status, log) at once. It is the commit git makes, and git's fsck
// accepts the repository.
func TestBulkCommitMatchesGit(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	files := map[string]string{}
	for d := 0; d < 100; d++ {
		for f := 0; f < 10; f++ {
			files[fmt.Sprintf("dir%02d/file%d.txt", d, f)] = fmt.Sprintf("directory %d, file %d\n", d, f)
		}
	}
	r, dir := initRepo(t)
	writeFiles(t, dir, files)
	if err := r.Add(ctx, []string{"."}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	id, err := r.Commit(ctx, CommitOptions{Message: "a thousand files"})
	if err != nil {
		t.Fatal(err)
	}
	// Read everything back through the same repository, as the summary
	// printed after a commit does.
	c, err := object.GetCommit(r.Storer, id)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := c.Tree()
	if err != nil {
		t.Fatalf("tree of the new commit: %v", err)
	}
	n := 0
	if err := tree.Files().ForEach(func(f *object.File) error {
		n++
		got, err := f.Contents()
		if err != nil {
			return err
		}
		if got != files[f.Name] {
			return fmt.Errorf("%s: %q", f.Name, got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(files) {
		t.Fatalf("%d files in the committed tree, want %d", n, len(files))
	}

	gdir := t.TempDir()
	rungit(t, gdir, "init", "-q", "-b", "main")
	writeFiles(t, gdir, files)
	rungit(t, gdir, "add", ".")
	rungit(t, gdir, "commit", "-q", "-m", "a thousand files")
	if want := strings.TrimSpace(rungit(t, gdir, "rev-parse", "HEAD^{tree}")); c.TreeHash.String() != want {
		t.Fatalf("tree %s, git %s", c.TreeHash, want)
	}
	if want := strings.TrimSpace(rungit(t, gdir, "rev-parse", "HEAD")); id.String() != want {
		t.Fatalf("commit %s, git %s", id, want)
	}
	rungit(t, dir, "fsck", "--strict")
	if out := rungit(t, dir, "status", "--porcelain"); out != "" {
		t.Fatalf("git status after the commit:\n%s", out)
	}
	// The blobs and the trees went into packs (the case that failed when
	// the reader did not see packs written after it was opened).
	if out := rungit(t, dir, "count-objects", "-v"); !strings.Contains(out, "in-pack: 1101\n") || !strings.Contains(out, "packs: 2\n") {
		t.Fatalf("want 1,000 blobs and 101 trees in two packs:\n%s", out)
	}
}
