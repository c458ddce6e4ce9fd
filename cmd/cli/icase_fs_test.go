package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// icaseDirEnv names a directory on a case-insensitive, case-preserving file
// system for the tests that need one where the temporary directory tells
// a from A (Linux).
const icaseDirEnv = "EASEL_TEST_ICASE_DIR"

// caseInsensitiveDir is a fresh directory on a case-insensitive file
// system: under $EASEL_TEST_ICASE_DIR when set (which must be one), else the
// test's temporary directory when it is one (macOS, Windows); otherwise
// the test is skipped with how to run it.
func caseInsensitiveDir(t *testing.T) string {
	t.Helper()
	if base := os.Getenv(icaseDirEnv); base != "" {
		dir, err := os.MkdirTemp(base, "easel-icase-")
		if err != nil {
			t.Fatalf("%s: %v", icaseDirEnv, err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		if !foldsCase(t, dir) {
			t.Fatalf("%s=%s: the file system there tells a from A", icaseDirEnv, base)
		}
		return dir
	}
	dir := t.TempDir()
	if !foldsCase(t, dir) {
		t.Skipf("no case-insensitive file system: %s tells a from A; set %s to a directory on one, e.g. an exFAT image through FUSE: "+
			"truncate -s 512M /tmp/ci.img && mkfs.exfat /tmp/ci.img && mkdir -p /mnt/ci && "+
			"mount.exfat-fuse $(losetup -f --show /tmp/ci.img) /mnt/ci && %s=/mnt/ci go test ./cmd/cli -run CaseInsensitive",
			dir, icaseDirEnv, icaseDirEnv)
	}
	return dir
}

// foldsCase makes a file in dir and looks it up spelt in upper case.
func foldsCase(t *testing.T, dir string) bool {
	t.Helper()
	p := filepath.Join(dir, "probe-a")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(p)
	_, err := os.Lstat(filepath.Join(dir, "PROBE-A"))
	return err == nil
}

// easel init on a case-insensitive file system writes the settings git
// writes there after probing it (core.ignorecase and what else the file
// system lacks). clone makes its repository through the same repo.Init
// (it reaches http remotes only, so it is not run here).
func TestCaseInsensitiveInitProbesAsGit(t *testing.T) {
	gittest.Need(t)
	gittest.Pin(t)
	dir := caseInsensitiveDir(t)
	core := func(d string) string {
		out, _ := gittest.Try(d, "config", "--local", "--get-regexp", `^core\.`)
		return out
	}
	gittest.Git(t, dir, "init", "-q", "g")
	run := func(args ...string) {
		t.Helper()
		var out, errOut bytes.Buffer
		env := &Env{IO: &IO{In: strings.NewReader(""), Out: &out, Err: &errOut, Getenv: os.Getenv}, Dir: dir}
		if code := Run(context.Background(), env, args); code != 0 {
			t.Fatalf("easel %v: exit %d: %s", args, code, errOut.String())
		}
	}
	run("init", "-q", "e")
	if g, e := core(filepath.Join(dir, "g")), core(filepath.Join(dir, "e")); g != e {
		t.Errorf("init's core settings\n git:\n%s\n easel:\n%s", g, e)
	}
	if !strings.Contains(core(filepath.Join(dir, "e")), "core.ignorecase true") {
		t.Errorf("easel init on a case-insensitive file system left core.ignorecase unset")
	}
}

// icaseCase is a history made without a work tree (so that it may hold
// names a case-insensitive file system cannot: README beside readme) and
// checked out there on main, local changes made after, and the commands
// run on twins of it.
type icaseCase struct {
	name string
	// base, when set, is main's and other's parent; other nil: no branch
	// other.
	base, main, other map[string]string
	local             string // shell, run in the work tree after the checkout
	ops               [][]string
}

// moveOps are the commands that take the work tree from main to other.
var moveOps = [][]string{
	{"checkout", "other"},
	{"switch", "other"},
	{"checkout", "other", "--", "."},
	{"reset", "--hard", "other"},
	{"reset", "--merge", "other"},
	{"reset", "--keep", "other"},
	{"merge", "-q", "other"},
	{"cherry-pick", "other"},
}

// Case-only renames and clashes on a real case-insensitive file system,
// git's repositories (core.ignorecase=true, as git init sets it there):
// exit status, stdout, the first line of stderr, the index, HEAD and the
// work tree as the file system spells its names must agree with git's.
//
// An exFAT image through exfat-fuse serves: FUSE's kernel side caches
// each spelling of a name as its own inode, so the local changes below
// write every file under its own spelling (a file written as FOO and
// read as foo can show the old size). For the same reason Dir/a giving
// way to dir/b is left to TestCaseOnlyClashesAgainstGit: a lookup of dir
// still finds the Dir just removed, and git and easel both fail there.
func TestCaseInsensitiveFileSystemAgainstGit(t *testing.T) {
	gittest.Need(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	root := caseInsensitiveDir(t)
	cases := []icaseCase{
		{
			name: "other renames README readme",
			main: map[string]string{"README": "r"}, other: map[string]string{"readme": "l"},
			ops: moveOps,
		},
		{
			name: "other renames README readme, README changed",
			main: map[string]string{"README": "r"}, other: map[string]string{"readme": "l"},
			local: "echo changed > README\n",
			ops:   moveOps,
		},
		{
			name: "other adds readme beside README",
			main: map[string]string{"README": "r"}, other: map[string]string{"README": "r", "readme": "l"},
			ops: moveOps,
		},
		{
			name: "untracked Foo, other adds foo",
			main: map[string]string{"x": "x"}, other: map[string]string{"x": "x", "foo": "l"},
			local: "echo U > Foo\n",
			ops:   moveOps,
		},
		{
			name: "Dir/a tracked, other adds dir/b beside it",
			main: map[string]string{"Dir/a": "a"}, other: map[string]string{"Dir/a": "a", "dir/b": "b"},
			ops: moveOps,
		},
		{
			name: "rename by case only",
			main: map[string]string{"file": "c"}, other: map[string]string{"File": "c"},
			ops: moveOps,
		},
		{
			name: "rename by case only, file changed",
			main: map[string]string{"file": "c"}, other: map[string]string{"File": "c"},
			local: "echo changed > file\n",
			ops:   moveOps,
		},
		{
			name: "rename by case only in other, main changes another file",
			base: map[string]string{"file": "c", "x": "x"},
			main: map[string]string{"file": "c", "x": "x2"}, other: map[string]string{"File": "c", "x": "x"},
			ops: [][]string{{"merge", "-q", "-m", "m", "other"}, {"cherry-pick", "other"}, {"checkout", "other"}},
		},
		{
			name: "mv by case",
			main: map[string]string{"a": "a", "b/x": "x", "A2": "a2", "c": "c"},
			ops: [][]string{
				{"mv", "a", "A"}, {"mv", "A2", "a2"}, {"mv", "a", "B/a"}, {"mv", "b", "B"},
				{"mv", "a", "C"}, {"mv", "-f", "a", "C"}, {"mv", "-k", "a", "C"}, {"mv", "a", "B"},
			},
		},
		{
			name:  "mv by case, file changed",
			main:  map[string]string{"a": "a"},
			local: "echo changed > a\n",
			ops:   [][]string{{"mv", "a", "A"}, {"status", "--porcelain"}},
		},
		{
			name:  "add FOO when foo is tracked",
			main:  map[string]string{"foo": "x", "d/f": "f"},
			local: "echo longer > foo\necho g2 > d/f\necho n > d/new\n",
			ops: [][]string{
				{"add", "FOO"}, {"add", "Foo"}, {"add", "."}, {"add", "-A"}, {"add", "D"}, {"add", "D/F"},
				{"status", "--porcelain"}, {"status", "--porcelain", "--untracked-files=all"},
				{"rm", "--cached", "FOO"}, {"rm", "-q", "FOO"},
			},
		},
		{
			name: "main holds README and readme",
			main: map[string]string{"README": "r", "readme": "l"}, other: map[string]string{"README": "r"},
			ops: append([][]string{{"status", "--porcelain"}}, moveOps...),
		},
	}
	for ci, c := range cases {
		base := filepath.Join(root, "base", strconv.Itoa(ci))
		makeIcaseBase(t, base, c)
		for oi, op := range c.ops {
			id := strconv.Itoa(ci) + "-" + strconv.Itoa(oi)
			t.Run(c.name+"/"+strings.Join(op, " "), func(t *testing.T) {
				g, e := twinCopies(t, base, root, id, "-R")
				r := runTwins(t, g, e, op)
				gitErr, code, gout, gerr, eout, eerr := r.gitErr, r.code, &r.gout, &r.gerr, &r.eout, &r.eerr
				if (code != 0) != (gitErr != nil) {
					t.Errorf("easel exit %d, git %v\neasel: %s\ngit: %s", code, gitErr, eerr.String(), gerr.String())
				}
				if gout.String() != eout.String() {
					t.Errorf("stdout\n git:\n%s easel:\n%s", gout.String(), eout.String())
				}
				if gl, el := firstLine(gerr.String()), firstLine(eerr.String()); gl != el {
					t.Errorf("stderr's first line\n git:   %q\n easel: %q", gl, el)
				}
				for _, q := range [][]string{{"ls-files", "-s"}, {"rev-parse", "HEAD"}} {
					if gq, eq := runGit(t, g, "", q...), runGit(t, e, "", q...); gq != eq {
						t.Errorf("%v\n git:\n%s easel:\n%s", q, gq, eq)
					}
				}
				if gw, ew := workTree(t, g), workTree(t, e); gw != ew {
					t.Errorf("work tree\n git:\n%s easel:\n%s", gw, ew)
				}
			})
		}
	}
}

// makeIcaseBase makes c's repository in dir with git: the history through
// fast-import, main checked out, then c.local.
func makeIcaseBase(t *testing.T, dir string, c icaseCase) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var s strings.Builder
	commit := func(ref, msg, from string, mark int, files map[string]string) {
		fmt.Fprintf(&s, "commit %s\nmark :%d\ncommitter C O Mitter <committer@example.com> 1700000000 +0000\ndata %d\n%s\n", ref, mark, len(msg), msg)
		if from != "" {
			fmt.Fprintf(&s, "from %s\n", from)
		}
		s.WriteString("deleteall\n")
		names := make([]string, 0, len(files))
		for n := range files {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			data := files[n] + "\n"
			fmt.Fprintf(&s, "M 100644 inline %s\ndata %d\n%s\n", n, len(data), data)
		}
	}
	parent := ""
	if c.base != nil {
		commit("refs/heads/main", "zero", "", 1, c.base)
		parent = ":1"
	}
	commit("refs/heads/main", "one", parent, 2, c.main)
	if c.other != nil {
		if parent == "" {
			parent = ":2"
		}
		commit("refs/heads/other", "two", parent, 3, c.other)
	}
	gittest.Git(t, dir, "init", "-q", "-b", "main")
	if got, _ := gittest.Try(dir, "config", "core.ignorecase"); got != "true" {
		t.Fatalf("git init on a case-insensitive file system left core.ignorecase %q", got)
	}
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(s.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fast-import: %v: %s", err, out)
	}
	gittest.Try(dir, "reset", "-q", "--hard", "main") // clashing names leave the work tree dirty
	if c.local != "" {
		sh := exec.Command("bash", "-e", "-c", c.local)
		sh.Dir = dir
		if out, err := sh.CombinedOutput(); err != nil {
			t.Fatalf("%s: local changes: %v: %s", c.name, err, out)
		}
	}
}
