//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package statuswalk

import "os"

// statData is what git's index keeps of lstat beyond size and mtime.
type statData struct {
	ctimeSec, ctimeNsec int64
	dev, ino            uint64
	uid, gid            uint32
}

// sysStatData: this system's lstat has no ctime, inode or owner to compare
// (git for Windows leaves them zero too), so only size and mtime count.
func sysStatData(os.FileInfo) (statData, bool) { return statData{}, false }
