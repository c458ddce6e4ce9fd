package remote

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"

	"github.com/go-git/go-git/v5/plumbing"
	githash "github.com/go-git/go-git/v5/plumbing/hash"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo/odb"
)

// The receiver's pack indexer. go-git's packfile.Parser keeps, for every
// object, a struct with its children, two maps and its content cache, and
// its idxfile.Writer a map more: about 450 bytes per object, so a 2.4 MB
// pack of 200,000 tiny blobs cost the server 90 MB. This one keeps per
// object a fixed 40 bytes in flat arrays (offset, CRC, entry kind,
// resolved type, delta depth, id, and its rank by id), and while deltas
// are resolved a list of (base, delta) pairs; nothing else grows with the
// object count. The number of objects is capped (PackLimits.MaxObjects).
//
// It works as git's index-pack does. Pass 1 reads the pack once in order:
// it checks each entry's header against the limits, inflates whole objects
// into a hash (non-blobs into memory, for the fsck checks), reads only the
// sizes of deltas, and adds every byte inflated or to be produced by a
// delta to the push's budget, so a pack that would expand beyond it is
// refused before any delta is applied. Pass 2 resolves deltas from each
// whole object down its tree of deltas, applying each delta exactly once;
// the chain of bases being worked on is kept in memory only up to
// deltaStackBytes (bases dropped are rebuilt, and the rebuilding is charged
// to the budget too). Then the ids are sorted: an id twice is refused (an
// index would list it once while the pack claims it twice, and git rejects
// such a pack).

// deltaStackBytes bounds the delta bases pass 2 keeps in memory at once
// (the current base and the object being built are always kept).
const deltaStackBytes = 8 << 20

// errStop ends an index pass early without being an error of the pack.
var errStop = errors.New("stop")

type kid struct{ base, idx uint32 }

type refKid struct {
	base plumbing.Hash
	idx  uint32
}

// packIndex is what indexing leaves: per object, in pack order.
type packIndex struct {
	offs   []uint64
	crcs   []uint32
	kinds  []uint8 // entry type in the pack: 1-4 whole, 6 OFS_DELTA, 7 REF_DELTA
	types  []uint8 // object type, once resolved
	depths []uint16
	hashes []plumbing.Hash
	byHash []uint32 // positions sorted by id
	sum    plumbing.Hash
}

func (x *packIndex) len() int { return len(x.offs) }

// find is the position of object h, by binary search.
func (x *packIndex) find(h plumbing.Hash) (int, bool) {
	i := sort.Search(len(x.byHash), func(i int) bool { return bytes.Compare(x.hashes[x.byHash[i]][:], h[:]) >= 0 })
	if i < len(x.byHash) && x.hashes[x.byHash[i]] == h {
		return int(x.byHash[i]), true
	}
	return 0, false
}

// atOffset is the position of the entry starting at off.
func (x *packIndex) atOffset(off uint64) (int, bool) {
	i, ok := slices.BinarySearch(x.offs, off)
	return i, ok
}

// objectCheck is called with every object's content as it is resolved
// (blobs excepted: they are only hashed).
type objectCheck func(h plumbing.Hash, t plumbing.ObjectType, data []byte) error

// indexer indexes the pack in f (size bytes, trailer included).
type indexer struct {
	ctx   context.Context
	f     *os.File
	size  int64
	lim   PackLimits
	check objectCheck

	budget, spent int64

	x       *packIndex
	ofsKids []kid
	refKids []refKid

	zr   io.ReadCloser
	zsrc *posReader
	lr   io.LimitedReader
	sha  hash.Hash // hashes objects, reset for each
	hdr  []byte
	cbuf []byte
	sbuf [20]byte
}

// hasher starts the id of an object of type t and size bytes.
func (ix *indexer) hasher(t plumbing.ObjectType, size int64) hash.Hash {
	if ix.sha == nil {
		ix.sha = githash.New(githash.CryptoType)
	}
	ix.sha.Reset()
	ix.hdr = append(append(append(ix.hdr[:0], t.Bytes()...), ' '), strconv.FormatInt(size, 10)...)
	ix.hdr = append(ix.hdr, 0)
	ix.sha.Write(ix.hdr)
	return ix.sha
}

func (ix *indexer) sum() (h plumbing.Hash) {
	copy(h[:], ix.sha.Sum(ix.sbuf[:0]))
	return h
}

// spend charges n bytes of inflating or delta output to the push.
func (ix *indexer) spend(n int64) error {
	ix.spent += n
	if ix.spent > ix.budget || ix.spent < 0 {
		return fmt.Errorf("%w: it would expand to more than %d bytes (the limit for a push of %d bytes)", ErrInflateBudget, ix.budget, ix.size)
	}
	return nil
}

// posReader counts what is read, and reads byte by byte for zlib, so that
// the inflater stops exactly at the end of each entry's stream.
type posReader struct {
	br  *bufio.Reader
	pos int64
}

func (r *posReader) Read(p []byte) (int, error) {
	n, err := r.br.Read(p)
	r.pos += int64(n)
	return n, err
}

func (r *posReader) ReadByte() (byte, error) {
	c, err := r.br.ReadByte()
	if err == nil {
		r.pos++
	}
	return c, err
}

func (r *posReader) reset(src io.Reader, pos int64) {
	if r.br == nil {
		r.br = bufio.NewReaderSize(src, 64<<10)
	} else {
		r.br.Reset(src)
	}
	r.pos = pos
}

// entryHeader reads an entry's type and size (and for deltas, the base).
func readEntryHeader(r io.ByteReader) (kind uint8, size int64, err error) {
	c, err := r.ReadByte()
	if err != nil {
		return 0, 0, err
	}
	kind = (c >> 4) & 7
	size = int64(c & 15)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if shift > 56 {
			return 0, 0, errors.New("entry size overflows")
		}
		if c, err = r.ReadByte(); err != nil {
			return 0, 0, err
		}
		size |= int64(c&0x7f) << shift
	}
	return kind, size, nil
}

func readOfsDelta(r io.ByteReader) (uint64, error) {
	c, err := r.ReadByte()
	if err != nil {
		return 0, err
	}
	off := uint64(c & 0x7f)
	for c&0x80 != 0 {
		if off >= 1<<56 {
			return 0, errors.New("delta offset overflows")
		}
		if c, err = r.ReadByte(); err != nil {
			return 0, err
		}
		off = (off+1)<<7 | uint64(c&0x7f)
	}
	return off, nil
}

// inflate reads one zlib stream from r into w: exactly size bytes, and
// the stream must end there.
func (ix *indexer) inflate(r *posReader, w io.Writer, size int64) error {
	var err error
	if ix.zr == nil {
		ix.zr, err = zlib.NewReader(r)
	} else {
		err = ix.zr.(zlib.Resetter).Reset(r, nil)
	}
	if err != nil {
		return err
	}
	ix.lr.R, ix.lr.N = ix.zr, size
	if ix.cbuf == nil {
		ix.cbuf = make([]byte, 32<<10)
	}
	if n, err := io.CopyBuffer(w, &ix.lr, ix.cbuf); err != nil || n != size {
		if err == nil || err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%d bytes, %d declared", n, size)
		}
		return err
	}
	var one [1]byte
	for {
		n, err := ix.zr.Read(one[:])
		if n > 0 {
			return fmt.Errorf("more than the %d bytes declared", size)
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// entryReader reads the entry at off, pass 2 and readers of the
// quarantine alike.
func (ix *indexer) entryAt(off uint64) (*posReader, uint8, int64, error) {
	r := ix.zsrc
	if r == nil {
		r = new(posReader)
		ix.zsrc = r
	}
	r.reset(io.NewSectionReader(ix.f, int64(off), ix.size-20-int64(off)), int64(off))
	kind, size, err := readEntryHeader(r)
	return r, kind, size, err
}

// scan is pass 1.
func (ix *indexer) scan() error {
	if ix.size < 32 {
		return fmt.Errorf("%w: too short", ErrBadPack)
	}
	var hdr [12]byte
	if _, err := ix.f.ReadAt(hdr[:], 0); err != nil {
		return fmt.Errorf("%w: %v", ErrBadPack, err)
	}
	if string(hdr[:4]) != "PACK" {
		return fmt.Errorf("%w: no pack signature", ErrBadPack)
	}
	if v := binary.BigEndian.Uint32(hdr[4:]); v != 2 && v != 3 {
		return fmt.Errorf("%w: pack version %d", ErrBadPack, v)
	}
	count := binary.BigEndian.Uint32(hdr[8:])
	if int64(count) > ix.lim.MaxObjects {
		return fmt.Errorf("%w: the pack holds %d objects, over the limit of %d", ErrTooManyObjects, count, ix.lim.MaxObjects)
	}
	// The header's count is only a claim: reserve for what the bytes
	// received could hold (an entry takes at least 10 bytes).
	n := min(int(count), int(ix.size/10)+1)
	x := &packIndex{offs: make([]uint64, 0, n), crcs: make([]uint32, 0, n), kinds: make([]uint8, 0, n),
		types: make([]uint8, 0, n), depths: make([]uint16, 0, n), hashes: make([]plumbing.Hash, 0, n)}
	ix.x = x

	// Checksums are computed over the raw bytes by a second sequential
	// reader, so the inflater's byte-by-byte reads stay cheap.
	sum := sha1.New()
	crc := crc32.NewIEEE()
	both := io.MultiWriter(sum, crc)
	var rawLR io.LimitedReader
	rawBuf := make([]byte, 32<<10)
	raw := bufio.NewReaderSize(io.NewSectionReader(ix.f, 0, ix.size-20), 64<<10)
	if _, err := io.CopyN(sum, raw, 12); err != nil {
		return err
	}
	r := &posReader{}
	r.reset(io.NewSectionReader(ix.f, 12, ix.size-20-12), 12)
	var head deltaHead
	var buf bytes.Buffer
	for i := uint32(0); i < count; i++ {
		if i%1024 == 0 {
			if err := ix.ctx.Err(); err != nil {
				return err
			}
		}
		off := r.pos
		kind, size, err := readEntryHeader(r)
		if err != nil {
			return fmt.Errorf("%w: object %d: %v", ErrBadPack, i, err)
		}
		if size > ix.lim.MaxObjectBytes {
			return fmt.Errorf("%w: object at offset %d is %d bytes, over the limit of %d", ErrObjectTooLarge, off, size, ix.lim.MaxObjectBytes)
		}
		depth := 0
		var h plumbing.Hash
		switch kind {
		case pkCommitKind, pkTreeKind, pkBlobKind, pkTagKind:
			if err := ix.spend(size); err != nil {
				return err
			}
			t := plumbing.ObjectType(kind)
			hasher := ix.hasher(t, size)
			if t == plumbing.BlobObject {
				err = ix.inflate(r, hasher, size)
			} else {
				buf.Reset()
				buf.Grow(int(size))
				if err = ix.inflate(r, &buf, size); err == nil {
					hasher.Write(buf.Bytes())
				}
			}
			if err != nil {
				return fmt.Errorf("%w: object at offset %d: %v", ErrBadPack, off, err)
			}
			h = ix.sum()
			if t != plumbing.BlobObject && ix.check != nil {
				if err := ix.check(h, t, buf.Bytes()); err != nil {
					return err
				}
			}
		case pkOfsKind, pkRefKind:
			if kind == pkOfsKind {
				rel, err := readOfsDelta(r)
				if err != nil {
					return fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, off, err)
				}
				b, ok := -1, rel > 0 && rel <= uint64(off)
				if ok {
					b, ok = x.atOffset(uint64(off) - rel)
				}
				if !ok {
					return fmt.Errorf("%w: object %d at offset %d: delta base at offset %d is not an object of this pack", ErrBadPack, i, off, off-int64(rel))
				}
				depth = int(x.depths[b]) + 1
				ix.ofsKids = append(ix.ofsKids, kid{uint32(b), i})
			} else {
				var base plumbing.Hash
				if _, err := io.ReadFull(r, base[:]); err != nil {
					return fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, off, err)
				}
				depth = 1 // at least; pass 2 knows the base
				ix.refKids = append(ix.refKids, refKid{base, i})
			}
			if depth > ix.lim.MaxDeltaDepth {
				return fmt.Errorf("%w: object at offset %d: delta chain deeper than %d", ErrBadPack, off, ix.lim.MaxDeltaDepth)
			}
			if err := ix.spend(size); err != nil {
				return err
			}
			head.reset()
			if err := ix.inflate(r, &head, size); err != nil {
				return fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, off, err)
			}
			_, target, ok := head.sizes()
			if !ok {
				return fmt.Errorf("%w: delta at offset %d: truncated delta header", ErrBadPack, off)
			}
			if target > uint64(ix.lim.MaxObjectBytes) {
				return fmt.Errorf("%w: delta at offset %d builds an object of %d bytes, over the limit of %d", ErrObjectTooLarge, off, target, ix.lim.MaxObjectBytes)
			}
			// What applying it will produce, charged now: a pack that
			// would expand too far is refused before any delta is applied.
			if err := ix.spend(int64(target)); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: object %d has invalid type %d", ErrBadPack, i, kind)
		}
		crc.Reset()
		rawLR.R, rawLR.N = raw, r.pos-off
		if n, err := io.CopyBuffer(both, &rawLR, rawBuf); err != nil || n != r.pos-off {
			return fmt.Errorf("%w: rereading the pack: %v", ErrBadPack, err)
		}
		x.offs = append(x.offs, uint64(off))
		x.crcs = append(x.crcs, crc.Sum32())
		x.kinds = append(x.kinds, kind)
		x.depths = append(x.depths, uint16(min(depth, 0xffff)))
		x.hashes = append(x.hashes, h)
		if kind < pkOfsKind {
			x.types = append(x.types, kind)
		} else {
			x.types = append(x.types, 0)
		}
	}
	if r.pos != ix.size-20 {
		return fmt.Errorf("%w: data after the pack checksum", ErrBadPack)
	}
	var trailer plumbing.Hash
	if _, err := ix.f.ReadAt(trailer[:], ix.size-20); err != nil {
		return err
	}
	if !bytes.Equal(sum.Sum(nil), trailer[:]) {
		return fmt.Errorf("%w: pack checksum mismatch", ErrBadPack)
	}
	x.sum = trailer

	return nil
}

func sortByHash(pos []uint32, hashes []plumbing.Hash) {
	slices.SortFunc(pos, func(a, b uint32) int { return bytes.Compare(hashes[a][:], hashes[b][:]) })
}

// frame is one level of pass 2's walk down a tree of deltas.
type frame struct {
	idx  uint32
	data []byte // nil when dropped to stay within deltaStackBytes
}

// resolve is pass 2, then the sort by id. REF_DELTA entries whose base
// is no object of the pack are a thin pack's: when have holds their bases
// they are returned (each once), for fixThin to append before the pack is
// indexed again; otherwise the pack is refused.
func (ix *indexer) resolve(have storer.EncodedObjectStorer) (external []plumbing.Hash, err error) {
	x := ix.x
	slices.SortFunc(ix.ofsKids, func(a, b kid) int {
		if a.base != b.base {
			return int(a.base) - int(b.base)
		}
		return int(a.idx) - int(b.idx)
	})
	slices.SortFunc(ix.refKids, func(a, b refKid) int {
		if c := bytes.Compare(a.base[:], b.base[:]); c != 0 {
			return c
		}
		return int(a.idx) - int(b.idx)
	})
	var stack []frame
	for i := range x.kinds {
		if x.kinds[i] >= pkOfsKind || !ix.hasKids(uint32(i)) {
			continue
		}
		if err := ix.ctx.Err(); err != nil {
			return nil, err
		}
		data, err := ix.readWhole(uint32(i))
		if err != nil {
			return nil, err
		}
		stack = append(stack[:0], frame{uint32(i), data})
		if err := ix.descend(&stack); err != nil {
			return nil, err
		}
	}
	// Deltas left unresolved: their bases are not in the pack.
	seen := map[plumbing.Hash]bool{}
	for _, rk := range ix.refKids {
		if x.types[rk.idx] != 0 || seen[rk.base] {
			continue
		}
		seen[rk.base] = true
		off := x.offs[rk.idx]
		if have == nil {
			return nil, fmt.Errorf("%w: object %d at offset %d: delta base %s is not an object of this pack (thin packs are not accepted)", ErrBadPack, rk.idx, off, rk.base)
		}
		size, err := have.EncodedObjectSize(rk.base)
		if err != nil {
			return nil, fmt.Errorf("%w: object %d at offset %d: delta base %s is neither in the pack nor in the repository", ErrMissing, rk.idx, off, rk.base)
		}
		if size > ix.lim.MaxObjectBytes {
			return nil, fmt.Errorf("%w: delta at offset %d: its base %s is %d bytes, over the limit of %d", ErrObjectTooLarge, off, rk.base, size, ix.lim.MaxObjectBytes)
		}
		if err := ix.spend(size); err != nil {
			return nil, err
		}
		external = append(external, rk.base)
	}
	if len(external) > 0 {
		return external, nil
	}
	ix.ofsKids, ix.refKids = nil, nil
	for i, t := range x.types {
		if t == 0 {
			return nil, fmt.Errorf("%w: delta at offset %d has no base in the pack", ErrBadPack, x.offs[i])
		}
	}
	x.byHash = make([]uint32, x.len())
	for i := range x.byHash {
		x.byHash[i] = uint32(i)
	}
	sortByHash(x.byHash, x.hashes)
	for i := 1; i < len(x.byHash); i++ {
		if a, b := x.byHash[i-1], x.byHash[i]; x.hashes[a] == x.hashes[b] {
			return nil, fmt.Errorf("%w: object %s is in the pack twice (at offsets %d and %d)", ErrBadPack, x.hashes[a], x.offs[a], x.offs[b])
		}
	}
	return nil, nil
}

func (ix *indexer) kidRanges(i uint32) (ofs []kid, ref []refKid) {
	lo := sort.Search(len(ix.ofsKids), func(j int) bool { return ix.ofsKids[j].base >= i })
	hi := lo
	for hi < len(ix.ofsKids) && ix.ofsKids[hi].base == i {
		hi++
	}
	ofs = ix.ofsKids[lo:hi]
	if x := ix.x; len(ix.refKids) > 0 && x.types[i] != 0 {
		h := x.hashes[i]
		lo := sort.Search(len(ix.refKids), func(j int) bool { return bytes.Compare(ix.refKids[j].base[:], h[:]) >= 0 })
		hi := lo
		for hi < len(ix.refKids) && ix.refKids[hi].base == h {
			hi++
		}
		ref = ix.refKids[lo:hi]
	}
	return ofs, ref
}

func (ix *indexer) hasKids(i uint32) bool {
	ofs, ref := ix.kidRanges(i)
	return len(ofs)+len(ref) > 0
}

// descend resolves every delta below the top of stack.
func (ix *indexer) descend(stack *[]frame) error {
	level := len(*stack) - 1
	top := (*stack)[level].idx
	ofs, ref := ix.kidRanges(top)
	kids := make([]uint32, 0, len(ofs)+len(ref))
	for _, k := range ofs {
		kids = append(kids, k.idx)
	}
	for _, k := range ref {
		kids = append(kids, k.idx)
	}
	x := ix.x
	for _, k := range kids {
		base, err := ix.dataAt(*stack, level)
		if err != nil {
			return err
		}
		target, err := ix.applyDelta(base, k, false)
		if err != nil {
			return err
		}
		if level+1 > ix.lim.MaxDeltaDepth {
			return fmt.Errorf("%w: object at offset %d: delta chain deeper than %d", ErrBadPack, x.offs[k], ix.lim.MaxDeltaDepth)
		}
		x.depths[k] = uint16(min(level+1, 0xffff))
		t := plumbing.ObjectType(x.types[top])
		x.types[k] = uint8(t)
		ix.hasher(t, int64(len(target))).Write(target)
		x.hashes[k] = ix.sum()
		if t != plumbing.BlobObject && ix.check != nil {
			if err := ix.check(x.hashes[k], t, target); err != nil {
				return err
			}
		}
		if !ix.hasKids(k) {
			continue
		}
		*stack = append(*stack, frame{k, target})
		trimStack(*stack)
		if err := ix.descend(stack); err != nil {
			return err
		}
		*stack = (*stack)[:len(*stack)-1]
	}
	return nil
}

// trimStack drops the bases nearest the root until the stack holds at
// most deltaStackBytes (the top is always kept).
func trimStack(stack []frame) {
	total := 0
	for _, f := range stack {
		total += len(f.data)
	}
	for i := 0; i < len(stack)-1 && total > deltaStackBytes; i++ {
		total -= len(stack[i].data)
		stack[i].data = nil
	}
}

// dataAt is the content of stack[level], rebuilt from the nearest level
// below that still has it (or from the pack) if it was dropped.
func (ix *indexer) dataAt(stack []frame, level int) ([]byte, error) {
	if stack[level].data != nil {
		return stack[level].data, nil
	}
	j := level
	for j >= 0 && stack[j].data == nil {
		j--
	}
	var data []byte
	var err error
	if j < 0 {
		if data, err = ix.readWhole(stack[0].idx); err != nil {
			return nil, err
		}
		j = 0
	} else {
		data = stack[j].data
	}
	for k := j + 1; k <= level; k++ {
		if data, err = ix.applyDelta(data, stack[k].idx, true); err != nil {
			return nil, err
		}
	}
	stack[level].data = data
	trimStack(stack)
	return data, nil
}

// readWhole inflates the whole object at position i.
func (ix *indexer) readWhole(i uint32) ([]byte, error) {
	off := ix.x.offs[i]
	r, kind, size, err := ix.entryAt(off)
	if err != nil || kind >= pkOfsKind {
		return nil, fmt.Errorf("%w: object at offset %d: cannot read it again", ErrBadPack, off)
	}
	if err := ix.spend(size); err != nil {
		return nil, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if err := ix.inflate(r, buf, size); err != nil {
		return nil, fmt.Errorf("%w: object at offset %d: %v", ErrBadPack, off, err)
	}
	return buf.Bytes(), nil
}

// applyDelta builds the object of delta entry i from its base's content.
func (ix *indexer) applyDelta(base []byte, i uint32, rebuild bool) ([]byte, error) {
	off := ix.x.offs[i]
	r, kind, size, err := ix.entryAt(off)
	if err == nil {
		switch kind {
		case pkOfsKind:
			_, err = readOfsDelta(r)
		case pkRefKind:
			_, err = io.CopyN(io.Discard, r, 20)
		default:
			err = errors.New("not a delta")
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, off, err)
	}
	if err := ix.spend(size); err != nil {
		return nil, err
	}
	delta := bytes.NewBuffer(make([]byte, 0, size))
	if err := ix.inflate(r, delta, size); err != nil {
		return nil, fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, off, err)
	}
	if rebuild {
		// The first build of each object was charged by scan.
		if _, rest, ok := leb128(delta.Bytes()); ok {
			if target, _, ok := leb128(rest); ok {
				if err := ix.spend(int64(target)); err != nil {
					return nil, err
				}
			}
		}
	}
	out, err := odb.ApplyDelta(base, delta.Bytes())
	if err != nil {
		return nil, fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, off, err)
	}
	return out, nil
}

// writeIdx writes a version 2 pack index of x to w, as git does.
func (x *packIndex) writeIdx(w io.Writer) error {
	return odb.WritePackIndex(w, len(x.byHash), func(i int) odb.PackIndexEntry {
		p := x.byHash[i]
		return odb.PackIndexEntry{ID: x.hashes[p], Offset: x.offs[p], CRC: x.crcs[p]}
	}, x.sum)
}

// Pack entry kinds (the type field of an entry header).
const (
	pkCommitKind = 1
	pkTreeKind   = 2
	pkBlobKind   = 3
	pkTagKind    = 4
	pkOfsKind    = 6
	pkRefKind    = 7
)
