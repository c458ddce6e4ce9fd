package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/treecheck"
)

// One receive path serves both wire formats: easel's /push (JSON header
// and pack) and git's receive-pack (pkt-line commands and pack). Each
// parses its request into pushUpdates and a pack stream, calls
// receivePush, and reports the outcome in its own words; the rules —
// where a repository may be created, ref names, quarantine, size and
// expansion budgets, connectivity, fsck of trees and .gitmodules, the
// compare-and-swap — are the same for both.

// pushPhase says where a push was refused.
type pushPhase int

const (
	// phaseRequest: the request itself (its target or its ref names);
	// nothing was read from the pack.
	phaseRequest pushPhase = iota
	// phasePack: the pack could not be read, or fails the checks.
	phasePack
	// phaseUpdate: the pack was fine; the refs were not updated.
	phaseUpdate
)

// pushOutcome is what receivePush did. Exactly one of err, prob or resp
// is set. release must be called once the answer is written.
type pushOutcome struct {
	resp  *PushResponse
	prob  *Problem
	phase pushPhase
	// closeConn: the client may still be sending a body the server will
	// not read (413s); retryAfter: a lock held elsewhere (503).
	closeConn, retryAfter bool
	err                   error

	release func(accepted bool)
}

// checkUpdates holds every pushed update to the rules, whatever its wire
// format: how many, names git accepts and easel's own limits
// (validatePushRef), each ref once, not both ids zero.
func checkUpdates(updates []pushUpdate) error {
	if len(updates) == 0 || len(updates) > maxRefUpdates {
		return fmt.Errorf("a push updates between 1 and %d refs", maxRefUpdates)
	}
	seen := map[plumbing.ReferenceName]bool{}
	for _, u := range updates {
		if err := validatePushRef(u.name.String()); err != nil {
			return err
		}
		if seen[u.name] {
			return fmt.Errorf("%s: updated twice", u.name)
		}
		seen[u.name] = true
		if u.old.IsZero() && u.new.IsZero() {
			return fmt.Errorf("%s: old and new are both zero", u.name)
		}
	}
	return nil
}

// receivePush takes one push to the repository name (at dir, existing or
// not, as pushTarget found it): the pack goes to a quarantine, is checked,
// and the refs move in one compare-and-swap, or nothing changes.
func (s *Server) receivePush(ctx context.Context, name, dir string, exists bool, updates []pushUpdate, pack io.Reader) (out pushOutcome) {
	var cleanup []func()
	out.release = func(bool) {}
	defer func() {
		accepted := func() {}
		if out.resp != nil {
			locks := s.repoLock(dir)
			accepted = func() {
				s.removeObsolete(locks)
				s.consolidate(dir, locks)
			}
		}
		out.release = func(ok bool) {
			for i := len(cleanup) - 1; i >= 0; i-- {
				cleanup[i]()
			}
			if ok {
				accepted()
			}
		}
	}()
	// Ref names that would be both a file and a folder are refused before
	// the pack is read (and checked again under the lock).
	var existing map[string]plumbing.Hash
	if exists {
		var err error
		if existing, _, err = readRefs(dir); err != nil {
			out.err = err
			return out
		}
	}
	if p := refNameConflict(updates, existing); p != nil {
		out.prob, out.phase = p, phaseRequest
		return out
	}
	// A repository that does not exist yet gets its quarantine beside the
	// repositories, on the same file system, so that nothing of a refused
	// push (not even an empty repository) is left behind.
	parent := filepath.Join(s.cfg.Root, ".incoming")
	var base storer.EncodedObjectStorer = emptyStore{}
	locks := s.repoLock(dir)
	if exists {
		parent = filepath.Join(dir, "objects")
		locks.packs.RLock()
		st := OpenObjectStore(dir)
		cleanup = append(cleanup, locks.packs.RUnlock, func() { st.Close() })
		base = st
	}
	// A thin pack's bases come from the repository as it is now (base).
	lim := PackLimits{MaxObjectBytes: s.cfg.MaxObjectBytes, MaxDeltaDepth: s.cfg.MaxDeltaDepth,
		MaxObjects: s.cfg.MaxPushObjects, MaxInflatedBytes: s.cfg.MaxInflatedBytes, InflateRatio: s.cfg.InflateRatio}
	q, err := ReceiveThin(ctx, parent, pack, lim, base)
	if err != nil {
		out.phase = phasePack
		out.prob, out.closeConn, out.err = s.packProblem(err)
		return out
	}
	cleanup = append(cleanup, q.Discard)
	var tips []plumbing.Hash
	for _, u := range updates {
		tips = append(tips, u.new)
	}
	var haves []plumbing.Hash
	if exists {
		if haves, err = refValues(dir); err != nil {
			out.err = err
			return out
		}
	}
	if err := q.Verify(ctx, base, tips, haves); err != nil {
		out.phase = phasePack
		out.prob, out.closeConn, out.err = s.packProblem(err)
		return out
	}
	view := q.Storer(base)
	for _, u := range updates {
		if u.new.IsZero() || !strings.HasPrefix(u.name.String(), "refs/heads/") {
			continue
		}
		if o, err := view.EncodedObject(plumbing.AnyObject, u.new); err != nil || o.Type() != plumbing.CommitObject {
			out.phase = phasePack
			out.prob = &Problem{Type: ProblemBase + "not-a-commit", Title: "Not a commit", Status: 422,
				Detail: fmt.Sprintf("%s: %s is not a commit", u.name, u.new), Ref: u.name.String()}
			return out
		}
	}

	locks.push.Lock()
	cleanup = append(cleanup, locks.push.Unlock)
	resp, prob, err := s.applyPush(ctx, name, dir, q, updates)
	switch {
	case err != nil && errors.Is(err, repo.ErrLocked):
		out.phase, out.retryAfter = phaseUpdate, true
		out.prob = &Problem{Type: ProblemBase + "locked", Title: "Repository busy", Status: 503, Detail: err.Error()}
	case err != nil:
		out.err = err
	case prob != nil:
		out.prob, out.phase = prob, phaseUpdate
	default:
		out.resp = resp
	}
	return out
}

// packProblem is the refusal for a pack that cannot be read or fails its
// checks; closeConn when the rest of the body will not be read.
func (s *Server) packProblem(err error) (p *Problem, closeConn bool, internal error) {
	mk := func(p *Problem) *Problem {
		p.Detail = err.Error()
		return p
	}
	switch {
	case tooLarge(err):
		p := mk(&Problem{Type: ProblemBase + "too-large", Title: "Push too large", Status: 413})
		p.Detail = fmt.Sprintf("this server accepts pushes up to %d bytes", s.cfg.MaxPushBytes)
		return p, true, nil
	case errors.Is(err, ErrObjectTooLarge):
		return mk(&Problem{Type: ProblemBase + "object-too-large", Title: "Object too large", Status: 413}), true, nil
	case errors.Is(err, ErrTooManyObjects):
		return mk(&Problem{Type: ProblemBase + "too-many-objects", Title: "Too many objects", Status: 413}), true, nil
	case errors.Is(err, ErrInflateBudget):
		return mk(&Problem{Type: ProblemBase + "expands-too-much", Title: "Pack expands too much", Status: 413}), true, nil
	case errors.Is(err, ErrMissing):
		return mk(&Problem{Type: ProblemBase + "missing-object", Title: "Missing object", Status: 422}), false, nil
	case errors.Is(err, treecheck.ErrBadTree):
		return mk(&Problem{Type: ProblemBase + "unsafe-tree", Title: "Unsafe tree", Status: 422}), false, nil
	case errors.Is(err, ErrBadPack), errors.Is(err, io.ErrUnexpectedEOF):
		return mk(&Problem{Type: ProblemBase + "bad-pack", Title: "Invalid packfile", Status: 400}), false, nil
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return nil, false, err
	}
	p = mk(&Problem{Type: ProblemBase + "bad-pack", Title: "Invalid packfile", Status: 400})
	p.Detail = "reading the pack: " + err.Error()
	return p, false, nil
}
