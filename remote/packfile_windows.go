package remote

import (
	"os"
	"syscall"
)

// createPackFile creates name, which must not exist, for reading and
// writing, read-only once closed (as os.OpenFile with mode 0o444 makes
// it). Unlike os.OpenFile it shares the handle for deletion, so the pack
// can be renamed (to its final name, then into the repository) while the
// quarantine still reads objects from it: Windows refuses to rename a file
// open without FILE_SHARE_DELETE.
func createPackFile(name string) (*os.File, error) {
	p, err := syscall.UTF16PtrFromString(name)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	h, err := syscall.CreateFile(p, syscall.GENERIC_READ|syscall.GENERIC_WRITE,
		syscall.FILE_SHARE_READ|syscall.FILE_SHARE_WRITE|syscall.FILE_SHARE_DELETE,
		nil, syscall.CREATE_NEW, syscall.FILE_ATTRIBUTE_READONLY, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}
