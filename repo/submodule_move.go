package repo

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/lockfile"
)

// rm and mv of a submodule follow git: the submodule's own git directory
// is first moved into the superproject (.git/modules/<name>, "absorbed")
// so that deleting or moving its work tree loses no history, and the
// gitfile and core.worktree that tie the two together are rewritten
// whenever either moves. .gitmodules follows the path and is staged.

// submoduleGitDirOf is where the superproject keeps the git directory of
// the submodule called name (git's submodule_name_to_gitdir).
func (r *Repository) submoduleGitDirOf(name string) string {
	return filepath.Join(r.GitDir, "modules", filepath.FromSlash(name))
}

// realPath is git's real_pathdup: absolute, symbolic links resolved as far
// as the path exists.
func realPath(p string) string {
	p, _ = filepath.Abs(p)
	if rp, err := filepath.EvalSymlinks(p); err == nil {
		return rp
	}
	return p
}

// connectWorkTreeAndGitDir writes workTree/.git as a gitfile naming gitDir
// and gitDir's core.worktree naming workTree, both relative, as git's
// connect_work_tree_and_git_dir; with nested, the populated submodules of
// that repository are connected again too (their relative paths changed).
func connectWorkTreeAndGitDir(workTree, gitDir string, nested bool) error {
	if err := os.MkdirAll(workTree, 0o777); err != nil {
		return err
	}
	if err := os.MkdirAll(gitDir, 0o777); err != nil {
		return err
	}
	wt, gd := realPath(workTree), realPath(gitDir)
	toGit, err := filepath.Rel(wt, gd)
	if err != nil {
		return err
	}
	toWork, err := filepath.Rel(gd, wt)
	if err != nil {
		return err
	}
	if err := lockfile.WriteFile(filepath.Join(wt, ".git"), []byte("gitdir: "+filepath.ToSlash(toGit)+"\n"), 0o644); err != nil {
		return err
	}
	if err := setConfigInFile(filepath.Join(gd, "config"), "core.worktree", filepath.ToSlash(toWork)); err != nil {
		return err
	}
	if !nested {
		return nil
	}
	sub, err := openAt(gd, wt)
	if err != nil {
		return nil // no repository there to look into, as git's repo_init failing
	}
	defer sub.Close()
	idx, err := sub.ReadIndex()
	if err != nil {
		return err
	}
	mods := sub.gitmodulesByPath()
	seen := map[string]bool{}
	for _, e := range idx.Entries {
		if e.Mode != filemode.Submodule || seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		m, ok := mods[e.Name]
		if !ok || !sub.submoduleActive(m.name) {
			continue // .gitmodules without it, or not active
		}
		if err := connectWorkTreeAndGitDir(filepath.Join(wt, filepath.FromSlash(e.Name)), sub.submoduleGitDirOf(m.name), true); err != nil {
			return err
		}
	}
	return nil
}

// submoduleActive is git's is_submodule_active without the
// submodule.active pathspec: submodule.<name>.active, else a configured
// submodule.<name>.url.
func (r *Repository) submoduleActive(name string) bool {
	if v, ok, _ := r.ConfigGet("submodule." + name + ".active"); ok {
		b, _ := gitconfig.ParseBool(v, false)
		return b
	}
	_, ok, _ := r.ConfigGet("submodule." + name + ".url")
	return ok
}

// setConfigInFile sets key in the config file at path, as
// git_config_set_in_file.
func setConfigInFile(path, key, value string) error {
	return EditConfigFile(path, func(data []byte) ([]byte, error) {
		k, err := gitconfig.ParseKey(key)
		if err != nil {
			return nil, err
		}
		return gitconfig.Set(data, "file "+path, k, &value, gitconfig.MatchAll(), true)
	})
}

// isGitfile reports whether dir/.git is a gitfile that leads to a
// repository (git's read_gitfile).
func isGitfile(dir string) (string, bool) {
	fi, err := os.Lstat(filepath.Join(dir, ".git"))
	if err != nil || fi.IsDir() {
		return "", false
	}
	gd, err := readGitFile(filepath.Join(dir, ".git"))
	if err != nil {
		return "", false
	}
	return gd, true
}

// submoduleUsesGitfile is git's submodule_uses_gitfile: the submodule at
// dir has a gitfile, and so have all its populated submodules, nested
// ones included.
func submoduleUsesGitfile(dir string) bool {
	gd, ok := isGitfile(dir)
	if !ok {
		return false
	}
	sub, err := openAt(gd, dir)
	if err != nil {
		return true
	}
	defer sub.Close()
	idx, err := sub.ReadIndex()
	if err != nil {
		return true
	}
	for _, e := range idx.Entries {
		if e.Mode != filemode.Submodule || e.Stage > 1 {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(e.Name))
		if _, err := os.Lstat(filepath.Join(p, ".git")); err != nil {
			continue // not populated
		}
		if !submoduleUsesGitfile(p) {
			return false
		}
	}
	return true
}

// isPopulatedDir is git's "file_exists(path) && !is_empty_dir(path)".
func isPopulatedDir(full string) bool {
	if _, err := os.Lstat(full); err != nil {
		return false
	}
	f, err := os.Open(full)
	if err != nil {
		return true
	}
	defer f.Close()
	names, _ := f.Readdirnames(1)
	return len(names) > 0
}

// absorbGitDir moves the git directory of the submodule at path (its
// .git a directory) into the superproject, and does the same inside it
// for its own submodules, as git's absorb_git_dir_into_superproject with
// recursion; prefix is the path of r in the outermost superproject, for
// the "Migrating" notes on errw.
func (r *Repository) absorbGitDir(path, prefix string, errw io.Writer) error {
	wt := filepath.Join(r.WorkDir, filepath.FromSlash(path))
	dotgit := filepath.Join(wt, ".git")
	fi, err := os.Lstat(dotgit)
	if err != nil {
		return nil // not populated
	}
	switch {
	case !fi.IsDir():
		if _, err := readGitFile(dotgit); err != nil {
			// A gitfile leading nowhere: the superproject's own git
			// directory moved; point it where the superproject keeps it.
			name, ok := r.gitmodulesByPath()[path]
			if !ok {
				return fmt.Errorf("could not lookup name for submodule '%s'", path)
			}
			if err := connectWorkTreeAndGitDir(wt, r.submoduleGitDirOf(name.name), false); err != nil {
				return err
			}
		}
	case !strings.HasPrefix(realPath(dotgit), realPath(r.GitDir)):
		if !isGitDir(dotgit) {
			// Nothing to move, and nothing rm may delete unasked.
			return fmt.Errorf("not a git repository: '%s'", dotgit)
		}
		m, ok := r.gitmodulesByPath()[path]
		if !ok {
			return fmt.Errorf("could not lookup name for submodule '%s'", path)
		}
		newDir := r.submoduleGitDirOf(m.name)
		if err := os.MkdirAll(filepath.Dir(newDir), 0o777); err != nil {
			return fmt.Errorf("could not create directory '%s'", newDir)
		}
		oldReal, newReal := realPath(dotgit), filepath.Join(realPath(filepath.Dir(newDir)), filepath.Base(newDir))
		fmt.Fprintf(errw, "Migrating git directory of '%s%s' from\n'%s' to\n'%s'\n", prefix, path, oldReal, newReal)
		if err := os.Rename(oldReal, newReal); err != nil {
			return fmt.Errorf("could not migrate git directory from '%s' to '%s': %v", oldReal, newReal, errors.Unwrap(err))
		}
		if err := connectWorkTreeAndGitDir(wt, newReal, false); err != nil {
			return err
		}
	}
	sub, ok, err := r.openSubmodule(path)
	if err != nil || !ok {
		return err
	}
	defer sub.Close()
	idx, err := sub.ReadIndex()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, e := range idx.Entries {
		if e.Mode != filemode.Submodule || seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		if err := sub.absorbGitDir(e.Name, prefix+path+"/", errw); err != nil {
			return err
		}
	}
	return nil
}

// ErrGitmodulesUnmerged: .gitmodules has conflicts, so rm and mv cannot
// edit it.
var ErrGitmodulesUnmerged = errors.New("Cannot change unmerged .gitmodules, resolve merge conflicts first")

// gitmodulesUnmerged reports whether the index has .gitmodules in
// conflict.
func gitmodulesUnmerged(idx *index.Index) bool {
	for _, e := range idx.Entries {
		if e.Name == ".gitmodules" && e.Stage != 0 {
			return true
		}
	}
	return false
}

// editGitmodules applies edit to the section of the submodule at path in
// .gitmodules, as git's remove_path_from_gitmodules and
// update_path_in_gitmodules: no .gitmodules is nothing to do, no section
// for path a warning; changed reports that the file was written.
func (r *Repository) editGitmodules(idx *index.Index, path string, errw io.Writer, edit func(data []byte, name string) ([]byte, error)) (changed bool, err error) {
	full := filepath.Join(r.WorkDir, ".gitmodules")
	if _, err := os.Stat(full); err != nil {
		return false, nil
	}
	if gitmodulesUnmerged(idx) {
		return false, ErrGitmodulesUnmerged
	}
	m, ok := r.gitmodulesByPath()[path]
	if !ok {
		fmt.Fprintf(errw, "warning: Could not find section in .gitmodules where path=%s\n", path)
		return false, nil
	}
	data, err := os.ReadFile(full)
	if err != nil {
		return false, err
	}
	out, err := edit(data, m.name)
	if err != nil {
		return false, err
	}
	return true, lockfile.WriteFile(full, out, 0o644)
}

// removeFromGitmodules drops the section of the submodule at path.
func (r *Repository) removeFromGitmodules(idx *index.Index, path string, errw io.Writer) (bool, error) {
	return r.editGitmodules(idx, path, errw, func(data []byte, name string) ([]byte, error) {
		out, found, err := gitconfig.RenameSection(data, "file .gitmodules", "submodule."+name, "", true)
		if err != nil || !found {
			fmt.Fprintf(errw, "warning: Could not remove .gitmodules entry for %s\n", path)
			return data, nil
		}
		return out, nil
	})
}

// movePathInGitmodules sets the path of the submodule at from to to.
func (r *Repository) movePathInGitmodules(idx *index.Index, from, to string, errw io.Writer) (bool, error) {
	return r.editGitmodules(idx, from, errw, func(data []byte, name string) ([]byte, error) {
		k, err := gitconfig.ParseKey("submodule." + name + ".path")
		if err != nil {
			return nil, err
		}
		return gitconfig.Set(data, "file .gitmodules", k, &to, gitconfig.MatchAll(), true)
	})
}

// stageGitmodules adds the work tree's .gitmodules to the index.
func (r *Repository) stageGitmodules(idx *index.Index) error {
	full := filepath.Join(r.WorkDir, ".gitmodules")
	fi, err := os.Lstat(full)
	if err != nil {
		return fmt.Errorf("staging updated .gitmodules failed")
	}
	h, err := r.writeWorktreeBlob(full, fi)
	if err != nil {
		return err
	}
	e := blobEntry(".gitmodules", h, filemode.Regular)
	fillStat(e, fi)
	removeEntries(idx, func(x *index.Entry) bool { return x.Name == ".gitmodules" })
	setEntry(idx, e)
	return nil
}
