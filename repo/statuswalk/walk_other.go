//go:build !linux

package statuswalk

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Elsewhere than Linux the walk names directories by path and uses the
// portable os calls: the same results, with longer path lookups. A
// directory is opened only when it is a real directory (never through a
// symbolic link), as O_NOFOLLOW guarantees on Linux.

// dirHandle is a directory by its full path.
type dirHandle = string

// noDir marks a queued directory that is not open yet.
const noDir dirHandle = ""

func openRootDir(path string) (dirHandle, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return noDir, err
	}
	if !fi.IsDir() {
		return noDir, syscall.ENOTDIR
	}
	return filepath.Clean(path), nil
}

func dupDir(d dirHandle) (dirHandle, error) { return d, nil }

func closeDir(dirHandle) {}

// errSymlinkedDir stands for ELOOP: a directory's place is taken by a link.
var errSymlinkedDir = errors.New("directory is a symbolic link")

func openDirAt(parent dirHandle, name string) (dirHandle, error) {
	p := filepath.Join(parent, filepath.FromSlash(name))
	fi, err := os.Lstat(p)
	switch {
	case err != nil:
		return noDir, err
	case fi.Mode()&os.ModeSymlink != 0:
		return noDir, errSymlinkedDir
	case !fi.IsDir():
		return noDir, syscall.ENOTDIR
	}
	return p, nil
}

func dirGone(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) || errors.Is(err, errSymlinkedDir)
}

// statFI is an os.FileInfo from lstat, under the name the walk knows.
type statFI struct {
	name string
	fi   os.FileInfo
}

func (s *statFI) Name() string       { return s.name }
func (s *statFI) Size() int64        { return s.fi.Size() }
func (s *statFI) ModTime() time.Time { return s.fi.ModTime() }
func (s *statFI) IsDir() bool        { return s.fi.IsDir() }
func (s *statFI) Sys() any           { return s.fi.Sys() }

// snapshot is a copy that outlives the worker's scratch space.
func (s *statFI) snapshot() os.FileInfo { c := *s; return &c }
func (s *statFI) Mode() os.FileMode     { return s.fi.Mode() }

func (s *statFI) statAt(dir dirHandle, name string) error {
	fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	s.fi = fi
	return nil
}

func (ww *walkWorker) readDir(dir dirHandle) error {
	ww.names, ww.ents = ww.names[:0], ww.ents[:0]
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, de := range ents {
		name := de.Name()
		ww.ents = append(ww.ents, direntRef{off: int32(len(ww.names)), n: int32(len(name)), isDir: de.IsDir()})
		ww.names = append(ww.names, name...)
	}
	return nil
}
