package remote

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/revlist"
)

// randomHistory makes a bare repository with n commits on several
// branches, merges, files that go back to older contents, commit dates
// that sometimes go backwards, and annotated tags; it returns the ids of
// the commits and tags.
func randomHistory(t *testing.T, seed uint64, n int) (string, []plumbing.Hash) {
	t.Helper()
	rnd := rand.New(rand.NewPCG(seed, seed))
	dir := filepath.Join(t.TempDir(), "r.git")
	git(t, filepath.Dir(dir), "init", "-q", "--bare", dir)
	var b strings.Builder
	when := int64(1700000000)
	tags := 0
	for i := 1; i <= n; i++ {
		when += rnd.Int64N(100)
		date := when
		if rnd.IntN(10) == 0 {
			date -= rnd.Int64N(2000) // a skewed clock
		}
		fmt.Fprintf(&b, "commit refs/heads/b%d\nmark :%d\ncommitter A <a@example.com> %d +0000\ndata 2\nc\n", rnd.IntN(4), i, date)
		if i > 1 {
			fmt.Fprintf(&b, "from :%d\n", i-1-rnd.IntN(min(i-1, 6)))
			if i > 3 && rnd.IntN(5) == 0 {
				fmt.Fprintf(&b, "merge :%d\n", 1+rnd.IntN(i-1))
			}
		}
		for range 1 + rnd.IntN(3) {
			content := fmt.Sprintf("content %d\n", rnd.IntN(8)) // few contents: files return to old ones
			fmt.Fprintf(&b, "M 100644 inline d%d/e%d/f%d\ndata %d\n%s\n", rnd.IntN(3), rnd.IntN(2), rnd.IntN(6), len(content), content)
		}
		if rnd.IntN(8) == 0 {
			tags++
			fmt.Fprintf(&b, "tag t%d\nfrom :%d\ntagger A <a@example.com> %d +0000\ndata 2\nt\n", tags, i, when)
		}
	}
	marks := filepath.Join(t.TempDir(), "marks")
	cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet", "--export-marks="+marks)
	cmd.Stdin = strings.NewReader(b.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fast-import: %v\n%s", err, out)
	}
	f, err := os.Open(marks)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []plumbing.Hash
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		_, id, _ := strings.Cut(sc.Text(), " ")
		ids = append(ids, plumbing.NewHash(id))
	}
	for _, tag := range strings.Fields(git(t, dir, "for-each-ref", "--format=%(objectname)", "refs/tags")) {
		ids = append(ids, plumbing.NewHash(tag))
	}
	return dir, ids
}

// The objects chosen for a pack are never fewer than what the other side
// lacks (go-git's full-history revlist is the oracle) and never more than
// what the wants reach, over random histories and random wants and haves.
func TestObjectsToSendAgainstRevlist(t *testing.T) {
	needGit(t)
	for seed := uint64(1); seed <= 3; seed++ {
		dir, ids := randomHistory(t, seed, 150)
		st := OpenObjectStore(dir)
		rnd := rand.New(rand.NewPCG(seed, 99))
		pick := func(k int) []plumbing.Hash {
			var out []plumbing.Hash
			for range k {
				out = append(out, ids[rnd.IntN(len(ids))])
			}
			return out
		}
		extra := 0
		for range 100 {
			wants, haves := pick(1+rnd.IntN(2)), pick(rnd.IntN(4))
			got, err := MissingObjects(context.Background(), st, wants, haves)
			if err != nil {
				t.Fatal(err)
			}
			need, err := revlist.Objects(st, wants, haves)
			if err != nil {
				t.Fatal(err)
			}
			reach, err := revlist.Objects(st, wants, nil)
			if err != nil {
				t.Fatal(err)
			}
			in := map[plumbing.Hash]bool{}
			for _, h := range got {
				if in[h] {
					t.Fatalf("seed %d: %s listed twice", seed, h)
				}
				in[h] = true
			}
			for _, h := range need {
				if !in[h] {
					t.Fatalf("seed %d, wants %v, haves %v: %s is missing on the other side but not sent", seed, wants, haves, h)
				}
			}
			r := map[plumbing.Hash]bool{}
			for _, h := range reach {
				r[h] = true
			}
			for _, h := range got {
				if !r[h] {
					t.Fatalf("seed %d: %s is sent but not reachable from the wants", seed, h)
				}
			}
			extra += len(got) - len(need)
		}
		st.Close()
		t.Logf("seed %d: %d objects sent beyond the exact set over 100 random cases", seed, extra)
	}
}

// BenchmarkMissingObjectsLongHistory is a push of one commit on top of a
// long linear history: its cost must not grow with the history.
func BenchmarkMissingObjectsLongHistory(b *testing.B) {
	if _, err := exec.LookPath("git"); err != nil {
		b.Skip("git not installed")
	}
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprint(n, "commits"), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "r.git")
			if out, err := exec.Command("git", "init", "-q", "--bare", dir).CombinedOutput(); err != nil {
				b.Fatalf("%v %s", err, out)
			}
			var s strings.Builder
			for i := 0; i < n; i++ {
				fmt.Fprintf(&s, "commit refs/heads/main\ncommitter A <a@example.com> %d +0000\ndata 2\nc\n", 1700000000+i)
				for f := 0; f < 100 && (i == 0 || f == 0); f++ {
					c := fmt.Sprintf("file %d at %d\n", f, i)
					fmt.Fprintf(&s, "M 100644 inline d%d/f%d\ndata %d\n%s\n", (f+i)%10, (f+i)%100, len(c), c)
				}
			}
			cmd := exec.Command("git", "-C", dir, "fast-import", "--quiet")
			cmd.Stdin = strings.NewReader(s.String())
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v %s", err, out)
			}
			rev := func(r string) plumbing.Hash {
				out, err := exec.Command("git", "-C", dir, "rev-parse", r).Output()
				if err != nil {
					b.Fatal(err)
				}
				return plumbing.NewHash(strings.TrimSpace(string(out)))
			}
			tip, prev := rev("main"), rev("main~1")
			st := OpenObjectStore(dir)
			defer st.Close()
			b.ResetTimer()
			for range b.N {
				hs, err := MissingObjects(context.Background(), st, []plumbing.Hash{tip}, []plumbing.Hash{prev})
				if err != nil || len(hs) != 4 {
					b.Fatalf("%d objects, %v; want 4 (commit, two trees, blob)", len(hs), err)
				}
			}
		})
	}
}

// A fetch offers what it last fetched from the remote first, then local
// branches, then tags: a server looks at the first haves only.
func TestLocalHavesOrder(t *testing.T) {
	needGit(t)
	pinEnv(t)
	dir := t.TempDir()
	r := newWorkRepo(t, dir, "a", "b", "c")
	git(t, dir, "tag", "t0", "HEAD~2")
	git(t, dir, "update-ref", "refs/remotes/other/main", "HEAD~2")
	git(t, dir, "update-ref", "refs/remotes/origin/main", "HEAD~1")
	git(t, dir, "branch", "side", "HEAD~2")
	haves, err := localHaves(r, "origin")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{git(t, dir, "rev-parse", "HEAD~1"), git(t, dir, "rev-parse", "HEAD"), git(t, dir, "rev-parse", "HEAD~2")}
	if strings.Join(haves, " ") != strings.Join(want, " ") {
		t.Fatalf("haves %v, want %v (origin's, main, then side; duplicates once)", haves, want)
	}
}

// A commit whose parent is missing from the store (an incomplete or
// shallow history) is sent with its tree; the walk does not fail on the
// hole, whether the missing commit is on the wanted or the known side.
func TestObjectsToSendMissingParent(t *testing.T) {
	needGit(t)
	pinEnv(t)
	dir := filepath.Join(t.TempDir(), "w")
	newWorkRepo(t, dir, "a", "b", "c")
	first := git(t, dir, "rev-parse", "HEAD~2")
	second := git(t, dir, "rev-parse", "HEAD~1")
	tip := plumbing.NewHash(git(t, dir, "rev-parse", "HEAD"))
	obj := filepath.Join(dir, ".git", "objects", first[:2], first[2:])
	if err := os.Remove(obj); err != nil {
		t.Fatal(err)
	}
	st := OpenObjectStore(filepath.Join(dir, ".git"))
	defer st.Close()
	for _, haves := range [][]plumbing.Hash{nil, {plumbing.NewHash(second)}} {
		got, err := MissingObjects(context.Background(), st, []plumbing.Hash{tip}, haves)
		if err != nil {
			t.Fatalf("haves %v: %v", haves, err)
		}
		found := false
		for _, h := range got {
			found = found || h == tip
		}
		if !found {
			t.Fatalf("haves %v: the tip is not sent: %v", haves, got)
		}
	}
}
