//go:build !unix

package repo

import (
	"bytes"
	"os"
)

// readFileInto appends the content of the regular file full to buf (see
// readfile_unix.go).
func readFileInto(buf []byte, full string, size int64) ([]byte, error) {
	f, err := os.Open(full)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	b := bytes.NewBuffer(buf)
	b.Grow(int(size) + 1)
	_, err = b.ReadFrom(f)
	return b.Bytes(), err
}
