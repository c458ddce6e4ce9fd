package indexfile

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// cacheTreeRoot reads the root of a cache-tree extension: an empty path,
// NUL, the number of entries it covers (-1: invalidated), a space, the
// number of subtrees, a newline, then the tree id when valid. The root
// counts only when it covers all n entries (git invalidates it for
// conflicts; intent-to-add entries, left out of trees, make it differ).
func cacheTreeRoot(ext []byte, n int) (plumbing.Hash, bool) {
	if len(ext) == 0 || ext[0] != 0 {
		return plumbing.ZeroHash, false
	}
	nl := bytes.IndexByte(ext, '\n')
	if nl < 0 {
		return plumbing.ZeroHash, false
	}
	count, _, ok := strings.Cut(string(ext[1:nl]), " ")
	if !ok || count != strconv.Itoa(n) || n == 0 || len(ext) < nl+1+20 {
		return plumbing.ZeroHash, false
	}
	var h plumbing.Hash
	copy(h[:], ext[nl+1:])
	return h, true
}

// TreeRoot is the valid root of the cache-tree extension ext for an index
// of n entries (see Extensions.TreeRoot); zero when there is none.
func TreeRoot(ext []byte, n int) plumbing.Hash {
	h, _ := cacheTreeRoot(ext, n)
	return h
}

// MandatoryExtensionError is the refusal of an index extension git
// requires a reader to understand.
type MandatoryExtensionError struct{ Sig string }

func (e *MandatoryExtensionError) Error() string { return e.Reason() }

// Reason says what the extension is and how to make the index readable.
func (e *MandatoryExtensionError) Reason() string {
	sig := e.Sig
	reason := fmt.Sprintf("index extension %q is required to read the index and easel does not know it", sig)
	switch sig {
	case "link":
		reason = "the index is split (core.splitIndex); run 'git update-index --no-split-index' to use easel here"
	case "sdir":
		reason = "the index is sparse (index.sparse); run 'git sparse-checkout disable' or set index.sparse=false to use easel here"
	}
	return reason
}
