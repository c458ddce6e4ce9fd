package repack

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/packobj"

	"easel.dev/easel/internal/gittest"
)

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	gittest.Need(t)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=A",
		"GIT_COMMITTER_EMAIL=a@x", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// history makes a repository of n commits editing a few text files a
// little each time (what deltas are for), all objects loose, and one
// dangling blob.
func history(t *testing.T, n int) string {
	dir := t.TempDir()
	git(t, dir, "init", "-q", "-b", "main")
	rng := rand.New(rand.NewSource(7))
	files := map[string][]string{}
	for _, f := range []string{"a.c", "b.c", "doc/readme.txt", "doc/sub/notes.md"} {
		var lines []string
		for i := 0; i < 200; i++ {
			lines = append(lines, fmt.Sprintf("%s line %d %x", f, i, rng.Int63()))
		}
		files[f] = lines
	}
	for c := 0; c < n; c++ {
		for f, lines := range files {
			if rng.Intn(2) == 0 && c > 0 {
				continue
			}
			for k := 0; k < 3; k++ {
				i := rng.Intn(len(lines))
				lines[i] = fmt.Sprintf("edit %d %x", c, rng.Int63())
			}
			lines = append(lines, fmt.Sprintf("appended %d", c))
			files[f] = lines
			p := filepath.Join(dir, f)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		git(t, dir, "add", "-A")
		git(t, dir, "commit", "-q", "--allow-empty", "-m", fmt.Sprintf("commit %d", c))
	}
	git(t, dir, "tag", "-a", "-m", "release", "v1", "HEAD~3")
	return dir
}

func packs(t *testing.T, dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, ".git/objects/pack/pack-*.pack"))
	sort.Strings(m)
	return m
}

func gitLoose(t *testing.T, dir string) int {
	out := git(t, dir, "count-objects", "-v")
	for _, l := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(l, "count: "); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	return -1
}

func objectsOf(t *testing.T, dir string) []string {
	out := strings.Fields(git(t, dir, "rev-list", "--objects", "--all", "--reflog", "--indexed-objects"))
	var ids []string
	for _, f := range out {
		if len(f) == 40 {
			ids = append(ids, f)
		}
	}
	sort.Strings(ids)
	return ids
}

// verify checks the pack with git and returns its object ids and the
// number of deltas it holds.
func verify(t *testing.T, pack string) ([]string, int) {
	t.Helper()
	out := git(t, filepath.Dir(pack), "verify-pack", "-v", strings.TrimSuffix(pack, ".pack")+".idx")
	var ids []string
	deltas := 0
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 5 && len(f[0]) == 40 {
			ids = append(ids, f[0])
			if len(f) == 7 {
				deltas++
			}
		}
	}
	sort.Strings(ids)
	return ids, deltas
}

func TestRepackAllDeleteMatchesGit(t *testing.T) {
	dir := history(t, 40)
	want := objectsOf(t, dir)
	dangling := strings.TrimSpace(git(t, dir, "hash-object", "-w", "--stdin"))
	db := odb.Open(filepath.Join(dir, ".git/objects"))
	defer db.Close()
	res, err := Run(db, filepath.Join(dir, ".git"), Options{All: true, Delete: true})
	if err != nil {
		t.Fatal(err)
	}
	ps := packs(t, dir)
	if len(ps) != 1 || !strings.Contains(ps[0], res.Pack) {
		t.Fatalf("packs after repack -ad: %v (new %s)", ps, res.Pack)
	}
	ids, deltas := verify(t, ps[0])
	if strings.Join(ids, " ") != strings.Join(want, " ") {
		t.Fatalf("pack holds %d objects, git lists %d reachable", len(ids), len(want))
	}
	if deltas == 0 || deltas != res.Deltas {
		t.Fatalf("%d deltas in the pack, %d reported", deltas, res.Deltas)
	}
	git(t, dir, "fsck", "--strict", "--no-dangling")
	// Loose objects now packed are gone; the dangling blob stays loose
	// (repack -a never drops loose objects; prune does).
	if n := gitLoose(t, dir); n != 1 {
		t.Fatalf("%d loose objects left, want the dangling one", n)
	}
	if !db.HasLoose(plumbingHash(dangling)) {
		t.Fatal("dangling loose blob removed by repack")
	}

	// The same history packed by git -adf: sizes within 1.2x.
	twin := t.TempDir()
	git(t, twin, "clone", "-q", "--no-local", dir, "r")
	git(t, filepath.Join(twin, "r"), "repack", "-adfq")
	gp := packs(t, filepath.Join(twin, "r"))
	gs, _ := os.Stat(gp[0])
	es, _ := os.Stat(ps[0])
	if float64(es.Size()) > 1.2*float64(gs.Size()) {
		t.Errorf("easel's pack is %d bytes, git's %d", es.Size(), gs.Size())
	}

	// Again, reusing: every delta is copied as it is, same objects.
	res2, err := Run(db, filepath.Join(dir, ".git"), Options{All: true, Delete: true})
	if err != nil {
		t.Fatal(err)
	}
	if res2.ReusedDeltas != res.Deltas || res2.Deltas != res.Deltas {
		t.Fatalf("second repack reused %d deltas of %d (found %d)", res2.ReusedDeltas, res.Deltas, res2.Deltas)
	}
	ps = packs(t, dir)
	if len(ps) != 1 {
		t.Fatalf("packs after a second repack: %v", ps)
	}
	if ids2, _ := verify(t, ps[0]); strings.Join(ids2, " ") != strings.Join(want, " ") {
		t.Fatal("second repack changed the objects")
	}
	git(t, dir, "fsck", "--strict", "--no-dangling")
}

func TestRepackIncrementalAndLoosen(t *testing.T) {
	dir := history(t, 10)
	common := filepath.Join(dir, ".git")
	db := odb.Open(filepath.Join(common, "objects"))
	defer db.Close()
	if _, err := Run(db, common, Options{Delete: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(packs(t, dir)); n != 1 {
		t.Fatalf("%d packs after the first incremental repack", n)
	}
	if _, err := Run(db, common, Options{Delete: true}); err != ErrNothing {
		t.Fatalf("second incremental repack: %v, want nothing new", err)
	}
	// New commits: an incremental repack packs only them.
	os.WriteFile(filepath.Join(dir, "new.txt"), []byte("new\n"), 0o644)
	git(t, dir, "add", "new.txt")
	git(t, dir, "commit", "-q", "-m", "new")
	res, err := Run(db, common, Options{Delete: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != 3 { // commit, tree, blob
		t.Fatalf("incremental repack packed %d objects, want 3", res.Objects)
	}
	if n := len(packs(t, dir)); n != 2 {
		t.Fatalf("%d packs, want 2", n)
	}
	// Make the last commit unreachable (reflogs too), then -A -d: its
	// objects leave the packs but stay loose; -a -d would drop them.
	lost := strings.TrimSpace(git(t, dir, "rev-parse", "HEAD"))
	git(t, dir, "reset", "-q", "--hard", "HEAD~")
	git(t, dir, "reflog", "expire", "--expire=now", "--all")
	res, err = Run(db, common, Options{All: true, Loosen: true, Delete: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loosened != 3 || len(res.RemovedPacks) != 2 {
		t.Fatalf("-A -d loosened %d objects, removed %d packs", res.Loosened, len(res.RemovedPacks))
	}
	if got := git(t, dir, "cat-file", "-t", lost); strings.TrimSpace(got) != "commit" {
		t.Fatalf("unreachable commit after -A -d: %q", got)
	}
	git(t, dir, "fsck", "--strict")
	res, err = Run(db, common, Options{All: true, Delete: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loosened != 0 || gitLoose(t, dir) != 3 {
		t.Fatalf("-a -d: %d loosened, %d loose", res.Loosened, gitLoose(t, dir))
	}
}

func TestKeepPackIsLeftAlone(t *testing.T) {
	dir := history(t, 5)
	git(t, dir, "repack", "-adq")
	kept := packs(t, dir)[0]
	os.WriteFile(strings.TrimSuffix(kept, ".pack")+".keep", nil, 0o644)
	os.WriteFile(filepath.Join(dir, "x.txt"), []byte("x\n"), 0o644)
	git(t, dir, "add", "x.txt")
	git(t, dir, "commit", "-q", "-m", "x")
	db := odb.Open(filepath.Join(dir, ".git/objects"))
	defer db.Close()
	res, err := Run(db, filepath.Join(dir, ".git"), Options{All: true, Delete: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != 3 || len(res.RemovedPacks) != 0 {
		t.Fatalf("repack beside a kept pack: %d objects, removed %v", res.Objects, res.RemovedPacks)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatal("kept pack removed")
	}
	git(t, dir, "fsck", "--strict")
}

// TestCorpusSize repacks git's own history and compares with git repack
// -adf's size (the figure of the benchmark, as a bound).
func TestCorpusSize(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus repack takes minutes")
	}
	bundle := os.Getenv("EASEL_CORPUS")
	if bundle == "" {
		bundle = filepath.Join("..", "..", "..", "shared", "corpus", "git-v1.8.4.bundle")
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Skipf("corpus bundle not found at %s (set EASEL_CORPUS)", bundle)
	}
	if testing.Short() {
		t.Skip("-short: repacking the corpus takes about a minute of CPU")
	}
	abs, _ := filepath.Abs(bundle)
	dir := t.TempDir()
	git(t, dir, "clone", "-q", "--mirror", abs, "e.git")
	git(t, dir, "clone", "-q", "--mirror", abs, "g.git")
	git(t, filepath.Join(dir, "g.git"), "repack", "-adfq")
	db := odb.Open(filepath.Join(dir, "e.git", "objects"))
	defer db.Close()
	if _, err := Run(db, filepath.Join(dir, "e.git"), Options{All: true, Delete: true, Pack: packobj.Options{NoReuseDelta: true}}); err != nil {
		t.Fatal(err)
	}
	size := func(d string) int64 {
		m, _ := filepath.Glob(filepath.Join(dir, d, "objects/pack/*.pack"))
		var n int64
		for _, p := range m {
			fi, _ := os.Stat(p)
			n += fi.Size()
		}
		return n
	}
	e, g := size("e.git"), size("g.git")
	t.Logf("easel %d bytes, git %d bytes: %.3f", e, g, float64(e)/float64(g))
	if float64(e) > 1.2*float64(g) {
		t.Errorf("easel's repack is %d bytes, more than 1.2x git's %d", e, g)
	}
	git(t, filepath.Join(dir, "e.git"), "fsck", "--no-dangling")
}

func plumbingHash(s string) plumbing.Hash { return plumbing.NewHash(s) }
