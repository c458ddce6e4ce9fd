package remote

import (
	"context"
	"errors"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/packobj"
)

// MissingObjects lists the objects reachable from wants and not from haves.
// Haves the store does not hold are skipped: a client may have commits the
// server never saw.
func MissingObjects(ctx context.Context, s storer.EncodedObjectStorer, wants, haves []plumbing.Hash) ([]plumbing.Hash, error) {
	var known []plumbing.Hash
	for _, h := range haves {
		if s.HasEncodedObject(h) == nil {
			known = append(known, h)
		}
	}
	if len(wants) == 0 {
		return nil, nil
	}
	return objectsToSend(ctx, s, wants, known)
}

// WritePack streams a packfile holding exactly hashes to w. From a
// repository's own storage it is written by repo/packobj, the pack writer
// of repack and of git's fetch: entries stored whole and stored deltas
// whose base is in the pack are copied as they are, nothing else is
// searched for deltas. From another storer go-git's encoder writes every
// object whole; lazyStorer hands it placeholders that read each object
// only while it is written and drop it afterwards, so memory stays at one
// object (plus the storer's bounded cache), not the whole pack.
func WritePack(ctx context.Context, w io.Writer, s storer.EncodedObjectStorer, hashes []plumbing.Hash) (plumbing.Hash, error) {
	return WriteThinPack(ctx, w, s, hashes, nil)
}

// WriteThinPack is WritePack sending an object of hashes that has a base
// in bases as a REF_DELTA against it when that is less than half its size
// (see thin.go): a thin pack, for a receiver that holds every base. Only a
// repository's own storage writes deltas; with another storer bases are
// ignored and every object is sent whole.
func WriteThinPack(ctx context.Context, w io.Writer, s storer.EncodedObjectStorer, hashes []plumbing.Hash, bases map[plumbing.Hash]plumbing.Hash) (plumbing.Hash, error) {
	if st, ok := s.(*repo.Storage); ok {
		res, err := packobj.Write(ctxWriter{ctx, w}, st.DB, objectsOf(hashes), packobj.Options{Window: -1, Threads: 1, Thin: bases, NoIndex: true})
		return res.Checksum, err
	}
	enc := packfile.NewEncoder(ctxWriter{ctx, w}, lazyStorer{s}, false)
	return enc.Encode(hashes, 0)
}

type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

type lazyStorer struct{ storer.EncodedObjectStorer }

func (l lazyStorer) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	return &lazyObject{hash: h, s: l.EncodedObjectStorer}, nil
}

// lazyObject is an object known by id only until the encoder asks for its
// type, size or content.
type lazyObject struct {
	hash   plumbing.Hash
	s      storer.EncodedObjectStorer
	typ    plumbing.ObjectType
	size   int64
	err    error
	loaded plumbing.EncodedObject
}

func (o *lazyObject) load() {
	if o.typ != plumbing.InvalidObject || o.err != nil {
		return
	}
	obj, err := o.s.EncodedObject(plumbing.AnyObject, o.hash)
	if err != nil {
		o.err = err
		return
	}
	o.typ, o.size, o.loaded = obj.Type(), obj.Size(), obj
}

func (o *lazyObject) Hash() plumbing.Hash { return o.hash }
func (o *lazyObject) Type() plumbing.ObjectType {
	o.load()
	return o.typ
}
func (o *lazyObject) Size() int64 {
	o.load()
	return o.size
}

// Reader returns the content once and forgets the loaded object, so the
// encoder's list of objects does not keep every content alive.
func (o *lazyObject) Reader() (io.ReadCloser, error) {
	o.load()
	if o.err != nil {
		return nil, o.err
	}
	obj := o.loaded
	o.loaded = nil
	if obj == nil {
		var err error
		if obj, err = o.s.EncodedObject(plumbing.AnyObject, o.hash); err != nil {
			return nil, err
		}
	}
	return obj.Reader()
}

var errReadOnly = errors.New("read-only object")

func (o *lazyObject) SetType(plumbing.ObjectType)     {}
func (o *lazyObject) SetSize(int64)                   {}
func (o *lazyObject) Writer() (io.WriteCloser, error) { return nil, errReadOnly }
