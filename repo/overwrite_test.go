package repo

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// The overwrite refusal of a checkout reads as git's: both blocks, the
// operation named, git's advice for switching branches.
func TestOverwriteErrorAgainstGit(t *testing.T) {
	setup := `
git init -q -b main .
echo a > a
git add a
git commit -q -m a
git checkout -q -b side
echo b > a
echo x > u
git add a u
git commit -q -m b
git checkout -q main
echo local > a
echo y > u
`
	gdir := gitRepo(t, setup)
	out, err := exec.Command("git", "-C", gdir, "checkout", "side").CombinedOutput()
	if err == nil {
		t.Fatal("git checkout over local changes succeeded")
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "Aborting" {
			want = append(want, strings.TrimPrefix(l, "error: "))
		}
	}

	edir := gitRepo(t, setup)
	ctx := context.Background()
	r, err := Open(ctx, edir)
	if err != nil {
		t.Fatal(err)
	}
	from, err := r.ResolveCommit(ctx, "main")
	if err != nil {
		t.Fatal(err)
	}
	to, err := r.ResolveCommit(ctx, "side")
	if err != nil {
		t.Fatal(err)
	}
	err = r.Checkout(ctx, from, to)
	var oe *OverwriteError
	if !errors.As(err, &oe) || !errors.Is(err, ErrWouldOverwrite) {
		t.Fatalf("checkout over local changes: %v", err)
	}
	if got := oe.Error(); got != strings.Join(want, "\n") {
		t.Errorf("easel:\n%s\ngit:\n%s", got, strings.Join(want, "\n"))
	}
	// The same refusal from a merge names the merge.
	oe.Op = "merge"
	if !strings.Contains(oe.Error(), "would be overwritten by merge:") || !strings.Contains(oe.Error(), "before you merge.") {
		t.Errorf("merge wording: %s", oe.Error())
	}
}
