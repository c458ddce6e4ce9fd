package repo

import (
	"context"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestListTagsAgainstGit(t *testing.T) {
	dir := gitRepo(t, `
git init -q -b main .
git commit -q --allow-empty -m one
git commit -q --allow-empty -m two -m 'body'
git tag light
git tag -a ann -m 'ann subject' -m 'more'
git tag -a tagtag -m 'of a tag' ann
git tag -a treetag -m tree 'HEAD^{tree}'
git tag v1.10 HEAD~1
git tag v1.2 HEAD~1
`)
	ctx := context.Background()
	r, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	at := func(rev string) plumbing.Hash {
		h, err := r.ResolveRevision(ctx, rev)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	for _, c := range []struct {
		f    RefFilter
		args []string // git tag's for the same
	}{
		{RefFilter{}, nil},
		{RefFilter{Patterns: []string{"v*", "t*"}}, []string{"-l", "v*", "t*"}},
		{RefFilter{Contains: []plumbing.Hash{at("HEAD~1")}}, []string{"--contains", "HEAD~1"}},
		{RefFilter{Contains: []plumbing.Hash{at("HEAD")}}, []string{"--contains", "HEAD"}},
		{RefFilter{PointsAt: []plumbing.Hash{at("HEAD")}}, []string{"--points-at", "HEAD"}},
		{RefFilter{PointsAt: []plumbing.Hash{at("ann")}}, []string{"--points-at", "ann"}},
		{RefFilter{Merged: []plumbing.Hash{at("HEAD~1")}}, []string{"--merged", "HEAD~1"}},
		{RefFilter{NoMerged: []plumbing.Hash{at("HEAD~1")}}, []string{"--no-merged", "HEAD~1"}},
	} {
		tags, err := r.ListTags(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tg := range tags {
			got = append(got, tg.Name)
		}
		want := strings.Fields(rungit(t, dir, append([]string{"tag"}, c.args...)...))
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("tag %v: easel %v, git %v", c.args, got, want)
		}
	}
	for _, c := range []struct {
		rev  string
		n    int
		want string
	}{
		{"ann", 1, "ann subject"},
		{"ann", 5, "ann subject||more"},
		{"light", 2, "two|"},
		{"treetag", 3, "tree"},
		{"HEAD^{tree}", 3, ""},
	} {
		lines, err := r.AnnotationLines(at(c.rev), c.n)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(lines, "|"); got != c.want {
			t.Errorf("%s -n%d: %q, want %q", c.rev, c.n, got, c.want)
		}
	}
}
