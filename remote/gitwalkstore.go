package remote

import (
	"bytes"
	"compress/zlib"
	"container/list"
	"context"
	"errors"
	"fmt"
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

// raw is h's type and content: from the packs, else the store.
func (w *walkStore) raw(h plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	if t, data, ok := w.read(h, 0); ok {
		return t, data, nil
	}
	o, err := w.EncodedObjectStorer.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return 0, nil, err
	}
	rd, err := o.Reader()
	if err != nil {
		return 0, nil, err
	}
	defer rd.Close()
	data, err := io.ReadAll(rd)
	return o.Type(), data, err
}

// allReachable lists every object wants reach: what a clone without
// haves, depth or filter receives. It is objectsToSend with nothing to
// leave out, on raw object data: commits and tags parsed for their links
// only, trees for their entries' modes and ids, each object once (one set
// of ids, no parsed commits kept), so the 154k objects of a long history
// are listed without go-git decoding every tree.
func (w *walkStore) allReachable(ctx context.Context, wants []plumbing.Hash) ([]plumbing.Hash, error) {
	// Sized for the packs' objects up front: growing a map of 100k+ ids
	// step by step costs more than the walk's lookups.
	total := int64(0)
	for _, p := range w.d.src.packs {
		if n, err := p.idx.Count(); err == nil {
			total += n
		}
	}
	seen := make(map[plumbing.Hash]bool, min(total, 1<<24))
	out := make([]plumbing.Hash, 0, min(total, 1<<24))
	var commits []plumbing.Hash
	var tree func(h plumbing.Hash) error
	tree = func(h plumbing.Hash) error {
		if seen[h] {
			return nil
		}
		seen[h] = true
		out = append(out, h)
		_, data, err := w.raw(h)
		if err != nil {
			return fmt.Errorf("tree %s: %w", h, err)
		}
		for len(data) > 0 {
			sp := bytes.IndexByte(data, ' ')
			nul := bytes.IndexByte(data, 0)
			if sp <= 0 || nul < sp || len(data) < nul+21 {
				return fmt.Errorf("tree %s: malformed", h)
			}
			mode := string(data[:sp])
			var id plumbing.Hash
			copy(id[:], data[nul+1:nul+21])
			data = data[nul+21:]
			switch mode {
			case "160000": // a submodule's commit lives elsewhere
			case "40000":
				if err := tree(id); err != nil {
					return err
				}
			default:
				if !seen[id] {
					seen[id] = true
					out = append(out, id)
				}
			}
		}
		return nil
	}
	for _, h := range wants {
		for range 100 {
			if seen[h] {
				break
			}
			t, data, err := w.raw(h)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", h, err)
			}
			if t == plumbing.TagObject {
				seen[h] = true
				out = append(out, h)
				if h, err = parseTagTarget(data); err != nil {
					return nil, err
				}
				continue
			}
			switch t {
			case plumbing.CommitObject:
				commits = append(commits, h)
			case plumbing.TreeObject:
				if err := tree(h); err != nil {
					return nil, err
				}
			default:
				seen[h] = true
				out = append(out, h)
			}
			break
		}
	}
	for len(commits) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h := commits[len(commits)-1]
		commits = commits[:len(commits)-1]
		if seen[h] {
			continue
		}
		t, data, err := w.raw(h)
		if errors.Is(err, plumbing.ErrObjectNotFound) {
			continue // below a shallow boundary of this repository
		}
		if err != nil {
			return nil, err
		}
		if t != plumbing.CommitObject {
			return nil, fmt.Errorf("%s is a %s, not a commit", h, t)
		}
		seen[h] = true
		out = append(out, h)
		root, parents, err := parseCommitLinks(data)
		if err != nil {
			return nil, fmt.Errorf("commit %s: %w", h, err)
		}
		if err := tree(root); err != nil {
			return nil, err
		}
		commits = append(commits, parents...)
	}
	return out, nil
}
