package rename

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// The well-known id is spelled as bytes; it must be the one hashing gives.
func TestWellKnownEmptyBlobID(t *testing.T) {
	if want := plumbing.ComputeHash(plumbing.BlobObject, nil); emptyBlob != want {
		t.Fatalf("emptyBlob = %s, want %s", emptyBlob, want)
	}
}
