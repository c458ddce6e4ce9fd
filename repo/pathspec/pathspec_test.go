package pathspec

import (
	"errors"
	"testing"
)

func TestParseAndMatch(t *testing.T) {
	paths := []string{"a.go", "A.GO", "x[1].go", "x1.go", "README", "sub/b.go", "sub/deep/c.go", "sub/deep/d.txt", "dgo/e"}
	for _, tc := range []struct {
		prefix string
		args   []string
		want   []string
	}{
		{"", []string{"*.go"}, []string{"a.go", "x[1].go", "x1.go", "sub/b.go", "sub/deep/c.go"}},
		{"", []string{":(glob)*.go"}, []string{"a.go", "x[1].go", "x1.go"}},
		{"", []string{":(glob)sub/**/*.go"}, []string{"sub/b.go", "sub/deep/c.go"}},
		{"", []string{":(icase)*.GO"}, []string{"a.go", "A.GO", "x[1].go", "x1.go", "sub/b.go", "sub/deep/c.go"}},
		{"", []string{":(literal)x[1].go"}, []string{"x[1].go"}},
		{"", []string{"x[1].go"}, []string{"x[1].go", "x1.go"}},
		{"", []string{":!*.go"}, []string{"A.GO", "README", "sub/deep/d.txt", "dgo/e"}},
		{"", []string{"sub", ":(exclude)sub/deep"}, []string{"sub/b.go"}},
		{"sub", []string{"*.go"}, []string{"sub/b.go", "sub/deep/c.go"}},
		{"sub", []string{":/*.txt"}, []string{"sub/deep/d.txt"}},
		{"sub/deep", []string{"../../README", ".."}, []string{"README", "sub/b.go", "sub/deep/c.go", "sub/deep/d.txt"}},
		{"", []string{"sub/"}, []string{"sub/b.go", "sub/deep/c.go", "sub/deep/d.txt"}},
		{"", []string{"su"}, nil},
	} {
		ps, err := Parse(tc.prefix, tc.args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		var got []string
		for _, p := range paths {
			if ps.Match(p) {
				got = append(got, p)
			}
		}
		if len(got) != len(tc.want) {
			t.Errorf("%q in %q: got %q, want %q", tc.args, tc.prefix, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%q in %q: got %q, want %q", tc.args, tc.prefix, got, tc.want)
				break
			}
		}
		// The top-relative strings give the same pathspec back.
		again := New(ps.Strings())
		for _, p := range paths {
			if again.Match(p) != ps.Match(p) {
				t.Errorf("%q: New(%q) disagrees on %s", tc.args, ps.Strings(), p)
			}
		}
	}
}

func TestMayContain(t *testing.T) {
	ps, _ := Parse("", []string{"sub/deep/*.go", ":!vendor"})
	for dir, want := range map[string]bool{"sub": true, "sub/deep": true, "other": false, "vendor": false, "sub/deeper": false} {
		if got := ps.MayContain(dir); got != want {
			t.Errorf("MayContain(%s) = %v, want %v", dir, got, want)
		}
	}
	ps, _ = Parse("", []string{"*.go"})
	if !ps.MayContain("any/where") {
		t.Errorf("'*' crosses '/': every directory may hold a match")
	}
}

func TestParseErrors(t *testing.T) {
	for _, a := range []string{":(nosuch)x", ":(glob,literal)x", "", "../x", ":%x", ":(top"} {
		if _, err := Parse("", []string{a}); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want an invalid pathspec", a, err)
		}
	}
	var oe *OutsideError
	if _, err := Parse("sub", []string{"../../x"}); !errors.As(err, &oe) {
		t.Errorf("../../x from sub: %v, want OutsideError", err)
	}
}

// TestGlobalMagic: git --literal-pathspecs and friends reach the parser
// through the environment.
func TestGlobalMagic(t *testing.T) {
	t.Setenv("GIT_LITERAL_PATHSPECS", "1")
	ps, err := Parse("", []string{"a*", ":(glob)b"})
	if err != nil {
		t.Fatal(err)
	}
	if !ps.Match("a*") || ps.Match("ab") || !ps.Match(":(glob)b") || ps.Match("b") {
		t.Errorf("literal: %+v", ps)
	}
	t.Setenv("GIT_LITERAL_PATHSPECS", "")
	t.Setenv("GIT_ICASE_PATHSPECS", "true")
	if ps, err = Parse("", []string{"A*"}); err != nil || !ps.Match("ab") {
		t.Errorf("icase: %+v %v", ps, err)
	}
	t.Setenv("GIT_GLOB_PATHSPECS", "1")
	t.Setenv("GIT_NOGLOB_PATHSPECS", "1")
	if _, err = Parse("", []string{"a"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("glob with noglob: %v", err)
	}
}
