package repo

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitconfig"
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

// RemoteError is a remote name refused: Err is ErrNoSuchRemote (no remote
// of that name is configured), ErrAlreadyExists (one is) or
// ErrInvalidRefName (the name cannot be one), so that commands can word
// each as git does.
type RemoteError struct {
	Name string
	Err  error
}

func (e *RemoteError) Error() string {
	switch {
	case errors.Is(e.Err, ErrAlreadyExists):
		return "remote " + e.Name + " " + e.Err.Error()
	case errors.Is(e.Err, ErrInvalidRefName):
		return fmt.Sprintf("%q is not a valid remote name: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("%q: %v", e.Name, e.Err)
}

func (e *RemoteError) Unwrap() error { return e.Err }

// remoteNameRe is compiled on first use, not at start-up.
var remoteNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`) })

// ValidateRemoteName accepts names that make a valid ref prefix
// refs/remotes/<name>/.
func ValidateRemoteName(name string) error {
	if !remoteNameRe().MatchString(name) || strings.HasSuffix(name, ".lock") || strings.Contains(name, "..") {
		return &RemoteError{Name: name, Err: ErrInvalidRefName}
	}
	return nil
}

func (r *Repository) configPath() string { return filepath.Join(r.GitDir, "config") }

// Remotes and upstreams are read from the repository's own config file
// alone (includes not followed), and each change to them is one of git's
// config edits (repo/gitconfig) in the order git remote and git branch
// make them, so that the file comes out as git would leave it: other
// lines, comments and layout untouched, emptied sections removed.

// localConfig is the entries of .git/config in file order.
type localConfig []gitconfig.Value

// readLocalConfig reads .git/config (empty when there is none).
func (r *Repository) readLocalConfig() (localConfig, error) {
	p := r.configPath()
	return gitconfig.ReadFile(p, r.configName(p), "local", nil)
}

// configKey is the canonical key section.sub.name (section and name
// given in lower case).
func configKey(section, sub, name string) string {
	return section + "." + sub + "." + name
}

// get is the last value of the canonical key ("" when unset).
func (c localConfig) get(key string) string {
	for i := len(c) - 1; i >= 0; i-- {
		if c[i].Key == key {
			return c[i].Value
		}
	}
	return ""
}

// all is every value of the canonical key in file order.
func (c localConfig) all(key string) []string {
	var out []string
	for _, v := range c {
		if v.Key == key {
			out = append(out, v.Value)
		}
	}
	return out
}

// has reports whether the canonical key is set.
func (c localConfig) has(key string) bool {
	for _, v := range c {
		if v.Key == key {
			return true
		}
	}
	return false
}

// subsections lists the subsections of section (lower case) that hold an
// entry, in the order they first appear: as git, a section with no entry
// configures nothing.
func (c localConfig) subsections(section string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range c {
		rest, ok := strings.CutPrefix(v.Key, section+".")
		i := strings.LastIndexByte(rest, '.')
		if !ok || i < 0 || seen[rest[:i]] {
			continue
		}
		seen[rest[:i]] = true
		out = append(out, rest[:i])
	}
	return out
}

// hasSubsection reports whether section.sub holds an entry.
func (c localConfig) hasSubsection(section, sub string) bool {
	prefix := section + "." + sub + "."
	for _, v := range c {
		if rest, ok := strings.CutPrefix(v.Key, prefix); ok && !strings.Contains(rest, ".") {
			return true
		}
	}
	return false
}

// configEdit is .git/config being rewritten under its lock.
type configEdit struct {
	data  []byte
	where string
}

// set is git_config_set_multivar_in_file: the values of key (spelt as git
// spells it in the command concerned: a replaced line takes that
// spelling) that match are replaced by value, or removed (value nil).
func (e *configEdit) set(key string, value *string, match *gitconfig.ValueMatcher, all bool) error {
	k, err := gitconfig.ParseKey(key)
	if err != nil {
		return fmt.Errorf("%v: %w", err, ErrConfigKey)
	}
	out, err := gitconfig.Set(e.data, e.where, k, value, match, all)
	if err != nil {
		return err
	}
	e.data = out
	return nil
}

// setGently is set where git ignores CONFIG_NOTHING_SET: nothing to
// unset, or several values where one was expected.
func (e *configEdit) setGently(key string, value *string) error {
	err := e.set(key, value, gitconfig.MatchAll(), false)
	if errors.Is(err, gitconfig.ErrNothingSet) || errors.Is(err, gitconfig.ErrMultiple) {
		return nil
	}
	return err
}

// renameSection renames (newName "": removes) every section old
// ("section.subsection"); found is false when there is none.
func (e *configEdit) renameSection(old, newName string) (found bool, err error) {
	out, found, err := gitconfig.RenameSection(e.data, e.where, old, newName, newName == "")
	if err != nil {
		return false, err
	}
	e.data = out
	return found, nil
}

// updateLocalConfig rewrites .git/config under its lock (editLocalConfig):
// edit gets its entries as they are and makes its changes through e;
// nothing is written when it fails.
func (r *Repository) updateLocalConfig(edit func(c localConfig, e *configEdit) error) error {
	path := r.configPath()
	return r.editLocalConfig(func(data []byte) ([]byte, error) {
		o := &gitconfig.Origin{Type: "file", Name: r.configName(path), Scope: "local"}
		vals, err := gitconfig.ReadData(data, o, path, nil, 0)
		if err != nil {
			return nil, err
		}
		e := &configEdit{data: data, where: "file " + o.Name}
		if err := edit(localConfig(vals), e); err != nil {
			return nil, err
		}
		return e.data, nil
	})
}

// Remotes lists the configured remotes sorted by name.
func (r *Repository) Remotes() ([]Remote, error) {
	c, err := r.readLocalConfig()
	if err != nil {
		return nil, err
	}
	var out []Remote
	for _, name := range c.subsections("remote") {
		out = append(out, c.remote(name))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (c localConfig) remote(name string) Remote {
	return Remote{Name: name, URL: c.get(configKey("remote", name, "url")), PushURL: c.get(configKey("remote", name, "pushurl")),
		Fetch: c.all(configKey("remote", name, "fetch"))}
}

// RemoteByName returns one remote or ErrNoSuchRemote.
func (r *Repository) RemoteByName(name string) (Remote, error) {
	c, err := r.readLocalConfig()
	if err != nil {
		return Remote{}, err
	}
	if !c.hasSubsection("remote", name) {
		return Remote{}, &RemoteError{Name: name, Err: ErrNoSuchRemote}
	}
	return c.remote(name), nil
}

// ConfigValue returns section[.subsection].key ("" when unset).
func (r *Repository) ConfigValue(section, subsection, key string) (string, error) {
	c, err := r.readLocalConfig()
	if err != nil {
		return "", err
	}
	k := strings.ToLower(section) + "." + strings.ToLower(key)
	if subsection != "" {
		k = configKey(strings.ToLower(section), subsection, strings.ToLower(key))
	}
	return c.get(k), nil
}

// AddRemote records a remote with git's default fetch refspec, as git
// remote add writes them.
func (r *Repository) AddRemote(ctx context.Context, name, url string) error {
	return r.updateLocalConfig(func(c localConfig, e *configEdit) error {
		// git's order: a remote that exists, then a name that cannot be one.
		if c.hasSubsection("remote", name) {
			return &RemoteError{Name: name, Err: ErrAlreadyExists}
		}
		if err := ValidateRemoteName(name); err != nil {
			return err
		}
		if err := e.set("remote."+name+".url", &url, gitconfig.MatchAll(), false); err != nil {
			return err
		}
		fetch := "+refs/heads/*:refs/remotes/" + name + "/*"
		return e.set("remote."+name+".fetch", &fetch, gitconfig.MatchNone(), false)
	})
}

// RemoveRemote drops the remote's sections, the upstream and push-remote
// settings of branches that name it, remote.pushDefault when it names it,
// and its remote-tracking refs, as `git remote remove` does.
func (r *Repository) RemoveRemote(ctx context.Context, name string) error {
	err := r.updateLocalConfig(func(c localConfig, e *configEdit) error {
		if !c.hasSubsection("remote", name) {
			return &RemoteError{Name: name, Err: ErrNoSuchRemote}
		}
		for _, b := range c.subsections("branch") {
			if c.get(configKey("branch", b, "remote")) == name {
				for _, k := range []string{"remote", "merge"} {
					if err := e.setGently("branch."+b+"."+k, nil); err != nil {
						return err
					}
				}
			}
			if c.get(configKey("branch", b, "pushremote")) == name {
				if err := e.setGently("branch."+b+".pushremote", nil); err != nil {
					return err
				}
			}
		}
		if _, err := e.renameSection("remote."+name, ""); err != nil {
			return err
		}
		return renamePushDefault(c, e, name, nil)
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

// renamePushDefault points remote.pushDefault at newName (nil: unsets it)
// when it names old, as git's handle_push_default does for the
// repository's file.
func renamePushDefault(c localConfig, e *configEdit, old string, newName *string) error {
	for _, v := range c.all("remote.pushdefault") {
		if v == old {
			return e.setGently("remote.pushDefault", newName)
		}
	}
	return nil
}

// SetUpstream records that branch tracks remote's branch merge (a full ref
// name such as refs/heads/main).
func (r *Repository) SetUpstream(ctx context.Context, branch, remote string, merge plumbing.ReferenceName) error {
	return r.updateLocalConfig(func(c localConfig, e *configEdit) error {
		return e.writeTracking(branch, remote, []plumbing.ReferenceName{merge}, false)
	})
}

// writeTracking writes branch.<branch>.* as git's install_branch_config
// does: the remote set in place, the merge lines replaced by one line per
// merge at the end of the branch's section, rebase set when asked.
func (e *configEdit) writeTracking(branch, remote string, merges []plumbing.ReferenceName, rebase bool) error {
	sec := "branch." + branch
	if err := e.setGently(sec+".remote", &remote); err != nil {
		return err
	}
	if err := e.setGently(sec+".merge", nil); err != nil {
		return err
	}
	for _, m := range merges {
		v := m.String()
		if err := e.set(sec+".merge", &v, gitconfig.MatchNone(), false); err != nil {
			return err
		}
	}
	if rebase {
		t := "true"
		return e.setGently(sec+".rebase", &t)
	}
	return nil
}

// Upstream returns the remote and remote ref branch tracks ("" when unset).
func (r *Repository) Upstream(branch string) (remote string, merge plumbing.ReferenceName, err error) {
	c, err := r.readLocalConfig()
	if err != nil {
		return "", "", err
	}
	return c.get(configKey("branch", branch, "remote")), plumbing.ReferenceName(c.get(configKey("branch", branch, "merge"))), nil
}
