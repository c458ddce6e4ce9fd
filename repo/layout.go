package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The forms of repository git makes, and where each keeps its files:
//
//   - a work tree with a .git directory, or a bare repository;
//   - a work tree whose .git is a file "gitdir: <path>" naming the git
//     directory elsewhere (submodules keep theirs in the superproject's
//     .git/modules/<name>; `git init --separate-git-dir` does the same);
//   - a linked work tree (`git worktree add`): its .git file names
//     .git/worktrees/<id> of the main repository, which holds that work
//     tree's own HEAD, index, logs/HEAD, ORIG_HEAD, MERGE_HEAD..., and a
//     file "commondir" naming the directory that holds what all work trees
//     share: objects, refs, packed-refs, config, the reflogs of refs.
//
// Repository.GitDir is the common directory, so code that reaches objects,
// refs or config through it works in every form; the per-work-tree files
// go through gitPath, which sends each name where git's path.c sends it.

// commonPaths are git's common_list: a path belongs to the common directory
// when the longest of these that prefixes it (at a component boundary for
// directories) says so; any other path (HEAD, index, ORIG_HEAD...) belongs
// to the work tree's own git directory.
var commonPaths = []struct {
	path   string
	dir    bool
	common bool
}{
	{"branches", true, true},
	{"common", true, true},
	{"hooks", true, true},
	{"info", true, true},
	{"info/sparse-checkout", false, false},
	{"logs", true, true},
	{"logs/HEAD", false, false},
	{"logs/refs/bisect", true, false},
	{"logs/refs/rewritten", true, false},
	{"logs/refs/worktree", true, false},
	{"lost-found", true, true},
	{"objects", true, true},
	{"refs", true, true},
	{"refs/bisect", true, false},
	{"refs/rewritten", true, false},
	{"refs/worktree", true, false},
	{"remotes", true, true},
	{"worktrees", true, true},
	{"rr-cache", true, true},
	{"svn", true, true},
	{"config", false, true},
	{"gc.pid", false, true},
	{"packed-refs", false, true},
	{"shallow", false, true},
}

// isCommonPath reports whether rel (slash-separated, relative to a git
// directory) lives in the common directory.
func isCommonPath(rel string) bool {
	best, common := -1, false
	for _, c := range commonPaths {
		if !strings.HasPrefix(rel, c.path) || len(c.path) <= best {
			continue
		}
		rest := rel[len(c.path):]
		if rest == "" || c.dir && rest[0] == '/' {
			best, common = len(c.path), c.common
		}
	}
	return common
}

// gitPath is the file rel (slash-separated, as "HEAD", "logs/HEAD",
// "refs/heads/main") of the repository: in the work tree's own git
// directory or in the common one, as git places it.
func (r *Repository) gitPath(rel string) string {
	dir := r.GitDir
	if r.WorktreeGitDir != "" && r.WorktreeGitDir != r.GitDir && !isCommonPath(rel) {
		dir = r.WorktreeGitDir
	}
	return filepath.Join(dir, filepath.FromSlash(rel))
}

// IsLinkedWorktree reports whether the repository was opened from a work
// tree made by `git worktree add`.
func (r *Repository) IsLinkedWorktree() bool {
	return r.WorktreeGitDir != "" && r.WorktreeGitDir != r.GitDir
}

// readGitFile reads a .git file ("gitdir: <path>") and returns the
// directory it names, relative paths taken from the file's directory.
func readGitFile(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimRight(line, "\r")
	dir, ok := strings.CutPrefix(line, "gitdir: ")
	if !ok || dir == "" {
		return "", fmt.Errorf("invalid gitfile format: %s: %w", file, ErrNotRepository)
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(file), dir)
	}
	dir = filepath.Clean(dir)
	if !isGitDir(dir) {
		return "", fmt.Errorf("not a git repository: %s: %w", dir, ErrNotRepository)
	}
	return dir, nil
}

// commonDir is the common directory of the git directory gitDir: the one
// its "commondir" file names (relative to gitDir), or gitDir itself.
func commonDir(gitDir string) string {
	data, err := os.ReadFile(filepath.Join(gitDir, "commondir"))
	if err != nil {
		return gitDir
	}
	c := strings.TrimRight(string(data), "\r\n")
	if c == "" {
		return gitDir
	}
	if !filepath.IsAbs(c) {
		c = filepath.Join(gitDir, c)
	}
	return filepath.Clean(c)
}

// isGitDir reports whether dir is a git directory, as git's
// is_git_directory decides: a HEAD of its own, and objects and refs in its
// common directory.
func isGitDir(dir string) bool {
	if !validHeadRef(filepath.Join(dir, "HEAD")) {
		return false
	}
	common := commonDir(dir)
	for _, d := range []string{"objects", "refs"} {
		if fi, err := os.Stat(filepath.Join(common, d)); err != nil || !fi.IsDir() {
			return false
		}
	}
	return true
}

// validHeadRef is git's validate_headref: HEAD is a symbolic link into
// refs/, a "ref: refs/..." line, or an object id; anything else (garbage)
// is not a repository's HEAD.
func validHeadRef(path string) bool {
	fi, err := os.Lstat(path)
	if err != nil {
		return false
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		t, err := os.Readlink(path)
		return err == nil && strings.HasPrefix(t, "refs/")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	if rest, ok := strings.CutPrefix(string(data), "ref:"); ok {
		return strings.HasPrefix(strings.TrimLeft(rest, " \t"), "refs/")
	}
	line := strings.TrimRight(string(data), "\n")
	if len(line) != 40 && len(line) != 64 {
		return false
	}
	for _, c := range line {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// dotGitDir resolves a work tree's .git entry, a directory or a gitfile,
// to the git directory it stands for; ok false when it is neither.
func dotGitDir(dotgit string) (string, bool, error) {
	fi, err := os.Stat(dotgit)
	if err != nil {
		return "", false, nil
	}
	if fi.IsDir() {
		return dotgit, isGitDir(dotgit), nil
	}
	dir, err := readGitFile(dotgit)
	if err != nil {
		return "", false, err
	}
	return dir, true, nil
}

// IsNestedRepository reports whether dir (a directory in a work tree) is
// the work tree of another repository: it has a .git directory or gitfile
// that leads to one. clean and status treat such directories as one entry.
func IsNestedRepository(dir string) bool {
	_, ok, _ := dotGitDir(filepath.Join(dir, ".git"))
	return ok
}

// ErrUnsupportedRepository is a repository in a form easel cannot read or
// write safely (SHA-256 ids, reftable refs, an unknown format extension).
var ErrUnsupportedRepository = errors.New("unsupported repository format")

// envWorkTree is the work tree git uses when $GIT_DIR is set without
// $GIT_WORK_TREE: core.worktree (relative to the git directory), none when
// core.bare is true, otherwise the current directory.
func envWorkTree(gitDir, cwd string) string {
	cfg, err := readFileSettings(filepath.Join(commonDir(gitDir), "config"))
	if err != nil {
		return ""
	}
	// core.worktree is per work tree with extensions.worktreeConfig, but
	// the shared config is where git writes it for submodules.
	if v := cfg.all("core.worktree"); len(v) > 0 {
		wt := v[len(v)-1]
		if !filepath.IsAbs(wt) {
			wt = filepath.Join(gitDir, wt)
		}
		return filepath.Clean(wt)
	}
	if v := cfg.all("core.bare"); len(v) > 0 && isTrue(v[len(v)-1]) {
		return ""
	}
	return cwd
}
