package merge

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
)

// fsStore is a store kept in a git directory (go-git's filesystem
// storage). Objects the merge creates are written there as git writes
// loose objects: skipped when already present, compressed for speed
// (git's core.looseCompression default), written to a temporary file and
// renamed into place. go-git's own writer compresses harder and rewrites
// existing objects, which made writing trees half the cost of a merge;
// its file system layer also re-resolves every path component, so the
// writes go straight to the os package under the store's root.
type fsStore interface {
	Filesystem() billy.Filesystem
}

// objectWriter is a store that writes objects itself: easel's object
// database (repo/odb), which skips objects it has and makes new ones
// visible to its readers at once.
type objectWriter interface {
	Write(typ plumbing.ObjectType, data []byte) (plumbing.Hash, error)
}

// A zlib writer allocates about a megabyte of state; reuse them.
var zlibPool = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

func storeObject(st Store, typ plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	if w, ok := st.(objectWriter); ok {
		return w.Write(typ, data)
	}
	fst, ok := st.(fsStore)
	if !ok {
		obj := st.NewEncodedObject()
		obj.SetType(typ)
		obj.SetSize(int64(len(data)))
		w, err := obj.Writer()
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if _, err := w.Write(data); err != nil {
			return plumbing.ZeroHash, err
		}
		if err := w.Close(); err != nil {
			return plumbing.ZeroHash, err
		}
		return st.SetEncodedObject(obj)
	}
	h := plumbing.ComputeHash(typ, data)
	if st.HasEncodedObject(h) == nil {
		return h, nil
	}
	root := fst.Filesystem().Root()
	hex := h.String()
	dir := filepath.Join(root, "objects", hex[:2])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return plumbing.ZeroHash, err
	}
	tmp, err := os.CreateTemp(dir, "tmp_obj_")
	if err != nil {
		return plumbing.ZeroHash, err
	}
	zw := zlibPool.Get().(*zlib.Writer)
	defer zlibPool.Put(zw)
	zw.Reset(tmp)
	zw.Write(append(typ.Bytes(), " "+strconv.Itoa(len(data))+"\x00"...))
	_, werr := zw.Write(data)
	if cerr := zw.Close(); werr == nil {
		werr = cerr
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		os.Chmod(tmp.Name(), 0o444)
		werr = os.Rename(tmp.Name(), filepath.Join(dir, hex[2:]))
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return plumbing.ZeroHash, fmt.Errorf("write object %s: %w", hex, werr)
	}
	return h, nil
}

// encodeTree is git's tree format: "<octal mode> <name>\0<raw id>" per
// entry, entries already in git order.
func encodeTree(entries []gitobj.TreeEntry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		b.WriteString(strconv.FormatUint(uint64(e.Mode), 8))
		b.WriteByte(' ')
		b.WriteString(e.Name)
		b.WriteByte(0)
		b.Write(e.Hash[:])
	}
	return b.Bytes()
}
