//go:build unix

package odb

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the whole file read-only. The descriptor is closed at once:
// the mapping stays valid, also after the file is deleted or replaced (a
// repack by another process), so a process keeps no descriptor per pack.
func mapFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() == 0 {
		return []byte{}, nil
	}
	return unix.Mmap(int(f.Fd()), 0, int(fi.Size()), unix.PROT_READ, unix.MAP_SHARED)
}

func unmapFile(b []byte) {
	if len(b) > 0 {
		unix.Munmap(b)
	}
}

// releaseMapped takes a mapping's pages out of the process's resident
// set; they stay in the page cache and are mapped again when read.
func releaseMapped(b []byte) {
	if len(b) > 0 {
		unix.Madvise(b, unix.MADV_DONTNEED)
	}
}
