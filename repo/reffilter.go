package repo

import (
	"context"
	"errors"

	"easel.dev/easel/repo/wildmatch"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"easel.dev/easel/merge/commitwalk"
)

// RefFilter selects listed refs as git branch and git tag do. Zero hashes
// are unset; with none set every ref matches.
type RefFilter struct {
	Merged   plumbing.Hash // --merged: refs whose commit it reaches
	NoMerged plumbing.Hash // --no-merged: refs whose commit it does not reach
	Contains plumbing.Hash // --contains: refs whose commit reaches it
	PointsAt plumbing.Hash // --points-at: refs naming it, directly or through one tag
	// Patterns are git's wildmatch patterns (no special '/'), matched
	// against the name without refs/heads/, refs/remotes/ or refs/tags/;
	// a ref matching any is listed.
	Patterns []string
}

func (f RefFilter) reach() bool {
	return !f.Merged.IsZero() || !f.NoMerged.IsZero() || !f.Contains.IsZero()
}

// refMatcher applies a RefFilter. Its walks share one commitwalk.Walker
// and remember what they walked, so a long ref list costs about one walk
// of the history the filters need.
type refMatcher struct {
	r        *Repository
	f        RefFilter
	merged   *commitwalk.ReachSet // reachable from f.Merged
	noMrg    *commitwalk.ReachSet // reachable from f.NoMerged
	contains *commitwalk.Contains // reaching f.Contains
}

func (r *Repository) newRefMatcher(ctx context.Context, f RefFilter) (*refMatcher, error) {
	m := &refMatcher{r: r, f: f}
	if !f.reach() {
		return m, nil
	}
	w := commitwalk.For(r.Storer)
	var err error
	if !f.Merged.IsZero() {
		if m.merged, err = w.ReachableFrom(f.Merged); err != nil {
			return nil, err
		}
	}
	if !f.NoMerged.IsZero() {
		if m.noMrg, err = w.ReachableFrom(f.NoMerged); err != nil {
			return nil, err
		}
	}
	if !f.Contains.IsZero() {
		if m.contains, err = w.Contains(f.Contains); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// match reports whether the ref name (short, as patterns see it) pointing
// at id passes the filter.
func (m *refMatcher) match(ctx context.Context, name string, id plumbing.Hash) (bool, error) {
	if len(m.f.Patterns) > 0 {
		ok := false
		for _, p := range m.f.Patterns {
			if wildmatch.Match(p, name, 0) { // git tag -l, branch --list: no WM_PATHNAME
				ok = true
				break
			}
		}
		if !ok {
			return false, nil
		}
	}
	if !m.f.PointsAt.IsZero() && id != m.f.PointsAt {
		// As git: one level of tag only.
		t, err := m.r.tagObject(id)
		if err != nil || t == nil || t.Target != m.f.PointsAt {
			return false, err
		}
	}
	if !m.f.reach() {
		return true, nil
	}
	// As git: a ref that names no commit passes no reachability filter.
	c, err := m.r.commitOf(id)
	if err != nil {
		return false, nil
	}
	if m.merged != nil {
		if ok, err := m.merged.Has(ctx, c.Hash); err != nil || !ok {
			return false, err
		}
	}
	if m.noMrg != nil {
		if ok, err := m.noMrg.Has(ctx, c.Hash); err != nil || ok {
			return false, err
		}
	}
	if m.contains != nil {
		return m.contains.From(ctx, c.Hash)
	}
	return true, nil
}

// tagObject returns the tag object id names, nil when it is something else.
func (r *Repository) tagObject(id plumbing.Hash) (*object.Tag, error) {
	o, err := r.Storer.EncodedObject(plumbing.AnyObject, id)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, nil
	}
	if err != nil || o.Type() != plumbing.TagObject {
		return nil, err
	}
	return object.DecodeTag(r.Storer, o)
}
