//go:build unix

package repo

import (
	"os"

	"golang.org/x/sys/unix"
)

// readFileInto appends the content of the regular file full, whose lstat
// gave size, to buf. It is os.ReadFile without the runtime poller: an
// os.File costs four fcntl calls, an epoll_ctl and an fstat besides the
// open, read and close, which doubles the system calls of a status that
// must read thousands of small files. As git does, a file read in full
// by size is not read again to see the end: the content is what lstat
// described (a file written meanwhile has newer stat data, which the next
// command sees).
func readFileInto(buf []byte, full string, size int64) ([]byte, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Open(full, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return buf, &os.PathError{Op: "open", Path: full, Err: err}
	}
	defer unix.Close(fd)
	want := len(buf) + int(size)
	buf = growTo(buf, want+1)
	for {
		if len(buf) == cap(buf) {
			buf = growTo(buf, 2*cap(buf))
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return buf, &os.PathError{Op: "read", Path: full, Err: err}
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if len(buf) == want {
			return buf, nil
		}
	}
}

// growTo returns buf with room for at least n bytes in all.
func growTo(buf []byte, n int) []byte {
	if n <= cap(buf) {
		return buf
	}
	nb := make([]byte, len(buf), n)
	copy(nb, buf)
	return nb
}
