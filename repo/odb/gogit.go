package odb

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// The database is go-git's object storer too, so that go-git's object
// types (commits, trees, tags, blobs) decode from it unchanged.
var (
	_ storer.EncodedObjectStorer = (*DB)(nil)
	_ storer.LooseObjectStorer   = (*DB)(nil)
	_ storer.PackedObjectStorer  = (*DB)(nil)
)

// LargeObject is the size above which EncodedObject returns a blob that
// reads its content from disk when asked rather than holding it.
const LargeObject = 4 << 20

// object is an object read from the database: its id is known, never
// recomputed (go-git's MemoryObject hashes its content again on Hash).
type object struct {
	id   plumbing.Hash
	typ  plumbing.ObjectType
	size int64
	data []byte
	db   *DB // set for large objects read on demand
}

func (o *object) Hash() plumbing.Hash             { return o.id }
func (o *object) Type() plumbing.ObjectType       { return o.typ }
func (o *object) SetType(t plumbing.ObjectType)   { o.typ = t }
func (o *object) Size() int64                     { return o.size }
func (o *object) SetSize(s int64)                 { o.size = s }
func (o *object) Writer() (io.WriteCloser, error) { return nil, errReadOnly }
func (o *object) Reader() (io.ReadCloser, error) {
	if o.db != nil {
		_, _, rc, err := o.db.Stream(o.id)
		return rc, err
	}
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

var errReadOnly = errors.New("object read from the database is read-only")

// NewEncodedObject returns an object to fill and pass to SetEncodedObject.
func (db *DB) NewEncodedObject() plumbing.EncodedObject { return &plumbing.MemoryObject{} }

// SetEncodedObject stores o as a loose object unless it exists.
func (db *DB) SetEncodedObject(o plumbing.EncodedObject) (plumbing.Hash, error) {
	if o.Type() == plumbing.OFSDeltaObject || o.Type() == plumbing.REFDeltaObject {
		return plumbing.ZeroHash, plumbing.ErrInvalidType
	}
	r, err := o.Reader()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return db.Write(o.Type(), data)
}

// EncodedObject returns the object id if it has type t (or any type for
// plumbing.AnyObject), plumbing.ErrObjectNotFound otherwise.
func (db *DB) EncodedObject(t plumbing.ObjectType, id plumbing.Hash) (plumbing.EncodedObject, error) {
	typ, data, size, err := db.readOrDefer(id)
	if err != nil {
		return nil, err
	}
	if t != plumbing.AnyObject && t != typ {
		return nil, plumbing.ErrObjectNotFound
	}
	if data == nil && size > 0 {
		return &object{id: id, typ: typ, size: size, db: db}, nil
	}
	return &object{id: id, typ: typ, size: int64(len(data)), data: data}, nil
}

// readOrDefer reads an object whole, except a blob stored whole (loose,
// or packed undeltified) larger than LargeObject: for that it returns
// only the type and size, to be streamed when read. Finding out costs
// nothing more for packed objects (the entry header says) and a stat for
// loose ones.
func (db *DB) readOrDefer(id plumbing.Hash) (plumbing.ObjectType, []byte, int64, error) {
	if p, off, ok := db.findPacked(id); ok {
		if d, err := p.pack(); err == nil {
			if e, err := parseEntry(d, off); err == nil && e.typ == plumbing.BlobObject && e.size > LargeObject {
				return e.typ, nil, int64(e.size), nil
			}
		}
		typ, data, err := db.readPacked(p, off)
		return typ, data, 0, err
	}
	for _, od := range db.dirs() {
		if fi, err := os.Stat(od.loosePath(id)); err == nil && fi.Size() > LargeObject/64 {
			if typ, size, err := od.looseInfo(id); err == nil && typ == plumbing.BlobObject && size > LargeObject {
				return typ, nil, size, nil
			}
		}
	}
	typ, data, err := db.Read(id)
	return typ, data, 0, err
}

// HasEncodedObject returns nil when the object exists.
func (db *DB) HasEncodedObject(id plumbing.Hash) error {
	if db.Has(id) {
		return nil
	}
	return plumbing.ErrObjectNotFound
}

// EncodedObjectSize returns the size of an object's content.
func (db *DB) EncodedObjectSize(id plumbing.Hash) (int64, error) {
	_, size, err := db.Info(id)
	return size, err
}

// HashesWithPrefix returns the ids that start with the bytes of prefix.
func (db *DB) HashesWithPrefix(prefix []byte) ([]plumbing.Hash, error) {
	return db.Prefix(hex.EncodeToString(prefix))
}

// IterEncodedObjects iterates over every object of type t.
func (db *DB) IterEncodedObjects(t plumbing.ObjectType) (storer.EncodedObjectIter, error) {
	var ids []plumbing.Hash
	if err := db.ForEach(func(h plumbing.Hash) error { ids = append(ids, h); return nil }); err != nil {
		return nil, err
	}
	return &objectIter{db: db, t: t, ids: ids}, nil
}

type objectIter struct {
	db  *DB
	t   plumbing.ObjectType
	ids []plumbing.Hash
}

func (it *objectIter) Next() (plumbing.EncodedObject, error) {
	for len(it.ids) > 0 {
		id := it.ids[0]
		it.ids = it.ids[1:]
		if it.t != plumbing.AnyObject {
			if typ, _, err := it.db.Info(id); err != nil {
				return nil, err
			} else if typ != it.t {
				continue
			}
		}
		return it.db.EncodedObject(plumbing.AnyObject, id)
	}
	return nil, io.EOF
}

func (it *objectIter) ForEach(fn func(plumbing.EncodedObject) error) error {
	for {
		o, err := it.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(o); err != nil {
			if err == storer.ErrStop {
				return nil
			}
			return err
		}
	}
}

func (it *objectIter) Close() { it.ids = nil }

// AddAlternate appends an objects directory to objects/info/alternates.
func (db *DB) AddAlternate(dir string) error {
	info := filepath.Join(db.own.dir, "info")
	if err := os.MkdirAll(info, 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(info, "alternates"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(dir + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ForEachObjectHash calls fn for every loose object of the repository.
func (db *DB) ForEachObjectHash(fn func(plumbing.Hash) error) error {
	err := db.own.forEachLoose(fn)
	if err == storer.ErrStop {
		return nil
	}
	return err
}

// LooseObjectTime is the modification time of a loose object.
func (db *DB) LooseObjectTime(id plumbing.Hash) (time.Time, error) {
	fi, err := os.Stat(db.own.loosePath(id))
	if err != nil {
		return time.Time{}, plumbing.ErrObjectNotFound
	}
	return fi.ModTime(), nil
}

// DeleteLooseObject removes a loose object.
func (db *DB) DeleteLooseObject(id plumbing.Hash) error {
	return os.Remove(db.own.loosePath(id))
}

// ObjectPacks lists the checksums of the repository's own packs.
func (db *DB) ObjectPacks() ([]plumbing.Hash, error) { return db.Packs(), nil }

// DeleteOldObjectPackAndIndex removes a pack and its index when the pack
// is older than t (or t is zero).
func (db *DB) DeleteOldObjectPackAndIndex(h plumbing.Hash, t time.Time) error {
	base := filepath.Join(db.own.dir, "pack", "pack-"+h.String())
	if !t.IsZero() {
		fi, err := os.Stat(base + ".pack")
		if err != nil {
			return err
		}
		if fi.ModTime().After(t) {
			return nil
		}
	}
	os.Remove(base + ".idx")
	os.Remove(base + ".rev")
	err := os.Remove(base + ".pack")
	db.own.rescan()
	return err
}
