package repo

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// SharedRepository is core.sharedRepository (init --shared) as git reads
// it: Tweak is the permission bits git adds to files (group: 0660,
// everybody: 0664), or, when Exact, the bits files get.
type SharedRepository struct {
	Tweak fs.FileMode
	Exact bool
}

// ParseSharedRepository reads git's values: "umask"/"false" (no
// sharing), "group"/"true"/"1", "all"/"world"/"everybody"/"2", or an
// octal mode such as 0640. It also returns the value init writes into
// the configuration ("" for no sharing).
func ParseSharedRepository(v string) (SharedRepository, string, error) {
	switch strings.ToLower(v) {
	case "", "umask", "false", "no", "off", "0":
		return SharedRepository{}, "", nil
	case "group", "true", "yes", "on", "1":
		return SharedRepository{Tweak: 0o660}, "1", nil
	case "all", "world", "everybody", "2":
		return SharedRepository{Tweak: 0o664}, "2", nil
	}
	n, err := strconv.ParseUint(v, 8, 32)
	if err != nil || n&0o600 != 0o600 || n > 0o777 {
		return SharedRepository{}, "", fmt.Errorf("invalid value for 'core.sharedrepository': '%s'", v)
	}
	return SharedRepository{Tweak: fs.FileMode(n), Exact: true}, fmt.Sprintf("0%o", n), nil
}

// Mode is git's calc_shared_perm: the mode a file or directory of the
// repository gets. Directories also get the set-group-id bit, so that
// what is made in them keeps the group, and execute where read is
// granted; read-only files (objects) stay read-only.
func (s SharedRepository) Mode(mode fs.FileMode, dir bool) fs.FileMode {
	perm := mode.Perm()
	if s.Exact {
		perm = s.Tweak
	} else {
		perm |= s.Tweak
	}
	if mode.Perm()&0o200 == 0 {
		perm &^= 0o222
	}
	if dir {
		perm |= (perm & 0o444) >> 2
		return perm | fs.ModeSetgid
	}
	return perm
}

// ApplySharedPermissions gives every file and directory under gitDir the
// mode s asks for, as git init --shared leaves a new repository.
func ApplySharedPermissions(gitDir string, s SharedRepository) error {
	if s.Tweak == 0 {
		return nil
	}
	return filepath.WalkDir(gitDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return os.Chmod(p, s.Mode(fi.Mode(), d.IsDir()))
	})
}
