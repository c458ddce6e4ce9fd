package repo

import (
	"context"
	"errors"

	"easel.dev/easel/repo/wildmatch"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
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

// refMatcher applies a RefFilter, remembering what it walked.
type refMatcher struct {
	r      *Repository
	f      RefFilter
	merged map[plumbing.Hash]bool // reachable from f.Merged
	noMrg  map[plumbing.Hash]bool // reachable from f.NoMerged
	// misses: commits known not to reach f.Contains.
	misses map[plumbing.Hash]bool
}

func (r *Repository) newRefMatcher(ctx context.Context, f RefFilter) (*refMatcher, error) {
	m := &refMatcher{r: r, f: f, misses: map[plumbing.Hash]bool{}}
	var err error
	if !f.Merged.IsZero() {
		if m.merged, err = r.reachable(ctx, []plumbing.Hash{f.Merged}); err != nil {
			return nil, err
		}
	}
	if !f.NoMerged.IsZero() {
		if m.noMrg, err = r.reachable(ctx, []plumbing.Hash{f.NoMerged}); err != nil {
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
	if m.merged != nil && !m.merged[c.Hash] {
		return false, nil
	}
	if m.noMrg != nil && m.noMrg[c.Hash] {
		return false, nil
	}
	if !m.f.Contains.IsZero() {
		return m.reaches(ctx, c.Hash, m.f.Contains)
	}
	return true, nil
}

// reaches reports whether target is from or one of its ancestors. A walk
// that fails marks everything it saw, so later tips stop there.
func (m *refMatcher) reaches(ctx context.Context, from, target plumbing.Hash) (bool, error) {
	seen := map[plumbing.Hash]bool{}
	stack := []plumbing.Hash{from}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if h == target {
			return true, nil
		}
		if seen[h] || m.misses[h] {
			continue
		}
		seen[h] = true
		c, err := m.r.commitOf(h)
		if err != nil {
			return false, err
		}
		stack = append(stack, c.ParentHashes...)
	}
	for h := range seen {
		m.misses[h] = true
	}
	return false, nil
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
