package repo

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// The well-known ids are spelled as bytes; they must be the ones hashing
// gives.
func TestWellKnownIDs(t *testing.T) {
	if want := hashObject(plumbing.TreeObject, nil); emptyTree != want {
		t.Errorf("emptyTree = %s, want %s", emptyTree, want)
	}
	if want := hashObject(plumbing.BlobObject, nil); emptyBlob != want {
		t.Errorf("emptyBlob = %s, want %s", emptyBlob, want)
	}
}
