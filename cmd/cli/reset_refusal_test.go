package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// reset --merge and --keep refused by several paths at once, easel against
// git on twin repositories: git's unpack-trees stops at the first path
// in its way (the target's paths in order, then index entries the target
// lacks) and says only that one, so stderr must agree whole.
func TestResetRefusalOrderAgainstGit(t *testing.T) {
	gittest.Need(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	root := t.TempDir()
	const one = "git add -A\ngit commit -q -m one\ngit checkout -q -b other\n"
	const back = "git add -A\ngit commit -q -m two\ngit checkout -q main\n"
	setups := []struct{ name, sh string }{
		{
			// b changed (other changes it too), a untracked where
			// other adds a: a comes first.
			name: "untracked before changed",
			sh:   "echo b > b\necho x > x\n" + one + "echo B > b\necho a > a\n" + back + "echo changed > b\necho u > a\n",
		},
		{
			// c changed where other deletes it: an index entry the
			// target lacks, visited after the target's z.
			name: "deleted changed file after untracked z",
			sh:   "echo c > c\necho x > x\n" + one + "git rm -q c\necho z > z\n" + back + "echo changed > c\necho u > z\n",
		},
		{
			// d/f changed, other replaces d by a file; e untracked
			// where other adds e.
			name: "directory before file",
			sh:   "mkdir d\necho f > d/f\necho x > x\n" + one + "git rm -q -r d\necho d > d\necho e > e\n" + back + "echo changed > d/f\necho u > e\n",
		},
		{
			// a staged (git's plumbing words it apart from a change
			// in the work tree), c changed, other changes both.
			name: "staged change before changed file",
			sh:   "echo a > a\necho c > c\n" + one + "echo A > a\necho C > c\n" + back + "echo staged > a\ngit add a\necho changed > c\n",
		},
		{
			// Only index entries the target lacks: in index order.
			name: "two deleted changed files",
			sh:   "echo p > p\necho q > q\necho x > x\n" + one + "git rm -q p q\n" + back + "echo changed > q\necho changed > p\n",
		},
		{
			// A directory of untracked files where other has a file,
			// before a changed file.
			name: "untracked directory before changed file",
			sh:   "echo m > m\necho x > x\n" + one + "echo k > k\necho M > m\n" + back + "mkdir k\necho u > k/u\necho changed > m\n",
		},
	}
	for i, s := range setups {
		base := filepath.Join(root, "base", strconv.Itoa(i))
		if err := os.MkdirAll(base, 0o755); err != nil {
			t.Fatal(err)
		}
		sh := exec.Command("bash", "-e", "-c", "git init -q -b main .\n"+s.sh)
		sh.Dir = base
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("%s: setup: %v: %s", s.name, err, out)
		}
		for _, mode := range []string{"--merge", "--keep"} {
			t.Run(s.name+"/"+mode, func(t *testing.T) {
				g, e := filepath.Join(root, "g"+mode, strconv.Itoa(i)), filepath.Join(root, "e"+mode, strconv.Itoa(i))
				for _, d := range []string{g, e} {
					os.MkdirAll(filepath.Dir(d), 0o755)
					if out, err := exec.Command("cp", "-a", base, d).CombinedOutput(); err != nil {
						t.Fatalf("copy: %v: %s", err, out)
					}
					refresh := exec.Command("git", "update-index", "-q", "--refresh")
					refresh.Dir = d
					refresh.Run()
				}
				cmd := exec.Command("git", "reset", mode, "other")
				cmd.Dir = g
				var gerr bytes.Buffer
				cmd.Stderr = &gerr
				if cmd.Run() == nil {
					t.Fatalf("git reset %s other went through; the case expects a refusal", mode)
				}
				var eout, eerr bytes.Buffer
				env := &Env{IO: &IO{In: strings.NewReader(""), Out: &eout, Err: &eerr, Getenv: os.Getenv}, Dir: e}
				if code := Run(context.Background(), env, []string{"reset", mode, "other"}); code != ExitWouldOverwrite {
					t.Errorf("easel exit %d, want %d: %s", code, ExitWouldOverwrite, eerr.String())
				}
				if gerr.String() != eerr.String() {
					t.Errorf("stderr\n git:\n%s easel:\n%s", gerr.String(), eerr.String())
				}
				if gi, ei := runGit(t, g, "", "ls-files", "-s"), runGit(t, e, "", "ls-files", "-s"); gi != ei {
					t.Errorf("index\n git:\n%s easel:\n%s", gi, ei)
				}
			})
		}
	}
}
