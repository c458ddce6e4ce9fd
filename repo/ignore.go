package repo

import (
	"os"
	"path/filepath"
	"strings"

	"easel.dev/easel/repo/exclude"
)

// ignoreRules holds the exclude patterns in force in one directory: the
// global excludes file, .git/info/exclude, then every .gitignore from the
// top of the work tree down to this directory, in increasing priority. As
// git's per-directory stack, each level holds its own file's patterns and
// points to the level above, so that entering a directory copies nothing.
type ignoreRules struct {
	patterns []exclude.Pattern
	parent   *ignoreRules // the rules of the directories above; nil at the base
	// cmdline are clean's -e patterns, which take precedence over every
	// file (git's EXC_CMDL).
	cmdline []exclude.Pattern
	// fold is core.ignoreCase: patterns and paths compare without regard
	// to ASCII case (git's WM_CASEFOLD and strncasecmp).
	fold bool
}

// baseIgnore loads core.excludesFile (default $XDG_CONFIG_HOME/git/ignore)
// and .git/info/exclude.
func (r *Repository) baseIgnore() *ignoreRules {
	var ps []exclude.Pattern
	global, ok, _ := r.ConfigGet("core.excludesFile")
	if ok {
		global = expandHome(global)
	} else {
		global = filepath.Join(xdgConfigHome(), "git", "ignore")
	}
	fold := r.ConfigBool("core.ignorecase", false)
	ps = append(ps, readIgnoreFile(global)...)
	ps = append(ps, readIgnoreFile(filepath.Join(r.GitDir, "info", "exclude"))...)
	return &ignoreRules{patterns: ps, fold: fold}
}

// child returns the rules for directory dir (slash path) given the
// contents of its .gitignore file (nil if none).
func (ir *ignoreRules) child(dir string, data []byte) *ignoreRules {
	if data == nil {
		return ir
	}
	own := exclude.Parse(data, dir)
	if len(own) == 0 {
		return ir
	}
	return &ignoreRules{patterns: own, parent: ir, cmdline: ir.cmdline, fold: ir.fold}
}

// match reports whether the patterns exclude path itself (slash-separated,
// relative to the top), its leading directories aside: what a walk that
// does not enter excluded directories asks. The last matching pattern
// decides, as in git.
func (ir *ignoreRules) match(path string, isDir bool) bool {
	if p := exclude.Last(ir.cmdline, path, isDir, ir.fold); p != nil {
		return !p.Negative()
	}
	for l := ir; l != nil; l = l.parent {
		if p := exclude.Last(l.patterns, path, isDir, ir.fold); p != nil {
			return !p.Negative()
		}
	}
	return false
}

// ignored reports whether path is excluded, as git's is_excluded: it is
// when one of its leading directories is (everything below an excluded
// directory is), else when the patterns exclude it.
func (ir *ignoreRules) ignored(path string, isDir bool) bool {
	if len(ir.patterns) == 0 && ir.parent == nil && len(ir.cmdline) == 0 {
		return false
	}
	for i := 0; i < len(path); i++ {
		if path[i] == '/' && ir.match(path[:i], true) {
			return true
		}
	}
	return ir.match(path, isDir)
}

func readIgnoreFile(path string) []exclude.Pattern {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return exclude.Parse(data, "")
}

func xdgConfigHome() string {
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		return x
	}
	return filepath.Join(homeDir(), ".config")
}

func homeDir() string {
	if h := os.Getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func expandHome(p string) string {
	if p == "~" {
		return homeDir()
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(homeDir(), p[2:])
	}
	return p
}
