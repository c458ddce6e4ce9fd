package repo

import (
	"context"
	"errors"
	"fmt"

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
			sig, err := r.Identity("committer")
			if err != nil {
				return plumbing.ZeroHash, err
			}
			tagger = &sig
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
