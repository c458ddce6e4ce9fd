package remote

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"easel.dev/easel/cmd/easel/easeltest"
)

// A tiny pack writer, independent of go-git's encoder, so that the tests
// can write what no well-behaved encoder would: wrong sizes, bad deltas,
// broken trailers.

const (
	pkCommit = 1
	pkTree   = 2
	pkBlob   = 3
	pkOfs    = 6
	pkRef    = 7
)

type pobj struct {
	typ      int
	data     []byte // what is deflated (delta instructions for deltas)
	declared int64  // size in the header; -1: len(data)
	ofsBase  int    // pkOfs: index of the base in the pack
	refBase  plumbing.Hash
	raw      []byte // when set, written instead of deflating data
}

func objID(typ string, data []byte) plumbing.Hash {
	h := sha1.New()
	fmt.Fprintf(h, "%s %d\x00", typ, len(data))
	h.Write(data)
	var id plumbing.Hash
	copy(id[:], h.Sum(nil))
	return id
}

func deflate(data []byte) []byte {
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// buildPack writes a version 2 pack of objs with a correct SHA-1 trailer.
func buildPack(objs ...pobj) []byte {
	var b bytes.Buffer
	b.WriteString("PACK")
	binary.Write(&b, binary.BigEndian, uint32(2))
	binary.Write(&b, binary.BigEndian, uint32(len(objs)))
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		size := o.declared
		if size < 0 {
			size = int64(len(o.data))
		}
		c := byte(o.typ<<4) | byte(size&15)
		size >>= 4
		for size > 0 {
			b.WriteByte(c | 0x80)
			c = byte(size & 0x7f)
			size >>= 7
		}
		b.WriteByte(c)
		switch o.typ {
		case pkOfs:
			off := uint64(offsets[i] - offsets[o.ofsBase])
			var enc []byte
			enc = append(enc, byte(off&0x7f))
			for off >>= 7; off > 0; off >>= 7 {
				off--
				enc = append([]byte{byte(0x80 | off&0x7f)}, enc...)
			}
			b.Write(enc)
		case pkRef:
			b.Write(o.refBase[:])
		}
		if o.raw != nil {
			b.Write(o.raw)
		} else {
			b.Write(deflate(o.data))
		}
	}
	sum := sha1.Sum(b.Bytes())
	b.Write(sum[:])
	return b.Bytes()
}

func blobObj(s string) pobj { return pobj{typ: pkBlob, data: []byte(s), declared: -1} }

type tent struct {
	mode, name string
	id         plumbing.Hash
}

func rawTreeData(ents ...tent) []byte {
	var b bytes.Buffer
	for _, e := range ents {
		b.WriteString(e.mode + " " + e.name + "\x00")
		b.Write(e.id[:])
	}
	return b.Bytes()
}

func commitData(tree plumbing.Hash, parents ...plumbing.Hash) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", tree)
	for _, p := range parents {
		if p.IsZero() {
			continue // a root commit
		}
		fmt.Fprintf(&b, "parent %s\n", p)
	}
	b.WriteString("author A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\nmsg\n")
	return []byte(b.String())
}

// delta encodes a git delta: source size, target size, then one insert
// of lit (at most 127 bytes) and copies given as (offset, size) pairs.
func delta(src, target uint64, lit []byte, copies ...[2]uint32) []byte {
	var b []byte
	b = binary.AppendUvarint(b, src)
	b = binary.AppendUvarint(b, target)
	if len(lit) > 0 {
		b = append(b, byte(len(lit)))
		b = append(b, lit...)
	}
	for _, c := range copies {
		b = append(b, 0x80|0x0f|0x30)
		b = binary.LittleEndian.AppendUint32(b, c[0])
		b = binary.LittleEndian.AppendUint16(b, uint16(c[1]))
	}
	return b
}

// pushRaw posts a push body (header line + pack) and returns the status
// and the body.
func pushRaw(t *testing.T, url string, header any, pack []byte) (int, string) {
	t.Helper()
	var body bytes.Buffer
	switch h := header.(type) {
	case string:
		body.WriteString(h)
	default:
		json.NewEncoder(&body).Encode(h)
	}
	body.Write(pack)
	resp, err := http.Post(url+"/push", MediaPush, &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func update(ref string, old, new plumbing.Hash) PushHeader {
	return PushHeader{Updates: []RefCommand{{Ref: ref, Old: old.String(), New: new.String()}}}
}

// commitWithTree wraps a raw tree (and the objects it needs) into a commit
// on top of parent and returns the pack objects and the commit id.
func commitWithTree(parent plumbing.Hash, tree []byte, extra ...pobj) ([]pobj, plumbing.Hash) {
	tid := objID("tree", tree)
	cdata := commitData(tid, parent)
	objs := append(extra, pobj{typ: pkTree, data: tree, declared: -1}, pobj{typ: pkCommit, data: cdata, declared: -1})
	return objs, objID("commit", cdata)
}

// Every push below is refused with a 4xx, and neither the refs nor the
// files under objects/ change (no pack, no leftover quarantine).
func TestHostilePushesRefused(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{MaxObjectBytes: 1 << 20, MaxPushBytes: 8 << 20})
	rurl := url + "/hostile"
	// A sound first commit to build on.
	blob := []byte("hello\n")
	bid := objID("blob", blob)
	tree := rawTreeData(tent{"100644", "README", bid})
	objs, base := commitWithTree(plumbing.ZeroHash, tree, pobj{typ: pkBlob, data: blob, declared: -1})
	if code, body := pushRaw(t, rurl, update("refs/heads/main", plumbing.ZeroHash, base), buildPack(objs...)); code != 200 {
		t.Fatalf("seed push: %d %s", code, body)
	}
	dir := filepath.Join(s.cfg.Root, "hostile")
	git(t, dir, "fsck", "--strict")

	badTree := func(ents ...tent) (any, []byte) {
		objs, c := commitWithTree(base, rawTreeData(ents...), pobj{typ: pkBlob, data: blob, declared: -1})
		return update("refs/heads/main", base, c), buildPack(objs...)
	}
	named := func(name string) func() (any, []byte) {
		return func() (any, []byte) { return badTree(tent{"100644", name, bid}) }
	}
	cases := map[string]func() (any, []byte){}
	for _, n := range []string{"..", ".", "", "a/b", "/etc", "a\x00b", ".git", ".GIT", ".Git", ".git.", ".git ", ".git. .", "git~1", "GIT~1", ".git\u200c", "a\\..\\.git"} {
		cases[fmt.Sprintf("name %q", n)] = named(n)
	}
	cases["dir named .git"] = func() (any, []byte) {
		sub := rawTreeData(tent{"100644", "config", bid})
		objs, c := commitWithTree(base, rawTreeData(tent{"40000", ".git", objID("tree", sub)}),
			pobj{typ: pkBlob, data: blob, declared: -1}, pobj{typ: pkTree, data: sub, declared: -1})
		return update("refs/heads/main", base, c), buildPack(objs...)
	}
	cases["duplicate entries"] = func() (any, []byte) {
		return badTree(tent{"100644", "a", bid}, tent{"100644", "a", bid})
	}
	cases["unsorted entries"] = func() (any, []byte) {
		return badTree(tent{"100644", "b", bid}, tent{"100644", "a", bid})
	}
	// Zero-padded modes are warnings in git's fsck, accepted: see
	// TestFsckWarningsAccepted.
	cases[".gitmodules climbing out"] = func() (any, []byte) {
		gm := []byte("[submodule \"x\"]\n\tpath = ../../outside\n\turl = https://example.com/x\n")
		objs, c := commitWithTree(base, rawTreeData(tent{"100644", ".gitmodules", objID("blob", gm)}),
			pobj{typ: pkBlob, data: gm, declared: -1})
		return update("refs/heads/main", base, c), buildPack(objs...)
	}
	cases[".gitmodules name climbing out"] = func() (any, []byte) {
		gm := []byte("[submodule \"../../x\"]\n\tpath = x\n\turl = https://example.com/x\n")
		objs, c := commitWithTree(base, rawTreeData(tent{"100644", ".GITMODULES", objID("blob", gm)}),
			pobj{typ: pkBlob, data: gm, declared: -1})
		return update("refs/heads/main", base, c), buildPack(objs...)
	}
	cases["commit with a null parent"] = func() (any, []byte) {
		cd := []byte(strings.Replace(string(commitData(objID("tree", tree), base)), "parent "+base.String(), "parent "+plumbing.ZeroHash.String(), 1))
		return update("refs/heads/main", base, objID("commit", cd)), buildPack(pobj{typ: pkCommit, data: cd, declared: -1})
	}
	cases["tree entry with the null id"] = func() (any, []byte) {
		return badTree(tent{"100644", "a", plumbing.ZeroHash})
	}
	cases["tree entry missing"] = func() (any, []byte) {
		return badTree(tent{"100644", "a", objID("blob", []byte("not sent"))})
	}
	cases["ref names an id not in the pack"] = func() (any, []byte) {
		objs, _ := commitWithTree(base, tree)
		return update("refs/heads/main", base, objID("commit", []byte("nothing"))), buildPack(objs...)
	}
	cases["branch pointing at a blob"] = func() (any, []byte) {
		b := []byte("a blob\n")
		return update("refs/heads/main", base, objID("blob", b)), buildPack(pobj{typ: pkBlob, data: b, declared: -1})
	}
	cases["zlib bomb"] = func() (any, []byte) {
		// 64 MiB of zeros deflate to ~64 KiB; the header says so honestly.
		zeros := make([]byte, 64<<20)
		objs, c := commitWithTree(base, rawTreeData(tent{"100644", "bomb", objID("blob", zeros)}),
			pobj{typ: pkBlob, raw: deflate(zeros), declared: int64(len(zeros))})
		return update("refs/heads/main", base, c), buildPack(objs...)
	}
	cases["zlib bomb lying about its size"] = func() (any, []byte) {
		zeros := make([]byte, 8<<20)
		objs, c := commitWithTree(base, rawTreeData(tent{"100644", "bomb", objID("blob", zeros)}),
			pobj{typ: pkBlob, raw: deflate(zeros), declared: 10})
		return update("refs/heads/main", base, c), buildPack(objs...)
	}
	cases["oversized object"] = func() (any, []byte) {
		big := bytes.Repeat([]byte("0123456789abcdef"), (2<<20)/16)
		objs, c := commitWithTree(base, rawTreeData(tent{"100644", "big", objID("blob", big)}),
			pobj{typ: pkBlob, data: big, declared: -1})
		return update("refs/heads/main", base, c), buildPack(objs...)
	}
	cases["delta building an oversized object"] = func() (any, []byte) {
		src := bytes.Repeat([]byte{'x'}, 60000)
		var copies [][2]uint32
		for i := 0; i < 40; i++ {
			copies = append(copies, [2]uint32{0, 60000})
		}
		d := delta(60000, 40*60000, nil, copies...)
		return update("refs/heads/main", base, base), buildPack(pobj{typ: pkBlob, data: src, declared: -1}, pobj{typ: pkOfs, data: d, declared: -1, ofsBase: 0})
	}
	cases["delta against a missing base"] = func() (any, []byte) {
		d := delta(6, 6, []byte("hello\n"))
		return update("refs/heads/main", base, base), buildPack(pobj{typ: pkRef, data: d, declared: -1, refBase: objID("blob", []byte("elsewhere"))})
	}
	// A delta against a base the server has (a thin pack) is accepted:
	// see TestThinPackFixedOnReceive.
	cases["deep delta chain"] = func() (any, []byte) {
		objs := []pobj{{typ: pkBlob, data: []byte("v0\n"), declared: -1}}
		for i := 1; i <= 60; i++ {
			objs = append(objs, pobj{typ: pkOfs, data: delta(3, 3, []byte(fmt.Sprintf("%02d\n", i%100))[:3]), declared: -1, ofsBase: i - 1})
		}
		return update("refs/heads/main", base, base), buildPack(objs...)
	}
	cases["truncated pack"] = func() (any, []byte) {
		_, p := badTree(tent{"100644", "fine", bid})
		return update("refs/heads/main", base, base), p[:len(p)/2]
	}
	cases["bad checksum"] = func() (any, []byte) {
		objs, c := commitWithTree(base, rawTreeData(tent{"100644", "fine", bid}))
		p := buildPack(objs...)
		p[len(p)-1] ^= 0xff
		return update("refs/heads/main", base, c), p
	}
	cases["corrupt deflate data"] = func() (any, []byte) {
		raw := deflate([]byte("some content\n"))
		raw[len(raw)/2] ^= 0x55
		return update("refs/heads/main", base, base), buildPack(pobj{typ: pkBlob, raw: raw, declared: 13})
	}
	cases["garbage after the pack"] = func() (any, []byte) {
		objs, c := commitWithTree(base, rawTreeData(tent{"100644", "fine", bid}))
		return update("refs/heads/main", base, c), append(buildPack(objs...), "trailing"...)
	}
	cases["not a pack"] = func() (any, []byte) { return update("refs/heads/main", base, base), []byte("GET / HTTP/1.1\r\n\r\n") }
	cases["malformed JSON header"] = func() (any, []byte) { return `{"updates": [` + "\n", nil }
	cases["header is not an object"] = func() (any, []byte) { return "[1,2,3]\n", nil }
	cases["huge JSON header"] = func() (any, []byte) {
		return `{"updates":[{"ref":"refs/heads/main","old":"` + strings.Repeat("0", 2<<20) + "\"}]}\n", nil
	}
	cases["too many updates"] = func() (any, []byte) {
		var h PushHeader
		for i := 0; i < 1001; i++ {
			h.Updates = append(h.Updates, RefCommand{Ref: fmt.Sprintf("refs/heads/b%d", i), Old: plumbing.ZeroHash.String(), New: base.String()})
		}
		return h, nil
	}
	cases["no updates"] = func() (any, []byte) { return PushHeader{}, nil }
	cases["uppercase id"] = func() (any, []byte) {
		return PushHeader{Updates: []RefCommand{{Ref: "refs/heads/x", Old: plumbing.ZeroHash.String(), New: strings.ToUpper(base.String())}}}, nil
	}
	for _, ref := range []string{"refs/heads/a..b", "refs/heads/x.lock", "refs/heads/a b", "refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b",
		"refs/heads/a?", "refs/heads/a*", "refs/heads/[a", "refs/heads/a\\b", "refs/heads/@{1}", "refs/heads/", "refs/heads//a", "refs/heads/a/",
		"refs/heads/.a", "refs/heads/a.", "HEAD", "refs/remotes/origin/main", "refs/heads/\x01", "main", "/refs/heads/a"} {
		ref := ref
		cases[fmt.Sprintf("ref %q", ref)] = func() (any, []byte) {
			return update(ref, plumbing.ZeroHash, base), nil
		}
	}
	for name, mk := range cases {
		t.Run(name, func(t *testing.T) {
			before := snapshot(t, dir)
			hdr, pack := mk()
			code, body := pushRaw(t, rurl, hdr, pack)
			if code < 400 || code >= 500 {
				t.Fatalf("status %d, want 4xx: %s", code, body)
			}
			if !strings.Contains(body, `"status"`) {
				t.Errorf("body is not problem details: %s", body)
			}
			if after := snapshot(t, dir); after != before {
				t.Fatalf("refused push changed the repository:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
	git(t, dir, "fsck", "--strict")

	// The same refused against a repository that does not exist yet: it
	// must not be created.
	_, pack := badTree(tent{"100644", ".git", bid})
	objs, c := commitWithTree(plumbing.ZeroHash, rawTreeData(tent{"100644", ".git", bid}), pobj{typ: pkBlob, data: blob, declared: -1})
	_ = pack
	if code, body := pushRaw(t, url+"/fresh", update("refs/heads/main", plumbing.ZeroHash, c), buildPack(objs...)); code != 422 {
		t.Fatalf("unsafe tree into a new repository: %d %s", code, body)
	}
	if ents, _ := filepath.Glob(filepath.Join(s.cfg.Root, "*")); len(ents) != 1 && !(len(ents) == 2 && strings.HasSuffix(ents[0], ".incoming")) {
		t.Fatalf("server root holds %v", ents)
	}
	if left, _ := filepath.Glob(filepath.Join(s.cfg.Root, ".incoming", "incoming-*")); len(left) > 0 {
		t.Fatalf("quarantine left behind: %v", left)
	}
}

// Specific refusals carry the status a client can act on.
func TestHostilePushStatuses(t *testing.T) {
	url, _ := startServer(t, Config{MaxObjectBytes: 1 << 20})
	blob := bytes.Repeat([]byte("z"), 2<<20)
	objs, c := commitWithTree(plumbing.ZeroHash, rawTreeData(tent{"100644", "big", objID("blob", blob)}), pobj{typ: pkBlob, data: blob, declared: -1})
	if code, body := pushRaw(t, url+"/r", update("refs/heads/main", plumbing.ZeroHash, c), buildPack(objs...)); code != 413 || !strings.Contains(body, "object-too-large") {
		t.Fatalf("oversized object: %d %s", code, body)
	}
	small := []byte("x\n")
	objs, c = commitWithTree(plumbing.ZeroHash, rawTreeData(tent{"100644", "..", objID("blob", small)}), pobj{typ: pkBlob, data: small, declared: -1})
	if code, body := pushRaw(t, url+"/r", update("refs/heads/main", plumbing.ZeroHash, c), buildPack(objs...)); code != 422 || !strings.Contains(body, "hasDotdot") {
		t.Fatalf("'..' entry: %d %s", code, body)
	}
	// The limit is a limit, not a ban: an object just under it goes in.
	ok := bytes.Repeat([]byte("y"), 1<<20)
	objs, c = commitWithTree(plumbing.ZeroHash, rawTreeData(tent{"100644", "ok", objID("blob", ok)}), pobj{typ: pkBlob, data: ok, declared: -1})
	if code, body := pushRaw(t, url+"/r", update("refs/heads/main", plumbing.ZeroHash, c), buildPack(objs...)); code != 200 {
		t.Fatalf("object at the limit: %d %s", code, body)
	}
	// A delta chain within the limit goes in too.
	// (Each version distinct: a pack holding one object twice is refused.)
	dobjs := []pobj{{typ: pkBlob, data: []byte("v00\n"), declared: -1}}
	for i := 1; i <= DefaultMaxDeltaDepth; i++ {
		dobjs = append(dobjs, pobj{typ: pkOfs, data: delta(4, 4, []byte(fmt.Sprintf("v%02d\n", i))), declared: -1, ofsBase: i - 1})
	}
	last := objID("blob", []byte(fmt.Sprintf("v%02d\n", DefaultMaxDeltaDepth)))
	tr := rawTreeData(tent{"100644", "f", last})
	dobjs = append(dobjs, pobj{typ: pkTree, data: tr, declared: -1})
	cd := commitData(objID("tree", tr), c)
	dobjs = append(dobjs, pobj{typ: pkCommit, data: cd, declared: -1})
	if code, body := pushRaw(t, url+"/r", update("refs/heads/main", c, objID("commit", cd)), buildPack(dobjs...)); code != 200 {
		t.Fatalf("delta chain of depth %d: %d %s", DefaultMaxDeltaDepth, code, body)
	}
}

// buildEasel compiles the easel command (before HOME is pinned).
func buildEasel(t *testing.T) string { return easeltest.Build(t) }

// runEasel runs the binary in dir and returns its exit code and output.
func runEasel(t *testing.T, bin, dir string, args ...string) (int, string) {
	t.Helper()
	return easeltest.Run(t, bin, dir, args...)
}

// storeRaw writes an object straight into the repository's object store
// with go-git plumbing, bypassing every check easel makes: what a fetch
// from a careless server (or a copied .git) could leave behind.
func storeRaw(t *testing.T, gitDir string, typ plumbing.ObjectType, data []byte) plumbing.Hash {
	t.Helper()
	st := filesystem.NewStorage(osfs.New(gitDir), cache.NewObjectLRUDefault())
	o := st.NewEncodedObject()
	o.SetType(typ)
	w, _ := o.Writer()
	w.Write(data)
	w.Close()
	h, err := st.SetEncodedObject(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// A commit whose tree holds "..", ".git" (in any spelling) or a .git
// directory makes checkout, switch and merge fail with exit 14
// (ExitUnsafe), leaving HEAD, the index and the work tree as they were and
// nothing written outside the work tree.
func TestUnsafeTreeNotCheckedOut(t *testing.T) {
	needGit(t)
	bin := buildEasel(t) // before pinEnv: the build needs the real HOME's caches
	pinEnv(t)
	outer := t.TempDir()
	dir := filepath.Join(outer, "w")
	newWorkRepo(t, dir, "README")
	gitDir := filepath.Join(dir, ".git")
	blob := storeRaw(t, gitDir, plumbing.BlobObject, []byte("pwned\n"))
	hookTree := storeRaw(t, gitDir, plumbing.TreeObject, rawTreeData(tent{"100755", "post-checkout", blob}))
	pwnTree := storeRaw(t, gitDir, plumbing.TreeObject, rawTreeData(tent{"100644", "pwned", blob}))
	evil := map[string][]tent{
		"dotdot":     {{"40000", "..", pwnTree}},
		"dotgit":     {{"40000", ".git", hookTree}},
		"dotgit-up":  {{"40000", ".GIT", hookTree}},
		"dotgit-dot": {{"40000", ".git.", hookTree}},
		"git-short":  {{"40000", "git~1", hookTree}},
		"file-git":   {{"100644", ".git", blob}},
		"nested":     {{"40000", "sub", storeRaw(t, gitDir, plumbing.TreeObject, rawTreeData(tent{"40000", "..", pwnTree}))}},
	}
	head := git(t, dir, "rev-parse", "HEAD")
	readme := storeRaw(t, gitDir, plumbing.BlobObject, []byte("README\n"))
	for name, ents := range evil {
		// Keep README so the tree looks like an ordinary next commit.
		all := append([]tent{{"100644", "README", readme}}, ents...)
		sort.Slice(all, func(i, j int) bool { return all[i].name < all[j].name })
		tree := storeRaw(t, gitDir, plumbing.TreeObject, rawTreeData(all...))
		c := storeRaw(t, gitDir, plumbing.CommitObject, commitData(tree, plumbing.NewHash(head)))
		git(t, dir, "update-ref", "refs/heads/"+name, c.String())
	}
	before := listTree(outer)
	index, _ := os.ReadFile(filepath.Join(gitDir, "index"))
	for name := range evil {
		for _, args := range [][]string{{"checkout", name}, {"switch", name}, {"merge", name}, {"checkout", name, "--", "."}} {
			code, out := runEasel(t, bin, dir, args...)
			if code != 14 {
				t.Errorf("easel %s: exit %d, want 14 (ExitUnsafe):\n%s", strings.Join(args, " "), code, out)
			}
			if !strings.Contains(strings.ToLower(out), "unsafe") && !strings.Contains(out, "..") && !strings.Contains(strings.ToLower(out), ".git") {
				t.Errorf("easel %s: message does not say what is wrong: %s", strings.Join(args, " "), out)
			}
			if got := git(t, dir, "rev-parse", "HEAD"); got != head {
				t.Fatalf("easel %s moved HEAD to %s", strings.Join(args, " "), got)
			}
			if got, _ := os.ReadFile(filepath.Join(gitDir, "index")); !bytes.Equal(got, index) {
				t.Fatalf("easel %s changed the index", strings.Join(args, " "))
			}
			// MERGE_HEAD and friends would show up here too.
			if after := listTree(outer); after != before {
				t.Fatalf("easel %s changed files:\nbefore:\n%s\nafter:\n%s", strings.Join(args, " "), before, after)
			}
		}
	}
}

// A symlink a -> outside, then a commit with a file a/b: switching from
// one to the other writes a/b inside the work tree (or refuses), never
// through the link.
func TestSymlinkThenFileBelowIt(t *testing.T) {
	needGit(t)
	bin := buildEasel(t) // before pinEnv: the build needs the real HOME's caches
	pinEnv(t)
	outside := t.TempDir()
	dir := filepath.Join(t.TempDir(), "w")
	newWorkRepo(t, dir, "README")
	gitDir := filepath.Join(dir, ".git")
	head := plumbing.NewHash(git(t, dir, "rev-parse", "HEAD"))
	readme := storeRaw(t, gitDir, plumbing.BlobObject, []byte("README\n"))
	link := storeRaw(t, gitDir, plumbing.BlobObject, []byte(outside))
	b := storeRaw(t, gitDir, plumbing.BlobObject, []byte("written\n"))
	sub := storeRaw(t, gitDir, plumbing.TreeObject, rawTreeData(tent{"100644", "b", b}))
	t1 := storeRaw(t, gitDir, plumbing.TreeObject, rawTreeData(tent{"100644", "README", readme}, tent{"120000", "a", link}))
	c1 := storeRaw(t, gitDir, plumbing.CommitObject, commitData(t1, head))
	t2 := storeRaw(t, gitDir, plumbing.TreeObject, rawTreeData(tent{"100644", "README", readme}, tent{"40000", "a", sub}))
	c2 := storeRaw(t, gitDir, plumbing.CommitObject, commitData(t2, c1))
	git(t, dir, "update-ref", "refs/heads/one", c1.String())
	git(t, dir, "update-ref", "refs/heads/two", c2.String())
	// Also a merge bringing a/b in while a is a link in the work tree.
	c3 := storeRaw(t, gitDir, plumbing.CommitObject, commitData(t2, head))
	git(t, dir, "update-ref", "refs/heads/three", c3.String())

	for _, steps := range [][][]string{
		{{"checkout", "one"}, {"checkout", "two"}},
		{{"switch", "one"}, {"switch", "two"}},
		{{"switch", "one"}, {"merge", "three"}},
	} {
		git(t, dir, "checkout", "-q", "-f", "main")
		for _, args := range steps {
			code, out := runEasel(t, bin, dir, args...)
			t.Logf("easel %s: exit %d %s", strings.Join(args, " "), code, strings.TrimSpace(out))
		}
		if ents, _ := os.ReadDir(outside); len(ents) > 0 {
			t.Fatalf("%v wrote through the symlink: %v", steps, ents)
		}
		if fi, err := os.Lstat(filepath.Join(dir, "a")); err == nil && fi.Mode()&os.ModeSymlink == 0 {
			if data, err := os.ReadFile(filepath.Join(dir, "a", "b")); err != nil || string(data) != "written\n" {
				t.Fatalf("a is a directory but a/b is %q, %v", data, err)
			}
		}
	}
}

// The token never appears in the server's log, at any level, whether it
// is accepted or refused.
func TestTokenNeverLogged(t *testing.T) {
	needGit(t)
	pinEnv(t)
	const good, bad = "tok-GOOD-4f1b9c2e", "tok-BAD-88d0aa71"
	toks, err := ParseTokens(strings.NewReader(good + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	url, _ := startServer(t, Config{Tokens: toks, Private: true,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	ctx := context.Background()
	w := newWorkRepo(t, filepath.Join(t.TempDir(), "w"), "README")
	rm := addOrigin(t, w, url+"/p")
	if _, err := pushBranch(ctx, w, rm, client(t, url+"/p", good), "main"); err != nil {
		t.Fatal(err)
	}
	if _, err := pushBranch(ctx, w, rm, client(t, url+"/p", bad), "main"); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := Fetch(ctx, w, rm, client(t, url+"/p", bad), Options{}); !errors.Is(err, ErrAuth) {
		t.Fatalf("wrong token fetch: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, "push accepted") || !strings.Contains(out, "status=403") {
		t.Fatalf("log does not show the requests:\n%s", out)
	}
	for _, s := range []string{good, bad, "Bearer"} {
		if strings.Contains(out, s) {
			t.Fatalf("log contains %q:\n%s", s, out)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
