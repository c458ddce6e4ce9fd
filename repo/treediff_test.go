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

// A tree that a commit names but the repository lacks is corrupt data for
// every reader of trees: diff, checkout and merge (git: "fatal: unable to
// read tree", exit 128; easel's code for corrupt data is 13).
func TestMissingTreeIsCorrupt(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
mkdir sub
echo a > sub/a
echo b > b
git add .
git commit -q -m one
git checkout -q -b side
echo c > b
git commit -q -a -m two
git checkout -q main
`)
	out, err := exec.Command("git", "-C", dir, "rev-parse", "main:sub").Output()
	if err != nil {
		t.Fatal(err)
	}
	sub := strings.TrimSpace(string(out))
	if err := os.Remove(filepath.Join(dir, ".git", "objects", sub[:2], sub[2:])); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command("git", "-C", dir, "diff", "--quiet", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "main").Run(); err == nil {
		t.Fatal("git read the missing tree")
	}
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	main, err := r.ResolveCommit(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	tree, err := r.TreeOf(main)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.DiffTrees(ctx, plumbing.ZeroHash, tree, nil); !errors.Is(err, ErrCorruptObject) {
		t.Errorf("diff: %v, want ErrCorruptObject", err)
	}
	if _, err := r.mergeDeltas(ctx, plumbing.ZeroHash, tree); !errors.Is(err, ErrCorruptObject) {
		t.Errorf("merge's tree diff: %v, want ErrCorruptObject", err)
	}
	if err := r.Checkout(ctx, plumbing.ZeroHash, main); !errors.Is(err, ErrCorruptObject) {
		t.Errorf("checkout: %v, want ErrCorruptObject", err)
	}
	if _, err := r.flattenTree(tree, nil); !errors.Is(err, ErrCorruptObject) {
		t.Errorf("flatten: %v, want ErrCorruptObject", err)
	}
}
