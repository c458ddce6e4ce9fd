package linediff

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var hunkHeader = regexp.MustCompile(`(?m)^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@`)

// gitHunks parses `git diff -U0` output of one file into hunks.
func gitHunks(out string) []Hunk {
	var hs []Hunk
	for _, m := range hunkHeader.FindAllStringSubmatch(out, -1) {
		num := func(s string, def int) int {
			if s == "" {
				return def
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		a0, an := num(m[1], 0), num(m[2], 1)
		b0, bn := num(m[3], 0), num(m[4], 1)
		// -U0 names the line before an empty range.
		if an > 0 {
			a0--
		}
		if bn > 0 {
			b0--
		}
		hs = append(hs, Hunk{a0, a0 + an, b0, b0 + bn})
	}
	return hs
}

// TestDiffMatchesGit compares the slid hunks with git diff -U0 (no indent
// heuristic, so only the algorithm and the sliding rules decide) on
// seeded random pairs, for every algorithm. Which of several equally
// short diffs is chosen must be git's.
func TestDiffMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	r := rand.New(rand.NewSource(7))
	const n = 300
	type pair struct{ a, b []string }
	pairs := make([]pair, n)
	for i := range pairs {
		alphabet := 1 + r.Intn(6)
		size := r.Intn(30)
		if i%10 == 0 {
			size = 300 + r.Intn(700)
			alphabet = []int{3, 30, 300}[r.Intn(3)]
		}
		a := randLines(r, size, alphabet)
		var b []string
		if r.Intn(3) == 0 {
			b = randLines(r, r.Intn(size+5), alphabet)
		} else {
			b = mutate(r, a, alphabet)
			if i%10 == 0 {
				for k := 0; k < 10; k++ {
					b = mutate(r, b, alphabet)
				}
			}
		}
		pairs[i] = pair{a, b}
		for side, l := range [][]string{a, b} {
			p := filepath.Join(dir, []string{"a", "b"}[side], fmt.Sprintf("f%03d", i))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(strings.Join(l, "")), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, alg := range []struct {
		name string
		alg  Algorithm
	}{{"myers", Myers}, {"histogram", Histogram}, {"patience", Patience}, {"minimal", Minimal}} {
		cmd := exec.Command("git", "diff", "--no-index", "--no-indent-heuristic", "-U0", "--no-color",
			"--no-renames", "--diff-algorithm="+alg.name, "a", "b")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
		var out bytes.Buffer
		cmd.Stdout = &out
		_ = cmd.Run() // exit 1: differences
		files := map[string]string{}
		for _, part := range strings.Split(out.String(), "diff --git ")[1:] {
			name := part[strings.Index(part, "a/f"):]
			name = name[2:6]
			files[name] = part
		}
		bad := 0
		for i, p := range pairs {
			want := fmt.Sprint(gitHunks(files[fmt.Sprintf("f%03d", i)]))
			got := fmt.Sprint(Slide(p.a, p.b, Diff(p.a, p.b, alg.alg)))
			if want == "[]" {
				want = fmt.Sprint([]Hunk(nil))
			}
			if got != want {
				bad++
				if bad <= 3 {
					t.Errorf("%s f%03d: a=%q b=%q\n got %s\nwant %s", alg.name, i, p.a, p.b, got, want)
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d of %d differ from git", alg.name, bad, n)
		}
	}
}
