package repo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/indexfile"
	"easel.dev/easel/repo/lockfile"
)

// The index file's format is package indexfile's; this file finds the
// index of a repository and reads and writes it whole. The cache tree (TREE)
// is kept up to date and written with it (cachetree.go); the other
// optional extensions are dropped when the index is read, as git drops an
// optional extension it does not maintain (see indexfile). The in-memory
// state of an index read (entries refreshed, racy entries) is in
// index_state.go, the read-modify-write under index.lock in index_lock.go.

func (r *Repository) indexPath() string {
	// As git, GIT_INDEX_FILE names another index to work on.
	if p := os.Getenv("GIT_INDEX_FILE"); p != "" {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	return r.gitPath("index")
}

// newIndexVersion is the version of an index made from nothing: git's
// GIT_INDEX_VERSION, then index.version, else 2.
func (r *Repository) newIndexVersion() uint32 {
	v := os.Getenv("GIT_INDEX_VERSION")
	if v == "" {
		v, _, _ = r.ConfigGet("index.version")
	}
	switch strings.TrimSpace(v) {
	case "3":
		return 3
	case "4":
		return 4
	}
	return 2
}

// ReadIndex reads .git/index; a repository without one has an empty
// version 2 index. Index.ModTime is the index file's modification time,
// which the racy-git rule compares entries against.
func (r *Repository) ReadIndex() (*index.Index, error) {
	path := r.indexPath()
	var idx *index.Index
	err := readIndexFile(path, func(data []byte, modTime time.Time) error {
		var err error
		idx, err = r.decodeIndex(data, path)
		var ue *UnsupportedRepositoryError
		if errors.As(err, &ue) {
			ue.Path = path
			return err
		}
		if err != nil {
			return fmt.Errorf("index: %w: %v", ErrCorruptObject, err)
		}
		idx.ModTime = modTime
		return nil
	})
	if errors.Is(err, os.ErrNotExist) {
		return &index.Index{Version: r.newIndexVersion()}, nil
	}
	if err != nil {
		return nil, err
	}
	return idx, nil
}

// decodeIndex reads an index file's content, keeping the extensions'
// findings with the index; an extension git requires a reader to know is
// refused as an unsupported repository.
func (r *Repository) decodeIndex(data []byte, path string) (*index.Index, error) {
	idx, exts, err := indexfile.Decode(data)
	var me *indexfile.MandatoryExtensionError
	if errors.As(err, &me) {
		return nil, &UnsupportedRepositoryError{Reason: me.Reason()}
	}
	if err != nil {
		return nil, err
	}
	if exts.Link != nil {
		// The cache tree covers the whole index, not the entries of
		// this file.
		if idx, err = r.readSharedIndex(idx, exts.Link, path); err != nil {
			return nil, err
		}
		exts.TreeRoot = indexfile.TreeRoot(exts.Tree, len(idx.Entries))
		stateOf(idx).split = true
	}
	if exts.Sparse {
		// The cache tree counts the directory entries as one each:
		// only its root stays true of the expanded entries.
		if err := r.expandSparseIndex(idx); err != nil {
			return nil, err
		}
		exts.Tree = nil
		stateOf(idx).sparse = true
	}
	if !exts.TreeRoot.IsZero() {
		stateOf(idx).treeRoot = exts.TreeRoot
	}
	if exts.Tree != nil {
		// Parsed only when the index is written: a command that only
		// reads the index (status) would spend an allocation or two
		// per directory for nothing.
		stateOf(idx).cacheText = exts.Tree
	}
	return idx, nil
}

// sortIndex orders entries as git requires: by name bytes, then stage.
func sortIndex(idx *index.Index) { indexfile.Sort(idx) }

// WriteIndex replaces .git/index with idx atomically. Use LockIndex instead
// when the new index is derived from the current one.
func (r *Repository) WriteIndex(idx *index.Index) error {
	l, err := lockfile.Acquire(r.indexPath(), 0o644)
	if err != nil {
		return err
	}
	if err := r.writeIndexTo(l, idx); err != nil {
		l.Rollback()
		return err
	}
	return l.Commit()
}

func (r *Repository) writeIndexTo(w io.Writer, idx *index.Index) error {
	r.smudgeRacy(idx)
	var buf bytes.Buffer
	buf.Grow(len(idx.Entries) * 80)
	if r.splitIndexWanted(r.indexForms()) {
		// As git when it makes a new shared index: every entry in the
		// shared file, none in the index, whose link names the shared
		// file with empty bitmaps and which keeps the extensions.
		if err := indexfile.Encode(&buf, idx); err != nil {
			return err
		}
		sum, err := r.writeSharedIndex(buf.Bytes())
		if err != nil {
			return err
		}
		tree := r.cacheTreeExtension(idx)
		buf.Reset()
		if err := indexfile.Encode(&buf, &index.Index{Version: idx.Version}, indexfile.LinkExtension(sum), tree); err != nil {
			return err
		}
	} else if err := indexfile.Encode(&buf, idx, r.cacheTreeExtension(idx)); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	indexMeta.Delete(idx)
	return err
}
