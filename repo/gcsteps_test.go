package repo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"easel.dev/easel/internal/gittest"
)

// gcsGit runs git in dir with a fixed identity; date, when not zero, is
// the author and committer date (reflog entries take it too).
func gcsGit(t *testing.T, dir string, date time.Time, args ...string) string {
	t.Helper()
	gittest.Need(t)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=A",
		"GIT_COMMITTER_EMAIL=a@x", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	if !date.IsZero() {
		d := fmt.Sprintf("@%d +0000", date.Unix())
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// gcsTwins builds a repository with history of various ages, reflog
// entries left unreachable by a reset, a side branch, tags and nested
// refs, and returns two copies of it.
func gcsTwins(t *testing.T) (string, string) {
	base := t.TempDir()
	a := filepath.Join(base, "a")
	gcsGit(t, base, time.Time{}, "init", "-q", "-b", "main", a)
	now := time.Now()
	day := func(n int) time.Time { return now.Add(-time.Duration(n) * 24 * time.Hour) }
	for _, d := range []int{200, 120, 60, 45, 20, 5} {
		os.WriteFile(filepath.Join(a, "f"), []byte(fmt.Sprint(d)), 0o644)
		gcsGit(t, a, day(d), "add", "f")
		gcsGit(t, a, day(d), "commit", "-q", "-m", fmt.Sprint("c", d))
	}
	gcsGit(t, a, day(40), "reset", "-q", "--hard", "HEAD~3")
	os.WriteFile(filepath.Join(a, "g"), []byte("g"), 0o644)
	gcsGit(t, a, day(35), "add", "g")
	gcsGit(t, a, day(35), "commit", "-q", "-m", "side")
	gcsGit(t, a, day(2), "checkout", "-q", "-b", "x/y", "HEAD~1")
	gcsGit(t, a, day(1), "checkout", "-q", "main")
	gcsGit(t, a, time.Time{}, "tag", "light")
	gcsGit(t, a, time.Time{}, "tag", "-a", "-m", "m", "ann")
	gcsGit(t, a, time.Time{}, "update-ref", "refs/remotes/o/main", "HEAD")
	gcsGit(t, a, time.Time{}, "symbolic-ref", "refs/remotes/o/HEAD", "refs/remotes/o/main")
	gcsGit(t, a, time.Time{}, "pack-refs")
	gcsGit(t, a, time.Time{}, "tag", "after")
	b := filepath.Join(base, "b")
	if out, err := exec.Command("cp", "-a", a, b).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	return a, b
}

// gcsState is every file under .git/logs and .git/refs and packed-refs.
func gcsState(t *testing.T, dir string) string {
	var b bytes.Buffer
	var files []string
	for _, sub := range []string{"logs", "refs"} {
		filepath.Walk(filepath.Join(dir, ".git", sub), func(p string, fi os.FileInfo, err error) error {
			if err == nil {
				rel, _ := filepath.Rel(dir, p)
				files = append(files, rel)
			}
			return nil
		})
	}
	files = append(files, ".git/packed-refs")
	sort.Strings(files)
	for _, f := range files {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		fmt.Fprintf(&b, "== %s\n%s", f, data)
	}
	return b.String()
}

func TestPackRefsMatchesGit(t *testing.T) {
	for _, args := range [][]string{{}, {"--all"}, {"--all", "--no-prune"}} {
		g, e := gcsTwins(t)
		gcsGit(t, g, time.Time{}, append([]string{"pack-refs"}, args...)...)
		r, err := Open(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		all := len(args) > 0
		if err := r.PackRefs(all, len(args) < 2); err != nil {
			t.Fatal(err)
		}
		if gs, es := gcsState(t, g), gcsState(t, e); gs != es {
			t.Errorf("pack-refs %v:\n%s\ngit:\n%s", args, es, gs)
		}
	}
}

func TestReflogExpireMatchesGit(t *testing.T) {
	now := time.Now()
	cases := []struct {
		args []string
		opt  ReflogExpireOptions
	}{
		{nil, ReflogExpireOptions{}},
		{[]string{"--expire=100.days.ago"}, ReflogExpireOptions{Expire: now.AddDate(0, 0, -100)}},
		{[]string{"--expire-unreachable=now"}, ReflogExpireOptions{ExpireUnreachable: ExpireAll}},
		{[]string{"--expire=now"}, ReflogExpireOptions{Expire: ExpireAll}},
		{[]string{"--expire-unreachable=never", "--expire=50.days.ago"}, ReflogExpireOptions{ExpireUnreachable: ExpireNever, Expire: now.AddDate(0, 0, -50)}},
		{[]string{"--rewrite", "--expire=50.days.ago"}, ReflogExpireOptions{Rewrite: true, Expire: now.AddDate(0, 0, -50)}},
		{[]string{"--stale-fix"}, ReflogExpireOptions{StaleFix: true}},
	}
	for _, c := range cases {
		g, e := gcsTwins(t)
		gcsGit(t, g, time.Time{}, append([]string{"reflog", "expire", "--all"}, c.args...)...)
		r, err := Open(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		c.opt.Now = now
		for _, ref := range r.ReflogNames() {
			if err := r.ExpireReflog(ref, c.opt, nil); err != nil {
				t.Fatal(err)
			}
		}
		if gs, es := gcsState(t, g), gcsState(t, e); gs != es {
			t.Errorf("reflog expire --all %v:\n%s\ngit:\n%s", c.args, es, gs)
		}
	}
}
