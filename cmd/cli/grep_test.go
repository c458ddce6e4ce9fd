package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// grepEasel runs easel in dir in-process: its output and exit code.
func grepEasel(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{IO: &IO{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: os.Getenv}, Dir: dir}
	code := Run(context.Background(), env, args)
	return out.String(), code
}

// grepGit runs git in dir: its output and exit code.
func grepGit(t *testing.T, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(dir)
	out, err := cmd.Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(out), ee.ExitCode()
	}
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out), 0
}

func grepSame(t *testing.T, dir string, args ...string) {
	t.Helper()
	got, gc := grepEasel(t, dir, args...)
	want, wc := grepGit(t, dir, args...)
	if gc != wc {
		t.Errorf("%q in %s: exit %d, git %d", args, dir, gc, wc)
	}
	sameOutput(t, strings.Join(args, " "), got, want)
}

// grepFixture is a repository with C, Python and text files in
// subdirectories, CRLF lines, a file without a final newline, binary
// files (by content and by the -diff attribute), a tag, changes not yet
// committed and an untracked file.
func grepFixture(t *testing.T) string {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	write := func(name, body string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	runGit(t, dir, "", "init", "-q")
	write("a.c", `#include <stdio.h>

/* add two */
static int add(int a, int b)
{
	int sum = a + b;

	return sum;
}

static int foo_bar(void)
{
	return 0; /* foo */
}

int main(void)
{
	printf("foo %d\n", add(1, 2));
	return foo_bar();
}
`)
	write("crlf.txt", "hello world\r\nfoo bar\r\nbaz\r\n")
	write("bin.dat", "bin\x00ary foo\nfoo\n")
	write("sub/t.txt", "foo\nFoo\nfoobar\nbar foo baz\n  foo_x\nnofinal foo")
	write("sub/deep/p.py", "def foo():\n    return 1\n\nclass Bar:\n    def baz(self):\n        foo = 2\n")
	write("nodiff.txt", "x foo\n")
	write(".gitattributes", "*.py diff=python\nnodiff.txt -diff\n*.c diff=cpp\n")
	runGit(t, dir, "", "add", ".")
	runGit(t, dir, "", "commit", "-qm", "one")
	runGit(t, dir, "", "tag", "v1")
	write("sub/t.txt", "foo\nFoo\nfoobar\nbar foo baz\n  foo_x\nnofinal foo\nfoo again\n")
	write("untracked.txt", "new foo\n")
	write("ignored.txt", "ignored foo\n")
	write(".git/info/exclude", "ignored.txt\n")
	write("pats", "bar\nbaz\n")
	return dir
}

// TestGrepMatchesGit compares easel grep with git grep, output and exit
// code, over many option combinations at the top and in a subdirectory.
func TestGrepMatchesGit(t *testing.T) {
	dir := grepFixture(t)
	top := [][]string{
		{"foo"}, {"-n", "foo"}, {"-c", "foo"}, {"-l", "foo"}, {"-L", "foo"}, {"-i", "-n", "FOO"},
		{"-w", "foo"}, {"-v", "-n", "foo"}, {"--column", "-n", "foo"}, {"-o", "foo"}, {"-q", "foo"},
		{"nomatch"}, {"-q", "nomatch"}, {"-h", "foo"}, {"-H", "foo"}, {"--cached", "foo"}, {"foo", "v1"},
		{"foo", "v1", "--", "sub"}, {"-n", "foo", "HEAD:sub"}, {"foo", "HEAD:sub/t.txt"}, {"-C1", "foo"},
		{"-A1", "-n", "foo"}, {"-B2", "foo"}, {"-W", "foo"}, {"-p", "foo"}, {"-p", "-n", "return"},
		{"-W", "-n", "sum"}, {"--heading", "-n", "foo"}, {"--break", "foo"}, {"--break", "--heading", "foo"},
		{"-z", "-n", "foo"}, {"-z", "-l", "foo"}, {"--null", "-c", "foo"}, {"-a", "foo"}, {"-I", "foo"},
		{"-e", "foo", "--and", "-e", "bar"}, {"-e", "foo", "--and", "--not", "-e", "bar"},
		{"--all-match", "-e", "foo", "-e", "bar"}, {"--all-match", "-e", "foo", "-e", "nomatch"},
		{"(", "-e", "foo", "--or", "-e", "bar", ")", "--and", "-e", "baz"}, {"--not", "-e", "foo"},
		{"-E", "fo+|baz"}, {"-F", "a + b"}, {"a + b"}, {"-G", `fo\+`}, {"-P", `fo{2}\b`}, {"-E", "-o", "(fo)+"},
		{"--untracked", "foo"}, {"--untracked", "--no-exclude-standard", "foo"}, {"--max-depth", "0", "foo"},
		{"--max-depth", "1", "foo", "--", "sub"}, {"--color=always", "-n", "foo"},
		{"--color=always", "-C1", "-p", "foo"}, {"--color=always", "-o", "-v", "bar"}, {"foo", "--", "*.txt"},
		{"-3", "return"}, {"-m1", "foo"}, {"-o", "-i", "--column", "foo"}, {"foo", "bin.dat"}, {"ary"},
		{"-v", "--column", "foo"}, {"-W", "foo", "--", "*.py"}, {"-n", "-W", "baz", "--", "*.py"},
		{"-p", "-e", "self"}, {"-c", "-v", "foo"}, {"-L", "-v", "foo"}, {"-wo", "foo"}, {"-C2", "--heading", "-n", "foo"},
		{"-e", "f", "-e", "fo", "-o"}, {"-ni", "FOO", "HEAD"}, {"-f", "pats"}, {"-f", "pats", "-e", "hello"},
		{"-c", "-e", "^$"}, {"-n", "-e", "[[:digit:]]"}, {"-E", "-n", `\<b[a-z]+\>`}, {"-x"},
		{"-c", "-C1", "foo"}, {"-l", "-W", "foo"}, {"-c", "world", "crlf.txt"}, {"-e", "foo", "v1", "HEAD"},
		{"--no-index", "foo"}, {"-Fi", "FOO BAR"}, {"-n", "-B1", "-A1", "baz"},
	}
	for _, args := range top {
		grepSame(t, dir, append([]string{"grep"}, args...)...)
	}
	runGit(t, dir, "", "config", "grep.lineNumber", "true")
	runGit(t, dir, "", "config", "grep.patternType", "extended")
	runGit(t, dir, "", "config", "grep.column", "true")
	grepSame(t, dir, "grep", "fo+|world")
	runGit(t, dir, "", "config", "grep.patternType", "default")
	runGit(t, dir, "", "config", "grep.extendedRegexp", "true")
	grepSame(t, dir, "grep", "fo+|world")
	grepSame(t, dir, "grep", "-G", "fo+|world")
	runGit(t, dir, "", "config", "--unset", "grep.extendedRegexp")
	runGit(t, dir, "", "config", "color.grep.match", "blue")
	runGit(t, dir, "", "config", "color.grep.filename", "yellow")
	grepSame(t, dir, "grep", "--color=always", "foo")
	sub := filepath.Join(dir, "sub")
	for _, args := range [][]string{
		{"foo"}, {"-n", "foo"}, {"foo", ".."}, {"foo", "--", "../a.c"}, {"--full-name", "foo"}, {"foo", "HEAD"},
		{"foo", "HEAD", "--", "../crlf.txt"}, {"-l", "foo"}, {"--untracked", "foo", ".."}, {"-c", "foo", "."},
	} {
		grepSame(t, sub, append([]string{"grep"}, args...)...)
	}
	runGit(t, dir, "", "config", "grep.fullName", "true")
	grepSame(t, sub, "grep", "foo")
	// An assume-unchanged entry is searched in the index, not the work
	// tree (whose copy has "foo again"), with index versions 2 and 4.
	runGit(t, dir, "", "update-index", "--assume-unchanged", "sub/t.txt")
	grepSame(t, dir, "grep", "-n", "again")
	runGit(t, dir, "", "update-index", "--index-version", "4")
	grepSame(t, dir, "grep", "-n", "again")
	grepSame(t, dir, "grep", "-c", "foo")
}

// TestGrepCorpusMatchesGit compares easel grep with git grep on git's own
// sources, byte for byte.
func TestGrepCorpusMatchesGit(t *testing.T) {
	dir := corpusClone(t)
	t.Setenv("HOME", dir)
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, args := range [][]string{
		{"-n", "static int", "--", "*.c"}, {"-c", "static"}, {"-l", "-i", "usage"}, {"-W", "cmd_grep"},
		{"-n", "cmd_grep", "v1.8.0", "--", "builtin"}, {"-p", "-n", "die(", "--", "*.c"}, {"-C3", "-n", "strbuf_release"},
		{"-E", "-w", "int|char", "--column", "--", "*.h"}, {"-o", "-E", `[a-z]+_[a-z]+\(`, "--", "builtin"},
		{"--all-match", "-e", "static", "-e", "void", "-l"}, {"-W", "-e", "static int", "--and", "-e", "argc"},
		{"-I", "-c", "^$"}, {"-h", "-F", "xmalloc(", "v1.7.0"}, {"--cached", "-L", "include"},
	} {
		grepSame(t, dir, append([]string{"grep"}, args...)...)
	}
}
