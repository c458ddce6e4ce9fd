package remote

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/storage/memory"

	"easel.dev/easel/repo"
)

// fuzzPacks are the seeds for the pack targets: a sound pack, deltas,
// and broken variants of each.
func fuzzPacks() [][]byte {
	blob := []byte("hello\n")
	bid := objID("blob", blob)
	tree := rawTreeData(tent{"100644", "README", bid})
	objs, _ := commitWithTree(plumbing.ZeroHash, tree, pobj{typ: pkBlob, data: blob, declared: -1})
	good := buildPack(objs...)
	deltas := buildPack(pobj{typ: pkBlob, data: blob, declared: -1},
		pobj{typ: pkOfs, data: delta(6, 6, []byte("hallo\n")), declared: -1, ofsBase: 0},
		pobj{typ: pkRef, data: delta(6, 12, nil, [2]uint32{0, 6}, [2]uint32{0, 6}), declared: -1, refBase: bid})
	trunc := good[:len(good)-7]
	bad := append([]byte(nil), good...)
	bad[20] ^= 1
	// Thin: a delta against fuzzThinBase, which the receiver has, then one
	// against an object nobody has.
	tb := fuzzThinBase()
	thin := buildPack(pobj{typ: pkRef, data: delta(uint64(len(tb)), 12, []byte("thin delta\n"), [2]uint32{0, 1}), declared: -1, refBase: objID("blob", tb)})
	thinMissing := buildPack(pobj{typ: pkRef, data: delta(6, 6, []byte("hallo\n")), declared: -1, refBase: objID("blob", []byte("nowhere\n"))})
	return [][]byte{good, deltas, trunc, bad, nil, []byte("PACK\x00\x00\x00\x02\x00\x00\x00\x00"), thin, thinMissing}
}

// fuzzThinBase is the blob FuzzReceivePack's receiver already has.
func fuzzThinBase() []byte { return []byte("a base the receiver has\n") }

// listTree names every file under dir with its size: what a refused input
// must leave unchanged.
func listTree(dir string) string {
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if fi.Mode().IsRegular() {
			data, _ := os.ReadFile(p)
			out = append(out, fmt.Sprintf("%s %d %x", rel, fi.Size(), data[:min(len(data), 64)]))
		} else {
			out = append(out, rel+"/")
		}
		return nil
	})
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// Arbitrary bytes as a received pack: never a panic, and on any error
// nothing is left behind; on success the quarantine reads back and is gone
// after Discard.
func FuzzReceivePack(f *testing.F) {
	for _, p := range fuzzPacks() {
		f.Add(p)
	}
	parent := f.TempDir()
	// What the receiver has, for thin packs.
	have := memory.NewStorage()
	obj := have.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	w, _ := obj.Writer()
	w.Write(fuzzThinBase())
	w.Close()
	if _, err := have.SetEncodedObject(obj); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		q, err := ReceiveThin(ctx, parent, bytes.NewReader(data), PackLimits{MaxObjectBytes: 1 << 20, MaxDeltaDepth: 8}, have)
		if err != nil {
			if left := listTree(parent); left != "" {
				t.Fatalf("a refused pack left files behind: %s", left)
			}
			return
		}
		// Verify must not panic whatever it finds either.
		var tips []plumbing.Hash
		if q.idx != nil {
			for i, typ := range q.idx.types {
				if plumbing.ObjectType(typ) == plumbing.CommitObject {
					tips = append(tips, q.idx.hashes[i])
				}
			}
		}
		_ = q.Verify(ctx, memory.NewStorage(), tips, nil)
		q.Discard()
		if left := listTree(parent); left != "" {
			t.Fatalf("discarded quarantine left files behind: %s", left)
		}
	})
}

// Arbitrary push bodies through the real handler: the answer is 200 or a
// 4xx, never a 5xx or a panic, and a refused push changes nothing on disk.
func FuzzPushBody(f *testing.F) {
	blob := []byte("hello\n")
	tree := rawTreeData(tent{"100644", "README", objID("blob", blob)})
	objs, base := commitWithTree(plumbing.ZeroHash, tree, pobj{typ: pkBlob, data: blob, declared: -1})
	seedPack := buildPack(objs...)
	hdr := func(h PushHeader) []byte {
		var b bytes.Buffer
		json := fmt.Sprintf(`{"updates":[{"ref":%q,"old":%q,"new":%q}]}`, h.Updates[0].Ref, h.Updates[0].Old, h.Updates[0].New)
		b.WriteString(json + "\n")
		return b.Bytes()
	}
	for _, p := range fuzzPacks() {
		f.Add(append(hdr(update("refs/heads/main", base, base)), p...))
		f.Add(append(hdr(update("refs/heads/topic", plumbing.ZeroHash, base)), p...))
	}
	f.Add([]byte("{}\n"))
	f.Add([]byte(`{"updates":[{"ref":"refs/heads/a..b","old":"","new":""}]}` + "\n"))

	root := f.TempDir()
	s, err := NewServer(Config{Root: root, MaxObjectBytes: 1 << 20, MaxDeltaDepth: 8, MaxPushBytes: 4 << 20})
	if err != nil {
		f.Fatal(err)
	}
	h := s.Handler()
	post := func(body []byte) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/fz/push", bytes.NewReader(body))
		req.Header.Set("Content-Type", MediaPush)
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post(append(hdr(update("refs/heads/main", plumbing.ZeroHash, base)), seedPack...)); rec.Code != 200 {
		f.Fatalf("seed push: %d %s", rec.Code, rec.Body)
	}
	dir := filepath.Join(root, "fz")
	f.Fuzz(func(t *testing.T, body []byte) {
		before := listTree(dir)
		rec := post(body)
		switch {
		case rec.Code == 200:
			// Accepted: put the branch back so the next input starts
			// from the same place (the objects may stay).
			r, err := repo.OpenBare(dir)
			if err != nil {
				t.Fatal(err)
			}
			all, _, _ := readRefs(dir)
			var txn []repo.RefUpdate
			for name, id := range all {
				if name == "refs/heads/main" && id != base {
					txn = append(txn, repo.RefUpdate{Name: plumbing.ReferenceName(name), Old: id, New: base, CheckOld: true})
				} else if name != "refs/heads/main" {
					txn = append(txn, repo.RefUpdate{Name: plumbing.ReferenceName(name), Old: id, New: plumbing.ZeroHash, CheckOld: true})
				}
			}
			if len(txn) > 0 {
				if err := r.UpdateRefs(context.Background(), txn); err != nil {
					t.Fatal(err)
				}
			}
		case rec.Code >= 400 && rec.Code < 500:
			if after := listTree(dir); after != before {
				t.Fatalf("refused push (%d %s) changed the repository", rec.Code, rec.Body)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// The push header parser: never panics; what it accepts is a list of
// valid, distinct, pushable refs with full ids.
func FuzzPushHeader(f *testing.F) {
	f.Add(`{"updates":[{"ref":"refs/heads/main","old":"0000000000000000000000000000000000000000","new":"` + strings.Repeat("ab", 20) + `"}]}` + "\n")
	f.Add(`{"updates":[{"ref":"refs/tags/v1","old":"` + strings.Repeat("0", 40) + `","new":"` + strings.Repeat("1", 40) + `"},{"ref":"refs/heads/x","old":"` + strings.Repeat("2", 40) + `","new":"` + strings.Repeat("0", 40) + `"}]}` + "\n")
	f.Add(`{"updates":[{"ref":"refs/heads/a..b"}]}` + "\n")
	f.Add(`{"updates":null}` + "\n")
	f.Add("\n")
	f.Add(`{"updates":[{"ref":"refs/heads/main","old":"0000000000000000000000000000000000000000","new":"` + strings.Repeat("AB", 20) + `"}]}`)
	s := &Server{}
	f.Fuzz(func(t *testing.T, body string) {
		ups, err := s.readPushHeader(bufio.NewReaderSize(strings.NewReader(body), 1<<20))
		if err != nil {
			return
		}
		seen := map[plumbing.ReferenceName]bool{}
		for _, u := range ups {
			if err := repo.ValidateRefName(u.name.String()); err != nil {
				t.Fatalf("accepted %q: %v", u.name, err)
			}
			if !strings.HasPrefix(u.name.String(), "refs/heads/") && !strings.HasPrefix(u.name.String(), "refs/tags/") {
				t.Fatalf("accepted %q", u.name)
			}
			if seen[u.name] {
				t.Fatalf("accepted %q twice", u.name)
			}
			seen[u.name] = true
			if u.old.IsZero() && u.new.IsZero() {
				t.Fatal("accepted a no-op update")
			}
		}
		if len(ups) == 0 {
			t.Fatal("accepted an empty push")
		}
	})
}

// TestWriteFuzzSeeds writes the seeds above as corpus files under
// testdata/fuzz (run with EASEL_WRITE_SEEDS=1 after changing them).
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("EASEL_WRITE_SEEDS") == "" {
		t.Skip("set EASEL_WRITE_SEEDS=1 to rewrite testdata/fuzz")
	}
	write := func(target string, i int, data []byte) {
		dir := filepath.Join("testdata", "fuzz", target)
		os.MkdirAll(dir, 0o755)
		body := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	blob := []byte("hello\n")
	tree := rawTreeData(tent{"100644", "README", objID("blob", blob)})
	_, base := commitWithTree(plumbing.ZeroHash, tree, pobj{typ: pkBlob, data: blob, declared: -1})
	for i, p := range fuzzPacks() {
		write("FuzzReceivePack", i, p)
		line := fmt.Sprintf(`{"updates":[{"ref":"refs/heads/main","old":%q,"new":%q}]}`+"\n", base, base)
		write("FuzzPushBody", i, append([]byte(line), p...))
	}
}
