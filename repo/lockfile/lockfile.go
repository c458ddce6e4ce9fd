// Package lockfile writes files the way git does: the new content goes to
// "<path>.lock", created exclusively so that a second writer fails at once,
// and becomes visible only through an atomic rename once it is complete and
// flushed to disk. A killed process leaves either the old file or the new
// one, never a mixture, plus at most a stale lock that names itself in the
// error the next writer sees.
package lockfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrLocked reports that another process holds (or a killed one left) the lock.
var ErrLocked = errors.New("lock is held")

// LockedError names the lock file so that a person can remove a stale one.
type LockedError struct{ Path string }

func (e *LockedError) Error() string {
	return fmt.Sprintf("unable to create '%s': file exists; another easel or git process seems to be running in this repository; if it died, remove the file and try again", e.Path)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// HeldError reports a live holder of an Exclusive lock. It is never stale:
// the lock disappears with the process that took it.
type HeldError struct{ Path string }

func (e *HeldError) Error() string {
	return fmt.Sprintf("'%s' is locked by another running process", e.Path)
}

func (e *HeldError) Unwrap() error { return ErrLocked }

// Lock is an open "<path>.lock" file. Write the new content to it, then
// Commit to replace path, or Rollback to leave path untouched.
type Lock struct {
	path string
	file *os.File
	done bool
}

// Acquire creates "<path>.lock" exclusively, creating parent directories.
func Acquire(path string, perm os.FileMode) (*Lock, error) {
	if err := mkdirAllSynced(filepath.Dir(path)); err != nil {
		return nil, err
	}
	lockPath := path + ".lock"
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, &LockedError{Path: lockPath}
		}
		return nil, err
	}
	return &Lock{path: path, file: f}, nil
}

// Path is the file the lock protects.
func (l *Lock) Path() string { return l.path }

// File is the lock file itself, where the pending content is written.
func (l *Lock) File() string { return l.path + ".lock" }

// Reset discards the pending content written so far, so that a caller can
// publish a draft in the lock file (git's hooks read the index a commit is
// about to record from index.lock) and later write the final content.
func (l *Lock) Reset() error {
	if _, err := l.file.Seek(0, 0); err != nil {
		return err
	}
	return l.file.Truncate(0)
}

// Write appends to the pending content.
func (l *Lock) Write(p []byte) (int, error) { return l.file.Write(p) }

// Commit flushes the pending content, renames it over the target and syncs
// the directory so that the rename itself survives a crash.
func (l *Lock) Commit() error {
	if l.done {
		return errors.New("lockfile: already committed or rolled back")
	}
	l.done = true
	lockPath := l.path + ".lock"
	if err := l.file.Sync(); err != nil {
		l.file.Close()
		os.Remove(lockPath)
		return err
	}
	if err := l.file.Close(); err != nil {
		os.Remove(lockPath)
		return err
	}
	if err := os.Rename(lockPath, l.path); err != nil {
		os.Remove(lockPath)
		return err
	}
	return SyncDir(filepath.Dir(l.path))
}

// Rollback removes the lock and leaves the target as it was. It is safe to
// call after Commit (it then does nothing), so callers can defer it.
func (l *Lock) Rollback() {
	if l.done {
		return
	}
	l.done = true
	l.file.Close()
	os.Remove(l.path + ".lock")
}

// WriteFile replaces path with data atomically under a lock.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	l, err := Acquire(path, perm)
	if err != nil {
		return err
	}
	defer l.Rollback()
	if _, err := l.Write(data); err != nil {
		return err
	}
	return l.Commit()
}

// mkdirAllSynced is os.MkdirAll that also syncs the parent of every
// directory it creates: the rename in Commit syncs the file's own
// directory, but a directory made for it (refs/heads/feature/ for
// refs/heads/feature/x) must itself survive a crash for the ref to.
func mkdirAllSynced(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return &os.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAllSynced(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return SyncDir(parent)
}

// SyncDir fsyncs a directory so that entries created or renamed in it are durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems refuse fsync on directories; durability there is
	// best effort and not an error for the caller.
	_ = d.Sync()
	return nil
}
