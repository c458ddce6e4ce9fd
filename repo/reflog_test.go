package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"easel.dev/easel/repo/reflog"
	"github.com/go-git/go-git/v5/plumbing"
)

// The same history made by easel and by git leaves byte-identical
// reflogs, and git reads easel's reflogs as easel does: HEAD@{n}, @{n},
// <branch>@{n} and @{-n} resolve alike, and fsck stays clean.
func TestReflogMatchesGit(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	resolve := func(rev string) plumbing.Hash {
		t.Helper()
		h, err := r.ResolveCommit(ctx, rev)
		must(err)
		return h
	}
	writeFiles(t, dir, map[string]string{"a": "1\n"})
	commitAll(t, r, "first")
	writeFiles(t, dir, map[string]string{"a": "2\n"})
	commitAll(t, r, "second\n\nbody")
	must(r.CreateBranchFrom(ctx, "feat", resolve("HEAD"), "main", false))
	_, err := r.SwitchBranch(ctx, "feat", false, false, plumbing.ZeroHash)
	must(err)
	writeFiles(t, dir, map[string]string{"b": "b\n"})
	commitAll(t, r, "third")
	_, err = r.SwitchBranch(ctx, "main", false, false, plumbing.ZeroHash)
	must(err)
	_, err = r.Merge(ctx, MergeOptions{Theirs: resolve("feat"), TheirsName: "feat"})
	must(err)
	must(r.ResetTo(ctx, resolve("HEAD~1"), ResetHard, "HEAD~1"))
	must(r.ResetTo(ctx, resolve("HEAD"), ResetMixed, "HEAD"))
	must(r.SwitchDetach(ctx, resolve("HEAD~1"), "HEAD~1"))
	_, err = r.SwitchBranchFrom(ctx, "topic", true, false, plumbing.ZeroHash, "")
	must(err)
	writeFiles(t, dir, map[string]string{"c": "c\n"})
	commitAll(t, r, "fourth")
	_, err = r.SwitchBranch(ctx, "main", false, false, plumbing.ZeroHash)
	must(err)
	_, err = r.Merge(ctx, MergeOptions{Theirs: resolve("topic"), TheirsName: "topic", Message: "merge topic"})
	must(err)
	must(r.RenameBranch(ctx, "feat", "feat2", false))
	must(r.RenameBranch(ctx, "main", "trunk", false))
	_, err = r.Commit(ctx, CommitOptions{Amend: true, Message: "amended"})
	must(err)
	must(r.CreateBranchFrom(ctx, "feat2", resolve("trunk~1"), "trunk~1", true))
	_, err = r.DeleteBranch(ctx, "topic", false)
	must(err)

	// The same steps with git; "!name=content" writes a file, NUL is a
	// space inside an argument.
	g := t.TempDir()
	script := []string{
		"init -q -b main",
		"!a=1",
		"add a", "commit -q -m first",
		"!a=2",
		"commit -q -a -m second\n\nbody",
		"branch feat",
		"switch -q feat",
		"!b=b",
		"add b", "commit -q -m third",
		"switch -q main",
		"merge -q feat",
		"reset -q --hard HEAD~1",
		"reset -q HEAD",
		"switch -q --detach HEAD~1",
		"switch -q -c topic",
		"!c=c",
		"add c", "commit -q -m fourth",
		"switch -q main",
		"merge -q --no-edit -m merge\x00topic topic",
		"branch -m feat feat2",
		"branch -m main trunk",
		"commit -q --amend -m amended",
		"branch -f feat2 trunk~1",
		"branch -q -d topic",
	}
	for _, line := range script {
		if f, ok := strings.CutPrefix(line, "!"); ok {
			name, content, _ := strings.Cut(f, "=")
			writeFiles(t, g, map[string]string{name: content + "\n"})
			continue
		}
		var args []string
		if strings.Contains(line, "\n") {
			// a message with newlines stays one argument
			head, msg, _ := strings.Cut(line, " -m ")
			args = append(strings.Fields(head), "-m", msg)
		} else {
			for _, a := range strings.Fields(line) {
				args = append(args, strings.ReplaceAll(a, "\x00", " "))
			}
		}
		rungit(t, g, args...)
	}
	for _, log := range []string{"HEAD", "refs/heads/trunk", "refs/heads/feat2", "refs/heads/topic", "refs/heads/main", "refs/heads/feat"} {
		want, werr := os.ReadFile(filepath.Join(g, ".git", "logs", log))
		got, gerr := os.ReadFile(filepath.Join(dir, ".git", "logs", log))
		if errors.Is(werr, os.ErrNotExist) != errors.Is(gerr, os.ErrNotExist) {
			t.Errorf("logs/%s: git has it: %v, easel has it: %v", log, werr == nil, gerr == nil)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("logs/%s differs from git's:\n--- easel\n%s--- git\n%s", log, got, want)
		}
	}
	if got, want := rungit(t, dir, "reflog"), rungit(t, g, "reflog"); got != want {
		t.Errorf("git reflog of easel's repository:\n%s\nof git's:\n%s", got, want)
	}

	// git reads easel's reflogs the way easel does. @{-1} is topic,
	// deleted since, @{-2} a detached HEAD, @{-3} main, renamed: git
	// resolves only @{-2}.
	for _, rev := range []string{"HEAD@{0}", "HEAD@{1}", "HEAD@{3}~1", "@{1}", "@{0}", "trunk@{2}", "trunk@{1}^2", "feat2@{1}", "@{-1}", "@{-2}", "@{-2}~1", "@{-3}", "HEAD@{9}", "HEAD@{10}", "trunk@{7}", "@{-2}@{1}", "HEAD@{-1}", "@{-1}@{-1}", "trunk@{-2}"} {
		want := revParse(t, dir, rev)
		got, err := r.ResolveRevision(ctx, rev)
		if want == "" {
			if !errors.Is(err, ErrUnknownRevision) {
				t.Errorf("%s = %s, %v; git does not resolve it", rev, got, err)
			}
			continue
		}
		if err != nil || got.String() != want {
			t.Errorf("%s = %s, %v; git says %s", rev, got, err, want)
		}
	}
	_, err = r.ResolveRevision(ctx, "HEAD@{99}")
	var re *RevisionError
	if !errors.As(err, &re) || !errors.Is(err, ErrUnknownRevision) || !strings.HasPrefix(re.Msg, "log for 'HEAD' only has ") {
		t.Errorf("HEAD@{99}: %v", err)
	}
	if _, err := r.ResolveRevision(ctx, "trunk@{9}"); err == nil || err.Error() != "log for 'trunk' only has 7 entries" {
		t.Errorf("trunk@{9}: %v", err)
	}
	if _, err := r.ResolveRevision(ctx, "@{-9}"); !errors.Is(err, ErrUnknownRevision) {
		t.Errorf("@{-9}: %v", err)
	}
	if _, err := r.ResolveRevision(ctx, "nosuch@{1}"); !errors.Is(err, ErrUnknownRevision) {
		t.Errorf("nosuch@{1}: %v", err)
	}
	if _, err := r.ResolveRevision(ctx, "HEAD@{someday}"); !errors.Is(err, ErrUnknownRevision) {
		t.Errorf("HEAD@{someday}: %v", err)
	}
	if out := rungit(t, dir, "fsck", "--strict"); strings.Contains(out, "error") {
		t.Errorf("git fsck --strict: %s", out)
	}
}

// <ref>@{<date>} is the ref's value at that time, as git rev-parse
// reads it from the same reflog.
func TestReflogAtDate(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	for i, date := range []string{"2020-01-01T10:00:00Z", "2020-01-03T10:00:00Z", "2020-01-05T10:00:00Z"} {
		t.Setenv("GIT_COMMITTER_DATE", date)
		writeFiles(t, dir, map[string]string{"a": fmt.Sprintf("%d\n", i)})
		commitAll(t, r, fmt.Sprintf("c%d", i))
	}
	t.Setenv("GIT_COMMITTER_DATE", "2020-01-06T10:00:00Z")
	if err := r.ResetTo(ctx, mustResolve(t, r, "HEAD~2"), ResetHard, "HEAD~2"); err != nil {
		t.Fatal(err)
	}
	for _, rev := range []string{
		"main@{2019-12-01}", "main@{2020-01-01 10:00:00 +0000}", "main@{2020-01-02 00:00:00 +0000}",
		"main@{2020-01-04T00:00:00Z}", "main@{2020-01-05 12:00:00 +0000}", "main@{2020-01-07T00:00:00Z}",
		"HEAD@{2020-01-04 00:00:00 +0000}~1", "@{2020-01-04T00:00:00Z}", "main@{1.year.ago}",
		"main@{2020-01-04 00:00:00 +0000}:a",
	} {
		want := revParse(t, dir, rev)
		got, err := r.ResolveRevision(ctx, rev)
		if err != nil || got.String() != want {
			t.Errorf("%s = %s, %v; git says %q", rev, got, err, want)
		}
	}
}

func mustResolve(t *testing.T, r *Repository, rev string) plumbing.Hash {
	t.Helper()
	h, err := r.ResolveCommit(context.Background(), rev)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// @{u} and <branch>@{upstream} name the remote-tracking ref of the
// configured upstream, as git rev-parse does.
func TestReflogUpstream(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	writeFiles(t, dir, map[string]string{"a": "1\n"})
	one := commitAll(t, r, "one")
	writeFiles(t, dir, map[string]string{"a": "2\n"})
	commitAll(t, r, "two")
	rungit(t, dir, "remote", "add", "origin", "https://example.com/x")
	if err := r.UpdateRef(ctx, RefUpdate{Name: "refs/remotes/origin/main", New: one}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ResolveRevision(ctx, "@{u}"); err == nil || err.Error() != "no upstream configured for branch 'main'" {
		t.Errorf("@{u} without upstream: %v", err)
	}
	rungit(t, dir, "branch", "--set-upstream-to=origin/main")
	rungit(t, dir, "branch", "side")
	rungit(t, dir, "branch", "--set-upstream-to=main", "side")
	for _, rev := range []string{"@{u}", "@{upstream}", "main@{u}", "main@{UPSTREAM}", "@{u}~0", "side@{u}", "side@{u}~1"} {
		want := revParse(t, dir, rev)
		got, err := r.ResolveRevision(ctx, rev)
		if err != nil || got.String() != want {
			t.Errorf("%s = %s, %v; git says %q", rev, got, err, want)
		}
	}
	if _, err := r.ResolveRevision(ctx, "nosuch@{u}"); err == nil || err.Error() != "no such branch: 'nosuch'" {
		t.Errorf("nosuch@{u}: %v", err)
	}
	if err := r.SwitchDetach(ctx, one, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ResolveRevision(ctx, "@{u}"); err == nil || err.Error() != "HEAD does not point to a branch" {
		t.Errorf("@{u} detached: %v", err)
	}
}

// core.logAllRefUpdates as git reads it: no reflogs in a bare repository
// (a server's), none created when false (but an existing one is still
// appended to), tags logged only with "always".
func TestReflogConfig(t *testing.T) {
	gitEnv(t)
	ctx := context.Background()
	bare, err := Init(ctx, t.TempDir(), true, "main")
	if err != nil {
		t.Fatal(err)
	}
	c := plumbing.NewHash("1111111111111111111111111111111111111111")
	if err := bare.UpdateRef(ctx, RefUpdate{Name: "refs/heads/main", New: c, Message: "push"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(bare.GitDir, "logs")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a bare repository got reflogs: %v", err)
	}

	r, dir := initRepo(t)
	writeFiles(t, dir, map[string]string{"a": "1\n"})
	one := commitAll(t, r, "one")
	if err := r.ConfigSet("core.logAllRefUpdates", "false", false); err != nil {
		t.Fatal(err)
	}
	if err := r.CreateBranch(ctx, "side", one, false); err != nil {
		t.Fatal(err)
	}
	if r.HasReflog("refs/heads/side") {
		t.Error("logAllRefUpdates=false created a reflog")
	}
	writeFiles(t, dir, map[string]string{"a": "2\n"})
	commitAll(t, r, "two")
	if e, _ := r.Reflog("refs/heads/main"); len(e) != 2 || e[1].Message != "commit: two" {
		t.Errorf("an existing reflog is appended to even when false: %+v", e)
	}
	if err := r.UpdateRef(ctx, RefUpdate{Name: "refs/tags/v1", New: one, Message: "tag"}); err != nil {
		t.Fatal(err)
	}
	if r.HasReflog("refs/tags/v1") {
		t.Error("a tag got a reflog")
	}
	if err := r.ConfigSet("core.logAllRefUpdates", "always", false); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, RefUpdate{Name: "refs/tags/v2", New: one, Message: "tag"}); err != nil {
		t.Fatal(err)
	}
	if e, _ := r.Reflog("refs/tags/v2"); len(e) != 1 || e[0].New != one || e[0].Message != "tag" {
		t.Errorf("always: tag reflog %+v", e)
	}
	// Deleting a ref deletes its reflog and the directories left empty.
	if err := r.CreateBranch(ctx, "a/b", one, false); err != nil {
		t.Fatal(err)
	}
	if _, err := r.DeleteBranch(ctx, "a/b", true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".git", "logs", "refs", "heads", "a")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("logs/refs/heads/a left behind: %v", err)
	}
	if err := r.CreateBranch(ctx, "a", one, false); err != nil {
		t.Fatal(err)
	}
	if !r.HasReflog("refs/heads/a") {
		t.Error("branch a has no reflog")
	}
}

// Without any identity a ref update still succeeds and is logged under
// git's fallback identity; GIT_COMMITTER_DATE still sets the time.
func TestReflogWithoutIdentity(t *testing.T) {
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	writeFiles(t, dir, map[string]string{"a": "1\n"})
	one := commitAll(t, r, "one")
	for _, k := range []string{"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"} {
		t.Setenv(k, "")
	}
	if err := r.CreateBranch(ctx, "side", one, false); err != nil {
		t.Fatal(err)
	}
	e, err := r.Reflog("refs/heads/side")
	if err != nil || len(e) != 1 {
		t.Fatalf("%+v %v", e, err)
	}
	if e[0].Name == "" || !strings.Contains(e[0].Email, "@") || e[0].When.Unix() != 1700000100 {
		t.Errorf("fallback identity: %+v", e[0])
	}
}

func TestReflogMessage(t *testing.T) {
	for in, want := range map[string]string{
		"commit: subject":           "commit: subject",
		"  lead\n\nand   trail \n ": "lead and trail",
		"tab\tin\r\nmessage":        "tab in message",
		"":                          "",
	} {
		if got := reflog.Message(in); got != want {
			t.Errorf("reflog.Message(%q) = %q, want %q", in, got, want)
		}
	}
}
