package linediff

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

func TestSplitLines(t *testing.T) {
	cases := map[string][]string{
		"":          nil,
		"a":         {"a"},
		"a\n":       {"a\n"},
		"a\nb":      {"a\n", "b"},
		"a\n\nb\n":  {"a\n", "\n", "b\n"},
		"\r\nx\r\n": {"\r\n", "x\r\n"},
	}
	for in, want := range cases {
		got := SplitLines([]byte(in))
		if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
			t.Errorf("SplitLines(%q) = %q, want %q", in, got, want)
		}
	}
}

// apply rebuilds b from a and the hunks, checking that they are ordered,
// non-overlapping and that the unchanged lines really are equal.
func apply(t *testing.T, a, b []string, hunks []Hunk) []string {
	t.Helper()
	var out []string
	i, j := 0, 0
	for _, h := range hunks {
		if h.A0 < i || h.B0 < j || h.A1 < h.A0 || h.B1 < h.B0 || h.A1 > len(a) || h.B1 > len(b) {
			t.Fatalf("bad hunk %+v after a[%d] b[%d]", h, i, j)
		}
		if h.A0 == h.A1 && h.B0 == h.B1 {
			t.Fatalf("empty hunk %+v", h)
		}
		if h.A0-i != h.B0-j {
			t.Fatalf("unequal context before %+v", h)
		}
		out = append(out, a[i:h.A0]...)
		out = append(out, b[h.B0:h.B1]...)
		i, j = h.A1, h.B1
	}
	out = append(out, a[i:]...)
	return out
}

func randLines(r *rand.Rand, n, alphabet int) []string {
	l := make([]string, n)
	for i := range l {
		l[i] = fmt.Sprintf("%c\n", 'a'+r.Intn(alphabet))
	}
	return l
}

func mutate(r *rand.Rand, a []string, alphabet int) []string {
	b := append([]string(nil), a...)
	for k := r.Intn(6); k >= 0; k-- {
		p := r.Intn(len(b) + 1)
		switch r.Intn(3) {
		case 0:
			b = append(b[:p], append(randLines(r, 1+r.Intn(4), alphabet), b[p:]...)...)
		case 1:
			e := min(len(b), p+1+r.Intn(4))
			b = append(b[:p], b[e:]...)
		default:
			if p < len(b) {
				b[p] = fmt.Sprintf("%c\n", 'a'+r.Intn(alphabet))
			}
		}
	}
	return b
}

func TestDiffReconstructs(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for iter := 0; iter < 3000; iter++ {
		alphabet := 1 + r.Intn(8)
		a := randLines(r, r.Intn(40), alphabet)
		var b []string
		if r.Intn(4) == 0 {
			b = randLines(r, r.Intn(40), alphabet)
		} else {
			b = mutate(r, a, alphabet)
		}
		for _, alg := range []Algorithm{Myers, Histogram} {
			got := apply(t, a, b, Diff(a, b, alg))
			if strings.Join(got, "") != strings.Join(b, "") {
				t.Fatalf("alg %d: a=%q b=%q: got %q", alg, a, b, got)
			}
			slid := Slide(a, b, Diff(a, b, alg))
			got = apply(t, a, b, slid)
			if strings.Join(got, "") != strings.Join(b, "") {
				t.Fatalf("slid alg %d: a=%q b=%q: got %q", alg, a, b, got)
			}
		}
	}
}

// Large inputs exercise the cost cutoffs and the fallback from histogram
// to Myers (lines repeated more than 64 times).
func TestDiffLargeReconstructs(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for iter := 0; iter < 20; iter++ {
		alphabet := []int{2, 5, 50, 5000}[iter%4]
		a := randLines(r, 2000+r.Intn(2000), alphabet)
		b := randLines(r, 2000+r.Intn(2000), alphabet)
		if iter%2 == 0 {
			b = mutate(r, a, alphabet)
		}
		for _, alg := range []Algorithm{Myers, Histogram} {
			got := apply(t, a, b, Diff(a, b, alg))
			if strings.Join(got, "") != strings.Join(b, "") {
				t.Fatalf("alg %d: mismatch", alg)
			}
		}
	}
}

func TestDiffMinimalOnSimpleCases(t *testing.T) {
	a := SplitLines([]byte("1\n2\n3\n4\n5\n"))
	b := SplitLines([]byte("1\n2\nx\n4\n5\n6\n"))
	for _, alg := range []Algorithm{Myers, Histogram} {
		got := fmt.Sprint(Diff(a, b, alg))
		if want := "[{2 3 2 3} {5 5 5 6}]"; got != want {
			t.Errorf("alg %d: %s, want %s", alg, got, want)
		}
	}
}

// bigPair is a 32,000-line file and a copy with about 10% of its lines
// changed, inserted or deleted.
func bigPair(n int) ([]string, []string) {
	r := rand.New(rand.NewSource(42))
	a := make([]string, n)
	for i := range a {
		a[i] = fmt.Sprintf("line %d: %x\n", i, r.Int63())
	}
	var b []string
	for i := 0; i < n; i++ {
		switch x := r.Intn(100); {
		case x < 4:
			b = append(b, fmt.Sprintf("changed %d\n", i))
		case x < 7:
			// deleted
		case x < 10:
			b = append(b, fmt.Sprintf("inserted %d\n", i), a[i])
		default:
			b = append(b, a[i])
		}
	}
	return a, b
}

func benchDiff(bm *testing.B, alg Algorithm) {
	a, b := bigPair(32000)
	bm.ReportAllocs()
	bm.ResetTimer()
	for i := 0; i < bm.N; i++ {
		Diff(a, b, alg)
	}
}

func BenchmarkMyers32kLines10pct(b *testing.B)     { benchDiff(b, Myers) }
func BenchmarkHistogram32kLines10pct(b *testing.B) { benchDiff(b, Histogram) }

func BenchmarkMyers4kAllDifferent(bm *testing.B) {
	a := make([]string, 4000)
	b := make([]string, 4000)
	for i := range a {
		a[i] = fmt.Sprintf("a%d\n", i)
		b[i] = fmt.Sprintf("b%d\n", i)
	}
	bm.ReportAllocs()
	for i := 0; i < bm.N; i++ {
		Diff(a, b, Myers)
	}
}

// Same alphabet, different order: nothing is discarded up front, so this
// is the case where the cost cutoff keeps Myers from going quadratic.
func BenchmarkMyers4kShuffledAlphabet(bm *testing.B) {
	r := rand.New(rand.NewSource(3))
	a := randLines(r, 4000, 20)
	b := randLines(r, 4000, 20)
	bm.ReportAllocs()
	for i := 0; i < bm.N; i++ {
		Diff(a, b, Myers)
	}
}
