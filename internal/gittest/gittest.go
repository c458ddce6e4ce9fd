// Package gittest holds what tests need to use git as the oracle: skip
// without git, an environment where git and easel write commits without
// asking and read no user config, running git in a repository, and
// comparing what easel and git made of twin repositories; and symbolic
// links, skipping where the platform makes none. Only tests
// import it (TestOnlyTests checks).
package gittest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// Need skips t when git is not installed.
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
}

// Symlink makes link a symbolic link to target, or skips t where the
// platform makes none: Windows without the privilege to create them, or
// wine, which reports success and makes nothing.
func Symlink(t testing.TB, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		if runtime.GOOS == "windows" {
			t.Skipf("no symbolic links here: %v", err)
		}
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Skipf("no symbolic links here: %s was not made one", link)
	}
}

// Pin sets, for the rest of t, a fresh HOME and no system config (so no
// user's git config is read), fixed author and committer names and
// e-mails, and no terminal prompts.
func Pin(t testing.TB) {
	t.Helper()
	home := t.TempDir()
	for k, v := range map[string]string{
		"HOME": home, "XDG_CONFIG_HOME": home, "GIT_CONFIG_NOSYSTEM": "1",
		"GIT_AUTHOR_NAME": "A U Thor", "GIT_AUTHOR_EMAIL": "author@example.com",
		"GIT_COMMITTER_NAME": "C O Mitter", "GIT_COMMITTER_EMAIL": "committer@example.com",
		"GIT_TERMINAL_PROMPT": "0",
	} {
		t.Setenv(k, v)
	}
}

// PinDate sets, for the rest of t, the author and committer dates of every
// commit git and easel write (git's date formats, e.g. "1700000000 +0000"),
// so twin repositories get the same commit ids.
func PinDate(t testing.TB, date string) {
	t.Helper()
	t.Setenv("GIT_AUTHOR_DATE", date)
	t.Setenv("GIT_COMMITTER_DATE", date)
}

// Try runs git -C dir args and returns its combined output, trimmed, and
// its error.
func Try(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Git runs git -C dir args, fails t unless git succeeds, and returns its
// combined output, trimmed. Like Fails and Run, it skips t without git.
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	Need(t)
	out, err := Try(dir, args...)
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// Fails runs git -C dir args, fails t if git succeeds, and returns its
// combined output.
func Fails(t testing.TB, dir string, args ...string) string {
	t.Helper()
	Need(t)
	out, err := Try(dir, args...)
	if err == nil {
		t.Fatalf("git %s succeeded, want a failure:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// Run runs git args in dir with stdin (nil for none) and returns its
// standard output and exit code (-1 when git died of a signal), for
// callers that read what git prints even when it exits non-zero (merge-tree
// exits 1 on a conflict). t fails only when git cannot be run at all.
func Run(t testing.TB, dir string, stdin []byte, args ...string) (string, int) {
	t.Helper()
	Need(t)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	if err == nil {
		return out.String(), 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("git %v: %v", args, err)
	}
	return out.String(), ee.ExitCode()
}

// Objects lists every object the repository at dir holds, with its type,
// sorted: what two repositories must agree on to hold the same objects.
func Objects(t testing.TB, dir string) string {
	t.Helper()
	lines := strings.Split(Git(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// Same fails t when what easel made differs from what git made of the
// same input, showing both; what names the operation.
func Same(t testing.TB, what, easel, git string) {
	t.Helper()
	if easel != git {
		t.Fatalf("%s:\neasel:\n%s\ngit:\n%s", what, easel, git)
	}
}
