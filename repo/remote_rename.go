package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitconfig"
)

// RenameRemote renames a remote as git remote rename does: its config
// sections (every option moves), the refs/remotes/<old>/ destination of
// its fetch refspecs, the branch.*.remote, branch.*.pushRemote and
// remote.pushDefault settings that named it (the last only when a
// refspec was changed), and, when a refspec was changed, its
// remote-tracking refs with their reflogs, each logged
// "remote: renamed <old ref> to <new ref>". The refs move in one
// transaction, under the config's lock: when they cannot, the config is
// left as it was. kept are the fetch refspecs that name no
// refs/remotes/<old>/ and stay as they were, which git warns about.
func (r *Repository) RenameRemote(ctx context.Context, old, new string) (kept []string, err error) {
	err = r.updateLocalConfig(func(c localConfig, e *configEdit) error {
		// git's order: the old remote must exist, the new one must not,
		// then the new name must be one.
		if !c.hasSubsection("remote", old) {
			return &RemoteError{Name: old, Err: ErrNoSuchRemote}
		}
		if c.hasSubsection("remote", new) {
			return &RemoteError{Name: new, Err: ErrAlreadyExists}
		}
		if err := ValidateRemoteName(new); err != nil {
			return err
		}
		if _, err := e.renameSection("remote."+old, "remote."+new); err != nil {
			return err
		}
		// git removes the fetch lines and adds them back, renamed, at the
		// end of the section.
		oldPrefix, newPrefix := "refs/remotes/"+old+"/", "refs/remotes/"+new+"/"
		refspecUpdated := false
		if fetch := c.all(configKey("remote", old, "fetch")); len(fetch) > 0 {
			key := "remote." + new + ".fetch"
			if err := e.set(key, nil, gitconfig.MatchAll(), true); err != nil {
				return err
			}
			for _, f := range fetch {
				if i := strings.Index(f, ":"+oldPrefix); i >= 0 {
					refspecUpdated = true
					f = f[:i+1] + newPrefix + f[i+1+len(oldPrefix):]
				} else {
					kept = append(kept, f)
				}
				if err := e.set(key, &f, gitconfig.MatchNone(), false); err != nil {
					return err
				}
			}
		}
		for _, b := range c.subsections("branch") {
			if c.get(configKey("branch", b, "remote")) == old {
				if err := e.set("branch."+b+".remote", &new, gitconfig.MatchAll(), false); err != nil {
					return err
				}
			}
			if c.get(configKey("branch", b, "pushremote")) == old {
				if err := e.set("branch."+b+".pushRemote", &new, gitconfig.MatchAll(), false); err != nil {
					return err
				}
			}
		}
		// As git, a remote whose refspecs name no refs/remotes/<old>/
		// keeps its refs, and remote.pushDefault too.
		if !refspecUpdated {
			return nil
		}
		if err := r.renameRemoteRefs(ctx, oldPrefix, newPrefix); err != nil {
			return err
		}
		return renamePushDefault(c, e, old, &new)
	})
	return kept, err
}

// renameRemoteRefs moves every ref under oldPrefix to newPrefix: the
// refs in one transaction, then the symbolic ones (origin/HEAD), pointed
// at their targets' new names.
func (r *Repository) renameRemoteRefs(ctx context.Context, oldPrefix, newPrefix string) error {
	refs, err := r.refsAndSymrefsUnder(oldPrefix)
	if err != nil {
		return err
	}
	var updates []RefUpdate
	var symrefs []*plumbing.Reference
	for _, ref := range refs {
		from := ref.Name()
		to := plumbing.ReferenceName(newPrefix + strings.TrimPrefix(from.String(), oldPrefix))
		if ref.Type() == plumbing.SymbolicReference {
			symrefs = append(symrefs, ref)
			continue
		}
		if _, err := r.ResolveRef(to); err == nil {
			return fmt.Errorf("%s %w", to, ErrAlreadyExists)
		}
		msg := "remote: renamed " + from.String() + " to " + to.String()
		updates = append(updates,
			RefUpdate{Name: to, New: ref.Hash(), CheckOld: true, Message: msg, renamedFrom: from},
			RefUpdate{Name: from, Old: ref.Hash(), New: plumbing.ZeroHash, CheckOld: true, Message: msg})
	}
	if len(updates) > 0 {
		if err := r.UpdateRefs(ctx, updates); err != nil {
			return err
		}
	}
	for _, ref := range symrefs {
		from := ref.Name()
		to := plumbing.ReferenceName(newPrefix + strings.TrimPrefix(from.String(), oldPrefix))
		target := ref.Target()
		if strings.HasPrefix(target.String(), oldPrefix) {
			target = plumbing.ReferenceName(newPrefix + strings.TrimPrefix(target.String(), oldPrefix))
		}
		if err := os.Remove(r.refPath(from)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := r.removeReflog(from); err != nil {
			return err
		}
		removeEmptyDirs(filepath.Dir(r.refPath(from)), filepath.Join(r.GitDir, "refs"))
		if err := r.SetSymbolicRef(to, target, "remote: renamed "+from.String()+" to "+to.String()); err != nil {
			return err
		}
	}
	return nil
}

// SetRemoteURL replaces a remote's URL in place (git remote set-url);
// a remote with several URLs is refused, as git refuses it.
func (r *Repository) SetRemoteURL(ctx context.Context, name, url string) error {
	return r.updateLocalConfig(func(c localConfig, e *configEdit) error {
		if !c.hasSubsection("remote", name) {
			return &RemoteError{Name: name, Err: ErrNoSuchRemote}
		}
		return e.set("remote."+name+".url", &url, gitconfig.MatchAll(), false)
	})
}
