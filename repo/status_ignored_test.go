package repo

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Untracked and ignored listings agree with git status --porcelain
// --ignored in every untracked mode, on random trees: ignored files and
// directories inside untracked directories, directories holding only
// ignored files, nested .gitignore files with negations, ignored
// directories below tracked ones.
func TestStatusIgnoredMatchesGitRandom(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	for seed := int64(1); seed <= 12; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			r, dir := initRepo(t)
			files := map[string]string{".gitignore": "*.log\nbuild/\n!keep.log\n"}
			var dirs []string
			for i := 0; i < 4; i++ {
				d := fmt.Sprintf("t%d", i)
				for depth := rng.Intn(3); depth > 0; depth-- {
					d += fmt.Sprintf("/s%d", rng.Intn(2))
				}
				dirs = append(dirs, d)
				files[d+"/tracked.txt"] = "t\n"
			}
			files[dirs[0]+"/.gitignore"] = "*.tmp\n!important.tmp\n"
			writeFiles(t, dir, files)
			if err := r.Add(ctx, []string{"."}, AddOptions{}); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Commit(ctx, CommitOptions{Message: "base"}); err != nil {
				t.Fatal(err)
			}
			names := []string{"a.txt", "b.log", "keep.log", "x.tmp", "important.tmp", "build/o.bin", "build/deep/p", "u/v.txt", "u/w.log", "only/z.log", "u/build/q", "u/only/r.log"}
			extra := map[string]string{}
			for i := 0; i < 14; i++ {
				base := "."
				if rng.Intn(4) > 0 {
					base = dirs[rng.Intn(len(dirs))]
				}
				if rng.Intn(3) == 0 {
					base = filepath.Join(base, fmt.Sprintf("new%d", rng.Intn(2)))
				}
				extra[filepath.ToSlash(filepath.Join(base, names[rng.Intn(len(names))]))] = "x\n"
			}
			writeFiles(t, dir, extra)
			for _, m := range []struct {
				mode UntrackedMode
				flag string
			}{{UntrackedNormal, "normal"}, {UntrackedAll, "all"}, {UntrackedNo, "no"}} {
				for _, ign := range []bool{false, true} {
					args := []string{"status", "--porcelain", "--untracked-files=" + m.flag}
					if ign {
						args = append(args, "--ignored")
					}
					want := sortLines(rungit(t, dir, args...))
					if got := status(t, r, StatusOptions{Untracked: m.mode, Ignored: ign}); got != want {
						t.Errorf("%s\neasel:\n%s\ngit:\n%s\ntree: %s", strings.Join(args[1:], " "), got, want, listFiles(dir))
					}
				}
			}
		})
	}
}

func listFiles(dir string) string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if d != nil && d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d != nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return strings.Join(out, " ")
}
