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
		t.Fatalf("%s: %d %.300s, want %d problem details", what, code, body, status)
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

// Ref names a push may not use are refused with 4xx problem details before
// anything touches the disk: no ref, no folder under refs/, no pack. Too
// long (a component whose lock file is over 255 bytes was a 500), too deep (a 3 KB name made
// 1,500 folders), a file and a folder at once (a 500 that left a folder
// behind), names git refuses for branches and tags, and names with
// invisible characters.
func TestPushRefNamesRefused(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	rurl := url + "/names"
	base := mustPush(t, rurl, "names\n")
	dir := filepath.Join(s.cfg.Root, "names")
	create := func(ref string) (int, string) {
		return pushRaw(t, rurl, update(ref, plumbing.ZeroHash, base), buildPack())
	}
	for _, ref := range []string{"refs/heads/q/r", "refs/heads/packed/x"} {
		if code, body := create(ref); code != 200 {
			t.Fatalf("create %s: %d %s", ref, code, body)
		}
	}
	// Refs packed into packed-refs count as much as loose ones.
	git(t, dir, "pack-refs", "--all")
	if code, body := create("refs/heads/loose/y"); code != 200 {
		t.Fatalf("create loose ref: %d %s", code, body)
	}

	long := strings.Repeat("a", 251) // with ".lock", one byte over 255
	deep := strings.TrimSuffix(strings.Repeat("a/", maxRefDepth-2), "/") // with refs/heads/: the limit
	bad := map[string]string{
		"component of 251 bytes": "refs/heads/" + long,
		"component of 256 bytes": "refs/heads/" + long + "aaaaa",
		"3 KB of components":     "refs/heads/" + strings.TrimSuffix(strings.Repeat("a/", 1500), "/"),
		"33 components":          "refs/heads/" + deep + "/b",
		"over 1024 bytes":        "refs/heads/" + strings.Repeat(strings.Repeat("b", 200)+"/", 5) + strings.Repeat("c", 20),
		"HEAD branch":            "refs/heads/HEAD",
		"HEAD tag":               "refs/tags/HEAD",
		"dash branch":            "refs/heads/-x",
		"dash tag":               "refs/tags/-v1",
		"@ branch":               "refs/heads/@",
		"object id branch":       "refs/heads/" + base.String(),
		"right-to-left override": "refs/heads/main\u202egpj.exe",
		"left-to-right isolate":  "refs/heads/a\u2066b",
		"zero width joiner":      "refs/heads/ma\u200din",
		"zero width space":       "refs/heads/ma\u200bin",
		"byte order mark":        "refs/heads/\ufeffmain",
		"no-break space":         "refs/heads/a\u00a0b",
		"C1 control":             "refs/heads/a\u0085b",
		"line separator":         "refs/heads/a\u2028b",
		"private use":            "refs/heads/a\ue000b",
		"replacement character":  "refs/heads/a\ufffdb",
		"soft hyphen":            "refs/heads/ma\u00adin",
	}
	// Folder and file at once, against refs that exist (loose and packed)
	// and within one push.
	conflicts := map[string][]string{
		"below an existing ref":        {"refs/heads/main/sub"},
		"below a packed ref":           {"refs/heads/packed/x/deeper"},
		"above an existing ref":        {"refs/heads/q"},
		"above a loose ref":            {"refs/heads/loose"},
		"above a packed ref":           {"refs/heads/packed"},
		"q and q/r in one push":        {"refs/heads/n", "refs/heads/n/r"},
		"q/r and q in one push":        {"refs/tags/t/r", "refs/tags/t"},
		"deep below an existing ref":   {"refs/heads/main/a/b/c"},
		"branch and tag folders clash": {"refs/tags/x", "refs/tags/x/y/z"},
	}
	before := dirState(t, dir)
	for what, ref := range bad {
		code, body := create(ref)
		wantProblem(t, what, code, body, 400, "bad-request")
		if after := dirState(t, dir); after != before {
			t.Fatalf("%s: refused push changed the repository:\nbefore:\n%s\nafter:\n%s", what, before, after)
		}
	}
	for what, refs := range conflicts {
		var h PushHeader
		for _, ref := range refs {
			h.Updates = append(h.Updates, RefCommand{Ref: ref, Old: plumbing.ZeroHash.String(), New: base.String()})
		}
		code, body := pushRaw(t, rurl, h, buildPack())
		wantProblem(t, what, code, body, 422, "ref-name-conflict")
		if after := dirState(t, dir); after != before {
			t.Fatalf("%s: refused push changed the repository:\nbefore:\n%s\nafter:\n%s", what, before, after)
		}
	}
	git(t, dir, "fsck", "--strict")
	// The limits are limits, not bans.
	for _, ref := range []string{"refs/heads/" + long[:250], "refs/heads/" + deep, "refs/heads/café/ünïcode", "refs/heads/feature/x-1", "refs/tags/v1.0"} {
		if code, body := create(ref); code != 200 {
			t.Fatalf("create %q: %d %s", ref, code, body)
		}
	}
	// And a folder freed by deleting its ref can hold a ref again.
	del := PushHeader{Updates: []RefCommand{{Ref: "refs/heads/q/r", Old: base.String(), New: plumbing.ZeroHash.String()}}}
	if code, body := pushRaw(t, rurl, del, buildPack()); code != 200 {
		t.Fatalf("delete q/r: %d %s", code, body)
	}
	if code, body := create("refs/heads/q"); code != 200 {
		t.Fatalf("create q after q/r went: %d %s", code, body)
	}
	git(t, dir, "fsck", "--strict")
}
