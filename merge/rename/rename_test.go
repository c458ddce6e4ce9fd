package rename

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// store holds contents by id for the detector to load.
type store map[plumbing.Hash][]byte

func (s store) file(path, content string) File {
	h := plumbing.ComputeHash(plumbing.BlobObject, []byte(content))
	s[h] = []byte(content)
	return File{Path: path, Hash: h, Mode: filemode.Regular}
}

func (s store) detect(t *testing.T, srcs, dsts []File, o Options) []string {
	t.Helper()
	d := Detector{Load: func(f File) ([]byte, error) {
		b, ok := s[f.Hash]
		if !ok {
			return nil, fmt.Errorf("no blob %s", f.Hash)
		}
		return b, nil
	}}
	pairs, err := d.Detect(srcs, dsts, o)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range pairs {
		out = append(out, fmt.Sprintf("%s->%s %d%%", srcs[p.Src].Path, dsts[p.Dst].Path, Percent(p.Score)))
	}
	return out
}

func lines(from, to int, extra ...string) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "line %d\n", i)
	}
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	return b.String()
}

func TestDetect(t *testing.T) {
	s := store{}
	base := lines(1, 20)
	tests := []struct {
		name       string
		srcs, dsts []File
		o          Options
		want       string
	}{
		{"exact prefers same basename",
			[]File{s.file("a/x", base), s.file("b/y", base)}, []File{s.file("c/y", base)}, Options{},
			"b/y->c/y 100%"},
		{"exact takes the first source by path",
			[]File{s.file("q", base), s.file("p", base)}, []File{s.file("r", base)}, Options{},
			"p->r 100%"},
		{"one source renamed once",
			[]File{s.file("a", base)}, []File{s.file("b", base), s.file("c", base)}, Options{},
			"a->b 100%"},
		{"edited",
			[]File{s.file("a", base)}, []File{s.file("b", lines(1, 20, "more"))}, Options{},
			"a->b 96%"},
		{"below the threshold",
			[]File{s.file("a", base)}, []File{s.file("b", lines(1, 9, "x", "y", "z", "w", "v", "u", "t", "s", "r", "q", "p"))}, Options{},
			""},
		{"threshold lowered",
			[]File{s.file("a", base)}, []File{s.file("b", lines(1, 9, "x", "y", "z", "w", "v", "u", "t", "s", "r", "q", "p"))}, Options{MinScore: MaxScore / 5},
			"a->b 41%"},
		{"best of several sources",
			[]File{s.file("a", lines(1, 15)), s.file("b", lines(1, 19))}, []File{s.file("n", base)}, Options{},
			"b->n 94%"},
		{"unique basename first",
			[]File{s.file("d1/f", lines(1, 19)), s.file("g", lines(1, 20, "x"))}, []File{s.file("d2/f", lines(1, 20, "x", "y"))}, Options{},
			"d1/f->d2/f 92%"},
		{"empty files only when asked",
			[]File{s.file("e", "")}, []File{s.file("f", "")}, Options{},
			""},
		{"empty files renamed",
			[]File{s.file("e", "")}, []File{s.file("f", "")}, Options{EmptyFiles: true},
			"e->f 100%"},
		{"over the limit: exact only",
			[]File{s.file("a", base), s.file("x", lines(1, 30)), s.file("y", lines(1, 31))},
			[]File{s.file("b", base), s.file("z", lines(1, 32)), s.file("w", lines(1, 33))}, Options{Limit: 1},
			"a->b 100%"},
		{"irrelevant sources renamed only exactly",
			[]File{s.file("a", base), s.file("x", lines(1, 30))}, []File{s.file("b", base), s.file("z", lines(1, 31))},
			Options{Relevant: func(string) bool { return false }},
			"a->b 100%"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(s.detect(t, tc.srcs, tc.dsts, tc.o), ", ")
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSymlinksRenamedOnlyExactly(t *testing.T) {
	s := store{}
	a, b := s.file("a", "target"), s.file("b", "target")
	a.Mode, b.Mode = filemode.Symlink, filemode.Regular
	if got := s.detect(t, []File{a}, []File{b}, Options{}); len(got) != 0 {
		t.Errorf("symlink paired with a file: %v", got)
	}
	b.Mode = filemode.Symlink
	if got := s.detect(t, []File{a}, []File{b}, Options{}); len(got) != 1 {
		t.Errorf("symlink not renamed: %v", got)
	}
}

func TestLoadsEachBlobOnce(t *testing.T) {
	s := store{}
	var srcs, dsts []File
	for i := 0; i < 5; i++ {
		srcs = append(srcs, s.file(fmt.Sprintf("s%d", i), lines(1, 20+i)))
		dsts = append(dsts, s.file(fmt.Sprintf("d%d", i), lines(2, 22+i)))
	}
	loads := map[plumbing.Hash]int{}
	d := Detector{Load: func(f File) ([]byte, error) { loads[f.Hash]++; return s[f.Hash], nil }}
	if _, err := d.Detect(srcs, dsts, Options{}); err != nil {
		t.Fatal(err)
	}
	for h, n := range loads {
		if n != 1 {
			t.Errorf("%s loaded %d times", h, n)
		}
	}
}

func TestPercent(t *testing.T) {
	for score, want := range map[int]int{MaxScore: 100, MaxScore - 1: 99, 30000: 50, 29999: 49, 0: 0} {
		if got := Percent(score); got != want {
			t.Errorf("Percent(%d) = %d, want %d", score, got, want)
		}
	}
}

// The fingerprint ignores the CR of CRLF in text, not in binary data.
func TestSpanHashCRLF(t *testing.T) {
	lf, crlf := spanHash([]byte("a\nb\n")), spanHash([]byte("a\r\nb\r\n"))
	if fmt.Sprint(lf) != fmt.Sprint(crlf) {
		t.Errorf("text: %v != %v", lf, crlf)
	}
	lf, crlf = spanHash([]byte("\x00a\nb\n")), spanHash([]byte("\x00a\r\nb\r\n"))
	if fmt.Sprint(lf) == fmt.Sprint(crlf) {
		t.Errorf("binary: CR ignored")
	}
}
