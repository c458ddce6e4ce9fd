//go:build unix

package lockfile

import (
	"errors"
	"os"
	"syscall"
)

// Exclusive takes an advisory lock (flock) on path, creating the file if
// needed, and holds it until release is called or the process ends. Unlike
// a "<path>.lock" file it cannot go stale: the kernel drops it when the
// holder dies, even by SIGKILL. A second holder gets a *LockedError.
func Exclusive(path string) (release func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &HeldError{Path: path}
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}
