package remote

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
)

func writeTokens(t *testing.T, content string) []Token {
	t.Helper()
	toks, err := ParseTokens(strings.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	return toks
}

func getStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestAuth(t *testing.T) {
	toks := writeTokens(t, "# tokens\nrw-secret\nro:ro-secret\n\n")
	url, _ := startServer(t, Config{Tokens: toks})
	o := newObjset()
	blob := o.add(t, plumbing.BlobObject, []byte("x\n"))
	tree := o.add(t, plumbing.TreeObject, treeEntry("100644", "x", blob))
	c := o.commit(t, tree)
	pack := o.pack(t, blob, tree, c)
	upd := []RefCommand{{Ref: "refs/heads/main", Old: zero, New: c.String()}}

	if code, p := rawPush(t, url+"/p", "", upd, pack); code != 401 || p.Type != ProblemBase+"unauthorized" {
		t.Fatalf("anonymous push: %d %+v, want 401", code, p)
	}
	if code, _ := rawPush(t, url+"/p", "wrong", upd, pack); code != 403 {
		t.Fatalf("wrong token: %d, want 403", code)
	}
	if code, _ := rawPush(t, url+"/p", "ro-secret", upd, pack); code != 403 {
		t.Fatalf("read-only token push: %d, want 403", code)
	}
	// A token that is a prefix of a real one is still wrong.
	if code, _ := rawPush(t, url+"/p", "rw-secre", upd, pack); code != 403 {
		t.Fatalf("prefix token: %d, want 403", code)
	}
	if code, p := rawPush(t, url+"/p", "rw-secret", upd, pack); code != 200 {
		t.Fatalf("read-write token: %d %+v", code, p)
	}
	// Reads are anonymous on a public server; a wrong token is still refused.
	if got := getStatus(t, url+"/p/refs", ""); got != 200 {
		t.Fatalf("anonymous read: %d", got)
	}
	if got := getStatus(t, url+"/p/refs", "ro-secret"); got != 200 {
		t.Fatalf("read-only token read: %d", got)
	}
	if got := getStatus(t, url+"/p/refs", "nope"); got != 403 {
		t.Fatalf("read with a wrong token: %d", got)
	}
	// The client maps these to ErrAuth.
	_, err := client(t, url+"/p", "nope").Refs(context.Background())
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("client error %v, want ErrAuth", err)
	}
}

func TestPrivateServer(t *testing.T) {
	if _, err := NewServer(Config{Root: t.TempDir(), Private: true}); err == nil {
		t.Fatal("--private without tokens must be refused")
	}
	toks := writeTokens(t, "rw-secret\nro:ro-secret\n")
	url, _ := startServer(t, Config{Tokens: toks, Private: true})
	o := newObjset()
	blob := o.add(t, plumbing.BlobObject, []byte("x\n"))
	tree := o.add(t, plumbing.TreeObject, treeEntry("100644", "x", blob))
	c := o.commit(t, tree)
	if code, _ := rawPush(t, url+"/p", "rw-secret", []RefCommand{{Ref: "refs/heads/main", Old: zero, New: c.String()}}, o.pack(t, blob, tree, c)); code != 200 {
		t.Fatalf("push: %d", code)
	}
	if got := getStatus(t, url+"/p/refs", ""); got != 401 {
		t.Fatalf("anonymous read of a private server: %d, want 401", got)
	}
	resp, err := http.Post(url+"/p/fetch", MediaJSON, strings.NewReader(`{"wants":["`+c.String()+`"],"haves":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("anonymous fetch of a private server: %d, want 401", resp.StatusCode)
	}
	if got := getStatus(t, url+"/p/refs", "ro-secret"); got != 200 {
		t.Fatalf("read-only token read: %d", got)
	}
	if got := getStatus(t, url+"/healthz", ""); got != 200 {
		t.Fatalf("healthz: %d", got)
	}
}

func TestRepoNames(t *testing.T) {
	for _, ok := range []string{"p", "group/p", "a.b_c-d", "p.git", "G1/x9"} {
		if err := ValidateRepoName(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "..", "../x", "a/../b", "/abs", "a/b/c", ".hidden", "a/.git", "x..y", "a b", "a\\b", "-x", "a/", "p.lock", strings.Repeat("x", 101)} {
		if err := ValidateRepoName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	url, _ := startServer(t, Config{})
	for _, path := range []string{"/%2e%2e/refs", "/a/%2e%2e/refs", "/a%2fb%2fc/x/refs", "/.x/refs"} {
		if got := getStatus(t, url+path, ""); got < 400 || got >= 500 {
			t.Errorf("GET %s: %d, want 4xx", path, got)
		}
	}
}

// Fetch offers local refs as haves, so only the new commit's objects come.
func TestFetchSendsOnlyMissing(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	url, _ := startServer(t, Config{})
	tmp := t.TempDir()
	src := newWorkRepo(t, filepath.Join(tmp, "src"), "a", "b", "c")
	rm := addOrigin(t, src, url+"/f")
	if _, err := pushBranch(ctx, src, rm, client(t, url+"/f", ""), "main"); err != nil {
		t.Fatal(err)
	}
	cl, err := Clone(ctx, url+"/f", filepath.Join(tmp, "clone"), "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if cl.Fetch.Objects != 3*3 { // three commits, each with a tree and a blob
		t.Fatalf("clone received %d objects, want 9", cl.Fetch.Objects)
	}
	commitFile(t, filepath.Join(tmp, "src"), "d", "d\n")
	resp, err := pushBranch(ctx, src, rm, client(t, url+"/f", ""), "main")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Objects != 3 {
		t.Fatalf("push sent %d objects, want 3 (commit, tree, blob)", resp.Objects)
	}
	crm, _ := cl.Repo.RemoteByName("origin")
	res, err := Fetch(ctx, cl.Repo, crm, client(t, url+"/f", ""), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != 3 || len(res.Changes) != 1 || res.Changes[0].Local != "refs/remotes/origin/main" {
		t.Fatalf("fetch: %d objects, changes %+v", res.Objects, res.Changes)
	}
	git(t, filepath.Join(tmp, "clone"), "fsck", "--strict")
	// Nothing new: no pack at all.
	res, err = Fetch(ctx, cl.Repo, crm, client(t, url+"/f", ""), Options{})
	if err != nil || res.Objects != 0 || len(res.Changes) != 0 {
		t.Fatalf("second fetch: %v %+v", err, res)
	}
}

// Cloning a name nobody pushed to yet gives an empty repository whose first
// push creates the remote one.
func TestCloneEmptyThenPush(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	url, s := startServer(t, Config{})
	dir := filepath.Join(t.TempDir(), "e")
	res, err := Clone(ctx, url+"/grp/empty", dir, "", Options{})
	if err != nil || !res.Empty {
		t.Fatalf("clone: %v %+v", err, res)
	}
	c := commitFile(t, dir, "first", "1\n")
	rm, _ := res.Repo.RemoteByName("origin")
	if _, err := pushBranch(ctx, res.Repo, rm, client(t, url+"/grp/empty", ""), "main"); err != nil {
		t.Fatal(err)
	}
	if got := git(t, filepath.Join(s.cfg.Root, "grp", "empty"), "rev-parse", "main"); got != c.String() {
		t.Fatalf("server main = %s, want %s", got, c)
	}
}

// A push in flight when the server is told to stop is finished, not cut.
func TestShutdownFinishesPush(t *testing.T) {
	s, err := NewServer(Config{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln, 10*time.Second) }()
	url := "http://" + ln.Addr().String()

	o := newObjset()
	blob := o.add(t, plumbing.BlobObject, []byte("x\n"))
	tree := o.add(t, plumbing.TreeObject, treeEntry("100644", "x", blob))
	c := o.commit(t, tree)
	hdr, _ := json.Marshal(PushHeader{Updates: []RefCommand{{Ref: "refs/heads/main", Old: zero, New: c.String()}}})
	pack := o.pack(t, blob, tree, c)
	pr, pw := io.Pipe()
	result := make(chan int, 1)
	go func() {
		resp, err := http.Post(url+"/p/push", MediaPush, pr)
		if err != nil {
			result <- -1
			return
		}
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	pw.Write(append(hdr, '\n'))
	pw.Write(pack[:10])
	time.Sleep(100 * time.Millisecond) // the request is now being served
	cancel()
	time.Sleep(100 * time.Millisecond)
	pw.Write(pack[10:])
	pw.Close()
	if code := <-result; code != 200 {
		t.Fatalf("push in flight during shutdown: %d, want 200", code)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}
