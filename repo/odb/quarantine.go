package odb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
)

// Quarantine returns a database that writes into dir, a new objects
// directory (git's incoming-* during a push), and reads from dir first,
// then from db. Nothing written there is visible to db until Migrate: a
// refused push leaves the repository as it was, and the directory is
// simply removed.
func (db *DB) Quarantine(dir string) (*DB, error) {
	if err := os.MkdirAll(filepath.Join(dir, "pack"), 0o755); err != nil {
		return nil, err
	}
	q := &DB{own: &objDir{dir: dir}, cache: db.cache, parent: db}
	q.altOnce.Do(func() { q.alts = db.dirs() })
	return q, nil
}

var errNotQuarantine = errors.New("not a quarantine")

// Migrate moves the quarantined objects into the parent database (packs
// first, each pack before its index as git does, then loose objects),
// makes them visible there and removes the quarantine directory.
func (q *DB) Migrate() error {
	if q.parent == nil {
		return errNotQuarantine
	}
	dst := q.parent.own.dir
	src := q.own.dir
	ents, err := os.ReadDir(filepath.Join(src, "pack"))
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	// .pack before .idx (and .rev): a reader finds a pack by its index.
	rank := func(name string) int {
		switch {
		case strings.HasSuffix(name, ".pack"):
			return 0
		case strings.HasSuffix(name, ".idx"):
			return 2
		}
		return 1
	}
	sort.SliceStable(ents, func(i, j int) bool { return rank(ents[i].Name()) < rank(ents[j].Name()) })
	moved := false
	for _, e := range ents {
		name := e.Name()
		if !strings.HasPrefix(name, "pack-") {
			continue
		}
		if err := moveNoReplace(filepath.Join(src, "pack", name), filepath.Join(dst, "pack", name)); err != nil {
			return err
		}
		moved = true
	}
	if moved {
		if err := lockfile.SyncDir(filepath.Join(dst, "pack")); err != nil {
			return err
		}
	}
	if err := q.own.forEachLoose(func(h plumbing.Hash) error {
		s := h.String()
		if err := os.MkdirAll(filepath.Join(dst, s[:2]), 0o755); err != nil {
			return err
		}
		return moveNoReplace(filepath.Join(src, s[:2], s[2:]), filepath.Join(dst, s[:2], s[2:]))
	}); err != nil {
		return err
	}
	q.Close()
	q.parent.rescan()
	return os.RemoveAll(src)
}

// moveNoReplace renames src to dst unless dst exists (the same object or
// pack, named by its content, is already there).
func moveNoReplace(src, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return nil
	}
	if err := os.Rename(src, dst); err != nil {
		return fmt.Errorf("move quarantined %s: %w", filepath.Base(src), err)
	}
	return nil
}
