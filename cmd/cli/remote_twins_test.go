package cli

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// git remote's refusals and warnings, easel against git on twin
// repositories: each command runs in a fresh pair of copies of one
// repository with two remotes, and the exit code, stdout, stderr (in
// full), the config file (byte for byte) and the refs must agree.
func TestRemoteRefusalsAgainstGit(t *testing.T) {
	gittest.Need(t)
	gittest.Pin(t)
	root := t.TempDir()
	base := filepath.Join(root, "base")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	sh := exec.Command("bash", "-e", "-c", `git init -q -b main .
git commit -q --allow-empty -m one
git remote add origin http://127.0.0.1:1/origin
git remote add other http://127.0.0.1:1/other
git update-ref refs/remotes/origin/main HEAD
git update-ref refs/remotes/other/main HEAD
git config --add remote.other.fetch +refs/heads/main:refs/tmp/other/main
git config --add remote.other.fetch 'refs/tags/*:refs/tags/*'
`)
	sh.Dir = base
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("setup: %v: %s", err, out)
	}
	// code is git's exit code, checked too, so that each case keeps testing
	// what it says it does.
	cases := []struct {
		op   []string
		code int
	}{
		{[]string{"remote", "add", "origin", "http://127.0.0.1:1/again"}, 3},
		{[]string{"remote", "add", "origin", "not-a-url"}, 3},
		{[]string{"remote", "add", "bad..name", "http://127.0.0.1:1/x"}, 128},
		{[]string{"remote", "rename", "nope", "x"}, 2},
		{[]string{"remote", "rename", "nope", "bad..x"}, 2},
		{[]string{"remote", "rename", "origin", "other"}, 3},
		{[]string{"remote", "rename", "origin", "origin"}, 3},
		{[]string{"remote", "rename", "origin", "bad..x"}, 128},
		{[]string{"remote", "remove", "nope"}, 2},
		{[]string{"remote", "rm", "nope"}, 2},
		{[]string{"remote", "set-url", "nope", "http://127.0.0.1:1/x"}, 2},
		{[]string{"remote", "set-url", "nope", "not-a-url"}, 2},
		{[]string{"remote", "get-url", "nope"}, 2},
		// Two fetch refspecs that name no refs/remotes/other/: kept,
		// with a warning each; the default one is renamed.
		{[]string{"remote", "rename", "other", "renamed"}, 0},
		{[]string{"remote", "rename", "origin", "upstream"}, 0},
	}
	for i, c := range cases {
		op := c.op
		g, e := twinCopies(t, base, root, strconv.Itoa(i), "-a")
		r := runTwins(t, g, e, op)
		gitCode := 0
		var ee *exec.ExitError
		if errors.As(r.gitErr, &ee) {
			gitCode = ee.ExitCode()
		}
		if gitCode != c.code {
			t.Errorf("%v: git's exit code %d, the case expects %d", op, gitCode, c.code)
		}
		if r.code != gitCode {
			t.Errorf("%v: exit code %d, git's %d", op, r.code, gitCode)
		}
		if r.eout.String() != r.gout.String() {
			t.Errorf("%v: stdout\n%q\ngit's\n%q", op, r.eout.String(), r.gout.String())
		}
		if r.eerr.String() != r.gerr.String() {
			t.Errorf("%v: stderr\n%q\ngit's\n%q", op, r.eerr.String(), r.gerr.String())
		}
		gc, err := os.ReadFile(filepath.Join(g, ".git", "config"))
		if err != nil {
			t.Fatal(err)
		}
		ec, err := os.ReadFile(filepath.Join(e, ".git", "config"))
		if err != nil {
			t.Fatal(err)
		}
		if string(ec) != string(gc) {
			t.Errorf("%v: config\n%s\ngit's\n%s", op, ec, gc)
		}
		refs := []string{"for-each-ref", "--format=%(refname) %(objectname)"}
		if er, gr := gittest.Git(t, e, refs...), gittest.Git(t, g, refs...); er != gr {
			t.Errorf("%v: refs\n%s\ngit's\n%s", op, er, gr)
		}
	}
}
