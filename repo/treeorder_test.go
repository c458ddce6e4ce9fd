package repo

import (
	"math/rand"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// gitTreeLess must order entries as git does: by name, a directory's name
// compared as if it ended in "/".
func TestGitTreeLess(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("ab-.0~") // names never hold "/"
	randEntry := func() treeEntry {
		n := 1 + rng.Intn(3)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		mode := filemode.Regular
		if rng.Intn(2) == 0 {
			mode = filemode.Dir
		}
		return treeEntry{name: string(b), mode: mode}
	}
	key := func(e treeEntry) string {
		if e.isDir() {
			return e.name + "/"
		}
		return e.name
	}
	for i := 0; i < 20000; i++ {
		a, b := randEntry(), randEntry()
		if got, want := gitTreeLess(a, b), key(a) < key(b); got != want {
			t.Fatalf("gitTreeLess(%q dir=%v, %q dir=%v) = %v, want %v", a.name, a.isDir(), b.name, b.isDir(), got, want)
		}
	}
}
