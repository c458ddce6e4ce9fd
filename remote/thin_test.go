package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"
)

// countingTransport counts the bytes of request and response bodies.
type countingTransport struct {
	sent, received atomic.Int64
}

type countedBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countedBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		r2 := req.Clone(req.Context())
		r2.Body = countedBody{req.Body, &t.sent}
		req = r2
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		resp.Body = countedBody{resp.Body, &t.received}
	}
	return resp, err
}

// bigText is n bytes of lines that do not compress much.
func bigText(n int) []byte {
	rng := rand.New(rand.NewSource(1))
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "%08d %016x %016x %016x\n", i, rng.Uint64(), rng.Uint64(), rng.Uint64())
	}
	return b.Bytes()[:n]
}

// verifyPacks runs git verify-pack -v on every pack of gitDir and git fsck
// --strict on the repository.
func verifyPacks(t *testing.T, gitDir string) {
	t.Helper()
	packs, _ := filepath.Glob(filepath.Join(gitDir, "objects", "pack", "*.idx"))
	if len(packs) == 0 {
		t.Fatalf("%s: no pack", gitDir)
	}
	for _, p := range packs {
		git(t, gitDir, "verify-pack", "-v", p)
	}
	git(t, gitDir, "fsck", "--strict")
}

// A one-line change to an 8 MB file is pushed and fetched as a delta
// against the version the other side has, and what lands on either side
// is a self-contained pack git accepts.
func TestThinPushAndFetchSendDeltas(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	url, s := startServer(t, Config{})
	dir := filepath.Join(t.TempDir(), "w")
	r := newWorkRepo(t, dir, "README")
	content := bigText(8 << 20)
	commitFile(t, dir, "big.txt", string(content))
	rm := addOrigin(t, r, url+"/thin")
	c := client(t, url+"/thin", "")
	tr := &countingTransport{}
	c.HTTP = &http.Client{Transport: tr}
	if _, err := pushBranch(ctx, r, rm, c, "main"); err != nil {
		t.Fatal(err)
	}
	first := tr.sent.Load()

	// A second repository that has the first version.
	other := filepath.Join(t.TempDir(), "o")
	if _, err := Clone(ctx, url+"/thin", other, "", Options{}); err != nil {
		t.Fatal(err)
	}

	changed := bytes.Replace(content, []byte("00001000 "), []byte("CHANGED! "), 1)
	commitFile(t, dir, "big.txt", string(changed))
	tr.sent.Store(0)
	if _, err := pushBranch(ctx, r, rm, c, "main"); err != nil {
		t.Fatal(err)
	}
	second := tr.sent.Load()
	t.Logf("push: first %d bytes, one-line change %d bytes", first, second)
	if second > 16<<10 {
		t.Fatalf("a one-line change to an 8 MB file sent %d bytes", second)
	}
	srv := filepath.Join(s.cfg.Root, "thin")
	verifyPacks(t, srv)
	if got := git(t, srv, "rev-parse", "main"); got != git(t, dir, "rev-parse", "main") {
		t.Fatalf("server main %s", got)
	}

	// Fetch the change into the other repository.
	or := openRepo(t, other)
	orm, err := or.RemoteByName("origin")
	if err != nil {
		t.Fatal(err)
	}
	oc := client(t, url+"/thin", "")
	otr := &countingTransport{}
	oc.HTTP = &http.Client{Transport: otr}
	res, err := Fetch(ctx, or, orm, oc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := otr.received.Load()
	t.Logf("fetch of the change: %d bytes received, %d objects", got, res.Objects)
	if got > 16<<10 {
		t.Fatalf("fetching a one-line change to an 8 MB file received %d bytes", got)
	}
	verifyPacks(t, filepath.Join(other, ".git"))
	if a, b := git(t, other, "rev-parse", "origin/main:big.txt"), git(t, dir, "rev-parse", "main:big.txt"); a != b {
		t.Fatalf("fetched big.txt %s, want %s", a, b)
	}

	// A client that does not say it takes thin packs gets a whole one.
	body, _, err := oc.FetchPack(ctx, []string{git(t, dir, "rev-parse", "main")}, []string{git(t, dir, "rev-parse", "main~1")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := Receive(ctx, t.TempDir(), body)
	body.Close()
	if err != nil {
		t.Fatalf("a pack for a client without thin-pack: %v", err)
	}
	if q.Bytes < 1<<20 {
		t.Errorf("a pack for a client without thin-pack is %d bytes: not whole?", q.Bytes)
	}
	q.Discard()
}

// A thin pack pushed by hand: its delta's base, on the server already, is
// appended before the pack becomes visible; a base the server lacks is
// refused with 422 and nothing is stored, in an existing repository or a
// new one.
func TestThinPackFixedOnReceive(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	rurl := url + "/thin"
	blob := bytes.Repeat([]byte("hello, world\n"), 100)
	bid := objID("blob", blob)
	objs, base := commitWithTree(plumbing.ZeroHash, rawTreeData(tent{"100644", "README", bid}), pobj{typ: pkBlob, data: blob, declared: -1})
	if code, body := pushRaw(t, rurl, update("refs/heads/main", plumbing.ZeroHash, base), buildPack(objs...)); code != 200 {
		t.Fatalf("seed push: %d %s", code, body)
	}
	dir := filepath.Join(s.cfg.Root, "thin")

	// A base the server lacks: 422, nothing stored.
	other := bytes.Repeat([]byte("elsewhere\n"), 100)
	lacking := func(old plumbing.Hash) (any, []byte) {
		d := delta(uint64(len(other)), 4, []byte("abc\n"))
		nb := objID("blob", []byte("abc\n"))
		objs, c := commitWithTree(old, rawTreeData(tent{"100644", "README", nb}), pobj{typ: pkRef, data: d, declared: -1, refBase: objID("blob", other)})
		return update("refs/heads/main", old, c), buildPack(objs...)
	}
	before := snapshot(t, dir)
	hdr, pack := lacking(base)
	if code, body := pushRaw(t, rurl, hdr, pack); code != 422 || !strings.Contains(body, "missing-object") {
		t.Fatalf("thin pack with a base the server lacks: %d %s", code, body)
	}
	if after := snapshot(t, dir); after != before {
		t.Fatalf("refused thin push changed the repository:\n%s\n%s", before, after)
	}
	hdr, pack = lacking(plumbing.ZeroHash)
	if code, body := pushRaw(t, url+"/fresh", hdr, pack); code != 422 {
		t.Fatalf("thin pack into a new repository: %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Root, "fresh")); err == nil {
		t.Fatal("a refused thin push created the repository")
	}
	if left, _ := filepath.Glob(filepath.Join(s.cfg.Root, "*", "objects", "incoming-*")); len(left) > 0 {
		t.Fatalf("quarantine left behind: %v", left)
	}

	// A corrupt delta against a base the server has: refused as before.
	d := delta(uint64(len(blob))+1, 6, []byte("hallo\n"))
	cobjs, cc := commitWithTree(base, rawTreeData(tent{"100644", "README", objID("blob", []byte("hallo\n"))}), pobj{typ: pkRef, data: d, declared: -1, refBase: bid})
	if code, body := pushRaw(t, rurl, update("refs/heads/main", base, cc), buildPack(cobjs...)); code < 400 || code >= 500 {
		t.Fatalf("delta with the wrong base size: %d %s", code, body)
	}
	if after := snapshot(t, dir); after != before {
		t.Fatalf("refused thin push changed the repository:\n%s\n%s", before, after)
	}

	// A base the server has: accepted, the pack completed with it.
	// delta() writes the literal first, then the copy.
	want := append([]byte("one more line\n"), blob...)
	d = delta(uint64(len(blob)), uint64(len(want)), []byte("one more line\n"), [2]uint32{0, uint32(len(blob))})
	objs, c := commitWithTree(base, rawTreeData(tent{"100644", "README", objID("blob", want)}), pobj{typ: pkRef, data: d, declared: -1, refBase: bid})
	if code, body := pushRaw(t, rurl, update("refs/heads/main", base, c), buildPack(objs...)); code != 200 {
		t.Fatalf("thin push: %d %s", code, body)
	}
	verifyPacks(t, dir)
	if got := git(t, dir, "cat-file", "-p", "main:README"); got+"\n" != string(want) {
		t.Fatalf("README is %q", got)
	}
	// The new pack holds the base itself.
	packs, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.idx"))
	found := 0
	for _, p := range packs {
		out := git(t, dir, "verify-pack", "-v", p)
		if strings.Contains(out, bid.String()) && strings.Contains(out, objID("blob", want).String()) {
			found++
		}
	}
	if found != 1 {
		t.Fatalf("%d packs hold both the delta and its base", found)
	}
}

// The thin seeds of the fuzz targets do what they are meant to: one is
// completed with the receiver's base, the other refused as missing.
func TestReceiveThinSeeds(t *testing.T) {
	ctx := context.Background()
	have := memory.NewStorage()
	obj := have.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, _ := obj.Writer()
	w.Write(fuzzThinBase())
	w.Close()
	have.SetEncodedObject(obj)
	seeds := fuzzPacks()
	thin, missing := seeds[len(seeds)-2], seeds[len(seeds)-1]
	parent := t.TempDir()
	q, err := ReceiveThin(ctx, parent, bytes.NewReader(thin), PackLimits{}, have)
	if err != nil {
		t.Fatal(err)
	}
	if q.Objects != 2 || !q.Has(objID("blob", fuzzThinBase())) || !q.Has(objID("blob", []byte("thin delta\na"))) {
		t.Fatalf("completed pack holds %d objects", q.Objects)
	}
	q.Discard()
	if _, err := ReceiveLimited(ctx, parent, bytes.NewReader(thin), PackLimits{}); !errors.Is(err, ErrBadPack) {
		t.Fatalf("thin pack without a store: %v", err)
	}
	if _, err := ReceiveThin(ctx, parent, bytes.NewReader(missing), PackLimits{}, have); !errors.Is(err, ErrMissing) {
		t.Fatalf("thin pack with a missing base: %v", err)
	}
	// A thin pack with bytes after its trailer, or a broken trailer, is
	// not completed: fixing would make the bad pack look sound.
	if _, err := ReceiveThin(ctx, parent, bytes.NewReader(append(bytes.Clone(thin), "junk"...)), PackLimits{}, have); !errors.Is(err, ErrBadPack) {
		t.Fatalf("thin pack with trailing data: %v", err)
	}
	bad := bytes.Clone(thin)
	bad[len(bad)-1] ^= 1
	if _, err := ReceiveThin(ctx, parent, bytes.NewReader(bad), PackLimits{}, have); !errors.Is(err, ErrBadPack) {
		t.Fatalf("thin pack with a bad checksum: %v", err)
	}
	if left := listTree(parent); left != "" {
		t.Fatalf("left behind: %s", left)
	}
}

// A server that does not list thin-pack (an older one) gets whole packs,
// and the push still succeeds.
func TestPushWithoutThinPackCapability(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	url, s := startServer(t, Config{})
	target, _ := neturl.Parse(url)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		if !strings.HasSuffix(resp.Request.URL.Path, "/refs") || resp.StatusCode != 200 {
			return nil
		}
		var rr RefsResponse
		if err := json.NewDecoder(resp.Body).Decode(&rr); err != nil {
			return err
		}
		resp.Body.Close()
		rr.Capabilities = nil
		data, _ := json.Marshal(rr)
		resp.Body = io.NopCloser(bytes.NewReader(data))
		resp.ContentLength = int64(len(data))
		resp.Header.Set("Content-Length", strconv.Itoa(len(data)))
		return nil
	}
	old := httptest.NewServer(proxy)
	defer old.Close()

	dir := filepath.Join(t.TempDir(), "w")
	r := newWorkRepo(t, dir, "README")
	content := bigText(256 << 10)
	commitFile(t, dir, "big.txt", string(content))
	rm := addOrigin(t, r, old.URL+"/old")
	c := client(t, old.URL+"/old", "")
	tr := &countingTransport{}
	c.HTTP = &http.Client{Transport: tr}
	if _, err := pushBranch(ctx, r, rm, c, "main"); err != nil {
		t.Fatal(err)
	}
	commitFile(t, dir, "big.txt", string(bytes.Replace(content, []byte("00000100 "), []byte("CHANGED! "), 1)))
	tr.sent.Store(0)
	if _, err := pushBranch(ctx, r, rm, c, "main"); err != nil {
		t.Fatal(err)
	}
	if n := tr.sent.Load(); n < 64<<10 {
		t.Fatalf("a push to a server without thin-pack sent %d bytes: not whole?", n)
	}
	verifyPacks(t, filepath.Join(s.cfg.Root, "old"))
}
