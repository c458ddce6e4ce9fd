package repo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/internal/gittest"
)

// gitEnv pins identity and dates so that easel and git make identical
// commits.
func gitEnv(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "XDG_CONFIG_HOME": filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "A U Thor", "GIT_AUTHOR_EMAIL": "author@example.com", "GIT_AUTHOR_DATE": "1700000000 +0100",
		"GIT_COMMITTER_NAME": "C O Mitter", "GIT_COMMITTER_EMAIL": "committer@example.com", "GIT_COMMITTER_DATE": "1700000100 -0230",
	} {
		t.Setenv(k, v)
	}
}

var needGit = gittest.Need

func rungit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(content, "->") {
			os.Remove(p)
			gittest.Symlink(t, content[2:], p)
			continue
		}
		mode := os.FileMode(0o644)
		if strings.HasPrefix(content, "#!") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
	}
}

func initRepo(t *testing.T) (*Repository, string) {
	t.Helper()
	dir := t.TempDir()
	r, err := Init(context.Background(), dir, false, "main")
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

var sampleTree = map[string]string{
	"README":         "hello\n",
	"a-b":            "dash sorts before slash\n",
	"a/x.go":         "package a\n",
	"a/b/deep.txt":   "deep\n",
	"a.c":            "dot\n",
	"bin/run":        "#!/bin/sh\necho run\n",
	"link":           "->README",
	"z/empty":        "",
	"space name.txt": "spaces\n",
	"unicodé/ñ.txt":  "utf8\n",
	"dir/sub/x":      "x\n",
	"dir/sub.txt":    "sub file sorts before sub/\n",
	"dir/sub-dash/y": "y\n",
	"dir/sub0":       "after\n",
}

// An easel commit is byte for byte the commit git makes from the same
// files, identity, dates and message.
func TestCommitIDMatchesGit(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	writeFiles(t, dir, sampleTree)
	if err := r.Add(ctx, []string{"."}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	msg := "  \n\nFirst line   \n\n\n\nbody\t\n# not a comment with -m\n\n"
	id, err := r.Commit(ctx, CommitOptions{Message: msg})
	if err != nil {
		t.Fatal(err)
	}

	gdir := t.TempDir()
	rungit(t, gdir, "init", "-q", "-b", "main")
	writeFiles(t, gdir, sampleTree)
	rungit(t, gdir, "add", ".")
	rungit(t, gdir, "commit", "-q", "-m", msg)
	want := strings.TrimSpace(rungit(t, gdir, "rev-parse", "HEAD"))
	if id.String() != want {
		t.Fatalf("commit id %s, git made %s\neasel:\n%s\ngit:\n%s", id, want,
			rungit(t, dir, "cat-file", "-p", id.String()), rungit(t, gdir, "cat-file", "-p", want))
	}
	rungit(t, dir, "fsck", "--strict")
	if out := rungit(t, dir, "status", "--porcelain"); out != "" {
		t.Fatalf("git status after easel commit:\n%s", out)
	}
	// The index easel wrote is the one git writes (modulo stat data).
	if a, b := rungit(t, dir, "ls-files", "-s"), rungit(t, gdir, "ls-files", "-s"); a != b {
		t.Fatalf("ls-files -s differ:\n%s\n---\n%s", a, b)
	}

	// A second commit with a modification, a deletion and -a.
	writeFiles(t, dir, map[string]string{"README": "changed\n"})
	writeFiles(t, gdir, map[string]string{"README": "changed\n"})
	os.Remove(filepath.Join(dir, "a.c"))
	os.Remove(filepath.Join(gdir, "a.c"))
	id2, err := r.Commit(ctx, CommitOptions{Message: "second", All: true})
	if err != nil {
		t.Fatal(err)
	}
	rungit(t, gdir, "commit", "-q", "-a", "-m", "second")
	if want := strings.TrimSpace(rungit(t, gdir, "rev-parse", "HEAD")); id2.String() != want {
		t.Fatalf("second commit %s, git %s", id2, want)
	}
	if out := rungit(t, dir, "status", "--porcelain"); out != "" {
		t.Fatalf("git status after commit -a:\n%s", out)
	}

	// --amend keeps the author, replaces the message.
	id3, err := r.Commit(ctx, CommitOptions{Message: "second, amended", Amend: true})
	if err != nil {
		t.Fatal(err)
	}
	rungit(t, gdir, "commit", "-q", "--amend", "-m", "second, amended")
	if want := strings.TrimSpace(rungit(t, gdir, "rev-parse", "HEAD")); id3.String() != want {
		t.Fatalf("amended commit %s, git %s", id3, want)
	}

	// Nothing staged: refused, unless allowed.
	if _, err := r.Commit(ctx, CommitOptions{Message: "again"}); err != ErrNothingToCommit {
		t.Fatalf("empty commit: %v", err)
	}
	id4, err := r.Commit(ctx, CommitOptions{Message: "empty", AllowEmpty: true})
	if err != nil {
		t.Fatal(err)
	}
	rungit(t, gdir, "commit", "-q", "--allow-empty", "-m", "empty")
	if want := strings.TrimSpace(rungit(t, gdir, "rev-parse", "HEAD")); id4.String() != want {
		t.Fatalf("allow-empty commit %s, git %s", id4, want)
	}
	rungit(t, dir, "fsck", "--strict")
}

func TestCommitNeedsIdentity(t *testing.T) {
	gitEnv(t)
	for _, k := range []string{"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"} {
		t.Setenv(k, "")
	}
	ctx := context.Background()
	r, dir := initRepo(t)
	writeFiles(t, dir, map[string]string{"f": "x"})
	if err := r.Add(ctx, []string{"f"}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Commit(ctx, CommitOptions{Message: "m"}); !errorsIs(err, ErrMissingIdentity) {
		t.Fatalf("got %v, want ErrMissingIdentity", err)
	}
	// The global file supplies it; the repository's config overrides it.
	if err := r.ConfigSet("user.name", "Global Name", true); err != nil {
		t.Fatal(err)
	}
	if err := r.ConfigSet("user.email", "global@example.com", true); err != nil {
		t.Fatal(err)
	}
	if err := r.ConfigSet("user.email", "local@example.com", false); err != nil {
		t.Fatal(err)
	}
	sig, err := r.Identity("author")
	if err != nil {
		t.Fatal(err)
	}
	if sig.Name != "Global Name" || sig.Email != "local@example.com" {
		t.Fatalf("identity %q <%q>", sig.Name, sig.Email)
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("HOME"), ".gitconfig")); err != nil {
		t.Fatalf("global config not in ~/.gitconfig: %v", err)
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2005, 4, 7, 22, 13, 13, 0, time.FixedZone("", 2*3600))
	for _, s := range []string{
		"@1112904793 +0200",
		"1112904793 +0200",
		"Thu, 07 Apr 2005 22:13:13 +0200",
		"2005-04-07T22:13:13+02:00",
		"2005-04-07 22:13:13 +0200",
	} {
		got, err := ParseDate(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		if !got.Equal(want) || got.Format("-0700") != "+0200" {
			t.Errorf("%q: got %v", s, got)
		}
	}
	for _, s := range []string{"yesterday-ish", "12 +99zz", ""} {
		if _, err := ParseDate(s); err == nil {
			t.Errorf("%q: no error", s)
		}
	}
}

func TestCleanupMessage(t *testing.T) {
	for in, want := range map[string]string{
		"x":                      "x\n",
		"\n\n  x  \n\n\n\ny\n\n": "  x\n\ny\n",
		"   \n\t\n":              "",
		"# kept with -m\nbody\n": "# kept with -m\nbody\n",
		"a\r\nb \r\n":            "a\nb\n",
	} {
		if got := cleanupWhitespace(in); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
}

func errorsIs(err, target error) bool {
	for err != nil {
		if err == target {
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

var _ = plumbing.ZeroHash
