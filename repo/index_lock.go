package repo

import (
	"errors"
	"fmt"
	"os"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/lockfile"
)

// IndexLock holds .git/index.lock for a read-modify-write of the index.
type IndexLock struct {
	Index *index.Index
	r     *Repository
	lock  *lockfile.Lock
	done  bool
	// published: the lock file holds a draft (Publish) to be replaced.
	published bool
}

// LockIndex takes .git/index.lock and reads the current index. Call Commit
// to write Index back, or Rollback to leave the index as it was.
func (r *Repository) LockIndex() (*IndexLock, error) {
	l, err := lockfile.Acquire(r.indexPath(), 0o644)
	if err != nil {
		return nil, err
	}
	idx, err := r.ReadIndex()
	if err != nil {
		l.Rollback()
		return nil, err
	}
	return &IndexLock{Index: idx, r: r, lock: l}, nil
}

// refreshRacyIndex rewrites the index unchanged, if its lock is free: the
// new file is newer than every entry, so entries that were too recent to
// trust (and were checked by content meanwhile) become trusted; smudgeRacy
// still guards any that changed. Errors are ignored: it is an optimization.
func (r *Repository) refreshRacyIndex() { r.refreshIndex(nil) }

// refreshStat is what a refresh records for a stage-0 entry proved clean
// by content: the stat data of its file, if the entry still has the blob
// and mode it had when compared.
type refreshStat struct {
	hash plumbing.Hash
	mode filemode.FileMode
	fi   os.FileInfo
}

// refreshIndex is refreshRacyIndex that also records the stat data of
// entries whose files changed only in their stat data (git's
// refresh_index): the next command trusts them without reading them.
func (r *Repository) refreshIndex(clean map[string]refreshStat) {
	il, err := r.LockIndex()
	if err != nil {
		return
	}
	defer il.Rollback()
	il.fillClean(clean)
	il.Commit()
}

// fillClean records the stat data of clean entries that still have the
// blob and mode they had when compared.
func (il *IndexLock) fillClean(clean map[string]refreshStat) {
	if len(clean) > 0 {
		for _, e := range il.Index.Entries {
			if c, ok := clean[e.Name]; ok && e.Stage == 0 && e.Hash == c.hash && e.Mode == c.mode {
				fillStat(e, c.fi)
			}
		}
	}
}

// ReadIndexStamped is ReadIndex that also identifies the version of the
// index file read, for refreshReadIndex.
func (r *Repository) ReadIndexStamped() (*index.Index, os.FileInfo, error) {
	before, _ := os.Stat(r.indexPath())
	os.SameFile(before, before) // the file id now, not at the comparison (Windows reads it lazily)
	idx, err := r.ReadIndex()
	return idx, before, err
}

// refreshReadIndex is refreshIndex for an index the command read with
// ReadIndexStamped and whose entries clean (with their files' stat data)
// proved clean by content. When the index file is still the one read,
// the entries are updated where they are and the index written back
// without being read and decoded again: after every file's stat data
// changed that is a second copy of the whole index. Otherwise the index
// is read again under the lock and matched by name.
func (r *Repository) refreshReadIndex(idx *index.Index, read os.FileInfo, clean []*index.Entry, fis []os.FileInfo) {
	l, err := lockfile.Acquire(r.indexPath(), 0o644)
	if err != nil {
		return
	}
	now, err := os.Stat(r.indexPath())
	if read != nil && err == nil && os.SameFile(read, now) && read.Size() == now.Size() &&
		read.ModTime().Equal(now.ModTime()) && idx.ModTime.Equal(now.ModTime()) {
		il := &IndexLock{Index: idx, r: r, lock: l}
		defer il.Rollback()
		for i, e := range clean {
			fillStat(e, fis[i])
		}
		keepCacheTree(idx)
		il.Commit()
		return
	}
	l.Rollback()
	byName := make(map[string]refreshStat, len(clean))
	for i, e := range clean {
		byName[e.Name] = refreshStat{e.Hash, e.Mode, fis[i]}
	}
	r.refreshIndex(byName)
}

// UpdateIndex reads the index under its lock, lets change modify it, and
// writes it back, or leaves it untouched if change fails.
func (r *Repository) UpdateIndex(change func(idx *index.Index) error) error {
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	defer il.Rollback()
	if err := change(il.Index); err != nil {
		return err
	}
	return il.Commit()
}

// Publish writes Index into the lock file without releasing the lock and
// returns that file's path: the index a commit is about to record, which
// git's hooks see as $GIT_INDEX_FILE. Reload reads it back.
func (il *IndexLock) Publish() (string, error) {
	if err := il.lock.Reset(); err != nil {
		return "", err
	}
	if err := il.r.writeIndexTo(il.lock, il.Index); err != nil {
		return "", err
	}
	il.published = true
	return il.lock.File(), nil
}

// Reload replaces Index with the lock file's content, which a hook may
// have changed since Publish.
func (il *IndexLock) Reload() error {
	data, err := os.ReadFile(il.lock.File())
	if err != nil {
		return err
	}
	idx, err := il.r.decodeIndex(data, il.lock.File())
	if err != nil {
		return fmt.Errorf("index: %w: %v", ErrCorruptObject, err)
	}
	il.Index = idx
	return nil
}

// Commit writes Index and releases the lock.
func (il *IndexLock) Commit() error {
	if il.done {
		return errors.New("index lock already released")
	}
	il.done = true
	if il.published {
		if err := il.lock.Reset(); err != nil {
			il.lock.Rollback()
			return err
		}
	}
	if err := il.r.writeIndexTo(il.lock, il.Index); err != nil {
		il.lock.Rollback()
		return err
	}
	return il.lock.Commit()
}

// Rollback releases the lock without changing the index. Safe to call after
// Commit (it then does nothing), so it can be deferred.
func (il *IndexLock) Rollback() {
	if il.done {
		return
	}
	il.done = true
	il.lock.Rollback()
	indexMeta.Delete(il.Index)
}
