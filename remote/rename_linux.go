package remote

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames old to new unless new exists, in one step
// (renameat2 with RENAME_NOREPLACE): a folder that appears at new in the
// meantime, even an empty one, is never replaced. Where the file system
// does not support the flag, it falls back to renameNoReplaceChecked.
func renameNoReplace(old, new string) error {
	err := unix.Renameat2(unix.AT_FDCWD, old, unix.AT_FDCWD, new, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return &os.LinkError{Op: "rename", Old: old, New: new, Err: fs.ErrExist}
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		return renameNoReplaceChecked(old, new)
	}
	return &os.LinkError{Op: "rename", Old: old, New: new, Err: err}
}
