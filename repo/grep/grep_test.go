package grep

import (
	"strings"
	"testing"
)

func search(t *testing.T, tokens []Token, co CompileOptions, o Options, data string) string {
	t.Helper()
	m, err := Compile(tokens, co)
	if err != nil {
		t.Fatal(err)
	}
	o.MaxCount = -1
	out, _ := Search(&o, m, &File{Name: "f", Data: []byte(data)})
	return string(out)
}

func pats(ps ...string) []Token {
	var out []Token
	for _, p := range ps {
		switch p {
		case "--and", "--or", "--not", "(", ")":
			out = append(out, Token{Op: p})
		default:
			out = append(out, Token{Pattern: p})
		}
	}
	return out
}

// TestTranslatePOSIX checks that basic and extended expressions mean
// what POSIX (and GNU's extensions) says once in Go's syntax.
func TestTranslatePOSIX(t *testing.T) {
	for _, c := range []struct {
		pat   string
		basic bool
		line  string
		want  bool
	}{
		{`a+b`, true, "a+b", true},
		{`a+b`, true, "aab", false},
		{`a\+b`, true, "aab", true},
		{`a+b`, false, "aab", true},
		{`\(ab\)*c`, true, "ababc", true},
		{`(ab)*c`, true, "(ab)c", true},
		{`*star`, true, "*star", true},
		{`a\{2\}`, true, "aa", true},
		{`a{2}`, true, "a{2}", true},
		{`a{2}`, false, "aa", true},
		{`a{,`, false, "a{,", true},
		{`\<foo\>`, true, "a foo b", true},
		{`\<foo\>`, true, "afoob", false},
		{`[]x]`, true, "]", true},
		{`[\]`, true, `\`, true},
		{`[[:digit:]]x`, false, "5x", true},
		{`a|b`, true, "a|b", true},
		{`a|b`, false, "b", true},
		{`a\|b`, true, "b", true},
	} {
		src, err := translatePOSIX(c.pat, c.basic)
		if err != nil {
			t.Errorf("%q: %v", c.pat, err)
			continue
		}
		syn := Extended
		if c.basic {
			syn = Basic
		}
		m, err := Compile(pats(c.pat), CompileOptions{Syntax: syn})
		if err != nil {
			t.Errorf("%q (%q): %v", c.pat, src, err)
			continue
		}
		if got, _ := m.matchLine([]byte(c.line), false); got != c.want {
			t.Errorf("%q (as %q) on %q: %v, want %v", c.pat, src, c.line, got, c.want)
		}
	}
	if _, err := translatePOSIX(`\(a\)\1`, true); err == nil {
		t.Error("a back-reference was accepted")
	}
}

// TestExpression checks --and, --not and parentheses, --all-match and
// git's refusals of malformed expressions.
func TestExpression(t *testing.T) {
	data := "foo bar\nfoo\nbar\nbaz\n"
	if got := search(t, pats("foo", "--and", "bar"), CompileOptions{}, Options{}, data); got != "foo bar\n" {
		t.Errorf("--and: %q", got)
	}
	if got := search(t, pats("--not", "foo"), CompileOptions{}, Options{}, data); got != "bar\nbaz\n" {
		t.Errorf("--not: %q", got)
	}
	if got := search(t, pats("(", "foo", "--or", "baz", ")", "--and", "--not", "bar"), CompileOptions{}, Options{}, data); got != "foo\nbaz\n" {
		t.Errorf("parentheses: %q", got)
	}
	if got := search(t, pats("foo", "nomatch"), CompileOptions{AllMatch: true}, Options{}, data); got != "" {
		t.Errorf("--all-match without every pattern: %q", got)
	}
	if got := search(t, pats("foo", "baz"), CompileOptions{AllMatch: true}, Options{}, data); got != "foo bar\nfoo\nbaz\n" {
		t.Errorf("--all-match: %q", got)
	}
	for _, bad := range [][]string{{"(", "foo"}, {"--and", "foo"}, {"foo", "--and"}, {"foo", ")"}, {"--not"}} {
		if _, err := Compile(pats(bad...), CompileOptions{}); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

// TestWordAndOnly checks -w's retry past a match inside a word and -o's
// matches one a line.
func TestWordAndOnly(t *testing.T) {
	if got := search(t, pats("ab"), CompileOptions{Word: true}, Options{}, "xab ab\nabc\n"); got != "xab ab\n" {
		t.Errorf("-w: %q", got)
	}
	got := search(t, pats("o+"), CompileOptions{Syntax: Extended, Column: true}, Options{OnlyMatching: true, Column: true}, "foo boo\n")
	// git advances the column by the end of each match from the last
	// one's end, not from the line's start: 5, not 6.
	if got != "2:oo\n5:oo\n" {
		t.Errorf("-o --column: %q", got)
	}
	if got := search(t, pats("^b"), CompileOptions{}, Options{OnlyMatching: true}, "bbb\n"); got != "b\n" {
		t.Errorf("-o with ^ matched past the start: %q", got)
	}
}

// TestContextAndFunction checks context separators and -W's function
// body by the default rule.
func TestContextAndFunction(t *testing.T) {
	data := strings.Join([]string{"f1()", "  a", "  x", "  b", "", "f2()", "  c", "  x", "", "", "f3()", "  d"}, "\n") + "\n"
	got := search(t, pats("x"), CompileOptions{}, Options{Before: 1, After: 0, LineNumber: true}, data)
	if want := "--\n2-  a\n3:  x\n--\n7-  c\n8:  x\n"; got != want {
		t.Errorf("-B1:\n%s\nwant\n%s", got, want)
	}
	got = search(t, pats("c"), CompileOptions{}, Options{FuncBody: true, LineNumber: true}, data)
	// The function's line is marked '='; trailing empty lines are left out.
	if want := "--\n6=f2()\n7:  c\n8-  x\n"; got != want {
		t.Errorf("-W:\n%s\nwant\n%s", got, want)
	}
	got = search(t, pats("d"), CompileOptions{}, Options{ShowFunction: true, LineNumber: true}, data)
	if want := "11=f3()\n12:  d\n"; got != want {
		t.Errorf("-p:\n%s\nwant\n%s", got, want)
	}
}
