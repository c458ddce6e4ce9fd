//go:build !unix

package repo

import (
	"fmt"
	"io"
	"os"
	"time"
)

// readIndexFile reads the index file whole where it is not mapped (see
// index_read_unix.go). On Windows a mapped file could not be replaced
// while the mapping lasts.
func readIndexFile(path string, use func(data []byte, modTime time.Time) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return fmt.Errorf("index: %w: %v", ErrCorruptObject, err)
	}
	return use(data, fi.ModTime())
}
