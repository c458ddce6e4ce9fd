// Package packobj writes packs with delta compression, as git's
// pack-objects does: the objects are sorted by type, by a hash of the
// path they were reached by and by size, largest first; each is tried as
// a delta against the few objects before it (a sliding window), with
// delta chains no deeper than a limit; deltas and whole entries already
// stored in the repository's packs are copied as they are when they can
// be. Only the window's objects are held whole in memory, with a bounded
// cache of the deltas found; the rest is per-object bookkeeping.
package packobj

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/hashfile"
	"easel.dev/easel/repo/odb"
)

// Object is one object to pack and the path it was reached by (empty for
// commits and tags): objects at the same path are the best delta
// candidates for each other.
type Object struct {
	ID   plumbing.Hash
	Path string
}

// Options are pack-objects' knobs.
type Options struct {
	Window        int  // candidates tried per object (git's --window, 10)
	Depth         int  // longest delta chain (git's --depth, 50)
	NoReuseDelta  bool // -f: search every delta again
	NoReuseObject bool // -F: compress every object again (implies NoReuseDelta)
	Threads       int  // parallel delta searches; 0: one per CPU
	// DeltaCacheBytes bounds the deltas kept from the search for the
	// write (git's pack.deltaCacheSize); others are computed again.
	DeltaCacheBytes int64
	// Level is the zlib level of what is compressed anew.
	Level int
	// RefDelta names every delta's base by its id (REF_DELTA) instead of
	// its offset (OFS_DELTA), for a receiver that did not ask for
	// ofs-delta.
	RefDelta bool
	// Thin gives objects a base the receiver holds and the pack does not
	// carry (a thin pack, git's --thin): such an object that is not a
	// stored delta is sent as a REF_DELTA against its base when that
	// delta is less than half its size, and whole otherwise. Objects
	// given here are not searched against the window.
	Thin map[plumbing.Hash]plumbing.Hash
}

// Defaults are git's.
func (o Options) withDefaults() Options {
	if o.Window <= 0 {
		if o.Window < 0 {
			o.Window = 0
		} else {
			o.Window = 10
		}
	}
	if o.Depth == 0 {
		o.Depth = 50
	}
	if o.Depth > 4095 { // git's limit
		o.Depth = 4095
	}
	if o.NoReuseObject {
		o.NoReuseDelta = true
	}
	if o.Threads <= 0 {
		o.Threads = runtime.GOMAXPROCS(0)
	}
	if o.DeltaCacheBytes == 0 {
		o.DeltaCacheBytes = 256 << 20
	}
	if o.Level == 0 {
		o.Level = zlib.DefaultCompression
	}
	return o
}

// bigFileThreshold is git's core.bigFileThreshold default: larger blobs
// are stored whole, never read whole into the window.
const bigFileThreshold = 512 << 20

// Result says what was written.
type Result struct {
	Checksum     plumbing.Hash
	Entries      []odb.PackIndexEntry
	Reused       int // whole entries copied from stored packs
	ReusedDeltas int // stored deltas copied
	Deltas       int // deltas found by the search
	ThinDeltas   int // deltas against bases the receiver holds (Options.Thin)
}

// NameHash is git's pack_name_hash: the last characters of the path
// weigh most, so files of the same name (and extension) sort together.
func NameHash(path string) uint32 {
	var h uint32
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c < 0x80 && unicode.IsSpace(rune(c)) {
			continue
		}
		h = (h >> 2) + uint32(c)<<24
	}
	return h
}

// item is the bookkeeping of one object.
type item struct {
	id        plumbing.Hash
	typ       plumbing.ObjectType
	size      int64
	hash      uint32
	stored    odb.Stored
	packed    bool
	base      int32 // delta base (index into items), -1 for none
	depth     int32
	deltaSize int64
	reused    bool          // a stored delta copied as it is
	ext       plumbing.Hash // a thin base outside the pack (Options.Thin)
	subtree   int32
	delta     []byte // compressed delta found by the search, when cached
	offset    uint64
	state     uint8 // 0 unwritten, 1 being written, 2 written
}

type packer struct {
	db    *odb.DB
	pos   map[plumbing.Hash]int32 // index of each id in items
	opt   Options
	items []item
	cache atomic.Int64
}

// Write writes a pack of objs to w (ids given twice are packed once) and
// returns what an index of it needs.
func Write(w io.Writer, db *odb.DB, objs []Object, opt Options) (Result, error) {
	pk := &packer{db: db, opt: opt.withDefaults()}
	if err := pk.prepare(objs); err != nil {
		return Result{}, err
	}
	pk.reuseDeltas()
	if err := pk.fillInfo(); err != nil {
		return Result{}, err
	}
	pk.thin()
	pk.search()
	return pk.write(w)
}

// fillInfo reads the type and size of the objects stored as deltas that
// are not reused as they are (following their chain to the base's type);
// a reused delta needs neither, and a clone reuses most.
func (pk *packer) fillInfo() error {
	for i := range pk.items {
		it := &pk.items[i]
		if it.typ != plumbing.InvalidObject || it.reused {
			continue
		}
		t, size, err := pk.db.Info(it.id)
		if err != nil {
			return fmt.Errorf("object %s: %w", it.id, err)
		}
		it.typ, it.size = t, size
	}
	return nil
}

func (pk *packer) prepare(objs []Object) error {
	pos := make(map[plumbing.Hash]int32, len(objs))
	pk.items = make([]item, 0, len(objs))
	for _, o := range objs {
		if _, ok := pos[o.ID]; ok {
			continue
		}
		it := item{id: o.ID, hash: NameHash(o.Path), base: -1}
		if s, ok := pk.db.Locate(o.ID); ok && !s.Delta() {
			it.stored, it.packed = s, true
			it.typ, it.size = s.Kind, int64(s.Size)
		} else if ok {
			// A stored delta: its type and size are read (fillInfo)
			// only if it is not reused.
			it.stored, it.packed = s, true
		} else {
			t, size, err := pk.db.Info(o.ID)
			if err != nil {
				return fmt.Errorf("object %s: %w", o.ID, err)
			}
			it.typ, it.size = t, size
		}
		pos[o.ID] = int32(len(pk.items))
		pk.items = append(pk.items, it)
	}
	pk.pos = pos
	if pk.opt.NoReuseDelta {
		return nil
	}
	// A stored delta is kept when its base is packed too, in the same
	// pack (so that chains across packs cannot loop).
	for i := range pk.items {
		it := &pk.items[i]
		if !it.packed || !it.stored.Delta() {
			continue
		}
		b, ok := pos[it.stored.Base]
		if !ok || !pk.items[b].packed || !pk.items[b].stored.SamePack(it.stored) {
			continue
		}
		it.base, it.reused, it.deltaSize = b, true, int64(it.stored.Size)
	}
	return nil
}

// thin gives the objects that have a thin base outside the pack, and
// are not reused deltas, that base.
func (pk *packer) thin() {
	pos := pk.pos
	pk.pos = nil // not needed after: the ids' map is let go before the search
	for id, base := range pk.opt.Thin {
		i, ok := pos[id]
		if _, inPack := pos[base]; !ok || inPack || base.IsZero() {
			continue
		}
		if it := &pk.items[i]; !it.reused && it.typ == plumbing.BlobObject && it.size >= 50 && it.size <= bigFileThreshold {
			it.ext = base
		}
	}
}

// reuseDeltas gives reused deltas their depth, cutting chains deeper
// than the limit (and any cycle a damaged pack could hold): the object
// where a chain grows too deep is searched again instead.
func (pk *packer) reuseDeltas() {
	const unknown, busy = -1, -2
	for i := range pk.items {
		if pk.items[i].reused {
			pk.items[i].depth = unknown
		}
	}
	var depth func(i int32) int32
	depth = func(i int32) int32 {
		it := &pk.items[i]
		if !it.reused {
			return 0
		}
		switch it.depth {
		case busy:
			it.reused, it.base, it.depth = false, -1, 0
			return 0
		case unknown:
		default:
			return it.depth
		}
		it.depth = busy
		d := depth(it.base) + 1
		if !it.reused { // a cycle came back here and cut it
			return 0
		}
		if int(d) > pk.opt.Depth {
			it.reused, it.base, d = false, -1, 0
		}
		it.depth = d
		return d
	}
	for i := range pk.items {
		depth(int32(i))
	}
	// subtree: the deepest chain of reused deltas hanging on an object,
	// which a delta found for it must leave room for.
	for i := range pk.items {
		it := &pk.items[i]
		if !it.reused {
			continue
		}
		d := it.depth
		for b := it.base; b >= 0; b = pk.items[b].base {
			rel := d - pk.items[b].depth
			if rel > pk.items[b].subtree {
				pk.items[b].subtree = rel
			}
			if !pk.items[b].reused {
				break
			}
		}
	}
}

// search finds deltas for every object not already a reused delta.
func (pk *packer) search() {
	if pk.opt.Window == 0 {
		return
	}
	var list []int32
	for i := range pk.items {
		it := &pk.items[i]
		// Tiny objects are not worth a delta (git skips under 50 bytes);
		// huge ones are not held whole (git's core.bigFileThreshold).
		if it.reused || !it.ext.IsZero() || it.size < 50 || it.size > bigFileThreshold || it.typ < plumbing.CommitObject || it.typ > plumbing.TagObject {
			continue
		}
		list = append(list, int32(i))
	}
	items := pk.items
	sort.SliceStable(list, func(a, b int) bool {
		x, y := &items[list[a]], &items[list[b]]
		if x.typ != y.typ {
			return x.typ > y.typ
		}
		if x.hash != y.hash {
			return x.hash > y.hash
		}
		if x.size != y.size {
			return x.size > y.size
		}
		return list[a] < list[b]
	})
	// Split the list among the workers where the name hash changes, so
	// that objects of one path stay in one window.
	n := pk.opt.Threads
	if len(list) < 2000 {
		n = 1
	}
	var chunks [][]int32
	rest := list
	for k := n; k > 0 && len(rest) > 0; k-- {
		size := len(rest) / k
		if k == 1 {
			size = len(rest)
		}
		for size < len(rest) && size > 0 && items[rest[size]].hash == items[rest[size-1]].hash && items[rest[size]].typ == items[rest[size-1]].typ {
			size++
		}
		chunks = append(chunks, rest[:size])
		rest = rest[size:]
	}
	var wg sync.WaitGroup
	for _, c := range chunks {
		wg.Add(1)
		go func(c []int32) {
			defer wg.Done()
			pk.findDeltas(c)
		}(c)
	}
	wg.Wait()
}

// candidate is one object of the window.
type candidate struct {
	i    int32
	data []byte
	ix   *deltaIndex
}

func (pk *packer) findDeltas(list []int32) {
	// git's window: slot idx takes the next target; the slots before it
	// (circularly) hold the candidates, most recent first.
	size := pk.opt.Window + 1
	win := make([]candidate, size)
	for k := range win {
		win[k].i = -1
	}
	idx := 0
	zbuf := new(bytes.Buffer)
	zw, _ := zlib.NewWriterLevel(zbuf, pk.opt.Level)
	for _, ti := range list {
		trg := &pk.items[ti]
		// Contents are read when a pair is first tried: objects whose
		// every pair is skipped (whole entries of one pack) are never
		// inflated.
		win[idx] = candidate{i: ti}
		var data []byte
		unreadable := false
		maxDepth := int32(pk.opt.Depth) - trg.subtree
		best := -1
		var delta []byte
		if maxDepth > 0 {
			for j := size - 1; j > 0; j-- {
				other := (idx + j) % size
				c := &win[other]
				if c.i < 0 {
					break
				}
				src := &pk.items[c.i]
				if src.typ != trg.typ {
					break
				}
				if pk.keptWhole(trg, src) {
					continue
				}
				if data == nil {
					_, d, err := pk.db.Read(trg.id)
					if err != nil {
						unreadable = true // the write reports it
						break
					}
					data, win[idx].data = d, d
				}
				if c.data == nil {
					_, d, err := pk.db.Read(src.id)
					if err != nil {
						continue
					}
					c.data = d
				}
				if d := pk.tryDelta(trg, src, c, data, maxDepth); d != nil {
					trg.base, trg.deltaSize, trg.depth = c.i, int64(len(d)), src.depth+1
					best, delta = other, d
				}
			}
		}
		if unreadable {
			win[idx] = candidate{i: -1}
			continue
		}
		if delta != nil {
			pk.cacheDelta(trg, delta, data, zbuf, zw)
		}
		// An object at the depth limit cannot be a base: its slot is
		// taken by the next target.
		if trg.base >= 0 && maxDepth <= trg.depth {
			win[idx] = candidate{i: -1}
			continue
		}
		// Move the best base up, next to the object just made a delta
		// against it, so that it stays in the window longer (git does).
		if best >= 0 {
			swap := win[best]
			dist := (size + idx - best) % size
			dst := best
			for ; dist > 0; dist-- {
				src := (dst + 1) % size
				win[dst] = win[src]
				dst = src
			}
			win[dst] = swap
		}
		idx = (idx + 1) % size
	}
}

// keptWhole is git's rule for reused packs: an object its pack stores
// whole is not tried against another object of the same pack, whose
// packer already chose to keep it whole (unless deltas are searched
// afresh, -f).
func (pk *packer) keptWhole(trg, src *item) bool {
	return !pk.opt.NoReuseDelta && trg.packed && !trg.stored.Delta() && src.packed && trg.stored.SamePack(src.stored)
}

// tryDelta is git's try_delta: the delta of trg against src when it is
// smaller than what trg has so far, with room left for deeper chains.
func (pk *packer) tryDelta(trg, src *item, c *candidate, data []byte, maxDepth int32) []byte {
	if src.depth >= maxDepth {
		return nil
	}
	var maxSize int64
	refDepth := int32(1)
	if trg.base >= 0 {
		maxSize, refDepth = trg.deltaSize, trg.depth
	} else {
		maxSize = trg.size/2 - 20
	}
	maxSize = maxSize * int64(maxDepth-src.depth) / int64(maxDepth-refDepth+1)
	if maxSize <= 0 {
		return nil
	}
	sizeDiff := int64(0)
	if src.size < trg.size {
		sizeDiff = trg.size - src.size
	}
	if sizeDiff >= maxSize || trg.size < src.size/32 {
		return nil
	}
	if c.ix == nil {
		c.ix = newDeltaIndex(c.data)
		if c.ix == nil {
			return nil
		}
	}
	d := makeDelta(c.ix, data, int(maxSize))
	if d == nil {
		return nil
	}
	if trg.base >= 0 && int64(len(d)) == trg.deltaSize && src.depth+1 >= trg.depth {
		return nil
	}
	return d
}

// cacheDelta keeps trg's delta, compressed, when the cache has room for
// it (small deltas, or ones much smaller than their objects, first: they
// cost the most to find again).
func (pk *packer) cacheDelta(trg *item, d, data []byte, zbuf *bytes.Buffer, zw *zlib.Writer) {
	if trg.delta != nil {
		pk.cache.Add(-int64(len(trg.delta)))
		trg.delta = nil
	}
	n := int64(len(d))
	if n >= 1000 && int64(len(data)>>20)+(trg.size>>21) <= n>>10 {
		return
	}
	if pk.cache.Load()+n > pk.opt.DeltaCacheBytes {
		return
	}
	zbuf.Reset()
	zw.Reset(zbuf)
	zw.Write(d)
	zw.Close()
	trg.delta = append([]byte(nil), zbuf.Bytes()...)
	pk.cache.Add(int64(len(trg.delta)))
}

// pack output

// countingWriter writes the pack and keeps the CRC of the current entry.
type countingWriter struct {
	hw  *hashfile.Writer
	crc hash.Hash32
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.hw.Write(p)
	c.crc.Write(p[:n])
	return n, err
}

func (pk *packer) write(w io.Writer) (Result, error) {
	var res Result
	cw := &countingWriter{hw: hashfile.NewWriter(w, 1<<20), crc: crc32.NewIEEE()}
	var hdr [12]byte
	copy(hdr[:], "PACK")
	binary.BigEndian.PutUint32(hdr[4:], 2)
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(pk.items)))
	cw.Write(hdr[:])
	zw, _ := zlib.NewWriterLevel(nil, pk.opt.Level)
	res.Entries = make([]odb.PackIndexEntry, 0, len(pk.items))
	var writeOne func(i int32) error
	writeOne = func(i int32) error {
		it := &pk.items[i]
		if it.state == 2 {
			return nil
		}
		if it.state == 1 { // a cycle: cannot happen once depths are set
			return errors.New("pack: delta cycle")
		}
		it.state = 1
		if it.base >= 0 {
			if err := writeOne(it.base); err != nil {
				return err
			}
		}
		it.offset = uint64(cw.hw.Offset())
		cw.crc.Reset()
		if err := pk.writeEntry(cw, zw, it, &res); err != nil {
			return fmt.Errorf("object %s: %w", it.id, err)
		}
		it.state = 2
		it.delta = nil
		res.Entries = append(res.Entries, odb.PackIndexEntry{ID: it.id, Offset: it.offset, CRC: cw.crc.Sum32()})
		return nil
	}
	for i := range pk.items {
		if err := writeOne(int32(i)); err != nil {
			return res, err
		}
	}
	sum, err := cw.hw.Finish()
	res.Checksum = sum
	return res, err
}

// ofsHeader appends an OFS_DELTA's base distance, git's encoding.
func ofsHeader(buf []byte, rel uint64) []byte {
	var tmp [16]byte
	n := len(tmp) - 1
	tmp[n] = byte(rel & 0x7f)
	for rel >>= 7; rel != 0; rel >>= 7 {
		rel--
		n--
		tmp[n] = 0x80 | byte(rel&0x7f)
	}
	return append(buf, tmp[n:]...)
}

// deltaHeader is the header of a delta entry against base: its offset
// back to it, or its id with Options.RefDelta.
func (pk *packer) deltaHeader(buf []byte, it, base *item, size int64) []byte {
	if pk.opt.RefDelta {
		return append(odb.AppendEntryHeader(buf, plumbing.REFDeltaObject, size), base.id[:]...)
	}
	return ofsHeader(odb.AppendEntryHeader(buf, plumbing.OFSDeltaObject, size), it.offset-base.offset)
}

// writeThin writes it as a REF_DELTA against its thin base when the
// delta is less than half of it, and whole otherwise.
func (pk *packer) writeThin(cw *countingWriter, zw *zlib.Writer, it *item, res *Result) error {
	_, bdata, err := pk.db.Read(it.ext)
	if err != nil {
		return pk.writeWhole(cw, zw, it, res, true)
	}
	_, tdata, err := pk.db.Read(it.id)
	if err != nil {
		return err
	}
	ix := newDeltaIndex(bdata)
	var d []byte
	if ix != nil {
		d = makeDelta(ix, tdata, len(tdata)/2)
	}
	if d == nil || len(d) >= len(tdata)/2 {
		return pk.writeWhole(cw, zw, it, res, true)
	}
	var hdr [40]byte
	cw.Write(append(odb.AppendEntryHeader(hdr[:0], plumbing.REFDeltaObject, int64(len(d))), it.ext[:]...))
	res.ThinDeltas++
	zw.Reset(cw)
	zw.Write(d)
	return zw.Close()
}

func (pk *packer) writeEntry(cw *countingWriter, zw *zlib.Writer, it *item, res *Result) error {
	var hdr [40]byte
	if it.base < 0 && !it.ext.IsZero() {
		return pk.writeThin(cw, zw, it, res)
	}
	if it.base >= 0 {
		base := &pk.items[it.base]
		if it.reused {
			if z, err := pk.db.Compressed(it.stored, it.id); err == nil {
				cw.Write(pk.deltaHeader(hdr[:0], it, base, int64(it.stored.Size)))
				_, err := cw.Write(z)
				res.ReusedDeltas++
				return err
			}
			// A damaged stored delta: the object is written whole.
			return pk.writeWhole(cw, zw, it, res, false)
		}
		z := it.delta
		var d []byte
		if z == nil {
			_, bdata, err := pk.db.Read(base.id)
			if err != nil {
				return err
			}
			_, tdata, err := pk.db.Read(it.id)
			if err != nil {
				return err
			}
			if d = makeDelta(newDeltaIndex(bdata), tdata, 0); d == nil {
				return pk.writeWhole(cw, zw, it, res, true)
			}
		}
		size := it.deltaSize
		if d != nil {
			size = int64(len(d))
		}
		cw.Write(pk.deltaHeader(hdr[:0], it, base, size))
		res.Deltas++
		if z != nil {
			_, err := cw.Write(z)
			return err
		}
		zw.Reset(cw)
		zw.Write(d)
		return zw.Close()
	}
	return pk.writeWhole(cw, zw, it, res, true)
}

// writeWhole writes it undeltified, copying its stored entry when it is
// whole and reuse is allowed.
func (pk *packer) writeWhole(cw *countingWriter, zw *zlib.Writer, it *item, res *Result, reuse bool) error {
	it.base = -1
	var hdr [16]byte
	if reuse && !pk.opt.NoReuseObject && it.packed && !it.stored.Delta() {
		if z, err := pk.db.Compressed(it.stored, it.id); err == nil {
			cw.Write(odb.AppendEntryHeader(hdr[:0], it.typ, it.size))
			_, err := cw.Write(z)
			res.Reused++
			return err
		}
	}
	t, size, rc, err := pk.db.Stream(it.id)
	if err != nil {
		return err
	}
	defer rc.Close()
	cw.Write(odb.AppendEntryHeader(hdr[:0], t, size))
	zw.Reset(cw)
	n, err := io.Copy(zw, rc)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%d bytes read, %d announced", n, size)
	}
	return zw.Close()
}

// WritePack writes a pack of objs into the pack directory dir with its
// index, both synced before they are renamed into place (the pack first:
// readers find packs by their index) and the directory after. It returns
// the pack's base name (pack-<checksum>, without extension).
func WritePack(db *odb.DB, dir string, objs []Object, opt Options) (string, Result, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", Result{}, err
	}
	f, err := os.CreateTemp(dir, "tmp_pack_")
	if err != nil {
		return "", Result{}, err
	}
	fail := func(err error) (string, Result, error) {
		f.Close()
		os.Remove(f.Name())
		return "", Result{}, err
	}
	res, err := Write(f, db, objs, opt)
	if err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	name := "pack-" + res.Checksum.String()
	base := filepath.Join(dir, name)
	idx := odb.EncodePackIndex(res.Entries, res.Checksum)
	if err := hashfile.Install(dir, "tmp_idx_", idx, func(tmpIdx string) error {
		os.Chmod(f.Name(), 0o444)
		// A pack of the same objects may already be there (a repack of
		// an unchanged repository): its files are identical.
		if err := os.Rename(f.Name(), base+".pack"); err != nil {
			return err
		}
		return os.Rename(tmpIdx, base+".idx")
	}); err != nil {
		os.Remove(f.Name())
		return "", res, err
	}
	return name, res, nil
}
