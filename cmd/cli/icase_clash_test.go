package cli

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// Case-only clashes under core.ignorecase=true, easel against git on twin
// repositories: each setup leaves branch main checked out and branch
// other one commit ahead of it, then every operation that moves the work
// tree runs in a fresh pair of twins. Exit status (success or not; a
// refusal is easel's would-overwrite code), the first line of stderr,
// `git ls-files -s` and the work tree with its contents must agree.
//
// These run on Linux, whose file system tells README from readme: git's
// results here are the oracle. git's case checks (unpack-trees'
// icase_exists, read_directory's folded index lookups) only bite when the
// lstat of a name finds a file, which on a case-sensitive file system
// happens only for the same name or for a second name of the same file (a
// hard link, used below to stand in for what a case-folding file system
// shows). Where a case-folding file system (macOS, Windows) would give
// another outcome, the case says so.
func TestCaseOnlyClashesAgainstGit(t *testing.T) {
	gittest.Need(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	root := t.TempDir()
	const branch = "git checkout -q -b other\n"
	const back = "git commit -q -m two\ngit checkout -q main\n"
	cases := []struct {
		name  string
		setup string // after `git init -b main` and core.ignorecase=true
		// refused lists the operations git refuses (checked of git too,
		// so that each case keeps testing what it says it does).
		refused []string
	}{
		{
			// A case-folding file system: the same outcome (README
			// goes, readme is written).
			name:  "tracked README, other renames it readme",
			setup: "echo r > README\ngit add README\ngit commit -q -m one\n" + branch + "git rm -q README\necho l > readme\ngit add readme\n" + back,
		},
		{
			// A case-folding file system cannot hold both: git
			// writes readme over README there and the index has two
			// names for one file.
			name:  "tracked README, other adds readme beside it",
			setup: "echo r > README\ngit add README\ngit commit -q -m one\n" + branch + "echo l > readme\ngit add readme\n" + back,
		},
		{
			// On a case-folding file system lstat(foo) finds Foo,
			// which the index does not have: every operation but
			// reset --hard refuses there.
			name:  "untracked Foo, other adds foo",
			setup: "echo x > x\ngit add x\ngit commit -q -m one\n" + branch + "echo l > foo\ngit add foo\n" + back + "echo U > Foo\n",
		},
		{
			name:    "untracked foo, other adds foo",
			setup:   "echo x > x\ngit add x\ngit commit -q -m one\n" + branch + "echo l > foo\ngit add foo\n" + back + "echo U > foo\n",
			refused: []string{"checkout", "switch", "merge", "reset --merge", "reset --keep", "cherry-pick"},
		},
		{
			// readme is README under a second name, as a
			// case-folding file system shows README to lstat(readme):
			// git takes it for the tracked file and lets it go.
			name:  "readme is tracked README's second name, other renames README readme",
			setup: "echo r > README\ngit add README\ngit commit -q -m one\n" + branch + "git rm -q README\necho l > readme\ngit add readme\n" + back + "ln README readme\n",
		},
		{
			// The same with README changed: its change is in the way
			// under both names.
			name:    "readme is changed README's second name",
			setup:   "echo r > README\ngit add README\ngit commit -q -m one\n" + branch + "git rm -q README\necho l > readme\ngit add readme\n" + back + "ln README readme\necho changed > README\n",
			refused: []string{"checkout", "switch", "merge", "reset --merge", "reset --keep", "cherry-pick"},
		},
		{
			// On a case-folding file system Dir and dir are one
			// directory; the result there keeps the spelling Dir.
			name:  "Dir/a tracked, other has dir/b instead",
			setup: "mkdir Dir\necho a > Dir/a\ngit add Dir\ngit commit -q -m one\n" + branch + "git rm -q -r Dir\nmkdir dir\necho b > dir/b\ngit add dir\n" + back,
		},
		{
			name:  "Dir/a tracked, other adds dir/b beside it",
			setup: "mkdir Dir\necho a > Dir/a\ngit add Dir\ngit commit -q -m one\n" + branch + "mkdir dir\necho b > dir/b\ngit add dir\n" + back,
		},
		{
			// dir/x is untracked (the index has Dir/a, not dir/x)
			// and stands in a directory where other has a file.
			name:    "untracked dir/x where other has a file dir, Dir/a tracked",
			setup:   "mkdir Dir\necho a > Dir/a\ngit add Dir\ngit commit -q -m one\n" + branch + "echo f > dir\ngit add dir\n" + back + "mkdir dir\necho u > dir/x\n",
			refused: []string{"checkout", "switch", "merge", "reset --merge", "reset --keep", "cherry-pick"},
		},
		{
			// d/a is untracked on Linux, but the index has d/A, and
			// git's read_directory takes it for that: it goes with
			// the directory. (On a case-folding file system d/a is
			// d/A.) Without core.ignorecase git refuses.
			name:  "untracked d/a beside tracked d/A, other replaces d by a file",
			setup: "mkdir d\necho r > d/A\ngit add d\ngit commit -q -m one\n" + branch + "git rm -q -r d\necho f > d\ngit add d\n" + back + "echo u > d/a\n",
		},
		{
			name:  "rename by case only",
			setup: "echo c > file\ngit add file\ngit commit -q -m one\n" + branch + "git mv file File\n" + back,
		},
		{
			name:    "rename by case only, file changed",
			setup:   "echo c > file\ngit add file\ngit commit -q -m one\n" + branch + "git mv file File\n" + back + "echo changed > file\n",
			refused: []string{"checkout", "switch", "merge", "reset --merge", "reset --keep", "cherry-pick"},
		},
	}
	ops := [][]string{
		{"checkout", "other"},
		{"switch", "other"},
		{"checkout", "other", "--", "."},
		{"reset", "--hard", "other"},
		{"reset", "--merge", "other"},
		{"reset", "--keep", "other"},
		{"merge", "-q", "other"},
		{"cherry-pick", "other"},
	}
	n := 0
	for ci, c := range cases {
		// Each case is set up once (with git, core.ignorecase set at
		// the end so that git add takes names as given) and copied for
		// each operation and tool.
		base := filepath.Join(root, "base", strconv.Itoa(ci))
		if err := os.MkdirAll(base, 0o755); err != nil {
			t.Fatal(err)
		}
		sh := exec.Command("bash", "-e", "-c", "git init -q -b main .\n"+c.setup+"git config core.ignorecase true\n")
		sh.Dir = base
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("%s: setup: %v: %s", c.name, err, out)
		}
		for _, op := range ops {
			n++
			id, name := strconv.Itoa(n), c.name+"/"+strings.Join(op, " ")
			t.Run(name, func(t *testing.T) {
				// cp -a keeps a hard link a hard link.
				g, e := twinCopies(t, base, root, id, "-a")
				r := runTwins(t, g, e, op)
				gitErr, code, gerr, eerr := r.gitErr, r.code, &r.gerr, &r.eerr

				what := op[0]
				if op[0] == "reset" {
					what += " " + op[1]
				}
				wantRefused := false
				for _, r := range c.refused {
					if r == what && !(op[0] == "checkout" && len(op) > 2) {
						wantRefused = true
					}
				}
				if (gitErr != nil) != wantRefused {
					t.Fatalf("git %v: refused %v, the case expects %v: %s", op, gitErr != nil, wantRefused, gerr.String())
				}
				if (code != 0) != (gitErr != nil) {
					t.Fatalf("easel exit %d, git %v\neasel: %s\ngit: %s", code, gitErr, eerr.String(), gerr.String())
				}
				if gitErr != nil && code != ExitWouldOverwrite {
					t.Errorf("easel refused with exit %d, want %d (would overwrite): %s", code, ExitWouldOverwrite, eerr.String())
				}
				if gl, el := firstLine(gerr.String()), firstLine(eerr.String()); gl != el {
					t.Errorf("stderr's first line\n git:   %q\n easel: %q", gl, el)
				}
				if gi, ei := runGit(t, g, "", "ls-files", "-s"), runGit(t, e, "", "ls-files", "-s"); gi != ei {
					t.Errorf("index\n git:\n%s easel:\n%s", gi, ei)
				}
				if gw, ew := workTree(t, g), workTree(t, e); gw != ew {
					t.Errorf("work tree\n git:\n%s easel:\n%s", gw, ew)
				}
			})
		}
	}
}

// twinCopies copies the repository base twice below root (cp with
// cpFlag), for git and for easel, and refreshes both indexes: the copies'
// stat data are new, and a work tree at rest has them recorded.
func twinCopies(t *testing.T, base, root, id, cpFlag string) (g, e string) {
	t.Helper()
	g, e = filepath.Join(root, "g", id), filepath.Join(root, "e", id)
	for _, d := range []string{g, e} {
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("cp", cpFlag, base, d).CombinedOutput(); err != nil {
			t.Fatalf("copy: %v: %s", err, out)
		}
		refresh := exec.Command("git", "update-index", "-q", "--refresh")
		refresh.Dir = d
		refresh.Run()
	}
	return g, e
}

// twinRun is one command line run by git in one twin and by easel in the
// other.
type twinRun struct {
	gitErr                 error // nil, or git's *exec.ExitError
	code                   int   // easel's exit code
	gout, gerr, eout, eerr bytes.Buffer
}

// runTwins runs op with git in g and with easel in e.
func runTwins(t *testing.T, g, e string, op []string) *twinRun {
	t.Helper()
	r := &twinRun{}
	cmd := exec.Command("git", op...)
	cmd.Dir = g
	cmd.Stdout, cmd.Stderr = &r.gout, &r.gerr
	r.gitErr = cmd.Run()
	var ee *exec.ExitError
	if r.gitErr != nil && !errors.As(r.gitErr, &ee) {
		t.Fatal(r.gitErr)
	}
	env := &Env{IO: &IO{In: strings.NewReader(""), Out: &r.eout, Err: &r.eerr, Getenv: os.Getenv}, Dir: e}
	r.code = Run(context.Background(), env, op)
	return r
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// workTree lists the files of a work tree (without .git) with their
// contents.
func workTree(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, filepath.ToSlash(rel)+": "+strings.TrimSpace(string(data)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}
