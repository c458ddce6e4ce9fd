package merge

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"easel.dev/easel/internal/gittest"
)

// This file checks the merge against git itself: seeded random histories
// are written into one git repository with fast-import, git merges each
// pair with its ort strategy (merge-tree --write-tree, the machinery of
// git merge without a work tree), and MergeCommits must agree on the
// verdict, the merged tree id and the conflicted index stages.

// oracleCases is how many cases a test against git runs: def, short
// under -short, or EASEL_MERGE_CASES for a longer hunt.
func oracleCases(def, short int) int {
	if n, err := strconv.Atoi(os.Getenv("EASEL_MERGE_CASES")); err == nil && n > 0 {
		return n
	}
	if testing.Short() {
		return short
	}
	return def
}

// oracleSeed is the generator's seed: def, or EASEL_MERGE_SEED.
func oracleSeed(def uint64) uint64 {
	if n, err := strconv.ParseUint(os.Getenv("EASEL_MERGE_SEED"), 10, 64); err == nil {
		return n
	}
	return def
}

// importHistories makes a git repository (bare, or with a work tree) of
// the histories in a fast-import stream, in EASEL_MERGE_KEEP when set
// and keepable (to inspect it afterwards), and pins git's environment.
func importHistories(t *testing.T, stream []byte, bare, keepable bool) string {
	t.Helper()
	gittest.Need(t)
	gittest.Pin(t)
	dir := t.TempDir()
	if keep := os.Getenv("EASEL_MERGE_KEEP"); keep != "" && keepable {
		dir = keep
		os.RemoveAll(dir)
		os.MkdirAll(dir, 0o755)
	}
	init := []string{"init", "-q", "."}
	if bare {
		init = []string{"init", "-q", "--bare", "."}
	}
	gittest.Run(t, dir, nil, init...)
	if out, code := gittest.Run(t, dir, stream, "fast-import", "--quiet"); code != 0 {
		t.Fatalf("fast-import: %s", out)
	}
	return dir
}

// file is one path in a generated snapshot.
type genFile struct {
	content string
	exec    bool
	link    bool // a symlink; content is its target
}

type snapshot map[string]genFile

func (s snapshot) clone() snapshot {
	c := make(snapshot, len(s))
	for k, v := range s {
		c[k] = v
	}
	return c
}

func (s snapshot) paths() []string {
	var ps []string
	for p := range s {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

// conflictsWithDirs reports whether p cannot be added next to the
// snapshot's paths (a file where a directory is, or the reverse).
func (s snapshot) clashes(p string) bool {
	for q := range s {
		if strings.HasPrefix(q, p+"/") || strings.HasPrefix(p, q+"/") {
			return true
		}
	}
	return false
}

type gen struct {
	r    *rand.Rand
	word int
}

func (g *gen) line() string {
	g.word++
	return fmt.Sprintf("line %d %s", g.word, []string{"alpha", "beta", "gamma", "delta", "eps"}[g.r.IntN(5)])
}

func (g *gen) content(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(g.line())
		b.WriteByte('\n')
	}
	return b.String()
}

func (g *gen) path() string {
	dirs := []string{"", "", "a/", "b/", "a/c/", "d/"}
	names := []string{"f", "g", "h", "main.go", "util.go", "readme", "x.txt", "y.txt"}
	return dirs[g.r.IntN(len(dirs))] + names[g.r.IntN(len(names))] + strconv.Itoa(g.r.IntN(4))
}

// edit changes a few lines of content.
func (g *gen) edit(c string) string {
	lines := strings.SplitAfter(c, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	n := 1 + g.r.IntN(3)
	for i := 0; i < n; i++ {
		if len(lines) == 0 {
			lines = append(lines, g.line()+"\n")
			continue
		}
		k := g.r.IntN(len(lines))
		switch g.r.IntN(3) {
		case 0:
			lines[k] = g.line() + "\n"
		case 1:
			lines = append(lines[:k], append([]string{g.line() + "\n"}, lines[k:]...)...)
		case 2:
			if len(lines) > 2 {
				lines = append(lines[:k], lines[k+1:]...)
			}
		}
	}
	return strings.Join(lines, "")
}

// mutate applies random operations to a copy of base; shared carries
// operations that both sides make identically.
func (g *gen) mutate(base snapshot, shared func(snapshot)) snapshot {
	s := base.clone()
	if shared != nil {
		shared(s)
	}
	ops := 1 + g.r.IntN(5)
	for i := 0; i < ops; i++ {
		ps := s.paths()
		switch op := g.r.IntN(10); {
		case op < 4 && len(ps) > 0: // modify
			p := ps[g.r.IntN(len(ps))]
			f := s[p]
			if f.link {
				f.content = "target-" + strconv.Itoa(g.r.IntN(3))
			} else {
				f.content = g.edit(f.content)
			}
			s[p] = f
		case op < 5 && len(ps) > 0: // delete
			delete(s, ps[g.r.IntN(len(ps))])
		case op < 7 && len(ps) > 0: // rename, perhaps with an edit
			p := ps[g.r.IntN(len(ps))]
			np := g.path()
			if g.r.IntN(2) == 0 {
				np = filepath.Dir(np) + "/" + filepath.Base(p)
				np = strings.TrimPrefix(np, "./")
			}
			if _, ok := s[np]; ok || s.clashes(np) {
				continue
			}
			f := s[p]
			delete(s, p)
			if g.r.IntN(2) == 0 && !f.link {
				f.content = g.edit(f.content)
			}
			s[np] = f
		case op < 8 && len(ps) > 0: // mode
			p := ps[g.r.IntN(len(ps))]
			f := s[p]
			if f.link {
				continue
			}
			f.exec = !f.exec
			s[p] = f
		case op < 9 && len(ps) > 0 && g.r.IntN(3) == 0: // file becomes directory
			p := ps[g.r.IntN(len(ps))]
			delete(s, p)
			s[p+"/sub"] = genFile{content: g.content(3)}
		default: // add: mostly text, sometimes binary or a symlink
			np := g.path()
			if _, ok := s[np]; ok || s.clashes(np) {
				continue
			}
			switch g.r.IntN(12) {
			case 0:
				s[np] = genFile{content: "bin\x00" + g.content(2)}
			case 1:
				s[np] = genFile{content: "target-" + strconv.Itoa(g.r.IntN(3)), link: true}
			default:
				s[np] = genFile{content: g.content(2 + g.r.IntN(8))}
			}
		}
	}
	return s
}

func (g *gen) base() snapshot {
	s := snapshot{}
	n := 3 + g.r.IntN(8)
	for i := 0; i < n; i++ {
		p := g.path()
		if s.clashes(p) {
			continue
		}
		s[p] = genFile{content: g.content(4 + g.r.IntN(12))}
	}
	return s
}

// writeCommit appends a fast-import commit for snap to w.
func writeCommit(w *bytes.Buffer, ref string, mark int, from []int, snap snapshot, when int) {
	fmt.Fprintf(w, "commit %s\nmark :%d\ncommitter C <c@example.com> %d +0000\ndata 2\nc\n", ref, mark, when)
	for i, f := range from {
		if i == 0 {
			fmt.Fprintf(w, "from :%d\n", f)
		} else {
			fmt.Fprintf(w, "merge :%d\n", f)
		}
	}
	w.WriteString("deleteall\n")
	for _, p := range snap.paths() {
		f := snap[p]
		mode := "100644"
		if f.exec {
			mode = "100755"
		}
		if f.link {
			mode = "120000"
		}
		fmt.Fprintf(w, "M %s inline %s\ndata %d\n%s\n", mode, p, len(f.content), f.content)
	}
	w.WriteString("\n")
}

type gitMerge struct {
	tree   string
	clean  bool
	stages []string // "mode hash stage\tpath"
}

func parseMergeTree(out string, code int) gitMerge {
	lines := strings.Split(out, "\n")
	gm := gitMerge{tree: lines[0], clean: code == 0}
	for _, l := range lines[1:] {
		if l == "" {
			break
		}
		gm.stages = append(gm.stages, l)
	}
	return gm
}

func easelStages(res *Result) []string {
	var out []string
	for _, c := range res.Conflicts {
		for i, e := range []*Entry{c.Base, c.Ours, c.Theirs} {
			if e != nil {
				out = append(out, fmt.Sprintf("%06o %s %d\t%s", uint32(e.Mode), e.Hash, i+1, c.Path))
			}
		}
	}
	return out
}

func TestAgainstGitRandom(t *testing.T) {
	gittest.Need(t)
	cases := oracleCases(300, 60)
	var stream bytes.Buffer
	g := &gen{r: rand.New(rand.NewPCG(oracleSeed(1), 2))}
	for i := 0; i < cases; i++ {
		base := g.base()
		var shared func(snapshot)
		if g.r.IntN(4) == 0 {
			// Both sides make one identical change.
			p := base.paths()
			if len(p) > 0 {
				target := p[g.r.IntN(len(p))]
				newContent := g.edit(base[target].content)
				shared = func(s snapshot) { s[target] = genFile{content: newContent, exec: s[target].exec} }
			}
		}
		ours := g.mutate(base, shared)
		theirs := g.mutate(base, shared)
		m := i * 3
		writeCommit(&stream, fmt.Sprintf("refs/heads/c%d/base", i), m+1, nil, base, 1700000000)
		writeCommit(&stream, fmt.Sprintf("refs/heads/c%d/ours", i), m+2, []int{m + 1}, ours, 1700000100)
		writeCommit(&stream, fmt.Sprintf("refs/heads/c%d/theirs", i), m+3, []int{m + 1}, theirs, 1700000200)
	}
	dir := importHistories(t, stream.Bytes(), true, true)
	compareWithGit(t, dir, cases, func(i int) (string, string) {
		return fmt.Sprintf("c%d/ours", i), fmt.Sprintf("c%d/theirs", i)
	})
}

// compareWithGit merges each pair of branches with git and with
// MergeCommits and reports how often they agree; any difference fails.
func compareWithGit(t *testing.T, dir string, cases int, names func(int) (string, string)) {
	st := filesystem.NewStorage(osfs.New(dir), cache.NewObjectLRUDefault())
	ctx := context.Background()
	var verdictOK, treeOK, stagesOK, basesOK, cleanCases, conflictCases, gitCrashed int
	for i := 0; i < cases; i++ {
		on, tn := names(i)
		out, code := gittest.Run(t, dir, nil, "merge-tree", "--write-tree", on, tn)
		if code < 0 {
			// git itself aborts on a few rare rename tangles (an
			// assertion in merge-ort.c in 2.39); there is no verdict to
			// compare with.
			gitCrashed++
			continue
		}
		if code > 1 {
			t.Fatalf("case %d: git merge-tree failed: %s", i, out)
		}
		gm := parseMergeTree(out, code)
		oh, _ := gittest.Run(t, dir, nil, "rev-parse", on)
		th, _ := gittest.Run(t, dir, nil, "rev-parse", tn)
		gb, _ := gittest.Run(t, dir, nil, "merge-base", "--all", on, tn)
		eb, err := MergeBases(ctx, st, plumbing.NewHash(strings.TrimSpace(oh)), plumbing.NewHash(strings.TrimSpace(th)))
		if err != nil {
			t.Fatalf("case %d: merge bases: %v", i, err)
		}
		var ebs []string
		for _, h := range eb {
			ebs = append(ebs, h.String())
		}
		if want := strings.Fields(gb); strings.Join(ebs, " ") != strings.Join(want, " ") {
			t.Errorf("case %d: merge bases: git %v, easel %v", i, want, ebs)
		} else {
			basesOK++
		}
		res, _, err := MergeCommits(ctx, st, plumbing.NewHash(strings.TrimSpace(oh)), plumbing.NewHash(strings.TrimSpace(th)),
			Options{OursName: on, TheirsName: tn})
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if gm.clean {
			cleanCases++
		} else {
			conflictCases++
		}
		vOK := res.Clean == gm.clean
		tOK := res.Tree.String() == gm.tree
		sOK := strings.Join(easelStages(res), "\n") == strings.Join(gm.stages, "\n")
		if vOK {
			verdictOK++
		}
		if tOK {
			treeOK++
		}
		if sOK {
			stagesOK++
		}
		if !vOK || !tOK || !sOK {
			msgOut, _ := gittest.Run(t, dir, nil, "merge-tree", "--write-tree", "--name-only", on, tn)
			t.Errorf("case %d: verdict git=%v easel=%v; tree git=%s easel=%s\ngit:\n%s\neasel stages:\n%s\neasel messages:\n%s",
				i, gm.clean, res.Clean, gm.tree, res.Tree, msgOut,
				strings.Join(easelStages(res), "\n"), strings.Join(res.Messages, "\n"))
		}
	}
	t.Logf("%d cases (%d clean, %d conflicted in git, %d where git aborted): merge bases agree %d, verdict agrees %d, merged tree id agrees %d, index stages agree %d",
		cases, cleanCases, conflictCases, gitCrashed, basesOK, verdictOK, treeOK, stagesOK)
}

// TestAgainstGitCrissCross builds criss-cross histories (two merge bases),
// so both git and easel merge the bases into a virtual one first.
func TestAgainstGitCrissCross(t *testing.T) {
	gittest.Need(t)
	cases := oracleCases(100, 30)
	var stream bytes.Buffer
	g := &gen{r: rand.New(rand.NewPCG(oracleSeed(7), 3))}
	for i := 0; i < cases; i++ {
		base := g.base()
		a1 := g.mutate(base, nil)
		b1 := g.mutate(base, nil)
		a2 := g.mutate(a1, nil)
		b2 := g.mutate(b1, nil)
		ours := g.mutate(a2, nil)
		theirs := g.mutate(b2, nil)
		m := i * 10
		ref := func(s string) string { return fmt.Sprintf("refs/heads/x%d/%s", i, s) }
		writeCommit(&stream, ref("base"), m+1, nil, base, 1700000000)
		writeCommit(&stream, ref("a1"), m+2, []int{m + 1}, a1, 1700000100)
		writeCommit(&stream, ref("b1"), m+3, []int{m + 1}, b1, 1700000200)
		writeCommit(&stream, ref("a2"), m+4, []int{m + 2, m + 3}, a2, 1700000300)
		writeCommit(&stream, ref("b2"), m+5, []int{m + 3, m + 2}, b2, 1700000400)
		writeCommit(&stream, ref("ours"), m+6, []int{m + 4}, ours, 1700000500)
		writeCommit(&stream, ref("theirs"), m+7, []int{m + 5}, theirs, 1700000600)
	}
	dir := importHistories(t, stream.Bytes(), true, true)
	compareWithGit(t, dir, cases, func(i int) (string, string) {
		return fmt.Sprintf("x%d/ours", i), fmt.Sprintf("x%d/theirs", i)
	})
}

// TestAgainstGitFavor merges random branch pairs with -X ours and -X
// theirs, in a work tree with git merge (git 2.39's merge-tree takes no
// -X), and compares the verdict, the merged tree when clean and the
// unmerged index entries when not.
func TestAgainstGitFavor(t *testing.T) {
	gittest.Need(t)
	cases := oracleCases(60, 15)
	var stream bytes.Buffer
	g := &gen{r: rand.New(rand.NewPCG(5, 4))}
	for i := 0; i < cases; i++ {
		base := g.base()
		m := i * 3
		writeCommit(&stream, fmt.Sprintf("refs/heads/f%d/base", i), m+1, nil, base, 1700000000)
		writeCommit(&stream, fmt.Sprintf("refs/heads/f%d/ours", i), m+2, []int{m + 1}, g.mutate(base, nil), 1700000100)
		writeCommit(&stream, fmt.Sprintf("refs/heads/f%d/theirs", i), m+3, []int{m + 1}, g.mutate(base, nil), 1700000200)
	}
	dir := importHistories(t, stream.Bytes(), false, false)
	st := filesystem.NewStorage(osfs.New(filepath.Join(dir, ".git")), cache.NewObjectLRUDefault())
	ctx := context.Background()
	agree, resolvedByFavor, compared := 0, 0, 0
	for i := 0; i < cases; i++ {
		on, tn := fmt.Sprintf("f%d/ours", i), fmt.Sprintf("f%d/theirs", i)
		oh, _ := gittest.Run(t, dir, nil, "rev-parse", on)
		th, _ := gittest.Run(t, dir, nil, "rev-parse", tn)
		_, plain := gittest.Run(t, dir, nil, "merge-tree", "--write-tree", on, tn)
		for _, favor := range []string{FavorOurs, FavorTheirs} {
			gittest.Run(t, dir, nil, "reset", "-q", "--hard")
			gittest.Run(t, dir, nil, "clean", "-fdqx")
			if out, code := gittest.Run(t, dir, nil, "checkout", "-q", "-f", "--detach", on); code != 0 {
				t.Fatalf("case %d: checkout: %s", i, out)
			}
			out, code := gittest.Run(t, dir, nil, "merge", "-q", "--no-edit", "-X", favor, tn)
			if code < 0 || code > 1 {
				continue // git aborted (see compareWithGit) or refused
			}
			compared++
			res, _, err := MergeCommits(ctx, st, plumbing.NewHash(strings.TrimSpace(oh)), plumbing.NewHash(strings.TrimSpace(th)),
				Options{OursName: "HEAD", TheirsName: tn, Favor: favor})
			if err != nil {
				t.Fatalf("case %d: %v", i, err)
			}
			var want string
			if code == 0 {
				want, _ = gittest.Run(t, dir, nil, "rev-parse", "HEAD^{tree}")
				if res.Clean && res.Tree.String() == strings.TrimSpace(want) {
					agree++
					if plain == 1 {
						resolvedByFavor++
					}
					continue
				}
			} else {
				want, _ = gittest.Run(t, dir, nil, "ls-files", "-u")
				if !res.Clean && strings.Join(easelStages(res), "\n") == strings.TrimSpace(want) {
					agree++
					continue
				}
			}
			t.Errorf("case %d, -X %s: git clean=%v easel clean=%v (tree %s)\ngit:\n%s%s\neasel stages:\n%s",
				i, favor, code == 0, res.Clean, res.Tree, want, out, strings.Join(easelStages(res), "\n"))
		}
	}
	t.Logf("%d merges with -X ours/theirs compared with git merge: %d agree; %d of them conflicted without -X and merged cleanly with it", compared, agree, resolvedByFavor)
	if resolvedByFavor == 0 {
		t.Error("no case had a conflict that -X resolved: the generator no longer exercises it")
	}
}
