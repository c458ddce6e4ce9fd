package repo

import (
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// LookupPath finds the entry at the slash-separated path under tree: its
// object id and mode, both zero when the tree has no such entry.
func (r *Repository) LookupPath(tree plumbing.Hash, path string) (plumbing.Hash, filemode.FileMode, error) {
	st, err := r.lookupPath(tree, path)
	return st.hash, st.mode, err
}

// CleanContent turns a work tree file's bytes into what git would store
// for path: the clean filters, end-of-line and working-tree-encoding
// conversions of its attributes.
func (r *Repository) CleanContent(path string, data []byte) ([]byte, error) {
	return r.cleanContent(path, data)
}
