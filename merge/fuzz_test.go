package merge

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/go-git/go-git/v5/storage/memory"
)

// fuzzPaths never put a file where another needs a directory, so any
// subset of them is a valid tree.
var fuzzPaths = []string{"a", "b.txt", "d/a", "d/b", "d/e/f", "z"}

// fuzzTree turns one byte per path into a tree: 0 absent, otherwise a
// regular file, an executable or a symlink with one of a few contents.
func fuzzTree(spec []byte) map[string]string {
	files := map[string]string{}
	for i, p := range fuzzPaths {
		if i >= len(spec) || spec[i]%8 == 0 {
			continue
		}
		v := spec[i] % 8
		content := fmt.Sprintf("line 1\nline %d\nline 3\n", v%3)
		switch {
		case v == 6:
			content = "x:" + content
		case v == 7:
			content = "l:target" + fmt.Sprint(v%2)
		}
		files[p] = content
	}
	if len(files) == 0 {
		files["empty-tree-guard"] = "g\n"
	}
	return files
}

// Merging a tree with itself is clean and gives the same tree; a change
// made on one side only is taken exactly, whichever side made it.
func FuzzMergeTrees(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6}, []byte{1, 0, 3, 7, 5, 1})
	f.Add([]byte{0, 0, 0, 0, 0, 1}, []byte{6, 6, 6, 6, 6, 6})
	f.Add([]byte{7, 1, 0, 2, 0, 3}, []byte{})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ctx := context.Background()
		st := memory.NewStorage()
		base := buildTree(t, st, fuzzTree(a))
		changed := buildTree(t, st, fuzzTree(b))
		want := treeFiles(t, st, changed)

		res, err := MergeTrees(ctx, st, changed, changed, changed, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Clean || len(res.Conflicts) > 0 || res.Tree != changed {
			t.Fatalf("merge of a tree with itself: clean=%v conflicts=%v tree %s, want %s", res.Clean, res.Conflicts, res.Tree, changed)
		}
		for _, side := range []string{"ours", "theirs"} {
			ours, theirs := changed, base
			if side == "theirs" {
				ours, theirs = base, changed
			}
			res, err := MergeTrees(ctx, st, base, ours, theirs, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Clean || len(res.Conflicts) > 0 {
				t.Fatalf("change on %s only: not clean: %v", side, res.Conflicts)
			}
			if got := treeFiles(t, st, res.Tree); !reflect.DeepEqual(got, want) {
				t.Fatalf("change on %s only:\ngot  %v\nwant %v", side, got, want)
			}
			if res.Tree != changed {
				t.Fatalf("change on %s only: tree %s, want %s", side, res.Tree, changed)
			}
		}
	})
}
