package repo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Three stashes, the middle one dropped, then the others: git reads the
// stack easel keeps at every step, and the names git's stash commands
// take resolve alike.
func TestStashStackAsGit(t *testing.T) {
	needGit(t)
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	writeFiles(t, dir, map[string]string{"a": "0\n"})
	commitAll(t, r, "base")
	if id, _, err := r.StashPush(ctx, StashOptions{}); err != nil || !id.IsZero() {
		t.Fatalf("clean work tree: stash %s, %v; want nothing", id, err)
	}
	for i := 1; i <= 3; i++ {
		writeFiles(t, dir, map[string]string{"a": fmt.Sprintf("%d\n", i)})
		if _, _, err := r.StashPush(ctx, StashOptions{Message: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, dir, "a"); got != "0\n" {
			t.Fatalf("after push %d: a = %q, want HEAD's", i, got)
		}
	}
	same := func(want string) {
		t.Helper()
		list, err := r.StashList()
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, e := range list {
			fmt.Fprintf(&b, "stash@{%d}: %s\n", e.N, e.Message)
		}
		if got := b.String(); got != want {
			t.Fatalf("stash list:\n%s\nwant:\n%s", got, want)
		}
		if g := rungit(t, dir, "stash", "list"); g != want {
			t.Fatalf("git stash list:\n%s\nwant:\n%s", g, want)
		}
	}
	same("stash@{0}: On main: 3\nstash@{1}: On main: 2\nstash@{2}: On main: 1\n")
	for _, spec := range []string{"1", "stash@{1}", "refs/stash@{1}"} {
		n, id, _, err := r.ResolveStash(spec)
		if err != nil || n != 1 {
			t.Fatalf("%s: %d, %v", spec, n, err)
		}
		if g := strings.TrimSpace(rungit(t, dir, "rev-parse", "stash@{1}")); g != id.String() {
			t.Fatalf("%s is %s, git says %s", spec, id, g)
		}
	}
	if _, _, _, err := r.ResolveStash("7"); !errors.Is(err, ErrUnknownRevision) {
		t.Fatalf("stash 7: %v, want ErrUnknownRevision", err)
	}
	if _, err := r.StashDrop(ctx, 1); err != nil {
		t.Fatal(err)
	}
	same("stash@{0}: On main: 3\nstash@{1}: On main: 1\n")
	rungit(t, dir, "fsck", "--strict")
	if _, err := r.StashDrop(ctx, 0); err != nil {
		t.Fatal(err)
	}
	same("stash@{0}: On main: 1\n")
	if g := strings.TrimSpace(rungit(t, dir, "show", "-s", "--format=%s", "stash")); g != "On main: 1" {
		t.Fatalf("refs/stash is %q, want the last one left", g)
	}
	if _, err := r.StashDrop(ctx, 0); err != nil {
		t.Fatal(err)
	}
	same("")
	if r.HasReflog(StashRef) {
		t.Fatal("the last drop left refs/stash's log")
	}
	if _, _, _, err := r.ResolveStash(""); !errors.Is(err, ErrNoStash) {
		t.Fatalf("empty stack: %v, want ErrNoStash", err)
	}
}

// apply --index refuses when the staged changes do not go onto the
// current index cleanly, and changes nothing.
func TestStashApplyIndexConflict(t *testing.T) {
	gitEnv(t)
	ctx := context.Background()
	r, dir := initRepo(t)
	writeFiles(t, dir, map[string]string{"a": "0\n"})
	commitAll(t, r, "base")
	writeFiles(t, dir, map[string]string{"a": "1\n"})
	if err := r.Add(ctx, []string{"a"}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	w, _, err := r.StashPush(ctx, StashOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, dir, map[string]string{"a": "2\n"})
	if err := r.Add(ctx, []string{"a"}, AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.StashApply(ctx, w, true); !errors.Is(err, ErrStashIndexConflict) {
		t.Fatalf("apply --index: %v, want ErrStashIndexConflict", err)
	}
	if got := readFile(t, dir, "a"); got != "2\n" {
		t.Fatalf("a = %q after a refused apply", got)
	}
}
