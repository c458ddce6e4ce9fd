package remote

import (
	"crypto/sha1"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// Regression tests for pushes and fetches at the edges of what the server
// accepts: names of repositories and refs, wants, credentials and
// connections. Every request is built by hand, as an attacker would.

// dirState lists every file and folder under dir with a digest of each
// file's content: what a refused request must leave exactly as it was.
func dirState(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			fmt.Fprintf(&b, "%s/\n", rel)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %x\n", rel, sha1.Sum(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// seedCommit is a sound root commit (README) as pack objects and its id.
func seedCommit(content string) ([]pobj, plumbing.Hash) {
	blob := []byte(content)
	return commitWithTree(plumbing.ZeroHash, rawTreeData(tent{"100644", "README", objID("blob", blob)}),
		pobj{typ: pkBlob, data: blob, declared: -1})
}

// mustPush pushes a new main holding content to url (a repository URL).
func mustPush(t *testing.T, url, content string) plumbing.Hash {
	t.Helper()
	objs, c := seedCommit(content)
	if code, body := pushRaw(t, url, update("refs/heads/main", plumbing.ZeroHash, c), buildPack(objs...)); code != 200 {
		t.Fatalf("push to %s: %d %s", url, code, body)
	}
	return c
}

// wantProblem checks a refusal: status, problem details, the type.
func wantProblem(t *testing.T, what string, code int, body string, status int, kind string) {
	t.Helper()
	var p Problem
	if code != status || json.Unmarshal([]byte(body), &p) != nil || p.Status != status {
		t.Fatalf("%s: %d %s, want %d problem details", what, code, body, status)
	}
	if kind != "" && p.Type != ProblemBase+kind {
		t.Fatalf("%s: type %s, want %s (%s)", what, p.Type, ProblemBase+kind, body)
	}
}

// A push to a name that is a folder but not a repository -- a group
// folder, a folder inside a repository, an empty folder, a file -- is
// refused with 422 and changes nothing under the root, whether it would
// have created the repository or been refused later (a stale "old" gave
// 409, and the clean-up of old removed the whole folder).
func TestPushToFolderThatIsNotARepository(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	root := s.cfg.Root
	mustPush(t, url+"/g/r", "in the group\n")
	proj := mustPush(t, url+"/proj", "project\n")
	// A group folder holding repositories named like a repository's
	// parts is still a group folder.
	for _, n := range []string{"HEAD", "objects", "refs"} {
		mustPush(t, url+"/g2/"+n, n+"\n")
	}
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "file"), []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := dirState(t, root)
	objs, c := seedCommit("hostile\n")
	pack := buildPack(objs...)
	for _, name := range []string{"g", "g2", "proj/objects", "proj/refs", "proj/new", "proj/objects.git", "empty", "file", "file/x"} {
		for _, old := range []plumbing.Hash{proj, plumbing.ZeroHash} {
			code, body := pushRaw(t, url+"/"+name, update("refs/heads/main", old, c), pack)
			wantProblem(t, fmt.Sprintf("push to %s (old %s)", name, old), code, body, 422, "not-a-repository")
			if after := dirState(t, root); after != before {
				t.Fatalf("refused push to %s changed the root:\nbefore:\n%s\nafter:\n%s", name, before, after)
			}
		}
	}
	for _, dir := range []string{"g/r", "proj", "g2/HEAD", "g2/objects", "g2/refs"} {
		git(t, filepath.Join(root, dir), "fsck", "--strict")
	}
	// A name inside a repository names no repository for reading either.
	for _, name := range []string{"proj/objects", "g2"} {
		resp, err := http.Get(url + "/" + name + "/refs")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Fatalf("GET %s/refs: %d, want 404", name, resp.StatusCode)
		}
	}
}

// A refused push to a new name leaves nothing at all: no repository, no
// group folder it made, no temporary folder. One that goes through
// creates the repository whole.
func TestRefusedPushCreatesNothing(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	root := s.cfg.Root
	mustPush(t, url+"/keep/a", "a\n")
	before := dirState(t, root)
	objs, c := seedCommit("new\n")
	pack := buildPack(objs...)
	stale := plumbing.NewHash(strings.Repeat("1", 40))
	for _, name := range []string{"fresh", "newgroup/fresh", "keep/fresh"} {
		// A stale old: the repository has no main (409 after the pack
		// was received and checked).
		code, body := pushRaw(t, url+"/"+name, update("refs/heads/main", stale, c), pack)
		wantProblem(t, "stale push to "+name, code, body, 409, "ref-moved")
		// No branch: a new repository starts with one.
		code, body = pushRaw(t, url+"/"+name, update("refs/tags/v1", plumbing.ZeroHash, c), pack)
		wantProblem(t, "tag-only push to "+name, code, body, 404, "not-found")
		if after := dirState(t, root); after != before {
			t.Fatalf("refused push to %s left:\nbefore:\n%s\nafter:\n%s", name, before, after)
		}
	}
	for _, name := range []string{"fresh", "newgroup/fresh", "keep/fresh"} {
		code, body := pushRaw(t, url+"/"+name, update("refs/heads/main", plumbing.ZeroHash, c), pack)
		if code != 200 || !strings.Contains(body, `"created":true`) {
			t.Fatalf("push creating %s: %d %s", name, code, body)
		}
		dir := filepath.Join(root, filepath.FromSlash(name))
		git(t, dir, "fsck", "--strict")
		if got := git(t, dir, "rev-parse", "refs/heads/main"); got != c.String() {
			t.Fatalf("%s: main at %s, want %s", name, got, c)
		}
	}
	left, _ := filepath.Glob(filepath.Join(root, ".easel-init-*"))
	more, _ := filepath.Glob(filepath.Join(root, "*", ".easel-init-*"))
	if len(left)+len(more) > 0 {
		t.Fatalf("temporary folders left: %v %v", left, more)
	}
}
