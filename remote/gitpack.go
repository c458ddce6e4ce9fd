package remote

import (
	"bufio"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Packs for git clients. A git client accepts deltas between objects of
// the pack, so the deltas stored in the repository's packs are sent as
// they are (as REF_DELTA entries naming their base) whenever the base is
// in the pack too: a clone of a long history costs about what it costs
// on disk instead of every object whole. Whole entries are copied as
// easel's own fetch copies them (packreuse.go); everything else is
// deflated from the object store.

type gitPackStats struct {
	packStats
	reusedDeltas int // stored deltas copied as they were
}

// deltaSource reads the stored deltas of a packSource.
type deltaSource struct {
	src    *packSource
	hashAt map[*rawPack]map[int64]plumbing.Hash // entry offset to object, read when first needed
}

// locate finds h's entry: the first pack that holds it, as copyEntry
// looks (so delta chains across packs cannot loop: every pack is
// self-contained, and an object and its base resolve to the same pack).
func (d *deltaSource) locate(h plumbing.Hash) (*rawPack, int64, int64, bool) {
	for _, p := range d.src.packs {
		off, err := p.idx.FindOffset(h)
		if err != nil {
			continue
		}
		i := sort.Search(len(p.offsets), func(i int) bool { return p.offsets[i] > off })
		if i == 0 || i == len(p.offsets) || p.offsets[i-1] != off || off < 12 {
			return nil, 0, 0, false
		}
		if p.file == nil {
			f, err := p.fs.Open(p.name)
			if err != nil {
				return nil, 0, 0, false
			}
			p.file = f
		}
		return p, off, p.offsets[i], true
	}
	return nil, 0, 0, false
}

func (d *deltaSource) objectAt(p *rawPack, off int64) (plumbing.Hash, bool) {
	m := d.hashAt[p]
	if m == nil {
		m = make(map[int64]plumbing.Hash, len(p.offsets))
		it, err := p.idx.EntriesByOffset()
		if err != nil {
			return plumbing.ZeroHash, false
		}
		for {
			e, err := it.Next()
			if err != nil {
				break
			}
			m[int64(e.Offset)] = e.Hash
		}
		it.Close()
		if d.hashAt == nil {
			d.hashAt = map[*rawPack]map[int64]plumbing.Hash{}
		}
		d.hashAt[p] = m
	}
	h, ok := m[off]
	return h, ok
}

// entryHead is a parsed pack entry header.
type entryHead struct {
	typ     plumbing.ObjectType
	size    int64         // inflated size (of the delta, for a delta)
	base    plumbing.Hash // a delta's base
	dataOff int           // where the compressed data starts in the entry
}

func (d *deltaSource) parseHead(p *rawPack, off int64, b []byte) (entryHead, bool) {
	var e entryHead
	if len(b) == 0 {
		return e, false
	}
	c := b[0]
	e.typ = plumbing.ObjectType((c >> 4) & 7)
	e.size = int64(c & 0x0f)
	i, shift := 1, 4
	for c&0x80 != 0 {
		if i >= len(b) || shift > 56 {
			return e, false
		}
		c = b[i]
		i++
		e.size |= int64(c&0x7f) << shift
		shift += 7
	}
	switch e.typ {
	case plumbing.OFSDeltaObject:
		if i >= len(b) {
			return e, false
		}
		c = b[i]
		i++
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if i >= len(b) || rel > 1<<48 {
				return e, false
			}
			c = b[i]
			i++
			rel = (rel+1)<<7 | int64(c&0x7f)
		}
		h, ok := d.objectAt(p, off-rel)
		if !ok {
			return e, false
		}
		e.base = h
	case plumbing.REFDeltaObject:
		if i+20 > len(b) {
			return e, false
		}
		copy(e.base[:], b[i:i+20])
		i += 20
	}
	e.dataOff = i
	return e, true
}

// copyDelta writes h's stored delta as a REF_DELTA entry when its base is
// in the pack being written (inPack) and its bytes match the index's
// CRC32; errNotReusable otherwise, before anything is written.
func (d *deltaSource) copyDelta(w io.Writer, h plumbing.Hash, inPack map[plumbing.Hash]bool) error {
	p, off, end, ok := d.locate(h)
	if !ok || end-off > maxBuffered {
		return errNotReusable
	}
	ra, ok := p.file.(io.ReaderAt)
	if !ok {
		return errNotReusable
	}
	var first [1]byte
	if _, err := ra.ReadAt(first[:], off); err != nil {
		return errNotReusable
	}
	if t := plumbing.ObjectType((first[0] >> 4) & 7); t != plumbing.OFSDeltaObject && t != plumbing.REFDeltaObject {
		return errNotReusable
	}
	buf := make([]byte, end-off)
	if _, err := ra.ReadAt(buf, off); err != nil {
		return errNotReusable
	}
	want, err := p.idx.FindCRC32(h)
	if err != nil || crc32.ChecksumIEEE(buf) != want {
		return errNotReusable
	}
	e, ok := d.parseHead(p, off, buf)
	if !ok || !inPack[e.base] || e.base == h {
		return errNotReusable
	}
	if _, err := w.Write(entryHeader(plumbing.REFDeltaObject, e.size)); err != nil {
		return err
	}
	if _, err := w.Write(e.base[:]); err != nil {
		return err
	}
	_, err = w.Write(buf[e.dataOff:])
	return err
}

// info is h's type and inflated size read from the pack entry headers
// (following a delta to its base for the type, and reading the target
// size at the start of the delta), without inflating the object; false
// when the packs cannot say.
func (d *deltaSource) info(h plumbing.Hash) (plumbing.ObjectType, int64, bool) {
	size := int64(-1)
	for range 100 {
		p, off, end, ok := d.locate(h)
		if !ok {
			return 0, 0, false
		}
		ra, ok := p.file.(io.ReaderAt)
		if !ok {
			return 0, 0, false
		}
		n := min(end-off, 64)
		b := make([]byte, n)
		if _, err := ra.ReadAt(b, off); err != nil {
			return 0, 0, false
		}
		e, ok := d.parseHead(p, off, b)
		if !ok {
			return 0, 0, false
		}
		switch e.typ {
		case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
			if size < 0 {
				size = e.size
			}
			return e.typ, size, true
		case plumbing.OFSDeltaObject, plumbing.REFDeltaObject:
			if size < 0 {
				// The delta starts with the base's size, then the result's.
				zr, err := zlib.NewReader(io.NewSectionReader(ra, off+int64(e.dataOff), end-off-int64(e.dataOff)))
				if err != nil {
					return 0, 0, false
				}
				var hdr [20]byte
				k, _ := io.ReadFull(zr, hdr[:])
				zr.Close()
				_, rest, ok := leb128(hdr[:k])
				if !ok {
					return 0, 0, false
				}
				t, _, ok := leb128(rest)
				if !ok {
					return 0, 0, false
				}
				size = int64(t)
			}
			h = e.base
		default:
			return 0, 0, false
		}
	}
	return 0, 0, false
}

// objectInfo is h's type and size: from the pack headers when they say,
// else from the store.
func objectInfo(d *deltaSource, s storer.EncodedObjectStorer, h plumbing.Hash) (plumbing.ObjectType, int64, error) {
	if d != nil {
		if t, n, ok := d.info(h); ok {
			return t, n, nil
		}
	}
	o, err := s.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return 0, 0, err
	}
	return o.Type(), o.Size(), nil
}

func openDeltaSource(s storer.EncodedObjectStorer) *deltaSource {
	fs, ok := s.(interface{ Filesystem() billy.Filesystem })
	if !ok {
		return nil
	}
	src, err := openPackSource(fs.Filesystem())
	if err != nil {
		return nil
	}
	return &deltaSource{src: src}
}

func (d *deltaSource) Close() {
	if d != nil {
		d.src.Close()
	}
}

// writeGitPack writes a pack of hashes for a git client: a blob with a
// thin base in bases as a delta against it (see thin.go), a stored delta
// whose base is in the pack as it is stored, a whole stored entry as it is
// stored, anything else deflated.
func (s *Server) writeGitPack(ctx context.Context, w io.Writer, store storer.EncodedObjectStorer, d *deltaSource, hashes []plumbing.Hash, bases map[plumbing.Hash]plumbing.Hash) (gitPackStats, error) {
	var st gitPackStats
	if d == nil {
		_, err := WriteThinPack(ctx, w, store, hashes, bases)
		return st, err
	}
	inPack := make(map[plumbing.Hash]bool, len(hashes))
	for _, h := range hashes {
		inPack[h] = true
	}
	sum := sha1.New()
	bw := bufio.NewWriterSize(io.MultiWriter(ctxWriter{ctx, w}, sum), 64<<10)
	var hdr [12]byte
	copy(hdr[:], "PACK")
	binary.BigEndian.PutUint32(hdr[4:], 2)
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(hashes)))
	bw.Write(hdr[:])
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	for _, h := range hashes {
		if base, ok := bases[h]; ok {
			err := writeDeltaEntry(bw, zw, store, h, base)
			if err == nil {
				st.deltas++
				continue
			}
			if !errors.Is(err, errNoDelta) {
				return st, err
			}
		}
		err := d.copyDelta(bw, h, inPack)
		if err == nil {
			st.reusedDeltas++
			continue
		}
		if !errors.Is(err, errNotReusable) {
			return st, err
		}
		err = d.src.copyEntry(bw, h)
		if err == nil {
			st.reused++
		} else if errors.Is(err, errNotReusable) {
			err = writeWholeEntry(bw, zw, store, h)
		}
		if err != nil {
			return st, err
		}
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}
	_, err := (ctxWriter{ctx, w}).Write(sum.Sum(nil))
	return st, err
}

// objectFilter is a partial clone's filter spec: blob:none, blob:limit=N
// (blobs of N bytes or more are left out) or tree:0 (only commits and
// tags). Objects the client named as wants are always sent.
type objectFilter struct {
	noBlobs   bool
	blobLimit int64 // -1: none
	noTrees   bool
}

func parseFilter(spec string) (*objectFilter, error) {
	f := &objectFilter{blobLimit: -1}
	switch {
	case spec == "blob:none":
		f.noBlobs = true
	case strings.HasPrefix(spec, "blob:limit="):
		n, err := parseSize(strings.TrimPrefix(spec, "blob:limit="))
		if err != nil {
			return nil, fmt.Errorf("bad filter %q", spec)
		}
		f.blobLimit = n
	case spec == "tree:0":
		f.noBlobs, f.noTrees = true, true
	default:
		return nil, fmt.Errorf("filter %q is not supported (blob:none, blob:limit=<n>, tree:0 are)", spec)
	}
	return f, nil
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1<<10, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1<<20, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "g"):
		mult, s = 1<<30, strings.TrimSuffix(s, "g")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, errors.New("bad size")
	}
	return n * mult, nil
}

// apply drops from hashes what the filter leaves out.
func (f *objectFilter) apply(ctx context.Context, s storer.EncodedObjectStorer, d *deltaSource, hashes, wants []plumbing.Hash) ([]plumbing.Hash, error) {
	wanted := make(map[plumbing.Hash]bool, len(wants))
	for _, h := range wants {
		wanted[h] = true
	}
	out := hashes[:0]
	for _, h := range hashes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if wanted[h] {
			out = append(out, h)
			continue
		}
		t, size, err := objectInfo(d, s, h)
		if err != nil {
			return nil, err
		}
		switch {
		case t == plumbing.BlobObject && (f.noBlobs || (f.blobLimit >= 0 && size >= f.blobLimit)):
		case t == plumbing.TreeObject && f.noTrees:
		default:
			out = append(out, h)
		}
	}
	return out, nil
}
