package repo

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"easel.dev/easel/repo/loggraph"
	"easel.dev/easel/repo/pretty"
	"github.com/go-git/go-git/v5/plumbing"
)

// historyScript builds a history with merges, branches that interleave in
// time, a commit dated earlier than its parent (clock skew) and ties in
// commit dates, so that ordering rules are exercised.
const historyScript = `
git init -q -b main .
t=1700000000
c() { t=$((t+${3:-60})); export GIT_AUTHOR_DATE="$t +0200" GIT_COMMITTER_DATE="$t +0200"; echo "$1" >> "${2:-f}"; git add .; git commit -qm "$1"; }
m() { t=$((t+60)); export GIT_AUTHOR_DATE="$t +0200" GIT_COMMITTER_DATE="$t +0200"; git merge -q --no-edit "$1"; }
c base
git branch side
c main1
git checkout -q side; c side1 s; c side2 s 0
git checkout -q main; c main2
m side
c main3
git checkout -q -b b2 HEAD~2; c b2a g; git checkout -q -b b3 main~1; c b3a h -5000
git checkout -q main; c main4
m b2
m b3
c last
c tie1 f 0
c tie2 f 0
`

func gitLines(t *testing.T, dir string, args ...string) []string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("git %s: %v", args[0], err)
	}
	s := strings.TrimSuffix(string(out), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func walkAll(t *testing.T, r *Repository, opts LogOptions) []string {
	t.Helper()
	ctx := context.Background()
	w, err := r.Log(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for {
		c, err := w.Next(ctx)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c.Hash.String())
	}
}

func TestLogOrderMatchesGit(t *testing.T) {
	dir := gitRepo(t, historyScript)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		revs  []string
		paths []string
		topo  bool
	}{
		{revs: nil},
		{revs: []string{"side"}},
		{revs: []string{"main~3..main"}},
		{revs: []string{"main", "^b2"}},
		{revs: []string{"b2", "b3"}},
		{revs: nil, paths: []string{"s"}},
		{revs: nil, paths: []string{"g", "h"}},
		{revs: nil, topo: true},
	}
	for _, tc := range cases {
		inc, exc, err := r.ResolveRange(ctx, tc.revs)
		if err != nil {
			t.Fatal(err)
		}
		got := walkAll(t, r, LogOptions{Include: inc, Exclude: exc, Paths: tc.paths, Topo: tc.topo})
		args := append([]string{"log", "--format=%H"}, tc.revs...)
		if tc.topo {
			args = append(args, "--topo-order")
		}
		if len(tc.paths) > 0 {
			args = append(append(args, "--"), tc.paths...)
		}
		want := gitLines(t, dir, args...)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%v: order differs from git\n got %v\nwant %v", args, got, want)
		}
	}
}

// TestGraphMatchesGit draws log --graph --oneline and compares it with
// git's drawing character for character, trailing spaces included.
func TestGraphMatchesGit(t *testing.T) {
	dir := gitRepo(t, historyScript+`
git checkout -q -b late side~1; c late1 l; c late2 l
git checkout -q main; m late
git checkout -q -b x main~2; c x1 x; git checkout -q main; c after; m x
`)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	inc, exc, err := r.ResolveRange(ctx, []string{"main", "b2"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.Log(ctx, LogOptions{Include: inc, Exclude: exc, Topo: true})
	if err != nil {
		t.Fatal(err)
	}
	g := loggraph.New()
	g.Interesting = w.Shows
	f := pretty.CommitFormat{Abbrev: r.NewAbbreviator()}
	var b bytes.Buffer
	for {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		g.Update(c.Hash, c.ParentHashes)
		g.ShowCommit(&b)
		var line strings.Builder
		if err := pretty.WriteCommitOneline(&line, c, f); err != nil {
			t.Fatal(err)
		}
		g.ShowCommitMsg(&b, strings.TrimSuffix(line.String(), "\n"))
		b.WriteString("\n")
	}
	want := strings.Join(gitLines(t, dir, "log", "--graph", "--oneline", "main", "b2"), "\n") + "\n"
	if b.String() != want {
		t.Errorf("graph differs from git\n got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestLogStreams checks that showing the newest commits does not read the
// rest of the history: with an old commit's object removed, the first
// commits still come out, and the walk fails only when it reaches it.
func TestLogStreams(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
for i in $(seq 1 30); do echo $i > f; git add f; GIT_COMMITTER_DATE="$((1700000000+i)) +0000" git commit -qm "c$i"; done
`)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	root := gitLines(t, dir, "rev-list", "--max-parents=0", "HEAD")[0]
	if err := os.Remove(filepath.Join(dir, ".git", "objects", root[:2], root[2:])); err != nil {
		t.Fatal(err)
	}
	head, _ := r.Head()
	w, err := r.Log(ctx, LogOptions{Include: []plumbing.Hash{head}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if _, err := w.Next(ctx); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	var werr error
	for werr == nil {
		_, werr = w.Next(ctx)
	}
	if werr == io.EOF {
		t.Fatal("walk over a history with a missing commit ended without an error")
	}
}

// TestAbbreviationMatchesGit compares shortened ids with git rev-parse
// --short for every object, loose and packed, at a length short enough
// for prefixes to collide.
func TestAbbreviationMatchesGit(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
for i in $(seq 1 200); do echo $i > f$i; git add f$i; git commit -qm "c$i"; done
`)
	for _, phase := range []string{"loose", "packed"} {
		if phase == "packed" {
			if out, err := exec.Command("git", "-C", dir, "gc", "-q").CombinedOutput(); err != nil {
				t.Fatalf("gc: %v %s", err, out)
			}
		}
		r, err := Open(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		a := r.NewAbbreviator()
		// git log and ls-tree print ids abbreviated by the same rule.
		var ids, want []string
		for _, l := range gitLines(t, dir, "log", "--abbrev=4", "--format=%H %h %T %t") {
			f := strings.Fields(l)
			ids, want = append(ids, f[0], f[2]), append(want, f[1], f[3])
		}
		full := gitLines(t, dir, "ls-tree", "-r", "--format=%(objectname)", "HEAD")
		short := gitLines(t, dir, "ls-tree", "-r", "--abbrev=4", "--format=%(objectname)", "HEAD")
		ids, want = append(ids, full...), append(want, short...)
		longer := 0
		for i, id := range ids {
			got := a.Short(plumbing.NewHash(id), 4)
			if got != want[i] {
				t.Errorf("%s: %s abbreviates to %s, git says %s", phase, id, got, want[i])
			}
			if len(got) > 4 {
				longer++
			}
		}
		if longer == 0 {
			t.Fatalf("%s: no prefix collided; the test exercises nothing", phase)
		}
		if got := a.ShortID(plumbing.NewHash(ids[0])); len(got) != 7 {
			t.Errorf("default abbreviation %q, want 7 digits", got)
		}
	}
}
