// Package hashfile writes and checks files that end with the SHA-1 of
// their content, as git's csum-file.c does for the index, packs, pack
// indexes and commit-graphs: a Writer hashes what it passes on and appends
// the trailer; Install puts finished bytes in place through a synced
// temporary file and a rename; Valid checks a trailer.
package hashfile

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
)

// Size is the length of the trailer.
const Size = sha1.Size

// Writer buffers what is written to it on the way to an underlying writer
// and hashes it. Errors of the underlying writer surface from Write or
// Finish.
type Writer struct {
	bw  *bufio.Writer
	sum hash.Hash
	off int64
}

// NewWriter writes to w through a buffer of size bytes.
func NewWriter(w io.Writer, size int) *Writer {
	return &Writer{bw: bufio.NewWriterSize(w, size), sum: sha1.New()}
}

// Write writes p and hashes the part written.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.bw.Write(p)
	w.sum.Write(p[:n])
	w.off += int64(n)
	return n, err
}

// WriteString writes s and hashes the part written.
func (w *Writer) WriteString(s string) (int, error) {
	n, err := w.bw.WriteString(s)
	io.WriteString(w.sum, s[:n])
	w.off += int64(n)
	return n, err
}

// Offset is the number of bytes written so far, the trailer excluded.
func (w *Writer) Offset() int64 { return w.off }

// Finish appends the hash of everything written, flushes, and returns it.
func (w *Writer) Finish() (plumbing.Hash, error) {
	var h plumbing.Hash
	w.sum.Sum(h[:0])
	if _, err := w.bw.Write(h[:]); err != nil {
		return h, err
	}
	return h, w.bw.Flush()
}

// Append appends the trailer of data to it: for files built in memory.
func Append(data []byte) []byte {
	sum := sha1.Sum(data)
	return append(data, sum[:]...)
}

// Valid reports whether data ends with the hash of what precedes it.
func Valid(data []byte) bool {
	if len(data) < Size {
		return false
	}
	sum := sha1.Sum(data[:len(data)-Size])
	return bytes.Equal(sum[:], data[len(data)-Size:])
}

// Install writes data to a temporary file in dir (named from pattern, as
// os.CreateTemp), syncs it, makes it read-only as git leaves these files,
// and calls place with its name to rename it (or it and others) into
// place; the temporary file is removed if place fails, and dir is synced
// after so that the renames survive a crash.
func Install(dir, pattern string, data []byte, place func(tmp string) error) error {
	tmp, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		os.Chmod(tmp.Name(), 0o444)
		err = place(tmp.Name())
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return lockfile.SyncDir(dir)
}

// InstallFile is Install of data as path, creating path's directory.
func InstallFile(path, pattern string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return Install(dir, pattern, data, func(tmp string) error {
		return os.Rename(tmp, path)
	})
}
