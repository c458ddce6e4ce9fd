package repo

import (
	"context"
	"errors"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/wildmatch"

	"easel.dev/easel/merge/commitwalk"
)

// RefFilter selects listed refs as git branch and git tag do. Zero hashes
// are unset; with none set every ref matches.
// Each list option may be given several times, as git's: a ref passes
// --merged or --contains when any of their commits qualifies, and
// --no-merged or --no-contains when none disqualifies it.
type RefFilter struct {
	Merged     []plumbing.Hash // --merged: refs whose commit one of them reaches
	NoMerged   []plumbing.Hash // --no-merged: refs whose commit none of them reaches
	Contains   []plumbing.Hash // --contains: refs whose commit reaches one of them
	NoContains []plumbing.Hash // --no-contains: refs whose commit reaches none of them
	PointsAt   []plumbing.Hash // --points-at: refs naming one, directly or through one tag
	// Patterns are git's wildmatch patterns (no special '/'), matched
	// against the name without refs/heads/, refs/remotes/ or refs/tags/;
	// a ref matching any is listed.
	Patterns   []string
	IgnoreCase bool // patterns match without regard to case (-i)
}

func (f RefFilter) reach() bool {
	return len(f.Merged) > 0 || len(f.NoMerged) > 0 || len(f.Contains) > 0 || len(f.NoContains) > 0
}

// refMatcher applies a RefFilter. Its walks share one commitwalk.Walker
// and remember what they walked, so a long ref list costs about one walk
// of the history the filters need.
type refMatcher struct {
	r          *Repository
	f          RefFilter
	merged     []*commitwalk.ReachSet // reachable from f.Merged
	noMrg      []*commitwalk.ReachSet // reachable from f.NoMerged
	contains   []*commitwalk.Contains // reaching f.Contains
	noContains []*commitwalk.Contains // reaching f.NoContains
}

func (r *Repository) newRefMatcher(ctx context.Context, f RefFilter) (*refMatcher, error) {
	m := &refMatcher{r: r, f: f}
	if !f.reach() {
		return m, nil
	}
	w := commitwalk.For(r.Storer)
	for _, l := range []struct {
		from []plumbing.Hash
		to   *[]*commitwalk.ReachSet
	}{{f.Merged, &m.merged}, {f.NoMerged, &m.noMrg}} {
		for _, h := range l.from {
			s, err := w.ReachableFrom(h)
			if err != nil {
				return nil, err
			}
			*l.to = append(*l.to, s)
		}
	}
	for _, l := range []struct {
		from []plumbing.Hash
		to   *[]*commitwalk.Contains
	}{{f.Contains, &m.contains}, {f.NoContains, &m.noContains}} {
		for _, h := range l.from {
			c, err := w.Contains(h)
			if err != nil {
				return nil, err
			}
			*l.to = append(*l.to, c)
		}
	}
	return m, nil
}

// match reports whether the ref name (short, as patterns see it) pointing
// at id passes the filter.
func (m *refMatcher) match(ctx context.Context, name string, id plumbing.Hash) (bool, error) {
	if len(m.f.Patterns) > 0 {
		ok := false
		var flags wildmatch.Flags // git tag -l, branch --list: no WM_PATHNAME
		if m.f.IgnoreCase {
			flags = wildmatch.CaseFold
		}
		for _, p := range m.f.Patterns {
			if wildmatch.Match(p, name, flags) {
				ok = true
				break
			}
		}
		if !ok {
			return false, nil
		}
	}
	if len(m.f.PointsAt) > 0 && !slices.Contains(m.f.PointsAt, id) {
		// As git: one level of tag only.
		t, err := m.r.tagObject(id)
		if err != nil || t == nil || !slices.Contains(m.f.PointsAt, t.Target) {
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
	anyReach := func(sets []*commitwalk.ReachSet) (bool, error) {
		for _, s := range sets {
			if ok, err := s.Has(ctx, c.Hash); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	anyContains := func(sets []*commitwalk.Contains) (bool, error) {
		for _, s := range sets {
			if ok, err := s.From(ctx, c.Hash); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	}
	if len(m.merged) > 0 {
		if ok, err := anyReach(m.merged); err != nil || !ok {
			return false, err
		}
	}
	if len(m.noMrg) > 0 {
		if ok, err := anyReach(m.noMrg); err != nil || ok {
			return false, err
		}
	}
	if len(m.contains) > 0 {
		if ok, err := anyContains(m.contains); err != nil || !ok {
			return false, err
		}
	}
	if len(m.noContains) > 0 {
		if ok, err := anyContains(m.noContains); err != nil || ok {
			return false, err
		}
	}
	return true, nil
}

// tagObject returns the tag object id names, nil when it is something else.
func (r *Repository) tagObject(id plumbing.Hash) (*gitobj.Tag, error) {
	o, err := r.Storer.EncodedObject(plumbing.AnyObject, id)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, nil
	}
	if err != nil || o.Type() != plumbing.TagObject {
		return nil, err
	}
	return gitobj.DecodeEncodedTag(o)
}
