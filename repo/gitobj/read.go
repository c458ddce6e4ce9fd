package gitobj

import (
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// rawReader is a store that hands out an object's bytes without building
// an EncodedObject (repo/odb).
type rawReader interface {
	Read(id plumbing.Hash) (plumbing.ObjectType, []byte, error)
}

// Object is a decoded commit, tag, tree or blob.
type Object interface {
	ID() plumbing.Hash
	Type() plumbing.ObjectType
}

// Blob is a blob object read whole.
type Blob struct {
	Hash plumbing.Hash
	Data []byte
}

// ID is the blob's id.
func (b *Blob) ID() plumbing.Hash { return b.Hash }

// Type is plumbing.BlobObject.
func (b *Blob) Type() plumbing.ObjectType { return plumbing.BlobObject }

// Read returns the type and bytes of object id; want other than
// plumbing.AnyObject makes another type plumbing.ErrObjectNotFound, as
// go-git's stores answer.
func Read(st storer.EncodedObjectStorer, want plumbing.ObjectType, id plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	if r, ok := st.(rawReader); ok {
		typ, data, err := r.Read(id)
		if err != nil {
			return 0, nil, err
		}
		if want != plumbing.AnyObject && typ != want {
			return 0, nil, plumbing.ErrObjectNotFound
		}
		return typ, data, nil
	}
	o, err := st.EncodedObject(want, id)
	if err != nil {
		return 0, nil, err
	}
	data, err := readAll(o)
	return o.Type(), data, err
}

func readAll(o plumbing.EncodedObject) ([]byte, error) {
	r, err := o.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// GetCommit reads commit id from st.
func GetCommit(st storer.EncodedObjectStorer, id plumbing.Hash) (*Commit, error) {
	_, data, err := Read(st, plumbing.CommitObject, id)
	if err != nil {
		return nil, err
	}
	return DecodeCommitShared(id, data)
}

// GetTag reads tag id from st.
func GetTag(st storer.EncodedObjectStorer, id plumbing.Hash) (*Tag, error) {
	_, data, err := Read(st, plumbing.TagObject, id)
	if err != nil {
		return nil, err
	}
	return DecodeTag(id, data)
}

// GetTree reads tree id from st; its FindEntry reads subtrees from st.
func GetTree(st storer.EncodedObjectStorer, id plumbing.Hash) (*Tree, error) {
	_, data, err := Read(st, plumbing.TreeObject, id)
	if err != nil {
		return nil, err
	}
	t, err := DecodeTree(id, data)
	if err != nil {
		return nil, err
	}
	t.st = st
	return t, nil
}

// GetBlob reads the bytes of blob id from st.
func GetBlob(st storer.EncodedObjectStorer, id plumbing.Hash) ([]byte, error) {
	_, data, err := Read(st, plumbing.BlobObject, id)
	return data, err
}

// DecodeEncodedObject decodes a store's object as a commit, tag or tree.
func DecodeEncodedObject(st storer.EncodedObjectStorer, o plumbing.EncodedObject) (Object, error) {
	data, err := readAll(o)
	if err != nil {
		return nil, err
	}
	switch o.Type() {
	case plumbing.CommitObject:
		return DecodeCommit(o.Hash(), data)
	case plumbing.TagObject:
		return DecodeTag(o.Hash(), data)
	case plumbing.TreeObject:
		t, err := DecodeTree(o.Hash(), data)
		if t != nil {
			t.st = st
		}
		return t, err
	case plumbing.BlobObject:
		return &Blob{Hash: o.Hash(), Data: data}, nil
	}
	return nil, fmt.Errorf("%w: %s: type %v", ErrMalformed, o.Hash(), o.Type())
}

// DecodeEncodedCommit decodes a store's object as a commit.
func DecodeEncodedCommit(o plumbing.EncodedObject) (*Commit, error) {
	if o.Type() != plumbing.CommitObject {
		return nil, fmt.Errorf("%w: %s is a %v, not a commit", ErrMalformed, o.Hash(), o.Type())
	}
	data, err := readAll(o)
	if err != nil {
		return nil, err
	}
	return DecodeCommit(o.Hash(), data)
}

// DecodeEncodedTag decodes a store's object as a tag.
func DecodeEncodedTag(o plumbing.EncodedObject) (*Tag, error) {
	if o.Type() != plumbing.TagObject {
		return nil, fmt.Errorf("%w: %s is a %v, not a tag", ErrMalformed, o.Hash(), o.Type())
	}
	data, err := readAll(o)
	if err != nil {
		return nil, err
	}
	return DecodeTag(o.Hash(), data)
}
