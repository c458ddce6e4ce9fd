//go:build windows

package odb

import (
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
)

// mapFile maps the whole file read-only, as on Unix, so that a large pack
// costs address space rather than memory. Both handles are closed at once:
// the view keeps the mapping alive. Unlike on Unix, Windows refuses to
// delete or replace a file while a view of it exists (git for Windows
// meets the same when it repacks).
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
	size := fi.Size()
	if size == 0 {
		return []byte{}, nil
	}
	if int64(int(size)) != size {
		return nil, &os.PathError{Op: "mmap", Path: name, Err: windows.ERROR_NOT_ENOUGH_MEMORY}
	}
	m, err := windows.CreateFileMapping(windows.Handle(f.Fd()), nil, windows.PAGE_READONLY,
		uint32(uint64(size)>>32), uint32(size), nil)
	if err != nil {
		return nil, &os.PathError{Op: "CreateFileMapping", Path: name, Err: err}
	}
	defer windows.CloseHandle(m)
	addr, err := windows.MapViewOfFile(m, windows.FILE_MAP_READ, 0, 0, uintptr(size))
	if err != nil {
		return nil, &os.PathError{Op: "MapViewOfFile", Path: name, Err: err}
	}
	// The view's address comes back as a uintptr; it is memory the Go
	// heap does not own, so reading it as a pointer is safe.
	p := *(*unsafe.Pointer)(unsafe.Pointer(&addr))
	return unsafe.Slice((*byte)(p), int(size)), nil
}

func unmapFile(b []byte) {
	if len(b) > 0 {
		windows.UnmapViewOfFile(uintptr(unsafe.Pointer(&b[0])))
	}
}

// releasePages has nothing to do: Windows trims a process's working set of
// clean file-backed pages by itself under memory pressure.
func releasePages([]byte) {}
