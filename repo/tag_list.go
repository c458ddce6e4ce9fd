package repo

import (
	"context"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
)

// ListTags lists the tags that pass the filter, in git's default order:
// by refname, byte by byte.
func (r *Repository) ListTags(ctx context.Context, f RefFilter) ([]Tag, error) {
	tags, err := r.Tags(ctx)
	if err != nil {
		return nil, err
	}
	m, err := r.newRefMatcher(ctx, f)
	if err != nil {
		return nil, err
	}
	out := tags[:0]
	for _, t := range tags {
		ok, err := m.match(ctx, t.Name, t.Hash)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// AnnotationLines returns the first n lines of what git tag -n<n> shows
// for a tag pointing at id: the tag object's message (its signature left
// out), a commit's message for a lightweight tag, nothing for other
// objects. Leading blank lines are skipped, as git's %(contents) does.
func (r *Repository) AnnotationLines(id plumbing.Hash, n int) ([]string, error) {
	o, err := r.Storer.EncodedObject(plumbing.AnyObject, id)
	if err != nil {
		return nil, err
	}
	var msg string
	switch o.Type() {
	case plumbing.TagObject:
		t, err := gitobj.DecodeEncodedTag(o)
		if err != nil {
			return nil, err
		}
		msg = t.Message
	case plumbing.CommitObject:
		c, err := gitobj.DecodeEncodedCommit(o)
		if err != nil {
			return nil, err
		}
		msg = c.Message
	}
	msg = strings.TrimLeft(msg, "\n")
	var lines []string
	for i := 0; i < n && msg != ""; i++ {
		line, rest, found := strings.Cut(msg, "\n")
		lines = append(lines, line)
		if !found {
			break
		}
		msg = rest
	}
	return lines, nil
}
