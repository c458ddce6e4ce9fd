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
	"slices"
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
	// NoIndex leaves Result.Entries empty: a pack streamed to a client
	// needs no index, and the entries would cost 32 bytes an object.
	NoIndex bool
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
	Objects      int                  // entries written
	Entries      []odb.PackIndexEntry // nil with Options.NoIndex
	Reused       int                  // whole entries copied from stored packs
	ReusedDeltas int                  // stored deltas copied
	Deltas       int                  // deltas found by the search
	ThinDeltas   int                  // deltas against bases the receiver holds (Options.Thin)
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

// item is the bookkeeping of one object: 80 bytes and no pointers, so
// that a clone of a large history (154k objects for git's own to v1.8.4)
// costs 12 MB that the collector never scans. Where the object is stored
// is kept as a few numbers (its pack is an index into packer.packs); the
// deltas the search caches and the thin bases, which few objects have,
// are in side tables.
type item struct {
	id        plumbing.Hash
	hash      uint32
	base      int32 // delta base (index into items), -1 for none
	size      int64
	deltaSize int64
	offset    uint64              // in the pack written
	stOff     uint64              // the stored entry: its offset in its pack,
	stLen     uint32              // its length, header included,
	stHdr     uint8               // its header's length
	stKind    plumbing.ObjectType // and its type (an object type or a delta)
	pack      uint16              // 1 + index into packer.packs; 0: not packed
	depth     int16
	subtree   int16
	typ       plumbing.ObjectType
	flags     uint8
}

const (
	reusedFlag  = 1 << iota // a stored delta copied as it is
	writingFlag             // being written (a cycle check)
	writtenFlag
)

func (it *item) packed() bool { return it.pack != 0 }
func (it *item) reused() bool { return it.flags&reusedFlag != 0 }
func (it *item) setReused(b bool) {
	if b {
		it.flags |= reusedFlag
	} else {
		it.flags &^= reusedFlag
	}
}

// storedDelta says whether the object is stored as a delta.
func (it *item) storedDelta() bool {
	return it.stKind == plumbing.OFSDeltaObject || it.stKind == plumbing.REFDeltaObject
}

type packer struct {
	db    *odb.DB
	opt   Options
	items []item
	packs []odb.Stored // an entry of each pack objects are stored in
	byID  []int32      // items sorted by id, until the search
	fan   []int32      // byID's start for each first two bytes of an id
	cache atomic.Int64
	// copied counts the stored bytes copied since the packs' mapped pages
	// were last released (releaseEvery).
	copied int

	mu     sync.Mutex
	deltas map[int32][]byte        // compressed deltas the search cached
	ext    map[int32]plumbing.Hash // thin bases outside the pack (Options.Thin)
}

// releaseEvery is how many bytes of stored entries are copied between
// two releases of the packs' mapped pages: the pages a write has copied
// are not read again, so they need not stay in the process's memory.
const releaseEvery = 8 << 20

// copiedStored counts n bytes copied from stored packs and releases
// their mapped pages every releaseEvery bytes.
func (pk *packer) copiedStored(n int) {
	if pk.copied += n; pk.copied < releaseEvery {
		return
	}
	pk.copied = 0
	pk.db.ReleaseMapped()
}

// stored is the entry it is stored as (it.pack != 0).
func (pk *packer) stored(it *item) odb.Stored {
	return pk.packs[it.pack-1].Sibling(it.stOff, it.stOff+uint64(it.stHdr), it.stOff+uint64(it.stLen))
}

// samePack says whether two objects are stored in the same pack.
func samePack(a, b *item) bool { return a.pack != 0 && a.pack == b.pack }

// packOf is the pack index of s (1-based), 0 when too many packs.
func (pk *packer) packOf(s odb.Stored) uint16 {
	for k := range pk.packs {
		if pk.packs[k].SamePack(s) {
			return uint16(k + 1)
		}
	}
	if len(pk.packs) >= 1<<16-1 {
		return 0
	}
	pk.packs = append(pk.packs, s)
	return uint16(len(pk.packs))
}

// find is the index of id in items.
func (pk *packer) find(id plumbing.Hash) (int32, bool) {
	k := int(id[0])<<8 | int(id[1])
	lo, hi := int(pk.fan[k]), int(pk.fan[k+1])
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if c := bytes.Compare(pk.items[pk.byID[m]].id[:], id[:]); c < 0 {
			lo = m + 1
		} else if c > 0 {
			hi = m
		} else {
			return pk.byID[m], true
		}
	}
	return -1, false
}

// sortIDs builds byID and fan over items, and returns the indexes of
// items whose id an earlier item has.
func (pk *packer) sortIDs() []int32 {
	items := pk.items
	by := make([]int32, len(items))
	for i := range by {
		by[i] = int32(i)
	}
	slices.SortFunc(by, func(a, b int32) int {
		if c := bytes.Compare(items[a].id[:], items[b].id[:]); c != 0 {
			return c
		}
		return int(a - b)
	})
	var dups []int32
	for k := 1; k < len(by); k++ {
		if items[by[k]].id == items[by[k-1]].id {
			dups = append(dups, by[k])
		}
	}
	fan := make([]int32, 1<<16+1)
	for _, i := range by {
		id := items[i].id
		fan[int(id[0])<<8|int(id[1])+1]++
	}
	for k := 1; k < len(fan); k++ {
		fan[k] += fan[k-1]
	}
	pk.byID, pk.fan = by, fan
	return dups
}

// Write writes a pack of objs to w (ids given twice are packed once) and
// returns what an index of it needs.
func Write(w io.Writer, db *odb.DB, objs []Object, opt Options) (Result, error) {
	pk := &packer{db: db, opt: opt.withDefaults(), deltas: map[int32][]byte{}, ext: map[int32]plumbing.Hash{}}
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
		if it.typ != plumbing.InvalidObject || it.reused() {
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
	pk.items = make([]item, len(objs))
	// The stored deltas' bases, by id, until they are matched to items.
	var bases []plumbing.Hash
	if !pk.opt.NoReuseDelta {
		bases = make([]plumbing.Hash, len(objs))
	}
	for i, o := range objs {
		if i&4095 == 4095 {
			// Each entry's header is read where it is stored: the pages
			// read are let go as the writes' are (copiedStored).
			pk.db.ReleaseMapped()
		}
		it := &pk.items[i]
		*it = item{id: o.ID, hash: NameHash(o.Path), base: -1}
		s, ok := pk.db.Locate(o.ID)
		if ok && s.End-s.Offset < 1<<32 && s.DataOffset()-s.Offset < 1<<8 {
			it.pack = pk.packOf(s)
		}
		if it.pack != 0 {
			it.stOff, it.stLen, it.stHdr, it.stKind = s.Offset, uint32(s.End-s.Offset), uint8(s.DataOffset()-s.Offset), s.Kind
			if s.Delta() {
				// Its type and size are read (fillInfo) only if it is
				// not reused.
				it.deltaSize = int64(s.Size)
				if bases != nil {
					bases[i] = s.Base
				}
			} else {
				it.typ, it.size = s.Kind, int64(s.Size)
			}
		} else {
			t, size, err := pk.db.Info(o.ID)
			if err != nil {
				return fmt.Errorf("object %s: %w", o.ID, err)
			}
			it.typ, it.size = t, size
		}
	}
	if dups := pk.sortIDs(); len(dups) > 0 {
		// An id given twice is packed once, where it came first.
		drop := make(map[int32]bool, len(dups))
		for _, i := range dups {
			drop[i] = true
		}
		n := 0
		for i := range pk.items {
			if !drop[int32(i)] {
				pk.items[n] = pk.items[i]
				if bases != nil {
					bases[n] = bases[i]
				}
				n++
			}
		}
		pk.items = pk.items[:n:n]
		pk.sortIDs()
	}
	if bases == nil {
		return nil
	}
	// A stored delta is kept when its base is packed too, in the same
	// pack (so that chains across packs cannot loop).
	for i := range pk.items {
		it := &pk.items[i]
		if !it.packed() || !it.storedDelta() {
			continue
		}
		b, ok := pk.find(bases[i])
		if !ok || !samePack(&pk.items[b], it) {
			continue
		}
		it.base = b
		it.setReused(true)
	}
	return nil
}

// thin gives the objects that have a thin base outside the pack, and
// are not reused deltas, that base.
func (pk *packer) thin() {
	for id, base := range pk.opt.Thin {
		i, ok := pk.find(id)
		if _, inPack := pk.find(base); !ok || inPack || base.IsZero() {
			continue
		}
		if it := &pk.items[i]; !it.reused() && it.typ == plumbing.BlobObject && it.size >= 50 && it.size <= bigFileThreshold {
			pk.ext[i] = base
		}
	}
	// The index of ids is not needed after: let go before the search.
	pk.byID, pk.fan = nil, nil
}

// reuseDeltas gives reused deltas their depth, cutting chains deeper
// than the limit (and any cycle a damaged pack could hold): the object
// where a chain grows too deep is searched again instead.
func (pk *packer) reuseDeltas() {
	const unknown, busy = -1, -2
	for i := range pk.items {
		if pk.items[i].reused() {
			pk.items[i].depth = unknown
		}
	}
	var depth func(i int32) int16
	depth = func(i int32) int16 {
		it := &pk.items[i]
		if !it.reused() {
			return 0
		}
		switch it.depth {
		case busy:
			it.setReused(false)
			it.base, it.depth = -1, 0
			return 0
		case unknown:
		default:
			return it.depth
		}
		it.depth = busy
		d := depth(it.base) + 1
		if !it.reused() { // a cycle came back here and cut it
			return 0
		}
		if int(d) > pk.opt.Depth {
			it.setReused(false)
			it.base, d = -1, 0
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
		if !it.reused() {
			continue
		}
		d := it.depth
		for b := it.base; b >= 0; b = pk.items[b].base {
			rel := d - pk.items[b].depth
			if rel > pk.items[b].subtree {
				pk.items[b].subtree = rel
			}
			if !pk.items[b].reused() {
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
		if _, thin := pk.ext[int32(i)]; it.reused() || thin || it.size < 50 || it.size > bigFileThreshold || it.typ < plumbing.CommitObject || it.typ > plumbing.TagObject {
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
		maxDepth := int16(pk.opt.Depth) - trg.subtree
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
			pk.cacheDelta(ti, trg, delta, data, zbuf, zw)
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
	return !pk.opt.NoReuseDelta && trg.packed() && !trg.storedDelta() && samePack(trg, src)
}

// tryDelta is git's try_delta: the delta of trg against src when it is
// smaller than what trg has so far, with room left for deeper chains.
func (pk *packer) tryDelta(trg, src *item, c *candidate, data []byte, maxDepth int16) []byte {
	if src.depth >= maxDepth {
		return nil
	}
	var maxSize int64
	refDepth := int16(1)
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
func (pk *packer) cacheDelta(i int32, trg *item, d, data []byte, zbuf *bytes.Buffer, zw *zlib.Writer) {
	pk.mu.Lock()
	old, had := pk.deltas[i]
	delete(pk.deltas, i)
	pk.mu.Unlock()
	if had {
		pk.cache.Add(-int64(len(old)))
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
	z := append([]byte(nil), zbuf.Bytes()...)
	pk.mu.Lock()
	pk.deltas[i] = z
	pk.mu.Unlock()
	pk.cache.Add(int64(len(z)))
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
	if !pk.opt.NoIndex {
		res.Entries = make([]odb.PackIndexEntry, 0, len(pk.items))
	}
	var writeOne func(i int32) error
	writeOne = func(i int32) error {
		it := &pk.items[i]
		if it.flags&writtenFlag != 0 {
			return nil
		}
		if it.flags&writingFlag != 0 { // a cycle: cannot happen once depths are set
			return errors.New("pack: delta cycle")
		}
		it.flags |= writingFlag
		if it.base >= 0 {
			if err := writeOne(it.base); err != nil {
				return err
			}
		}
		it.offset = uint64(cw.hw.Offset())
		cw.crc.Reset()
		if err := pk.writeEntry(cw, zw, i, it, &res); err != nil {
			return fmt.Errorf("object %s: %w", it.id, err)
		}
		it.flags |= writtenFlag
		res.Objects++
		if !pk.opt.NoIndex {
			res.Entries = append(res.Entries, odb.PackIndexEntry{ID: it.id, Offset: it.offset, CRC: cw.crc.Sum32()})
		}
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
func (pk *packer) writeThin(cw *countingWriter, zw *zlib.Writer, it *item, ext plumbing.Hash, res *Result) error {
	_, bdata, err := pk.db.Read(ext)
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
	cw.Write(append(odb.AppendEntryHeader(hdr[:0], plumbing.REFDeltaObject, int64(len(d))), ext[:]...))
	res.ThinDeltas++
	zw.Reset(cw)
	zw.Write(d)
	return zw.Close()
}

func (pk *packer) writeEntry(cw *countingWriter, zw *zlib.Writer, i int32, it *item, res *Result) error {
	var hdr [40]byte
	if ext, ok := pk.ext[i]; ok && it.base < 0 {
		return pk.writeThin(cw, zw, it, ext, res)
	}
	if it.base >= 0 {
		base := &pk.items[it.base]
		if it.reused() {
			if z, err := pk.db.Compressed(pk.stored(it), it.id); err == nil {
				cw.Write(pk.deltaHeader(hdr[:0], it, base, it.deltaSize))
				_, err := cw.Write(z)
				pk.copiedStored(len(z))
				res.ReusedDeltas++
				return err
			}
			// A damaged stored delta: the object is written whole.
			return pk.writeWhole(cw, zw, it, res, false)
		}
		pk.mu.Lock()
		z := pk.deltas[i]
		delete(pk.deltas, i)
		pk.mu.Unlock()
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
	if reuse && !pk.opt.NoReuseObject && it.packed() && !it.storedDelta() {
		if z, err := pk.db.Compressed(pk.stored(it), it.id); err == nil {
			cw.Write(odb.AppendEntryHeader(hdr[:0], it.typ, it.size))
			_, err := cw.Write(z)
			pk.copiedStored(len(z))
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
