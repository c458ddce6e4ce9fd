package repo_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"easel.dev/easel/cmd/easel/easeltest"
	"easel.dev/easel/internal/gittest"
)

// Differential tests of the index forms git makes besides the plain one:
// twin repositories are set up by git as a split index, a sparse index,
// or feature.manyFiles (index version 4 and the untracked cache), then
// the same commands run with git in one and easel in the other. Their
// outputs must agree, and after every step git must see the same index
// in both (git status, git ls-files -s --debug but for the stat data
// that differs between two directories) and find easel's repository
// sound (git fsck --strict).

// formTwins makes a repository of a few directories with git, lets setup
// turn it into the form under test, and copies it: the first is git's
// twin, the second easel's.
func formTwins(t *testing.T, setup func(dir string)) (string, string) {
	t.Helper()
	root := t.TempDir()
	g := filepath.Join(root, "git")
	gittest.Git(t, root, "init", "-q", "-b", "main", g)
	fixture(t, g)
	return twin(t, root, g, setup)
}

// twin lets setup change the repository g of root, then copies it.
func twin(t *testing.T, root, g string, setup func(dir string)) (string, string) {
	t.Helper()
	setup(g)
	e := filepath.Join(root, "easel")
	if out, err := exec.Command("cp", "-a", g, e).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return g, e
}

func fixture(t *testing.T, g string) {
	files := map[string]string{
		"a": "a\n", "b": "b\n", "in/x": "x\n", "in/deep/y": "y\n",
		"out/p": "p\n", "out/q/r": "r\n", "out/q/s": "s\n", "other/t": "t\n", "z": "z\n",
	}
	for name, body := range files {
		write(t, filepath.Join(g, name), body)
	}
	gittest.Git(t, g, "add", ".")
	gittest.Git(t, g, "commit", "-q", "-m", "one")
	write(t, filepath.Join(g, "out/q/r"), "r2\n")
	write(t, filepath.Join(g, "in/x"), "x2\n")
	gittest.Git(t, g, "commit", "-q", "-a", "-m", "two")
}

func write(t *testing.T, p, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// statLines are the lines of git ls-files --debug that differ between
// twin directories written at different times.
var statLines = regexp.MustCompile(`(?m)^  (ctime|mtime|dev): .*\n`)

var flagsField = regexp.MustCompile(`flags: ([0-9a-f]+)`)

// debugNorm is git ls-files --debug without what differs between twins
// for reasons other than the index's content: the stat data, and the flag
// that says an entry of a split index is in .git/index rather than the
// shared index (CE_UPDATE_IN_BASE), which depends on when each writer
// made a new shared index.
func debugNorm(s string) string {
	s = statLines.ReplaceAllString(s, "")
	return flagsField.ReplaceAllStringFunc(s, func(m string) string {
		v, _ := strconv.ParseUint(m[len("flags: "):], 16, 32)
		return "flags: " + strconv.FormatUint(v&^(1<<27), 16)
	})
}

// easelHints is easel naming itself where git's hints name git.
var easelHints = regexp.MustCompile(`"easel `)

type step struct {
	args []string
	edit func(dir string) // before the command, in both twins
}

// runSteps runs each step with git in g and easel in e and compares.
func runSteps(t *testing.T, bin, g, e string, steps []step) {
	t.Helper()
	runStepsFsck(t, bin, g, e, steps, "--full")
}

// runStepsFsck is runSteps with the extent of git fsck: --full, or
// "--no-full --no-reflogs" for the objects the twin wrote only (loose),
// where checking a whole history after every step would take minutes.
func runStepsFsck(t *testing.T, bin, g, e string, steps []step, extent string) {
	t.Helper()
	for _, s := range steps {
		if s.edit != nil {
			s.edit(g)
			s.edit(e)
		}
		gout, gcode := gittest.Run(t, g, nil, s.args...)
		cmd := exec.Command(bin, s.args...)
		cmd.Dir = e
		var eo bytes.Buffer
		cmd.Stdout = &eo
		ecode := 0
		if err := cmd.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatal(err)
			}
			ecode = ee.ExitCode()
		}
		what := strings.Join(s.args, " ")
		eout := easelHints.ReplaceAllString(eo.String(), `"git `)
		gittest.Same(t, what+": output", eout, gout)
		if ecode != gcode {
			t.Fatalf("%s: easel exits %d, git %d", what, ecode, gcode)
		}
		sameIndex(t, what, g, e, extent)
	}
}

// sameIndex compares what git sees in the twins, and checks easel's.
func sameIndex(t *testing.T, what, g, e, extent string) {
	t.Helper()
	for _, args := range [][]string{
		{"status"}, {"status", "--porcelain=v2", "--branch"}, {"ls-files", "-s", "--debug"}, {"rev-parse", "HEAD"},
	} {
		gout := gittest.Git(t, g, args...)
		eout := gittest.Git(t, e, args...)
		gittest.Same(t, what+": git "+strings.Join(args, " "), debugNorm(eout), debugNorm(gout))
	}
	gittest.Git(t, e, append([]string{"fsck", "--strict", "--no-dangling"}, strings.Fields(extent)...)...)
}

// commonSteps exercise reading and writing the index: status, add,
// diff, commit, checkout and reset.
func commonSteps(modify string) []step {
	return []step{
		{args: []string{"status"}},
		{args: []string{"add", modify}, edit: func(dir string) { os.WriteFile(filepath.Join(dir, modify), []byte("changed\n"), 0o644) }},
		{args: []string{"status"}},
		{args: []string{"diff", "--cached"}},
		{args: []string{"diff"}, edit: func(dir string) { os.WriteFile(filepath.Join(dir, "b"), []byte("b2\n"), 0o644) }},
		{args: []string{"add", "new"}, edit: func(dir string) { os.WriteFile(filepath.Join(dir, "new"), []byte("new\n"), 0o644) }},
		{args: []string{"rm", "-q", "--cached", "z"}},
		{args: []string{"commit", "-q", "-m", "three"}},
		{args: []string{"status", "--short"}},
		{args: []string{"checkout", "-q", "HEAD~1"}, edit: func(dir string) {
			// Files the commit left untracked, which the checkout
			// would overwrite.
			os.Remove(filepath.Join(dir, "z"))
			os.Remove(filepath.Join(dir, "other/t"))
		}},
		{args: []string{"status"}},
		{args: []string{"checkout", "-q", "main"}},
		{args: []string{"reset", "-q", "HEAD~1"}},
		{args: []string{"status"}},
		{args: []string{"reset", "-q", "--hard"}},
		{args: []string{"status"}},
	}
}

func indexHas(t *testing.T, dir, sig string) bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(data, []byte(sig))
}

func TestSplitIndexTwins(t *testing.T) {
	gittest.Need(t)
	bin := easeltest.Build(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	g, e := formTwins(t, func(dir string) {
		gittest.Git(t, dir, "update-index", "--split-index")
		// Entries changed after the split: the link's bitmaps name
		// replaced and deleted entries, and the index adds one.
		write(t, filepath.Join(dir, "a"), "a1\n")
		gittest.Git(t, dir, "add", "a")
		gittest.Git(t, dir, "rm", "-q", "--cached", "other/t")
		write(t, filepath.Join(dir, "added"), "added\n")
		gittest.Git(t, dir, "add", "added")
	})
	runSteps(t, bin, g, e, commonSteps("in/x"))
	if !indexHas(t, e, "link") {
		t.Fatal("easel's index is no longer split")
	}
	shared, _ := filepath.Glob(filepath.Join(e, ".git", "sharedindex.*"))
	if len(shared) == 0 {
		t.Fatal("no shared index")
	}
	// core.splitIndex=false: the next write joins the index, as git's.
	gittest.Git(t, g, "config", "core.splitIndex", "false")
	gittest.Git(t, e, "config", "core.splitIndex", "false")
	runSteps(t, bin, g, e, []step{{args: []string{"add", "b"}, edit: func(dir string) { os.WriteFile(filepath.Join(dir, "b"), []byte("b3\n"), 0o644) }}})
	if indexHas(t, e, "link") || indexHas(t, g, "link") {
		t.Fatal("core.splitIndex=false left the index split")
	}
	// core.splitIndex=true splits an index that was whole.
	gittest.Git(t, g, "config", "core.splitIndex", "true")
	gittest.Git(t, e, "config", "core.splitIndex", "true")
	runSteps(t, bin, g, e, []step{{args: []string{"add", "a"}, edit: func(dir string) { os.WriteFile(filepath.Join(dir, "a"), []byte("a3\n"), 0o644) }}})
	if !indexHas(t, e, "link") || !indexHas(t, g, "link") {
		t.Fatal("core.splitIndex=true left the index whole")
	}
	runSteps(t, bin, g, e, []step{
		{args: []string{"status"}},
		{args: []string{"commit", "-q", "-m", "four"}},
		{args: []string{"reset", "-q", "--hard", "HEAD~2"}},
		{args: []string{"status"}},
	})
}

func TestSparseIndexTwins(t *testing.T) {
	gittest.Need(t)
	bin := easeltest.Build(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	for _, mode := range []string{"--sparse-index", "--no-sparse-index"} {
		t.Run(mode, func(t *testing.T) {
			g, e := formTwins(t, func(dir string) {
				gittest.Git(t, dir, "sparse-checkout", "set", "--cone", mode, "in")
			})
			if mode == "--sparse-index" && !indexHas(t, e, "sdir") {
				t.Fatal("git made no sparse index")
			}
			runSteps(t, bin, g, e, commonSteps("in/x"))
		})
	}
}

func TestManyFilesTwins(t *testing.T) {
	gittest.Need(t)
	bin := easeltest.Build(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	g, e := formTwins(t, func(dir string) {
		gittest.Git(t, dir, "config", "feature.manyFiles", "true")
		gittest.Git(t, dir, "update-index", "--index-version", "4")
		write(t, filepath.Join(dir, "untracked"), "u\n")
		gittest.Git(t, dir, "status")
	})
	runSteps(t, bin, g, e, commonSteps("in/x"))
}

// TestIndexFormsCorpusTwins runs the twins on a checkout of git's own
// history (../shared/corpus), a split index with a real share of entries
// replaced and a sparse index of 58 directories.
func TestIndexFormsCorpusTwins(t *testing.T) {
	gittest.Need(t)
	// A local corpus repository is cloned sharing its objects, the
	// bundle of ../shared/corpus otherwise.
	src, shared := os.Getenv("EASEL_CORPUS_REPO"), true
	if src == "" {
		src = "/tmp/gitcorpus"
	}
	if _, err := os.Stat(filepath.Join(src, ".git")); err != nil {
		src, shared = os.Getenv("EASEL_CORPUS"), false
		if src == "" {
			src = filepath.Join("..", "..", "shared", "corpus", "git-v1.8.4.bundle")
		}
		if _, err := os.Stat(src); err != nil {
			t.Skipf("real-history corpus not found at %s (set EASEL_CORPUS): %v", src, err)
		}
	}
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	src, _ = filepath.Abs(src)
	bin := easeltest.Build(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	steps := []step{
		{args: []string{"status"}},
		{args: []string{"add", "README", "Makefile"}, edit: func(dir string) {
			os.WriteFile(filepath.Join(dir, "README"), []byte("changed\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "Makefile"), []byte("changed\n"), 0o644)
		}},
		{args: []string{"diff", "--cached", "--stat"}},
		{args: []string{"commit", "-q", "-m", "change"}},
		{args: []string{"reset", "-q", "HEAD~1"}},
		{args: []string{"status", "--short"}},
		{args: []string{"reset", "-q", "--hard"}},
		{args: []string{"status"}},
	}
	for name, setup := range map[string]func(string){
		"split": func(dir string) {
			gittest.Git(t, dir, "update-index", "--split-index")
			gittest.Git(t, dir, "rm", "-q", "--cached", "INSTALL")
			os.WriteFile(filepath.Join(dir, "COPYING"), []byte("changed\n"), 0o644)
			gittest.Git(t, dir, "add", "COPYING")
		},
		"sparse": func(dir string) {
			gittest.Git(t, dir, "sparse-checkout", "set", "--cone", "--sparse-index", "Documentation", "t/perf")
		},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			g := filepath.Join(root, "git")
			if shared {
				gittest.Git(t, root, "clone", "-q", "--shared", src, g)
			} else {
				gittest.Git(t, root, "clone", "-q", src, g)
				gittest.Git(t, g, "checkout", "-q", "-b", "main", "v1.8.4")
			}
			g, e := twin(t, root, g, setup)
			runStepsFsck(t, bin, g, e, steps, "--no-full --no-reflogs")
		})
	}
}
