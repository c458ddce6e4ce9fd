package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/indexfile"
	"easel.dev/easel/repo/lockfile"
)

// The forms of index git makes besides the plain one. A split index
// (core.splitIndex, `git update-index --split-index`) keeps most entries
// in a shared file, .git/sharedindex.<checksum>, which .git/index names in
// its link extension with the changes to apply to it. A sparse index
// (index.sparse with a cone-mode sparse checkout) stands for each
// directory outside the cone, all of it skip-worktree, by one entry of
// mode 040000 naming the directory's tree. Both are read into the whole
// index every command works with. A split index is written split again,
// as git does when it makes a new shared index; a sparse index is written
// whole, which git reads as well and makes sparse again when it next
// writes the index.

// sharedIndexDir is where a split index's shared files are: the git
// directory of the work tree, as git's get_git_dir().
func (r *Repository) sharedIndexDir() string {
	if r.WorktreeGitDir != "" {
		return r.WorktreeGitDir
	}
	return r.GitDir
}

// readSharedIndex completes the split index idx read from path with the
// shared index its link extension names (git's read_index_from and
// merge_base_index). The shared index is in the git directory, or else
// beside the index file (an index elsewhere, GIT_INDEX_FILE, written with
// its own); its modification time is renewed, as git's reader does, so
// that expiry (splitIndex.sharedIndexExpire) spares it.
func (r *Repository) readSharedIndex(idx *index.Index, l *indexfile.Link, path string) (*index.Index, error) {
	atomic.StoreInt32(&r.indexSplitSeen, 1)
	if l.Base.IsZero() {
		return indexfile.MergeSplit(&index.Index{}, idx, l)
	}
	name := "sharedindex." + l.Base.String()
	var base *index.Index
	var baseSum plumbing.Hash
	read := func(p string) error {
		return readIndexFile(p, func(data []byte, _ time.Time) error {
			b, exts, err := indexfile.Decode(data)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if exts.Link != nil || exts.Sparse {
				return fmt.Errorf("%s: a shared index may not be split or sparse", p)
			}
			base = b
			copy(baseSum[:], data[len(data)-20:])
			return nil
		})
	}
	shared := filepath.Join(r.sharedIndexDir(), name)
	err := read(shared)
	if errors.Is(err, os.ErrNotExist) {
		if alt := filepath.Join(filepath.Dir(path), name); alt != shared {
			shared = alt
			err = read(shared)
		}
	}
	if err != nil {
		return nil, err
	}
	if baseSum != l.Base {
		return nil, fmt.Errorf("broken index, expect %s in %s, got %s", l.Base, shared, baseSum)
	}
	now := time.Now()
	os.Chtimes(shared, now, now)
	return indexfile.MergeSplit(base, idx, l)
}

// expandSparseIndex replaces each sparse-directory entry of idx by the
// files of its tree, skip-worktree as the directory was (git's
// ensure_full_index).
func (r *Repository) expandSparseIndex(idx *index.Index) error {
	out := make([]*index.Entry, 0, len(idx.Entries))
	var walk func(prefix string, h plumbing.Hash) error
	walk = func(prefix string, h plumbing.Hash) error {
		ents, err := r.readTreeEntries(h)
		if err != nil {
			return err
		}
		for _, te := range ents {
			if te.isDir() {
				if err := walk(prefix+te.name+"/", te.hash); err != nil {
					return err
				}
				continue
			}
			out = append(out, &index.Entry{Name: prefix + te.name, Hash: te.hash, Mode: te.mode, SkipWorktree: true})
		}
		return nil
	}
	expanded := false
	for _, e := range idx.Entries {
		if !isSparseDir(e) {
			out = append(out, e)
			continue
		}
		expanded = true
		if err := walk(e.Name, e.Hash); err != nil {
			return err
		}
	}
	idx.Entries = out
	if expanded {
		sortIndex(idx)
	}
	return nil
}

// isSparseDir: e is a sparse index's directory entry.
func isSparseDir(e *index.Entry) bool {
	return e.Mode == filemode.Dir && strings.HasSuffix(e.Name, "/")
}

// indexFormConfig is what the config says of the index's form, read at
// once: core.splitIndex (split, when splitSet: a boolean value), and the
// sparse checkout's settings.
type indexFormConfig struct {
	splitSet, split                   bool
	sparseCheckout, cone, sparseIndex bool
}

func (r *Repository) indexForms() indexFormConfig {
	var c indexFormConfig
	vals, err := r.ConfigValues()
	if err != nil {
		return c
	}
	for _, v := range vals {
		var dst *bool
		switch v.Key {
		case "core.splitindex":
			dst = &c.split
		case "core.sparsecheckout":
			dst = &c.sparseCheckout
		case "core.sparsecheckoutcone":
			dst = &c.cone
		case "index.sparse":
			dst = &c.sparseIndex
		default:
			continue
		}
		b, ok := gitconfig.ParseBool(v.Value, v.NoValue)
		if dst == &c.split {
			// A value that is no boolean counts as unset, as in
			// git.
			c.splitSet = ok
		}
		if ok {
			*dst = b
		}
	}
	return c
}

// splitIndexWanted says whether the index is to be written split:
// core.splitIndex when set (true splits an index, false joins one, as
// git's tweak_split_index on reading), else as the index was read.
func (r *Repository) splitIndexWanted(c indexFormConfig) bool {
	if c.splitSet {
		return c.split
	}
	return atomic.LoadInt32(&r.indexSplitSeen) != 0
}

// writeSharedIndex writes the entries of the index encoded in whole (an
// index file without extensions) as the shared index they make,
// .git/sharedindex.<checksum>, unless it is there already (its time is
// then renewed), and returns the checksum. Shared files other than this
// one that splitIndex.sharedIndexExpire (two weeks by default) lets go
// are removed, as git's clean_shared_index_files does.
func (r *Repository) writeSharedIndex(whole []byte) (plumbing.Hash, error) {
	var sum plumbing.Hash
	copy(sum[:], whole[len(whole)-20:])
	dir := r.sharedIndexDir()
	p := filepath.Join(dir, "sharedindex."+sum.String())
	if _, err := os.Stat(p); err == nil {
		now := time.Now()
		os.Chtimes(p, now, now)
	} else {
		l, err := lockfile.Acquire(p, 0o644)
		if err != nil {
			return sum, err
		}
		if _, err := l.Write(whole); err != nil {
			l.Rollback()
			return sum, err
		}
		if err := l.Commit(); err != nil {
			return sum, err
		}
	}
	r.expireSharedIndexes(dir, sum)
	return sum, nil
}

// expireSharedIndexes removes the shared index files of dir other than
// keep last modified at or before splitIndex.sharedIndexExpire.
func (r *Repository) expireSharedIndexes(dir string, keep plumbing.Hash) {
	now := time.Now()
	expire := now.Add(-14 * 24 * time.Hour)
	if v, ok, _ := r.ConfigGet("splitIndex.sharedIndexExpire"); ok {
		t, err := ParseExpiry(v, now)
		if err != nil || t.Equal(ExpireNever) {
			return
		}
		expire = t
		if t.Equal(ExpireAll) {
			expire = now.Add(time.Hour)
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, de := range ents {
		n := de.Name()
		if !strings.HasPrefix(n, "sharedindex.") || n == "sharedindex."+keep.String() || strings.HasSuffix(n, ".lock") {
			continue
		}
		fi, err := de.Info()
		if err == nil && fi.ModTime().Unix() <= expire.Unix() {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// sparseCheckoutLine is what git's long status says of a sparse checkout
// (wt-status.c, show_sparse_checkout_in_use): nothing outside one
// (core.sparseCheckout) or with an empty index; that it is one when git
// holds the index sparse in memory, which it does whenever it may
// (index.sparse in cone mode, the index neither split nor conflicted:
// ensure_correct_sparsity); else the share of tracked files present, the
// entries not skip-worktree.
func (r *Repository) sparseCheckoutLine(idx *index.Index, c indexFormConfig) string {
	if len(idx.Entries) == 0 {
		return ""
	}
	if !c.sparseCheckout {
		return ""
	}
	// git's is_sparse_index_allowed: a cone-mode sparse checkout with
	// index.sparse, and an index that is not split.
	if c.cone && c.sparseIndex && !r.splitIndexWanted(c) && !HasUnmerged(idx) {
		return "You are in a sparse checkout."
	}
	skip := 0
	for _, e := range idx.Entries {
		if e.SkipWorktree {
			skip++
		}
	}
	return fmt.Sprintf("You are in a sparse checkout with %d%% of tracked files present.", 100-100*skip/len(idx.Entries))
}
