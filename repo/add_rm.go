package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"easel.dev/easel/repo/pathspec"
	"easel.dev/easel/repo/statuswalk"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// ErrLocalChanges: rm would lose changes that exist only in the index or
// the work tree (use --force, or --cached to keep the file).
var ErrLocalChanges = errors.New("has local changes")

// LocalChangesError lists the paths rm refused, by what would be lost:
// staged content different from both the file and HEAD, changes staged in
// the index, and changes in the work tree.
type LocalChangesError struct {
	Both, Staged, Local []string
}

func (e *LocalChangesError) Error() string {
	var msgs []string
	if len(e.Both) > 0 {
		msgs = append(msgs, "staged content different from both the file and HEAD: "+strings.Join(e.Both, ", "))
	}
	if len(e.Staged) > 0 {
		msgs = append(msgs, "changes staged in the index: "+strings.Join(e.Staged, ", "))
	}
	if len(e.Local) > 0 {
		msgs = append(msgs, "local modifications: "+strings.Join(e.Local, ", "))
	}
	return ErrLocalChanges.Error() + ": " + strings.Join(msgs, "; ")
}

func (e *LocalChangesError) Unwrap() error { return ErrLocalChanges }

// RemoveOptions modify Remove.
type RemoveOptions struct {
	Cached    bool // only remove from the index, keep the file
	Recursive bool // allow a directory pathspec
	Force     bool // remove even with local changes
	DryRun    bool
	// IgnoreUnmatch: a pathspec that matches nothing is passed over.
	IgnoreUnmatch bool
}

// Remove removes tracked paths from the index and (unless Cached) from the
// work tree, as git rm does, refusing to lose content that is not in HEAD
// or the index. It returns the removed paths.
func (r *Repository) Remove(ctx context.Context, paths []string, opts RemoveOptions) ([]string, error) {
	if len(paths) == 0 {
		return nil, &PathspecError{Msg: "no pathspec given"}
	}
	il, err := r.LockIndex()
	if err != nil {
		return nil, err
	}
	defer il.Rollback()
	idx := il.Index
	selected := map[string]bool{}
	// As git's PATHSPEC_STRIP_SUBMODULE_SLASH: "sub/" names the
	// submodule sub itself.
	paths = append([]string(nil), paths...)
	for i, p := range paths {
		if t := strings.TrimRight(p, "/"); t != p && t != "" {
			for _, e := range idx.Entries {
				if e.Name == t && e.Mode == filemode.Submodule {
					paths[i] = t
					break
				}
			}
		}
	}
	ps := pathspec.New(paths)
	for _, m := range ps {
		if m.IsExclude() {
			continue
		}
		p := m.Original
		n := 0
		for _, e := range idx.Entries {
			if m.Match(e.Name) && ps.Match(e.Name) {
				if e.Name != m.Pattern && !opts.Recursive && !m.HasWildcard() && m.Pattern != "" {
					return nil, fmt.Errorf("not removing '%s' recursively without -r", p)
				}
				selected[e.Name] = true
				n++
			}
		}
		if n == 0 && !opts.IgnoreUnmatch {
			return nil, &PathspecError{Pathspec: p}
		}
	}
	var names []string
	for p := range selected {
		names = append(names, p)
	}
	sort.Strings(names)

	if !opts.Force {
		head, err := r.Head()
		if err != nil {
			return nil, err
		}
		headTree, err := r.commitTree(head)
		if err != nil {
			return nil, err
		}
		headFiles, err := r.flattenTree(headTree, nil)
		if err != nil {
			return nil, err
		}
		entries := indexEntryMap(idx)
		var staged, local, both []string
		for _, p := range names {
			e := entries[p]
			if e == nil {
				continue // conflicted: git rm resolves by removal
			}
			if e.Mode != filemode.Submodule && r.WorkDir != "" {
				// A file gone from the work tree (its directory too,
				// or replaced by a file) has nothing left to lose.
				if _, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(p))); errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
					continue
				}
			}
			h, inHead := headFiles[p]
			stagedDiff := !inHead || h.hash != e.Hash || h.mode != e.Mode
			wtDiff := false
			if e.Mode == filemode.Submodule && r.WorkDir != "" {
				// A submodule at another commit, or with changes or
				// untracked files of its own, would lose them.
				ch, err := r.submoduleChange(ctx, p, e.Hash)
				if err != nil {
					return nil, err
				}
				wtDiff = ch != 0
			} else if r.WorkDir != "" {
				full := filepath.Join(r.WorkDir, filepath.FromSlash(p))
				if fi, err := os.Lstat(full); err == nil && !fi.IsDir() {
					if wtDiff, err = r.worktreeChanged(full, e, fi, idx.ModTime); err != nil {
						return nil, err
					}
					if wtDiff && inHead {
						// Content equal to HEAD's is not lost.
						if hh, err := r.hashWorktreeFile(full, fi); err == nil && hh == h.hash {
							wtDiff = false
						}
					}
				}
			}
			switch {
			case stagedDiff && wtDiff:
				// An intent-to-add entry holds no content to lose
				// when the file stays.
				if !opts.Cached || !e.IntentToAdd {
					both = append(both, p)
				}
			case opts.Cached:
				// The file stays; only content staged and not in HEAD
				// and not in the file would be lost (covered above).
			case stagedDiff:
				staged = append(staged, p)
			case wtDiff:
				local = append(local, p)
			}
		}
		if len(both)+len(staged)+len(local) > 0 {
			return nil, &LocalChangesError{Both: both, Staged: staged, Local: local}
		}
	}
	if opts.DryRun {
		return names, nil
	}
	// Submodules leave .gitmodules too (not with --cached, as git).
	subs := map[string]bool{}
	for _, e := range idx.Entries {
		if selected[e.Name] && e.Mode == filemode.Submodule && e.Stage == 0 && !opts.Cached && r.WorkDir != "" {
			subs[e.Name] = true
		}
	}
	if len(subs) > 0 {
		if err := r.checkGitmodulesStaged(idx); err != nil {
			return nil, err
		}
	}
	removeEntries(idx, func(e *index.Entry) bool { return selected[e.Name] })
	if !opts.Cached && r.WorkDir != "" {
		for _, p := range names {
			remove := r.removeWorktreeFile
			if subs[p] {
				remove = r.removeSubmoduleWorktree
			}
			if err := remove(p); err != nil {
				return nil, err
			}
		}
	}
	if len(subs) > 0 {
		if err := r.dropFromGitmodules(idx, subs); err != nil {
			return nil, err
		}
	}
	return names, il.Commit()
}

// MoveOptions modify Move.
type MoveOptions struct {
	Force  bool // overwrite an existing destination
	DryRun bool
	// SkipErrors (-k): a source that cannot move is left out, not fatal.
	SkipErrors bool
	// DestIsDir: the destination was written with a trailing slash, so
	// it must be a directory (or become one by moving a directory).
	DestIsDir bool
}

// moveError is git mv's refusal of one source: what is wrong, then the
// pair.
func moveError(why, src, dst string) error {
	return fmt.Errorf("%s, source=%s, destination=%s", why, src, dst)
}

// Rename is one source -> destination pair Move carried out.
type Rename struct{ From, To string }

// Move renames tracked files or directories in the work tree and the index
// (git mv). With several sources, or a destination that is an existing
// directory, sources move into it.
func (r *Repository) Move(ctx context.Context, sources []string, dest string, opts MoveOptions) ([]Rename, error) {
	if r.WorkDir == "" {
		return nil, ErrBareRepository
	}
	if len(sources) == 0 {
		return nil, &PathspecError{Msg: "nothing to move"}
	}
	il, err := r.LockIndex()
	if err != nil {
		return nil, err
	}
	defer il.Rollback()
	idx := il.Index
	entries := indexEntryMap(idx)
	for _, p := range sources {
		if err := checkAddPath(p); err != nil {
			return nil, err
		}
	}
	if dest != "." {
		if err := checkAddPath(dest); err != nil {
			return nil, err
		}
	}
	destFull := filepath.Join(r.WorkDir, filepath.FromSlash(dest))
	into := false
	if fi, err := os.Stat(destFull); err == nil && fi.IsDir() {
		into = true
	} else if len(sources) > 1 {
		return nil, fmt.Errorf("destination '%s' is not a directory", dest)
	}
	var moves []Rename
	ignoreCase := r.ConfigBool("core.ignorecase", false)
	for _, src := range sources {
		m, err := r.moveOne(idx, entries, src, dest, into, ignoreCase, opts)
		if err != nil {
			if opts.SkipErrors {
				continue
			}
			return nil, err
		}
		moves = append(moves, m)
	}
	return r.applyMoves(il, moves, opts)
}

// moveOne checks one source of Move and names its destination.
func (r *Repository) moveOne(idx *index.Index, entries map[string]*index.Entry, src, dest string, into, ignoreCase bool, opts MoveOptions) (Rename, error) {
	to := dest
	if into {
		to = strings.TrimPrefix(dest+"/"+filepath.Base(src), "./")
		if dest == "." || dest == "" {
			to = filepath.Base(src)
		}
	}
	if src == to || strings.HasPrefix(to, src+"/") {
		return Rename{}, fmt.Errorf("can not move '%s' to a subdirectory of itself", src)
	}
	srcFull := filepath.Join(r.WorkDir, filepath.FromSlash(src))
	fi, err := os.Lstat(srcFull)
	if err != nil {
		return Rename{}, &PathspecError{Pathspec: src, Msg: moveError("bad source", src, to).Error()}
	}
	if opts.DestIsDir && !into && !fi.IsDir() {
		return Rename{}, moveError("destination directory does not exist", src, to)
	}
	tracked := entries[src] != nil
	if !tracked && !fi.IsDir() {
		for _, e := range idx.Entries {
			if e.Name == src && e.Stage != 0 {
				return Rename{}, moveError("conflicted", src, to)
			}
		}
	}
	if fi.IsDir() {
		for name := range entries {
			if strings.HasPrefix(name, src+"/") {
				tracked = true
				break
			}
		}
	}
	if !tracked {
		return Rename{}, &PathspecError{Pathspec: src, Msg: moveError("not under version control", src, to).Error()}
	}
	toFull := filepath.Join(r.WorkDir, filepath.FromSlash(to))
	// With core.ignoreCase, a destination that is the source spelt
	// otherwise is the same file: a rename by case only (git's
	// strcasecmp in mv).
	sameFold := ignoreCase && statuswalk.FoldASCII(src) == statuswalk.FoldASCII(to)
	if _, err := os.Lstat(toFull); err == nil && !sameFold {
		if !opts.Force || fi.IsDir() {
			return Rename{}, fmt.Errorf("destination exists, source=%s, destination=%s: %w", src, to, ErrAlreadyExists)
		}
	}
	return Rename{From: src, To: to}, nil
}

// applyMoves carries the checked renames out in the work tree and the
// index.
func (r *Repository) applyMoves(il *IndexLock, moves []Rename, opts MoveOptions) ([]Rename, error) {
	idx := il.Index
	if opts.DryRun {
		return moves, nil
	}
	for _, m := range moves {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(r.WorkDir, filepath.FromSlash(m.To))), 0o755); err != nil {
			return nil, err
		}
		if err := os.Rename(filepath.Join(r.WorkDir, filepath.FromSlash(m.From)), filepath.Join(r.WorkDir, filepath.FromSlash(m.To))); err != nil {
			return nil, err
		}
		// An entry at the destination that was overwritten (-f) goes.
		removeEntries(idx, func(e *index.Entry) bool { return e.Name == m.To })
		// Rename the index entries, keeping stat data where it vouched
		// for the content (a rename changes only ctime).
		for _, e := range idx.Entries {
			var name string
			switch {
			case e.Name == m.From:
				name = m.To
			case strings.HasPrefix(e.Name, m.From+"/"):
				name = m.To + e.Name[len(m.From):]
			default:
				continue
			}
			full := filepath.Join(r.WorkDir, filepath.FromSlash(name))
			fi, err := os.Lstat(full)
			clean := false
			if err == nil && e.Stage == 0 {
				if uint32(fi.Size()) == e.Size && sameTime(e.ModifiedAt, fi.ModTime()) && !isRacy(e, idx.ModTime) && worktreeMode(fi) == e.Mode {
					clean = true
				}
			}
			e.Name = name
			if clean {
				fillStat(e, fi)
			}
		}
	}
	sortIndex(idx)
	return moves, il.Commit()
}
