package remote

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/lockfile"
)

// Where a repository name lives on disk, and how a push creates one.
//
// The root holds repositories and group folders (which hold repositories).
// A push to a name is applied to an existing repository, or creates one
// where nothing exists yet; it never writes into a folder that is there
// but is not a repository (a group folder, a repository's objects/), and
// never creates a repository inside another one. A repository a push
// creates is made complete in a temporary folder beside its place and
// renamed there only once its refs are written, by a rename that fails if
// anything took the place meanwhile, so a refused or interrupted push
// leaves nothing under the name, and never removes anything it did not
// make.

// isBare says whether dir looks like a bare repository: HEAD a file,
// objects and refs folders. A group folder that happens to hold
// repositories named HEAD, objects and refs is not one.
func isBare(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "HEAD"))
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	for _, p := range []string{"objects", "refs"} {
		if fi, err := os.Stat(filepath.Join(dir, p)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// groupDir is the folder of name's group ("" for a name without one).
func (s *Server) groupDir(name string) string {
	g, _, ok := strings.Cut(name, "/")
	if !ok {
		return ""
	}
	return filepath.Join(s.cfg.Root, g)
}

// repoDir is where name lives: Root/name, or Root/name.git if that is what
// exists. Names are validated first, so the result is always under Root.
// A name inside a repository (group/name where group is a repository)
// never names a repository, whatever is on disk there.
func (s *Server) repoDir(name string) (dir string, exists bool) {
	dir = filepath.Join(s.cfg.Root, filepath.FromSlash(name))
	if g := s.groupDir(name); g != "" && isBare(g) {
		return dir, false
	}
	if isBare(dir) {
		return dir, true
	}
	if !strings.HasSuffix(name, ".git") && isBare(dir+".git") {
		return dir + ".git", true
	}
	return dir, false
}

// notARepository is the answer to a push whose name is taken by something
// that is not a repository, or lies inside one.
func notARepository(name, why string) *Problem {
	return &Problem{Type: ProblemBase + "not-a-repository", Title: "Not a repository", Status: 422,
		Detail: fmt.Sprintf("%q: %s; a push creates a repository only where nothing exists", name, why)}
}

// pushTarget is where a push to name goes: an existing repository
// (exists), or a place where nothing exists yet, in the root or in a group
// folder that is not a repository. Anything else is a problem; nothing is
// written to find out.
func (s *Server) pushTarget(name string) (dir string, exists bool, p *Problem, err error) {
	if g := s.groupDir(name); g != "" {
		if isBare(g) {
			return "", false, notARepository(name, fmt.Sprintf("%s is a repository, and repositories do not nest", filepath.Base(g))), nil
		}
		fi, err := os.Stat(g)
		switch {
		case err == nil && !fi.IsDir():
			return "", false, notARepository(name, fmt.Sprintf("%s is not a folder", filepath.Base(g))), nil
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return "", false, nil, err
		}
	}
	dir, exists = s.repoDir(name)
	if exists {
		return dir, true, nil, nil
	}
	if _, err := os.Lstat(dir); err == nil {
		return "", false, notARepository(name, "something that is not a repository is there"), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", false, nil, err
	}
	return dir, false, nil, nil
}

// newRepo is a repository a push is creating: made in tmp/repo, tmp a
// folder beside its place dir, and renamed there by publish. Until then
// nobody sees it.
type newRepo struct {
	dir   string
	tmp   string      // the temporary folder, ours alone (os.MkdirTemp)
	tmpFI fs.FileInfo // tmp as made, to check that what is removed is it
	group string      // a group folder this push made ("" if none)
	grFI  fs.FileInfo
}

// startRepo initialises a bare repository for dir in a temporary folder
// beside it, making the group folder first if there is none. The caller
// holds s.create, so no other creation makes or removes folders meanwhile.
func (s *Server) startRepo(ctx context.Context, name, dir, branch string) (*newRepo, *repo.Repository, error) {
	n := &newRepo{dir: dir}
	parent := filepath.Dir(dir)
	if g := s.groupDir(name); g != "" {
		if err := os.Mkdir(g, 0o755); err == nil {
			n.group = g
			n.grFI, _ = os.Lstat(g)
			os.SameFile(n.grFI, n.grFI) // the id now: Windows reads it lazily, from the path
			lockfile.SyncDir(s.cfg.Root)
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, nil, err
		}
	}
	tmp, err := os.MkdirTemp(parent, ".easel-init-")
	if err != nil {
		n.discard()
		return nil, nil, err
	}
	n.tmp = tmp
	n.tmpFI, _ = os.Lstat(tmp)
	os.SameFile(n.tmpFI, n.tmpFI) // the id now: Windows reads it lazily, from the path
	rp, err := repo.Init(ctx, n.made(), true, branch)
	if err != nil {
		n.discard()
		return nil, nil, err
	}
	return n, rp, nil
}

// made is where the repository is made.
func (n *newRepo) made() string { return filepath.Join(n.tmp, "repo") }

// discard removes what startRepo made, and only that: the temporary
// folder if it is still the one it made, and the group folder if it made
// it and it is empty again.
func (n *newRepo) discard() {
	if n.tmp != "" {
		if fi, err := os.Lstat(n.tmp); err == nil && n.tmpFI != nil && os.SameFile(fi, n.tmpFI) {
			os.RemoveAll(n.tmp)
		}
		n.tmp = ""
	}
	if n.group != "" {
		if fi, err := os.Lstat(n.group); err == nil && n.grFI != nil && os.SameFile(fi, n.grFI) {
			os.Remove(n.group) // fails, as it should, unless empty
		}
		n.group = ""
	}
}

// errPlaceTaken: something appeared where the new repository was to go.
var errPlaceTaken = errors.New("the place was taken meanwhile")

// publish renames the finished repository into its place, failing rather
// than replacing anything that is there now.
func (n *newRepo) publish() error {
	if err := renameNoReplace(n.made(), n.dir); err != nil {
		n.discard()
		if errors.Is(err, fs.ErrExist) {
			return errPlaceTaken
		}
		return err
	}
	os.Remove(n.tmp) // empty now
	n.tmp, n.group = "", ""
	return lockfile.SyncDir(filepath.Dir(n.dir))
}
