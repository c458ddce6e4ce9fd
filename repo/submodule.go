package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/merge"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/patch"
)

// Submodules are gitlinks (mode 160000) in the index and in trees: the id
// of a commit of another repository whose work tree sits at that path.
// easel never descends into them as its own files: status asks the
// submodule's repository what changed, diff prints "Subproject commit"
// lines, and checkout and merge only move the gitlink.

// SubmoduleChange is how a submodule's work tree differs from the gitlink
// the index records, in git status's words.
type SubmoduleChange uint8

const (
	SubmoduleNewCommits SubmoduleChange = 1 << iota // its HEAD is another commit
	SubmoduleModified                               // tracked files changed in it
	SubmoduleUntracked                              // untracked files in it
)

// String is git's parenthesised note: "new commits, modified content".
func (c SubmoduleChange) String() string {
	var parts []string
	if c&SubmoduleNewCommits != 0 {
		parts = append(parts, "new commits")
	}
	if c&SubmoduleModified != 0 {
		parts = append(parts, "modified content")
	}
	if c&SubmoduleUntracked != 0 {
		parts = append(parts, "untracked content")
	}
	return strings.Join(parts, ", ")
}

// openSubmodule opens the repository checked out at path (relative to the
// work tree); ok false when the submodule is not populated (an empty
// directory, as git leaves a submodule it was not asked to clone).
func (r *Repository) openSubmodule(path string) (*Repository, bool, error) {
	dir := filepath.Join(r.WorkDir, filepath.FromSlash(path))
	gitDir, ok, err := dotGitDir(filepath.Join(dir, ".git"))
	if err != nil || !ok {
		return nil, false, err
	}
	sub, err := openAt(gitDir, dir)
	if err != nil {
		return nil, false, err
	}
	return sub, true, nil
}

// submoduleHead is the commit checked out in the submodule at path; zero
// when it is not populated or has no commit.
func (r *Repository) submoduleHead(path string) (plumbing.Hash, error) {
	sub, ok, err := r.openSubmodule(path)
	if err != nil || !ok {
		return plumbing.ZeroHash, err
	}
	defer sub.Close()
	return sub.Head()
}

// submoduleChange compares the submodule at path with the gitlink want,
// as git status does: another HEAD, then changed and untracked files in
// its own work tree.
func (r *Repository) submoduleChange(ctx context.Context, path string, want plumbing.Hash) (SubmoduleChange, error) {
	sub, ok, err := r.openSubmodule(path)
	if err != nil || !ok {
		return 0, err
	}
	defer sub.Close()
	var c SubmoduleChange
	head, err := sub.Head()
	if err != nil {
		return 0, err
	}
	if head != want {
		c |= SubmoduleNewCommits
	}
	st, err := sub.Status(ctx, StatusOptions{})
	if err != nil {
		return 0, err
	}
	for _, f := range st.Files {
		switch {
		case f.Staged == '?':
			c |= SubmoduleUntracked
		case f.Staged == '!':
		default:
			c |= SubmoduleModified
		}
	}
	return c, nil
}

// submoduleSide is the work tree side of a diff for the gitlink e: the
// commit the submodule has checked out (the recorded one when it is not
// populated), dirty when its tracked files changed; a submodule that is
// gone is a deletion.
func (r *Repository) submoduleSide(ctx context.Context, e *index.Entry) (patch.Side, error) {
	fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(e.Name)))
	if err != nil || !fi.IsDir() {
		return patch.Side{}, nil
	}
	side := patch.Side{Path: e.Name, Mode: filemode.Submodule, Hash: e.Hash}
	sub, ok, err := r.openSubmodule(e.Name)
	if err != nil || !ok {
		return side, err
	}
	defer sub.Close()
	head, err := sub.Head()
	if err != nil {
		return side, err
	}
	if !head.IsZero() {
		side.Hash = head
	}
	st, err := sub.Status(ctx, StatusOptions{Untracked: UntrackedNo})
	if err != nil {
		return side, err
	}
	side.Dirty = !st.Clean()
	return side, nil
}

// gitlinkEntry is the index entry `add` records for the repository at
// path: a gitlink to the commit it has checked out; nil when it has none
// (an unpopulated submodule, a repository without commits).
func (r *Repository) gitlinkEntry(path string) (*index.Entry, error) {
	head, err := r.submoduleHead(path)
	if err != nil || head.IsZero() {
		return nil, err
	}
	return blobEntry(path, head, filemode.Submodule), nil
}

// submoduleFastForward is merge's question about a gitlink both sides
// moved, answered from the submodule's own repository as git's ort does:
// when base precedes both and one side contains the other, the merge takes
// the later one.
func (r *Repository) submoduleFastForward(path string, base, ours, theirs plumbing.Hash) (plumbing.Hash, bool) {
	if r.WorkDir == "" {
		return plumbing.ZeroHash, false
	}
	sub, ok, err := r.openSubmodule(path)
	if err != nil || !ok {
		return plumbing.ZeroHash, false
	}
	defer sub.Close()
	cs := [3]plumbing.Hash{base, ours, theirs}
	for _, h := range cs {
		if _, err := gitobj.GetCommit(sub.Storer, h); err != nil {
			return plumbing.ZeroHash, false
		}
	}
	follows := func(a, b plumbing.Hash) bool {
		ok, err := merge.IsAncestor(context.Background(), sub.Storer, a, b)
		return err == nil && ok
	}
	if !follows(cs[0], cs[1]) || !follows(cs[0], cs[2]) {
		return plumbing.ZeroHash, false
	}
	switch {
	case follows(cs[1], cs[2]):
		return theirs, true
	case follows(cs[2], cs[1]):
		return ours, true
	}
	return plumbing.ZeroHash, false
}

// ErrGitmodulesChanged: rm or mv of a submodule would edit a .gitmodules
// that has unstaged changes.
var ErrGitmodulesChanged = errors.New("please stage your changes to .gitmodules or stash them to proceed")

// gitmodulesStagingOK is git's is_staging_gitmodules_ok: a .gitmodules
// the index has must not differ from it in content (one the index lacks,
// or has in conflict, is fine).
func (r *Repository) gitmodulesStagingOK(idx *index.Index) bool {
	e := indexEntryMap(idx)[".gitmodules"]
	if e == nil || r.WorkDir == "" {
		return true
	}
	full := filepath.Join(r.WorkDir, ".gitmodules")
	fi, err := os.Lstat(full)
	if err != nil {
		return true
	}
	changed, err := r.worktreeChanged(full, e, fi, idx.ModTime)
	return err == nil && !changed
}

// nestedRepoHead is the commit checked out in a repository at path, a
// directory where the index has a file: git takes it for a gitlink (a
// type change) rather than a deleted file (check_removed).
func (r *Repository) nestedRepoHead(path string) (plumbing.Hash, bool) {
	h, err := r.submoduleHead(path)
	return h, err == nil && !h.IsZero()
}
