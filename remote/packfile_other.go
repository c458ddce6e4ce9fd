//go:build !windows

package remote

import "os"

// createPackFile creates name, which must not exist, for reading and
// writing, read-only once closed.
func createPackFile(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o444)
}
