package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	format "github.com/go-git/go-git/v5/plumbing/format/config"

	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/lockfile"
)

// Remote is one [remote "name"] section of .git/config, as git writes it.
type Remote struct {
	Name    string
	URL     string
	PushURL string   // remote.<name>.pushurl, "" when pushes go to URL
	Fetch   []string // refspecs, e.g. +refs/heads/*:refs/remotes/origin/*
}

// ErrNoSuchRemote is returned when a remote name is not configured.
var ErrNoSuchRemote = errors.New("no such remote")

// remoteNameRe is compiled on first use, not at start-up.
var remoteNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`) })

// ValidateRemoteName accepts names that make a valid ref prefix
// refs/remotes/<name>/.
func ValidateRemoteName(name string) error {
	if !remoteNameRe().MatchString(name) || strings.HasSuffix(name, ".lock") || strings.Contains(name, "..") {
		return fmt.Errorf("%q is not a valid remote name: %w", name, ErrInvalidRefName)
	}
	return nil
}

func (r *Repository) configPath() string { return filepath.Join(r.GitDir, "config") }

// ReadConfig parses .git/config (an empty config when there is none).
func (r *Repository) ReadConfig() (*format.Config, error) {
	cfg := format.New()
	f, err := os.Open(r.configPath())
	if errors.Is(err, os.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := format.NewDecoder(f).Decode(cfg); err != nil {
		return nil, fmt.Errorf("%s: %w", r.configPath(), err)
	}
	return cfg, nil
}

// UpdateConfig reads, changes and rewrites .git/config under its lock, so
// two writers cannot lose each other's changes.
func (r *Repository) UpdateConfig(ctx context.Context, change func(*format.Config) error) error {
	l, err := lockfile.Acquire(r.configPath(), 0o644)
	if err != nil {
		return err
	}
	defer l.Rollback()
	cfg, err := r.ReadConfig()
	if err != nil {
		return err
	}
	if err := change(cfg); err != nil {
		return err
	}
	if err := format.NewEncoder(l).Encode(cfg); err != nil {
		return err
	}
	defer gitconfig.Forget(r.configPath())
	return l.Commit()
}

// Remotes lists the configured remotes sorted by name.
func (r *Repository) Remotes() ([]Remote, error) {
	cfg, err := r.ReadConfig()
	if err != nil {
		return nil, err
	}
	var out []Remote
	for _, ss := range cfg.Section("remote").Subsections {
		out = append(out, Remote{Name: ss.Name, URL: ss.Option("url"), PushURL: ss.Option("pushurl"), Fetch: ss.OptionAll("fetch")})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// RemoteByName returns one remote or ErrNoSuchRemote.
func (r *Repository) RemoteByName(name string) (Remote, error) {
	cfg, err := r.ReadConfig()
	if err != nil {
		return Remote{}, err
	}
	sec := cfg.Section("remote")
	if !sec.HasSubsection(name) {
		return Remote{}, fmt.Errorf("%q: %w", name, ErrNoSuchRemote)
	}
	ss := sec.Subsection(name)
	return Remote{Name: name, URL: ss.Option("url"), PushURL: ss.Option("pushurl"), Fetch: ss.OptionAll("fetch")}, nil
}

// ConfigValue returns section[.subsection].key ("" when unset).
func (r *Repository) ConfigValue(section, subsection, key string) (string, error) {
	cfg, err := r.ReadConfig()
	if err != nil {
		return "", err
	}
	s := cfg.Section(section)
	if subsection == "" {
		return s.Option(key), nil
	}
	if !s.HasSubsection(subsection) {
		return "", nil
	}
	return s.Subsection(subsection).Option(key), nil
}

// AddRemote records a remote with git's default fetch refspec.
func (r *Repository) AddRemote(ctx context.Context, name, url string) error {
	if err := ValidateRemoteName(name); err != nil {
		return err
	}
	return r.UpdateConfig(ctx, func(cfg *format.Config) error {
		if cfg.Section("remote").HasSubsection(name) {
			return fmt.Errorf("remote %s: %w", name, ErrAlreadyExists)
		}
		cfg.SetOption("remote", name, "url", url)
		cfg.SetOption("remote", name, "fetch", "+refs/heads/*:refs/remotes/"+name+"/*")
		return nil
	})
}

// RemoveRemote drops the remote's section, the upstream settings of branches
// that track it, and its remote-tracking refs, as `git remote remove` does.
func (r *Repository) RemoveRemote(ctx context.Context, name string) error {
	err := r.UpdateConfig(ctx, func(cfg *format.Config) error {
		if !cfg.Section("remote").HasSubsection(name) {
			return fmt.Errorf("%q: %w", name, ErrNoSuchRemote)
		}
		cfg.RemoveSubsection("remote", name)
		for _, ss := range cfg.Section("branch").Subsections {
			if ss.Option("remote") == name {
				ss.RemoveOption("remote")
				ss.RemoveOption("merge")
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	tracking, err := r.ListRefs("refs/remotes/" + name + "/")
	if err != nil {
		return err
	}
	var dels []RefUpdate
	for _, ref := range tracking {
		if !ref.Symbolic() {
			dels = append(dels, RefUpdate{Name: plumbing.ReferenceName(ref.Name)})
		}
	}
	if len(dels) == 0 {
		return nil
	}
	return r.UpdateRefs(ctx, dels)
}

// SetUpstream records that branch tracks remote's branch merge (a full ref
// name such as refs/heads/main).
func (r *Repository) SetUpstream(ctx context.Context, branch, remote string, merge plumbing.ReferenceName) error {
	return r.UpdateConfig(ctx, func(cfg *format.Config) error {
		cfg.SetOption("branch", branch, "remote", remote)
		cfg.SetOption("branch", branch, "merge", merge.String())
		return nil
	})
}

// Upstream returns the remote and remote ref branch tracks ("" when unset).
func (r *Repository) Upstream(branch string) (remote string, merge plumbing.ReferenceName, err error) {
	cfg, err := r.ReadConfig()
	if err != nil {
		return "", "", err
	}
	s := cfg.Section("branch")
	if !s.HasSubsection(branch) {
		return "", "", nil
	}
	ss := s.Subsection(branch)
	return ss.Option("remote"), plumbing.ReferenceName(ss.Option("merge")), nil
}
