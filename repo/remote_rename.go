package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	format "github.com/go-git/go-git/v5/plumbing/format/config"
)

// RenameRemote renames a remote as git remote rename does: its config
// section (every option moves), the refs/remotes/<old>/ part of its fetch
// refspecs, the branch.*.remote, branch.*.pushRemote and
// remote.pushDefault settings that named it, and its remote-tracking refs
// with their reflogs, each logged "remote: renamed <old ref> to <new ref>".
// The refs move in one transaction, under the config's lock: when they
// cannot, the config is left as it was.
func (r *Repository) RenameRemote(ctx context.Context, old, new string) error {
	if err := ValidateRemoteName(new); err != nil {
		return err
	}
	return r.UpdateConfig(ctx, func(cfg *format.Config) error {
		remotes := cfg.Section("remote")
		if !remotes.HasSubsection(old) {
			return fmt.Errorf("%q: %w", old, ErrNoSuchRemote)
		}
		if remotes.HasSubsection(new) {
			return fmt.Errorf("remote %s %w", new, ErrAlreadyExists)
		}
		oldPrefix, newPrefix := "refs/remotes/"+old+"/", "refs/remotes/"+new+"/"
		for _, ss := range remotes.Subsections {
			if ss.Name != old {
				continue
			}
			ss.Name = new
			for _, o := range ss.Options {
				if o.IsKey("fetch") {
					o.Value = strings.Replace(o.Value, oldPrefix, newPrefix, 1)
				}
			}
		}
		for _, ss := range cfg.Section("branch").Subsections {
			for _, o := range ss.Options {
				if (o.IsKey("remote") || o.IsKey("pushremote")) && o.Value == old {
					o.Value = new
				}
			}
		}
		for _, o := range remotes.Options {
			if o.IsKey("pushdefault") && o.Value == old {
				o.Value = new
			}
		}
		return r.renameRemoteRefs(ctx, oldPrefix, newPrefix)
	})
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

// SetRemoteURL replaces a remote's URL (git remote set-url).
func (r *Repository) SetRemoteURL(ctx context.Context, name, url string) error {
	return r.UpdateConfig(ctx, func(cfg *format.Config) error {
		if !cfg.Section("remote").HasSubsection(name) {
			return fmt.Errorf("%q: %w", name, ErrNoSuchRemote)
		}
		// In place, as git edits the file: the option keeps its line.
		ss := cfg.Section("remote").Subsection(name)
		for _, o := range ss.Options {
			if o.IsKey("url") {
				o.Value = url
				return nil
			}
		}
		ss.AddOption("url", url)
		return nil
	})
}
