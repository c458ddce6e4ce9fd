package repo

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"easel.dev/easel/repo/gitconfig"
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

// probeFileMode is git's check of core.fileMode on a re-init, made on the
// config file itself: its owner's executable bit toggled, read back and
// put back. A config file that cannot be read leaves git's default, true.
func probeFileMode(path string) bool {
	st1, err := os.Lstat(path)
	if err != nil {
		return true
	}
	if os.Chmod(path, st1.Mode().Perm()^0o100) != nil {
		return false
	}
	st2, err := os.Lstat(path)
	return err == nil && st2.Mode() != st1.Mode() && os.Chmod(path, st1.Mode().Perm()) == nil
}

// ReinitConfig writes again what git init writes into the config of a
// repository that exists (create_default_files on a re-init), each
// value replacing the one there in place: core.repositoryformatversion
// (0, as git 2.39 writes it for a SHA-1 repository even where it was 1),
// core.filemode probed anew on the config file, core.bare, and, unless
// bare or some config sets it, core.logallrefupdates. core.symlinks and
// core.ignorecase are probed only for a new repository and stay as they
// are.
func (r *Repository) ReinitConfig(bare bool) error {
	path := r.configPath()
	set := func(pairs ...string) error {
		return r.editLocalConfig(func(data []byte) ([]byte, error) {
			e := &configEdit{data: data, where: "file " + r.configName(path)}
			for i := 0; i < len(pairs); i += 2 {
				if err := e.set(pairs[i], &pairs[i+1], gitconfig.MatchAll(), false); err != nil {
					return nil, err
				}
			}
			return e.data, nil
		})
	}
	// The version first: git's write of it makes the config file that
	// the file mode is probed on.
	if err := set("core.repositoryformatversion", "0"); err != nil {
		return err
	}
	pairs := []string{"core.filemode", strconv.FormatBool(probeFileMode(path)), "core.bare", strconv.FormatBool(bare)}
	if !bare {
		if _, ok, err := r.ConfigGet("core.logallrefupdates"); err != nil {
			return err
		} else if !ok {
			pairs = append(pairs, "core.logallrefupdates", "true")
		}
	}
	return set(pairs...)
}
