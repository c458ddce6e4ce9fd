package remote

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// pkt frames lines as pkt-lines; "0000", "0001" and raw strings starting
// with "RAW:" pass as they are.
func pkt(lines ...string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		switch {
		case l == "0000" || l == "0001":
			b.WriteString(l)
		case strings.HasPrefix(l, "RAW:"):
			b.WriteString(strings.TrimPrefix(l, "RAW:"))
		default:
			fmt.Fprintf(&b, "%04x%s", len(l)+4, l)
		}
	}
	return b.Bytes()
}

func postGit(t *testing.T, url, service string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/"+service, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-"+service+"-request")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// TestGitProtocolErrors sends malformed and truncated requests: each is a
// 4xx and the repository is unchanged.
func TestGitProtocolErrors(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	work := gitServed(t, root, "proj")
	bare := filepath.Join(root, "proj")
	url, _ := startServer(t, Config{Root: root})
	main := git(t, work, "rev-parse", "main")
	parent := git(t, work, "rev-parse", "main~1")
	zero := plumbing.ZeroHash.String()
	before := snapshot(t, bare)
	v2 := map[string]string{"Git-Protocol": "version=2"}

	cases := []struct {
		name, service string
		body          []byte
		hdr           map[string]string
		status        int
	}{
		{"bad length", "git-upload-pack", []byte("zzzzwant"), nil, 400},
		{"length 3", "git-upload-pack", []byte("0003"), nil, 400},
		{"length over 65520", "git-upload-pack", []byte("fff5"), nil, 400},
		{"truncated line", "git-upload-pack", []byte("0032want " + main[:10]), nil, 400},
		{"no flush", "git-upload-pack", pkt("want " + main + " side-band-64k\n"), nil, 400},
		{"not a want", "git-upload-pack", pkt("have "+main+"\n", "0000"), nil, 400},
		{"bad id", "git-upload-pack", pkt("want "+strings.ToUpper(main)+"\n", "0000"), nil, 400},
		{"v2 no command", "git-upload-pack", pkt("agent=x\n", "0000"), v2, 400},
		{"v2 unknown command", "git-upload-pack", pkt("command=frobnicate\n", "0000"), v2, 400},
		{"v2 unknown fetch arg", "git-upload-pack", pkt("command=fetch\n", "0001", "frob\n", "0000"), v2, 400},
		{"v2 truncated", "git-upload-pack", pkt("command=fetch\n", "0001", "want "+main+"\n"), v2, 400},
		{"bad gzip", "git-upload-pack", []byte("not gzip"), map[string]string{"Content-Encoding": "gzip"}, 400},
		{"push no commands", "git-receive-pack", pkt("0000"), nil, 400},
		{"push bad command", "git-receive-pack", pkt(parent+" refs/heads/main\x00report-status\n", "0000"), nil, 400},
		{"push truncated commands", "git-receive-pack", pkt(main + " " + parent + " refs/heads/main\x00report-status\n"), nil, 400},
		{"push bad ref", "git-receive-pack", pkt(zero+" "+parent+" refs/heads/a..b\x00report-status\n", "0000"), nil, 400},
		{"push outside heads and tags", "git-receive-pack", pkt(zero+" "+parent+" refs/notes/x\x00report-status\n", "0000"), nil, 400},
		{"push truncated pack", "git-receive-pack", append(pkt(zero+" "+parent+" refs/heads/new\x00report-status\n", "0000"), "PACK\x00\x00\x00\x02\x00\x00\x00\x05xyz"...), nil, 400},
		{"push garbage pack", "git-receive-pack", append(pkt(zero+" "+parent+" refs/heads/new\x00report-status\n", "0000"), bytes.Repeat([]byte("garbage!"), 10)...), nil, 400},
	}
	for _, c := range cases {
		status, body := postGit(t, url+"/proj", c.service, c.body, c.hdr)
		if status != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, status, c.status, body)
		} else if !strings.Contains(body, `"detail"`) {
			t.Errorf("%s: no problem detail in %q", c.name, body)
		}
	}
	if got := snapshot(t, bare); got != before {
		t.Fatalf("refused requests changed the repository:\n%s", got)
	}

	// A GET without ?service= (git's old dumb protocol) is refused clearly.
	resp, err := http.Get(url + "/proj/info/refs")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("dumb info/refs: %d", resp.StatusCode)
	}

	// A want the server lacks is git's ERR line.
	status, body := postGit(t, url+"/proj", "git-upload-pack", pkt("command=fetch\n", "0001", "want "+strings.Repeat("ab", 20)+"\n", "done\n", "0000"), v2)
	if status != 200 || !strings.Contains(body, "ERR upload-pack: not our ref") {
		t.Fatalf("unknown want: %d %q", status, body)
	}

	// A gzipped v2 ls-refs is understood.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(pkt("command=ls-refs\n", "0001", "ref-prefix refs/heads/\n", "0000"))
	zw.Close()
	status, body = postGit(t, url+"/proj", "git-upload-pack", gz.Bytes(), map[string]string{"Git-Protocol": "version=2", "Content-Encoding": "gzip"})
	if status != 200 || !strings.Contains(body, main+" refs/heads/main\n") || strings.Contains(body, "refs/tags/") {
		t.Fatalf("gzipped ls-refs: %d %q", status, body)
	}
}

// TestGitReceiveRaces checks the report of updates refused by the
// compare-and-swap after git's own checks passed (another push landed in
// between): a stale old id is "stale info", and a push of several refs
// moves none of them.
func TestGitReceiveRaces(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	work := gitServed(t, root, "proj")
	bare := filepath.Join(root, "proj")
	url, _ := startServer(t, Config{Root: root})
	main := git(t, work, "rev-parse", "main")
	parent := git(t, work, "rev-parse", "main~1")
	zero := plumbing.ZeroHash.String()
	before := snapshot(t, bare)

	status, body := postGit(t, url+"/proj", "git-receive-pack",
		pkt(parent+" "+main+" refs/heads/main\x00report-status\n", "0000"), nil)
	if status != 200 || !strings.Contains(body, "ng refs/heads/main stale info\n") {
		t.Fatalf("stale old id: %d %q", status, body)
	}
	status, body = postGit(t, url+"/proj", "git-receive-pack",
		pkt(zero+" "+parent+" refs/heads/new\x00report-status atomic side-band-64k\n", parent+" "+main+" refs/heads/main\n", "0000"), nil)
	if status != 200 || !strings.Contains(body, "ng refs/heads/main stale info\n") || !strings.Contains(body, "ng refs/heads/new atomic push failure\n") {
		t.Fatalf("atomic: %d %q", status, body)
	}
	if got := snapshot(t, bare); got != before {
		t.Fatalf("refused pushes changed the repository")
	}
	// The same updates with the right old id go through, both at once.
	status, body = postGit(t, url+"/proj", "git-receive-pack",
		pkt(zero+" "+parent+" refs/heads/new\x00report-status\n", main+" "+main+" refs/heads/main\n", "0000"), nil)
	if status != 200 || !strings.Contains(body, "unpack ok\n") || !strings.Contains(body, "ok refs/heads/new\n") {
		t.Fatalf("good push: %d %q", status, body)
	}
	if got := git(t, bare, "rev-parse", "new"); got != parent {
		t.Fatalf("new is %s, want %s", got, parent)
	}
}

// TestGitEaselInterop: git and easel push to and clone from the same
// repository, and each sees the other's refusal on one branch.
func TestGitEaselInterop(t *testing.T) {
	needGit(t)
	pinEnv(t)
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "srv")
	url, _ := startServer(t, Config{Root: root})
	tmp := t.TempDir()

	// git pushes, easel clones.
	gw := filepath.Join(tmp, "gitwork")
	git(t, tmp, "init", "-q", "-b", "main", gw)
	commitFile(t, gw, "a.txt", "a\n")
	git(t, gw, "push", "-q", url+"/p", "main")
	ew := filepath.Join(tmp, "easelwork")
	res, err := Clone(ctx, url+"/p", ew, "", Options{})
	if err != nil {
		t.Fatal(err)
	}
	res.Repo.Close()
	if a, b := git(t, ew, "rev-parse", "HEAD"), git(t, gw, "rev-parse", "HEAD"); a != b {
		t.Fatalf("easel clone at %s, want %s", a, b)
	}

	// easel pushes, git clones.
	commitFile(t, ew, "b.txt", "b\n")
	r := openRepo(t, ew)
	defer r.Close()
	rm, err := r.RemoteByName("origin")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pushBranch(ctx, r, rm, client(t, url+"/p", ""), "main"); err != nil {
		t.Fatal(err)
	}
	gc := filepath.Join(tmp, "gitclone")
	git(t, tmp, "clone", "-q", url+"/p", gc)
	if a, b := git(t, gc, "rev-parse", "HEAD"), git(t, ew, "rev-parse", "HEAD"); a != b {
		t.Fatalf("git clone at %s, want %s", a, b)
	}
	git(t, gc, "fsck", "--strict")

	// Both push to main: whoever comes second is refused.
	commitFile(t, gc, "c.txt", "c\n")
	commitFile(t, ew, "d.txt", "d\n")
	git(t, gc, "push", "-q")
	_, err = pushBranch(ctx, r, rm, client(t, url+"/p", ""), "main")
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("easel push after git's: %v, want rejected", err)
	}
	commitFile(t, gc, "e.txt", "e\n")
	if _, err := Fetch(ctx, r, rm, client(t, url+"/p", ""), Options{}); err != nil {
		t.Fatal(err)
	}
	git(t, ew, "merge", "-q", "--no-edit", "origin/main")
	if _, err := pushBranch(ctx, r, rm, client(t, url+"/p", ""), "main"); err != nil {
		t.Fatal(err)
	}
	out := gitFails(t, gc, "push")
	if !strings.Contains(out, "[rejected]") || !strings.Contains(out, "(fetch first)") {
		t.Fatalf("git push after easel's:\n%s", out)
	}
	git(t, filepath.Join(root, "p"), "fsck", "--strict")
}

// TestGitCredentials: git's Basic credentials carry the token as the
// password, under the same read/write/private rules as Bearer.
func TestGitCredentials(t *testing.T) {
	needGit(t)
	pinEnv(t)
	toks, err := ParseTokens(strings.NewReader("rw:s3cret-writer\nro:s3cret-reader\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	for _, private := range []bool{false, true} {
		t.Run(fmt.Sprintf("private=%v", private), func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "srv")
			work := gitServed(t, root, "proj")
			url, _ := startServer(t, Config{Root: root, Tokens: toks, Private: private, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			host := strings.TrimPrefix(url, "http://")
			with := func(user, tok string) string { return "http://" + user + ":" + tok + "@" + host + "/proj" }
			tmp := t.TempDir()

			// Reading: anonymous only on a public server; any valid token.
			out, err := gitRun(tmp, "clone", "-q", url+"/proj", filepath.Join(tmp, "anon"))
			if private != (err != nil) {
				t.Fatalf("anonymous clone (private %v): %v\n%s", private, err, out)
			}
			if private && !strings.Contains(out, "could not read Username") {
				t.Fatalf("anonymous clone of a private repository: %s", out)
			}
			git(t, tmp, "clone", "-q", with("reader", "s3cret-reader"), filepath.Join(tmp, "ro"))
			// git sends credentials only when asked (401): on a public
			// server a wrong token in the URL still reads anonymously.
			out, err = gitRun(tmp, "clone", "-q", with("x", "wrong"), filepath.Join(tmp, "wrong"))
			if private && (err == nil || !strings.Contains(out, "403")) {
				t.Fatalf("wrong token on a private server: %v %s", err, out)
			}
			if !private && err != nil {
				t.Fatalf("wrong token on a public server: %s", out)
			}

			// Writing: the read-write token only, any user name.
			clone := filepath.Join(tmp, "ro")
			commitFile(t, clone, "n.txt", "n\n")
			out = gitFails(t, clone, "push", url+"/proj", "main")
			if !strings.Contains(out, "could not read Username") {
				t.Fatalf("anonymous push: %s", out)
			}
			out = gitFails(t, clone, "push", with("reader", "s3cret-reader"), "main")
			if !strings.Contains(out, "403") {
				t.Fatalf("read-only push: %s", out)
			}
			gitFails(t, clone, "push", with("someone", "wrong"), "main")
			if a, b := git(t, filepath.Join(root, "proj"), "rev-parse", "main"), git(t, work, "rev-parse", "main"); a != b {
				t.Fatal("a refused push moved main")
			}
			git(t, clone, "push", "-q", with("anyone", "s3cret-writer"), "main")
			if a, b := git(t, filepath.Join(root, "proj"), "rev-parse", "main"), git(t, clone, "rev-parse", "main"); a != b {
				t.Fatalf("server main %s, want %s", a, b)
			}
		})
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Fatal("a token reached the log")
	}
	if !strings.Contains(logs.String(), "git-receive-pack") {
		t.Fatal("the log does not list the requests")
	}
}

func TestBasicAuthorize(t *testing.T) {
	toks, _ := ParseTokens(strings.NewReader("rw:w1\nro:r1\n"))
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	cases := []struct {
		tokens  []Token
		private bool
		hdr     string
		want    access
		code    int
	}{
		{toks, false, basic("anyone", "w1"), accessWrite, 0},
		{toks, false, basic("", "w1"), accessWrite, 0},
		{toks, false, basic("x", "r1"), accessWrite, 403},
		{toks, false, basic("x", "r1"), accessRead, 0},
		{toks, true, basic("x", "r1"), accessRead, 0},
		{toks, true, basic("x", "nope"), accessRead, 403},
		{toks, false, basic("w1", ""), accessWrite, 401}, // the token is the password, not the user
		{toks, false, "Basic !!!", accessWrite, 401},
		{nil, false, basic("me", ""), accessWrite, 0}, // an open server ignores credentials
		{toks, false, "Bearer w1", accessWrite, 0},
	}
	for i, c := range cases {
		s := &Server{cfg: Config{Tokens: c.tokens, Private: c.private}}
		r, _ := http.NewRequest(http.MethodGet, "/x/info/refs", nil)
		r.Header.Set("Authorization", c.hdr)
		if got := s.authorize(r, c.want); got != c.code {
			t.Errorf("case %d (%q): %d, want %d", i, c.hdr, got, c.code)
		}
	}
}
