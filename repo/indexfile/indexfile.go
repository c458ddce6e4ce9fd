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
// ("sdir") has directory entries. Decode refuses those with a
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
	// and size), a slice of the data decoded; nil when absent.
	Tree []byte
}

// Decode parses an index file held whole in data. Entry names are slices
// of data, which the caller must not modify afterwards.
func Decode(data []byte) (*index.Index, *Extensions, error) {
	if len(data) < 12+20 || string(data[:4]) != "DIRC" {
		return nil, nil, errors.New("bad signature")
	}
	if !hashfile.Valid(data) {
		return nil, nil, errors.New("bad index checksum")
	}
	version := binary.BigEndian.Uint32(data[4:8])
	if version < 2 || version > 4 {
		return nil, nil, fmt.Errorf("unsupported index version %d", version)
	}
	n := int(binary.BigEndian.Uint32(data[8:12]))
	body := data[:len(data)-20]
	idx := &index.Index{Version: version, Entries: make([]*index.Entry, 0, n)}
	exts := &Extensions{}
	entries := make([]index.Entry, n)
	// Names are slices of one string holding the whole file: one
	// allocation instead of one per entry. data is not modified after.
	all := unsafe.String(unsafe.SliceData(data), len(data))
	off := 12
	prev := "" // version 4: the previous name, which the next one edits
	for i := 0; i < n; i++ {
		if off+62 > len(body) {
			return nil, nil, errors.New("truncated entry")
		}
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
		hdr := 62
		if flags&0x4000 != 0 {
			if version < 3 || off+64 > len(body) {
				return nil, nil, errors.New("extended flags in a version 2 index")
			}
			ext := binary.BigEndian.Uint16(b[62:64])
			e.IntentToAdd = ext&0x2000 != 0
			e.SkipWorktree = ext&0x4000 != 0
			hdr = 64
		}
		nl := int(flags & 0xfff)
		if version == 4 {
			name, n, err := V4Name(body[off+hdr:], prev)
			if err != nil {
				return nil, nil, err
			}
			if nl < 0xfff && len(name) != nl {
				return nil, nil, errors.New("entry name length mismatch")
			}
			e.Name, prev = name, name
			off += hdr + n
			idx.Entries = append(idx.Entries, e)
			continue
		}
		var name []byte
		if nl < 0xfff {
			if off+hdr+nl > len(body) {
				return nil, nil, errors.New("truncated entry name")
			}
			name = b[hdr : hdr+nl]
		} else {
			end := bytes.IndexByte(b[hdr:], 0)
			if end < 0 {
				return nil, nil, errors.New("unterminated entry name")
			}
			name = b[hdr : hdr+end]
		}
		start := off + hdr
		e.Name = all[start : start+len(name)]
		off += (hdr + len(name) + 8) &^ 7
		idx.Entries = append(idx.Entries, e)
	}
	// Extensions: a lowercase signature means git requires it to
	// understand the index (split index, sparse directories).
	for off+8 <= len(body) {
		sig := body[off : off+4]
		size := int(binary.BigEndian.Uint32(body[off+4 : off+8]))
		if sig[0] >= 'a' && sig[0] <= 'z' {
			return nil, nil, &MandatoryExtensionError{Sig: string(sig)}
		}
		if string(sig) == "TREE" && off+8+size <= len(body) {
			if root, ok := cacheTreeRoot(body[off+8:off+8+size], len(idx.Entries)); ok {
				exts.TreeRoot = root
			}
			exts.Tree = body[off+8 : off+8+size]
		}
		off += 8 + size
	}
	return idx, exts, nil
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
