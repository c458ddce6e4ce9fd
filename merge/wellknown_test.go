package merge

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// The well-known id is spelled as bytes; it must be the one hashing gives.
func TestWellKnownEmptyTreeID(t *testing.T) {
	if want := plumbing.ComputeHash(plumbing.TreeObject, nil); emptyTree != want {
		t.Fatalf("emptyTree = %s, want %s", emptyTree, want)
	}
}
