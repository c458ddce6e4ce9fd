package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"easel.dev/easel/repo/gitobj"
)

// ErrBadAuthor: --author is neither "Name <email>" nor matches an author.
var ErrBadAuthor = errors.New("is not 'Name <email>' and matches no existing author")

// commitAuthor settles a new commit's author as git commit does. Amending
// keeps the old author and date unless ResetAuthor; --author replaces
// name and email only (the date stays), --date the date only.
func (r *Repository) commitAuthor(opts CommitOptions, old *gitobj.Commit) (gitobj.Signature, error) {
	var author gitobj.Signature
	if old != nil && !opts.ResetAuthor {
		// As git: amending keeps the author, GIT_AUTHOR_* included.
		author = old.Author
	} else {
		var err error
		if opts.AuthorName != "" || opts.AuthorEmail != "" {
			// The date still comes from GIT_AUTHOR_DATE or now; an
			// identity is not needed.
			author.When, err = identityDate("GIT_AUTHOR_DATE")
		} else {
			author, err = r.Identity("author")
		}
		if err != nil {
			return author, err
		}
	}
	if opts.AuthorName != "" || opts.AuthorEmail != "" {
		author.Name, author.Email = opts.AuthorName, opts.AuthorEmail
	}
	if !opts.AuthorDate.IsZero() {
		author.When = opts.AuthorDate
	}
	if old != nil && !opts.ResetAuthor && strings.TrimSpace(author.Name) == "" {
		// As git's strict fmt_ident: an amended commit whose author
		// has no name cannot keep it.
		return author, fmt.Errorf("empty ident name (for <%s>) not allowed: %w", author.Email, ErrMissingIdentity)
	}
	return author, nil
}

// identityDate is the time an environment variable such as
// GIT_AUTHOR_DATE names, or now.
func identityDate(env string) (time.Time, error) {
	d := os.Getenv(env)
	if d == "" {
		return time.Now(), nil
	}
	t, err := ParseDate(d)
	if err != nil {
		return t, fmt.Errorf("%s: %w", env, err)
	}
	return t, nil
}

// ResolveAuthor reads git commit's --author: "Name <email>" as given (the
// name and email trimmed, the name may not be empty), or else a pattern
// matched, case-insensitively, against the "Name <email>" of the authors in
// the history: the newest commit's that matches, as git looks it up.
func (r *Repository) ResolveAuthor(ctx context.Context, s string) (name, email string, err error) {
	lt, gt := strings.IndexByte(s, '<'), strings.LastIndexByte(s, '>')
	if lt >= 0 && gt > lt {
		name, email = strings.TrimSpace(s[:lt]), strings.TrimSpace(s[lt+1:gt])
		if name == "" {
			return "", "", fmt.Errorf("empty ident name (for <%s>) not allowed: %w", email, ErrMissingIdentity)
		}
		if strings.ContainsAny(name+email, "<>\n") {
			return "", "", fmt.Errorf("--author '%s': %w", s, ErrBadAuthor)
		}
		return name, email, nil
	}
	re, err := regexp.Compile("(?i)" + s)
	if err != nil {
		return "", "", fmt.Errorf("--author '%s' %w", s, ErrBadAuthor)
	}
	tips, err := r.AllTips()
	if err != nil {
		return "", "", err
	}
	if len(tips) > 0 {
		w, err := r.Log(ctx, LogOptions{Include: tips})
		if err != nil {
			return "", "", err
		}
		for {
			c, err := w.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", "", err
			}
			if re.MatchString(c.Author.Name + " <" + c.Author.Email + ">") {
				return c.Author.Name, c.Author.Email, nil
			}
		}
	}
	return "", "", fmt.Errorf("--author '%s' %w", s, ErrBadAuthor)
}

// ConcludingPick says whether a commit now concludes a stopped
// cherry-pick (CHERRY_PICK_HEAD, no merge in progress): git's whence
// FROM_CHERRY_PICK, under which --reset-author needs no -C, -c or --amend.
func (r *Repository) ConcludingPick() bool {
	if _, err := os.Stat(r.statePath(mergeHeadFile)); err == nil {
		return false
	}
	_, ok := r.readHeadFile(cherryPickHeadFile)
	return ok
}
