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

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/refs"
)

// DefaultBranch is the branch a new repository starts on.
const DefaultBranch = "main"

// Repository is an open repository. WorkDir is empty for a bare repository.
type Repository struct {
	// GitDir is the repository's common git directory: objects, refs,
	// packed-refs, config. In a linked work tree it is the main
	// repository's, not the work tree's own (see layout.go).
	GitDir string
	// WorktreeGitDir is the work tree's own git directory (HEAD, index,
	// logs/HEAD, MERGE_HEAD...): .git/worktrees/<id> in a linked work
	// tree, else GitDir. Reach its files through gitPath.
	WorktreeGitDir string
	WorkDir        string
	Storer         *Storage // go-git's view: Objects, and refs
	Objects        *odb.DB  // the object database: every object read and write
	// format is what the repository's config says about its format.
	format repoFormat

	filters contentFilters // attributes and conversion, read on first use
	// indexSplitSeen is 1 once an index read was split: it is written
	// split again (index_forms.go). Accessed atomically.
	indexSplitSeen int32
}

// IsBare reports whether the repository has no work tree.
func (r *Repository) IsBare() bool { return r.WorkDir == "" }

// Open finds the repository containing path, as git does: path or the
// nearest ancestor with a .git entry (a directory, or a gitfile naming the
// git directory elsewhere, as linked work trees and submodules have), or
// that is itself a bare repository. $GIT_DIR and $GIT_WORK_TREE, when set,
// choose instead.
func Open(ctx context.Context, path string) (*Repository, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if gd := os.Getenv("GIT_DIR"); gd != "" {
		// Relative to the directory the command runs in (-C moves it).
		if !filepath.IsAbs(gd) {
			gd = filepath.Join(abs, gd)
		}
		if fi, err := os.Stat(gd); err == nil && !fi.IsDir() {
			if gd, err = readGitFile(gd); err != nil {
				return nil, err
			}
		}
		wt := os.Getenv("GIT_WORK_TREE")
		if wt != "" && !filepath.IsAbs(wt) {
			wt = filepath.Join(abs, wt)
		}
		if !isGitDir(gd) {
			return nil, fmt.Errorf("not a git repository: '%s': %w", os.Getenv("GIT_DIR"), ErrNotRepository)
		}
		if wt == "" {
			wt = envWorkTree(gd, abs)
		}
		return openAt(gd, wt)
	}
	for dir := abs; ; {
		gitDir, ok, err := dotGitDir(filepath.Join(dir, ".git"))
		if err != nil {
			return nil, err
		}
		if ok {
			return openAt(gitDir, dir)
		}
		if isGitDir(dir) {
			return openAt(dir, "")
		}
		parent := filepath.Dir(dir)
		if parent == dir || isCeiling(parent) {
			return nil, ErrNotRepository
		}
		dir = parent
	}
}

// isCeiling reports whether dir is one of $GIT_CEILING_DIRECTORIES, which
// discovery does not climb into, as git.
func isCeiling(dir string) bool {
	ceil := os.Getenv("GIT_CEILING_DIRECTORIES")
	if ceil == "" {
		return false
	}
	for _, c := range filepath.SplitList(ceil) {
		if c == "" || !filepath.IsAbs(c) {
			continue
		}
		c = filepath.Clean(c)
		if c == dir {
			return true
		}
		if real, err := filepath.EvalSymlinks(c); err == nil && real == dir {
			return true
		}
	}
	return false
}

// OpenBare opens the bare repository at exactly dir (no discovery).
func OpenBare(dir string) (*Repository, error) {
	if !isGitDir(dir) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotRepository)
	}
	return openAt(dir, "")
}

// Close releases the pack files the repository keeps open. A command that
// exits need not call it; a long-running process (the server) must.
func (r *Repository) Close() error { return r.Storer.Close() }

// openAt opens the repository whose (own) git directory is gitDir.
func openAt(gitDir, workDir string) (*Repository, error) {
	common := commonDir(gitDir)
	format, err := readRepoFormat(common)
	if err != nil {
		return nil, err
	}
	// In a linked work tree HEAD (and the other per-work-tree refs) come
	// from the work tree's own directory, the rest from the common one.
	st := &Storage{refs: refs.Store{Common: common, Worktree: gitDir}}
	if _, err := st.Reference(plumbing.HEAD); err != nil {
		return nil, fmt.Errorf("open %s: no HEAD (%v): %w", gitDir, err, ErrNotRepository)
	}
	st.DB = odb.Open(filepath.Join(common, "objects"))
	r := &Repository{GitDir: common, WorktreeGitDir: gitDir, WorkDir: workDir, Storer: st, Objects: st.DB, format: format}
	r.Storer.openGraph = r.openCommitGraph
	return r, nil
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
		if dir, ok := WorkTreeGitDir(abs); ok {
			gitDir = dir // a .git file naming the repository
		}
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
	if err := os.MkdirAll(tmpParent, 0o777); err != nil { // as git: the umask decides
		return err
	}
	tmp, err := os.MkdirTemp(tmpParent, ".easel-init-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// Not tmp itself: MkdirTemp makes it private (0700), where git's
	// directories take the umask.
	made := filepath.Join(tmp, ".git")
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
		if err := os.MkdirAll(filepath.Join(gitDir, filepath.FromSlash(d)), 0o777); err != nil {
			return err
		}
	}
	traits, err := probeFileSystem(gitDir)
	if err != nil {
		return err
	}
	config := traits.config(bare)
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
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
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
