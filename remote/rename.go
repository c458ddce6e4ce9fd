package remote

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// renameNoReplaceChecked renames old to new if nothing is at new. The check
// and the rename are two steps: something appearing at new in between is
// replaced only if it is an empty folder (a rename never replaces a
// folder that holds anything), so nothing that holds data is lost.
func renameNoReplaceChecked(old, new string) error {
	if _, err := os.Lstat(new); err == nil {
		return &os.LinkError{Op: "rename", Old: old, New: new, Err: fs.ErrExist}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(old, new); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) && (errors.Is(le.Err, fs.ErrExist) || errors.Is(le.Err, syscall.ENOTEMPTY)) {
			return &os.LinkError{Op: "rename", Old: old, New: new, Err: fs.ErrExist}
		}
		return err
	}
	return nil
}
