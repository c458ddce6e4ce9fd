package repo

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"easel.dev/easel/repo/gitconfig"
)

// repoFormat is what core.repositoryformatversion and extensions.* in the
// repository's config say, checked as git's setup.c checks them so that a
// repository easel would misread (SHA-256 object ids, reftable refs, an
// extension it does not know) is refused before anything is read.
type repoFormat struct {
	version int
	// worktreeConfig: extensions.worktreeConfig, each work tree's
	// config.worktree is read after the shared config.
	worktreeConfig bool
	// preciousObjects: extensions.preciousObjects, no object or pack may
	// be deleted.
	preciousObjects bool
	// partialClone names the promisor remote of a partial clone; objects
	// it left out are missing and easel cannot fetch them lazily.
	partialClone string
}

// UnsupportedRepositoryError says why a repository is refused. It matches
// ErrUnsupportedRepository.
type UnsupportedRepositoryError struct {
	Path   string // the git directory, or the file (the index) refused
	Reason string
}

func (e *UnsupportedRepositoryError) Error() string {
	return fmt.Sprintf("%s: %s; easel cannot read this repository", e.Path, e.Reason)
}

func (e *UnsupportedRepositoryError) Unwrap() error { return ErrUnsupportedRepository }

// readRepoFormat reads and checks the format settings of the repository
// whose common directory is common.
func readRepoFormat(common string) (repoFormat, error) {
	var f repoFormat
	cfg, err := readFileSettings(filepath.Join(common, "config"))
	if err != nil {
		return f, fmt.Errorf("%v: %w", err, ErrCorruptObject)
	}
	refuse := func(format string, a ...any) (repoFormat, error) {
		return f, &UnsupportedRepositoryError{Path: common, Reason: fmt.Sprintf(format, a...)}
	}
	if v := cfg.all("core.repositoryformatversion"); len(v) > 0 {
		n, err := strconv.Atoi(strings.TrimSpace(v[len(v)-1]))
		if err != nil {
			return refuse("core.repositoryformatversion = %q is not a number", v[len(v)-1])
		}
		f.version = n
	}
	// git reads format versions 0 and 1.
	if f.version < 0 || f.version > 1 {
		return refuse("repository format version %d (git's core.repositoryformatversion; easel reads 0 and 1)", f.version)
	}
	var unknown, v1Only []string
	for _, o := range cfg {
		if !strings.HasPrefix(o.Key, "extensions.") || strings.Count(o.Key, ".") != 1 {
			continue
		}
		{
			name, value := strings.TrimPrefix(o.Key, "extensions."), strings.TrimSpace(o.Value)
			switch name {
			// Known to git in any format version.
			case "noop":
			case "preciousobjects":
				f.preciousObjects = isTrue(value)
			case "partialclone":
				f.partialClone = value
			case "worktreeconfig":
				f.worktreeConfig = isTrue(value)
			// Version 1 only.
			case "noop-v1":
				v1Only = append(v1Only, name)
			case "objectformat":
				v1Only = append(v1Only, name)
				if !strings.EqualFold(value, "sha1") {
					return refuse("extensions.objectFormat = %s: object ids are %s, easel knows only SHA-1", value, value)
				}
			case "refstorage":
				// Unknown to git 2.39 but refused in any version: a
				// reftable repository's refs/ holds no refs, and reading
				// it as files would show none.
				if !strings.EqualFold(value, "files") {
					return refuse("extensions.refStorage = %s: refs are stored as %s, easel reads only loose and packed ref files", value, value)
				}
			default:
				unknown = append(unknown, name)
			}
		}
	}
	// As git: in version 0 unknown extensions are ignored (they predate the
	// rule), in version 1 any unknown one refuses the repository; and a
	// version-1-only extension in a version 0 repository is an error.
	if f.version >= 1 && len(unknown) > 0 {
		sort.Strings(unknown)
		return refuse("unknown repository extension: extensions.%s", strings.Join(unknown, ", extensions."))
	}
	if f.version == 0 && len(v1Only) > 0 {
		return refuse("repository format version is 0, but version-1-only extension found: extensions.%s", strings.Join(v1Only, ", extensions."))
	}
	return f, nil
}

// isTrue reads a boolean as git spells it (a key with no value is true).
func isTrue(v string) bool {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1", "":
		return true
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n != 0
	}
	return false
}

// PreciousObjects reports whether the repository forbids deleting objects
// (extensions.preciousObjects): pack consolidation must keep old packs.
func (r *Repository) PreciousObjects() bool { return r.format.preciousObjects }

// fileSettings are one config file's settings, read without includes:
// what discovery and the format checks need before a Repository exists.
type fileSettings []gitconfig.Value

func readFileSettings(path string) (fileSettings, error) {
	return gitconfig.ReadFile(path, path, "local", nil)
}

// all returns every value of a canonical key ("core.worktree"), in order.
func (fs fileSettings) all(key string) []string {
	var out []string
	for _, v := range fs {
		if v.Key == key {
			val := v.Value
			if v.NoValue {
				val = "true"
			}
			out = append(out, val)
		}
	}
	return out
}
