package repo

import (
	"context"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/pretty"
	"easel.dev/easel/repo/refformat"
)

// refSource gives refformat what its atoms read from the repository.
type refSource struct {
	ctx  context.Context
	r    *Repository
	ab   *Abbreviator
	refs map[string]bool
	now  time.Time
}

// RefFormatSource is the repository as git branch/tag --format and
// --sort see it.
func (r *Repository) RefFormatSource(ctx context.Context) refformat.Source {
	return &refSource{ctx: ctx, r: r, ab: r.NewAbbreviator(), now: time.Now()}
}

func (s *refSource) Object(h plumbing.Hash) (plumbing.EncodedObject, error) {
	return s.r.Storer.EncodedObject(plumbing.AnyObject, h)
}

func (s *refSource) Abbrev(h plumbing.Hash, n int) string { return s.ab.Short(h, n) }

func (s *refSource) RefExists(name string) bool {
	if s.refs == nil {
		s.refs = map[string]bool{}
		if refs, err := s.r.listRefs("refs/", true); err == nil {
			for _, ref := range refs {
				s.refs[ref.Name().String()] = true
			}
		}
		if _, err := s.r.ResolveRef(plumbing.HEAD); err == nil {
			s.refs["HEAD"] = true
		}
	}
	return s.refs[name]
}

func (s *refSource) Upstream(refname string, push bool) (refformat.Upstream, bool) {
	if push {
		return refformat.Upstream{}, false
	}
	branch := plumbing.ReferenceName(refname).Short()
	remote, merge, err := s.r.Upstream(branch)
	if err != nil || remote == "" || merge == "" {
		return refformat.Upstream{}, false
	}
	t, err := s.r.Tracking(s.ctx, branch)
	if err != nil || t == nil {
		return refformat.Upstream{}, false
	}
	return refformat.Upstream{Ref: t.Ref.String(), Remote: remote, RemoteRef: merge.String(),
		Ahead: t.Ahead, Behind: t.Behind, Gone: t.Gone}, true
}

func (s *refSource) Date(t time.Time, mode string) (string, error) {
	if mode == "" {
		return pretty.FormatDate(t, "default", s.now), nil
	}
	m, err := pretty.CheckDateMode(mode)
	if err != nil {
		return "", err
	}
	return pretty.FormatDate(t, m, s.now), nil
}
