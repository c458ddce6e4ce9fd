package repo

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"easel.dev/easel/repo/lockfile"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
)

// When add or commit creates many objects at once, easel writes them into
// one new pack (undeltified, with a version 2 index) instead of one loose
// file each. Creating thousands of small files is what makes bulk adds
// slow on most file systems; git makes the same trade-off when it receives
// objects (transfer.unpackLimit: 100 or more objects are kept as a pack).
const packThreshold = 100

// packWriter streams objects into objects/pack/tmp_pack_*.
type packWriter struct {
	r       *Repository
	f       *os.File
	bw      *bufio.Writer
	sum     hash.Hash
	off     uint64
	want    int
	entries []packIndexEntry
	zw      *zlib.Writer
}

type packIndexEntry struct {
	id     plumbing.Hash
	offset uint64
	crc    uint32
}

// countingWriter feeds the pack's running checksum and the object's CRC.
type packSink struct {
	pw  *packWriter
	crc hash.Hash32
}

func (s *packSink) Write(p []byte) (int, error) {
	n, err := s.pw.bw.Write(p)
	s.pw.sum.Write(p[:n])
	s.crc.Write(p[:n])
	s.pw.off += uint64(n)
	return n, err
}

func (r *Repository) newPackWriter(count int) (*packWriter, error) {
	dir := filepath.Join(r.GitDir, "objects", "pack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "tmp_pack_")
	if err != nil {
		return nil, err
	}
	pw := &packWriter{r: r, f: f, bw: bufio.NewWriterSize(f, 256<<10), sum: sha1.New(), want: count}
	var hdr [12]byte
	copy(hdr[:], "PACK")
	binary.BigEndian.PutUint32(hdr[4:], 2)
	binary.BigEndian.PutUint32(hdr[8:], uint32(count))
	pw.bw.Write(hdr[:])
	pw.sum.Write(hdr[:])
	pw.off = 12
	return pw, nil
}

// add writes one object of the given type and size read from src, and
// checks that its content hashes to id (a file that changed since it was
// hashed is an error rather than a corrupt pack).
func (pw *packWriter) add(id plumbing.Hash, t plumbing.ObjectType, size int64, src io.Reader) error {
	if len(pw.entries) == pw.want {
		return errors.New("pack: more objects than announced")
	}
	sink := &packSink{pw: pw, crc: crc32.NewIEEE()}
	start := pw.off
	// Object header: type and size, 4 bits then 7 bits per byte.
	var hdr [16]byte
	n := 0
	c := byte(t)<<4 | byte(size&0x0f)
	s := size >> 4
	for s > 0 {
		hdr[n] = c | 0x80
		n++
		c = byte(s & 0x7f)
		s >>= 7
	}
	hdr[n] = c
	n++
	sink.Write(hdr[:n])
	if pw.zw == nil {
		pw.zw, _ = zlib.NewWriterLevel(sink, zlib.BestSpeed)
	} else {
		pw.zw.Reset(sink)
	}
	h := sha1.New()
	h.Write(objectHeader(t, size))
	if _, err := io.CopyN(io.MultiWriter(pw.zw, h), src, size); err != nil {
		return fmt.Errorf("object %s: content changed while being stored: %w", id, err)
	}
	if err := pw.zw.Close(); err != nil {
		return err
	}
	var got plumbing.Hash
	copy(got[:], h.Sum(nil))
	if got != id {
		return fmt.Errorf("object %s: content changed while being stored", id)
	}
	pw.entries = append(pw.entries, packIndexEntry{id: id, offset: start, crc: sink.crc.Sum32()})
	return nil
}

// finish writes the trailer and the index and moves both into place.
func (pw *packWriter) finish() error {
	if len(pw.entries) != pw.want {
		pw.abort()
		return fmt.Errorf("pack: %d objects written, %d announced", len(pw.entries), pw.want)
	}
	var trailer plumbing.Hash
	copy(trailer[:], pw.sum.Sum(nil))
	pw.bw.Write(trailer[:])
	if err := pw.bw.Flush(); err != nil {
		pw.abort()
		return err
	}
	// Both files reach the disk before they are renamed into place, and
	// the directory after: a branch must never point at objects a power
	// cut could take away. (Loose objects, like git's by default, are not
	// synced one by one.)
	if err := pw.f.Sync(); err != nil {
		pw.abort()
		return err
	}
	if err := pw.f.Close(); err != nil {
		pw.abort()
		return err
	}
	dir := filepath.Dir(pw.f.Name())
	base := filepath.Join(dir, "pack-"+trailer.String())
	idx := encodePackIndex(pw.entries, trailer)
	tmpIdx, err := os.CreateTemp(dir, "tmp_idx_")
	if err != nil {
		pw.abort()
		return err
	}
	_, err = tmpIdx.Write(idx)
	if err == nil {
		err = tmpIdx.Sync()
	}
	if cerr := tmpIdx.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		os.Chmod(pw.f.Name(), 0o444)
		os.Chmod(tmpIdx.Name(), 0o444)
		// The pack goes first, as git does: readers find packs through
		// their index (a pack left without one is ignored, see objfs).
		if err = os.Rename(pw.f.Name(), base+".pack"); err == nil {
			err = os.Rename(tmpIdx.Name(), base+".idx")
		}
		if err == nil {
			err = lockfile.SyncDir(dir)
		}
	}
	if err != nil {
		os.Remove(tmpIdx.Name())
		pw.abort()
		return err
	}
	return nil
}

func (pw *packWriter) abort() {
	pw.f.Close()
	os.Remove(pw.f.Name())
}

// encodePackIndex builds a version 2 pack index.
func encodePackIndex(entries []packIndexEntry, packSum plumbing.Hash) []byte {
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i].id[:], entries[j].id[:]) < 0 })
	var buf bytes.Buffer
	buf.Write([]byte{0xff, 't', 'O', 'c', 0, 0, 0, 2})
	var fan [256]uint32
	for _, e := range entries {
		fan[e.id[0]]++
	}
	var total uint32
	var b4 [4]byte
	for i := 0; i < 256; i++ {
		total += fan[i]
		binary.BigEndian.PutUint32(b4[:], total)
		buf.Write(b4[:])
	}
	for _, e := range entries {
		buf.Write(e.id[:])
	}
	for _, e := range entries {
		binary.BigEndian.PutUint32(b4[:], e.crc)
		buf.Write(b4[:])
	}
	var large []uint64
	for _, e := range entries {
		if e.offset < 1<<31 {
			binary.BigEndian.PutUint32(b4[:], uint32(e.offset))
		} else {
			binary.BigEndian.PutUint32(b4[:], uint32(len(large))|1<<31)
			large = append(large, e.offset)
		}
		buf.Write(b4[:])
	}
	var b8 [8]byte
	for _, o := range large {
		binary.BigEndian.PutUint64(b8[:], o)
		buf.Write(b8[:])
	}
	buf.Write(packSum[:])
	sum := sha1.Sum(buf.Bytes())
	buf.Write(sum[:])
	return buf.Bytes()
}

// memObject is an object held in memory, waiting to be stored.
type memObject struct {
	id   plumbing.Hash
	t    plumbing.ObjectType
	data []byte
}

// storeObjects writes objects that do not exist yet: as one pack when
// there are many, loose otherwise.
func (r *Repository) storeObjects(objs []memObject) error {
	var todo []memObject
	seen := map[plumbing.Hash]bool{}
	for _, o := range objs {
		if !seen[o.id] && !r.hasObject(o.id) {
			seen[o.id] = true
			todo = append(todo, o)
		}
	}
	if len(todo) < packThreshold {
		for _, o := range todo {
			o := o
			if err := r.writeLoose(o.id, func(w io.Writer) error {
				w.Write(objectHeader(o.t, int64(len(o.data))))
				_, err := w.Write(o.data)
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	}
	pw, err := r.newPackWriter(len(todo))
	if err != nil {
		return err
	}
	for _, o := range todo {
		if err := pw.add(o.id, o.t, int64(len(o.data)), bytes.NewReader(o.data)); err != nil {
			pw.abort()
			return err
		}
	}
	return pw.finish()
}
