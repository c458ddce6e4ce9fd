package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"
)

// objset builds raw objects in memory so tests can push what no honest
// client would.
type objset struct{ st *memory.Storage }

func newObjset() *objset { return &objset{memory.NewStorage()} }

func (o *objset) add(t *testing.T, typ plumbing.ObjectType, data []byte) plumbing.Hash {
	t.Helper()
	obj := o.st.NewEncodedObject()
	obj.SetType(typ)
	w, _ := obj.Writer()
	w.Write(data)
	w.Close()
	h, err := o.st.SetEncodedObject(obj)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func treeEntry(mode, name string, h plumbing.Hash) []byte {
	return append([]byte(mode+" "+name+"\x00"), h[:]...)
}

func (o *objset) commit(t *testing.T, tree plumbing.Hash, parents ...plumbing.Hash) plumbing.Hash {
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", tree)
	for _, p := range parents {
		fmt.Fprintf(&b, "parent %s\n", p)
	}
	b.WriteString("author A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\nmsg\n")
	return o.add(t, plumbing.CommitObject, []byte(b.String()))
}

func (o *objset) pack(t *testing.T, hashes ...plumbing.Hash) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := WritePack(context.Background(), &buf, o.st, hashes); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func rawPush(t *testing.T, url, token string, updates []RefCommand, pack []byte) (int, *Problem) {
	t.Helper()
	hdr, _ := json.Marshal(PushHeader{Updates: updates})
	body := append(append(hdr, '\n'), pack...)
	req, _ := http.NewRequest(http.MethodPost, url+"/push", bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 {
		return 200, nil
	}
	var p Problem
	if ct := resp.Header.Get("Content-Type"); ct != MediaProblem {
		t.Fatalf("status %d with Content-Type %q, want %s", resp.StatusCode, ct, MediaProblem)
	}
	if err := json.Unmarshal(data, &p); err != nil || p.Status != resp.StatusCode || p.Type == "" || p.Title == "" {
		t.Fatalf("bad problem body %q: %v", data, err)
	}
	return resp.StatusCode, &p
}

const zero = "0000000000000000000000000000000000000000"

// Every malformed or unsafe push is refused with a 4xx and leaves refs and
// objects exactly as they were, with no quarantine left behind.
func TestBadPushesChangeNothing(t *testing.T) {
	needGit(t)
	pinEnv(t)
	url, s := startServer(t, Config{MaxPushBytes: 64 << 10})

	// A repository with one good commit to build on.
	good := newObjset()
	blob := good.add(t, plumbing.BlobObject, []byte("hello\n"))
	tree := good.add(t, plumbing.TreeObject, treeEntry("100644", "hello.txt", blob))
	base := good.commit(t, tree)
	if code, p := rawPush(t, url+"/bad", "", []RefCommand{{Ref: "refs/heads/main", Old: zero, New: base.String()}}, good.pack(t, blob, tree, base)); code != 200 {
		t.Fatalf("good push: %d %+v", code, p)
	}
	dir := filepath.Join(s.cfg.Root, "bad")

	next := func(o *objset, treeData []byte) (plumbing.Hash, []plumbing.Hash) {
		tr := o.add(t, plumbing.TreeObject, treeData)
		c := o.commit(t, tr, base)
		return c, []plumbing.Hash{tr, c}
	}
	type tc struct {
		name  string
		build func() (plumbing.Hash, []byte)
		codes []int
	}
	cases := []tc{
		{"truncated pack", func() (plumbing.Hash, []byte) {
			o := newObjset()
			b := o.add(t, plumbing.BlobObject, []byte("new content\n"))
			c, hs := next(o, treeEntry("100644", "f", b))
			p := o.pack(t, append(hs, b)...)
			return c, p[:len(p)-25]
		}, []int{400}},
		{"corrupt pack", func() (plumbing.Hash, []byte) {
			o := newObjset()
			b := o.add(t, plumbing.BlobObject, []byte("new content\n"))
			c, hs := next(o, treeEntry("100644", "f", b))
			p := o.pack(t, append(hs, b)...)
			p[len(p)/2] ^= 0xff
			return c, p
		}, []int{400}},
		{"garbage after the pack", func() (plumbing.Hash, []byte) {
			o := newObjset()
			c, hs := next(o, treeEntry("100644", "hello.txt", blob))
			return c, append(o.pack(t, hs...), "trailing"...)
		}, []int{400}},
		{"not a pack", func() (plumbing.Hash, []byte) {
			return base, []byte("this is not a packfile at all, not even close")
		}, []int{400}},
		{"missing object", func() (plumbing.Hash, []byte) {
			o := newObjset()
			missing := o.add(t, plumbing.BlobObject, []byte("never sent\n"))
			c, hs := next(o, treeEntry("100644", "f", missing))
			return c, o.pack(t, hs...)
		}, []int{422}},
		{"commit not in the pack", func() (plumbing.Hash, []byte) {
			o := newObjset()
			c, _ := next(o, treeEntry("100644", "hello.txt", blob))
			return c, newObjset().pack(t)
		}, []int{422}},
		{"tree entry ..", func() (plumbing.Hash, []byte) {
			o := newObjset()
			c, hs := next(o, treeEntry("100644", "..", blob))
			return c, o.pack(t, hs...)
		}, []int{422}},
		{"tree entry .git", func() (plumbing.Hash, []byte) {
			o := newObjset()
			c, hs := next(o, treeEntry("100644", ".git", blob))
			return c, o.pack(t, hs...)
		}, []int{422}},
		{"subtree .GIT", func() (plumbing.Hash, []byte) {
			o := newObjset()
			sub := o.add(t, plumbing.TreeObject, treeEntry("100644", "config", blob))
			c, hs := next(o, treeEntry("40000", ".GIT", sub))
			return c, o.pack(t, append(hs, sub)...)
		}, []int{422}},
		{"too large", func() (plumbing.Hash, []byte) {
			o := newObjset()
			big := make([]byte, 200<<10)
			rnd := rand.New(rand.NewPCG(1, 2))
			for i := range big {
				big[i] = byte(rnd.Uint32())
			}
			b := o.add(t, plumbing.BlobObject, big)
			c, hs := next(o, treeEntry("100644", "big", b))
			return c, o.pack(t, append(hs, b)...)
		}, []int{413}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t, dir)
			id, pack := c.build()
			code, p := rawPush(t, url+"/bad", "", []RefCommand{{Ref: "refs/heads/main", Old: base.String(), New: id.String()}}, pack)
			ok := false
			for _, want := range c.codes {
				ok = ok || code == want
			}
			if !ok {
				t.Fatalf("status %d (%+v), want %v", code, p, c.codes)
			}
			if after := snapshot(t, dir); after != before {
				t.Fatalf("refused push changed the repository:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	// Nothing of a refused push to a new name creates the repository.
	o := newObjset()
	c, hs := next(o, treeEntry("100644", "..", blob))
	if code, _ := rawPush(t, url+"/newrepo", "", []RefCommand{{Ref: "refs/heads/main", Old: zero, New: c.String()}}, o.pack(t, hs...)); code != 422 {
		t.Fatalf("unsafe push to a new repository: %d", code)
	}
	if _, err := os.Stat(filepath.Join(s.cfg.Root, "newrepo")); !os.IsNotExist(err) {
		t.Fatalf("refused push created the repository: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(s.cfg.Root, ".incoming", "*")); len(left) > 0 {
		t.Fatalf("quarantine left behind: %v", left)
	}
	git(t, dir, "fsck", "--strict")
}

// Bad headers are 400s, and a ref update is checked before anything else.
func TestBadPushHeaders(t *testing.T) {
	url, _ := startServer(t, Config{})
	for _, body := range []string{
		"",
		"not json\n",
		`{"updates":[]}` + "\n",
		`{"updates":[{"ref":"refs/heads/../x","old":"` + zero + `","new":"` + strings.Repeat("1", 40) + `"}]}` + "\n",
		`{"updates":[{"ref":"HEAD","old":"` + zero + `","new":"` + strings.Repeat("1", 40) + `"}]}` + "\n",
		`{"updates":[{"ref":"refs/heads/x","old":"short","new":"` + strings.Repeat("1", 40) + `"}]}` + "\n",
	} {
		resp, err := http.Post(url+"/r/push", MediaPush, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("%q: status %d, want 400", body, resp.StatusCode)
		}
	}
}
