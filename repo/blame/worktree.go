package blame

import (
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/repo"
)

// readWorkTree reads the work tree's version of path as git would store
// it: a symbolic link's target, or the file cleaned by its filters.
func readWorkTree(r *repo.Repository, path string) ([]byte, filemode.FileMode, error) {
	full := filepath.Join(r.WorkDir, filepath.FromSlash(path))
	fi, err := os.Lstat(full)
	if err != nil {
		return nil, 0, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(full)
		if err != nil {
			return nil, 0, err
		}
		return []byte(filepath.ToSlash(target)), filemode.Symlink, nil
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return nil, 0, err
	}
	data, err = r.CleanContent(path, data)
	return data, filemode.Regular, err
}
