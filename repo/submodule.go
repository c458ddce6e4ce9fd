package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/config"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"github.com/go-git/go-git/v5/plumbing/object"

	"easel.dev/easel/repo/lockfile"
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
	var cs [3]*object.Commit
	for i, h := range []plumbing.Hash{base, ours, theirs} {
		if cs[i], err = object.GetCommit(sub.Storer, h); err != nil {
			return plumbing.ZeroHash, false
		}
	}
	follows := func(a, b *object.Commit) bool {
		ok, err := a.IsAncestor(b)
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

// gitmodulesWithout returns the contents of .gitmodules without the
// [submodule] sections whose path is in paths, edited as text so that the
// rest of the file stays byte for byte as it was; ok false when no section
// matched.
func gitmodulesWithout(data []byte, paths map[string]bool) ([]byte, bool, error) {
	cfg := config.New()
	if err := config.NewDecoder(bytes.NewReader(data)).Decode(cfg); err != nil {
		return nil, false, fmt.Errorf(".gitmodules: %v", err)
	}
	names := map[string]bool{}
	for _, s := range cfg.Sections {
		if !strings.EqualFold(s.Name, "submodule") {
			continue
		}
		for _, ss := range s.Subsections {
			if paths[ss.Options.Get("path")] {
				names[ss.Name] = true
			}
		}
	}
	if len(names) == 0 {
		return data, false, nil
	}
	var out bytes.Buffer
	skip := false
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "[") {
			skip = false
			if rest, ok := strings.CutPrefix(t, "["); ok {
				sec, sub, _ := strings.Cut(rest, " ")
				sub = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(sub), "]"))
				if strings.EqualFold(sec, "submodule") && len(sub) >= 2 && sub[0] == '"' && names[sub[1:len(sub)-1]] {
					skip = true
				}
			}
		}
		if !skip {
			out.WriteString(line)
		}
	}
	return out.Bytes(), true, nil
}

// ErrGitmodulesChanged: rm of a submodule would edit a .gitmodules that
// has unstaged changes.
var ErrGitmodulesChanged = errors.New("please stage your changes to .gitmodules or stash them to proceed")

// checkGitmodulesStaged refuses, as git rm does, to edit a .gitmodules
// whose work tree copy differs from the index.
func (r *Repository) checkGitmodulesStaged(idx *index.Index) error {
	full := filepath.Join(r.WorkDir, ".gitmodules")
	fi, err := os.Lstat(full)
	if err != nil {
		return nil
	}
	e := indexEntryMap(idx)[".gitmodules"]
	if e == nil {
		return ErrGitmodulesChanged
	}
	changed, err := r.worktreeChanged(full, e, fi, idx.ModTime)
	if err != nil {
		return err
	}
	if changed {
		return ErrGitmodulesChanged
	}
	return nil
}

// dropFromGitmodules removes the sections of the submodules at paths from
// .gitmodules and stages the file, as git rm does.
func (r *Repository) dropFromGitmodules(idx *index.Index, paths map[string]bool) error {
	full := filepath.Join(r.WorkDir, ".gitmodules")
	data, err := os.ReadFile(full)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	out, ok, err := gitmodulesWithout(data, paths)
	if err != nil || !ok {
		return err
	}
	if err := lockfile.WriteFile(full, out, 0o644); err != nil {
		return err
	}
	h, err := r.writeObject(plumbing.BlobObject, out)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(full)
	if err != nil {
		return err
	}
	e := blobEntry(".gitmodules", h, filemode.Regular)
	fillStat(e, fi)
	setEntry(idx, e)
	return nil
}

// removeSubmoduleWorktree deletes the work tree of the submodule at path
// when its repository lives elsewhere (its .git is a file), so nothing
// of its history is lost; a submodule whose .git is a directory keeps its
// work tree, and an unpopulated one is an empty directory.
func (r *Repository) removeSubmoduleWorktree(path string) error {
	full, err := r.safePath(path)
	if err != nil {
		return err
	}
	if fi, err := os.Lstat(filepath.Join(full, ".git")); err == nil && !fi.IsDir() {
		if err := os.RemoveAll(full); err != nil {
			return err
		}
		r.pruneEmptyDirs(path)
		return nil
	}
	return r.removeWorktreeFile(path)
}

// nestedRepoHead is the commit checked out in a repository at path, a
// directory where the index has a file: git takes it for a gitlink (a
// type change) rather than a deleted file (check_removed).
func (r *Repository) nestedRepoHead(path string) (plumbing.Hash, bool) {
	h, err := r.submoduleHead(path)
	return h, err == nil && !h.IsZero()
}
