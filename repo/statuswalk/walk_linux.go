package statuswalk

import (
	"bytes"
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// On Linux the walk holds a descriptor per directory and lists it with
// getdents, so path lookups stay one component long however deep the tree
// is (see status_walk.go).

// dirHandle is an open directory: its descriptor.
type dirHandle = int

// noDir marks a queued directory that is not open yet.
const noDir dirHandle = -1

func openRootDir(path string) (dirHandle, error) {
	return syscall.Open(path, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
}

func dupDir(d dirHandle) (dirHandle, error) { return syscall.Dup(d) }

func closeDir(d dirHandle) { syscall.Close(d) }

// openDirAt opens name (one or more components) below parent without
// following a symbolic link at its end.
func openDirAt(parent dirHandle, name string) (dirHandle, error) {
	return syscall.Openat(parent, name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
}

// dirGone reports whether opening a directory failed because it is no
// longer a directory there (removed, replaced by a file or a symlink).
func dirGone(err error) bool {
	return err == syscall.ENOENT || err == syscall.ENOTDIR || err == syscall.ELOOP
}

// statFI is an os.FileInfo over a raw stat result.
type statFI struct {
	name    string
	st      syscall.Stat_t
	scratch [256]byte // the NUL-terminated name for the system call
}

func (s *statFI) Name() string       { return s.name }
func (s *statFI) Size() int64        { return s.st.Size }
func (s *statFI) ModTime() time.Time { return time.Unix(int64(s.st.Mtim.Sec), int64(s.st.Mtim.Nsec)) }
func (s *statFI) IsDir() bool        { return s.st.Mode&syscall.S_IFMT == syscall.S_IFDIR }
func (s *statFI) Sys() any           { return &s.st }

// snapshot is a copy that outlives the worker's scratch space.
func (s *statFI) snapshot() os.FileInfo { return &statFI{name: s.name, st: s.st} }
func (s *statFI) Mode() os.FileMode {
	m := os.FileMode(s.st.Mode & 0o777)
	switch s.st.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		m |= os.ModeDir
	case syscall.S_IFLNK:
		m |= os.ModeSymlink
	case syscall.S_IFREG:
	case syscall.S_IFIFO:
		m |= os.ModeNamedPipe
	case syscall.S_IFSOCK:
		m |= os.ModeSocket
	default:
		m |= os.ModeDevice
	}
	return m
}

// statAt is lstat of name relative to the directory dir, into s.
func (s *statFI) statAt(dir dirHandle, name string) error {
	return fstatatRaw(dir, name, s.scratch[:], &s.st)
}

// fstatat is lstat of name relative to the directory open as dirfd.
func fstatat(dirfd int, name string, st *syscall.Stat_t) error {
	var buf [256]byte
	return fstatatRaw(dirfd, name, buf[:], st)
}

// fstatatRaw is fstatat with the NUL-terminated name built in scratch.
// The call does not go through the scheduler's system-call hand-off: an
// lstat of a cached inode takes a microsecond, far less than waking another
// thread to run the caller's P meanwhile, which is what a blocking call
// costs when thousands follow each other.
func fstatatRaw(dirfd int, name string, scratch []byte, st *syscall.Stat_t) error {
	if len(name)+1 > len(scratch) {
		scratch = make([]byte, len(name)+1)
	}
	n := copy(scratch, name)
	scratch[n] = 0
	if bytes.IndexByte(scratch[:n], 0) >= 0 {
		return syscall.EINVAL
	}
	var ust unix.Stat_t
	_, _, e := syscall.RawSyscall6(unix.SYS_NEWFSTATAT, uintptr(dirfd), uintptr(unsafe.Pointer(&scratch[0])),
		uintptr(unsafe.Pointer(&ust)), unix.AT_SYMLINK_NOFOLLOW, 0, 0)
	if e != 0 {
		return e
	}
	*st = syscall.Stat_t{
		Dev: ust.Dev, Ino: ust.Ino, Mode: ust.Mode, Uid: ust.Uid, Gid: ust.Gid, Size: ust.Size,
		Mtim: syscall.Timespec{Sec: ust.Mtim.Sec, Nsec: ust.Mtim.Nsec},
		Ctim: syscall.Timespec{Sec: ust.Ctim.Sec, Nsec: ust.Ctim.Nsec},
	}
	return nil
}

// readDir lists a directory from its descriptor with getdents into the
// worker's scratch space, without wrapping it in an *os.File (which costs
// extra system calls per directory) or allocating a string per name.
// Entries of unknown type are resolved with fstatat.
func (ww *walkWorker) readDir(fd dirHandle) error {
	ww.names, ww.ents = ww.names[:0], ww.ents[:0]
	for {
		n, err := getdents(fd, ww.buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n <= 0 {
			return nil
		}
		b := ww.buf[:n]
		for len(b) >= 19 {
			reclen := int(b[16]) | int(b[17])<<8
			if reclen < 19 || reclen > len(b) {
				return syscall.EINVAL
			}
			typ := b[18]
			nameb := b[19:reclen]
			if i := indexNUL(nameb); i >= 0 {
				nameb = nameb[:i]
			}
			b = b[reclen:]
			if string(nameb) == "." || string(nameb) == ".." {
				continue
			}
			d := direntRef{off: int32(len(ww.names)), n: int32(len(nameb)), isDir: typ == syscall.DT_DIR}
			if typ == syscall.DT_UNKNOWN {
				var st syscall.Stat_t
				if fstatat(fd, string(nameb), &st) == nil {
					d.isDir = st.Mode&syscall.S_IFMT == syscall.S_IFDIR
				}
			}
			ww.names = append(ww.names, nameb...)
			ww.ents = append(ww.ents, d)
		}
	}
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
}

// getdents lists directory entries into buf without the scheduler's
// system-call hand-off (see fstatatRaw).
func getdents(fd int, buf []byte) (int, error) {
	if len(buf) == 0 {
		return 0, syscall.EINVAL
	}
	n, _, e := syscall.RawSyscall(unix.SYS_GETDENTS64, uintptr(fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	if e != 0 {
		return -1, e
	}
	return int(n), nil
}
