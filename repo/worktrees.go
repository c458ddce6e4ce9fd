package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
)

// ErrBranchInUse is a branch checked out in another work tree: switching to
// it, deleting it or forcing it elsewhere is refused, as git refuses it.
var ErrBranchInUse = errors.New("branch is checked out in another work tree")

// BranchInUseError names the work tree that has the branch checked out.
type BranchInUseError struct {
	Msg string
}

func (e *BranchInUseError) Error() string { return e.Msg }
func (e *BranchInUseError) Unwrap() error { return ErrBranchInUse }

// worktreeHead is one work tree of the repository and what its HEAD names.
type worktreeHead struct {
	path   string // the work tree's directory
	gitDir string // its own git directory
	branch plumbing.ReferenceName
}

// worktreeHeads lists the repository's work trees, the main one first
// (unless the repository is bare), then those under worktrees/.
func (r *Repository) worktreeHeads() []worktreeHead {
	var out []worktreeHead
	if p := r.mainWorktreePath(); p != "" {
		out = append(out, worktreeHead{path: p, gitDir: r.GitDir, branch: symbolicHead(r.GitDir)})
	}
	ents, _ := os.ReadDir(filepath.Join(r.GitDir, "worktrees"))
	for _, e := range ents {
		dir := filepath.Join(r.GitDir, "worktrees", e.Name())
		if !e.IsDir() || !isGitDir(dir) {
			continue
		}
		// "gitdir" names the work tree's .git file.
		p := dir
		if data, err := os.ReadFile(filepath.Join(dir, "gitdir")); err == nil {
			p = filepath.Dir(strings.TrimRight(string(data), "\r\n"))
		}
		out = append(out, worktreeHead{path: p, gitDir: dir, branch: symbolicHead(dir)})
	}
	return out
}

// mainWorktreePath is the main work tree's directory, "" for a bare
// repository.
func (r *Repository) mainWorktreePath() string {
	if !r.IsLinkedWorktree() {
		return r.WorkDir
	}
	cfg, err := readFileSettings(filepath.Join(r.GitDir, "config"))
	if err != nil {
		return ""
	}
	if v := cfg.all("core.bare"); len(v) > 0 && isTrue(v[len(v)-1]) {
		return ""
	}
	if v := cfg.all("core.worktree"); len(v) > 0 {
		wt := v[len(v)-1]
		if !filepath.IsAbs(wt) {
			wt = filepath.Join(r.GitDir, wt)
		}
		return filepath.Clean(wt)
	}
	return filepath.Dir(r.GitDir)
}

// symbolicHead is the branch the HEAD file of gitDir names ("" when
// detached or unreadable).
func symbolicHead(gitDir string) plumbing.ReferenceName {
	data, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return ""
	}
	if t, ok := strings.CutPrefix(strings.TrimSpace(string(data)), "ref: "); ok {
		return plumbing.ReferenceName(t)
	}
	return ""
}

// checkedOutElsewhere returns the directory of another work tree whose
// HEAD is branch; ok false when none is.
func (r *Repository) checkedOutElsewhere(branch plumbing.ReferenceName) (string, bool) {
	own := r.WorktreeGitDir
	if own == "" {
		own = r.GitDir
	}
	for _, w := range r.worktreeHeads() {
		if w.branch == branch && filepath.Clean(w.gitDir) != filepath.Clean(own) {
			return w.path, true
		}
	}
	return "", false
}

// renameInOtherWorktrees points the HEAD of every other work tree that has
// old checked out at new, and records it in that HEAD's reflog (at tip,
// with msg), as git's branch -m does.
func (r *Repository) renameInOtherWorktrees(old, new plumbing.ReferenceName, tip plumbing.Hash, msg string) error {
	own := filepath.Clean(r.WorktreeGitDir)
	for _, w := range r.worktreeHeads() {
		if w.branch != old || filepath.Clean(w.gitDir) == own {
			continue
		}
		l, err := lockfile.Acquire(filepath.Join(w.gitDir, "HEAD"), 0o644)
		if err != nil {
			return err
		}
		if _, err := l.Write([]byte("ref: " + new.String() + "\n")); err != nil {
			l.Rollback()
			return err
		}
		if err := l.Commit(); err != nil {
			return err
		}
		// The other work tree's view: its own HEAD log, shared objects.
		other := &Repository{GitDir: r.GitDir, WorktreeGitDir: w.gitDir, WorkDir: r.WorkDir, Storer: r.Storer, Objects: r.Objects, format: r.format}
		if err := (&reflogWriter{r: other}).append(plumbing.HEAD, tip, tip, msg); err != nil {
			return err
		}
	}
	return nil
}

func branchInUse(format, name, path string) error {
	return &BranchInUseError{Msg: fmt.Sprintf(format, name, path)}
}
