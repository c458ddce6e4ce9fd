package repo

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// TestMailmapMatchesGit maps people through a .mailmap with every form of
// line git reads (and some it ignores) and compares with git check-mailmap.
func TestMailmapMatchesGit(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
cat > .mailmap <<'MAP'
# a comment <x@example.com>
A <a@example.com>
Proper Name <proper@example.com> <Old@Example.com>
Renamed <renamed@example.com> Commit Name <shared@example.com>
Simple <simple@example.com> <shared@example.com>
Only Name <only@example.com> trailing words
  Spaced   Name   <spaced@example.com>
<email-only@example.com> <changed@example.com>
Empty <> <ignored@example.com>
Last <last@example.com> Dup <dup@example.com>
Later <later@example.com> Dup <dup@example.com>
MAP
git add .mailmap && git commit -qm map
`)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	m := r.LoadMailmap(ctx)
	people := []string{
		"B <a@example.com>", "X <A@EXAMPLE.COM>", "Someone <old@example.com>",
		"Commit Name <shared@example.com>", "commit name <SHARED@example.com>", "Other <shared@example.com>",
		"Z <only@example.com>", "Q <spaced@example.com>", "N <changed@example.com>",
		"E <ignored@example.com>", "Dup <dup@example.com>", "Nobody <nobody@example.com>",
	}
	changed := 0
	for _, p := range people {
		want := strings.TrimSpace(gitLines(t, dir, "check-mailmap", p)[0])
		name, email, _ := strings.Cut(strings.TrimSuffix(p, ">"), " <")
		gn, ge := m.Map(name, email)
		if got := gn + " <" + ge + ">"; got != want {
			t.Errorf("%s maps to %q, git says %q", p, got, want)
		}
		if want != p {
			changed++
		}
	}
	if changed < 6 {
		t.Fatalf("only %d people mapped: the test exercises little", changed)
	}
}

// TestDefaultAbbrevFromPackedCount checks the default abbreviation length
// against git's on a repository of about 17,000 packed objects (8 digits
// by git's rule, 7 below 16,384), for the repository itself and for a
// clone borrowing its objects through alternates; loose objects do not
// count, as in git.
func TestDefaultAbbrevFromPackedCount(t *testing.T) {
	var s strings.Builder
	for i := 0; i < 17000; i++ {
		fmt.Fprintf(&s, "blob\ndata %d\n%d\n", len(fmt.Sprint(i))+1, i)
	}
	s.WriteString("commit refs/heads/main\ncommitter C <c@example.com> 1700000000 +0000\ndata 2\nx\n\n")
	dir := gitRepo(t, "git init -q -b main .")
	cmd := exec.Command("git", "fast-import", "--quiet")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(s.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fast-import: %v %s", err, out)
	}
	borrower := t.TempDir()
	if out, err := exec.Command("git", "clone", "-q", "--shared", dir, borrower).CombinedOutput(); err != nil {
		t.Fatalf("clone --shared: %v %s", err, out)
	}
	for _, d := range []string{dir, borrower} {
		want := gitLines(t, d, "rev-parse", "--short", "main")[0]
		if len(want) != 8 {
			t.Fatalf("git abbreviates to %q: the repository is not the size this test needs", want)
		}
		r, err := Open(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.NewAbbreviator().ShortID(plumbing.NewHash(gitLines(t, d, "rev-parse", "main")[0])); got != want {
			t.Errorf("%s: abbreviated to %q, git says %q", d, got, want)
		}
	}
	// core.abbrev wins over the count.
	if out, err := exec.Command("git", "-C", dir, "config", "core.abbrev", "12").CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	r, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	want := gitLines(t, dir, "rev-parse", "--short", "main")[0]
	if got := r.NewAbbreviator().ShortID(plumbing.NewHash(gitLines(t, dir, "rev-parse", "main")[0])); got != want || len(want) != 12 {
		t.Errorf("core.abbrev=12: %q, git says %q", got, want)
	}
}
