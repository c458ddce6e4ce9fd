// Package objfs is the file system view go-git's object storage gets of a
// .git directory: pack indexes are read through a buffer, and packs
// without their index are hidden.
package objfs

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
)

// New returns the view of the .git directory gitDir.
func New(gitDir string) billy.Filesystem { return fs{osfs.New(gitDir)} }

type fs struct{ billy.Filesystem }

// Open buffers reads of pack index files. go-git decodes an index with one
// read system call per 4-byte field, which made opening a repository with
// a few hundred packs take longer than the push that added the last one.
func (f fs) Open(name string) (billy.File, error) {
	file, err := f.Filesystem.Open(name)
	if err != nil || !strings.HasSuffix(name, ".idx") {
		return file, err
	}
	// The buffer is no larger than the file: a server repository holds
	// a pack per push, most of them tiny, and every request opens them all.
	size := 64 << 10
	if fi, err := f.Filesystem.Stat(name); err == nil && fi.Size() < int64(size) {
		size = max(int(fi.Size()), 16)
	}
	return &bufferedFile{File: file, r: bufio.NewReaderSize(file, size)}, nil
}

// ReadDir hides, in a pack directory, packs without their index. go-git
// lists packs by their .pack file and then fails every object lookup when
// the .idx is missing; git lists them by .idx and ignores such a pack. A
// process killed between writing the two (git's own pack writers, and
// easel's, rename the .pack first) leaves one behind, and it must not make
// the repository unreadable.
func (f fs) ReadDir(dir string) ([]os.FileInfo, error) {
	ents, err := f.Filesystem.ReadDir(dir)
	if err != nil || filepath.Base(dir) != "pack" {
		return ents, err
	}
	idx := map[string]bool{}
	for _, e := range ents {
		if base, ok := strings.CutSuffix(e.Name(), ".idx"); ok {
			idx[base] = true
		}
	}
	out := ents[:0]
	for _, e := range ents {
		if base, ok := strings.CutSuffix(e.Name(), ".pack"); ok && !idx[base] {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// bufferedFile is read front to back only (the index decoder does so).
type bufferedFile struct {
	billy.File
	r *bufio.Reader
}

func (b *bufferedFile) Read(p []byte) (int, error) { return b.r.Read(p) }
