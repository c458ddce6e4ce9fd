//go:build unix

package repo

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// readIndexFile gives the index file's content to use, which is mapped
// rather than read, as git maps it: the pages come straight from the page
// cache, where a read would copy them into a fresh buffer (a page fault per
// 4 KiB on top of the copy) only for Decode to copy what it keeps once
// more. The mapping is gone when use returns, before anything could
// replace the file: Decode keeps nothing of data. modTime is the file's
// modification time, which the racy-git rule compares entries against.
func readIndexFile(path string, use func(data []byte, modTime time.Time) error) error {
	var fd int
	var err error
	for {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "stat", Path: path, Err: err}
	}
	modTime := time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec))
	if st.Size == 0 {
		return use(nil, modTime)
	}
	data, err := unix.Mmap(fd, 0, int(st.Size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		// A file system that cannot map files: read it.
		f := os.NewFile(uintptr(fd), path)
		data = make([]byte, st.Size)
		if _, err := f.ReadAt(data, 0); err != nil {
			return fmt.Errorf("index: %w: %v", ErrCorruptObject, err)
		}
		return use(data, modTime)
	}
	defer unix.Munmap(data)
	return use(data, modTime)
}
