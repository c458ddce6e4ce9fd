//go:build linux || darwin || freebsd || netbsd || openbsd

package statuswalk

import (
	"os"
	"syscall"
)

// statData is what git's index keeps of lstat beyond size and mtime.
type statData struct {
	ctimeSec, ctimeNsec int64
	dev, ino            uint64
	uid, gid            uint32
}

// sysStatData returns lstat's ctime, device, inode and owner where the
// system reports them.
func sysStatData(fi os.FileInfo) (statData, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return statData{}, false
	}
	sec, nsec := ctimeOf(st)
	return statData{ctimeSec: sec, ctimeNsec: nsec, dev: uint64(st.Dev), ino: uint64(st.Ino), uid: st.Uid, gid: st.Gid}, true
}
