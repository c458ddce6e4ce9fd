package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"easel.dev/easel/repo/exclude"
	"easel.dev/easel/repo/pathspec"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// CleanOptions select what Clean removes, as git clean's options do.
type CleanOptions struct {
	Dirs        bool     // -d: untracked directories too (else only files in tracked ones)
	Ignored     bool     // -x: the standard ignore rules do not apply
	OnlyIgnored bool     // -X: only ignored files
	Nested      bool     // -ff: nested repositories too
	DryRun      bool     // -n: list, remove nothing
	Paths       []string // limit to these (repository-relative); git's command line sets Dirs with them
	Exclude     []string // -e: more ignore patterns, above all the others
}

// CleanEvent is one line of git clean's report: a path removed (or that
// would be), directories with a trailing "/", or a nested repository
// skipped (Skipped).
type CleanEvent struct {
	Path    string
	Skipped bool
}

// Clean removes untracked files from the work tree as git clean does, and
// returns what it removed (or would remove) in git's order. Tracked files
// are never touched; symbolic links are removed, never followed. Paths
// that the ignore rules (and Exclude) exclude are kept, unless OnlyIgnored
// asks for just those; an untracked directory goes whole only when nothing
// in it is excluded, otherwise its untracked contents go one by one.
func (r *Repository) Clean(ctx context.Context, o CleanOptions) ([]CleanEvent, error) {
	if r.WorkDir == "" {
		return nil, ErrBareRepository
	}
	idx, err := r.ReadIndex()
	if err != nil {
		return nil, err
	}
	w := &cleanWalk{r: r, o: o, ps: pathspec.New(o.Paths), tracked: map[string]bool{}, dirs: map[string]bool{}, skipWT: map[string]*index.Entry{}}
	for _, e := range idx.Entries {
		w.tracked[e.Name] = true
		for d := parentDir(e.Name); d != ""; d = parentDir(d) {
			if w.dirs[d] {
				break
			}
			w.dirs[d] = true
		}
		if e.SkipWorktree && (e.Name == ".gitignore" || strings.HasSuffix(e.Name, "/.gitignore")) {
			w.skipWT[e.Name] = e
		}
	}
	rules := &ignoreRules{fold: r.ConfigBool("core.ignorecase", false)}
	if !o.Ignored {
		rules = r.baseIgnore()
	}
	for _, x := range o.Exclude {
		// -e patterns are checked before every other rule.
		rules.cmdline = append(rules.cmdline, exclude.Parse([]byte(x), "")...)
	}
	if err := w.walk(ctx, "", rules, false); err != nil {
		return nil, err
	}
	sort.Strings(w.found)
	var events []CleanEvent
	for _, p := range w.found {
		if dir, ok := strings.CutSuffix(p, "/"); ok {
			full := filepath.Join(r.WorkDir, filepath.FromSlash(dir))
			if _, err := os.Lstat(full); err != nil {
				continue
			}
			gone, evs := w.removeDir(dir)
			events = append(events, evs...)
			if gone {
				events = append(events, CleanEvent{Path: p})
			}
			continue
		}
		if !o.DryRun {
			if err := os.Remove(filepath.Join(r.WorkDir, filepath.FromSlash(p))); err != nil && !errors.Is(err, os.ErrNotExist) {
				return events, fmt.Errorf("removing %s: %w", p, err)
			}
		}
		events = append(events, CleanEvent{Path: p})
	}
	return events, nil
}

type cleanWalk struct {
	r       *Repository
	o       CleanOptions
	ps      pathspec.Pathspec
	tracked map[string]bool // index entries, any stage
	dirs    map[string]bool // directories holding index entries
	skipWT  map[string]*index.Entry
	found   []string
}

// excluded is git's is_excluded for one path: -e patterns first, then the
// rules of the directory.
func (w *cleanWalk) excluded(rules *ignoreRules, p string, isDir bool) bool {
	return rules.ignored(p, isDir)
}

// childRules reads dir's .gitignore: the file, or when it is not in the
// work tree because the index marks it skip-worktree, the index's blob.
func (w *cleanWalk) childRules(rules *ignoreRules, dir string) *ignoreRules {
	if w.o.Ignored {
		return rules
	}
	rel := walkJoinPath(dir, ".gitignore")
	data, err := os.ReadFile(filepath.Join(w.r.WorkDir, filepath.FromSlash(rel)))
	if err != nil {
		e := w.skipWT[rel]
		if e == nil {
			return rules
		}
		if data, err = w.r.readBlob(e.Hash); err != nil {
			return rules
		}
	}
	return rules.child(dir, data)
}

func walkJoinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// walk visits dir, a directory with tracked files (or one being searched
// for ignored or matching paths), excl saying it is itself excluded.
func (w *cleanWalk) walk(ctx context.Context, dir string, rules *ignoreRules, excl bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ents, err := os.ReadDir(filepath.Join(w.r.WorkDir, filepath.FromSlash(dir)))
	if err != nil {
		return nil
	}
	rules = w.childRules(rules, dir)
	for _, de := range ents {
		name := de.Name()
		if name == ".git" {
			continue
		}
		p := walkJoinPath(dir, name)
		if w.tracked[p] {
			continue // a tracked file, or a submodule
		}
		isDir := de.IsDir()
		ex := excl || w.excluded(rules, p, isDir)
		if !isDir {
			if !w.ps.Match(p) {
				continue
			}
			if ex == w.o.OnlyIgnored {
				w.found = append(w.found, p)
			}
			continue
		}
		if !w.ps.MayContain(p) {
			continue
		}
		if w.dirs[p] {
			if err := w.walk(ctx, p, rules, ex); err != nil {
				return err
			}
			continue
		}
		if err := w.untrackedDir(ctx, p, rules, ex); err != nil {
			return err
		}
	}
	return nil
}

// untrackedDir decides about a directory with nothing tracked in it.
func (w *cleanWalk) untrackedDir(ctx context.Context, p string, rules *ignoreRules, ex bool) error {
	full := filepath.Join(w.r.WorkDir, filepath.FromSlash(p))
	if !w.o.Nested && IsNestedRepository(full) {
		return nil // git leaves a nested repository alone unless -ff
	}
	whole := w.ps.Match(p) || w.ps.Match(p+"/")
	if w.o.OnlyIgnored {
		if ex {
			if w.o.Dirs && whole {
				w.found = append(w.found, p+"/")
			} else if w.o.Dirs {
				return w.walk(ctx, p, rules, true)
			}
			return nil
		}
		if w.o.Dirs && whole && w.onlyExcluded(p, rules) {
			// Nothing but excluded paths inside: git counts the
			// directory itself as ignored.
			w.found = append(w.found, p+"/")
			return nil
		}
		return w.walk(ctx, p, rules, false)
	}
	if ex || !w.o.Dirs {
		return nil
	}
	if whole && !w.holdsExcluded(p, rules) {
		w.found = append(w.found, p+"/")
		return nil
	}
	// Something in it is excluded (or only some paths are asked for):
	// its untracked contents go one by one, the excluded ones stay.
	return w.walk(ctx, p, rules, false)
}

// holdsExcluded reports whether anything under the untracked directory
// dir is excluded (git keeps such a directory and cleans inside it).
func (w *cleanWalk) holdsExcluded(dir string, rules *ignoreRules) bool {
	ents, err := os.ReadDir(filepath.Join(w.r.WorkDir, filepath.FromSlash(dir)))
	if err != nil {
		return false
	}
	rules = w.childRules(rules, dir)
	for _, de := range ents {
		p := dir + "/" + de.Name()
		if de.Name() == ".git" {
			continue
		}
		if w.excluded(rules, p, de.IsDir()) {
			return true
		}
		if de.IsDir() {
			if !w.o.Nested && IsNestedRepository(filepath.Join(w.r.WorkDir, filepath.FromSlash(p))) {
				continue
			}
			if w.holdsExcluded(p, rules) {
				return true
			}
		}
	}
	return false
}

// onlyExcluded reports whether the untracked directory dir holds
// something, and nothing that is not excluded.
func (w *cleanWalk) onlyExcluded(dir string, rules *ignoreRules) bool {
	ents, err := os.ReadDir(filepath.Join(w.r.WorkDir, filepath.FromSlash(dir)))
	if err != nil || len(ents) == 0 {
		return false
	}
	rules = w.childRules(rules, dir)
	for _, de := range ents {
		p := dir + "/" + de.Name()
		if de.Name() == ".git" {
			return false
		}
		if w.excluded(rules, p, de.IsDir()) {
			continue
		}
		if !de.IsDir() || !w.onlyExcluded(p, rules) {
			return false
		}
	}
	return true
}

// removeDir is git's remove_dirs: everything under dir goes, except
// (without -ff) nested repositories, which are reported as skipped. When
// dir cannot go whole, what did go is reported path by path.
func (w *cleanWalk) removeDir(dir string) (bool, []CleanEvent) {
	full := filepath.Join(w.r.WorkDir, filepath.FromSlash(dir))
	if !w.o.Nested && IsNestedRepository(full) {
		return false, []CleanEvent{{Path: dir, Skipped: true}}
	}
	ents, err := os.ReadDir(full)
	if err != nil {
		if !w.o.DryRun && syscall.Rmdir(full) != nil {
			return false, nil
		}
		return true, nil
	}
	gone := true
	var events, dels []CleanEvent
	for _, de := range ents {
		p := dir + "/" + de.Name()
		if de.IsDir() {
			g, evs := w.removeDir(p)
			events = append(events, evs...)
			if g {
				dels = append(dels, CleanEvent{Path: p + "/"})
			} else {
				gone = false
			}
			continue
		}
		if !w.o.DryRun {
			if err := os.Remove(filepath.Join(w.r.WorkDir, filepath.FromSlash(p))); err != nil {
				gone = false
				continue
			}
		}
		dels = append(dels, CleanEvent{Path: p})
	}
	if gone && !w.o.DryRun {
		if err := syscall.Rmdir(full); err != nil {
			gone = false
		}
	}
	if !gone {
		events = append(events, dels...)
	}
	return gone, events
}
