//go:build !unix

package prune

import "os"

// onDisk is the file's length where block counts are not known.
func onDisk(fi os.FileInfo) int64 { return fi.Size() }
