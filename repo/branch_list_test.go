package repo

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"easel.dev/easel/repo/wildmatch"
	"github.com/go-git/go-git/v5/plumbing"
)

// Ref patterns (tag -l, branch --list) are wildmatch without WM_PATHNAME.
func TestRefPatternWildmatch(t *testing.T) {
	for _, c := range []struct {
		pat, name string
		want      bool
	}{
		{"v*", "v1.0", true},
		{"*v1", "rel/v1", true}, // '*' crosses '/', unlike path.Match
		{"r?l/*", "rel/v1", true},
		{"r?l*", "r/l", true},
		{"?", "/", true},
		{"[q-s]el*", "rel/v1", true},
		{"[!q-s]el*", "rel/v1", false},
		{"[^r]el", "rel", false},
		{"[[:alpha:]]el/v1", "rel/v1", true},
		{"[[:digit:]]*", "rel", false},
		{"[]]x", "]x", true},
		{"rel\\/v1", "rel/v1", true},
		{"\\*", "*", true},
		{"\\*", "a", false},
		{"a**", "ann", true},
		{"main", "main", true},
		{"main", "mainly", false},
		{"[abc", "[abc", false}, // an unclosed class matches nothing (git check-ignore agrees)
		{"*a*b*c*", "xaybzc", true},
		{"*a*b*c*", "xaybz", false},
	} {
		if got := wildmatch.Match(c.pat, c.name, 0); got != c.want {
			t.Errorf("Wildmatch(%q, %q) = %v, want %v", c.pat, c.name, got, c.want)
		}
	}
}

func TestWildmatchAgainstGit(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
git commit -q --allow-empty -m one
for t in v1.0 v1.10 v2.0-rc1 rel/v1 rel/sub/v2 a-b x.y ann; do git tag "$t"; done
`)
	names := []string{"a-b", "ann", "rel/sub/v2", "rel/v1", "v1.0", "v1.10", "v2.0-rc1", "x.y"}
	for _, pat := range []string{"v1*", "*v?", "rel/*", "*/*/*", "v[0-1].*", "v[!1]*", "a[-]b", "a[!-]b", "a\\-b", "a[+--]b", "x?y", "*", "*.*", "[[:lower:]]*[[:digit:]]"} {
		out, err := exec.Command("git", "-C", dir, "tag", "-l", pat).Output()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range names {
			if wildmatch.Match(pat, n, 0) {
				got = append(got, n)
			}
		}
		if want := strings.Fields(string(out)); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q: easel %v, git %v", pat, got, want)
		}
	}
}

func TestListBranchesAndUpstreamAgainstGit(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main up
git -C up commit -q --allow-empty -m one
git -C up commit -q --allow-empty -m two
git -C up branch side HEAD~1
git clone -q up cl
cd cl
git commit -q --allow-empty -m three
git branch old HEAD~2
`)
	dir += "/cl"
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	list := func(o BranchListOptions) string {
		t.Helper()
		bs, err := r.ListBranches(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, b := range bs {
			n := b.Name
			if b.Symref != "" {
				n += "->" + b.Symref
			}
			out = append(out, n)
		}
		return strings.Join(out, " ")
	}
	if got := list(BranchListOptions{Local: true, Remote: true}); got != "main old origin/HEAD->origin/main origin/main origin/side" {
		t.Errorf("all: %s", got)
	}
	if got := list(BranchListOptions{Remote: true}); got != "origin/HEAD->origin/main origin/main origin/side" {
		t.Errorf("remotes: %s", got)
	}
	at := func(rev string) plumbing.Hash {
		h, err := r.ResolveCommit(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, c := range []struct {
		f    RefFilter
		want string
	}{
		{RefFilter{Merged: []plumbing.Hash{at("origin/side")}}, "old origin/side"},
		{RefFilter{NoMerged: []plumbing.Hash{at("origin/main")}}, "main"},
		{RefFilter{Contains: []plumbing.Hash{at("origin/main")}}, "main origin/HEAD->origin/main origin/main"},
		{RefFilter{Contains: []plumbing.Hash{at("HEAD")}, Merged: []plumbing.Hash{at("HEAD")}}, "main"},
		{RefFilter{Patterns: []string{"o*"}}, "old origin/HEAD->origin/main origin/main origin/side"},
		{RefFilter{Patterns: []string{"*/s*", "main"}}, "main origin/side"},
	} {
		if got := list(BranchListOptions{Local: true, Remote: true, Filter: c.f}); got != c.want {
			t.Errorf("%+v: %s, want %s", c.f, got, c.want)
		}
	}

	if name, err := r.SetUpstreamTo(ctx, "old", "origin/side"); err != nil || name != "origin/side" {
		t.Fatalf("-u origin/side: %q %v", name, err)
	}
	if got := rungit(t, dir, "rev-parse", "--abbrev-ref", "old@{upstream}"); strings.TrimSpace(got) != "origin/side" {
		t.Errorf("git sees old's upstream as %q", got)
	}
	if name, err := r.SetUpstreamTo(ctx, "old", "main"); err != nil || name != "main" {
		t.Fatalf("-u main: %q %v", name, err)
	}
	if remote, merge, _ := r.Upstream("old"); remote != "." || merge != "refs/heads/main" {
		t.Errorf("local upstream: %q %q", remote, merge)
	}
	if _, err := r.SetUpstreamTo(ctx, "old", "nosuch"); !errors.Is(err, ErrNotFound) {
		t.Errorf("-u nosuch: %v", err)
	}
	if _, err := r.SetUpstreamTo(ctx, "nosuch", "main"); !errors.Is(err, ErrNotFound) {
		t.Errorf("-u on a missing branch: %v", err)
	}
	if err := r.UnsetUpstream(ctx, "old"); err != nil {
		t.Fatal(err)
	}
	if remote, merge, _ := r.Upstream("old"); remote != "" || merge != "" {
		t.Errorf("after unset: %q %q", remote, merge)
	}
	if err := r.UnsetUpstream(ctx, "old"); !errors.Is(err, ErrNoUpstream) {
		t.Errorf("second unset: %v", err)
	}
}
