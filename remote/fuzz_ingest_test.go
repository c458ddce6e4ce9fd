package remote

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// twoPushUniverse is a small history every object of which a fuzzed push
// may carry or leave out: blobs, trees (one nested), commits (a merge
// among them) and an annotated tag.
type twoPushUniverse struct {
	objs    []pobj
	ids     []plumbing.Hash
	commits []int // positions in objs
	tag     int
}

func newTwoPushUniverse() *twoPushUniverse {
	u := &twoPushUniverse{}
	add := func(typ int, data []byte) plumbing.Hash {
		name := map[int]string{pkCommit: "commit", pkTree: "tree", pkBlob: "blob", 4: "tag"}[typ]
		u.objs = append(u.objs, pobj{typ: typ, data: data, declared: -1})
		id := objID(name, data)
		u.ids = append(u.ids, id)
		return id
	}
	var b [4]plumbing.Hash
	for i := range b {
		b[i] = add(pkBlob, []byte(fmt.Sprintf("content %d\n", i)))
	}
	t0 := add(pkTree, rawTreeData(tent{"100644", "a", b[0]}))
	t1 := add(pkTree, rawTreeData(tent{"100644", "a", b[1]}, tent{"40000", "d", t0}))
	t2 := add(pkTree, rawTreeData(tent{"100644", "b", b[2]}))
	t3 := add(pkTree, rawTreeData(tent{"100644", "a", b[3]}, tent{"40000", "d", t2}))
	commit := func(tree plumbing.Hash, parents ...plumbing.Hash) plumbing.Hash {
		u.commits = append(u.commits, len(u.objs))
		return add(pkCommit, commitData(tree, parents...))
	}
	c0 := commit(t0)
	c1 := commit(t1, c0)
	c2 := commit(t2, c0)
	c3 := commit(t3, c1, c2)
	commit(t2) // a second root
	u.tag = len(u.objs)
	add(4, []byte(fmt.Sprintf("object %s\ntype commit\ntag v1\ntagger A <a@example.com> 1700000000 +0000\n\nv1\n", c3)))
	return u
}

// pack is the objects whose bits are set in mask (bit i: object i), with
// object dup sent twice when dup < len(objs).
func (u *twoPushUniverse) pack(mask uint32, dup byte) []byte {
	var objs []pobj
	for i, o := range u.objs {
		if mask&(1<<i) != 0 {
			objs = append(objs, o)
			if int(dup) == i {
				objs = append(objs, o)
			}
		}
	}
	if len(objs) == 0 {
		return nil
	}
	return buildPack(objs...)
}

// Sequences of two pushes to a fresh repository: the first carries any
// subset of a small history and sets main to any of its commits; the
// second carries any subset (often nothing: it names what the first left
// behind) and creates or moves a branch or a tag. Whatever is accepted,
// every ref's closure is complete afterwards, and the repository and its
// packs pass git's fsck --strict and verify-pack; no answer is a 5xx.
func FuzzTwoPushes(f *testing.F) {
	if _, err := exec.LookPath("git"); err != nil {
		f.Skip("git not installed")
	}
	u := newTwoPushUniverse()
	all := uint32(1)<<len(u.objs) - 1
	without := func(ids ...int) uint32 {
		m := all
		for _, i := range ids {
			m &^= 1 << i
		}
		return m
	}
	// Seeds: everything at once; the attack of a commit left behind
	// without its tree (object 5, t1) and named later; a duplicate.
	f.Add(all, byte(0), uint32(0), byte(3), byte(0xff))
	f.Add(without(5), byte(0), uint32(0), byte(1), byte(0xff))
	f.Add(without(5, 6), byte(0), uint32(1<<5), byte(3), byte(0xff))
	f.Add(all, byte(0), uint32(0), byte(0x20|3), byte(2))
	f.Add(all, byte(2), uint32(0), byte(0x40), byte(0xff))

	root := f.TempDir()
	s, err := NewServer(Config{Root: root, MaxObjectBytes: 1 << 20, MaxDeltaDepth: 8})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	post := func(name string, hdr PushHeader, pack []byte) *httptest.ResponseRecorder {
		var body bytes.Buffer
		fmt.Fprintf(&body, `{"updates":[{"ref":%q,"old":%q,"new":%q}]}`+"\n", hdr.Updates[0].Ref, hdr.Updates[0].Old, hdr.Updates[0].New)
		body.Write(pack)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/"+name+"/push", &body)
		req.Header.Set("Content-Type", MediaPush)
		h.ServeHTTP(rec, req)
		return rec
	}
	var n atomic.Int64
	f.Fuzz(func(t *testing.T, mask1 uint32, target1 byte, mask2 uint32, op2 byte, dup byte) {
		name := fmt.Sprintf("r%d", n.Add(1))
		dir := filepath.Join(root, name)
		c1 := u.ids[u.commits[int(target1)%len(u.commits)]]
		rec := post(name, update("refs/heads/main", plumbing.ZeroHash, c1), u.pack(mask1&all, dup))
		if rec.Code >= 500 {
			t.Fatalf("first push: %d %s", rec.Code, rec.Body)
		}
		if rec.Code != 200 {
			return // refused: nothing was created (FuzzPushBody checks that)
		}
		check := func(when string) {
			if out, err := exec.Command("git", "-C", dir, "rev-list", "--objects", "--all").CombinedOutput(); err != nil {
				t.Fatalf("%s: a ref's closure is incomplete: %v\n%s", when, err, out)
			}
			if out, err := exec.Command("git", "-C", dir, "fsck", "--strict", "--no-progress").CombinedOutput(); err != nil {
				t.Fatalf("%s: git fsck --strict: %v\n%s", when, err, out)
			}
			packs, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.idx"))
			for _, p := range packs {
				if out, err := exec.Command("git", "-C", dir, "verify-pack", p).CombinedOutput(); err != nil {
					t.Fatalf("%s: git verify-pack: %v\n%s", when, err, out)
				}
			}
		}
		check("after the first push")
		// The second push: a branch (new, or main moved) or the tag.
		var hdr PushHeader
		c2 := u.ids[u.commits[int(op2&0x1f)%len(u.commits)]]
		switch op2 >> 5 {
		case 1:
			hdr = update("refs/heads/main", c1, c2)
		case 2:
			hdr = update("refs/tags/v1", plumbing.ZeroHash, u.ids[u.tag])
		default:
			hdr = update("refs/heads/other", plumbing.ZeroHash, c2)
		}
		rec = post(name, hdr, u.pack(mask2&all, dup))
		if rec.Code >= 500 {
			t.Fatalf("second push: %d %s", rec.Code, rec.Body)
		}
		check(fmt.Sprintf("after the second push (%d)", rec.Code))
	})
}
