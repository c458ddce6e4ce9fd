package repo

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// gitRepo builds a repository with real git so that resolution can be
// checked against `git rev-parse` on the same history.
func gitRepo(t *testing.T, script string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("bash", "-euc", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE=1700000000 +0000",
		"GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@example.com", "GIT_COMMITTER_DATE=1700000000 +0000",
		"GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	return dir
}

func revParse(t *testing.T, dir, rev string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--verify", "--quiet", rev).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func TestResolveRevisionMatchesGit(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
for i in 1 2 3; do echo $i > f; git add f; git commit -qm "c$i"; done
git checkout -q -b side HEAD~1
echo s > s; git add s; git commit -qm side
git checkout -q main
git merge -q --no-ff -m merge side
git tag light HEAD~1
git tag -a -m annotated ann HEAD
mkdir d; echo x > d/x; git add d; git commit -qm dir
git pack-refs --all
git gc -q
`)
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	head := revParse(t, dir, "HEAD")
	revs := []string{"HEAD", "@", "main", "side", "HEAD~1", "HEAD~2", "HEAD^", "HEAD~1^2", "main~1^1~1",
		"light", "ann", "ann^{commit}", "ann^{}", "ann~1", "HEAD^{tree}", "HEAD:d", "HEAD:d/x", "HEAD:f",
		"refs/heads/side", "heads/side", "tags/light", head, head[:7], head[:5], "HEAD^0", "main^{commit}"}
	for _, rev := range revs {
		want := revParse(t, dir, rev)
		got, err := r.ResolveRevision(context.Background(), rev)
		if err != nil {
			t.Errorf("%s: %v (git: %s)", rev, err, want)
			continue
		}
		if got.String() != want {
			t.Errorf("%s: got %s, git says %s", rev, got, want)
		}
	}
	for _, rev := range []string{"nope", "HEAD~99", "HEAD^3", "HEAD:missing", "ann^{blob}", "zzzz", ""} {
		if _, err := r.ResolveRevision(context.Background(), rev); !errors.Is(err, ErrUnknownRevision) {
			t.Errorf("%q: want ErrUnknownRevision, got %v", rev, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "packed-refs")); err != nil {
		t.Fatalf("expected packed refs in fixture: %v", err)
	}
}

func TestValidateRefName(t *testing.T) {
	good := []string{"refs/heads/main", "refs/heads/feature/x", "refs/tags/v1.0", "HEAD", "refs/heads/a-b_c"}
	bad := []string{"refs/heads/a..b", "refs/heads/.hidden", "refs/heads/x.lock", "refs/heads/a b", "refs/heads/a~1",
		"refs/heads/a^", "refs/heads/a:b", "refs/heads/a?", "refs/heads/a*", "refs/heads/a[", "refs/heads/a\\b",
		"refs/heads/", "refs/heads//x", "refs/heads/x.", "refs/heads/a@{1}", "main", "", "@", "refs/heads/\x01"}
	for _, n := range good {
		if err := ValidateRefName(n); err != nil {
			t.Errorf("%q refused: %v", n, err)
		}
	}
	for _, n := range bad {
		if err := ValidateRefName(n); !errors.Is(err, ErrInvalidRefName) {
			t.Errorf("%q accepted", n)
		}
		if n != "" && n != "main" && n != "@" {
			if err := exec.Command("git", "check-ref-format", n).Run(); err == nil {
				t.Errorf("git accepts %q but we refuse it", n)
			}
		}
	}
}

func FuzzResolveRevision(f *testing.F) {
	if _, err := exec.LookPath("git"); err != nil {
		f.Skip("git not installed")
	}
	dir := f.TempDir()
	cmd := exec.Command("bash", "-euc", `git init -q -b main . && echo 1 > f && git add f &&
git -c user.name=A -c user.email=a@x commit -qm one && git -c user.name=A -c user.email=a@x commit -q --allow-empty -m two &&
git tag -a -m t v1 && git -c user.name=A -c user.email=a@x tag -a -m t2 v2`)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		f.Fatalf("%v %s", err, out)
	}
	r, err := Open(context.Background(), dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"HEAD", "main~1", "v1^{tree}", "HEAD:f", "@^0", "v1~0^{commit}", "HEAD~999999999999", "^{", "::", "main^{}~"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rev string) {
		h, err := r.ResolveRevision(context.Background(), rev)
		if err != nil {
			if !errors.Is(err, ErrUnknownRevision) && !errors.Is(err, ErrInvalidRefName) {
				// Any other error must at least not be a success in disguise.
				if !h.IsZero() {
					t.Fatalf("%q: error %v with id %s", rev, err, h)
				}
			}
			return
		}
		if _, err := r.Storer.EncodedObject(plumbing.AnyObject, h); err != nil {
			t.Fatalf("%q resolved to %s, which does not exist", rev, h)
		}
	})
}
