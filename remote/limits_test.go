package remote

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

// These tests hold the server against clients that are slow, stall, send
// too much or open many connections. Timeouts are short (hundreds of
// milliseconds) so the tests are quick; the bounds they check are
// generous, because they check that something ends, not how fast.

// limitsRepo creates repository name on the server with one commit and
// returns the objects to build on.
func limitsRepo(t *testing.T, url, name string) (*objset, plumbing.Hash) {
	t.Helper()
	o := newObjset()
	blob := o.add(t, plumbing.BlobObject, []byte("hello\n"))
	tree := o.add(t, plumbing.TreeObject, treeEntry("100644", "hello.txt", blob))
	c := o.commit(t, tree)
	if code, p := rawPush(t, url+"/"+name, "", []RefCommand{{Ref: "refs/heads/main", Old: zero, New: c.String()}}, o.pack(t, blob, tree, c)); code != 200 {
		t.Fatalf("creating %s: %d %+v", name, code, p)
	}
	return o, c
}

// nextCommit adds a commit with a file of the given content on top of
// parent and returns it with the push body (header line and pack) that
// moves main from parent to it.
func nextCommit(t *testing.T, o *objset, parent plumbing.Hash, content string) (plumbing.Hash, []byte) {
	t.Helper()
	blob := o.add(t, plumbing.BlobObject, []byte(content))
	tree := o.add(t, plumbing.TreeObject, treeEntry("100644", "f.txt", blob))
	c := o.commit(t, tree, parent)
	hdr, _ := json.Marshal(PushHeader{Updates: []RefCommand{{Ref: "refs/heads/main", Old: parent.String(), New: c.String()}}})
	return c, append(append(hdr, '\n'), o.pack(t, blob, tree, c)...)
}

func hostOf(url string) string { return strings.TrimPrefix(url, "http://") }

// rawRequest is the start of an HTTP/1.1 POST with a fixed length body.
func rawRequest(path, contentType string, length int) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", path, contentType, length)
}

// readUntilClosed reads what the server sends until it closes the
// connection, or fails after limit.
func readUntilClosed(c net.Conn, limit time.Duration) (string, error) {
	c.SetReadDeadline(time.Now().Add(limit))
	data, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return string(data), fmt.Errorf("the server did not close the connection within %v", limit)
	}
	return string(data), nil // EOF or reset: closed
}

// served checks that ordinary requests get their answers while the
// server is under attack: health, a refs listing, and a push.
func served(t *testing.T, url, name string, o *objset, parent *plumbing.Hash, round int) {
	t.Helper()
	hc := &http.Client{Timeout: 20 * time.Second}
	for _, path := range []string{"/healthz", "/" + name + "/refs"} {
		resp, err := hc.Get(url + path)
		if err != nil {
			t.Fatalf("GET %s while under attack: %v", path, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s while under attack: %d", path, resp.StatusCode)
		}
	}
	c, body := nextCommit(t, o, *parent, fmt.Sprintf("round %d\n", round))
	resp, err := hc.Post(url+"/"+name+"/push", MediaPush, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("push while under attack: %v", err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("push while under attack: %d %s", resp.StatusCode, data)
	}
	*parent = c
}

// (a) Clients that send their headers a byte at a time, slower than
// ReadHeaderTimeout allows, are cut off; meanwhile everyone else is served.
func TestLimitsSlowHeaders(t *testing.T) {
	const timeout = 300 * time.Millisecond
	url, _ := startServer(t, Config{ReadHeaderTimeout: timeout})
	o, tip := limitsRepo(t, url, "r")
	// At one byte per 20ms these headers take about 3s to send: ten times
	// the timeout.
	req := "GET /r/refs HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: " + strings.Repeat("p", 100) + "\r\n\r\n"
	const slow = 16
	type result struct {
		sent int
		got  string
		err  error
	}
	results := make(chan result, slow)
	for range slow {
		go func() {
			c, err := net.Dial("tcp", hostOf(url))
			if err != nil {
				results <- result{err: err}
				return
			}
			defer c.Close()
			closed := make(chan result, 1)
			go func() {
				got, err := readUntilClosed(c, 20*time.Second)
				closed <- result{got: got, err: err}
			}()
			sent := 0
			for sent < len(req) {
				select {
				case r := <-closed:
					r.sent = sent
					results <- r
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := c.Write([]byte{req[sent]}); err != nil {
					break // the server hung up
				}
				sent++
			}
			r := <-closed
			r.sent = sent
			results <- r
		}()
	}
	for i := range 5 {
		served(t, url, "r", o, &tip, i)
	}
	for range slow {
		r := <-results
		switch {
		case r.err != nil:
			t.Error(r.err)
		case r.sent == len(req):
			t.Errorf("a client took %v to send its headers and was not cut off (got %q)", time.Duration(len(req))*20*time.Millisecond, r.got)
		case strings.HasPrefix(r.got, "HTTP/1.1 200"):
			t.Errorf("a cut-off client was answered: %q", r.got)
		}
	}
}

// (b) A push larger than MaxPushBytes is refused with 413 and problem
// details, whether it creates a repository or adds to one, and nothing of
// it is stored; an endless body is answered without being read to the end.
func TestLimitsPushTooLarge(t *testing.T) {
	needGit(t)
	pinEnv(t)
	const limit = 256 << 10
	ctx := context.Background()
	url, s := startServer(t, Config{MaxPushBytes: limit})
	tmp := t.TempDir()
	big := make([]byte, 8<<20) // more than the socket buffers hold
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := range big {
		big[i] = byte(rnd.Uint32())
	}
	is413 := func(err error) {
		t.Helper()
		var p *Problem
		if !errors.As(err, &p) || p.Status != 413 || p.Type != ProblemBase+"too-large" || !strings.Contains(p.Detail, fmt.Sprint(limit)) {
			t.Fatalf("oversized push: %v (%+v), want 413 too-large", err, p)
		}
	}

	// A new repository: not created.
	w := newWorkRepo(t, filepath.Join(tmp, "w"), "README")
	commitFile(t, filepath.Join(tmp, "w"), "big.bin", string(big))
	_, err := pushBranch(ctx, w, addOrigin(t, w, url+"/fresh"), client(t, url+"/fresh", ""), "main")
	is413(err)
	if _, err := os.Stat(filepath.Join(s.cfg.Root, "fresh")); !os.IsNotExist(err) {
		t.Fatalf("a refused push created the repository: %v", err)
	}

	// An existing repository: unchanged, and still usable.
	sdir := filepath.Join(tmp, "s")
	sr := newWorkRepo(t, sdir, "README")
	srm := addOrigin(t, sr, url+"/small")
	if _, err := pushBranch(ctx, sr, srm, client(t, url+"/small", ""), "main"); err != nil {
		t.Fatal(err)
	}
	serverDir := filepath.Join(s.cfg.Root, "small")
	before := snapshot(t, serverDir)
	commitFile(t, sdir, "big.bin", string(big))
	_, err = pushBranch(ctx, sr, srm, client(t, url+"/small", ""), "main")
	is413(err)
	if after := snapshot(t, serverDir); after != before {
		t.Fatalf("a refused push changed the repository:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	git(t, sdir, "reset", "-q", "--hard", "HEAD~1")
	commitFile(t, sdir, "small.txt", "small\n")
	if _, err := pushBranch(ctx, sr, srm, client(t, url+"/small", ""), "main"); err != nil {
		t.Fatalf("a push under the limit after a refused one: %v", err)
	}

	// A header line longer than the whole limit is 413 too, not 400.
	resp, err := http.Post(url+"/small/push", MediaPush, strings.NewReader(`{"updates":[`+strings.Repeat(" ", 2*limit)+"]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != MediaProblem {
		t.Fatalf("header line over the limit: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}

	// An endless body: a pack announcing one 64 MiB blob, streamed. The
	// answer comes while the client is still sending.
	const blobSize = 64 << 20
	tip := git(t, sdir, "rev-parse", "HEAD")
	hdr, _ := json.Marshal(update("refs/heads/main", plumbing.NewHash(tip), plumbing.NewHash(strings.Repeat("1", 40))))
	pr, pw := io.Pipe()
	var sent atomic.Int64
	go func() {
		pw.Write(append(hdr, '\n'))
		pw.Write(append([]byte("PACK"), 0, 0, 0, 2, 0, 0, 0, 1))
		// Object header: type blob (3), size blobSize in git's varint.
		sz := uint64(blobSize)
		hb := []byte{byte(0x80 | 3<<4 | sz&0x0f)}
		sz >>= 4
		for sz > 0 {
			b := byte(sz & 0x7f)
			sz >>= 7
			if sz > 0 {
				b |= 0x80
			}
			hb = append(hb, b)
		}
		pw.Write(hb)
		zw, _ := zlib.NewWriterLevel(countWriter{pw, &sent}, zlib.NoCompression)
		chunk := make([]byte, 64<<10)
		for n := 0; n < blobSize; n += len(chunk) {
			binary.LittleEndian.PutUint64(chunk, rnd.Uint64())
			if _, err := zw.Write(chunk); err != nil {
				break
			}
		}
		zw.Close()
		pw.Close()
	}()
	resp, err = http.Post(url+"/small/push", MediaPush, pr)
	pr.CloseWithError(errors.New("answered"))
	if err != nil {
		t.Fatalf("endless push: %v (after sending %d bytes)", err, sent.Load())
	}
	data, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != MediaProblem || !strings.Contains(string(data), "too-large") {
		t.Fatalf("endless push: %d %s", resp.StatusCode, data)
	}
	if n := sent.Load(); n >= blobSize {
		t.Fatalf("the server read all %d bytes of an oversized push before answering", n)
	}
	t.Logf("endless push answered 413 after %d KiB were sent (limit %d KiB)", sent.Load()>>10, limit>>10)
	if left, _ := filepath.Glob(filepath.Join(serverDir, "objects", "incoming-*")); len(left) > 0 {
		t.Fatalf("quarantine left behind: %v", left)
	}
	git(t, serverDir, "fsck", "--strict")
}

type countWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// slowReader hands out its data in small pieces with a pause before
// each: a client on a slow but live link.
type slowReader struct {
	data  []byte
	piece int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(s.pause)
	n := copy(p[:min(len(p), s.piece)], s.data)
	s.data = s.data[n:]
	return n, nil
}

// (c) A client that stalls in the middle of a push body is cut off after
// IOTimeout, nothing of its push is stored, and it holds no lock: others
// push meanwhile and after. A slow client that keeps sending is not cut,
// and gets its answer even when the upload took many times IOTimeout.
func TestLimitsStalledPush(t *testing.T) {
	needGit(t)
	const timeout = 300 * time.Millisecond
	url, s := startServer(t, Config{IOTimeout: timeout})
	o, tip := limitsRepo(t, url, "r")
	dir := filepath.Join(s.cfg.Root, "r")
	before := snapshot(t, dir)

	stall := func(name string, body []byte) {
		t.Helper()
		c, err := net.Dial("tcp", hostOf(url))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, rawRequest("/"+name+"/push", MediaPush, len(body))); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(body[:len(body)/2]); err != nil {
			t.Fatal(err)
		}
		// The stall lasts as long as the client likes; the server gives
		// up after IOTimeout, answering an error or just closing.
		got, err := readUntilClosed(c, 20*time.Second)
		if err != nil {
			t.Fatalf("stalled push to %s: %v", name, err)
		}
		if strings.HasPrefix(got, "HTTP/1.1 2") {
			t.Fatalf("stalled push to %s was accepted: %q", name, got)
		}
	}

	// Stalled pushes, to the repository and to a new one, while another
	// client pushes to the same repository.
	_, body := nextCommit(t, o, tip, "stalled\n")
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); stall("r", body) }()
	go func() { defer wg.Done(); stall("new", body) }()
	time.Sleep(timeout / 3)
	_, body = nextCommit(t, o, tip, "meanwhile\n")
	resp, err := http.Post(url+"/r/push", MediaPush, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("push beside a stalled one: %d", resp.StatusCode)
	}
	wg.Wait()
	if _, err := os.Stat(filepath.Join(s.cfg.Root, "new")); !os.IsNotExist(err) {
		t.Fatalf("a stalled push created a repository: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(s.cfg.Root, ".incoming", "*")); len(left) > 0 {
		t.Fatalf("quarantine of a stalled push left behind: %v", left)
	}

	// Only the push beside the stalled one changed the repository: put
	// main back where it was and the snapshot must match the start
	// except for that push's pack.
	git(t, dir, "fsck", "--strict")
	if after := snapshot(t, dir); after == before {
		t.Fatal("the push beside the stalled one changed nothing")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "objects", "incoming-*")); len(left) > 0 {
		t.Fatalf("quarantine of a stalled push left behind: %v", left)
	}
	tip = plumbing.NewHash(git(t, dir, "rev-parse", "main"))

	// Slow but steady: 6 pieces a second for well over IOTimeout. It
	// must land, and a refused one must get its 409, not a reset.
	next, body := nextCommit(t, o, tip, "slow and steady\n")
	pieces := len(body)/40 + 1
	slow := &slowReader{data: body, piece: 40, pause: timeout / 2}
	req, _ := http.NewRequest(http.MethodPost, url+"/r/push", slow)
	req.ContentLength = int64(len(body))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow push (%d pieces over %v): %v", pieces, time.Duration(pieces)*timeout/2, err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("slow push: %d %s", resp.StatusCode, data)
	}
	_, stale := nextCommit(t, o, tip, "slow and late\n")
	req, _ = http.NewRequest(http.MethodPost, url+"/r/push", &slowReader{data: stale, piece: 40, pause: timeout / 2})
	req.ContentLength = int64(len(stale))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow refused push: %v", err)
	}
	data, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 409 || !strings.Contains(string(data), next.String()) {
		t.Fatalf("slow refused push: %d %s, want 409 naming %s", resp.StatusCode, data, next)
	}
	git(t, dir, "fsck", "--strict")
}

// (c) A client that asks for a pack and stops reading it is cut off after
// IOTimeout: the server does not keep a handler blocked on it.
func TestLimitsStalledFetch(t *testing.T) {
	const timeout = 300 * time.Millisecond
	logs := &syncBuffer{}
	url, _ := startServer(t, Config{IOTimeout: timeout, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))})
	// 8 MiB that do not compress: more than the kernel buffers when the
	// client's receive buffer is small.
	o := newObjset()
	data := make([]byte, 8<<20)
	rnd := rand.New(rand.NewPCG(5, 6))
	for i := range data {
		data[i] = byte(rnd.Uint32())
	}
	blob := o.add(t, plumbing.BlobObject, data)
	tree := o.add(t, plumbing.TreeObject, treeEntry("100644", "big", blob))
	c := o.commit(t, tree)
	if code, p := rawPush(t, url+"/big", "", []RefCommand{{Ref: "refs/heads/main", Old: zero, New: c.String()}}, o.pack(t, blob, tree, c)); code != 200 {
		t.Fatalf("%d %+v", code, p)
	}

	conn, err := net.Dial("tcp", hostOf(url))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A small receive buffer, so that the pack cannot vanish into the
	// kernel's buffers.
	conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	body := `{"wants":["` + c.String() + `"],"haves":[]}`
	if _, err := io.WriteString(conn, rawRequest("/big/fetch", MediaJSON, len(body))+body); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("fetch: %d", resp.StatusCode)
	}
	// Now stop reading. The server must give up on its own.
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "fetch aborted") {
		if time.Now().After(deadline) {
			t.Fatalf("the server still writes to a client that stopped reading; log:\n%s", logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The handler is gone; the connection is the kernel's to wind down.
	conn.Close()
	hc := &http.Client{Timeout: 20 * time.Second}
	if r, err := hc.Get(url + "/big/refs"); err != nil || r.StatusCode != 200 {
		t.Fatalf("refs after a stalled fetch: %v %v", r, err)
	}
}

// (d) Hundreds of connections held open (idle keep-alives, headers and
// push bodies trickling in) do not keep ordinary clients from being served,
// and the trickled pushes leave nothing behind once they hang up.
func TestLimitsManyConnections(t *testing.T) {
	const (
		idle        = 200
		slowHeaders = 50
		slowBodies  = 50
	)
	// Attacker and ordinary clients all come from 127.0.0.1 here: no
	// per-client cap (TestPerClientConnectionCap tests that one).
	url, s := startServer(t, Config{IOTimeout: 5 * time.Second, ReadHeaderTimeout: 5 * time.Second, MaxClientConnections: DefaultMaxConnections})
	o, tip := limitsRepo(t, url, "r")
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", hostOf(url))
		if err != nil {
			t.Fatalf("connection %d: %v", len(conns), err)
		}
		conns = append(conns, c)
		return c
	}
	for range idle {
		c := dial()
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Close {
			t.Fatalf("keep-alive healthz: %d close=%v", resp.StatusCode, resp.Close)
		}
	}
	var trickle []net.Conn
	for range slowHeaders {
		c := dial()
		io.WriteString(c, "GET /r/refs HTTP/1.1\r\nHost: 127.0.0.1\r\n")
		trickle = append(trickle, c)
	}
	_, body := nextCommit(t, o, tip, "trickled\n")
	for range slowBodies {
		c := dial()
		io.WriteString(c, rawRequest("/r/push", MediaPush, len(body)))
		c.Write(body[:10])
		trickle = append(trickle, c)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			for _, c := range trickle {
				c.Write([]byte{"X-Slow: 1\r\n"[i%11]})
			}
		}
	}()
	for i := range 3 {
		served(t, url, "r", o, &tip, i)
	}
	dir := filepath.Join(s.cfg.Root, "r")
	cloneDir := filepath.Join(t.TempDir(), "clone")
	if _, err := Clone(context.Background(), url+"/r", cloneDir, "", Options{}); err != nil {
		t.Fatalf("clone while under attack: %v", err)
	}
	close(stop)
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	// The trickled pushes end when their clients hang up; their
	// quarantines go with them.
	deadline := time.Now().Add(20 * time.Second)
	for {
		left, _ := filepath.Glob(filepath.Join(dir, "objects", "incoming-*"))
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("quarantines left after the clients hung up: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := git(t, dir, "rev-parse", "main"); got != tip.String() {
		t.Fatalf("main is %s, want %s", got, tip)
	}
	git(t, dir, "fsck", "--strict")
}

// (e) Fetch requests that are not JSON, too large, deeply nested, or
// carry very many ids are answered 400, 413 or 422 with problem details,
// and the server serves normally afterwards. (The same for push headers
// is in TestHostilePushesRefused.)
func TestLimitsBadFetchRequests(t *testing.T) {
	url, _ := startServer(t, Config{})
	_, tip := limitsRepo(t, url, "r")
	ids := func(n int, seed uint64) string {
		rnd := rand.New(rand.NewPCG(seed, seed))
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			var h plumbing.Hash
			for j := range h {
				h[j] = byte(rnd.Uint32())
			}
			b.WriteString(`"` + h.String() + `"`)
		}
		return b.String()
	}
	cases := []struct {
		name string
		body string
		code int
	}{
		{"empty", "", 400},
		{"not JSON", "wants=abc", 400},
		{"truncated", `{"wants":["` + tip.String(), 400},
		{"wrong types", `{"wants":"` + tip.String() + `","haves":{}}`, 400},
		{"deeply nested", `{"wants":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "}", 400},
		{"short id", `{"wants":["abc"]}`, 400},
		{"uppercase id", `{"wants":["` + strings.ToUpper(tip.String()) + `"]}`, 400},
		{"over 8 MiB", `{"wants":["` + tip.String() + `"],"haves":["` + strings.Repeat("0", 9<<20) + `"]}`, 413},
		{"over 8 MiB of ids", `{"haves":[` + ids(200000, 1) + `]}`, 413},
		{"150000 unknown wants", `{"wants":[` + ids(150000, 2) + `]}`, 413}, // over maxWants
		{"1000 unknown wants", `{"wants":[` + ids(1000, 2) + `]}`, 422},
		{"150000 unknown haves", `{"wants":["` + tip.String() + `"],"haves":[` + ids(150000, 3) + `]}`, 200},
		// The haves past the first maxHaves are not looked at (this one
		// would have made the pack empty), the first ones are.
		{"the want as have 4097", `{"wants":["` + tip.String() + `"],"haves":[` + ids(maxHaves, 4) + `,"` + tip.String() + `"]}`, 200},
		{"the want as have 1 of 150000", `{"wants":["` + tip.String() + `"],"haves":["` + tip.String() + `",` + ids(150000, 5) + `]}`, 200},
	}
	objects := map[string]string{"the want as have 1 of 150000": "0"}
	hc := &http.Client{Timeout: 30 * time.Second}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := hc.Post(url+"/r/fetch", MediaJSON, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.code {
				t.Fatalf("status %d, want %d: %.300s", resp.StatusCode, c.code, data)
			}
			if c.code == 200 {
				want := objects[c.name]
				if want == "" {
					want = "3"
				}
				if got := resp.Header.Get("X-Easel-Objects"); got != want || !bytes.HasPrefix(data, []byte("PACK")) {
					t.Fatalf("pack of %s objects, want %s: %.20q", got, want, data)
				}
				return
			}
			var p Problem
			if resp.Header.Get("Content-Type") != MediaProblem || json.Unmarshal(data, &p) != nil || p.Status != c.code || p.Type == "" {
				t.Fatalf("not problem details: %s %.300s", resp.Header.Get("Content-Type"), data)
			}
		})
	}
	if resp, err := hc.Get(url + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz after bad fetches: %v %v", resp, err)
	}
	rc := client(t, url+"/r", "")
	refs, err := rc.Refs(context.Background())
	if err != nil || refs.HeadID != tip.String() {
		t.Fatalf("refs after bad fetches: %+v %v", refs, err)
	}
}

// (d) What a push holds while its body trickles in is small: many slow
// pushes at once must not add up to gigabytes. (Each held a 1 MiB read
// buffer before; a thousand slow clients took over a gigabyte.)
func TestLimitsStalledPushMemory(t *testing.T) {
	const n = 100
	url, s := startServer(t, Config{IOTimeout: time.Minute})
	o, tip := limitsRepo(t, url, "r")
	_, body := nextCommit(t, o, tip, "slow\n")
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapInuse)
	}
	before := heap()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", hostOf(url))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		io.WriteString(c, rawRequest("/r/push", MediaPush, len(body)))
		c.Write(body[:len(body)-20]) // the header and most of the pack
	}
	// Wait until the server holds all of them: a quarantine exists once
	// a pack has started to arrive.
	deadline := time.Now().Add(20 * time.Second)
	for {
		left, _ := filepath.Glob(filepath.Join(s.cfg.Root, "r", "objects", "incoming-*"))
		if len(left) >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d pushes reached the server", len(left), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	per := (heap() - before) / n
	t.Logf("%d pushes in flight: %d KiB of heap each", n, per>>10)
	if per > 512<<10 {
		t.Fatalf("each push in flight holds %d KiB of heap, want under 512 KiB", per>>10)
	}
}

// (f) Past MaxConnections a new connection is answered 503 with problem
// details at once (not left hanging), the connections already open keep
// working, and a slot freed by a client hanging up is usable again.
func TestLimitsConnectionCap(t *testing.T) {
	const max = 8
	url, _ := startServer(t, Config{MaxConnections: max, MaxClientConnections: max})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	healthz := func(c net.Conn) *http.Response {
		t.Helper()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for range max {
		c, err := net.Dial("tcp", hostOf(url))
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if resp := healthz(c); resp.StatusCode != 200 {
			t.Fatalf("connection within the cap: %d", resp.StatusCode)
		}
	}
	// One more: refused at once with a problem body and Retry-After.
	resp, err := (&http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var p Problem
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != MediaProblem ||
		json.Unmarshal(body, &p) != nil || p.Status != 503 || p.Type != ProblemBase+"busy" {
		t.Fatalf("over the cap: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	// The held connections still work.
	if resp := healthz(held[0]); resp.StatusCode != 200 {
		t.Fatalf("held connection after a refusal: %d", resp.StatusCode)
	}
	// easel's own client waits and retries a busy server: a listing
	// started while the server is full succeeds once a slot frees.
	cl, err := NewClient(url+"/nosuchrepo", "")
	if err != nil {
		t.Fatal(err)
	}
	cl.HTTP = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	listed := make(chan error, 1)
	go func() {
		_, err := cl.Refs(context.Background())
		listed <- err
	}()
	time.Sleep(300 * time.Millisecond)
	// A client hanging up frees its slot.
	held[max-1].Close()
	held = held[:max-1]
	var p404 *Problem
	if err := <-listed; !errors.As(err, &p404) || p404.Status != 404 {
		t.Fatalf("listing retried after 503: %v, want the server's 404", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := (&http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}).Get(url + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		code := resp.StatusCode
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not freed after a client hung up: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
