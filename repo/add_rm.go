package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

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
	// Err receives warnings and notes (a submodule's git directory
	// moved, a .gitmodules section not found); nil discards them.
	Err io.Writer
}

func (o RemoveOptions) errw() io.Writer {
	if o.Err == nil {
		return io.Discard
	}
	return o.Err
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

	entries := indexEntryMap(idx)
	// A conflicted path is judged by "our" side, as git's
	// get_ours_cache_pos; the first entry of a path says whether it is
	// a submodule.
	ours := map[string]*index.Entry{}
	isSub := map[string]bool{}
	for _, e := range idx.Entries {
		if !selected[e.Name] {
			continue
		}
		if _, ok := isSub[e.Name]; !ok {
			isSub[e.Name] = e.Mode == filemode.Submodule
		}
		if e.Stage == 2 {
			ours[e.Name] = e
		}
		if e.Mode == filemode.Submodule && !r.gitmodulesStagingOK(idx) {
			return nil, ErrGitmodulesChanged
		}
	}
	if !opts.Cached && r.WorkDir != "" {
		// Before anything is judged or removed, a submodule whose git
		// directory is inside its work tree has it moved into ours.
		for _, p := range names {
			e := entries[p]
			if e == nil {
				e = ours[p]
			}
			if e == nil || e.Mode != filemode.Submodule {
				continue
			}
			dir := filepath.Join(r.WorkDir, filepath.FromSlash(p))
			if !isPopulatedDir(dir) || submoduleUsesGitfile(dir) {
				continue
			}
			if err := r.absorbGitDir(p, "", opts.errw()); err != nil {
				return nil, err
			}
		}
	}

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
		var staged, local, both []string
		for _, p := range names {
			e := entries[p]
			if e == nil {
				// Conflicted: git rm resolves by removal, except that
				// a populated submodule could lose history.
				e = ours[p]
				if e == nil || e.Mode != filemode.Submodule || !isPopulatedDir(filepath.Join(r.WorkDir, filepath.FromSlash(p))) {
					continue
				}
			}
			if r.WorkDir != "" {
				// A file gone from the work tree (its directory too,
				// or replaced by a file or a directory) has nothing
				// left to lose.
				fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(p)))
				if err != nil || fi.IsDir() && e.Mode != filemode.Submodule {
					continue
				}
			}
			h, inHead := headFiles[p]
			stagedDiff := !inHead || h.hash != e.Hash || h.mode != e.Mode
			wtDiff := false
			if e.Mode == filemode.Submodule && r.WorkDir != "" {
				// A submodule at another commit, or with changes or
				// untracked files of its own (nested submodules
				// included), or with its history in its work tree,
				// would lose them.
				ch, err := r.submoduleChange(ctx, p, e.Hash)
				if err != nil {
					return nil, err
				}
				dir := filepath.Join(r.WorkDir, filepath.FromSlash(p))
				wtDiff = ch != 0 || isPopulatedDir(dir) && !submoduleUsesGitfile(dir)
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
	removeEntries(idx, func(e *index.Entry) bool { return selected[e.Name] })
	if !opts.Cached && r.WorkDir != "" {
		gitmodulesChanged, removed := false, false
		for _, p := range names {
			if !isSub[p] {
				// A directory where the file was cannot be unlinked:
				// fatal before anything else is removed, as git's
				// remove_path failing first; passed over after.
				if fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(p))); err == nil && fi.IsDir() && !removed {
					return nil, fmt.Errorf("rm: '%s': Is a directory", p)
				}
				if err := r.removeWorktreeFile(p); err != nil {
					return nil, err
				}
				removed = true
				continue
			}
			removed = true
			// The submodule's history is in our git directory by now:
			// its work tree goes whole (its parents stay, as git's
			// remove_dir_recursively leaves them).
			full, err := r.safePath(p)
			if err != nil {
				return nil, err
			}
			if err := os.RemoveAll(full); err != nil {
				return nil, fmt.Errorf("could not remove '%s': %w", p, err)
			}
			changed, err := r.removeFromGitmodules(idx, p, opts.errw())
			if err != nil {
				return nil, err
			}
			gitmodulesChanged = gitmodulesChanged || changed
		}
		if gitmodulesChanged {
			if err := r.stageGitmodules(idx); err != nil {
				return nil, err
			}
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
	// Err receives warnings (a .gitmodules section not found); nil
	// discards them.
	Err io.Writer
}

func (o MoveOptions) errw() io.Writer {
	if o.Err == nil {
		return io.Discard
	}
	return o.Err
}

// movedSubmodule is a submodule a move carries along: its gitlink's path
// before and after, and the git directory its gitfile names ("" when its
// .git is a directory, which moves with it).
type movedSubmodule struct {
	from, to, gitDir string
}

// ErrGitmodulesChangedMv is git mv's wording of ErrGitmodulesChanged.
var ErrGitmodulesChangedMv = errors.New("Please stage your changes to .gitmodules or stash them to proceed")

// submodulesMoved lists the submodules moving src to to carries: src
// itself when it is a gitlink, else the gitlinks under it. They need a
// .gitmodules without unstaged changes.
func (r *Repository) submodulesMoved(idx *index.Index, entries map[string]*index.Entry, src, to string) ([]movedSubmodule, error) {
	var out []movedSubmodule
	add := func(from, dest string) error {
		if !r.gitmodulesStagingOK(idx) {
			return ErrGitmodulesChangedMv
		}
		gd, _ := isGitfile(filepath.Join(r.WorkDir, filepath.FromSlash(from)))
		out = append(out, movedSubmodule{from: from, to: dest, gitDir: gd})
		return nil
	}
	if e := entries[src]; e != nil {
		if fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(src))); err != nil || !fi.IsDir() {
			return nil, nil
		}
		if e.Mode != filemode.Submodule {
			return nil, fmt.Errorf("Directory %s is in index and no submodule?", src)
		}
		return out, add(src, to)
	}
	for _, e := range idx.Entries {
		if e.Stage == 0 && e.Mode == filemode.Submodule && strings.HasPrefix(e.Name, src+"/") {
			if fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(e.Name))); err != nil || !fi.IsDir() {
				continue
			}
			if err := add(e.Name, to+e.Name[len(src):]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
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
	var subs [][]movedSubmodule
	ignoreCase := r.ConfigBool("core.ignorecase", false)
	for _, src := range sources {
		m, err := r.moveOne(idx, entries, src, dest, into, ignoreCase, opts)
		var sm []movedSubmodule
		if err == nil {
			sm, err = r.submodulesMoved(idx, entries, m.From, m.To)
		}
		if err != nil {
			if opts.SkipErrors && !errors.Is(err, ErrGitmodulesChangedMv) {
				continue
			}
			return nil, err
		}
		moves = append(moves, m)
		subs = append(subs, sm)
	}
	return r.applyMoves(il, moves, subs, opts)
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
			// git's words alone; the exit code stays easel's "already
			// exists".
			return Rename{}, &refusal{moveError("destination exists", src, to).Error(), ErrAlreadyExists}
		}
	}
	return Rename{From: src, To: to}, nil
}

// applyMoves carries the checked renames out in the work tree and the
// index.
func (r *Repository) applyMoves(il *IndexLock, moves []Rename, subs [][]movedSubmodule, opts MoveOptions) ([]Rename, error) {
	idx := il.Index
	if opts.DryRun {
		return moves, nil
	}
	gitmodulesChanged := false
	for i, m := range moves {
		// As git, the destination's directory must exist: a rename
		// into nowhere fails (and -k passes over it).
		if err := os.Rename(filepath.Join(r.WorkDir, filepath.FromSlash(m.From)), filepath.Join(r.WorkDir, filepath.FromSlash(m.To))); err != nil {
			if opts.SkipErrors {
				continue
			}
			var le *os.LinkError
			if errors.As(err, &le) {
				err = le.Err
			}
			msg := err.Error()
			if msg != "" {
				msg = strings.ToUpper(msg[:1]) + msg[1:]
			}
			return nil, fmt.Errorf("renaming '%s' failed: %s", m.From, msg)
		}
		// Submodules carried along: .gitmodules follows their path,
		// and their gitfile and core.worktree (and those of their own
		// submodules) are written anew for where they are now.
		for _, sm := range subs[i] {
			changed, err := r.movePathInGitmodules(idx, sm.from, sm.to, opts.errw())
			if err != nil {
				return nil, err
			}
			gitmodulesChanged = gitmodulesChanged || changed
			if sm.gitDir != "" {
				if err := connectWorkTreeAndGitDir(filepath.Join(r.WorkDir, filepath.FromSlash(sm.to)), sm.gitDir, true); err != nil {
					return nil, err
				}
			}
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
			if err == nil && e.Stage == 0 && e.Mode != filemode.Submodule {
				// As git's refresh of the renamed entry: stat data is
				// renewed only where the content is what the entry
				// records (checked by content when stat cannot tell).
				changed, err := r.worktreeChanged(full, e, fi, idx.ModTime)
				clean = err == nil && !changed
			}
			e.Name = name
			if clean {
				fillStat(e, fi)
			}
		}
	}
	if gitmodulesChanged {
		if err := r.stageGitmodules(idx); err != nil {
			return nil, err
		}
	}
	sortIndex(idx)
	return moves, il.Commit()
}
