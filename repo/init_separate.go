package repo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"easel.dev/easel/repo/lockfile"
)

// WorkTreeGitDir is the git directory a work tree's .git (a directory or
// a "gitdir:" file) stands for; ok false when there is none.
func WorkTreeGitDir(workTree string) (string, bool) {
	dir, ok, err := dotGitDir(filepath.Join(workTree, ".git"))
	if err != nil || !ok {
		return "", false
	}
	return dir, true
}

// InitSeparate is git init --separate-git-dir: the repository's git
// directory is gitDir and workTree/.git is a file naming it. An existing
// repository of workTree has its git directory moved to gitDir (a .git
// that is a symbolic link keeps being one: the file is written where it
// points, as git does). reinit reports that the repository existed.
func InitSeparate(ctx context.Context, workTree, gitDir, branch string) (r *Repository, reinit bool, err error) {
	if workTree, err = filepath.Abs(workTree); err != nil {
		return nil, false, err
	}
	if gitDir, err = filepath.Abs(gitDir); err != nil {
		return nil, false, err
	}
	if branch == "" {
		branch = DefaultBranch
	}
	// Inside a linked work tree it is the common directory that moves, and
	// the main work tree whose .git names it (git's init in that case).
	if cur, ok := WorkTreeGitDir(workTree); ok {
		if common := commonDir(cur); common != cur {
			if filepath.Base(common) != ".git" {
				return nil, false, fmt.Errorf("--separate-git-dir incompatible with bare repository")
			}
			workTree = filepath.Dir(common)
		}
	}
	dotgit := filepath.Join(workTree, ".git")
	moved := false
	switch current, ok := WorkTreeGitDir(workTree); {
	case ok && sameDir(current, gitDir):
		reinit = true
	case ok:
		if _, err := os.Lstat(gitDir); err == nil {
			return nil, false, fmt.Errorf("unable to move %s to %s: %w", current, gitDir, os.ErrExist)
		}
		current = resolveLink(current) // a .git symlink stays; its target moves
		if err := os.Rename(current, gitDir); err != nil {
			return nil, false, fmt.Errorf("unable to move %s to %s: %w", current, gitDir, err)
		}
		reinit, moved = true, true
	case isGitDir(gitDir):
		reinit = true
	default:
		if err := makeGitDir(gitDir, branch); err != nil {
			return nil, false, fmt.Errorf("init %s: %w", gitDir, err)
		}
	}
	if err := os.MkdirAll(workTree, 0o777); err != nil {
		return nil, false, err
	}
	if fi, err := os.Lstat(dotgit); err == nil && fi.IsDir() {
		// The git directory that was here has moved away.
		if err := os.Remove(dotgit); err != nil {
			return nil, false, err
		}
	}
	if err := lockfile.WriteFile(resolveLink(dotgit), []byte("gitdir: "+filepath.ToSlash(gitDir)+"\n"), 0o644); err != nil {
		return nil, false, err
	}
	if moved {
		if err := repairWorktrees(gitDir); err != nil {
			return nil, false, err
		}
	}
	r, err = openAt(gitDir, workTree)
	return r, reinit, err
}

// repairWorktrees points the .git file of each linked work tree of the
// repository whose common directory is now common at its new place, as
// git's repair_worktrees does after the directory moved. A work tree that
// is gone is left to "worktree prune".
func repairWorktrees(common string) error {
	ents, err := os.ReadDir(filepath.Join(common, "worktrees"))
	if err != nil {
		return nil // no linked work trees
	}
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		wtGitDir := filepath.Join(common, "worktrees", e.Name())
		data, err := os.ReadFile(filepath.Join(wtGitDir, "gitdir"))
		if err != nil {
			continue
		}
		dotgit := strings.TrimRight(string(data), "\r\n")
		if !filepath.IsAbs(dotgit) {
			dotgit = filepath.Join(wtGitDir, dotgit)
		}
		if fi, err := os.Lstat(dotgit); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		if err := lockfile.WriteFile(dotgit, []byte("gitdir: "+filepath.ToSlash(wtGitDir)+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// makeGitDir writes a new non-bare git directory at gitDir, whole or not
// at all (made beside it and renamed into place).
func makeGitDir(gitDir, branch string) error {
	parent := filepath.Dir(gitDir)
	if err := os.MkdirAll(parent, 0o777); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".easel-init-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	made := filepath.Join(tmp, ".git") // tmp itself is private (0700)
	if err := writeLayout(made, false, branch); err != nil {
		return err
	}
	if fi, err := os.Lstat(gitDir); err == nil && fi.IsDir() {
		os.Remove(gitDir) // an empty directory in the way; fails otherwise
	}
	if err := os.Rename(made, gitDir); err != nil {
		return err
	}
	return lockfile.SyncDir(parent)
}

// resolveLink follows p while it is a symbolic link, so that a write
// replaces what the link names and the link stays.
func resolveLink(p string) string {
	for i := 0; i < 40; i++ {
		t, err := os.Readlink(p)
		if err != nil {
			return p
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(p), t)
		}
		p = t
	}
	return p
}

// sameDir reports whether a and b name the same directory.
func sameDir(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		return filepath.Clean(a) == filepath.Clean(b)
	}
	return os.SameFile(fa, fb)
}
