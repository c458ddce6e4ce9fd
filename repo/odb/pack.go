package odb

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"

	zinflate "easel.dev/easel/repo/inflate"
)

// pack is one pack file and its index. The index is mapped when the pack
// is first searched, the pack itself when an object is first read from it.
type pack struct {
	base string // path without ".idx"/".pack"

	idxOnce sync.Once
	idx     *index
	idxErr  error

	dataOnce sync.Once
	data     []byte
	dataErr  error
	mapped   atomic.Bool // data is set (releaseMapped reads it without the Once)

	// inflated counts the bytes inflated from data since its pages were
	// last released (see noteInflated).
	inflated atomic.Uint64
}

// releaseEvery is how many bytes a pack inflates between two releases of
// its mapped pages, when the database was told to (DB.ReleaseBehind). A
// walk over history reads a pack front to back and seldom returns to
// what it read; without releasing, every page it passed stays resident (the commits of git's own history to v1.8.4 are
// 12 MB of its pack). Pages read again are mapped again from the page
// cache at the cost of a minor fault, little next to inflating 8 MiB.
const releaseEvery = 2 << 20

func (p *pack) noteInflated(n uint64) {
	if p.inflated.Add(n) >= releaseEvery {
		p.inflated.Store(0)
		releasePages(p.data)
	}
}

func (p *pack) index() (*index, error) {
	p.idxOnce.Do(func() {
		p.idx, p.idxErr = openIndex(p.base + ".idx")
		if p.idxErr == nil {
			p.idx.revFile = p.base + ".rev"
		}
	})
	return p.idx, p.idxErr
}

func (p *pack) pack() ([]byte, error) {
	p.dataOnce.Do(func() {
		ix, err := p.index()
		if err != nil {
			p.dataErr = err
			return
		}
		d, err := mapFile(p.base + ".pack")
		if err != nil {
			p.dataErr = err
			return
		}
		// The index must describe this very pack: a pack replaced under
		// the same name by a repack would otherwise be misread.
		if len(d) < 32 || string(d[:4]) != "PACK" || !bytes.Equal(d[len(d)-20:], ix.data[len(ix.data)-40:len(ix.data)-20]) {
			unmapFile(d)
			p.dataErr = fmt.Errorf("%s.pack: does not match its index", p.base)
			return
		}
		p.data = d
		p.mapped.Store(true)
	})
	return p.data, p.dataErr
}

// releaseMapped releases the pack's mapped pages, if it is mapped.
func (p *pack) releaseMapped() {
	if p.mapped.Load() {
		releasePages(p.data)
	}
}

func (p *pack) close() {
	if p.idx != nil {
		p.idx.close()
	}
	if p.data != nil {
		unmapFile(p.data)
	}
}

// entry is the header of one packed object.
type entry struct {
	typ     plumbing.ObjectType
	size    uint64 // inflated size of this entry (the delta's, for deltas)
	data    uint64 // offset of the zlib stream
	baseOff uint64 // OFS_DELTA: offset of the base
	baseID  plumbing.Hash
}

var errCorrupt = errors.New("corrupt pack entry")

func parseEntry(d []byte, off uint64) (entry, error) {
	var e entry
	if off < 12 || off >= uint64(len(d))-20 {
		return e, fmt.Errorf("%w: offset %d out of range", errCorrupt, off)
	}
	p := off
	c := d[p]
	p++
	e.typ = plumbing.ObjectType((c >> 4) & 7)
	e.size = uint64(c & 0x0f)
	shift := uint(4)
	for c&0x80 != 0 {
		if p >= uint64(len(d)) || shift > 60 {
			return e, errCorrupt
		}
		c = d[p]
		p++
		e.size |= uint64(c&0x7f) << shift
		shift += 7
	}
	switch e.typ {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	case plumbing.OFSDeltaObject:
		if p >= uint64(len(d)) {
			return e, errCorrupt
		}
		c = d[p]
		p++
		rel := uint64(c & 0x7f)
		for c&0x80 != 0 {
			if p >= uint64(len(d)) || rel > 1<<56 {
				return e, errCorrupt
			}
			c = d[p]
			p++
			rel = ((rel + 1) << 7) | uint64(c&0x7f)
		}
		if rel == 0 || rel > off {
			return e, fmt.Errorf("%w: delta base offset", errCorrupt)
		}
		e.baseOff = off - rel
	case plumbing.REFDeltaObject:
		if p+20 > uint64(len(d)) {
			return e, errCorrupt
		}
		copy(e.baseID[:], d[p:p+20])
		p += 20
	default:
		return e, fmt.Errorf("%w: type %d", errCorrupt, e.typ)
	}
	e.data = p
	return e, nil
}

var zlibReaders sync.Pool

func zlibReader(r io.Reader) (io.ReadCloser, error) {
	if z, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := z.(zlib.Resetter).Reset(r, nil); err != nil {
			return nil, err
		}
		return z, nil
	}
	return zlib.NewReader(r)
}

var inflaters = sync.Pool{New: func() any { return new(zinflate.Inflater) }}

// inflate decompresses exactly size bytes from src.
func inflate(src []byte, size uint64) ([]byte, error) { return inflateTo(nil, src, size) }

// inflateTo is inflate into dst's memory when it is large enough.
func inflateTo(dst, src []byte, size uint64) ([]byte, error) {
	// A corrupt size must not allocate without bound: zlib cannot
	// expand more than about 1032 to 1.
	if size > uint64(len(src))*1032+64 {
		return nil, fmt.Errorf("%w: size %d", errCorrupt, size)
	}
	z := inflaters.Get().(*zinflate.Inflater)
	defer inflaters.Put(z)
	var out []byte
	if uint64(cap(dst)) >= size {
		out = dst[:size]
	} else {
		out = make([]byte, size)
	}
	if err := z.Zlib(out, src); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return out, nil
}

// checkEnd checks that a zlib stream ends where its object does, with a
// good checksum (verified at the end of the stream): damaged data can
// inflate without error otherwise.
func checkEnd(z io.Reader) error {
	var one [1]byte
	n, err := z.Read(one[:])
	for n == 0 && err == nil {
		n, err = z.Read(one[:])
	}
	if n != 0 {
		return fmt.Errorf("%w: longer than its header says", errCorrupt)
	}
	if err != io.EOF {
		return fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return nil
}

// inflatePrefix decompresses at most n bytes (a delta's header).
func inflatePrefix(src []byte, n int) ([]byte, error) {
	z := inflaters.Get().(*zinflate.Inflater)
	defer inflaters.Put(z)
	out := make([]byte, n)
	m, err := z.Prefix(out, src)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return out[:m], nil
}

// maxChain bounds delta chains (git's default depth is 50; a cycle in a
// corrupt pack must not loop for ever).
const maxChain = 10000

// readPacked returns the object at off in p, resolving its delta chain
// through the base cache.
func (db *DB) readPacked(p *pack, off uint64) (plumbing.ObjectType, []byte, error) {
	t, data, _, err := db.readPackedTo(p, off, nil)
	return t, data, err
}

// readPackedTo is readPacked building the object in dst's memory when it
// is not cached; owned says the result is not shared with the cache (it
// is in dst, or newly allocated), so that the caller may reuse it.
func (db *DB) readPackedTo(p *pack, off uint64, dst []byte) (plumbing.ObjectType, []byte, bool, error) {
	d, err := p.pack()
	if err != nil {
		return 0, nil, false, err
	}
	if t, data, ok := db.cache.get(p, off); ok {
		return t, data, false, nil
	}
	type link struct {
		off uint64
		e   entry
	}
	var chain []link
	var typ plumbing.ObjectType
	var data []byte
	cur := off
	for {
		if len(chain) > 0 {
			if t, b, ok := db.cache.get(p, cur); ok {
				typ, data = t, b
				break
			}
		}
		e, err := parseEntry(d, cur)
		if err != nil {
			return 0, nil, false, err
		}
		if e.typ <= plumbing.TagObject {
			var into []byte
			if len(chain) == 0 {
				into = dst // the result itself, which is not cached
			}
			if data, err = inflateTo(into, d[e.data:len(d)-20], e.size); err != nil {
				return 0, nil, false, err
			}
			if db.releaseBehind.Load() {
				p.noteInflated(e.size)
			}
			typ = e.typ
			if len(chain) > 0 {
				db.cache.add(p, cur, typ, data)
			}
			break
		}
		chain = append(chain, link{cur, e})
		if len(chain) > maxChain {
			return 0, nil, false, fmt.Errorf("%w: delta chain too long", errCorrupt)
		}
		if e.typ == plumbing.OFSDeltaObject {
			cur = e.baseOff
			continue
		}
		// REF_DELTA: the base is normally in the same pack.
		if pos, ok := p.idx.find(e.baseID); ok {
			if cur, err = p.idx.offset(pos); err != nil {
				return 0, nil, false, err
			}
			continue
		}
		if typ, data, err = db.read(e.baseID, len(chain)); err != nil {
			return 0, nil, false, fmt.Errorf("delta base %s: %w", e.baseID, err)
		}
		break
	}
	for i := len(chain) - 1; i >= 0; i-- {
		l := chain[i]
		delta, err := inflate(d[l.e.data:len(d)-20], l.e.size)
		if err != nil {
			return 0, nil, false, err
		}
		if db.releaseBehind.Load() {
			p.noteInflated(l.e.size)
		}
		var into []byte
		if i == 0 {
			into = dst // the result itself, which is not cached
		}
		if data, err = applyDeltaTo(into, data, delta); err != nil {
			return 0, nil, false, fmt.Errorf("object at %d: %w", l.off, err)
		}
		if i > 0 {
			db.cache.add(p, l.off, typ, data)
		}
	}
	return typ, data, true, nil
}

// packedInfo returns an object's type and size without inflating it
// whole: a delta's size is in the first bytes of its data, its type is
// its base's.
func (db *DB) packedInfo(p *pack, off uint64) (plumbing.ObjectType, int64, error) {
	d, err := p.pack()
	if err != nil {
		return 0, 0, err
	}
	if t, data, ok := db.cache.get(p, off); ok {
		return t, int64(len(data)), nil
	}
	e, err := parseEntry(d, off)
	if err != nil {
		return 0, 0, err
	}
	if e.typ <= plumbing.TagObject {
		return e.typ, int64(e.size), nil
	}
	hdr, err := inflatePrefix(d[e.data:len(d)-20], 20)
	if err != nil {
		return 0, 0, err
	}
	_, size, _, err := deltaHeader(hdr)
	if err != nil {
		return 0, 0, err
	}
	cur := e
	for n := 0; cur.typ > plumbing.TagObject; n++ {
		if n > maxChain {
			return 0, 0, fmt.Errorf("%w: delta chain too long", errCorrupt)
		}
		next := cur.baseOff
		if cur.typ == plumbing.REFDeltaObject {
			pos, ok := p.idx.find(cur.baseID)
			if !ok {
				t, _, err := db.info(cur.baseID)
				return t, int64(size), err
			}
			if next, err = p.idx.offset(pos); err != nil {
				return 0, 0, err
			}
		}
		if cur, err = parseEntry(d, next); err != nil {
			return 0, 0, err
		}
	}
	return cur.typ, int64(size), nil
}

// openPacked streams an object stored whole (not as a delta); ok is false
// for deltas, which must be built in memory.
func (db *DB) openPacked(p *pack, off uint64) (plumbing.ObjectType, int64, io.ReadCloser, bool, error) {
	d, err := p.pack()
	if err != nil {
		return 0, 0, nil, false, err
	}
	e, err := parseEntry(d, off)
	if err != nil {
		return 0, 0, nil, false, err
	}
	if e.typ > plumbing.TagObject {
		return 0, 0, nil, false, nil
	}
	z, err := zlib.NewReader(bytes.NewReader(d[e.data : len(d)-20]))
	if err != nil {
		return 0, 0, nil, false, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return e.typ, int64(e.size), struct {
		io.Reader
		io.Closer
	}{&exactReader{r: z, left: int64(e.size)}, z}, true, nil
}

// exactReader yields exactly left bytes of a zlib stream and then checks
// that the stream ends there with a good checksum: a corrupt object read
// as a stream fails as one read whole does, rather than yielding
// damaged content.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		if err := checkEnd(e.r); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, fmt.Errorf("%w: %v", errCorrupt, io.ErrUnexpectedEOF)
	}
	if err == io.EOF {
		err = nil
	}
	if err != nil {
		err = fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return n, err
}
