package remote

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo"
)

// Config is what `easel serve` is told.
type Config struct {
	Root           string        // directory holding the bare repositories
	Tokens         []Token       // empty: anyone may write
	Private        bool          // reads need a token too
	MaxPushBytes   int64         // largest push body accepted (413 above)
	MaxObjectBytes int64         // largest object in a push, inflated (413 above); 0: DefaultMaxObjectBytes
	MaxDeltaDepth  int           // longest delta chain in a push; 0: DefaultMaxDeltaDepth
	IOTimeout      time.Duration // longest a client may stall a read or write
	Logger         *slog.Logger

	// ReadHeaderTimeout bounds reading a request's headers (a client
	// sending them byte by byte is cut); 0: DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration

	// MaxConnections caps the connections open at once; those beyond it
	// get 503 and are closed. 0: DefaultMaxConnections.
	MaxConnections int

	// MaxClientConnections caps the connections open at once from one
	// client (an IPv4 address or an IPv6 /64); those beyond it get 429
	// and are closed, and other clients are still served. 0: a quarter
	// of MaxConnections. Behind a reverse proxy every connection comes
	// from the proxy: set it to MaxConnections there.
	MaxClientConnections int

	// AllowAnyWant lets a fetch ask for any stored object by id. Off (as
	// git's uploadpack.allowAnySHA1InWant): only what the branches and
	// tags lead to is served.
	AllowAnyWant bool

	// MaxPushObjects caps the objects of one push (413 above); 0:
	// DefaultMaxObjects. Indexing a push keeps 40 bytes per object.
	MaxPushObjects int64
	// MaxInflatedBytes caps the bytes one push may expand to, inflated
	// and with its deltas applied (413 above); 0: DefaultMaxInflatedBytes.
	// InflateRatio bounds it by the push's size too (InflateRatio bytes
	// per byte received, at least MinInflateBudget); 0:
	// DefaultInflateRatio.
	MaxInflatedBytes int64
	InflateRatio     int64

	// MaintenancePacks is how many packs a repository may gather from
	// pushes before the server repacks it in the background; 0:
	// MaxPacks, negative: never.
	MaintenancePacks int
}

// Defaults for Config fields left zero.
const (
	DefaultMaxPushBytes = 2 << 30
	DefaultIOTimeout    = 60 * time.Second
	maxJSONBytes        = 8 << 20
	maxRefUpdates       = 1000
)

// DefaultReadHeaderTimeout is Config.ReadHeaderTimeout's default.
const DefaultReadHeaderTimeout = 10 * time.Second

// maxHaves is how many haves of a fetch request the server looks at.
const maxHaves = 4096

// Server hosts the repositories under Config.Root.
type Server struct {
	cfg     Config
	mu      sync.Mutex
	locks   map[string]*repoLocks
	bg      sync.WaitGroup // pack merges running after their push answered
	bgStop  context.CancelFunc
	bgCtx   context.Context
	closing bool // guarded by mu: no new pack merge starts
	// create is held while a push creates a repository: creations, which
	// may make and remove group folders, happen one at a time.
	create sync.Mutex
}

// NewServer checks cfg, fills defaults and creates the root directory.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Root == "" {
		return nil, errors.New("serve: no root directory")
	}
	if cfg.Private && len(cfg.Tokens) == 0 {
		return nil, errors.New("serve: --private needs --token-file (nobody could read otherwise)")
	}
	if cfg.MaxPushBytes <= 0 {
		cfg.MaxPushBytes = DefaultMaxPushBytes
	}
	if cfg.IOTimeout <= 0 {
		cfg.IOTimeout = DefaultIOTimeout
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = DefaultMaxConnections
	}
	if cfg.MaxClientConnections <= 0 {
		cfg.MaxClientConnections = max(1, cfg.MaxConnections/4)
	}
	cfg.MaxClientConnections = min(cfg.MaxClientConnections, cfg.MaxConnections)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, err
	}
	cfg.Root = root
	bgCtx, bgStop := context.WithCancel(context.Background())
	return &Server{cfg: cfg, locks: map[string]*repoLocks{}, bgCtx: bgCtx, bgStop: bgStop}, nil
}

// HTTPServer wraps the handler with the timeouts a public server needs.
// Reads and writes of packs extend their own deadlines while data flows
// (see deadlineReader), so IOTimeout bounds a stall, not a transfer.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.IOTimeout,
		WriteTimeout:      s.cfg.IOTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
}

// Serve answers on ln until ctx is cancelled, then stops accepting and
// waits up to grace for requests in flight (a push half way through is
// finished, not cut).
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := s.HTTPServer()
	ln = newLimitListener(ln, s.cfg.MaxConnections, s.cfg.MaxClientConnections, func(why string, refused int64) {
		if why == "client" {
			s.cfg.Logger.Warn("too many connections from one client: refusing its new ones with 429", "max_per_client", s.cfg.MaxClientConnections, "refused_total", refused)
			return
		}
		s.cfg.Logger.Warn("too many connections: refusing new ones with 503", "max", s.cfg.MaxConnections, "refused_total", refused)
	})
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.cfg.Logger.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
	}
	// A pack merge in progress is stopped (it leaves nothing half done)
	// and none starts any more.
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.bgStop()
	s.bg.Wait()
	if e := <-errc; e != nil && !errors.Is(e, http.ErrServerClosed) {
		return e
	}
	return err
}

// Handler routes requests: GET /healthz, GET /{repo}/refs,
// POST /{repo}/fetch, POST /{repo}/push, where {repo} is name or
// group/name.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", MediaJSON)
		io.WriteString(w, `{"status":"ok"}`+"\n")
	})
	mux.HandleFunc("/", s.route)
	return s.logRequests(s.recoverPanics(mux))
}

func splitRepoPath(p string) (name, action string) {
	p = strings.Trim(p, "/")
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if s.serveGit(w, r) { // git's smart HTTP protocol (githttp.go)
		return
	}
	name, action := splitRepoPath(r.URL.Path)
	var method string
	var h func(http.ResponseWriter, *http.Request, string)
	switch action {
	case "refs":
		method, h = http.MethodGet, s.handleRefs
	case "fetch":
		method, h = http.MethodPost, s.handleFetch
	case "push":
		method, h = http.MethodPost, s.handlePush
	default:
		s.problem(w, r, &Problem{Type: ProblemBase + "not-found", Title: "Not found", Status: 404,
			Detail: "use GET /{repo}/refs, POST /{repo}/fetch or POST /{repo}/push"})
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		s.problem(w, r, &Problem{Type: ProblemBase + "method-not-allowed", Title: "Method not allowed", Status: 405})
		return
	}
	if err := ValidateRepoName(name); err != nil {
		s.problem(w, r, &Problem{Type: ProblemBase + "bad-repository-name", Title: "Invalid repository name", Status: 400, Detail: err.Error()})
		return
	}
	want := accessRead
	if action == "push" {
		want = accessWrite
	}
	if code := s.authorize(r, want); code != 0 {
		if code == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="easel"`)
			s.problem(w, r, &Problem{Type: ProblemBase + "unauthorized", Title: "Authentication required", Status: code,
				Detail: "send Authorization: Bearer <token>", Hint: "set EASEL_TOKEN or remote.<name>.token"})
		} else {
			s.problem(w, r, &Problem{Type: ProblemBase + "forbidden", Title: "Forbidden", Status: code,
				Detail: "the token is not valid for this operation"})
		}
		return
	}
	h(w, r, name)
}

// repoLocks are a repository's locks in this process: push serialises the
// compare-and-swap of pushes (and pack merges); packs is held shared by
// every request that reads the packs, and taken exclusively, only when it
// is free, to delete packs a merge made obsolete.
type repoLocks struct {
	push    sync.Mutex
	packs   sync.RWMutex
	merging atomic.Bool // a pack merge is queued or running

	mu       sync.Mutex
	obsolete []string // merged packs to delete once no request reads the packs

	clones cloneMemo // the last clone answered by the repository's one pack
}

func (s *Server) repoLock(dir string) *repoLocks {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.locks[dir]
	if m == nil {
		m = new(repoLocks)
		s.locks[dir] = m
	}
	return m
}

func notFound(name string) *Problem {
	return &Problem{Type: ProblemBase + "not-found", Title: "Repository not found", Status: 404,
		Detail: fmt.Sprintf("no repository %q on this server", name)}
}

func listRefs(r *repo.Repository) (*RefsResponse, error) {
	out := &RefsResponse{Head: "refs/heads/" + repo.DefaultBranch, Refs: []Ref{}, Capabilities: []string{CapThinPack}}
	all, head, err := readRefs(r.GitDir)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(head, "refs/heads/") {
		out.Head = head
	}
	for n, h := range all {
		if !advertised(n) {
			continue
		}
		out.Refs = append(out.Refs, Ref{Name: n, ID: h.String()})
		if n == out.Head {
			out.HeadID = h.String()
		}
	}
	sort.Slice(out.Refs, func(i, j int) bool { return out.Refs[i].Name < out.Refs[j].Name })
	return out, nil
}

func (s *Server) handleRefs(w http.ResponseWriter, r *http.Request, name string) {
	dir, ok := s.repoDir(name)
	if !ok {
		s.problem(w, r, notFound(name))
		return
	}
	rp, err := repo.OpenBare(dir)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer rp.Close()
	refs, err := listRefs(rp)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSONStatus(w, http.StatusOK, refs)
}

func parseHashes(list []string) ([]plumbing.Hash, error) {
	out := make([]plumbing.Hash, 0, len(list))
	for _, s := range list {
		h, err := parseID(s)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

func parseID(s string) (plumbing.Hash, error) {
	if len(s) != 40 || strings.ToLower(s) != s {
		return plumbing.ZeroHash, fmt.Errorf("%q is not a full object id", s)
	}
	var h plumbing.Hash
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%q is not a full object id", s)
	}
	return h, nil
}

func (s *Server) handleFetch(w http.ResponseWriter, r *http.Request, name string) {
	dir, ok := s.repoDir(name)
	if !ok {
		s.problem(w, r, notFound(name))
		return
	}
	var req FetchRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSONBytes)).Decode(&req); err != nil {
		if tooLarge(err) {
			w.Header().Set("Connection", "close")
			s.problem(w, r, &Problem{Type: ProblemBase + "too-large", Title: "Request too large", Status: 413,
				Detail: fmt.Sprintf("a fetch request is at most %d bytes", maxJSONBytes)})
			return
		}
		s.badRequest(w, r, "bad-request", "the body is not a fetch request: "+err.Error())
		return
	}
	if len(req.Wants) > maxWants {
		s.problem(w, r, &Problem{Type: ProblemBase + "too-many-wants", Title: "Too many wants", Status: 413,
			Detail: fmt.Sprintf("a fetch request wants at most %d ids; this one wants %d", maxWants, len(req.Wants))})
		return
	}
	wants, err := parseHashes(req.Wants)
	if err != nil {
		s.badRequest(w, r, "bad-request", err.Error())
		return
	}
	// Haves only spare bytes: each costs a lookup in every pack, so only
	// the first maxHaves different ones are looked at (clients list their
	// most useful, the remote-tracking refs, first). Ignoring the rest
	// costs bytes, never correctness.
	haves, err := parseHashes(req.Haves)
	if err != nil {
		s.badRequest(w, r, "bad-request", err.Error())
		return
	}
	if haves = dedupe(haves); len(haves) > maxHaves {
		haves = haves[:maxHaves]
	}
	s.streamPack(w, r, dir, dedupe(wants), haves, hasCap(req.Capabilities, CapThinPack))
}

// streamPack sends the objects reachable from wants and not from haves;
// thin (the client accepts thin packs): blobs as deltas against what the
// client's haves hold at the same paths, where that is much smaller.
func (s *Server) streamPack(w http.ResponseWriter, r *http.Request, dir string, wants, haves []plumbing.Hash, thin bool) {
	locks := s.repoLock(dir)
	locks.packs.RLock()
	defer s.removeObsolete(locks) // after RUnlock: deferred calls run last first
	defer locks.packs.RUnlock()
	store := OpenObjectStore(dir)
	defer store.Close()
	if s.cfg.AllowAnyWant {
		for _, h := range wants {
			if store.HasEncodedObject(h) != nil {
				s.problem(w, r, notOurs(h))
				return
			}
		}
	} else if bad, err := unreachableWant(r.Context(), dir, store, wants); err != nil {
		s.internal(w, r, err)
		return
	} else if !bad.IsZero() {
		s.problem(w, r, notOurs(bad))
		return
	}
	rc := http.NewResponseController(w)
	// Listing the objects is the server's own work, not a slow client.
	rc.SetWriteDeadline(time.Time{})
	hashes, err := MissingObjects(r.Context(), store, wants, haves)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var bases map[plumbing.Hash]plumbing.Hash
	if thin {
		// Only haves this repository holds are the client's for sure
		// (thinBases skips the others).
		if bases, err = thinBases(r.Context(), store, wants, haves, hashes); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	w.Header().Set("Content-Type", MediaPack)
	w.Header().Set("X-Easel-Objects", strconv.Itoa(len(hashes)))
	w.WriteHeader(http.StatusOK)
	dw := &deadlineWriter{w: w, rc: rc, timeout: s.cfg.IOTimeout}
	bw := bufio.NewWriterSize(dw, 64<<10)
	// err, not a new variable: a failed write must reach the check below.
	if _, err = WriteThinPack(r.Context(), bw, store, hashes, bases); err == nil {
		err = bw.Flush()
	}
	if err != nil {
		s.cfg.Logger.Warn("fetch aborted", "path", r.URL.Path, "err", err.Error())
		// The status is already sent: cut the connection so the client
		// sees a truncated pack rather than a short one that looks whole.
		panic(http.ErrAbortHandler)
	}
}

// deadlineReader and deadlineWriter push the connection's deadline forward
// while data moves, so a large transfer is never cut for taking long, only
// for stalling.
type deadlineReader struct {
	r       io.Reader
	rc      *http.ResponseController
	timeout time.Duration
	last    time.Time
}

// refreshEvery is how often a deadline is pushed forward while data
// moves: at most once a second (a system call each time), and often
// enough that a transfer that keeps moving is never cut by a short
// timeout.
func refreshEvery(timeout time.Duration) time.Duration {
	return min(time.Second, timeout/4)
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(d.last) > refreshEvery(d.timeout) {
		d.rc.SetReadDeadline(now.Add(d.timeout))
		d.last = now
	}
	return d.r.Read(p)
}

type deadlineWriter struct {
	w       io.Writer
	rc      *http.ResponseController
	timeout time.Duration
	last    time.Time
}

func (d *deadlineWriter) Write(p []byte) (int, error) {
	if now := time.Now(); now.Sub(d.last) > refreshEvery(d.timeout) {
		d.rc.SetWriteDeadline(now.Add(d.timeout))
		d.last = now
	}
	return d.w.Write(p)
}

type pushUpdate struct {
	name     plumbing.ReferenceName
	old, new plumbing.Hash
}

// maxHeaderLine is the longest push header line (1 MiB).
const maxHeaderLine = 1 << 20

func (s *Server) readPushHeader(br *bufio.Reader) ([]pushUpdate, error) {
	// The reader's buffer is small (every push in flight holds one); a
	// long line is gathered piece by piece, as far as the client sends it.
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line)+len(frag) > maxHeaderLine {
			return nil, errors.New("the header line is longer than 1 MiB")
		}
		line = append(line, frag...)
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("no header line: %w", err)
		}
	}
	var hdr PushHeader
	if err := json.Unmarshal(line, &hdr); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if len(hdr.Updates) > maxRefUpdates {
		return nil, fmt.Errorf("a push updates between 1 and %d refs", maxRefUpdates)
	}
	var out []pushUpdate
	for _, u := range hdr.Updates {
		old, err := parseID(u.Old)
		if err != nil {
			return nil, fmt.Errorf("%s: old: %w", u.Ref, err)
		}
		nw, err := parseID(u.New)
		if err != nil {
			return nil, fmt.Errorf("%s: new: %w", u.Ref, err)
		}
		out = append(out, pushUpdate{name: plumbing.ReferenceName(u.Ref), old: old, new: nw})
	}
	if err := checkUpdates(out); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Server) handlePush(w http.ResponseWriter, r *http.Request, name string) {
	// A name taken by a folder that is not a repository, or inside a
	// repository, is refused before anything is read or written.
	dir, exists, prob, err := s.pushTarget(name)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if prob != nil {
		s.problem(w, r, prob)
		return
	}
	rc := http.NewResponseController(w)
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxPushBytes)
	br := bufio.NewReaderSize(&deadlineReader{r: body, rc: rc, timeout: s.cfg.IOTimeout}, 64<<10)
	updates, err := s.readPushHeader(br)
	if err != nil {
		if tooLarge(err) {
			s.tooLarge(w, r)
			return
		}
		s.badRequest(w, r, "bad-request", err.Error())
		return
	}
	out := s.receivePush(r.Context(), name, dir, exists, updates, br)
	accepted := false
	defer func() { out.release(accepted) }()
	switch {
	case out.err != nil:
		s.internal(w, r, out.err)
	case out.prob != nil:
		if out.closeConn {
			w.Header().Set("Connection", "close")
		}
		if out.retryAfter {
			w.Header().Set("Retry-After", "1")
		}
		s.problem(w, r, out.prob)
	default:
		rc.SetWriteDeadline(time.Now().Add(s.cfg.IOTimeout))
		writeJSONStatus(w, http.StatusOK, out.resp)
		accepted = true
	}
}

// consolidate repacks the repository's packs, with delta compression,
// once there are more than the threshold (Config.MaintenancePacks), in the
// background after the push has answered. Pushes and fetches go on
// meanwhile: the repack keeps every object of the packs it merges, so a
// push accepted during it loses nothing, and the packs it replaces are
// deleted only once no request is reading (removeObsolete). Failing
// leaves the packs as they were.
func (s *Server) consolidate(dir string, locks *repoLocks) {
	limit := s.cfg.MaintenancePacks
	if limit == 0 {
		limit = MaxPacks
	}
	if limit < 0 {
		return
	}
	locks.mu.Lock()
	waiting := len(locks.obsolete)
	locks.mu.Unlock()
	if packs, err := packFiles(dir); err != nil || len(packs)-waiting <= limit {
		return
	}
	if !locks.merging.CompareAndSwap(false, true) {
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		locks.merging.Store(false)
		return
	}
	s.bg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.bg.Done()
		defer locks.merging.Store(false)
		start := time.Now()
		locks.mu.Lock()
		obsolete := append([]string(nil), locks.obsolete...)
		locks.mu.Unlock()
		// Held as a reader: packs an earlier run replaced are not
		// deleted while this one may read them.
		locks.packs.RLock()
		st, err := RepackPacks(s.bgCtx, dir, limit, obsolete...)
		locks.packs.RUnlock()
		if err != nil {
			s.cfg.Logger.Error("maintenance: repack failed", "repo", dir, "err", err)
			return
		}
		if len(st.Replaced) == 0 {
			return
		}
		s.cfg.Logger.Info("maintenance: repacked", "repo", dir, "packs", len(st.Replaced), "objects", st.Objects,
			"deltas", st.Deltas, "before_bytes", st.Before, "after_bytes", st.After, "duration", time.Since(start))
		locks.mu.Lock()
		locks.obsolete = append(locks.obsolete, st.Replaced...)
		locks.mu.Unlock()
		s.removeObsolete(locks)
	}()
}

// removeObsolete deletes the packs merges made obsolete if no request is
// reading the repository's packs; otherwise a later request does.
func (s *Server) removeObsolete(locks *repoLocks) {
	locks.mu.Lock()
	pending := len(locks.obsolete) > 0
	locks.mu.Unlock()
	if !pending || !locks.packs.TryLock() {
		return
	}
	defer locks.packs.Unlock()
	locks.mu.Lock()
	old := locks.obsolete
	locks.obsolete = nil
	locks.mu.Unlock()
	RemovePacks(old)
}

// applyPush is the compare-and-swap, under the repository's lock: every ref
// must still be where the client saw it and move forward only; then the pack
// becomes visible and all refs move at once, or nothing changes.
//
// A new repository is made in a temporary folder beside its place and
// renamed there once its refs are written (newRepo): a refused push leaves
// nothing, and removes nothing it did not make.
func (s *Server) applyPush(ctx context.Context, name, dir string, q *Quarantine, updates []pushUpdate) (*PushResponse, *Problem, error) {
	var rp *repo.Repository
	var nr *newRepo
	var err error
	if isBare(dir) {
		rp, err = repo.OpenBare(dir)
	} else {
		s.create.Lock()
		defer s.create.Unlock()
		// Checked again: the place may have changed since the request
		// arrived.
		d, exists, p, perr := s.pushTarget(name)
		if perr != nil || p != nil {
			return nil, p, perr
		}
		if exists || d != dir {
			return nil, notARepository(name, "a repository was created there meanwhile; push again"), nil
		}
		branch := ""
		for _, u := range updates {
			if b, ok := strings.CutPrefix(u.name.String(), "refs/heads/"); ok && !u.new.IsZero() {
				if branch == "" || b == repo.DefaultBranch {
					branch = b
				}
			}
		}
		if branch == "" {
			return nil, &Problem{Type: ProblemBase + "not-found", Title: "Repository not found", Status: 404,
				Detail: "a new repository starts with a branch"}, nil
		}
		nr, rp, err = s.startRepo(ctx, name, dir, branch)
	}
	if err != nil {
		return nil, nil, err
	}
	created := nr != nil
	fail := func() {
		if nr != nil {
			nr.discard()
		}
	}
	// A fresh view: pushes accepted since this one arrived added packs
	// that an older storage would not list.
	st := OpenObjectStore(rp.GitDir)
	closeRepo := sync.OnceFunc(func() {
		st.Close()
		rp.Close()
	})
	defer closeRepo()
	view := q.Storer(st)
	head, _ := rp.HeadBranch()
	if !created {
		refs, _, err := readRefs(rp.GitDir)
		if err != nil {
			return nil, nil, err
		}
		if p := refNameConflict(updates, refs); p != nil {
			return nil, p, nil
		}
	}
	var txn []repo.RefUpdate
	for _, u := range updates {
		cur, err := rp.ResolveRef(u.name)
		if err != nil && !errors.Is(err, repo.ErrNotFound) {
			fail()
			return nil, nil, err
		}
		if cur != u.old {
			fail()
			return nil, conflict(u, cur, "ref-moved", fmt.Sprintf("%s is at %s, not at %s as the push expected: it moved since you looked", u.name, idOrNone(cur), idOrNone(u.old))), nil
		}
		if u.new.IsZero() && u.name == head {
			fail()
			return nil, &Problem{Type: ProblemBase + "delete-current", Title: "Refusing to delete the current branch", Status: 422,
				Detail: fmt.Sprintf("%s is the repository's default branch (HEAD)", u.name), Ref: u.name.String()}, nil
		}
		if !cur.IsZero() && !u.new.IsZero() && cur != u.new && strings.HasPrefix(u.name.String(), "refs/tags/") {
			// A tag names one version for everyone: it is created or
			// deleted, never moved, fast-forward or not.
			fail()
			p := conflict(u, cur, "tag-exists", fmt.Sprintf("%s already exists here at %s", u.name, cur))
			p.Title = "The tag already exists"
			p.Hint = "tags are not moved; delete it first (easel push --delete) if it must change"
			return nil, p, nil
		}
		if !cur.IsZero() && !u.new.IsZero() {
			ok, err := isAncestor(ctx, view, cur, u.new)
			if err != nil {
				fail()
				return nil, nil, err
			}
			if !ok {
				fail()
				return nil, conflict(u, cur, "non-fast-forward", fmt.Sprintf("%s is not a descendant of %s, the current %s", u.new, cur, u.name)), nil
			}
		}
		txn = append(txn, repo.RefUpdate{Name: u.name, Old: u.old, New: u.new, CheckOld: true})
	}
	undo, err := q.Accept(rp.GitDir)
	if err != nil {
		fail()
		return nil, nil, err
	}
	if err := rp.UpdateRefs(ctx, txn); err != nil {
		if undo != nil {
			undo()
		}
		fail()
		var rc *repo.RefConflictError
		if errors.As(err, &rc) {
			for _, u := range updates {
				if u.name == rc.Name {
					return nil, conflict(u, rc.Actual, "ref-moved", err.Error()), nil
				}
			}
		}
		return nil, nil, err
	}
	refs, err := listRefs(rp)
	if err != nil {
		fail()
		return nil, nil, err
	}
	if created {
		closeRepo()
		if err := nr.publish(); err != nil {
			if errors.Is(err, errPlaceTaken) {
				return nil, notARepository(name, "something appeared there meanwhile"), nil
			}
			return nil, nil, err
		}
	}
	resp := &PushResponse{Refs: refs.Refs, Objects: q.Objects, Created: created}
	for _, u := range updates {
		resp.Updated = append(resp.Updated, RefResult{Ref: u.name.String(), Old: u.old.String(), New: u.new.String()})
	}
	s.cfg.Logger.Info("push accepted", "repo", dir, "refs", len(updates), "objects", q.Objects)
	if q.WarningCount > 0 {
		// What git's fsck only warns about (modes old git wrote):
		// accepted, as git accepts it.
		s.cfg.Logger.Warn("push accepted with fsck warnings", "repo", dir, "warnings", q.WarningCount, "first", strings.Join(q.Warnings, "; "))
	}
	return resp, nil, nil
}

func idOrNone(h plumbing.Hash) string {
	if h.IsZero() {
		return "(none)"
	}
	return h.String()
}

func conflict(u pushUpdate, cur plumbing.Hash, kind, detail string) *Problem {
	return &Problem{
		Type: ProblemBase + kind, Title: "The remote has commits you do not have", Status: 409,
		Detail: detail, Ref: u.name.String(), Current: cur.String(), Proposed: u.new.String(),
		Hint: "run 'easel pull' to merge them, resolve any conflicts, then 'easel push' again",
	}
}

// isAncestor reports whether anc is desc or one of its ancestors (a
// fast-forward). Unreadable history counts as not an ancestor: the push is
// refused as non-fast-forward rather than failing.
func isAncestor(ctx context.Context, s storer.EncodedObjectStorer, anc, desc plumbing.Hash) (bool, error) {
	if anc == desc {
		return true, nil
	}
	if o, err := s.EncodedObject(plumbing.AnyObject, anc); err != nil || o.Type() != plumbing.CommitObject {
		return false, nil
	}
	ok, err := commitwalk.For(s).IsAncestor(ctx, anc, desc)
	if err != nil {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		return false, nil
	}
	return ok, nil
}

func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "close")
	s.problem(w, r, &Problem{Type: ProblemBase + "too-large", Title: "Push too large", Status: 413,
		Detail: fmt.Sprintf("this server accepts pushes up to %d bytes", s.cfg.MaxPushBytes)})
}

func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, kind, detail string) {
	title := "Bad request"
	if kind == "bad-pack" {
		title = "Invalid packfile"
	}
	s.problem(w, r, &Problem{Type: ProblemBase + kind, Title: title, Status: 400, Detail: detail})
}

func (s *Server) unprocessable(w http.ResponseWriter, r *http.Request, kind, title, detail string) {
	s.problem(w, r, &Problem{Type: ProblemBase + kind, Title: title, Status: 422, Detail: detail})
}

func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.cfg.Logger.Error("internal error", "path", r.URL.Path, "err", err.Error())
	s.problem(w, r, &Problem{Type: ProblemBase + "internal", Title: "Internal server error", Status: 500})
}

func (s *Server) problem(w http.ResponseWriter, r *http.Request, p *Problem) {
	p.Instance = r.URL.Path
	// The write deadline was set when the request arrived; a push body
	// that took long to receive, or a wait for the repository's lock,
	// must not make the answer itself time out.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.cfg.IOTimeout))
	w.Header().Set("Content-Type", MediaProblem)
	w.WriteHeader(p.Status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(p)
}

func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", MediaJSON)
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// statusRecorder remembers the status and counts bytes for the request
// log, and lets http.ResponseController reach the real writer.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(p)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type countingBody struct {
	io.ReadCloser
	n int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

// logRequests writes one line per request. It logs the path, never
// headers: the Authorization header holds a token.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		body := &countingBody{ReadCloser: r.Body}
		// A copy: net/http looks at the original request's body after the
		// handler to see that a refused body was left unread, and then
		// half-closes and waits before closing, so that the client reads
		// the answer (a 413) instead of a connection reset.
		r2 := *r
		r2.Body = body
		r = &r2
		name, _ := splitRepoPath(strings.TrimSuffix(r.URL.Path, "/info/refs")) // git's listing is two segments
		defer func() {
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			if p := recover(); p != nil {
				status = 0 // connection aborted mid-response
				defer panic(p)
			}
			s.cfg.Logger.Info("request", "method", r.Method, "repo", name, "path", r.URL.Path, "status", status,
				"bytes", rec.bytes, "bytes_in", body.n, "duration", time.Since(start).Round(time.Microsecond).String())
		}()
		next.ServeHTTP(rec, r)
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.internal(w, r, fmt.Errorf("panic: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
