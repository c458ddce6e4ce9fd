package repo

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Pieces of ignore patterns covering git's kinds: literals, "*.ext",
// prefixes, classes, escapes, anchored and path patterns, "**" in every
// position, directory-only and negated patterns, trailing spaces.
var ignorePatternPieces = []string{
	"a", "b", "c", "A", "B.O", "b.o", "foo", "xfoo", "*.o", "*.O", "a*", "*b*", "?.o", "[ab].o",
	"[!a]*", "[^b]", "[[:digit:]]*", "[[:upper:]]", "f?o", "**/b", "a/**", "a/**/c", "**/a/b", "/a", "/b",
	"/a/b", "a/b", "*/b", "a/*", "b/", "/c/", "**", "foo**", "**foo", "a**b", `\#x`, `\!x`, "x ", `x\ `,
	"c/a", "b/**/", "/*", "*", "[a-c]", "c*/", "**/", "a/b/c",
}

var ignoreNames = []string{"a", "b", "c", "A", "B", "b.o", "B.O", "1x", "foo", "xfoo", "foox", "#x", "!x", "x ", "c.o", "ab"}

// The ignore rules exclude what git check-ignore --no-index excludes, on
// random pattern files at the top, in a subdirectory and in
// .git/info/exclude, over random trees of files and directories, with
// and without core.ignoreCase.
func TestIgnoredMatchesGitCheckIgnore(t *testing.T) {
	needGit(t)
	gitEnv(t)
	for seed := int64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			r, dir := initRepo(t)
			patterns := func(n int) string {
				var b strings.Builder
				for i := 0; i < n; i++ {
					p := ignorePatternPieces[rng.Intn(len(ignorePatternPieces))]
					if rng.Intn(4) == 0 {
						p = "!" + p
					}
					b.WriteString(p + "\n")
				}
				return b.String()
			}
			// Paths: files at the leaves, directories above them.
			paths := map[string]bool{} // path -> is a directory
			for i := 0; i < 60; i++ {
				var parts []string
				for d := 1 + rng.Intn(3); d > 0; d-- {
					parts = append(parts, ignoreNames[rng.Intn(len(ignoreNames))])
				}
				clash := false
				for j := 1; j <= len(parts); j++ {
					q := strings.Join(parts[:j], "/")
					isDir, seen := paths[q]
					if seen && isDir != (j < len(parts)) {
						clash = true
					}
				}
				if clash {
					continue
				}
				for j := 1; j <= len(parts); j++ {
					paths[strings.Join(parts[:j], "/")] = j < len(parts)
				}
			}
			files := map[string]string{".gitignore": patterns(8)}
			for p, isDir := range paths {
				if !isDir {
					files[p] = "x\n"
				}
			}
			// A nested .gitignore in one of the directories.
			var dirs []string
			for p, isDir := range paths {
				if isDir {
					dirs = append(dirs, p)
				}
			}
			sort.Strings(dirs)
			if len(dirs) > 0 {
				files[dirs[rng.Intn(len(dirs))]+"/.gitignore"] = patterns(5)
			}
			writeFiles(t, dir, files)
			if err := os.MkdirAll(filepath.Join(dir, ".git", "info"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, ".git", "info", "exclude"), []byte(patterns(3)), 0o644); err != nil {
				t.Fatal(err)
			}
			var list []string
			for p := range paths {
				list = append(list, p)
			}
			sort.Strings(list)
			for _, fold := range []string{"false", "true"} {
				rungit(t, dir, "config", "core.ignorecase", fold)
				cmd := exec.Command("git", "check-ignore", "--no-index", "--stdin", "-z")
				cmd.Dir = dir
				cmd.Stdin = strings.NewReader(strings.Join(list, "\x00") + "\x00")
				out, err := cmd.Output()
				if err != nil && len(out) > 0 {
					t.Fatalf("git check-ignore: %v", err)
				}
				want := map[string]bool{}
				for _, p := range strings.Split(string(out), "\x00") {
					if p != "" {
						want[p] = true
					}
				}
				for _, p := range list {
					got := r.rulesFor(parentDir(p)).ignored(p, paths[p])
					if got != want[p] {
						t.Errorf("ignorecase=%s: %q (dir %v): easel ignored=%v, git %v\n.gitignore:\n%s", fold, p, paths[p], got, want[p], files[".gitignore"])
					}
				}
			}
		})
	}
}
