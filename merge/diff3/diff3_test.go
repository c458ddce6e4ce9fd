package diff3

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"easel.dev/easel/merge/linediff"
)

func TestMergeExamples(t *testing.T) {
	base := "a\nb\nc\nd\ne\n"
	cases := []struct {
		name, ours, theirs string
		opts               Options
		want               string
		conflicts          int
	}{
		{"clean", "A\nb\nc\nd\ne\n", "a\nb\nc\nd\nE\n", Options{}, "A\nb\nc\nd\nE\n", 0},
		{"identical change", "a\nX\nc\nd\ne\n", "a\nX\nc\nd\ne\n", Options{}, "a\nX\nc\nd\ne\n", 0},
		{"conflict", "a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n", Options{OursLabel: "ours", TheirsLabel: "theirs"},
			"a\n<<<<<<< ours\nX\n=======\nY\n>>>>>>> theirs\nc\nd\ne\n", 1},
		{"adjacent", "a\nX\nc\nd\ne\n", "a\nb\nY\nd\ne\n", Options{},
			"a\n<<<<<<<\nX\nc\n=======\nb\nY\n>>>>>>>\nd\ne\n", 1},
		{"diff3", "a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n", Options{Style: StyleDiff3, BaseLabel: "base"},
			"a\n<<<<<<<\nX\n||||||| base\nb\n=======\nY\n>>>>>>>\nc\nd\ne\n", 1},
		{"ours", "a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n", Options{Favor: FavorOurs}, "a\nX\nc\nd\ne\n", 0},
		{"union", "a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n", Options{Favor: FavorUnion}, "a\nX\nY\nc\nd\ne\n", 0},
		{"marker size", "a\nX\nc\nd\ne\n", "a\nY\nc\nd\ne\n", Options{MarkerSize: 3},
			"a\n<<<\nX\n===\nY\n>>>\nc\nd\ne\n", 1},
	}
	for _, c := range cases {
		r := Merge([]byte(base), []byte(c.ours), []byte(c.theirs), c.opts)
		if string(r.Content) != c.want || r.Conflicts != c.conflicts {
			t.Errorf("%s: got %d conflicts\n%s\nwant %d\n%s", c.name, r.Conflicts, r.Content, c.conflicts, c.want)
		}
	}
}

// triple makes a base and two edited versions from a small alphabet so
// that lines repeat and edits collide.
func triple(r *rand.Rand) (base, ours, theirs []byte) {
	alphabet := 2 + r.Intn(8)
	line := func() string {
		switch r.Intn(10) {
		case 0:
			return "\n" // blank lines and punctuation: no letter or digit
		case 1:
			return "}\n"
		}
		return fmt.Sprintf("%c\n", 'a'+r.Intn(alphabet))
	}
	n := r.Intn(25)
	if r.Intn(10) == 0 {
		n = 100 + r.Intn(200)
	}
	b := make([]string, n)
	for i := range b {
		b[i] = line()
	}
	edit := func(l []string) []string {
		l = append([]string(nil), l...)
		for k := r.Intn(5); k >= 0; k-- {
			p := r.Intn(len(l) + 1)
			switch r.Intn(4) {
			case 0:
				var ins []string
				for j := r.Intn(3); j >= 0; j-- {
					ins = append(ins, line())
				}
				l = append(l[:p], append(ins, l[p:]...)...)
			case 1:
				l = append(l[:p], l[min(len(l), p+1+r.Intn(3)):]...)
			default:
				if p < len(l) {
					l[p] = fmt.Sprintf("%c%d\n", 'a'+r.Intn(alphabet), r.Intn(3))
				}
			}
		}
		return l
	}
	o := edit(b)
	var th []string
	switch r.Intn(5) {
	case 0: // the same change on both sides, maybe plus more
		th = append([]string(nil), o...)
		if r.Intn(2) == 0 {
			th = edit(th)
		}
	case 1: // theirs edits right next to ours
		th = append([]string(nil), b...)
		if len(th) > 2 {
			p := r.Intn(len(th) - 1)
			th[p] = "T\n"
			if p+1 < len(o) {
				o[p+1] = "O\n"
			}
		}
	default:
		th = edit(b)
	}
	join := func(l []string) []byte { return []byte(strings.Join(l, "")) }
	base, ours, theirs = join(b), join(o), join(th)
	if r.Intn(3) == 0 {
		crlf := func(x []byte) []byte { return bytes.ReplaceAll(x, []byte("\n"), []byte("\r\n")) }
		base, ours, theirs = crlf(base), crlf(ours), crlf(theirs)
		if r.Intn(3) == 0 { // one side mixed
			ours = bytes.Replace(ours, []byte("\r\n"), []byte("\n"), 1)
		}
	}
	noEOL := func(x []byte) []byte {
		if r.Intn(4) == 0 {
			return bytes.TrimRight(x, "\r\n")
		}
		return x
	}
	return noEOL(base), noEOL(ours), noEOL(theirs)
}

// TestMergeMatchesGit merges seeded random triples with easel and with
// git merge-file and compares the bytes. Where git merges cleanly easel
// must produce the same bytes, clean; the agreement on conflicting cases
// is logged and must be complete too.
func TestMergeMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	n := 2000
	if testing.Short() {
		n = 300
	}
	dir := t.TempDir()
	r := rand.New(rand.NewSource(11))
	var clean, conflicted, same, countSame int
	for i := 0; i < n; i++ {
		base, ours, theirs := triple(r)
		opts := Options{OursLabel: "a", BaseLabel: "b", TheirsLabel: "c", Algorithm: linediff.Myers, AlnumSimplify: true}
		args := []string{"merge-file", "-p", "-L", "a", "-L", "b", "-L", "c"}
		switch i % 3 {
		case 1:
			opts.Style = StyleDiff3
			args = append(args, "--diff3")
		case 2:
			opts.Style = StyleZDiff3
			args = append(args, "--zdiff3")
		}
		switch i % 11 {
		case 3:
			opts.Favor = FavorOurs
			args = append(args, "--ours")
		case 5:
			opts.Favor = FavorTheirs
			args = append(args, "--theirs")
		case 7:
			opts.Favor = FavorUnion
			args = append(args, "--union")
		case 9:
			opts.MarkerSize = 3
			args = append(args, "--marker-size=3")
		}
		files := []string{filepath.Join(dir, "o"), filepath.Join(dir, "b"), filepath.Join(dir, "t")}
		for k, data := range [][]byte{ours, base, theirs} {
			if err := os.WriteFile(files[k], data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command("git", append(args, files...)...)
		var out bytes.Buffer
		cmd.Stdout = &out
		gitN := 0
		if err := cmd.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok || ee.ExitCode() < 0 {
				t.Fatal(err)
			}
			gitN = ee.ExitCode()
		}
		got := Merge(base, ours, theirs, opts)
		if gitN == 0 {
			clean++
			if got.Conflicts != 0 || !bytes.Equal(got.Content, out.Bytes()) {
				t.Errorf("case %d (%v): git merges cleanly, easel %d conflicts\nbase %q\nours %q\ntheirs %q\ngit  %q\neasel %q",
					i, args, got.Conflicts, base, ours, theirs, out.Bytes(), got.Content)
			}
			continue
		}
		conflicted++
		if got.Conflicts == gitN {
			countSame++
		}
		if bytes.Equal(got.Content, out.Bytes()) {
			same++
		} else if conflicted-same <= 3 {
			t.Errorf("case %d (%v): differs\nbase %q\nours %q\ntheirs %q\ngit  %q\neasel %q",
				i, args, base, ours, theirs, out.Bytes(), got.Content)
		}
	}
	t.Logf("%d clean, %d conflicting: %d byte-identical, %d same conflict count", clean, conflicted, same, countSame)
	if same != conflicted || countSame != conflicted {
		t.Errorf("conflicting cases: %d/%d byte-identical, %d/%d same count", same, conflicted, countSame, conflicted)
	}
}
