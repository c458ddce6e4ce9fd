// Package indexfile reads and writes the index (.git/index) in git's
// format, versions 2, 3 and 4, with go-git's types. easel has its own
// codec rather than go-git's Encoder because that encoder sorts entries
// by name only with an unstable sort, which can reorder the stages of a
// conflicted path (git requires name, then stage order), and it is slow
// on large indexes. An index keeps its version when written, as git keeps
// it: 2 and 3 are chosen by whether an entry has extended flags, 4
// (prefix-compressed names) stays 4. (A new index takes GIT_INDEX_VERSION
// or index.version, else 2: the repository's choice.)
//
// Optional extensions (cache tree, resolve-undo, untracked cache, fsmonitor,
// end of index, offset table) are dropped when the index is read, which is
// what git does with an optional extension it does not maintain: a cache
// tree easel does not update would be stale, and git rebuilds each of them
// on demand. Only a valid cache-tree root is kept aside (Extensions). A
// mandatory extension (lowercase signature) changes what the entries mean:
// a split index ("link") keeps most entries in another file, a sparse index
// ("sdir") has directory entries. Decode reports both in Extensions for the
// repository to complete the index (MergeSplit, and the expansion of
// directory entries, which needs the trees); another one is refused with a
// *MandatoryExtensionError rather than misread the index.
//
// Where the index lives, its lock and the racy-git rule are the
// repository's (package repo); this package knows the file format only.
package indexfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/hashfile"
)

// Extensions is what Decode keeps of the optional extensions.
type Extensions struct {
	// TreeRoot is the root tree id of the cache-tree extension (TREE)
	// when git marked it valid: the tree the entries as read make,
	// without hashing them. It says nothing of entries changed since;
	// only a reader that changes none may use it. Zero when absent.
	TreeRoot plumbing.Hash
	// Tree is the cache-tree extension's content (without its signature
	// and size), copied out of the data decoded; nil when absent.
	Tree []byte
	// Link is the link extension of a split index: the entries are
	// those of the shared index it names, changed as it says
	// (MergeSplit). Nil when the index is not split.
	Link *Link
	// Sparse: the sparse-directory extension (sdir) says that entries
	// of mode 040000, named with a trailing slash, stand for the whole
	// tree they name, every file of it skip-worktree.
	Sparse bool
}

// Decode parses an index file held whole in data. Nothing of the result
// refers to data afterwards, so data may be a memory map of the file that
// is unmapped as soon as Decode returns: the entries are one slice, and
// their names are copies in one string holding them all back to back (two
// allocations for the whole index rather than one per entry).
func Decode(data []byte) (*index.Index, *Extensions, error) {
	if len(data) < 12+20 || string(data[:4]) != "DIRC" {
		return nil, nil, errors.New("bad signature")
	}
	// The trailing checksum is not verified, as git does not verify it
	// when it reads the index (only fsck does, and index.skipHash
	// writes none): hashing the whole file would cost a status on a
	// large work tree more than decoding it. A damaged file is still
	// caught by the parsing below.
	version := binary.BigEndian.Uint32(data[4:8])
	if version < 2 || version > 4 {
		return nil, nil, fmt.Errorf("unsupported index version %d", version)
	}
	n := int(binary.BigEndian.Uint32(data[8:12]))
	body := data[:len(data)-20]
	// Every entry takes 62 bytes at least: a count the file cannot hold
	// is refused before anything is allocated for it.
	if n > (len(body)-12)/62 {
		return nil, nil, errors.New("truncated entry")
	}
	// The first pass finds where the entries end and how long their
	// names are in all (prefix-compressed in version 4), so that the
	// names can be copied into one string of the right size.
	namesLen, off := 0, 12
	prevLen := 0
	for i := 0; i < n; i++ {
		r, err := readEntry(body, off, version, prevLen)
		if err != nil {
			return nil, nil, err
		}
		namesLen += r.nameLen
		prevLen, off = r.nameLen, r.next
	}
	extOff := off

	idx := &index.Index{Version: version, Entries: make([]*index.Entry, n)}
	entries := make([]index.Entry, n)
	arena := make([]byte, namesLen)
	// Names are substrings of one string over arena, written here and
	// never after.
	names := unsafe.String(unsafe.SliceData(arena), len(arena))
	pos, off := 0, 12
	prev := "" // version 4: the previous name, which the next one edits
	for i := range entries {
		r, _ := readEntry(body, off, version, len(prev))
		b := body[off:]
		e := &entries[i]
		e.CreatedAt = unixTime(b[0:4], b[4:8])
		e.ModifiedAt = unixTime(b[8:12], b[12:16])
		e.Dev = binary.BigEndian.Uint32(b[16:20])
		e.Inode = binary.BigEndian.Uint32(b[20:24])
		e.Mode = filemode.FileMode(binary.BigEndian.Uint32(b[24:28]))
		e.UID = binary.BigEndian.Uint32(b[28:32])
		e.GID = binary.BigEndian.Uint32(b[32:36])
		e.Size = binary.BigEndian.Uint32(b[36:40])
		copy(e.Hash[:], b[40:60])
		flags := binary.BigEndian.Uint16(b[60:62])
		e.Stage = index.Stage(flags >> 12 & 3)
		if flags&0x4000 != 0 {
			ext := binary.BigEndian.Uint16(b[62:64])
			e.IntentToAdd = ext&0x2000 != 0
			e.SkipWorktree = ext&0x4000 != 0
		}
		kept := copy(arena[pos:], prev[:len(prev)-r.strip])
		copy(arena[pos+kept:], body[r.suffix:r.suffix+r.nameLen-kept])
		e.Name = names[pos : pos+r.nameLen]
		pos += r.nameLen
		if version == 4 {
			prev = e.Name
		}
		idx.Entries[i] = e
		off = r.next
	}

	// Extensions: a lowercase signature means git requires it to
	// understand the index (split index, sparse directories).
	exts := &Extensions{}
	for off := extOff; off+8 <= len(body); {
		sig := body[off : off+4]
		size := int(binary.BigEndian.Uint32(body[off+4 : off+8]))
		if size < 0 {
			break // wrapped round in a 32-bit int: past the end anyway
		}
		switch {
		case size > len(body)-off-8:
			if sig[0] >= 'a' && sig[0] <= 'z' {
				return nil, nil, fmt.Errorf("index extension %q truncated", sig)
			}
		case string(sig) == "link":
			l, err := readLink(body[off+8 : off+8+size])
			if err != nil {
				return nil, nil, err
			}
			exts.Link = l
		case string(sig) == "sdir":
			exts.Sparse = true
		case sig[0] >= 'a' && sig[0] <= 'z':
			return nil, nil, &MandatoryExtensionError{Sig: string(sig)}
		}
		if string(sig) == "TREE" && size <= len(body)-off-8 {
			tree := body[off+8 : off+8+size]
			if root, ok := cacheTreeRoot(tree, n); ok {
				exts.TreeRoot = root
			}
			exts.Tree = bytes.Clone(tree)
		}
		off += 8 + size
	}
	return idx, exts, nil
}

// entryShape is where an entry's parts are in the file.
type entryShape struct {
	suffix  int // offset of the name's bytes (version 4: those appended to the kept prefix)
	nameLen int // length of the whole name
	strip   int // version 4: bytes dropped from the end of the previous name
	next    int // offset of the next entry
}

// readEntry checks the entry at off and says where its name is; prevLen
// is the length of the previous entry's name (version 4 edits it).
func readEntry(body []byte, off int, version uint32, prevLen int) (entryShape, error) {
	if off+62 > len(body) {
		return entryShape{}, errors.New("truncated entry")
	}
	flags := binary.BigEndian.Uint16(body[off+60 : off+62])
	hdr := 62
	if flags&0x4000 != 0 {
		if version < 3 || off+64 > len(body) {
			return entryShape{}, errors.New("extended flags in a version 2 index")
		}
		hdr = 64
	}
	nl := int(flags & 0xfff)
	start := off + hdr
	if version == 4 {
		strip, n, err := v4Strip(body[start:])
		if err != nil {
			return entryShape{}, err
		}
		if strip > prevLen {
			return entryShape{}, errors.New("name prefix longer than the previous name")
		}
		end := bytes.IndexByte(body[start+n:], 0)
		if end < 0 {
			return entryShape{}, errors.New("unterminated entry name")
		}
		full := prevLen - strip + end
		if nl < 0xfff && full != nl {
			return entryShape{}, errors.New("entry name length mismatch")
		}
		return entryShape{suffix: start + n, nameLen: full, strip: strip, next: start + n + end + 1}, nil
	}
	if nl == 0xfff {
		end := bytes.IndexByte(body[start:], 0)
		if end < 0 {
			return entryShape{}, errors.New("unterminated entry name")
		}
		nl = end
	} else if start+nl > len(body) {
		return entryShape{}, errors.New("truncated entry name")
	}
	// The name is padded with 1 to 8 NULs to a multiple of 8 bytes.
	return entryShape{suffix: start, nameLen: nl, next: off + (hdr+nl+8)&^7}, nil
}

func unixTime(sec, nsec []byte) time.Time {
	s := binary.BigEndian.Uint32(sec)
	ns := binary.BigEndian.Uint32(nsec)
	if s == 0 && ns == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), int64(ns))
}

// Sort orders entries as git requires: by name bytes, then stage.
func Sort(idx *index.Index) {
	sort.SliceStable(idx.Entries, func(i, j int) bool {
		a, b := idx.Entries[i], idx.Entries[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Stage < b.Stage
	})
}

// Encode writes idx in git's format, sorting its entries first, followed
// by the extensions in exts (each whole: signature, size and content).
// The version is idx.Version when 4, else 2, or 3 when an entry has
// extended flags.
func Encode(w io.Writer, idx *index.Index, exts ...[]byte) error {
	Sort(idx)
	version := uint32(2)
	if idx.Version == 4 {
		version = 4
	} else {
		for _, e := range idx.Entries {
			if e.IntentToAdd || e.SkipWorktree {
				version = 3
			}
		}
	}
	bw := hashfile.NewWriter(w, 64<<10)
	var hdr [12]byte
	copy(hdr[:], "DIRC")
	binary.BigEndian.PutUint32(hdr[4:], version)
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(idx.Entries)))
	bw.Write(hdr[:])
	var b [64]byte
	var zero [8]byte
	var name []byte // version 4 name scratch
	prev := ""
	for i, e := range idx.Entries {
		if e.Name == "" || strings.Contains(e.Name, "\x00") {
			return fmt.Errorf("index entry %d: bad name %q", i, e.Name)
		}
		if i > 0 && idx.Entries[i-1].Name == e.Name && idx.Entries[i-1].Stage == e.Stage {
			return fmt.Errorf("index: duplicate entry %q", e.Name)
		}
		putTime(b[0:8], e.CreatedAt)
		putTime(b[8:16], e.ModifiedAt)
		binary.BigEndian.PutUint32(b[16:], e.Dev)
		binary.BigEndian.PutUint32(b[20:], e.Inode)
		binary.BigEndian.PutUint32(b[24:], uint32(e.Mode))
		binary.BigEndian.PutUint32(b[28:], e.UID)
		binary.BigEndian.PutUint32(b[32:], e.GID)
		binary.BigEndian.PutUint32(b[36:], e.Size)
		copy(b[40:60], e.Hash[:])
		flags := uint16(e.Stage&3) << 12
		if len(e.Name) < 0xfff {
			flags |= uint16(len(e.Name))
		} else {
			flags |= 0xfff
		}
		n := 62
		if e.IntentToAdd || e.SkipWorktree {
			flags |= 0x4000
			var ext uint16
			if e.IntentToAdd {
				ext |= 0x2000
			}
			if e.SkipWorktree {
				ext |= 0x4000
			}
			binary.BigEndian.PutUint16(b[62:], ext)
			n = 64
		}
		binary.BigEndian.PutUint16(b[60:], flags)
		bw.Write(b[:n])
		if version == 4 {
			name = putV4Name(name[:0], e.Name, prev)
			bw.Write(name)
			prev = e.Name
			continue
		}
		bw.WriteString(e.Name)
		pad := 8 - (n+len(e.Name))%8
		bw.Write(zero[:pad])
	}
	for _, x := range exts {
		bw.Write(x)
	}
	_, err := bw.Finish()
	return err
}

func putTime(b []byte, t time.Time) {
	if t.IsZero() || t.Unix() < 0 {
		binary.BigEndian.PutUint64(b, 0)
		return
	}
	binary.BigEndian.PutUint32(b[0:], uint32(t.Unix()))
	binary.BigEndian.PutUint32(b[4:], uint32(t.Nanosecond()))
}
