package diff3

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"easel.dev/easel/merge/linediff"
)

// wideTriple complements triple: besides letters it uses blank lines,
// lone braces and indented numbers, so that conflicts separated by lines
// without letters or digits (git merge-file joins them) and the sliding
// of hunks along blank lines are exercised; line endings are chosen per
// line, and the last line of each file may lack its newline.
func wideTriple(r *rand.Rand) (base, ours, theirs []byte) {
	alphabet := []int{1, 2, 3, 5, 8, 26, 200}[r.Intn(7)]
	n := r.Intn(30)
	if r.Intn(20) == 0 {
		n = 100 + r.Intn(300)
	}
	word := func() string {
		k := r.Intn(alphabet)
		switch r.Intn(12) {
		case 0:
			return ""
		case 1:
			return "}"
		case 2:
			return "  " + strconv.Itoa(k)
		}
		return string(rune('a'+k%26)) + strings.Repeat("x", k/26)
	}
	b := make([]string, n)
	for i := range b {
		b[i] = word()
	}
	edit := func(src []string) []string {
		out := append([]string(nil), src...)
		for k := r.Intn(5); k >= 0; k-- {
			p := r.Intn(len(out) + 1)
			switch r.Intn(4) {
			case 0:
				ins := make([]string, 1+r.Intn(3))
				for i := range ins {
					ins[i] = word()
				}
				out = append(out[:p], append(ins, out[p:]...)...)
			case 1:
				out = append(out[:p], out[min(len(out), p+1+r.Intn(3)):]...)
			default:
				for i := p; i < min(len(out), p+1+r.Intn(3)); i++ {
					out[i] = word()
				}
			}
		}
		return out
	}
	o := edit(b)
	var t []string
	switch r.Intn(6) {
	case 0:
		t = append([]string(nil), o...)
		if r.Intn(2) == 0 {
			t = edit(t)
		}
	case 1:
		t = edit(b)
		if len(t) > 0 {
			t[r.Intn(len(t))] = word()
		}
	default:
		t = edit(b)
	}
	eol := "\n"
	if r.Intn(5) == 0 {
		eol = "\r\n"
	}
	join := func(lines []string) []byte {
		var sb strings.Builder
		for i, l := range lines {
			sb.WriteString(l)
			e := eol
			if r.Intn(40) == 0 {
				e = map[string]string{"\n": "\r\n", "\r\n": "\n"}[eol]
			}
			if i == len(lines)-1 && r.Intn(4) == 0 {
				e = ""
			}
			sb.WriteString(e)
		}
		return []byte(sb.String())
	}
	return join(b), join(o), join(t)
}

// TestMergeMatchesGitWide runs git merge-file on wideTriple cases with
// random styles, favors and marker sizes, and labels containing spaces.
// Every case must give git's bytes and conflict count. EASEL_DIFF3_RUNS sets the number of cases
// (default 300) and EASEL_DIFF3_SEED the seed.
func TestMergeMatchesGitWide(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	runs := 300
	if s := os.Getenv("EASEL_DIFF3_RUNS"); s != "" {
		runs, _ = strconv.Atoi(s)
	}
	if testing.Short() {
		runs = 150
	}
	seed := int64(1)
	if s := os.Getenv("EASEL_DIFF3_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	r := rand.New(rand.NewSource(seed))
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "o"), filepath.Join(dir, "b"), filepath.Join(dir, "t")}
	var clean, conflicted, sameBytes, sameCount, reported int
	for i := 0; i < runs; i++ {
		base, ours, theirs := wideTriple(r)
		opts := Options{Algorithm: linediff.Myers, AlnumSimplify: true}
		var args []string
		switch r.Intn(3) {
		case 1:
			opts.Style = StyleDiff3
			args = append(args, "--diff3")
		case 2:
			opts.Style = StyleZDiff3
			args = append(args, "--zdiff3")
		}
		if r.Intn(8) == 0 {
			opts.Favor = Favor(1 + r.Intn(3))
			args = append(args, []string{"", "--ours", "--theirs", "--union"}[opts.Favor])
		}
		if r.Intn(8) == 0 {
			opts.MarkerSize = 3 + r.Intn(8)
			args = append(args, "--marker-size="+strconv.Itoa(opts.MarkerSize))
		}
		opts.OursLabel, opts.BaseLabel, opts.TheirsLabel = "ours side", "base", "their side"
		args = append(args, "-L", opts.OursLabel, "-L", opts.BaseLabel, "-L", opts.TheirsLabel)
		for k, data := range [][]byte{ours, base, theirs} {
			if err := os.WriteFile(files[k], data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command("git", append(append([]string{"merge-file", "-p"}, args...), files...)...)
		var out bytes.Buffer
		cmd.Stdout = &out
		gitN := 0
		if err := cmd.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() < 0 || ee.ExitCode() > 127 {
				t.Fatal(err)
			}
			gitN = ee.ExitCode()
		}
		want := out.Bytes()
		got := Merge(base, ours, theirs, opts)
		if (!bytes.Equal(got.Content, want) || got.Conflicts != gitN) && reported < 3 {
			reported++
			t.Errorf("case %d %v:\nbase=%q\nours=%q\ntheirs=%q\ngit (%d):\n%s\neasel (%d):\n%s",
				i, args, base, ours, theirs, gitN, want, got.Conflicts, got.Content)
		}
		if gitN == 0 {
			clean++
			if got.Conflicts != 0 || !bytes.Equal(got.Content, want) {
				t.Errorf("case %d: git merges cleanly, easel differs", i)
			}
			continue
		}
		conflicted++
		if bytes.Equal(got.Content, want) {
			sameBytes++
		}
		if got.Conflicts == gitN {
			sameCount++
		}
	}
	rate := func(a, b int) string {
		if b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f%%", 100*float64(a)/float64(b))
	}
	t.Logf("%d cases: %d clean, %d with conflicts; on conflicts: identical bytes %s, same conflict count %s",
		runs, clean, conflicted, rate(sameBytes, conflicted), rate(sameCount, conflicted))
	if sameBytes != conflicted || sameCount != conflicted {
		t.Errorf("conflicting merges differ from git: bytes %d/%d, counts %d/%d", sameBytes, conflicted, sameCount, conflicted)
	}
}
