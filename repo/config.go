package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/lockfile"
)

// Configuration is read as git reads it (repo/gitconfig does the syntax):
// the system file, the global files ($XDG_CONFIG_HOME/git/config, then
// ~/.gitconfig), the repository's .git/config (and config.worktree when
// extensions.worktreeConfig is on), then the command line (git -c, the
// GIT_CONFIG_COUNT pairs), later values winning, include.path and
// includeIf followed. Keys are "section.name" or "section.subsection.name";
// section and name are case-insensitive, the subsection is not.

// ErrConfigKey is a malformed configuration key.
var ErrConfigKey = errors.New("invalid configuration key")

func init() {
	gitconfig.Approxidate = func(s string) (int64, bool) {
		t, err := ParseApproxDate(s, time.Now())
		if err != nil {
			return 0, false
		}
		return t.Unix(), true
	}
}

// ConfigEntry is one key = value line, key in git's canonical spelling
// (lowercase section and name).
type ConfigEntry struct {
	Key     string
	Value   string
	NoValue bool   // a bare "name" line (boolean true)
	Scope   string // "system", "global", "local", "worktree" or "command"
	Origin  string // as --show-origin prints it: "file:<path>", "command line:"
	Type    string
	Name    string
}

// ConfigFile is one file configuration is read from.
type ConfigFile struct {
	Path  string
	Name  string // as git names it in messages and --show-origin
	Scope string
}

// SystemConfigPath is the system-wide file ($GIT_CONFIG_SYSTEM or
// /etc/gitconfig); "" when GIT_CONFIG_NOSYSTEM is set.
func SystemConfigPath() string {
	if b, ok := gitconfig.ParseBool(os.Getenv("GIT_CONFIG_NOSYSTEM"), false); ok && b {
		return ""
	}
	return SystemConfigFile()
}

// SystemConfigFile is the system-wide file config --system names, read or
// not.
func SystemConfigFile() string {
	if p := os.Getenv("GIT_CONFIG_SYSTEM"); p != "" {
		return p
	}
	return "/etc/gitconfig"
}

// globalConfigFiles are the global files in reading order.
func globalConfigFiles() []string {
	if p := os.Getenv("GIT_CONFIG_GLOBAL"); p != "" {
		return []string{p}
	}
	return []string{filepath.Join(xdgConfigHome(), "git", "config"), filepath.Join(homeDir(), ".gitconfig")}
}

// GlobalConfigPath is the file `config --global` writes: ~/.gitconfig,
// unless it does not exist and the XDG file does (git's rule), or
// $GIT_CONFIG_GLOBAL.
func GlobalConfigPath() string {
	files := globalConfigFiles()
	if len(files) == 1 {
		return files[0]
	}
	if _, err := os.Stat(files[1]); err != nil {
		if _, err := os.Stat(files[0]); err == nil {
			return files[0]
		}
	}
	return files[1]
}

// LocalConfigPath is the repository's own file.
func (r *Repository) LocalConfigPath() string { return filepath.Join(r.GitDir, "config") }

// WorktreeConfigPath is config.worktree, read when extensions.worktreeConfig is on.
// In a linked work tree it is the work tree's own.
func (r *Repository) WorktreeConfigPath() string { return r.gitPath("config.worktree") }

// configName is how git names a repository file: relative to the top of
// the work tree (".git/config"), where git runs.
func (r *Repository) configName(p string) string {
	if r.WorkDir != "" {
		if rel, err := filepath.Rel(r.WorkDir, p); err == nil && !strings.HasPrefix(rel, "..") {
			return rel
		}
	}
	return p
}

// ConfigFiles lists the files read, in order (r may be nil).
func (r *Repository) ConfigFiles() []ConfigFile {
	var out []ConfigFile
	if p := SystemConfigPath(); p != "" {
		out = append(out, ConfigFile{p, p, "system"})
	}
	for _, p := range globalConfigFiles() {
		out = append(out, ConfigFile{p, p, "global"})
	}
	if r != nil {
		out = append(out, ConfigFile{r.LocalConfigPath(), r.configName(r.LocalConfigPath()), "local"})
		if v, _ := gitconfig.ReadFile(r.LocalConfigPath(), "", "local", nil); worktreeConfigOn(v) {
			out = append(out, ConfigFile{r.WorktreeConfigPath(), r.configName(r.WorktreeConfigPath()), "worktree"})
		}
	}
	return out
}

func worktreeConfigOn(vals []gitconfig.Value) bool {
	on := false
	for _, v := range vals {
		if v.Key == "extensions.worktreeconfig" {
			on, _ = gitconfig.ParseBool(v.Value, v.NoValue)
		}
	}
	return on
}

// ConfigIncludes is how includes are followed for this repository (r may be nil).
func (r *Repository) ConfigIncludes() *gitconfig.Includes {
	inc := &gitconfig.Includes{}
	if r != nil {
		inc.GitDir = r.GitDir
		inc.Branch = func() string {
			b, _ := r.HeadBranch()
			return b.Short()
		}
	}
	return inc
}

// ConfigValues reads every setting in git's order (r may be nil: no
// repository).
func (r *Repository) ConfigValues() ([]gitconfig.Value, error) {
	var out []gitconfig.Value
	inc := r.ConfigIncludes()
	for _, f := range r.ConfigFiles() {
		v, err := gitconfig.ReadFile(f.Path, f.Name, f.Scope, inc)
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	cl, err := gitconfig.CommandLine()
	if err != nil {
		return nil, err
	}
	return append(out, cl...), nil
}

// ConfigGet returns the value of key (the last one set, as git does) and
// whether it is set at all. r may be nil: then no repository file is read.
func (r *Repository) ConfigGet(key string) (string, bool, error) {
	all, err := r.ConfigGetAll(key)
	if err != nil || len(all) == 0 {
		return "", false, err
	}
	return all[len(all)-1], true, nil
}

// ConfigGetAll returns every value of a multi-valued key in reading order.
func (r *Repository) ConfigGetAll(key string) ([]string, error) {
	k, err := gitconfig.ParseKey(key)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", key, ErrConfigKey)
	}
	vals, err := r.ConfigValues()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range vals {
		if v.Key == k.Canonical {
			out = append(out, v.Value)
		}
	}
	return out, nil
}

// ConfigBool reads a boolean key as git spells booleans; def when unset.
func (r *Repository) ConfigBool(key string, def bool) bool {
	k, err := gitconfig.ParseKey(key)
	if err != nil {
		return def
	}
	vals, err := r.ConfigValues()
	if err != nil {
		return def
	}
	res := def
	for _, v := range vals {
		if v.Key == k.Canonical {
			if b, ok := gitconfig.ParseBool(v.Value, v.NoValue); ok {
				res = b
			}
		}
	}
	return res
}

// ConfigSet sets key to value in the repository's config, or in the global
// file when global is true (r may then be nil).
func (r *Repository) ConfigSet(key, value string, global bool) error {
	path, err := r.writePath(global)
	if err != nil {
		return err
	}
	return EditConfigFile(path, func(data []byte) ([]byte, error) {
		k, err := gitconfig.ParseKey(key)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", err, ErrConfigKey)
		}
		return gitconfig.Set(data, "file "+path, k, &value, gitconfig.MatchAll(), true)
	})
}

// ConfigUnset removes every value of key; ErrNotFound if it was not set.
func (r *Repository) ConfigUnset(key string, global bool) error {
	path, err := r.writePath(global)
	if err != nil {
		return err
	}
	return EditConfigFile(path, func(data []byte) ([]byte, error) {
		k, err := gitconfig.ParseKey(key)
		if err != nil {
			return nil, fmt.Errorf("%v: %w", err, ErrConfigKey)
		}
		out, err := gitconfig.Set(data, "file "+path, k, nil, gitconfig.MatchAll(), true)
		if errors.Is(err, gitconfig.ErrNothingSet) {
			return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
		}
		return out, err
	})
}

func (r *Repository) writePath(global bool) (string, error) {
	if global {
		return GlobalConfigPath(), nil
	}
	if r == nil {
		return "", ErrNotRepository
	}
	return r.LocalConfigPath(), nil
}

// EditConfigFile rewrites a config file under its lock: edit gets the
// current content (nil when the file does not exist) and returns the new.
// The file keeps its permissions.
func EditConfigFile(path string, edit func([]byte) ([]byte, error)) error {
	// As git: a symbolic link is followed, and the file it names (even
	// one not there yet) is written.
	for n := 0; n < 10; n++ {
		t, err := os.Readlink(path)
		if err != nil {
			break
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(path), t)
		}
		path = t
	}
	perm := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		perm = fi.Mode().Perm()
	}
	l, err := lockfile.Acquire(path, perm)
	if err != nil {
		return err
	}
	defer l.Rollback()
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	out, err := edit(data)
	if err != nil {
		return err
	}
	if _, err := l.Write(out); err != nil {
		return err
	}
	err = l.Commit()
	gitconfig.Forget(path)
	if err != nil {
		return err
	}
	return os.Chmod(path, perm)
}

// ConfigList lists every setting in reading order (r may be nil). scope ""
// lists all, otherwise one scope ("system", "global", "local", ...).
func (r *Repository) ConfigList(scope string) ([]ConfigEntry, error) {
	vals, err := r.ConfigValues()
	if err != nil {
		return nil, err
	}
	var out []ConfigEntry
	for _, v := range vals {
		if scope != "" && v.Origin.Scope != scope {
			continue
		}
		out = append(out, ConfigEntry{Key: v.Key, Value: v.Value, NoValue: v.NoValue, Scope: v.Origin.Scope,
			Type: v.Origin.Type, Name: v.Origin.Name})
	}
	return out, nil
}

// CanonicalConfigKey spells key as ConfigList does (lowercase section and
// name, subsection as given).
func CanonicalConfigKey(key string) (string, error) {
	k, err := gitconfig.ParseKey(key)
	if err != nil {
		return "", fmt.Errorf("%v: %w", err, ErrConfigKey)
	}
	return k.Canonical, nil
}
