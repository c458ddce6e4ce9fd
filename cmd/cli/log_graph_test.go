package cli

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runEasel runs one easel command line in dir in-process and returns its
// standard output, failing the test on a non-zero exit.
func runEasel(t *testing.T, dir string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{IO: &IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: os.Getenv}, Dir: dir}
	if code := Run(context.Background(), env, args); code != 0 {
		t.Fatalf("easel %v: exit %d: %s", args, code, errb.String())
	}
	return out.String()
}

// gitEnv pins what would make git's output depend on the machine.
func gitEnv(home string) []string {
	return append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+home, "XDG_CONFIG_HOME="+home,
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@example.com")
}

func runGit(t *testing.T, dir string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(dir)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v: %s", args, err, stderr.String())
	}
	return string(out)
}

// sameOutput fails with the first differing line of two outputs.
func sameOutput(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl || i >= len(g) || i >= len(w) {
			lo := max(0, i-6)
			t.Fatalf("%s: differs from git at line %d (easel %d lines, git %d)\ngit:\n%s\neasel:\n%s", what, i+1,
				len(g), len(w), strings.Join(w[lo:min(len(w), i+3)], "\n"), strings.Join(g[lo:min(len(g), i+3)], "\n"))
		}
	}
}

// randomHistory writes, through git fast-import, a history of n commits
// shaped to give the graph work: many lines open at once, forks from old
// commits, two-way merges in both orders, octopus merges of up to six
// parents, extra roots, two authors (for --author), and committer dates
// that sometimes tie or run backwards. Every commit left without a child
// gets a branch.
func randomHistory(t *testing.T, seed uint64, n int) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	runGit(t, dir, "", "init", "-q", "-b", "main", ".")
	rng := rand.New(rand.NewPCG(seed, 7))
	var s strings.Builder
	heads := []int{}
	date := int64(1700000000)
	removeHead := func(c int) {
		for i, h := range heads {
			if h == c {
				heads = append(heads[:i], heads[i+1:]...)
				return
			}
		}
	}
	for i := 1; i <= n; i++ {
		var parents []int
		switch r := rng.IntN(100); {
		case i == 1 || r < 3:
			// A new root.
		case r < 50 && len(heads) > 0:
			parents = []int{heads[rng.IntN(len(heads))]}
		case r < 68:
			// A fork from a recent commit, opening a new line.
			parents = []int{max(1, i-1-rng.IntN(min(i-1, 25)))}
		case r < 90 && len(heads) >= 2:
			a, b := rng.IntN(len(heads)), rng.IntN(len(heads)-1)
			if b >= a {
				b++
			}
			parents = []int{heads[a], heads[b]}
		case r < 97:
			// A merge of a head with an older commit (already merged
			// or not), which skews lines.
			parents = []int{max(1, i-1-rng.IntN(min(i-1, 12))), max(1, i-1-rng.IntN(min(i-1, 40)))}
			if parents[0] == parents[1] {
				parents = parents[:1]
			}
		default:
			// An octopus merge of heads and older commits.
			k := 3 + rng.IntN(4)
			for len(parents) < k {
				var p int
				if len(heads) > 0 && rng.IntN(3) > 0 {
					p = heads[rng.IntN(len(heads))]
				} else {
					p = max(1, i-1-rng.IntN(min(i-1, 30)))
				}
				dup := false
				for _, q := range parents {
					dup = dup || q == p
				}
				if !dup {
					parents = append(parents, p)
				} else if len(heads) < 2 && i < 10 {
					break
				}
			}
		}
		switch r := rng.IntN(10); {
		case r < 6:
			date += int64(1 + rng.IntN(3600))
		case r < 8:
			// Same second as the commit before.
		default:
			date -= int64(rng.IntN(7200))
		}
		author := "A U Thor <author@example.com>"
		if rng.IntN(3) == 0 {
			author = "O Ther <other@example.com>"
		}
		fmt.Fprintf(&s, "reset refs/heads/tmp\ncommit refs/heads/tmp\nmark :%d\nauthor %s %d +0000\ncommitter C O Mitter <c@example.com> %d +0000\ndata <<EOF\nc%d %s\nEOF\n",
			i, author, date, date, i, strings.Repeat("x", rng.IntN(4)))
		for j, p := range parents {
			if j == 0 {
				fmt.Fprintf(&s, "from :%d\n", p)
			} else {
				fmt.Fprintf(&s, "merge :%d\n", p)
			}
			removeHead(p)
		}
		heads = append(heads, i)
	}
	for _, h := range heads {
		fmt.Fprintf(&s, "reset refs/heads/b%d\nfrom :%d\n\n", h, h)
	}
	fmt.Fprintf(&s, "reset refs/heads/main\nfrom :%d\n\n", heads[len(heads)-1])
	runGit(t, dir, s.String(), "fast-import", "--quiet", "--force")
	runGit(t, dir, "", "update-ref", "-d", "refs/heads/tmp")
	runGit(t, dir, "", "symbolic-ref", "HEAD", "refs/heads/main")
	return dir
}

// TestLogGraphMatchesGitOnRandomHistories draws the graph of generated
// histories with many lines, octopus and skewed merges and compares it
// with git's byte for byte, for the orders and limits that change which
// lines are drawn.
func TestLogGraphMatchesGitOnRandomHistories(t *testing.T) {
	variants := [][]string{
		{"log", "--graph", "--oneline", "--all"},
		{"log", "--graph", "--oneline", "--all", "--date-order"},
		{"log", "--graph", "--format=%h %s", "main"},
		{"log", "--graph", "--oneline", "--all", "-n", "60"},
		{"log", "--graph", "--oneline", "--all", "--author=Ther"},
		{"log", "--graph", "--oneline", "--all", "--first-parent"},
		{"log", "--graph", "--oneline", "--all", "--no-merges"},
		{"log", "--graph", "--oneline", "--color=always", "--all"},
		{"log", "--graph", "--all", "-n", "80"},
	}
	for seed := uint64(1); seed <= 12; seed++ {
		dir := randomHistory(t, seed, 150+int(seed)*20)
		if d := os.Getenv("EASEL_KEEP_HISTORY"); d != "" {
			exec.Command("cp", "-r", dir, fmt.Sprintf("%s-%d", d, seed)).Run()
		}
		tips := strings.Fields(runGit(t, dir, "", "for-each-ref", "--format=%(refname:short)", "refs/heads/"))
		ranges := [][]string{
			{"log", "--graph", "--oneline", "main", "^" + tips[0]},
			{"log", "--graph", "--oneline", tips[len(tips)/2] + ".." + "main", tips[0]},
		}
		for _, args := range append(variants, ranges...) {
			want := runGit(t, dir, "", args...)
			got := runEasel(t, dir, args...)
			sameOutput(t, fmt.Sprintf("seed %d: %v", seed, args), got, want)
		}
	}
}

// TestLogGraphOctopusLayouts covers octopus merges whose parents sit left,
// right and on both sides of the merge, with children above and lines
// crossing, for merges of three to six parents.
func TestLogGraphOctopusLayouts(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	for parents := 3; parents <= 6; parents++ {
		dir := t.TempDir()
		var s strings.Builder
		s.WriteString("git init -q -b main . && git commit -q --allow-empty -m base && ")
		// Each side branch starts from a different older commit, so the
		// parents' lines come from both sides of the merge.
		for i := 1; i < parents; i++ {
			fmt.Fprintf(&s, "git commit -q --allow-empty -m m%d && ", i)
		}
		for i := 1; i < parents; i++ {
			fmt.Fprintf(&s, "git checkout -q -b s%d main~%d && git commit -q --allow-empty -m s%d && ", i, (i*2)%parents, i)
		}
		s.WriteString("git checkout -q main && git merge -q --no-edit -s ours")
		for i := parents - 1; i >= 1; i-- {
			fmt.Fprintf(&s, " s%d", i)
		}
		s.WriteString(" && git checkout -q -b after s2 && git commit -q --allow-empty -m after && git checkout -q main && git commit -q --allow-empty -m top")
		cmd := exec.Command("bash", "-euc", s.String())
		cmd.Dir = dir
		cmd.Env = gitEnv(dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("setup: %v\n%s", err, out)
		}
		for _, args := range [][]string{
			{"log", "--graph", "--format=%s", "--all"},
			{"log", "--graph", "--format=%s", "--all", "--date-order"},
			{"log", "--graph", "--format=%s", "main"},
			{"log", "--graph", "--format=%s", "main", "s1"},
			{"log", "--graph", "--all"},
		} {
			sameOutput(t, fmt.Sprintf("%d parents: %v", parents, args), runEasel(t, dir, args...), runGit(t, dir, "", args...))
		}
	}
}

// corpusClone clones the real-history corpus (git's own history to
// v1.8.4) into a temporary directory, or skips when it is absent.
func corpusClone(t *testing.T) string {
	t.Helper()
	bundle := os.Getenv("EASEL_CORPUS")
	if bundle == "" {
		root, err := filepath.Abs(filepath.Join("..", ".."))
		if err != nil {
			t.Fatal(err)
		}
		bundle = filepath.Join(root, "..", "shared", "corpus", "git-v1.8.4.bundle")
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Skipf("real-history corpus not found at %s (set EASEL_CORPUS): %v", bundle, err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("git", "clone", "-q", bundle, dir)
	cmd.Env = gitEnv(dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone %s: %v: %s", bundle, err, out)
	}
	// The bundle's only ref is the tag (see the corpus README).
	runGit(t, dir, "", "checkout", "-q", "-b", "main", "v1.8.4")
	return dir
}

// TestLogCorpusMatchesGit compares easel's log with git's on git's own
// history (34,000 commits, hundreds of lines of history open at once in
// places): the graph of the first 2,000 commits and of the whole history,
// the default format with the graph (authors through .mailmap), and the
// default abbreviation of every id, and --follow through renames.
func TestLogCorpusMatchesGit(t *testing.T) {
	dir := corpusClone(t)
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, args := range [][]string{
		{"log", "--oneline", "--graph", "-n", "2000"},
		{"log", "--oneline", "--graph"},
		{"log", "--graph", "-n", "3000"},
		{"log", "--oneline"},
		{"log", "--graph", "--date-order", "--format=%h %aN %s", "-n", "5000"},
		// Files renamed in git's own history, followed.
		{"log", "--follow", "--oneline", "--", "builtin/log.c"},
		{"log", "--follow", "--name-status", "--format=%h", "--", "Documentation/technical/api-diff.txt"},
	} {
		want := runGit(t, dir, "", args...)
		got := runEasel(t, dir, args...)
		sameOutput(t, fmt.Sprint(args), got, want)
	}
}
