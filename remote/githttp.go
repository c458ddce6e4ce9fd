package remote

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/remote/gitproto"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/packobj"
	"easel.dev/easel/repo/refs"
)

// git's smart HTTP protocol, on the same repository URLs as easel's own:
//
//	GET  /{repo}/info/refs?service=git-upload-pack|git-receive-pack
//	POST /{repo}/git-upload-pack
//	POST /{repo}/git-receive-pack
//
// upload-pack speaks protocol version 2 when the client asks for it
// (Git-Protocol: version=2) and version 0 otherwise; receive-pack speaks
// version 0. Fetches are served by the same object walk and pack writer
// as easel's /fetch, pushes go through the same quarantine, checks and
// compare-and-swap (applyPush) as easel's /push: one set of rules, two
// wire formats.

const gitAgent = "agent=easel/1"

// maxGitRequest bounds an upload-pack request body, inflated: wants and
// haves only (64k of each is about 6.5 MB).
const maxGitRequest = 16 << 20

// serveGit answers the request if it is one of git's; false leaves it to
// easel's own routes.
func (s *Server) serveGit(w http.ResponseWriter, r *http.Request) bool {
	p := strings.TrimSuffix(r.URL.Path, "/")
	var name, endpoint string
	for _, e := range []string{"/info/refs", "/git-upload-pack", "/git-receive-pack"} {
		if n, ok := strings.CutSuffix(p, e); ok {
			name, endpoint = strings.TrimPrefix(n, "/"), e[1:]
			break
		}
	}
	if endpoint == "" {
		return false
	}
	method := http.MethodPost
	service := endpoint
	if endpoint == "info/refs" {
		method = http.MethodGet
		service = r.URL.Query().Get("service")
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		s.problem(w, r, &Problem{Type: ProblemBase + "method-not-allowed", Title: "Method not allowed", Status: 405})
		return true
	}
	if service != "git-upload-pack" && service != "git-receive-pack" {
		s.problem(w, r, &Problem{Type: ProblemBase + "not-found", Title: "Not found", Status: 404,
			Detail: "only git's smart HTTP protocol is served: use ?service=git-upload-pack or git-receive-pack (git 1.6.6 or later)"})
		return true
	}
	if err := ValidateRepoName(name); err != nil {
		s.problem(w, r, &Problem{Type: ProblemBase + "bad-repository-name", Title: "Invalid repository name", Status: 400, Detail: err.Error()})
		return true
	}
	want := accessRead
	if service == "git-receive-pack" {
		// Asked already for the listing, so that git learns it needs
		// credentials before it builds and sends a pack.
		want = accessWrite
	}
	if code := s.authorize(r, want); code != 0 {
		if code == http.StatusUnauthorized {
			// git (through curl) answers Basic with the user's credentials.
			w.Header().Set("WWW-Authenticate", `Basic realm="easel"`)
			w.Header().Add("WWW-Authenticate", `Bearer realm="easel"`)
			s.problem(w, r, &Problem{Type: ProblemBase + "unauthorized", Title: "Authentication required", Status: code,
				Detail: "send a token as the password (any user name)"})
		} else {
			s.problem(w, r, &Problem{Type: ProblemBase + "forbidden", Title: "Forbidden", Status: code,
				Detail: "the token is not valid for this operation"})
		}
		return true
	}
	dir, exists := s.gitRepoDir(name)
	if !exists && service == "git-upload-pack" {
		s.problem(w, r, notFound(name))
		return true
	}
	switch {
	case endpoint == "info/refs":
		s.gitAdvertise(w, r, dir, exists, service)
	case service == "git-upload-pack":
		s.gitUploadPack(w, r, dir)
	default:
		s.gitReceivePack(w, r, name, dir, exists)
	}
	return true
}

// gitRepoDir is repoDir, also finding name without ".git" (git users often
// add it to the URL of a repository easel created without it).
func (s *Server) gitRepoDir(name string) (string, bool) {
	dir, ok := s.repoDir(name)
	if !ok {
		if base, cut := strings.CutSuffix(name, ".git"); cut && ValidateRepoName(base) == nil {
			if d, ok := s.repoDir(base); ok {
				return d, true
			}
		}
	}
	return dir, ok
}

func gitProtocolV2(r *http.Request) bool {
	for _, v := range r.Header.Values("Git-Protocol") {
		for _, f := range strings.Split(v, ":") {
			if f == "version=2" {
				return true
			}
		}
	}
	return false
}

func noCache(w http.ResponseWriter, contentType string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-cache, max-age=0, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "Fri, 01 Jan 1980 00:00:00 GMT")
}

// gitRef is one advertised ref, with the object an annotated tag peels to.
type gitRef struct {
	name   string
	id     plumbing.Hash
	peeled plumbing.Hash // zero unless id is a tag object
}

// gitRefs lists what git clients see: HEAD's target and the branches and
// tags, sorted, as easel's /refs lists them.
func gitRefs(dir string, store storer.EncodedObjectStorer) (head string, out []gitRef, err error) {
	l, err := refs.Dir(dir).List("refs/")
	if err != nil {
		return "", nil, err
	}
	_, head, _ = refs.ReadFile(filepath.Join(dir, "HEAD"))
	if !strings.HasPrefix(head, "refs/heads/") {
		head = "refs/heads/" + repo.DefaultBranch
	}
	for _, r := range l.Refs {
		n := r.Name
		if r.Symbolic() || !(strings.HasPrefix(n, "refs/heads/") || strings.HasPrefix(n, "refs/tags/")) || repo.ValidateRefName(n) != nil {
			continue
		}
		ref := gitRef{name: n, id: r.ID}
		switch {
		case r.Packed && (r.PeeledKnown || !r.Peeled.IsZero()):
			// What packed-refs says its tags peel to (git writes "^<id>"
			// after a tag's line): listing refs then reads no object.
			ref.peeled = r.Peeled
		case strings.HasPrefix(n, "refs/tags/"):
			ref.peeled = peelTag(store, r.ID)
		}
		out = append(out, ref)
	}
	return head, out, nil
}

// peelTag follows tag objects from h; zero if h is not a tag (or cannot
// be read).
func peelTag(s storer.EncodedObjectStorer, h plumbing.Hash) plumbing.Hash {
	peeled := plumbing.ZeroHash
	for range 10 {
		o, err := s.EncodedObject(plumbing.AnyObject, h)
		if err != nil || o.Type() != plumbing.TagObject {
			return peeled
		}
		t, err := gitobj.DecodeEncodedTag(o)
		if err != nil {
			return peeled
		}
		h, peeled = t.Target, t.Target
	}
	return peeled
}

func headID(head string, refs []gitRef) plumbing.Hash {
	for _, r := range refs {
		if r.name == head {
			return r.id
		}
	}
	return plumbing.ZeroHash
}

// Capabilities advertised in protocol version 0.
var (
	uploadCapsV0 = []string{"multi_ack", "multi_ack_detailed", "no-done", "side-band", "side-band-64k", "thin-pack",
		"ofs-delta", "shallow", "deepen-since", "deepen-not", "deepen-relative", "no-progress", "include-tag",
		"allow-tip-sha1-in-want", "allow-reachable-sha1-in-want", "filter", "object-format=sha1", gitAgent}
	receiveCaps = []string{"report-status", "report-status-v2", "delete-refs", "side-band-64k", "quiet", "atomic", "ofs-delta",
		"push-options", "object-format=sha1", gitAgent}
)

func (s *Server) gitAdvertise(w http.ResponseWriter, r *http.Request, dir string, exists bool, service string) {
	if service == "git-upload-pack" && gitProtocolV2(r) {
		// Version 2 starts with the capabilities; refs come from ls-refs.
		noCache(w, "application/x-"+service+"-advertisement")
		pw := gitproto.NewWriter(w)
		pw.Line("version 2")
		pw.Line("%s", gitAgent)
		pw.Line("ls-refs=unborn")
		pw.Line("fetch=shallow wait-for-done filter")
		pw.Line("server-option")
		pw.Line("object-format=sha1")
		pw.Flush()
		return
	}
	var store storer.EncodedObjectStorer = emptyStore{}
	head := "refs/heads/" + repo.DefaultBranch
	var refs []gitRef
	if exists {
		st := OpenObjectStore(dir)
		defer st.Close()
		store = st
		var err error
		if head, refs, err = gitRefs(dir, store); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	noCache(w, "application/x-"+service+"-advertisement")
	pw := gitproto.NewWriter(w)
	pw.Line("# service=%s", service)
	pw.Flush()
	caps := receiveCaps
	if service == "git-upload-pack" {
		caps = uploadCapsV0
		if hid := headID(head, refs); !hid.IsZero() {
			caps = append([]string{"symref=HEAD:" + head}, caps...)
		}
	}
	capStr := strings.Join(caps, " ")
	first := true
	line := func(id plumbing.Hash, name string) {
		if first {
			pw.Data([]byte(id.String() + " " + name + "\x00" + capStr + "\n"))
			first = false
			return
		}
		pw.Line("%s %s", id, name)
	}
	if hid := headID(head, refs); service == "git-upload-pack" && !hid.IsZero() {
		line(hid, "HEAD")
	}
	for _, ref := range refs {
		line(ref.id, ref.name)
		if !ref.peeled.IsZero() && service == "git-upload-pack" {
			pw.Line("%s %s^{}", ref.peeled, ref.name)
		}
	}
	if first {
		line(plumbing.ZeroHash, "capabilities^{}")
	}
	pw.Flush()
}

// gitBody is the request body, inflated when git sent it gzipped, and cut
// at limit (reading past it is an *http.MaxBytesError).
func (s *Server) gitBody(w http.ResponseWriter, r *http.Request, limit int64) (io.Reader, func(), error) {
	rc := http.NewResponseController(w)
	var body io.Reader = &deadlineReader{r: http.MaxBytesReader(w, r.Body, limit), rc: rc, timeout: s.cfg.IOTimeout}
	closeFn := func() {}
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: gzip body: %v", gitproto.ErrProtocol, err)
		}
		closeFn = func() { zr.Close() }
		body = &maxReader{r: zr, left: limit}
	default:
		return nil, nil, fmt.Errorf("%w: content encoding %q", gitproto.ErrProtocol, enc)
	}
	return body, closeFn, nil
}

// maxReader fails reads past a limit as MaxBytesReader does, for inflated
// bodies (a small gzip body can inflate to anything).
type maxReader struct {
	r    io.Reader
	left int64
}

func (m *maxReader) Read(p []byte) (int, error) {
	if m.left <= 0 {
		var one [1]byte
		if n, _ := m.r.Read(one[:]); n > 0 {
			return 0, &http.MaxBytesError{}
		}
		return 0, io.EOF
	}
	if int64(len(p)) > m.left {
		p = p[:m.left]
	}
	n, err := m.r.Read(p)
	m.left -= int64(n)
	return n, err
}

// gitRequestError answers a request git's protocol cannot make sense of
// (400) or that is too large (413); nothing has been written yet.
func (s *Server) gitRequestError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case tooLarge(err):
		w.Header().Set("Connection", "close")
		s.problem(w, r, &Problem{Type: ProblemBase + "too-large", Title: "Request too large", Status: 413, Detail: "the request body is too large"})
	case errors.Is(err, gitproto.ErrProtocol), errors.Is(err, io.ErrUnexpectedEOF):
		s.badRequest(w, r, "bad-request", err.Error())
	default:
		s.badRequest(w, r, "bad-request", "reading the request: "+err.Error())
	}
}

func (s *Server) gitUploadPack(w http.ResponseWriter, r *http.Request, dir string) {
	body, done, err := s.gitBody(w, r, maxGitRequest)
	if err != nil {
		s.gitRequestError(w, r, err)
		return
	}
	defer done()
	pr := gitproto.NewReader(body)
	if gitProtocolV2(r) {
		cmd, err := gitproto.ParseCommandV2(pr)
		if err != nil {
			s.gitRequestError(w, r, err)
			return
		}
		switch cmd.Name {
		case "ls-refs":
			s.gitLsRefs(w, r, dir, cmd)
		case "fetch":
			req, err := gitproto.ParseFetchV2(cmd.Args)
			if err != nil {
				s.gitRequestError(w, r, err)
				return
			}
			s.gitFetch(w, r, dir, req, true)
		default:
			s.badRequest(w, r, "bad-request", fmt.Sprintf("unknown protocol version 2 command %q", cmd.Name))
		}
		return
	}
	req, err := gitproto.ParseUploadV0(pr)
	if err != nil {
		s.gitRequestError(w, r, err)
		return
	}
	s.gitFetch(w, r, dir, req, false)
}

func (s *Server) gitLsRefs(w http.ResponseWriter, r *http.Request, dir string, cmd *gitproto.CommandV2) {
	var prefixes []string
	symrefs, peel, unborn := false, false, false
	for _, a := range cmd.Args {
		switch {
		case a == "symrefs":
			symrefs = true
		case a == "peel":
			peel = true
		case a == "unborn":
			unborn = true
		case strings.HasPrefix(a, "ref-prefix "):
			if len(prefixes) < 1000 {
				prefixes = append(prefixes, strings.TrimPrefix(a, "ref-prefix "))
			}
		default:
			s.badRequest(w, r, "bad-request", fmt.Sprintf("unknown ls-refs argument %q", a))
			return
		}
	}
	locks := s.repoLock(dir)
	locks.packs.RLock()
	defer s.removeObsolete(locks)
	defer locks.packs.RUnlock()
	store := OpenObjectStore(dir)
	defer store.Close()
	head, refs, err := gitRefs(dir, store)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	match := func(name string) bool {
		if len(prefixes) == 0 {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(name, p) {
				return true
			}
		}
		return false
	}
	noCache(w, "application/x-git-upload-pack-result")
	pw := gitproto.NewWriter(w)
	if match("HEAD") {
		hid := headID(head, refs)
		switch {
		case !hid.IsZero() && symrefs:
			pw.Line("%s HEAD symref-target:%s", hid, head)
		case !hid.IsZero():
			pw.Line("%s HEAD", hid)
		case unborn && symrefs:
			pw.Line("unborn HEAD symref-target:%s", head)
		}
	}
	for _, ref := range refs {
		if !match(ref.name) {
			continue
		}
		if peel && !ref.peeled.IsZero() {
			pw.Line("%s %s peeled:%s", ref.id, ref.name, ref.peeled)
		} else {
			pw.Line("%s %s", ref.id, ref.name)
		}
	}
	pw.Flush()
}

// gitFetch answers an upload-pack request: acknowledgements of the haves
// the server holds and, once the client is done (or the server sees that
// it has enough), the pack, on side-band channel 1 with progress on 2.
func (s *Server) gitFetch(w http.ResponseWriter, r *http.Request, dir string, req *gitproto.UploadRequest, v2 bool) {
	ctx := r.Context()
	if len(req.Wants) == 0 && !(v2 && req.Caps.Has("wait-for-done")) {
		// git sends no request when it wants nothing; answer an empty one
		// with an empty response. (git fetch --negotiate-only wants
		// nothing and has haves to acknowledge.)
		noCache(w, "application/x-git-upload-pack-result")
		if v2 {
			gitproto.NewWriter(w).Flush()
		}
		return
	}
	locks := s.repoLock(dir)
	locks.packs.RLock()
	defer s.removeObsolete(locks) // after RUnlock: deferred calls run last first
	defer locks.packs.RUnlock()
	store := OpenObjectStore(dir)
	defer store.Close()

	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // the walks below are the server's work
	noCache(w, "application/x-git-upload-pack-result")
	pw := gitproto.NewWriter(&deadlineWriter{w: w, rc: rc, timeout: s.cfg.IOTimeout})
	fail := func(msg string) {
		// git prints an ERR line as "remote error: msg" and stops.
		pw.Line("ERR %s", msg)
	}
	for _, h := range req.Wants {
		if store.HasEncodedObject(h) != nil {
			fail("upload-pack: not our ref " + h.String())
			return
		}
	}
	if req.Filter != "" {
		f, err := parseFilter(req.Filter)
		if err == nil {
			err = f.check(dir, store.DB)
		}
		if err != nil {
			fail("upload-pack: " + err.Error())
			return
		}
	}

	// Which haves the server holds: the client has them and everything
	// they reach.
	var common []plumbing.Hash
	for _, h := range req.Haves {
		if store.HasEncodedObject(h) == nil {
			common = append(common, h)
		}
	}
	var shallow *shallowInfo
	if req.Deepen() || len(req.Shallow) > 0 {
		var err error
		if shallow, err = computeShallow(ctx, dir, store, req); err != nil {
			fail("upload-pack: " + err.Error())
			return
		}
	}

	ready := false
	if v2 {
		if !req.Done {
			pw.Line("acknowledgments")
			for _, h := range common {
				pw.Line("ACK %s", h)
			}
			if len(common) == 0 {
				pw.Line("NAK")
			}
			// wait-for-done (git fetch --negotiate-only): the client only
			// negotiates; the server never says it is ready.
			ready = !req.Caps.Has("wait-for-done") && okToGiveUp(ctx, store, req.Wants, common)
			if !ready {
				pw.Flush()
				return
			}
			pw.Line("ready")
			pw.Delim()
		}
		if shallow != nil {
			pw.Line("shallow-info")
			shallow.write(pw)
			pw.Delim()
		}
		pw.Line("packfile")
	} else {
		caps := req.Caps
		if req.Deepen() {
			shallow.write(pw)
			pw.Flush()
		}
		if req.WantsOnly {
			return
		}
		multiAck := 0
		switch {
		case caps.Has("multi_ack_detailed"):
			multiAck = 2
		case caps.Has("multi_ack"):
			multiAck = 1
		}
		var last plumbing.Hash
		for i, h := range common {
			last = h
			switch {
			case multiAck == 2:
				pw.Line("ACK %s common", h)
			case multiAck == 1:
				pw.Line("ACK %s continue", h)
			case i == 0:
				pw.Line("ACK %s", h)
			}
		}
		if !req.Done {
			sentReady := false
			if multiAck == 2 && len(common) > 0 && okToGiveUp(ctx, store, req.Wants, common) {
				pw.Line("ACK %s ready", last)
				sentReady = true
			}
			pw.Line("NAK")
			if !(sentReady && caps.Has("no-done")) {
				pw.Flush() // stateless: the client asks again
				return
			}
			pw.Line("ACK %s", last)
		} else if len(common) > 0 {
			if multiAck > 0 {
				pw.Line("ACK %s", last)
			}
		} else {
			pw.Line("NAK")
		}
	}
	if pw.Err() != nil {
		return
	}

	var out io.Writer
	var sb *gitproto.Sideband
	if v2 || req.Caps.Has("side-band-64k") || req.Caps.Has("side-band") {
		sb = gitproto.NewSideband(pw, v2 || req.Caps.Has("side-band-64k"))
		out = sb
	} else {
		out = &deadlineWriter{w: w, rc: rc, timeout: s.cfg.IOTimeout}
	}
	progress := func(format string, a ...any) {
		if sb != nil && !req.Caps.Has("no-progress") {
			sb.Progress(fmt.Sprintf(format, a...))
		}
	}
	objs, err := s.gitObjects(ctx, dir, store, req, common, shallow)
	if err != nil {
		s.cfg.Logger.Warn("git fetch failed", "path", r.URL.Path, "err", err.Error())
		if sb != nil {
			sb.Fatal("upload-pack: listing the objects failed")
			pw.Flush()
		}
		return
	}
	progress("Enumerating objects: %d, done.\n", len(objs))
	var bases map[plumbing.Hash]plumbing.Hash
	if req.Caps.Has("thin-pack") && len(common) > 0 {
		if bases, err = thinBases(ctx, store, req.Wants, common, idsOf(objs)); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	opt := gitPackOptions(req.Caps.Has("ofs-delta"), bases)
	st, err := packobj.Write(ctxWriter{ctx, bw}, store.DB, objs, opt)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		s.cfg.Logger.Warn("git fetch aborted", "path", r.URL.Path, "err", err.Error())
		// Cut the connection: git sees a truncated pack and keeps nothing.
		panic(http.ErrAbortHandler)
	}
	deltas := st.Deltas + st.ReusedDeltas + st.ThinDeltas
	progress("Total %d (delta %d), reused %d (delta %d), pack-reused 0\n", st.Objects, deltas, st.Reused+st.ReusedDeltas, st.ReusedDeltas)
	if sb != nil {
		pw.Flush()
	}
}

// gitObjects lists what the pack holds: what the wants reach and the
// client lacks (cut at the shallow boundary, less what the filter drops),
// and with include-tag the annotated tags of objects sent.
func (s *Server) gitObjects(ctx context.Context, dir string, store *repo.Storage, req *gitproto.UploadRequest, common []plumbing.Hash, shallow *shallowInfo) ([]packobj.Object, error) {
	var objs []packobj.Object
	var err error
	switch {
	case shallow == nil && len(common) == 0:
		// A clone: everything the wants reach (the repository's one
		// pack, when a clone of the same state found it so).
		memo := &s.repoLock(dir).clones
		state := cloneState(dir, req.Wants)
		var hit bool
		if objs, hit = memo.lookup(store.DB, state); !hit {
			objs, err = reachableObjects(ctx, dir, store.DB, req.Wants)
			if err == nil {
				memo.record(store.DB, state, objs)
			}
		}
	case shallow != nil:
		var hashes []plumbing.Hash
		hashes, err = shallow.objects(ctx, store, req.Wants, common)
		objs = objectsOf(hashes)
	default:
		var hashes []plumbing.Hash
		hashes, err = MissingObjects(ctx, store, req.Wants, common)
		objs = objectsOf(hashes)
	}
	if err != nil {
		return nil, err
	}
	if req.Filter != "" {
		f, _ := parseFilter(req.Filter)
		if objs, err = f.apply(ctx, dir, store.DB, objs, req.Wants); err != nil {
			return nil, err
		}
	}
	if req.Caps.Has("include-tag") {
		objs, err = includeTags(dir, store, objs)
	}
	return objs, err
}

// includeTags adds the annotated tags under refs/tags/ whose target is in
// the pack, with the tags they go through (include-tag: git then
// follows tags without a second fetch).
func includeTags(dir string, store storer.EncodedObjectStorer, objs []packobj.Object) ([]packobj.Object, error) {
	all, _, err := readRefs(dir)
	if err != nil {
		return nil, err
	}
	in := make(map[plumbing.Hash]bool, len(objs))
	for _, o := range objs {
		in[o.ID] = true
	}
	for name, h := range all {
		if !strings.HasPrefix(name, "refs/tags/") || in[h] {
			continue
		}
		var chain []plumbing.Hash
		for t := h; len(chain) < 10; {
			o, err := store.EncodedObject(plumbing.AnyObject, t)
			if err != nil || o.Type() != plumbing.TagObject {
				break
			}
			tag, err := gitobj.DecodeEncodedTag(o)
			if err != nil {
				break
			}
			chain = append(chain, t)
			if t = tag.Target; in[t] {
				for _, c := range chain {
					if !in[c] {
						in[c] = true
						objs = append(objs, packobj.Object{ID: c})
					}
				}
				break
			}
		}
	}
	return objs, nil
}

// okToGiveUp says whether the client holds enough already: every want is
// a common commit or reaches one, walking back no further than the oldest
// common commit's date (git's ok_to_give_up). Bounded: past maxGiveUpWalk
// commits it says no, and negotiation simply goes on.
func okToGiveUp(ctx context.Context, s storer.EncodedObjectStorer, wants, common []plumbing.Hash) bool {
	if len(common) == 0 {
		return false
	}
	isCommon := map[plumbing.Hash]bool{}
	var oldest time.Time
	for _, h := range common {
		c, err := gitobj.GetCommit(s, h)
		if err != nil {
			continue
		}
		isCommon[h] = true
		if oldest.IsZero() || c.Committer.When.Before(oldest) {
			oldest = c.Committer.When
		}
	}
	if len(isCommon) == 0 {
		return false
	}
	budget := maxGiveUpWalk
	for _, want := range wants {
		want = peelOr(s, want)
		if isCommon[want] {
			continue
		}
		seen := map[plumbing.Hash]bool{want: true}
		queue := []plumbing.Hash{want}
		found := false
		for len(queue) > 0 && !found {
			if budget--; budget < 0 || ctx.Err() != nil {
				return false
			}
			c, err := gitobj.GetCommit(s, queue[0])
			queue = queue[1:]
			if err != nil {
				return false
			}
			if c.Committer.When.Before(oldest) {
				continue
			}
			for _, p := range c.ParentHashes {
				if isCommon[p] {
					found = true
					break
				}
				if !seen[p] {
					seen[p] = true
					queue = append(queue, p)
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}

const maxGiveUpWalk = 10000

// peelOr is the object tag h points to in the end, or h.
func peelOr(s storer.EncodedObjectStorer, h plumbing.Hash) plumbing.Hash {
	if p := peelTag(s, h); !p.IsZero() {
		return p
	}
	return h
}
