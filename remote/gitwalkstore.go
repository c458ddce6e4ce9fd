package remote

import (
	"bytes"
	"compress/zlib"
	"container/list"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// walkStore serves the commits and trees an object walk reads straight
// from the pack files: entries are inflated and deltas applied here, with
// the results of recent delta bases kept (walkCacheBytes), and no object
// is hashed again (the pack index says which object an entry is). Through
// go-git's storage a clone of 34k commits spent minutes hashing every
// object of every delta chain and re-resolving chains its small cache had
// dropped. Objects the packs do not hold (loose ones) and large entries
// come from the underlying store.
type walkStore struct {
	storer.EncodedObjectStorer
	d     *deltaSource
	zr    io.ReadCloser
	cache *contentLRU
}

// walkCacheBytes bounds the inflated objects kept for delta chains.
const walkCacheBytes = 32 << 20

// walkMaxEntry: entries larger than this are read through the store
// (a walk reads commits and trees, rarely that large).
const walkMaxEntry = 8 << 20

func newWalkStore(s storer.EncodedObjectStorer, d *deltaSource) storer.EncodedObjectStorer {
	if d == nil {
		return s
	}
	return &walkStore{EncodedObjectStorer: s, d: d, cache: newContentLRU(walkCacheBytes)}
}

func (w *walkStore) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	typ, data, ok := w.read(h, 0)
	if !ok {
		return w.EncodedObjectStorer.EncodedObject(t, h)
	}
	if t != plumbing.AnyObject && t != typ {
		return nil, plumbing.ErrObjectNotFound
	}
	return &rawObject{hash: h, typ: typ, data: data}, nil
}

func (w *walkStore) read(h plumbing.Hash, depth int) (plumbing.ObjectType, []byte, bool) {
	if c, ok := w.cache.get(h); ok {
		return c.typ, c.data, true
	}
	if depth > 10000 {
		return 0, nil, false
	}
	p, off, end, ok := w.d.locate(h)
	if !ok || end-off > walkMaxEntry {
		return 0, nil, false
	}
	ra, ok := p.file.(io.ReaderAt)
	if !ok {
		return 0, nil, false
	}
	entry := make([]byte, end-off)
	if _, err := ra.ReadAt(entry, off); err != nil {
		return 0, nil, false
	}
	e, ok := w.d.parseHead(p, off, entry)
	if !ok || e.size > walkMaxEntry*8 {
		return 0, nil, false
	}
	data, ok := w.inflate(entry[e.dataOff:], e.size)
	if !ok {
		return 0, nil, false
	}
	typ := e.typ
	switch typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	case plumbing.OFSDeltaObject, plumbing.REFDeltaObject:
		bt, base, ok := w.read(e.base, depth+1)
		if !ok {
			return 0, nil, false
		}
		out, err := packfile.PatchDelta(base, data)
		if err != nil {
			return 0, nil, false
		}
		typ, data = bt, out
	default:
		return 0, nil, false
	}
	// What was read is what the next deltas of its chain start from.
	w.cache.put(h, typ, data)
	return typ, data, true
}

func (w *walkStore) inflate(z []byte, size int64) ([]byte, bool) {
	src := bytes.NewReader(z)
	if w.zr == nil {
		zr, err := zlib.NewReader(src)
		if err != nil {
			return nil, false
		}
		w.zr = zr
	} else if err := w.zr.(zlib.Resetter).Reset(src, nil); err != nil {
		return nil, false
	}
	out := make([]byte, size)
	if _, err := io.ReadFull(w.zr, out); err != nil {
		return nil, false
	}
	return out, true
}

// rawObject is an object read by walkStore: its id is the one the pack
// index gave, not computed again.
type rawObject struct {
	hash plumbing.Hash
	typ  plumbing.ObjectType
	data []byte
}

func (o *rawObject) Hash() plumbing.Hash             { return o.hash }
func (o *rawObject) Type() plumbing.ObjectType       { return o.typ }
func (o *rawObject) SetType(plumbing.ObjectType)     {}
func (o *rawObject) Size() int64                     { return int64(len(o.data)) }
func (o *rawObject) SetSize(int64)                   {}
func (o *rawObject) Writer() (io.WriteCloser, error) { return nil, errReadOnly }
func (o *rawObject) Reader() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

// contentLRU keeps recently used object contents up to a byte budget.
type contentLRU struct {
	max, used int
	ll        *list.List
	m         map[plumbing.Hash]*list.Element
}

type cached struct {
	h    plumbing.Hash
	typ  plumbing.ObjectType
	data []byte
}

func newContentLRU(max int) *contentLRU {
	return &contentLRU{max: max, ll: list.New(), m: map[plumbing.Hash]*list.Element{}}
}

func (c *contentLRU) get(h plumbing.Hash) (*cached, bool) {
	e, ok := c.m[h]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(e)
	return e.Value.(*cached), true
}

func (c *contentLRU) put(h plumbing.Hash, t plumbing.ObjectType, data []byte) {
	if len(data) > c.max/8 {
		return
	}
	if _, ok := c.m[h]; ok {
		return
	}
	c.m[h] = c.ll.PushFront(&cached{h: h, typ: t, data: data})
	c.used += len(data)
	for c.used > c.max {
		e := c.ll.Back()
		v := e.Value.(*cached)
		c.ll.Remove(e)
		delete(c.m, v.h)
		c.used -= len(v.data)
	}
}
