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
	"hash/crc32"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Sending a pack used to inflate every object and deflate it again, which
// was most of the server's work in a clone. Objects stored whole (not as
// deltas) in a pack are now copied as they are, compressed bytes and all,
// after checking them against the CRC32 the pack index records for them,
// as git's pack reuse does. Everything else (loose objects, deltas) is
// deflated at the fastest level.

// packSource finds the packed entries of the repository's objects.
type packSource struct {
	packs []*rawPack
}

type rawPack struct {
	fs      billy.Filesystem
	name    string // objects/pack/pack-<id>.pack
	idx     *idxfile.MemoryIndex
	offsets []int64 // every entry's offset, sorted, then the trailer's
	file    billy.File
}

// openPackSource reads the indexes of the packs in fs (a .git directory).
func openPackSource(fs billy.Filesystem) (*packSource, error) {
	dir := path.Join("objects", "pack")
	ents, err := fs.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	src := &packSource{}
	for _, e := range ents {
		base, ok := strings.CutSuffix(e.Name(), ".idx")
		if !ok || !strings.HasPrefix(base, "pack-") {
			continue
		}
		p, err := openRawPack(fs, path.Join(dir, base))
		if err != nil {
			src.Close()
			return nil, err
		}
		if p != nil {
			src.packs = append(src.packs, p)
		}
	}
	return src, nil
}

func openRawPack(fs billy.Filesystem, base string) (*rawPack, error) {
	pi, err := fs.Stat(base + ".pack")
	if err != nil {
		return nil, nil // an index without its pack: nothing to reuse
	}
	f, err := fs.Open(base + ".idx")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	idx := idxfile.NewMemoryIndex()
	if err := idxfile.NewDecoder(bufio.NewReader(f)).Decode(idx); err != nil {
		return nil, fmt.Errorf("%s.idx: %w", base, err)
	}
	it, err := idx.EntriesByOffset()
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var offsets []int64
	for {
		e, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		offsets = append(offsets, int64(e.Offset))
	}
	// EntriesByOffset gives them in order; the pack's trailer ends the last.
	offsets = append(offsets, pi.Size()-20)
	return &rawPack{fs: fs, name: base + ".pack", idx: idx, offsets: offsets}, nil
}

func (s *packSource) Close() {
	for _, p := range s.packs {
		if p.file != nil {
			p.file.Close()
		}
	}
}

var errNotReusable = errors.New("not reusable")

// maxBuffered is the largest entry checked and copied from memory; larger
// ones are read twice (check, then copy) rather than held whole.
const maxBuffered = 1 << 20

// copyEntry writes h's packed entry to w when some pack holds it whole and
// its bytes match the index's CRC32; errNotReusable otherwise, before
// anything is written.
func (s *packSource) copyEntry(w io.Writer, h plumbing.Hash) error {
	for _, p := range s.packs {
		off, err := p.idx.FindOffset(h)
		if err != nil {
			continue
		}
		return p.copyEntry(w, h, off)
	}
	return errNotReusable
}

func (p *rawPack) copyEntry(w io.Writer, h plumbing.Hash, off int64) error {
	i := sort.Search(len(p.offsets), func(i int) bool { return p.offsets[i] > off })
	if i == 0 || i == len(p.offsets) || p.offsets[i-1] != off {
		return errNotReusable
	}
	end := p.offsets[i]
	if off < 12 || end <= off { // not past the pack header, or a damaged index
		return errNotReusable
	}
	want, err := p.idx.FindCRC32(h)
	if err != nil {
		return errNotReusable
	}
	if p.file == nil {
		if p.file, err = p.fs.Open(p.name); err != nil {
			return errNotReusable
		}
	}
	ra, ok := p.file.(io.ReaderAt)
	if !ok {
		return errNotReusable
	}
	entry := io.NewSectionReader(ra, off, end-off)
	// The type is in the first byte: deltas would need their base sent
	// first or resolved, so they are re-encoded instead.
	var first [1]byte
	if _, err := ra.ReadAt(first[:], off); err != nil {
		return errNotReusable
	}
	switch plumbing.ObjectType((first[0] >> 4) & 7) {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	default:
		return errNotReusable
	}
	if end-off <= maxBuffered {
		buf := make([]byte, end-off)
		if _, err := io.ReadFull(entry, buf); err != nil || crc32.ChecksumIEEE(buf) != want {
			return errNotReusable
		}
		_, err := w.Write(buf)
		return err
	}
	crc := crc32.NewIEEE()
	if _, err := io.Copy(crc, entry); err != nil || crc.Sum32() != want {
		return errNotReusable
	}
	_, err = io.Copy(w, io.NewSectionReader(ra, off, end-off))
	return err
}

// writePackReusing writes a pack of hashes to w, copying packed entries
// from src where it can and deflating the rest from s.
func writePackReusing(ctx context.Context, w io.Writer, s storer.EncodedObjectStorer, src *packSource, hashes []plumbing.Hash) (plumbing.Hash, error) {
	id, _, err := writePackCounting(ctx, w, s, src, hashes)
	return id, err
}

// writePackCounting is writePackReusing that also says how many entries
// were copied as they were.
func writePackCounting(ctx context.Context, w io.Writer, s storer.EncodedObjectStorer, src *packSource, hashes []plumbing.Hash) (_ plumbing.Hash, reused int, _ error) {
	id, st, err := writePackWith(ctx, w, s, src, hashes, nil)
	return id, st.reused, err
}

// packStats counts how entries of a written pack were made.
type packStats struct {
	reused int // copied from a pack as they were
	deltas int // sent as REF_DELTA against an object the receiver has
}

// writePackWith writes a pack of hashes to w: an object with a base in
// bases is sent as a delta against it if that is worth it (see
// writeDeltaEntry; the receiver must hold every base), else copied from
// src, else deflated from s. The entries copied are whole objects only,
// so the pack never needs a base it does not carry or the receiver lack.
func writePackWith(ctx context.Context, w io.Writer, s storer.EncodedObjectStorer, src *packSource, hashes []plumbing.Hash, bases map[plumbing.Hash]plumbing.Hash) (_ plumbing.Hash, st packStats, _ error) {
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
			err := writeDeltaEntry(bw, zw, s, h, base)
			if err == nil {
				st.deltas++
				continue
			}
			if !errors.Is(err, errNoDelta) {
				return plumbing.ZeroHash, st, err
			}
		}
		err := src.copyEntry(bw, h)
		if err == nil {
			st.reused++
		} else if errors.Is(err, errNotReusable) {
			err = writeWholeEntry(bw, zw, s, h)
		}
		if err != nil {
			return plumbing.ZeroHash, st, err
		}
	}
	if err := bw.Flush(); err != nil {
		return plumbing.ZeroHash, st, err
	}
	var id plumbing.Hash
	copy(id[:], sum.Sum(nil))
	if _, err := (ctxWriter{ctx, w}).Write(id[:]); err != nil {
		return plumbing.ZeroHash, st, err
	}
	return id, st, nil
}

// writeWholeEntry writes h as an undeltified pack entry.
func writeWholeEntry(w io.Writer, zw *zlib.Writer, s storer.EncodedObjectStorer, h plumbing.Hash) error {
	obj, err := s.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return err
	}
	rd, err := obj.Reader()
	if err != nil {
		return err
	}
	defer rd.Close()
	if _, err := w.Write(entryHeader(obj.Type(), obj.Size())); err != nil {
		return err
	}
	zw.Reset(w)
	n, err := io.Copy(zw, rd)
	if err != nil {
		return err
	}
	if n != obj.Size() {
		return fmt.Errorf("object %s: %d bytes read, %d announced", h, n, obj.Size())
	}
	return zw.Close()
}

// entryHeader is a pack entry's type and size header.
func entryHeader(t plumbing.ObjectType, size int64) []byte {
	var b bytes.Buffer
	c := byte(t)<<4 | byte(size&0x0f)
	size >>= 4
	for size != 0 {
		b.WriteByte(c | 0x80)
		c = byte(size & 0x7f)
		size >>= 7
	}
	b.WriteByte(c)
	return b.Bytes()
}
