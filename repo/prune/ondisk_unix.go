//go:build unix

package prune

import (
	"os"
	"syscall"
)

// onDisk is the space a file takes on disk, as git's on_disk_bytes
// counts it (allocated blocks, not length).
func onDisk(fi os.FileInfo) int64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Blocks * 512
	}
	return fi.Size()
}
