package repo

import (
	"context"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/gitobj"
)

// These read objects for the commands, so that cmd/ never reaches into
// the object storage itself.

// CommitObject reads the commit h (not peeling tags).
func (r *Repository) CommitObject(h plumbing.Hash) (*gitobj.Commit, error) {
	return gitobj.GetCommit(r.Storer, h)
}

// IsAncestor reports whether commit a is b or one of b's ancestors,
// through the commit-graph where there is one (a fetch's fast-forward
// check, pull's).
func (r *Repository) IsAncestor(ctx context.Context, a, b plumbing.Hash) (bool, error) {
	return merge.IsAncestor(ctx, r.Storer, a, b)
}

// ReadObject reads and decodes h, whatever its type: a missing object is
// plumbing.ErrObjectNotFound, one that does not decode ErrCorruptObject.
func (r *Repository) ReadObject(h plumbing.Hash) (gitobj.Object, error) {
	obj, err := r.Storer.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return nil, err
	}
	o, err := gitobj.DecodeEncodedObject(r.Storer, obj)
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %w", h, err, ErrCorruptObject)
	}
	return o, nil
}
