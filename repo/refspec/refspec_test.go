package refspec

import "testing"

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Spec
		bad  bool
	}{
		{in: "+refs/heads/*:refs/remotes/origin/*", want: Spec{Src: "refs/heads/*", Dst: "refs/remotes/origin/*", Force: true}},
		{in: "refs/heads/main:refs/remotes/o/main", want: Spec{Src: "refs/heads/main", Dst: "refs/remotes/o/main"}},
		{in: "refs/heads/main", want: Spec{Src: "refs/heads/main"}},
		{in: "^refs/heads/tmp/*", want: Spec{Src: "refs/heads/tmp/*", Negative: true}},
		{in: "HEAD:main", want: Spec{Src: "HEAD", Dst: "main"}},
		{in: ":refs/heads/gone", want: Spec{Dst: "refs/heads/gone"}},
		{in: "refs/heads/*:refs/x/main", bad: true},
		{in: "refs/*/a/*:refs/x/*", bad: true},
		{in: "^refs/heads/a:refs/b", bad: true},
		{in: "", bad: true},
	} {
		got, err := Parse(c.in)
		if c.bad != (err != nil) || (!c.bad && got != c.want) {
			t.Errorf("Parse(%q) = %+v, %v", c.in, got, err)
		}
		if !c.bad && got.String() != c.in && "+"+got.String() != c.in {
			t.Errorf("String of %q: %q", c.in, got.String())
		}
	}
}

func TestMapping(t *testing.T) {
	l := ParseList([]string{"^refs/heads/secret", "+refs/heads/*:refs/remotes/other/*", "refs/pull/*/head:refs/remotes/pr/*", "bad*:x"})
	if len(l) != 3 {
		t.Fatalf("parsed %d refspecs, want 3 (the bad one left out)", len(l))
	}
	for _, c := range []struct{ src, dst string }{
		{"refs/heads/main", "refs/remotes/other/main"},
		{"refs/heads/a/b", "refs/remotes/other/a/b"},
		{"refs/pull/12/head", "refs/remotes/pr/12"},
	} {
		if got, ok := l.Expand(c.src); !ok || got != c.dst {
			t.Errorf("Expand(%s) = %q %v, want %s", c.src, got, ok, c.dst)
		}
		if got, ok := l.Reverse(c.dst); !ok || got != c.src {
			t.Errorf("Reverse(%s) = %q %v, want %s", c.dst, got, ok, c.src)
		}
	}
	// The negative refspec leaves secret out of fetch and prune, not out
	// of upstream mapping.
	if _, ok := l.Expand("refs/heads/secret"); ok {
		t.Error("Expand maps a branch a negative refspec excludes")
	}
	if _, ok := l.Reverse("refs/remotes/other/secret"); ok {
		t.Error("Reverse maps to a branch a negative refspec excludes")
	}
	if got, ok := l.Query("refs/heads/secret"); !ok || got != "refs/remotes/other/secret" {
		t.Errorf("Query(secret) = %q %v", got, ok)
	}
	if got, ok := l.QuerySource("refs/remotes/other/secret"); !ok || got != "refs/heads/secret" {
		t.Errorf("QuerySource(other/secret) = %q %v", got, ok)
	}
	for _, name := range []string{"refs/tags/v1", "refs/pull/1/merge", "refs/heads"} {
		if got, ok := l.Expand(name); ok {
			t.Errorf("Expand(%s) = %s, want no match", name, got)
		}
	}
}

// A "*" in the middle of a destination (moved here from repo's tests).
func TestReverseMidPattern(t *testing.T) {
	for _, c := range []struct{ spec, dst, want string }{
		{"+refs/heads/*:refs/remotes/origin/*", "refs/remotes/origin/main", "refs/heads/main"},
		{"+refs/heads/*:refs/remotes/origin/*", "refs/remotes/other/main", ""},
		{"refs/heads/main:refs/remotes/origin/trunk", "refs/remotes/origin/trunk", "refs/heads/main"},
		{"+refs/heads/*:refs/remotes/o/*-x", "refs/remotes/o/a/b-x", "refs/heads/a/b"},
	} {
		got, _ := ParseList([]string{c.spec}).QuerySource(c.dst)
		if got != c.want {
			t.Errorf("%s %s: %q, want %q", c.spec, c.dst, got, c.want)
		}
	}
}
