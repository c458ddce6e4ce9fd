package odb

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

func (od *objDir) loosePath(id plumbing.Hash) string {
	s := id.String()
	return filepath.Join(od.dir, s[:2], s[2:])
}

// parseLooseHeader reads "<type> <size>\0" from the start of an inflated
// loose object.
func parseLooseHeader(r *bufio.Reader) (plumbing.ObjectType, int64, error) {
	t, err := r.ReadString(' ')
	if err != nil {
		return 0, 0, errCorruptLoose
	}
	typ, err := plumbing.ParseObjectType(t[:len(t)-1])
	if err != nil || typ > plumbing.TagObject {
		return 0, 0, errCorruptLoose
	}
	s, err := r.ReadString(0)
	if err != nil {
		return 0, 0, errCorruptLoose
	}
	size, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || size < 0 {
		return 0, 0, errCorruptLoose
	}
	return typ, size, nil
}

var errCorruptLoose = errors.New("corrupt loose object")

// openLoose opens a loose object for streaming; the reader yields exactly
// size bytes.
func (od *objDir) openLoose(id plumbing.Hash) (plumbing.ObjectType, int64, io.ReadCloser, error) {
	f, err := os.Open(od.loosePath(id))
	if err != nil {
		return 0, 0, nil, err
	}
	z, err := zlib.NewReader(bufio.NewReaderSize(f, 32<<10))
	if err != nil {
		f.Close()
		return 0, 0, nil, fmt.Errorf("%s: %w", id, errCorruptLoose)
	}
	br := bufio.NewReaderSize(z, 64)
	typ, size, err := parseLooseHeader(br)
	if err != nil {
		f.Close()
		return 0, 0, nil, fmt.Errorf("%s: %w", id, err)
	}
	return typ, size, &looseReader{Reader: &exactReader{r: br, left: size}, f: f}, nil
}

type looseReader struct {
	io.Reader
	f *os.File
}

func (l *looseReader) Close() error { return l.f.Close() }

// readLoose reads a whole loose object.
func (od *objDir) readLoose(id plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	raw, err := os.ReadFile(od.loosePath(id))
	if err != nil {
		return 0, nil, err
	}
	z, err := zlibReader(bytes.NewReader(raw))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", id, errCorruptLoose)
	}
	defer zlibReaders.Put(z)
	br := bufio.NewReaderSize(z, 64)
	typ, size, err := parseLooseHeader(br)
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %w", id, err)
	}
	if size > int64(len(raw))*1032+64 {
		return 0, nil, fmt.Errorf("%s: %w", id, errCorruptLoose)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(br, data); err != nil {
		return 0, nil, fmt.Errorf("%s: %w: %v", id, errCorruptLoose, err)
	}
	if err := checkEnd(br); err != nil {
		return 0, nil, fmt.Errorf("%s: %w", id, err)
	}
	return typ, data, nil
}

// looseInfo reads only a loose object's header.
func (od *objDir) looseInfo(id plumbing.Hash) (plumbing.ObjectType, int64, error) {
	t, size, rc, err := od.openLoose(id)
	if err != nil {
		return 0, 0, err
	}
	rc.Close()
	return t, size, nil
}

// A zlib writer allocates about a megabyte of state; reuse them.
var zlibWriters = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return w
}}

// ObjectHeader is git's "<type> <size>\0" that starts every object's
// hashed form.
func ObjectHeader(t plumbing.ObjectType, size int64) []byte {
	return append(t.Bytes(), " "+strconv.FormatInt(size, 10)+"\x00"...)
}

// WriteLooseWith writes the object id as a loose object whose content
// (header included) fill produces; callers check first that it does not
// exist (Contains). It
// compresses for speed, as git's core.looseCompression default does, and
// renames a temporary file into place so that readers never see half an
// object. The caller vouches that fill produces what id names.
func (db *DB) WriteLooseWith(id plumbing.Hash, fill func(io.Writer) error) error {
	final := db.own.loosePath(id)
	dir := filepath.Dir(final)
	tmp, err := os.CreateTemp(dir, "tmp_obj_")
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(dir, 0o755); err == nil {
			tmp, err = os.CreateTemp(dir, "tmp_obj_")
		}
	}
	if err != nil {
		return err
	}
	zw := zlibWriters.Get().(*zlib.Writer)
	defer zlibWriters.Put(zw)
	zw.Reset(tmp)
	err = fill(zw)
	if err == nil {
		err = zw.Close()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		os.Chmod(tmp.Name(), 0o444)
		err = os.Rename(tmp.Name(), final)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write object %s: %w", id, err)
	}
	return nil
}

// Write stores an object given whole and returns its id.
func (db *DB) Write(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	id := plumbing.ComputeHash(t, data)
	if db.Contains(id) {
		return id, nil
	}
	return id, db.WriteLooseWith(id, func(w io.Writer) error {
		if _, err := w.Write(ObjectHeader(t, int64(len(data)))); err != nil {
			return err
		}
		_, err := w.Write(data)
		return err
	})
}
