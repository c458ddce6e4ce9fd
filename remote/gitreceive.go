package remote

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/memory"

	"easel.dev/easel/remote/gitproto"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/treecheck"
)

// gitReceivePack takes a push from git: its commands and pack go through
// the quarantine, checks and compare-and-swap of easel's /push, and the
// result is reported as git's report-status.
func (s *Server) gitReceivePack(w http.ResponseWriter, r *http.Request, dir string, exists bool) {
	ctx := r.Context()
	body, done, err := s.gitBody(w, r, s.cfg.MaxPushBytes)
	if err != nil {
		s.gitRequestError(w, r, err)
		return
	}
	defer done()
	pr := gitproto.NewReader(body)
	req, err := gitproto.ParseReceive(pr)
	if err != nil {
		s.gitRequestError(w, r, err)
		return
	}
	updates := make([]pushUpdate, 0, len(req.Commands))
	seen := map[string]bool{}
	for _, c := range req.Commands {
		if !(strings.HasPrefix(c.Ref, "refs/heads/") || strings.HasPrefix(c.Ref, "refs/tags/")) {
			s.badRequest(w, r, "bad-request", fmt.Sprintf("%s: only refs/heads/ and refs/tags/ can be pushed", c.Ref))
			return
		}
		if err := repo.ValidateRefName(c.Ref); err != nil {
			s.badRequest(w, r, "bad-request", err.Error())
			return
		}
		if seen[c.Ref] {
			s.badRequest(w, r, "bad-request", c.Ref+": updated twice")
			return
		}
		if c.Old.IsZero() && c.New.IsZero() {
			s.badRequest(w, r, "bad-request", c.Ref+": old and new are both zero")
			return
		}
		seen[c.Ref] = true
		updates = append(updates, pushUpdate{name: plumbing.ReferenceName(c.Ref), old: c.Old, new: c.New})
	}
	report := func(unpack string, status func(u pushUpdate) string) {
		noCache(w, "application/x-git-receive-pack-result")
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.cfg.IOTimeout))
		pw := gitproto.NewWriter(w)
		var rw *gitproto.Writer = pw
		var sb *gitproto.Sideband
		if req.Caps.Has("side-band-64k") {
			sb = gitproto.NewSideband(pw, true)
			rw = gitproto.NewWriter(sb)
		}
		if req.Caps.Has("report-status") {
			rw.Line("unpack %s", unpack)
			for _, u := range updates {
				if st := status(u); st == "" {
					rw.Line("ok %s", u.name)
				} else {
					rw.Line("ng %s %s", u.name, st)
				}
			}
			rw.Flush()
		}
		if sb != nil {
			pw.Flush()
		}
	}
	allFail := func(reason string) func(pushUpdate) string {
		return func(pushUpdate) string { return reason }
	}

	parent := filepath.Join(s.cfg.Root, ".incoming")
	var base storer.EncodedObjectStorer = memory.NewStorage()
	locks := s.repoLock(dir)
	readingPacks := false
	doneReading := func() {
		if readingPacks {
			readingPacks = false
			locks.packs.RUnlock()
		}
	}
	defer doneReading()
	if exists {
		parent = filepath.Join(dir, "objects")
		locks.packs.RLock()
		readingPacks = true
		st := OpenObjectStore(dir)
		defer st.Close()
		base = st
	}
	q, err := ReceiveThin(ctx, parent, pr.Rest(), PackLimits{MaxObjectBytes: s.cfg.MaxObjectBytes, MaxDeltaDepth: s.cfg.MaxDeltaDepth}, base)
	if err != nil {
		switch {
		case tooLarge(err):
			s.tooLarge(w, r)
		case errors.Is(err, ErrObjectTooLarge):
			w.Header().Set("Connection", "close")
			s.problem(w, r, &Problem{Type: ProblemBase + "object-too-large", Title: "Object too large", Status: 413, Detail: err.Error()})
		case errors.Is(err, ErrMissing):
			// A well-formed pack whose delta bases are nowhere: git shows
			// the unpack error.
			report(oneLine(err.Error()), allFail("unpacker error"))
		case errors.Is(err, ErrBadPack), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, gitproto.ErrProtocol):
			// A truncated or corrupt request.
			s.badRequest(w, r, "bad-pack", err.Error())
		default:
			s.badRequest(w, r, "bad-pack", "reading the pack: "+err.Error())
		}
		return
	}
	defer q.Discard()
	var tips []plumbing.Hash
	for _, u := range updates {
		tips = append(tips, u.new)
	}
	if err := q.Verify(ctx, base, tips); err != nil {
		switch {
		case errors.Is(err, ErrMissing):
			report("ok", allFail("missing necessary objects"))
		case errors.Is(err, ErrBadPack), errors.Is(err, treecheck.ErrBadTree):
			report(oneLine(err.Error()), allFail("unpacker error"))
		default:
			s.internal(w, r, err)
		}
		return
	}
	view := q.Storer(base)
	for _, u := range updates {
		if u.new.IsZero() || !strings.HasPrefix(u.name.String(), "refs/heads/") {
			continue
		}
		if o, err := view.EncodedObject(plumbing.AnyObject, u.new); err != nil || o.Type() != plumbing.CommitObject {
			bad := u.name
			report("ok", func(u pushUpdate) string {
				if u.name == bad {
					return "not a commit"
				}
				return "atomic push failure"
			})
			return
		}
	}

	locks.push.Lock()
	defer locks.push.Unlock()
	_, prob, err := s.applyPush(ctx, dir, q, updates)
	switch {
	case err != nil && errors.Is(err, repo.ErrLocked):
		report("ok", allFail("failed to lock"))
	case err != nil:
		s.internal(w, r, err)
	case prob != nil:
		reason := gitReason(prob)
		report("ok", func(u pushUpdate) string {
			if prob.Ref == "" || prob.Ref == u.name.String() {
				return reason
			}
			// easel's pushes move all refs or none.
			return "atomic push failure"
		})
	default:
		report("ok", func(pushUpdate) string { return "" })
		doneReading()
		s.removeObsolete(locks)
		s.consolidate(dir, locks)
	}
}

// gitReason is the report-status reason for a refused update, in the words
// git's own receive-pack uses where there are some.
func gitReason(p *Problem) string {
	switch strings.TrimPrefix(p.Type, ProblemBase) {
	case "non-fast-forward":
		return "non-fast-forward"
	case "ref-moved":
		return "stale info"
	case "tag-exists":
		return "already exists"
	case "delete-current":
		return "deletion of the current branch prohibited"
	}
	return oneLine(strings.ToLower(p.Title))
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
