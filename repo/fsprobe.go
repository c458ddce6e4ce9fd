package repo

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// fileSystemTraits is what git init learns of the file system that holds
// a new git directory and writes into its config: whether the executable
// bit sticks (core.fileMode), whether symbolic links can be made
// (core.symlinks) and whether names that differ only in case name one
// file (core.ignoreCase). Commands read these settings, never probe again.
type fileSystemTraits struct {
	fileMode, symlinks, ignoreCase bool
}

// probeFileSystem tries a scratch file in dir as git's
// create_default_files tries the new config file: the executable bit
// toggled and read back (a file that comes out executable when made with
// the umask's mode says the file system invents modes: no file mode), a
// symbolic link made in its place, and the name spelt in other case looked
// up.
func probeFileSystem(dir string) (fileSystemTraits, error) {
	var t fileSystemTraits
	f, err := os.CreateTemp(dir, "probe")
	if err != nil {
		return t, err
	}
	name := f.Name()
	f.Close()
	defer os.Remove(name)
	if st1, err := os.Lstat(name); err == nil && st1.Mode().Perm()&0o100 == 0 {
		if os.Chmod(name, st1.Mode().Perm()^0o100) == nil {
			if st2, err := os.Lstat(name); err == nil && st2.Mode() != st1.Mode() {
				t.fileMode = os.Chmod(name, st1.Mode().Perm()) == nil
			}
		}
	}
	base := filepath.Base(name)
	if _, err := os.Lstat(filepath.Join(dir, strings.ToUpper(base))); err == nil {
		t.ignoreCase = true
	}
	if os.Remove(name) == nil && os.Symlink("testing", name) == nil {
		if st, err := os.Lstat(name); err == nil && st.Mode()&os.ModeSymlink != 0 {
			t.symlinks = true
		}
	}
	return t, nil
}

// config is the [core] section git init writes for these traits: the
// settings that differ from git's defaults, in git's order.
func (t fileSystemTraits) config(bare bool) string {
	c := "[core]\n\trepositoryformatversion = 0\n"
	c += "\tfilemode = " + strconv.FormatBool(t.fileMode) + "\n"
	c += "\tbare = " + strconv.FormatBool(bare) + "\n"
	if !bare {
		c += "\tlogallrefupdates = true\n"
	}
	if !t.symlinks {
		c += "\tsymlinks = false\n"
	}
	if t.ignoreCase {
		c += "\tignorecase = true\n"
	}
	return c
}
