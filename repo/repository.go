// Package repo is the local repository: objects, refs, index, worktree and
// config, stored in git's own on-disk format so that git and easel can work
// on the same repository.
package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/objfs"
	"easel.dev/easel/repo/odb"
)

// DefaultBranch is the branch a new repository starts on.
const DefaultBranch = "main"

// Repository is an open repository. WorkDir is empty for a bare repository.
type Repository struct {
	GitDir  string
	WorkDir string
	Storer  *Storage // go-git's view: refs, config, index; objects from Objects
	Objects *odb.DB  // the object database: every object read and write

	filters contentFilters // attributes and conversion, read on first use
}

// IsBare reports whether the repository has no work tree.
func (r *Repository) IsBare() bool { return r.WorkDir == "" }

// Open finds the repository containing path: path itself if it is a bare
// repository or a git directory, otherwise the nearest ancestor that holds a
// .git directory.
func Open(ctx context.Context, path string) (*Repository, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if gd := os.Getenv("GIT_DIR"); gd != "" {
		gd, _ = filepath.Abs(gd)
		wt := os.Getenv("GIT_WORK_TREE")
		if wt != "" {
			wt, _ = filepath.Abs(wt)
		}
		return openAt(gd, wt)
	}
	for dir := abs; ; {
		dotgit := filepath.Join(dir, ".git")
		if fi, err := os.Stat(dotgit); err == nil && fi.IsDir() && isGitDir(dotgit) {
			return openAt(dotgit, dir)
		}
		if isGitDir(dir) && isBareDir(dir) {
			return openAt(dir, "")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, ErrNotRepository
		}
		dir = parent
	}
}

// OpenBare opens the bare repository at exactly dir (no discovery).
func OpenBare(dir string) (*Repository, error) {
	if !isGitDir(dir) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	return openAt(dir, "")
}

func isGitDir(dir string) bool {
	if fi, err := os.Stat(filepath.Join(dir, "objects")); err != nil || !fi.IsDir() {
		return false
	}
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err != nil {
		return false
	}
	return true
}

// isBareDir tells a bare repository from a plain directory that happens to
// contain "objects" and "HEAD".
func isBareDir(dir string) bool {
	if _, err := os.Stat(filepath.Join(dir, "refs")); err != nil {
		return false
	}
	return true
}

const (
	objectCacheSize = 16 * cache.MiByte
	largeObjectSize = 4 << 20
	maxOpenPacks    = 16
)

// Close releases the pack files the repository keeps open. A command that
// exits need not call it; a long-running process (the server) must.
func (r *Repository) Close() error { return r.Storer.Close() }

func openAt(gitDir, workDir string) (*Repository, error) {
	// go-git's storage serves refs, config, index and shallow. Its object
	// storage (options below) is never reached: Storage sends every object
	// call to odb.
	st := filesystem.NewStorageWithOptions(objfs.New(gitDir), cache.NewObjectLRU(objectCacheSize), filesystem.Options{LargeObjectThreshold: largeObjectSize, MaxOpenDescriptors: maxOpenPacks})
	if _, err := st.Reference(plumbing.HEAD); err != nil {
		return nil, fmt.Errorf("open %s: no HEAD (%v): %w", gitDir, err, ErrNotRepository)
	}
	db := odb.Open(filepath.Join(gitDir, "objects"))
	return &Repository{GitDir: gitDir, WorkDir: workDir, Storer: &Storage{Storage: st, DB: db}, Objects: db}, nil
}

// Init creates a repository at path (a work tree with .git inside, or a bare
// repository) whose HEAD points at branch (DefaultBranch when empty).
// Running it on an existing repository leaves its contents alone.
func Init(ctx context.Context, path string, bare bool, branch string) (*Repository, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if branch == "" {
		branch = DefaultBranch
	}
	if err := ValidateRefName(plumbing.NewBranchReferenceName(branch).String()); err != nil {
		return nil, err
	}
	gitDir := abs
	if !bare {
		gitDir = filepath.Join(abs, ".git")
	}
	if isGitDir(gitDir) {
		if bare {
			return openAt(gitDir, "")
		}
		return openAt(gitDir, abs)
	}
	if err := initAtomically(abs, gitDir, bare, branch); err != nil {
		return nil, fmt.Errorf("init %s: %w", abs, err)
	}
	if bare {
		return openAt(gitDir, "")
	}
	return openAt(gitDir, abs)
}

// initAtomically makes the repository in a temporary directory beside its
// final place and renames it there, so that a process killed half way
// (the server creates repositories on a first push) leaves no
// half-made repository, only a temporary directory. A bare repository in
// an existing directory that is not empty is made in place.
func initAtomically(abs, gitDir string, bare bool, branch string) error {
	tmpParent := abs
	if bare {
		tmpParent = filepath.Dir(abs)
		if ents, err := os.ReadDir(abs); err == nil && len(ents) > 0 {
			return writeLayout(abs, bare, branch)
		}
	}
	if err := os.MkdirAll(tmpParent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(tmpParent, ".easel-init-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	made := tmp
	if !bare {
		made = filepath.Join(tmp, ".git")
	}
	if err := writeLayout(made, bare, branch); err != nil {
		return err
	}
	// An empty directory in the way (mkdir x && easel init --bare x) is
	// replaced; os.Rename refuses to rename onto a directory.
	if fi, err := os.Lstat(gitDir); err == nil && fi.IsDir() {
		os.Remove(gitDir) // fails, as it should, unless empty
	}
	if err := os.Rename(made, gitDir); err != nil {
		return err
	}
	return lockfile.SyncDir(filepath.Dir(gitDir))
}

// writeLayout writes what git init writes into a git directory: the object
// and ref directories, HEAD on the unborn branch and the core settings.
func writeLayout(gitDir string, bare bool, branch string) error {
	for _, d := range []string{"objects/info", "objects/pack", "refs/heads", "refs/tags"} {
		if err := os.MkdirAll(filepath.Join(gitDir, filepath.FromSlash(d)), 0o755); err != nil {
			return err
		}
	}
	config := fmt.Sprintf("[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = %t\n", bare)
	if !bare {
		config += "\tlogallrefupdates = true\n"
	}
	files := []struct{ name, content string }{
		{"HEAD", "ref: " + plumbing.NewBranchReferenceName(branch).String() + "\n"},
		{"config", config},
		{"description", "Unnamed repository; edit this file 'description' to name the repository.\n"},
	}
	for _, f := range files {
		if err := writeFileSynced(filepath.Join(gitDir, f.name), []byte(f.content)); err != nil {
			return err
		}
	}
	return nil
}

// writeFileSynced creates name with data, unless it exists (an existing
// bare repository's directory is initialised in place), and syncs it.
func writeFileSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
