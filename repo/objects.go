package repo

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"easel.dev/easel/merge"
)

// These read objects for the commands, so that cmd/ never reaches into
// the object storage itself.

// CommitObject reads the commit h (not peeling tags).
func (r *Repository) CommitObject(h plumbing.Hash) (*object.Commit, error) {
	return object.GetCommit(r.Storer, h)
}

// IsAncestor reports whether commit a is b or one of b's ancestors,
// through the commit-graph where there is one (a fetch's fast-forward
// check, pull's).
func (r *Repository) IsAncestor(ctx context.Context, a, b plumbing.Hash) (bool, error) {
	return merge.IsAncestor(ctx, r.Storer, a, b)
}

// BlobObject reads the blob h.
func (r *Repository) BlobObject(h plumbing.Hash) (*object.Blob, error) {
	return object.GetBlob(r.Storer, h)
}

// ReadObject reads and decodes h, whatever its type: a missing object is
// plumbing.ErrObjectNotFound, one that does not decode ErrCorruptObject.
func (r *Repository) ReadObject(h plumbing.Hash) (object.Object, error) {
	obj, err := r.Storer.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return nil, err
	}
	o, err := object.DecodeObject(r.Storer, obj)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", h, err, ErrCorruptObject)
	}
	return o, nil
}
