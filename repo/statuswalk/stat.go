package statuswalk

import (
	"os"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// Mode is the index mode for a file as lstat describes it (0 for
// things git does not track, like sockets; directories are gitlinks only
// if the caller says so).
func Mode(fi os.FileInfo) filemode.FileMode {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		if m&0o100 != 0 {
			return filemode.Executable
		}
		return filemode.Regular
	case m&os.ModeSymlink != 0:
		return filemode.Symlink
	case m.IsDir():
		return filemode.Dir
	}
	return 0
}

// FillStat copies lstat data into an index entry, as git keeps it.
func FillStat(e *index.Entry, fi os.FileInfo) {
	e.ModifiedAt = fi.ModTime()
	e.Size = uint32(fi.Size())
	if st, ok := sysStatData(fi); ok {
		e.CreatedAt = time.Unix(st.ctimeSec, st.ctimeNsec)
		e.Dev = uint32(st.dev)
		e.Inode = uint32(st.ino)
		e.UID = st.uid
		e.GID = st.gid
	}
}

// StatMatches reports whether lstat data still matches the entry, the test
// git uses to skip rehashing (mtime, ctime, inode, uid, gid, size and file
// type/executable bit). Sub-second times are compared only when the entry
// has them.
func StatMatches(e *index.Entry, fi os.FileInfo) bool {
	return statMatches(e, fi, true)
}

// statMatches is StatMatches, comparing the mode bits only if withMode.
func statMatches(e *index.Entry, fi os.FileInfo, withMode bool) bool {
	if withMode && Mode(fi) != e.Mode && !(e.Mode == filemode.Submodule && fi.IsDir()) {
		return false
	}
	if uint32(fi.Size()) != e.Size {
		return false
	}
	if !SameTime(e.ModifiedAt, fi.ModTime()) {
		return false
	}
	if st, ok := sysStatData(fi); ok {
		if !SameTime(e.CreatedAt, time.Unix(st.ctimeSec, st.ctimeNsec)) {
			return false
		}
		if e.Inode != uint32(st.ino) || e.UID != st.uid || e.GID != st.gid {
			return false
		}
	}
	return true
}

// SameTime compares an index time with a file time: sub-second parts only
// when the index has them.
func SameTime(idx, fs time.Time) bool {
	if idx.Unix() != fs.Unix() {
		return false
	}
	return idx.Nanosecond() == 0 || idx.Nanosecond() == fs.Nanosecond()
}

// IsRacy: the entry's mtime is not older than the index file's (in whole
// seconds, as git compares by default), so a later change within the same
// tick would not show in stat data.
func IsRacy(e *index.Entry, indexTime time.Time) bool {
	if indexTime.IsZero() {
		return true
	}
	return e.ModifiedAt.Unix() >= indexTime.Unix()
}
