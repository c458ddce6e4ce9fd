package remote

import (
	"errors"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// emptyStore is the object store of a repository that does not exist yet
// (a first push, the advertisement of a repository about to be created):
// it holds nothing, and nothing is written to it, since a push's objects
// go to its quarantine.
type emptyStore struct{}

var _ storer.EncodedObjectStorer = emptyStore{}

var errEmptyStoreWrite = errors.New("write to the object store of a repository that does not exist")

func (emptyStore) NewEncodedObject() plumbing.EncodedObject { return &plumbing.MemoryObject{} }
func (emptyStore) SetEncodedObject(plumbing.EncodedObject) (plumbing.Hash, error) {
	return plumbing.ZeroHash, errEmptyStoreWrite
}
func (emptyStore) EncodedObject(plumbing.ObjectType, plumbing.Hash) (plumbing.EncodedObject, error) {
	return nil, plumbing.ErrObjectNotFound
}
func (emptyStore) IterEncodedObjects(plumbing.ObjectType) (storer.EncodedObjectIter, error) {
	return storer.NewEncodedObjectSliceIter(nil), nil
}
func (emptyStore) HasEncodedObject(plumbing.Hash) error { return plumbing.ErrObjectNotFound }
func (emptyStore) EncodedObjectSize(plumbing.Hash) (int64, error) {
	return 0, plumbing.ErrObjectNotFound
}
func (emptyStore) AddAlternate(string) error { return errEmptyStoreWrite }
