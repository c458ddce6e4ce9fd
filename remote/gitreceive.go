package remote

import (
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/remote/gitproto"
)

// gitReceivePack takes a push from git: its commands and pack go through
// the same receive path as easel's /push (receivePush), and the outcome is
// reported as git's report-status.
func (s *Server) gitReceivePack(w http.ResponseWriter, r *http.Request, name, dir string, exists bool) {
	// The name as the repository is known ("proj" for "proj.git" when
	// that is how it exists); a name taken by something that is not a
	// repository is refused before the body is read.
	if exists {
		if rel, err := filepath.Rel(s.cfg.Root, dir); err == nil {
			name = filepath.ToSlash(rel)
		}
	}
	dir, exists, prob, err := s.pushTarget(name)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if prob != nil {
		s.problem(w, r, prob)
		return
	}
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
	for _, c := range req.Commands {
		updates = append(updates, pushUpdate{name: plumbing.ReferenceName(c.Ref), old: c.Old, new: c.New})
	}
	if err := checkUpdates(updates); err != nil {
		s.badRequest(w, r, "bad-request", err.Error())
		return
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
		// report-status-v2 adds "option" lines after an "ok" for refs a
		// proc-receive hook rewrote; easel has no such hook, so both
		// versions read the same.
		if req.Caps.Has("report-status") || req.Caps.Has("report-status-v2") {
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
	// easel's pushes move all refs or none: when one is refused, the
	// others are an atomic push failure.
	oneFails := func(ref, reason string) func(pushUpdate) string {
		return func(u pushUpdate) string {
			if ref == "" || ref == u.name.String() {
				return reason
			}
			return "atomic push failure"
		}
	}

	out := s.receivePush(r.Context(), name, dir, exists, updates, pr.Rest())
	accepted := false
	defer func() { out.release(accepted) }()
	switch {
	case out.err != nil:
		s.internal(w, r, out.err)
	case out.prob == nil:
		report("ok", func(pushUpdate) string { return "" })
		accepted = true
	case out.retryAfter:
		report("ok", allFail("failed to lock"))
	case out.phase == phaseUpdate:
		report("ok", oneFails(out.prob.Ref, gitReason(out.prob)))
	case out.phase == phasePack && out.prob.Status == 422:
		// The pack arrived whole: git shows the unpack status and the
		// reason per ref.
		switch strings.TrimPrefix(out.prob.Type, ProblemBase) {
		case "missing-object":
			report("ok", allFail("missing necessary objects"))
		case "not-a-commit":
			report("ok", oneFails(out.prob.Ref, "not a commit"))
		default:
			report(oneLine(out.prob.Detail), allFail("unpacker error"))
		}
	default:
		// The request itself (413s, a truncated or corrupt pack, a ref
		// name conflict): an HTTP error git reports as such.
		if out.closeConn {
			w.Header().Set("Connection", "close")
		}
		s.problem(w, r, out.prob)
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
