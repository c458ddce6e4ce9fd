package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRenameRemoteAgainstGit(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main up
git -C up commit -q --allow-empty -m one
git -C up branch side
git clone -q up cl
cd cl
git config branch.main.pushRemote origin
git remote add keep http://127.0.0.1:1/keep
git config --add remote.keep.fetch +refs/heads/main:refs/remotes/origin/keep-main
`)
	dir += "/cl"
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RenameRemote(ctx, "origin", "upstream"); err != nil {
		t.Fatal(err)
	}
	refs := rungit(t, dir, "for-each-ref", "--format=%(refname) %(symref)", "refs/remotes/")
	want := "refs/remotes/upstream/HEAD refs/remotes/upstream/main\nrefs/remotes/upstream/main \nrefs/remotes/upstream/side \n"
	if refs != want {
		t.Errorf("refs after rename:\n%s", refs)
	}
	for key, want := range map[string]string{
		"remote.upstream.fetch":  "+refs/heads/*:refs/remotes/upstream/*",
		"branch.main.remote":     "upstream",
		"branch.main.pushremote": "upstream",
		"remote.upstream.url":    filepath.Join(filepath.Dir(dir), "up"),
		"remote.keep.url":        "http://127.0.0.1:1/keep",
		"remote.keep.fetch":      "+refs/heads/*:refs/remotes/keep/*\n+refs/heads/main:refs/remotes/origin/keep-main",
	} {
		got := rungit(t, dir, "config", "--get-all", key)
		if strings.TrimSpace(got) != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if log := rungit(t, dir, "reflog", "show", "--format=%gs", "refs/remotes/upstream/side"); !strings.HasPrefix(log, "remote: renamed refs/remotes/origin/side to refs/remotes/upstream/side\n") {
		t.Errorf("side's reflog: %q", log)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git/logs/refs/remotes/origin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("origin's logs are left: %v", err)
	}
	rungit(t, dir, "fsck", "--strict")

	if _, err := r.RenameRemote(ctx, "upstream", "keep"); !errors.Is(err, ErrAlreadyExists) {
		t.Errorf("onto a taken name: %v", err)
	}
	if _, err := r.RenameRemote(ctx, "nosuch", "x"); !errors.Is(err, ErrNoSuchRemote) {
		t.Errorf("a missing remote: %v", err)
	}
	if _, err := r.RenameRemote(ctx, "keep", "bad name"); !errors.Is(err, ErrInvalidRefName) {
		t.Errorf("a bad name: %v", err)
	}
	if err := r.SetRemoteURL(ctx, "keep", "http://127.0.0.1:1/moved"); err != nil {
		t.Fatal(err)
	}
	if got := rungit(t, dir, "remote", "get-url", "keep"); got != "http://127.0.0.1:1/moved\n" {
		t.Errorf("get-url: %q", got)
	}
	if err := r.SetRemoteURL(ctx, "nosuch", "http://x/"); !errors.Is(err, ErrNoSuchRemote) {
		t.Errorf("set-url of a missing remote: %v", err)
	}
}
