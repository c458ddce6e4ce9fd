package remote

import (
	"bufio"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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

	long := strings.Repeat("a", 251)                                     // with ".lock", one byte over 255
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

// fetchRaw posts a fetch request and returns the status, the object count
// the server announces and the body.
func fetchRaw(t *testing.T, url string, req FetchRequest) (int, string, []byte) {
	t.Helper()
	data, _ := json.Marshal(req)
	resp, err := http.Post(url+"/fetch", MediaJSON, strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Easel-Objects"), body
}

func ids(hs ...plumbing.Hash) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.String())
	}
	return out
}

// A fetch gets only what the advertised branches and tags lead to: a blob,
// tree or commit of a deleted branch (a secret pushed by mistake) is not
// served by id, and the answer is the same as for an id the server never
// had. Config.AllowAnyWant serves any stored object, as before.
func TestFetchWantsMustBeReachable(t *testing.T) {
	needGit(t)
	for _, allowAny := range []bool{false, true} {
		t.Run(fmt.Sprintf("AllowAnyWant=%v", allowAny), func(t *testing.T) {
			url, _ := startServer(t, Config{AllowAnyWant: allowAny})
			rurl := url + "/r"
			first := mustPush(t, rurl, "public\n")
			// A second commit on main: first is reachable, not a tip.
			pub2 := []byte("public 2\n")
			tree2 := rawTreeData(tent{"100644", "README", objID("blob", pub2)})
			objs, main := commitWithTree(first, tree2, pobj{typ: pkBlob, data: pub2, declared: -1})
			if code, body := pushRaw(t, rurl, update("refs/heads/main", first, main), buildPack(objs...)); code != 200 {
				t.Fatalf("push main: %d %s", code, body)
			}
			// An annotated tag on a commit no branch holds.
			tagged := []byte("tagged\n")
			objs, tc := commitWithTree(plumbing.ZeroHash, rawTreeData(tent{"100644", "T", objID("blob", tagged)}), pobj{typ: pkBlob, data: tagged, declared: -1})
			tagData := []byte("object " + tc.String() + "\ntype commit\ntag v1\ntagger A <a@example.com> 1700000000 +0000\n\nv1\n")
			tag := objID("tag", tagData)
			objs = append(objs, pobj{typ: 4, data: tagData, declared: -1})
			if code, body := pushRaw(t, rurl, update("refs/tags/v1", plumbing.ZeroHash, tag), buildPack(objs...)); code != 200 {
				t.Fatalf("push tag: %d %s", code, body)
			}
			// A secret on a branch, then the branch deleted.
			secret := []byte("password=hunter2\n")
			sblob := objID("blob", secret)
			stree := rawTreeData(tent{"100644", "README", objID("blob", pub2)}, tent{"100644", "secret", sblob})
			objs, sc := commitWithTree(main, stree, pobj{typ: pkBlob, data: secret, declared: -1})
			if code, body := pushRaw(t, rurl, update("refs/heads/oops", plumbing.ZeroHash, sc), buildPack(objs...)); code != 200 {
				t.Fatalf("push secret: %d %s", code, body)
			}
			if code, body := pushRaw(t, rurl, update("refs/heads/oops", sc, plumbing.ZeroHash), buildPack()); code != 200 {
				t.Fatalf("delete secret branch: %d %s", code, body)
			}
			never := objID("blob", []byte("never stored\n"))
			for _, c := range []struct {
				what  string
				wants []plumbing.Hash
				ok    bool // served even without AllowAnyWant
			}{
				{"the branch tip", []plumbing.Hash{main}, true},
				{"an ancestor of a tip", []plumbing.Hash{first}, true},
				{"the annotated tag", []plumbing.Hash{tag}, true},
				{"the commit the tag names", []plumbing.Hash{tc}, true},
				{"tip and ancestor, repeated", []plumbing.Hash{main, first, main, first}, true},
				{"the deleted branch's commit", []plumbing.Hash{sc}, false},
				{"the deleted branch's tree", []plumbing.Hash{objID("tree", stree)}, false},
				{"the secret blob", []plumbing.Hash{sblob}, false},
				{"the secret blob after a good want", []plumbing.Hash{main, sblob}, false},
				{"a blob of a tip's tree", []plumbing.Hash{objID("blob", pub2)}, false},
			} {
				code, n, body := fetchRaw(t, rurl, FetchRequest{Wants: ids(c.wants...)})
				if c.ok || allowAny {
					if code != 200 {
						t.Fatalf("%s: %d %s", c.what, code, body)
					}
					continue
				}
				wantProblem(t, c.what, code, string(body), 422, "missing-object")
				_ = n
			}
			// Never stored: the same answer as unreachable, always.
			code, _, body := fetchRaw(t, rurl, FetchRequest{Wants: ids(never)})
			wantProblem(t, "an id never stored", code, string(body), 422, "missing-object")
			if allowAny {
				// The secret blob really is served: the pack holds it.
				code, n, body := fetchRaw(t, rurl, FetchRequest{Wants: ids(sblob)})
				if code != 200 || n != "1" || !strings.HasPrefix(string(body), "PACK") {
					t.Fatalf("any want: %d %s objects", code, n)
				}
			}
		})
	}
}

// The wants of a fetch are capped (413 too-many-wants) and duplicates are
// served once; 190,000 copies of one id cost 2 s of CPU before.
func TestFetchWantsCapped(t *testing.T) {
	needGit(t)
	url, _ := startServer(t, Config{})
	rurl := url + "/r"
	c := mustPush(t, rurl, "x\n")
	many := make([]string, maxWants+1)
	for i := range many {
		many[i] = c.String()
	}
	code, _, body := fetchRaw(t, rurl, FetchRequest{Wants: many})
	wantProblem(t, "too many wants", code, string(body), 413, "too-many-wants")
	code, n, body := fetchRaw(t, rurl, FetchRequest{Wants: many[:maxWants]})
	if code != 200 || n != "3" {
		t.Fatalf("%d copies of one want: %d, %s objects, %.200s", maxWants, code, n, body)
	}
}

// A server without tokens ignores any Authorization header, whatever its
// scheme, as docs/protocol.md says (Basic credentials got 401).
func TestOpenServerIgnoresCredentials(t *testing.T) {
	needGit(t)
	url, _ := startServer(t, Config{})
	objs, c := seedCommit("open\n")
	pack := buildPack(objs...)
	for _, auth := range []string{"Basic dXNlcjpwYXNz", "Bearer whatever", "Bearer", "Negotiate abc", "garbage"} {
		var body strings.Builder
		json.NewEncoder(&body).Encode(update("refs/heads/main", plumbing.ZeroHash, c))
		body.Write(pack)
		req, _ := http.NewRequest("POST", url+"/open/push", strings.NewReader(body.String()))
		req.Header.Set("Content-Type", MediaPush)
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		// The first push creates main; the others find it there (409):
		// either way the credentials were not what decided.
		if resp.StatusCode != 200 && resp.StatusCode != 409 {
			t.Fatalf("push with Authorization %q: %d %s", auth, resp.StatusCode, data)
		}
		req, _ = http.NewRequest("GET", url+"/open/refs", nil)
		req.Header.Set("Authorization", auth)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("refs with Authorization %q: %d", auth, resp.StatusCode)
		}
	}
}

// One client holding connections (idle keep-alive ones count) cannot lock
// others out: past MaxClientConnections its new connections get 429 with
// problem details and Retry-After, while another client is served.
func TestPerClientConnectionCap(t *testing.T) {
	const max, perClient = 8, 2
	url, _ := startServer(t, Config{MaxConnections: max, MaxClientConnections: perClient})
	addr := strings.TrimPrefix(url, "http://")
	// The other client: another loopback address (Linux routes all of
	// 127/8 to lo).
	other := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 5 * time.Second}
	probe, err := other.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot connect from 127.0.0.2 here: %v", err)
	}
	probe.Close()
	get := func(c net.Conn) (*http.Response, []byte) {
		t.Helper()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, data
	}
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	// The greedy client tries to take every slot and keep them idle.
	ok, refused := 0, 0
	for range max {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		resp, data := get(c)
		switch resp.StatusCode {
		case 200:
			ok++
		case 429:
			refused++
			var p Problem
			if resp.Header.Get("Retry-After") == "" || resp.Header.Get("Content-Type") != MediaProblem ||
				json.Unmarshal(data, &p) != nil || p.Status != 429 || p.Type != ProblemBase+"too-many-connections" {
				t.Fatalf("over the per-client cap: %v %q", resp.Header, data)
			}
		default:
			t.Fatalf("greedy client: %d %s", resp.StatusCode, data)
		}
	}
	if ok != perClient || refused != max-perClient {
		t.Fatalf("greedy client: %d served, %d refused; want %d and %d", ok, refused, perClient, max-perClient)
	}
	// Everyone else is still served, up to their own cap.
	for range perClient {
		c, err := other.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if resp, data := get(c); resp.StatusCode != 200 {
			t.Fatalf("another client while the greedy one holds its share: %d %s", resp.StatusCode, data)
		}
	}
	// A slot the greedy client gives back is its own again.
	held[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		resp, _ := get(c)
		if resp.StatusCode == 200 {
			held = append(held, c)
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("slot not freed after the client hung up: %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestClientKey(t *testing.T) {
	for addr, want := range map[string]string{
		"192.0.2.7:1234":             "192.0.2.7",
		"[::ffff:192.0.2.7]:1":       "192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:3::1]:443":      "2001:db8:1:3::/64",
	} {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := clientKey(a); got != want {
			t.Errorf("clientKey(%s) = %s, want %s", addr, got, want)
		}
	}
}

// Every problem type the server sends is in docs/protocol.md's table of
// errors, with its status, and the table lists no type the server never
// sends. (An oversized object was object-too-large while the table said
// too-large.)
func TestProblemTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| (\\d{3}) \\| `([a-z-]+)` \\|")
	documented := map[string]map[string]bool{} // kind -> statuses
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		if documented[m[2]] == nil {
			documented[m[2]] = map[string]bool{}
		}
		documented[m[2]][m[1]] = true
	}
	if len(documented) < 10 {
		t.Fatalf("found only %d rows in docs/protocol.md's table of errors", len(documented))
	}
	// How the code names a problem type: ProblemBase + "kind", the
	// helpers that take a kind, and the hand-written connection refusals.
	uses := regexp.MustCompile(`ProblemBase \+ [` + "`" + `"]([a-z-]+)|(?:badRequest|unprocessable)\(w, r, "([a-z-]+)"|conflict\(u, [\w.]+, "([a-z-]+)"|refusal\((\d{3}), "[^"]*", "([a-z-]+)"`)
	files, _ := filepath.Glob("*.go")
	sent := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(src), -1) {
			kind := m[1] + m[2] + m[3] + m[5]
			sent[kind] = true
			if documented[kind] == nil {
				t.Errorf("%s sends problem type %q, which docs/protocol.md's table of errors does not list", f, kind)
			}
			if m[4] != "" && !documented[kind][m[4]] {
				t.Errorf("%s sends %q with status %s; the table says %v", f, kind, m[4], documented[kind])
			}
		}
	}
	for kind := range documented {
		if !sent[kind] {
			t.Errorf("docs/protocol.md lists problem type %q, which the server never sends", kind)
		}
	}
}

// The last step of creating a repository, the rename into place, never
// replaces what appeared there meanwhile, not even an empty folder, and
// the refused creation removes only its own temporary folder.
func TestNewRepositoryNeverReplaces(t *testing.T) {
	root := t.TempDir()
	s, err := NewServer(Config{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"empty", "g/full"} {
		dir := filepath.Join(root, filepath.FromSlash(name))
		nr, rp, err := s.startRepo(t.Context(), name, dir, "main")
		if err != nil {
			t.Fatal(err)
		}
		rp.Close()
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if name == "g/full" {
			os.WriteFile(filepath.Join(dir, "data"), []byte("keep\n"), 0o644)
		}
		before := dirState(t, dir)
		if err := nr.publish(); err != errPlaceTaken {
			t.Fatalf("%s: publish onto a folder that appeared: %v, want errPlaceTaken", name, err)
		}
		if after := dirState(t, dir); after != before {
			t.Fatalf("%s: changed:\n%s\nafter:\n%s", name, before, after)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".easel-init-*")); len(left) > 0 {
			t.Fatalf("%s: temporary folder left: %v", name, left)
		}
	}
	// The fallback used where renameat2 is not available refuses too.
	old, place := filepath.Join(root, "old"), filepath.Join(root, "place")
	os.Mkdir(old, 0o755)
	os.Mkdir(place, 0o755)
	if err := renameNoReplaceChecked(old, place); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("checked rename onto an empty folder: %v", err)
	}
	if err := renameNoReplace(old, place); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("rename onto an empty folder: %v", err)
	}
}

// Pushes creating repositories in one new group at the same time, half of
// them refused: each refused one removes only what it made (the group
// folder only while empty), and every accepted one is there, whole.
func TestConcurrentCreationsInOneGroup(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	const n = 8
	stale := plumbing.NewHash(strings.Repeat("2", 40))
	codes := make([]int, 2*n)
	bodies := make([]string, 2*n)
	done := make(chan struct{})
	for i := range 2 * n {
		go func() {
			defer func() { done <- struct{}{} }()
			objs, c := seedCommit(fmt.Sprintf("repo %d\n", i))
			old := plumbing.ZeroHash
			if i%2 == 1 {
				old = stale
			}
			codes[i], bodies[i] = pushRaw(t, fmt.Sprintf("%s/grp/r%d", url, i), update("refs/heads/main", old, c), buildPack(objs...))
		}()
	}
	for range 2 * n {
		<-done
	}
	for i := range 2 * n {
		dir := filepath.Join(s.cfg.Root, "grp", fmt.Sprintf("r%d", i))
		if i%2 == 1 {
			if codes[i] != 409 {
				t.Fatalf("stale push %d: %d %s", i, codes[i], bodies[i])
			}
			if _, err := os.Lstat(dir); err == nil {
				t.Fatalf("refused push %d left %s", i, dir)
			}
			continue
		}
		if codes[i] != 200 {
			t.Fatalf("push %d: %d %s", i, codes[i], bodies[i])
		}
		git(t, dir, "fsck", "--strict")
	}
	if left, _ := filepath.Glob(filepath.Join(s.cfg.Root, "grp", ".easel-init-*")); len(left) > 0 {
		t.Fatalf("temporary folders left: %v", left)
	}
}
