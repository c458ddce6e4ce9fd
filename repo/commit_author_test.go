package repo

import (
	"context"
	"errors"
	"testing"
	"time"

	"easel.dev/easel/repo/gitobj"
)

func TestCommitAuthorOptions(t *testing.T) {
	gitEnv(t) // author A U Thor at 1700000000 +0100, committer at 1700000100 -0230
	r, _ := initRepo(t)
	ctx := context.Background()
	head := func() *gitobj.Commit {
		t.Helper()
		h, err := r.Head()
		if err != nil {
			t.Fatal(err)
		}
		c, err := gitobj.GetCommit(r.Storer, h)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	sig := func(s gitobj.Signature) string {
		return s.Name + " <" + s.Email + "> " + s.When.Format("2006-01-02 15:04:05 -0700")
	}
	date := time.Date(2005, 4, 7, 22, 13, 13, 0, time.FixedZone("", 2*3600))
	steps := []struct {
		opts      CommitOptions
		author    string
		dateShown bool
	}{
		{CommitOptions{Message: "one", AllowEmpty: true, AuthorName: "Other Person", AuthorEmail: "other@example.com"},
			"Other Person <other@example.com> 2023-11-14 23:13:20 +0100", false},
		{CommitOptions{Message: "two", AllowEmpty: true, AuthorDate: date},
			"A U Thor <author@example.com> 2005-04-07 22:13:13 +0200", true},
		// Amending keeps author and date; --author replaces only the name and email.
		{CommitOptions{Amend: true, AuthorName: "X Y", AuthorEmail: "x@example.com"},
			"X Y <x@example.com> 2005-04-07 22:13:13 +0200", true},
		{CommitOptions{Amend: true, ResetAuthor: true},
			"A U Thor <author@example.com> 2023-11-14 23:13:20 +0100", false},
	}
	for i, s := range steps {
		res, err := r.CommitWithResult(ctx, s.opts)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		c := head()
		if got := sig(c.Author); got != s.author {
			t.Errorf("step %d: author %s, want %s", i, got, s.author)
		}
		if c.Committer.Name != "C O Mitter" {
			t.Errorf("step %d: committer %s", i, sig(c.Committer))
		}
		if res.AuthorDateKept != s.dateShown {
			t.Errorf("step %d: AuthorDateKept %v", i, res.AuthorDateKept)
		}
	}
	if head().Message != "two\n" {
		t.Errorf("amend without a message changed it: %q", head().Message)
	}

	for _, c := range []struct{ arg, name, email string }{
		{"  Spaced   Name   <  sp@example.com  > ", "Spaced   Name", "sp@example.com"},
		{"N <>", "N", ""},
		{"other", "Other Person", "other@example.com"}, // the newest author that matches
		{"AUTHOR@EXAMPLE", "A U Thor", "author@example.com"},
	} {
		name, email, err := r.ResolveAuthor(ctx, c.arg)
		if err != nil || name != c.name || email != c.email {
			t.Errorf("ResolveAuthor(%q) = %q %q %v", c.arg, name, email, err)
		}
	}
	if _, _, err := r.ResolveAuthor(ctx, "nobody"); !errors.Is(err, ErrBadAuthor) {
		t.Errorf("no match: %v", err)
	}
	if _, _, err := r.ResolveAuthor(ctx, "<e@example.com>"); !errors.Is(err, ErrMissingIdentity) {
		t.Errorf("empty name: %v", err)
	}
}
