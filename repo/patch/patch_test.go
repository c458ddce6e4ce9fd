package patch

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/merge/linediff"
)

func blob(data string) plumbing.Hash {
	return plumbing.ComputeHash(plumbing.BlobObject, []byte(data))
}

func side(path, data string, mode filemode.FileMode) Side {
	return Side{Path: path, Mode: mode, Hash: blob(data), Data: []byte(data)}
}

// randomText makes files that look like code: mostly distinct lines with
// blank lines, braces and a few repeated statements between them, where
// git's sliding rules decide how insertions and deletions are printed.
func randomText(rng *rand.Rand, n int) []string {
	common := []string{"\n", "\n", "}\n", "\treturn\n", "  x\n"}
	out := make([]string, n)
	for i := range out {
		switch r := rng.Intn(10); {
		case r < 3:
			out[i] = common[rng.Intn(len(common))]
		case r == 3:
			out[i] = fmt.Sprintf("func f%d() {\n", rng.Intn(1000))
		default:
			out[i] = fmt.Sprintf("\tstmt %d\n", rng.Intn(100000))
		}
	}
	return out
}

func mutate(rng *rand.Rand, lines []string) []string {
	out := append([]string(nil), lines...)
	for k := rng.Intn(6) + 1; k > 0; k-- {
		if len(out) == 0 {
			out = append(out, "new\n")
			continue
		}
		i := rng.Intn(len(out))
		switch rng.Intn(4) {
		case 0:
			out = append(out[:i], out[i+1:]...)
		case 1:
			ins := randomText(rng, rng.Intn(3)+1)
			out = append(out[:i], append(ins, out[i:]...)...)
		case 2:
			out[i] = "changed " + out[i]
		case 3:
			// Duplicate a run: the classic ambiguous insertion.
			j := min(len(out), i+rng.Intn(4)+1)
			out = append(out[:j], append(append([]string(nil), out[i:j]...), out[j:]...)...)
		}
	}
	return out
}

func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@x")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v", args[0], err)
	}
	return string(out)
}

// TestUnifiedMatchesGit writes many random edits of ambiguous text, lets
// git diff them in a repository, and compares every byte of the output.
func TestUnifiedMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	runGit(t, dir, "init", "-q", "-b", "main")
	rng := rand.New(rand.NewSource(1))
	var pairs []FilePatch
	for i := 0; i < 60; i++ {
		a := randomText(rng, rng.Intn(40))
		b := mutate(rng, a)
		as, bs := strings.Join(a, ""), strings.Join(b, "")
		if i%7 == 3 && len(bs) > 0 {
			bs = strings.TrimSuffix(bs, "\n") // no newline at the end
		}
		name := fmt.Sprintf("f%02d.txt", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(as), 0o644); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, FilePatch{From: side(name, as, filemode.Regular), To: side(name, bs, filemode.Regular)})
	}
	runGit(t, dir, "add", ".")
	runGit(t, dir, "commit", "-q", "-m", "base")
	for _, p := range pairs {
		if err := os.WriteFile(filepath.Join(dir, p.To.Path), p.To.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Which of several equally short diffs a diff algorithm picks is up to
	// the algorithm; git's -U0 hunks say which one git picked. From that
	// alignment, the formatter must print exactly what git prints, and
	// the sliding rules must bring any shifted variant of it back.
	u0 := splitByFile(runGit(t, dir, "diff", "-U0"))
	for _, ctx := range []int{3, 0, 1} {
		want := splitByFile(runGit(t, dir, "diff", fmt.Sprintf("-U%d", ctx)))
		for _, p := range pairs {
			gitEdits := parseEdits(t, u0[p.To.Path])
			if gitEdits == nil {
				continue
			}
			al, bl := SplitLines(p.From.Data), SplitLines(p.To.Data)
			var got bytes.Buffer
			if err := writeUnified(&got, p, Options{Context: ctx}, gitEdits); err != nil {
				t.Fatal(err)
			}
			if got.String() != want[p.To.Path] {
				t.Fatalf("-U%d %s: formatting differs\n got\n%s\nwant\n%s", ctx, p.To.Path, got.String(), want[p.To.Path])
			}
			if ctx != 3 {
				continue
			}
			shifted := unslide(al, bl, gitEdits)
			if fmt.Sprint(compactEdits(al, bl, shifted)) != fmt.Sprint(gitEdits) {
				t.Fatalf("%s: sliding %v gives %v, git has %v", p.To.Path, shifted, compactEdits(al, bl, shifted), gitEdits)
			}
		}
	}
}

// splitByFile cuts git diff output into per-file sections.
func splitByFile(out string) map[string]string {
	m := map[string]string{}
	parts := strings.Split(out, "diff --git ")
	for _, p := range parts[1:] {
		name := strings.TrimPrefix(strings.Fields(p)[0], "a/")
		m[name] = "diff --git " + p
	}
	return m
}

// parseEdits reads the line ranges of -U0 hunk headers.
func parseEdits(t *testing.T, section string) []Edit {
	var edits []Edit
	for _, l := range strings.Split(section, "\n") {
		if !strings.HasPrefix(l, "@@ -") {
			continue
		}
		var s1, c1, s2, c2 int
		f := strings.Fields(l)
		parse := func(spec string, s, c *int) {
			*c = 1
			if i := strings.IndexByte(spec, ','); i >= 0 {
				fmt.Sscan(spec[i+1:], c)
				spec = spec[:i]
			}
			fmt.Sscan(spec, s)
		}
		parse(f[1][1:], &s1, &c1)
		parse(f[2][1:], &s2, &c2)
		a0, b0 := s1-1, s2-1
		if c1 == 0 {
			a0 = s1
		}
		if c2 == 0 {
			b0 = s2
		}
		edits = append(edits, Edit{A0: a0, A1: a0 + c1, B0: b0, B1: b0 + c2})
	}
	return edits
}

// unslide moves every pure insertion or deletion as far up as it can go,
// giving another valid diff with the same matches in a different place.
func unslide(a, b []string, edits []Edit) []linediff.Hunk {
	var out []linediff.Hunk
	prevA, prevB := 0, 0
	for _, e := range edits {
		h := linediff.Hunk{A0: e.A0, A1: e.A1, B0: e.B0, B1: e.B1}
		for h.A0 == h.A1 && h.B0 > prevB && h.A0 > prevA && b[h.B0-1] == b[h.B1-1] {
			h.A0, h.A1, h.B0, h.B1 = h.A0-1, h.A1-1, h.B0-1, h.B1-1
		}
		for h.B0 == h.B1 && h.A0 > prevA && h.B0 > prevB && a[h.A0-1] == a[h.A1-1] {
			h.A0, h.A1, h.B0, h.B1 = h.A0-1, h.A1-1, h.B0-1, h.B1-1
		}
		out = append(out, h)
		prevA, prevB = h.A1, h.B1
	}
	return out
}

func TestHeaders(t *testing.T) {
	var b bytes.Buffer
	check := func(p FilePatch, want string) {
		t.Helper()
		b.Reset()
		if err := WriteUnified(&b, p, Options{Context: 3}); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("got\n%s\nwant\n%s", b.String(), want)
		}
	}
	e := blob("")
	check(FilePatch{To: side("e", "", filemode.Regular)},
		"diff --git a/e b/e\nnew file mode 100644\nindex 0000000.."+e.String()[:7]+"\n")
	x := side("x", "x\n", filemode.Regular)
	xe := x
	xe.Mode = filemode.Executable
	check(FilePatch{From: x, To: xe}, "diff --git a/x b/x\nold mode 100644\nnew mode 100755\n")
	check(FilePatch{From: x, To: x}, "")
	bin := side("b", "\x00\x01", filemode.Regular)
	check(FilePatch{From: bin}, "diff --git a/b b/b\ndeleted file mode 100644\nindex "+bin.Hash.String()[:7]+"..0000000\nBinary files a/b and /dev/null differ\n")
	q := side("é\t.txt", "1\n", filemode.Regular)
	check(FilePatch{To: q}, "diff --git \"a/\\303\\251\\t.txt\" \"b/\\303\\251\\t.txt\"\nnew file mode 100644\nindex 0000000.."+q.Hash.String()[:7]+"\n--- /dev/null\n+++ \"b/\\303\\251\\t.txt\"\n@@ -0,0 +1 @@\n+1\n")
}

func TestColor(t *testing.T) {
	var b bytes.Buffer
	p := FilePatch{From: side("f", "a\nb\n", filemode.Regular), To: side("f", "a\nc\n", filemode.Regular)}
	if err := WriteUnified(&b, p, Options{Context: 3, Color: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\x1b[1mdiff --git a/f b/f\x1b[m\n", "\x1b[36m@@ -1,2 +1,2 @@\x1b[m\n", " a\n", "\x1b[31m-b\x1b[m\n", "\x1b[32m+c\x1b[m\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("coloured output lacks %q:\n%q", want, b.String())
		}
	}
}

func TestStatMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	runGit(t, dir, "init", "-q", "-b", "main")
	files := map[string][2]string{
		"small": {"a\nb\n", "a\nc\nd\n"},
		"big":   {strings.Repeat("line\n", 10), strings.Repeat("other\n", 300)},
		"gone":  {"x\n", ""},
		"bin":   {"\x00ab", "\x00abcdef"},
		"dir/" + strings.Repeat("long-name-", 8) + ".txt": {"1\n", "2\n"},
	}
	var entries []StatEntry
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sortStrings(names)
	for _, n := range names {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(n)), 0o755)
		os.WriteFile(filepath.Join(dir, n), []byte(files[n][0]), 0o644)
	}
	runGit(t, dir, "add", ".")
	runGit(t, dir, "commit", "-q", "-m", "base")
	for _, n := range names {
		f := files[n]
		p := FilePatch{From: side(n, f[0], filemode.Regular), To: side(n, f[1], filemode.Regular)}
		if n == "gone" {
			os.Remove(filepath.Join(dir, n))
			p.To = Side{}
		} else {
			os.WriteFile(filepath.Join(dir, n), []byte(f[1]), 0o644)
		}
		add, del, bin := Counts(p, linediff.Myers)
		entries = append(entries, StatEntry{Name: n, Added: add, Deleted: del, Binary: bin})
	}
	for _, width := range []int{80, 40, 200} {
		want := runGit(t, dir, "diff", fmt.Sprintf("--stat=%d", width))
		var got bytes.Buffer
		if err := WriteStat(&got, entries, width, false); err != nil {
			t.Fatal(err)
		}
		if got.String() != want {
			t.Errorf("width %d:\n got\n%s\nwant\n%s", width, got.String(), want)
		}
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// bigPair is a 32,000-line file and a copy with 10% of its lines changed,
// spread through the file.
func bigPair() (FilePatch, int) {
	rng := rand.New(rand.NewSource(42))
	var a, b strings.Builder
	changed := 0
	for i := 0; i < 32000; i++ {
		line := fmt.Sprintf("line %d: %x\n", i, rng.Int63())
		a.WriteString(line)
		if rng.Intn(10) == 0 {
			changed++
			b.WriteString(fmt.Sprintf("edited %d: %x\n", i, rng.Int63()))
			continue
		}
		b.WriteString(line)
	}
	return FilePatch{From: side("big.txt", a.String(), filemode.Regular), To: side("big.txt", b.String(), filemode.Regular)}, changed
}

func TestBigDiffIsComplete(t *testing.T) {
	p, changed := bigPair()
	add, del, _ := Counts(p, linediff.Myers)
	if add != changed || del != changed {
		t.Fatalf("counted +%d -%d, want %d each", add, del, changed)
	}
}

// BenchmarkUnified32kLines10pct formats the unified diff of a 32,000-line
// file with 10% of its lines changed.
func BenchmarkUnified32kLines10pct(b *testing.B) {
	p, _ := bigPair()
	var out bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out.Reset()
		if err := WriteUnified(&out, p, Options{Context: 3, Algorithm: linediff.Myers}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFormat32kLines10pct measures what this package adds on top of
// the diff core for the same file: sliding and printing, from a known diff.
func BenchmarkFormat32kLines10pct(b *testing.B) {
	p, _ := bigPair()
	al, bl := SplitLines(p.From.Data), SplitLines(p.To.Data)
	var hunks []linediff.Hunk
	for i := range al {
		if al[i] != bl[i] {
			if n := len(hunks); n > 0 && hunks[n-1].A1 == i {
				hunks[n-1].A1, hunks[n-1].B1 = i+1, i+1
				continue
			}
			hunks = append(hunks, linediff.Hunk{A0: i, A1: i + 1, B0: i, B1: i + 1})
		}
	}
	var out bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out.Reset()
		edits := compactEdits(al, bl, hunks)
		if err := writeUnified(&out, p, Options{Context: 3}, edits); err != nil {
			b.Fatal(err)
		}
	}
}

// Names as git's pprint_rename prints them (checked with git diff --stat).
func TestRenameName(t *testing.T) {
	for _, c := range [][3]string{
		{"a.txt", "c.txt", "a.txt => c.txt"},
		{"dir/sub/deep.txt", "dir/other/deep.txt", "dir/{sub => other}/deep.txt"},
		{"src/x/file.c", "lib/x/file.c", "{src => lib}/x/file.c"},
		{"d/e/f.txt", "d/g.txt", "d/{e/f.txt => g.txt}"},
	} {
		if got := RenameName(c[0], c[1]); got != c[2] {
			t.Errorf("RenameName(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}
