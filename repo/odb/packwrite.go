package odb

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
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

	"easel.dev/easel/repo/hashfile"
)

// PackWriter streams objects, stored whole, into a new pack with a
// version 2 index. Writing many objects as one pack is what keeps bulk
// adds and commits fast: creating thousands of small files is slow on
// most file systems (git keeps 100 or more received objects as a pack for
// the same reason). The pack is visible to the database as soon as
// Finish returns.
type PackWriter struct {
	db      *DB
	f       *os.File
	hw      *hashfile.Writer
	want    int
	entries []PackIndexEntry
	zw      *zlib.Writer
}

// PackIndexEntry is what a pack index records of one object.
type PackIndexEntry struct {
	ID     plumbing.Hash
	Offset uint64
	CRC    uint32
}

// packSink feeds the pack (and its running checksum) and the entry's CRC.
type packSink struct {
	pw  *PackWriter
	crc hash.Hash32
}

func (s *packSink) Write(p []byte) (int, error) {
	n, err := s.pw.hw.Write(p)
	s.crc.Write(p[:n])
	return n, err
}

// NewPackWriter starts a pack of exactly count objects in the repository's
// pack directory.
func (db *DB) NewPackWriter(count int) (*PackWriter, error) {
	dir := filepath.Join(db.own.dir, "pack")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "tmp_pack_")
	if err != nil {
		return nil, err
	}
	pw := &PackWriter{db: db, f: f, hw: hashfile.NewWriter(f, 256<<10), want: count}
	var hdr [12]byte
	copy(hdr[:], "PACK")
	binary.BigEndian.PutUint32(hdr[4:], 2)
	binary.BigEndian.PutUint32(hdr[8:], uint32(count))
	pw.hw.Write(hdr[:])
	return pw, nil
}

// Add writes one object of the given type and size read from src, and
// checks that its content hashes to id (a file that changed since it was
// hashed is an error rather than a corrupt pack).
func (pw *PackWriter) Add(id plumbing.Hash, t plumbing.ObjectType, size int64, src io.Reader) error {
	if len(pw.entries) == pw.want {
		return errors.New("pack: more objects than announced")
	}
	sink := &packSink{pw: pw, crc: crc32.NewIEEE()}
	start := uint64(pw.hw.Offset())
	var hdr [16]byte
	sink.Write(AppendEntryHeader(hdr[:0], t, size))
	if pw.zw == nil {
		pw.zw, _ = zlib.NewWriterLevel(sink, zlib.BestSpeed)
	} else {
		pw.zw.Reset(sink)
	}
	h := sha1.New()
	h.Write(ObjectHeader(t, size))
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
	pw.entries = append(pw.entries, PackIndexEntry{ID: id, Offset: start, CRC: sink.crc.Sum32()})
	return nil
}

// Finish writes the trailer and the index, moves both into place and
// makes the pack visible to the database; it returns the pack's checksum.
func (pw *PackWriter) Finish() (plumbing.Hash, error) {
	if len(pw.entries) != pw.want {
		pw.Abort()
		return plumbing.ZeroHash, fmt.Errorf("pack: %d objects written, %d announced", len(pw.entries), pw.want)
	}
	trailer, err := pw.hw.Finish()
	if err != nil {
		pw.Abort()
		return trailer, err
	}
	// Both files reach the disk before they are renamed into place, and
	// the directory after: a branch must never point at objects a power
	// cut could take away. (Loose objects, like git's by default, are not
	// synced one by one.)
	if err := pw.f.Sync(); err != nil {
		pw.Abort()
		return trailer, err
	}
	if err := pw.f.Close(); err != nil {
		pw.Abort()
		return trailer, err
	}
	dir := filepath.Dir(pw.f.Name())
	base := filepath.Join(dir, "pack-"+trailer.String())
	if err := hashfile.Install(dir, "tmp_idx_", EncodePackIndex(pw.entries, trailer), func(tmpIdx string) error {
		os.Chmod(pw.f.Name(), 0o444)
		// The pack goes first, as git does: readers find packs through
		// their index, and a pack left without one is ignored.
		if err := os.Rename(pw.f.Name(), base+".pack"); err != nil {
			return err
		}
		return os.Rename(tmpIdx, base+".idx")
	}); err != nil {
		pw.Abort()
		return trailer, err
	}
	pw.db.own.addPack(base)
	return trailer, nil
}

// Abort removes the unfinished pack.
func (pw *PackWriter) Abort() {
	pw.f.Close()
	os.Remove(pw.f.Name())
}

// EncodePackIndex builds a version 2 pack index (entries are sorted in
// place).
func EncodePackIndex(entries []PackIndexEntry, packSum plumbing.Hash) []byte {
	sort.Slice(entries, func(i, j int) bool { return bytes.Compare(entries[i].ID[:], entries[j].ID[:]) < 0 })
	var buf bytes.Buffer
	buf.Grow(8 + 256*4 + len(entries)*28 + 2*hashfile.Size)
	WritePackIndex(&buf, len(entries), func(i int) PackIndexEntry { return entries[i] }, packSum)
	return buf.Bytes()
}

// WritePackIndex writes a version 2 pack index of n objects to w, as git
// does; entry(i) is the i-th object in id order. Callers that keep their
// objects in another form need not build a slice of entries.
func WritePackIndex(w io.Writer, n int, entry func(i int) PackIndexEntry, packSum plumbing.Hash) error {
	bw := hashfile.NewWriter(w, 64<<10)
	bw.Write([]byte{0xff, 't', 'O', 'c', 0, 0, 0, 2})
	var fan [256]uint32
	for i := 0; i < n; i++ {
		fan[entry(i).ID[0]]++
	}
	var total uint32
	var b4 [4]byte
	for _, c := range fan {
		total += c
		binary.BigEndian.PutUint32(b4[:], total)
		bw.Write(b4[:])
	}
	for i := 0; i < n; i++ {
		id := entry(i).ID
		bw.Write(id[:])
	}
	for i := 0; i < n; i++ {
		binary.BigEndian.PutUint32(b4[:], entry(i).CRC)
		bw.Write(b4[:])
	}
	var large []uint64
	for i := 0; i < n; i++ {
		off := entry(i).Offset
		if off < 1<<31 {
			binary.BigEndian.PutUint32(b4[:], uint32(off))
		} else {
			binary.BigEndian.PutUint32(b4[:], uint32(len(large))|1<<31)
			large = append(large, off)
		}
		bw.Write(b4[:])
	}
	var b8 [8]byte
	for _, o := range large {
		binary.BigEndian.PutUint64(b8[:], o)
		bw.Write(b8[:])
	}
	bw.Write(packSum[:])
	_, err := bw.Finish()
	return err
}

// AppendEntryHeader appends a pack entry's header to buf: the type and
// size, 4 bits of size in the first byte, then 7 bits per byte.
func AppendEntryHeader(buf []byte, t plumbing.ObjectType, size int64) []byte {
	c := byte(t)<<4 | byte(size&0x0f)
	size >>= 4
	for size != 0 {
		buf = append(buf, c|0x80)
		c = byte(size & 0x7f)
		size >>= 7
	}
	return append(buf, c)
}
