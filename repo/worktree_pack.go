package repo

import (
	"bytes"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
)

// When add or commit creates many objects at once, easel writes them into
// one new pack (undeltified, with a version 2 index) instead of one loose
// file each. Creating thousands of small files is what makes bulk adds
// slow on most file systems; git makes the same trade-off when it receives
// objects (transfer.unpackLimit: 100 or more objects are kept as a pack).
const packThreshold = 100

// memObject is an object held in memory, waiting to be stored.
type memObject struct {
	id   plumbing.Hash
	t    plumbing.ObjectType
	data []byte
}

// storeObjects writes objects that do not exist yet: as one pack when
// there are many, loose otherwise.
func (r *Repository) storeObjects(objs []memObject) error {
	var todo []memObject
	seen := map[plumbing.Hash]bool{}
	for _, o := range objs {
		if !seen[o.id] && !r.hasObject(o.id) {
			seen[o.id] = true
			todo = append(todo, o)
		}
	}
	if len(todo) < packThreshold {
		for _, o := range todo {
			o := o
			if err := r.writeLoose(o.id, func(w io.Writer) error {
				w.Write(objectHeader(o.t, int64(len(o.data))))
				_, err := w.Write(o.data)
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	}
	pw, err := r.Objects.NewPackWriter(len(todo))
	if err != nil {
		return err
	}
	for _, o := range todo {
		if err := pw.Add(o.id, o.t, int64(len(o.data)), bytes.NewReader(o.data)); err != nil {
			pw.Abort()
			return err
		}
	}
	_, err = pw.Finish()
	return err
}
