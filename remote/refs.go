package remote

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/refs"
)

// readRefs lists the refs under refs/ that hold an id (loose ones over
// packed-refs, symbolic ones left out) and what HEAD points at, through
// package refs, which skips the lock files of pushes running meanwhile.
func readRefs(gitDir string) (map[string]plumbing.Hash, string, error) {
	l, err := refs.Dir(gitDir).List("")
	if err != nil {
		return nil, "", err
	}
	out := make(map[string]plumbing.Hash, len(l.Refs))
	for _, r := range l.Refs {
		if !r.Symbolic() {
			out[r.Name] = r.ID
		}
	}
	_, head, _ := refs.ReadFile(filepath.Join(gitDir, "HEAD"))
	return out, head, nil
}

// Recover removes what a killed server leaves behind in the repositories
// under root: the quarantine directories of pushes that never finished
// (objects/incoming-* and root/.incoming/*) and the lock files of ref
// updates it was making (refs/**/*.lock, packed-refs.lock, HEAD.lock).
// Nothing else is touched; the refs themselves are each at their old or
// their new value, since a ref only changes by renaming its lock over it.
//
// Git leaves such locks and refuses to update the ref until someone
// removes them by hand. A server is different: it is the only writer of its
// repositories and serialises its own pushes, so at start-up, before it
// accepts a request, no lock can belong to a live writer. Call Recover only
// then, holding the root's exclusive lock (easel serve does), never while
// another process may be writing these repositories.
func Recover(root string) (removed []string, err error) {
	var errs []error
	rm := func(p string, all bool) {
		var e error
		if all {
			e = os.RemoveAll(p)
		} else {
			e = os.Remove(p)
		}
		if e != nil && !errors.Is(e, os.ErrNotExist) {
			errs = append(errs, e)
			return
		}
		removed = append(removed, p)
	}
	if ents, err := os.ReadDir(filepath.Join(root, ".incoming")); err == nil {
		for _, e := range ents {
			rm(filepath.Join(root, ".incoming", e.Name()), true)
		}
	}
	cleanRepo := func(dir string) {
		qs, _ := filepath.Glob(filepath.Join(dir, "objects", "incoming-*"))
		for _, q := range qs {
			rm(q, true)
		}
		for _, name := range []string{"HEAD.lock", "packed-refs.lock"} {
			if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
				rm(filepath.Join(dir, name), false)
			}
		}
		filepath.WalkDir(filepath.Join(dir, "refs"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
				rm(p, false)
			}
			return nil
		})
	}
	// Repositories are <root>/name or <root>/group/name (ValidateRepoName).
	ents, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	// A repository being created is made in a .easel-init-* directory
	// beside its place (repo.Init); one left there was never visible.
	initLeftover := func(name string) bool { return strings.HasPrefix(name, ".easel-init-") }
	for _, e := range ents {
		if !e.IsDir() || e.Name() == ".incoming" {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if initLeftover(e.Name()) {
			rm(dir, true)
			continue
		}
		if isBare(dir) {
			cleanRepo(dir)
			continue
		}
		sub, _ := os.ReadDir(dir)
		for _, s := range sub {
			switch p := filepath.Join(dir, s.Name()); {
			case s.IsDir() && initLeftover(s.Name()):
				rm(p, true)
			case s.IsDir() && isBare(p):
				cleanRepo(p)
			}
		}
	}
	return removed, errors.Join(errs...)
}
