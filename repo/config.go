package repo

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/config"

	"easel.dev/easel/repo/lockfile"
)

// Configuration is read as git reads it: the global files
// ($XDG_CONFIG_HOME/git/config, then ~/.gitconfig) and then the
// repository's .git/config, later values winning. Keys are
// "section.name" or "section.subsection.name"; section and name are
// case-insensitive, the subsection is not.

// ErrConfigKey is a malformed configuration key.
var ErrConfigKey = errors.New("invalid configuration key")

// ConfigEntry is one key = value line, key in git's canonical spelling
// (lowercase section and name).
type ConfigEntry struct {
	Key   string
	Value string
	Scope string // "global" or "local"
}

type configKey struct{ section, subsection, name string }

func parseConfigKey(key string) (configKey, error) {
	first := strings.IndexByte(key, '.')
	last := strings.LastIndexByte(key, '.')
	if first <= 0 || last == len(key)-1 {
		return configKey{}, fmt.Errorf("%q: %w (want section.name)", key, ErrConfigKey)
	}
	k := configKey{section: strings.ToLower(key[:first]), name: strings.ToLower(key[last+1:])}
	if last > first {
		k.subsection = key[first+1 : last]
	}
	for _, c := range k.section + k.name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return configKey{}, fmt.Errorf("%q: %w", key, ErrConfigKey)
		}
	}
	if k.name[0] < 'a' || k.name[0] > 'z' {
		return configKey{}, fmt.Errorf("%q: %w", key, ErrConfigKey)
	}
	return k, nil
}

func (k configKey) String() string {
	if k.subsection != "" {
		return k.section + "." + k.subsection + "." + k.name
	}
	return k.section + "." + k.name
}

// globalConfigFiles are the global files in reading order.
func globalConfigFiles() []string {
	return []string{filepath.Join(xdgConfigHome(), "git", "config"), filepath.Join(homeDir(), ".gitconfig")}
}

// GlobalConfigPath is the file `config --global` writes: ~/.gitconfig,
// unless it does not exist and the XDG file does (git's rule).
func GlobalConfigPath() string {
	files := globalConfigFiles()
	if _, err := os.Stat(files[1]); err != nil {
		if _, err := os.Stat(files[0]); err == nil {
			return files[0]
		}
	}
	return files[1]
}

func (r *Repository) localConfigPath() string { return filepath.Join(r.GitDir, "config") }

// localConfigFiles are the repository's config files in reading order: the
// shared config, then, with extensions.worktreeConfig, the work tree's own
// config.worktree (the main work tree's is beside the shared config).
func (r *Repository) localConfigFiles() []string {
	files := []string{r.localConfigPath()}
	if r.format.worktreeConfig {
		files = append(files, r.gitPath("config.worktree"))
	}
	return files
}

func readConfigFile(path string) (*config.Config, error) {
	cfg := config.New()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, err
	}
	if err := config.NewDecoder(bytes.NewReader(data)).Decode(cfg); err != nil {
		return nil, fmt.Errorf("%s: bad config: %v", path, err)
	}
	return cfg, nil
}

func configValues(cfg *config.Config, k configKey) []string {
	var out []string
	for _, s := range cfg.Sections {
		if !strings.EqualFold(s.Name, k.section) {
			continue
		}
		if k.subsection == "" {
			out = append(out, s.Options.GetAll(k.name)...)
			continue
		}
		for _, ss := range s.Subsections {
			if ss.Name == k.subsection {
				out = append(out, ss.Options.GetAll(k.name)...)
			}
		}
	}
	return out
}

// ConfigGet returns the value of key (the last one set, as git does) and
// whether it is set at all. A repository may be nil-safe: with r == nil
// only the global files are read.
func (r *Repository) ConfigGet(key string) (string, bool, error) {
	all, err := r.ConfigGetAll(key)
	if err != nil || len(all) == 0 {
		return "", false, err
	}
	return all[len(all)-1], true, nil
}

// ConfigGetAll returns every value of a multi-valued key, global first.
func (r *Repository) ConfigGetAll(key string) ([]string, error) {
	k, err := parseConfigKey(key)
	if err != nil {
		return nil, err
	}
	files := globalConfigFiles()
	if r != nil {
		files = append(files, r.localConfigFiles()...)
	}
	var out []string
	for _, f := range files {
		cfg, err := readConfigFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, configValues(cfg, k)...)
	}
	return out, nil
}

// ConfigBool reads a boolean key as git spells booleans; def when unset.
func (r *Repository) ConfigBool(key string, def bool) bool {
	v, ok, err := r.ConfigGet(key)
	if err != nil || !ok {
		return def
	}
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1", "":
		return true
	case "false", "no", "off", "0":
		return false
	}
	return def
}

// ConfigSet sets key to value in the repository's config, or in the global
// file when global is true (r may then be nil).
func (r *Repository) ConfigSet(key, value string, global bool) error {
	return r.editConfig(key, global, func(cfg *config.Config, k configKey) error {
		cfg.SetOption(k.section, k.subsection, k.name, value)
		return nil
	})
}

// ConfigUnset removes every value of key; ErrNotFound if it was not set.
func (r *Repository) ConfigUnset(key string, global bool) error {
	return r.editConfig(key, global, func(cfg *config.Config, k configKey) error {
		found := false
		for _, s := range cfg.Sections {
			if !strings.EqualFold(s.Name, k.section) {
				continue
			}
			if k.subsection == "" {
				if s.HasOption(k.name) {
					found = true
					s.RemoveOption(k.name)
				}
				continue
			}
			for _, ss := range s.Subsections {
				if ss.Name == k.subsection && ss.HasOption(k.name) {
					found = true
					ss.RemoveOption(k.name)
				}
			}
		}
		if !found {
			return fmt.Errorf("%s: %w", k, ErrNotFound)
		}
		return nil
	})
}

func (r *Repository) editConfig(key string, global bool, edit func(*config.Config, configKey) error) error {
	k, err := parseConfigKey(key)
	if err != nil {
		return err
	}
	path := GlobalConfigPath()
	if !global {
		if r == nil {
			return ErrNotRepository
		}
		path = r.localConfigPath()
	}
	l, err := lockfile.Acquire(path, 0o644)
	if err != nil {
		return err
	}
	defer l.Rollback()
	cfg, err := readConfigFile(path)
	if err != nil {
		return err
	}
	if err := edit(cfg, k); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := config.NewEncoder(&buf).Encode(cfg); err != nil {
		return err
	}
	if _, err := l.Write(buf.Bytes()); err != nil {
		return err
	}
	return l.Commit()
}

// ConfigList lists every setting: global files first, then the
// repository's (r may be nil). scope "" lists both, "global" or "local" one.
func (r *Repository) ConfigList(scope string) ([]ConfigEntry, error) {
	type src struct{ path, scope string }
	var files []src
	if scope != "local" {
		for _, f := range globalConfigFiles() {
			files = append(files, src{f, "global"})
		}
	}
	if scope != "global" && r != nil {
		for _, f := range r.localConfigFiles() {
			files = append(files, src{f, "local"})
		}
	}
	var out []ConfigEntry
	for _, f := range files {
		cfg, err := readConfigFile(f.path)
		if err != nil {
			return nil, err
		}
		for _, s := range cfg.Sections {
			sec := strings.ToLower(s.Name)
			for _, o := range s.Options {
				out = append(out, ConfigEntry{Key: sec + "." + strings.ToLower(o.Key), Value: o.Value, Scope: f.scope})
			}
			for _, ss := range s.Subsections {
				for _, o := range ss.Options {
					out = append(out, ConfigEntry{Key: sec + "." + ss.Name + "." + strings.ToLower(o.Key), Value: o.Value, Scope: f.scope})
				}
			}
		}
	}
	return out, nil
}

// CanonicalConfigKey spells key as ConfigList does (lowercase section and
// name, subsection as given).
func CanonicalConfigKey(key string) (string, error) {
	k, err := parseConfigKey(key)
	if err != nil {
		return "", err
	}
	return k.String(), nil
}
