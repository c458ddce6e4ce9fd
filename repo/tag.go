package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Tag is one tag as listed.
type Tag struct {
	Name      string        `json:"name"`
	Hash      plumbing.Hash `json:"-"`
	ID        string        `json:"id"`     // what the ref points at
	Target    string        `json:"target"` // the commit (or other object) it names, tags peeled
	Annotated bool          `json:"annotated"`
}

// Tags lists tags sorted by name.
func (r *Repository) Tags(ctx context.Context) ([]Tag, error) {
	refs, err := r.refsUnder("refs/tags/")
	if err != nil {
		return nil, err
	}
	out := make([]Tag, 0, len(refs))
	for _, ref := range refs {
		t := Tag{Name: shortRefName(ref.Name()), Hash: ref.Hash(), ID: ref.Hash().String(), Target: ref.Hash().String()}
		if o, err := r.Storer.EncodedObject(plumbing.AnyObject, ref.Hash()); err == nil && o.Type() == plumbing.TagObject {
			t.Annotated = true
			if p, err := r.peel(ref.Hash(), ""); err == nil {
				t.Target = p.String()
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// TagOptions describes a tag to create.
type TagOptions struct {
	Name   string
	Target plumbing.Hash
	// Message makes an annotated tag (a tag object); empty with
	// Annotated false makes a lightweight tag (a ref only).
	Annotated bool
	Message   string
	Tagger    *object.Signature // nil: the committer identity
	Force     bool
}

// CreateTag writes refs/tags/<name>, through a tag object for annotated
// tags, and returns the id the ref points at.
func (r *Repository) CreateTag(ctx context.Context, o TagOptions) (plumbing.Hash, error) {
	ref := plumbing.NewTagReferenceName(o.Name)
	if err := ValidateRefName(ref.String()); err != nil {
		return plumbing.ZeroHash, err
	}
	cur, err := r.ResolveRef(ref)
	if err == nil && !o.Force {
		return plumbing.ZeroHash, fmt.Errorf("tag '%s' %w", o.Name, ErrAlreadyExists)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return plumbing.ZeroHash, err
	}
	target, err := r.Storer.EncodedObject(plumbing.AnyObject, o.Target)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%s: %w", o.Target, ErrUnknownRevision)
	}
	id := o.Target
	if o.Annotated {
		tagger := o.Tagger
		if tagger == nil {
			if tagger, err = r.envIdentity("COMMITTER"); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		msg := cleanMessage(o.Message)
		if msg == "" {
			return plumbing.ZeroHash, errors.New("aborting: empty tag message")
		}
		tag := &object.Tag{
			Name: o.Name, Tagger: *tagger, Message: msg,
			TargetType: target.Type(), Target: o.Target,
		}
		obj := r.Storer.NewEncodedObject()
		if err := tag.Encode(obj); err != nil {
			return plumbing.ZeroHash, err
		}
		if id, err = r.Storer.SetEncodedObject(obj); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	return id, r.UpdateRef(ctx, RefUpdate{Name: ref, Old: cur, New: id, CheckOld: true})
}

// DeleteTag removes refs/tags/<name> and returns what it pointed at.
func (r *Repository) DeleteTag(ctx context.Context, name string) (plumbing.Hash, error) {
	ref := plumbing.NewTagReferenceName(name)
	if err := ValidateRefName(ref.String()); err != nil {
		return plumbing.ZeroHash, err
	}
	cur, err := r.ResolveRef(ref)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return plumbing.ZeroHash, fmt.Errorf("tag '%s' %w", name, ErrNotFound)
		}
		return plumbing.ZeroHash, err
	}
	return cur, r.UpdateRef(ctx, RefUpdate{Name: ref, Old: cur, New: plumbing.ZeroHash, CheckOld: true})
}

// cleanMessage does what git's default message clean-up does to -m text:
// strip trailing whitespace from lines, drop leading and trailing blank
// lines, squeeze runs of blank lines, end with one newline.
func cleanMessage(s string) string { return cleanupText(s, false) }

// envIdentity reads GIT_<ROLE>_NAME/EMAIL/DATE, falling back to user.name
// and user.email from the repository and global configuration.
func (r *Repository) envIdentity(role string) (*object.Signature, error) {
	name := os.Getenv("GIT_" + role + "_NAME")
	email := os.Getenv("GIT_" + role + "_EMAIL")
	if name == "" || email == "" {
		if cfg, err := r.Git.ConfigScoped(config.GlobalScope); err == nil {
			if name == "" {
				name = cfg.User.Name
			}
			if email == "" {
				email = cfg.User.Email
			}
		}
	}
	if name == "" || email == "" {
		return nil, fmt.Errorf("set GIT_%s_NAME and GIT_%s_EMAIL or user.name and user.email: %w", role, role, ErrMissingIdentity)
	}
	when := time.Now()
	if d := os.Getenv("GIT_" + role + "_DATE"); d != "" {
		t, err := parseGitDate(d)
		if err != nil {
			return nil, fmt.Errorf("GIT_%s_DATE: %w", role, err)
		}
		when = t
	}
	return &object.Signature{Name: name, Email: email, When: when}, nil
}

// parseGitDate accepts git's internal "<unix> <+zzzz>" form and RFC 3339.
func parseGitDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "@")
	if secs, zone, ok := strings.Cut(s, " "); ok {
		if n, err := strconv.ParseInt(secs, 10, 64); err == nil {
			if z, err := time.Parse("-0700", zone); err == nil {
				return time.Unix(n, 0).In(z.Location()), nil
			}
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05 -0700", time.RFC1123Z} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("cannot parse date %q", s)
}
