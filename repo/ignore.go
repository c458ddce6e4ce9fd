package repo

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"easel.dev/easel/repo/statuswalk"
)

// ignoreRules holds the exclude patterns in force in one directory: the
// global excludes file, .git/info/exclude, then every .gitignore from the
// top of the work tree down to this directory, in increasing priority.
// Children share their parent's slice prefix and append their own.
type ignoreRules struct {
	patterns []gitignore.Pattern
	// fold is core.ignoreCase: patterns and paths compare without regard
	// to ASCII case (git's WM_CASEFOLD and strncasecmp). Patterns are
	// stored folded and paths folded before matching.
	fold bool
}

// baseIgnore loads core.excludesFile (default $XDG_CONFIG_HOME/git/ignore)
// and .git/info/exclude.
func (r *Repository) baseIgnore() *ignoreRules {
	var ps []gitignore.Pattern
	global, ok, _ := r.ConfigGet("core.excludesFile")
	if ok {
		global = expandHome(global)
	} else {
		global = filepath.Join(xdgConfigHome(), "git", "ignore")
	}
	fold := r.ConfigBool("core.ignorecase", false)
	ps = append(ps, readIgnoreFile(global, nil, fold)...)
	ps = append(ps, readIgnoreFile(filepath.Join(r.GitDir, "info", "exclude"), nil, fold)...)
	return &ignoreRules{patterns: ps, fold: fold}
}

// child returns the rules for directory dir (slash path) given the
// contents of its .gitignore file (nil if none).
func (ir *ignoreRules) child(dir string, data []byte) *ignoreRules {
	if data == nil {
		return ir
	}
	var domain []string
	if dir != "" {
		domain = strings.Split(foldIf(ir.fold, dir), "/")
	}
	own := parseIgnore(data, domain, ir.fold)
	if len(own) == 0 {
		return ir
	}
	ps := make([]gitignore.Pattern, 0, len(ir.patterns)+len(own))
	ps = append(ps, ir.patterns...)
	ps = append(ps, own...)
	return &ignoreRules{patterns: ps, fold: ir.fold}
}

// ignored reports whether path (slash-separated, relative to the top) is
// excluded. The last matching pattern decides, as in git.
func (ir *ignoreRules) ignored(path string, isDir bool) bool {
	if len(ir.patterns) == 0 {
		return false
	}
	parts := strings.Split(foldIf(ir.fold, path), "/")
	for i := len(ir.patterns) - 1; i >= 0; i-- {
		if m := ir.patterns[i].Match(parts, isDir); m != gitignore.NoMatch {
			return m == gitignore.Exclude
		}
	}
	return false
}

func readIgnoreFile(path string, domain []string, fold bool) []gitignore.Pattern {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return parseIgnore(data, domain, fold)
}

// foldIf lowers ASCII letters when fold is set (git folds ASCII only).
func foldIf(fold bool, s string) string {
	if !fold {
		return s
	}
	return statuswalk.FoldASCII(s)
}

// parseIgnore parses gitignore lines: blank lines and "#" comments are
// skipped, "\#" and "\!" escape a leading character, unescaped trailing
// spaces are dropped. With fold the patterns are folded to lower case
// (see ignoreRules.fold).
func parseIgnore(data []byte, domain []string, fold bool) []gitignore.Pattern {
	var ps []gitignore.Pattern
	// As git: a UTF-8 byte order mark at the start is not part of the
	// first pattern.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, `\#`) || strings.HasPrefix(line, `\!`) {
			// go-git's parser has no escapes for these; a leading
			// character class matches the literal character.
			line = "[" + line[1:2] + "]" + line[2:]
		}
		ps = append(ps, gitignore.ParsePattern(foldIf(fold, line), domain))
	}
	return ps
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
