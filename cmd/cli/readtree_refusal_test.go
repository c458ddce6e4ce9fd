package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// A merge into an unborn branch is git's read-tree -m -u of the empty tree
// and the merged commit: refused by local files, it prints read-tree's
// error for the first path in its way alone ("not uptodate", "would be
// overwritten by merge" for a staged change, or an untracked file), then
// "fatal: read-tree failed", and exits 128. easel against git on twin
// repositories: exit code, stderr whole, index and work tree.
func TestMergeIntoUnbornRefusalAgainstGit(t *testing.T) {
	gittest.Need(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	root := t.TempDir()
	src := filepath.Join(root, "src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	sh := exec.Command("bash", "-e", "-c", "git init -q -b main .\necho a > a\necho b > b\nmkdir d\necho c > d/c\ngit add -A\ngit commit -q -m one\n")
	sh.Dir = src
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("source: %v: %s", err, out)
	}
	cases := []struct{ name, sh, want string }{
		{
			name: "several untracked files in the way",
			sh:   "echo y > a\necho x > b\nmkdir d\necho z > d/c\n",
			want: "error: Untracked working tree file 'a' would be overwritten by merge.\nfatal: read-tree failed\n",
		},
		{
			name: "a staged file, then untracked ones",
			sh:   "echo y > a\ngit add a\necho x > b\nmkdir d\necho z > d/c\n",
			want: "error: Entry 'a' would be overwritten by merge. Cannot merge.\nfatal: read-tree failed\n",
		},
		{
			name: "staged as the merged commit has it, changed since; an untracked file after",
			sh:   "echo a > a\ngit add a\necho y > a\necho x > b\n",
			want: "error: Untracked working tree file 'b' would be overwritten by merge.\nfatal: read-tree failed\n",
		},
		{
			name: "an untracked file in a directory only",
			sh:   "mkdir d\necho z > d/c\n",
			want: "error: Untracked working tree file 'd/c' would be overwritten by merge.\nfatal: read-tree failed\n",
		},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			base := filepath.Join(root, "base", strconv.Itoa(i))
			if err := os.MkdirAll(base, 0o755); err != nil {
				t.Fatal(err)
			}
			sh := exec.Command("bash", "-e", "-c", "git init -q -b main .\ngit fetch -q "+src+" main:other\n"+c.sh)
			sh.Dir = base
			if out, err := sh.CombinedOutput(); err != nil {
				t.Fatalf("setup: %v: %s", err, out)
			}
			g, e := twinCopies(t, base, root, strconv.Itoa(i), "-a")
			r := runTwins(t, g, e, []string{"merge", "other"})
			gitCode := 0
			if ee, ok := r.gitErr.(*exec.ExitError); ok {
				gitCode = ee.ExitCode()
			}
			if gitCode != 128 || r.gerr.String() != c.want {
				t.Errorf("git exits %d, says %q; the case expects 128, %q", gitCode, r.gerr.String(), c.want)
			}
			if r.code != gitCode {
				t.Errorf("exit code %d, git's %d", r.code, gitCode)
			}
			if r.eerr.String() != r.gerr.String() {
				t.Errorf("stderr\n%s\ngit's\n%s", r.eerr.String(), r.gerr.String())
			}
			if r.eout.String() != r.gout.String() {
				t.Errorf("stdout %q, git's %q", r.eout.String(), r.gout.String())
			}
			if ei, gi := gittest.Git(t, e, "ls-files", "-s"), gittest.Git(t, g, "ls-files", "-s"); ei != gi {
				t.Errorf("index\n%s\ngit's\n%s", ei, gi)
			}
			if ew, gw := workTree(t, e), workTree(t, g); ew != gw {
				t.Errorf("work tree\n%s\ngit's\n%s", ew, gw)
			}
		})
	}
}
