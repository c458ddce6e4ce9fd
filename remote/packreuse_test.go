package remote

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// reuseRepo makes a repository whose objects are partly in a pack git
// wrote with deltas (reusable whole entries and non-reusable deltas) and
// partly loose, and returns every object id.
func reuseRepo(t *testing.T) (string, []plumbing.Hash) {
	dir := filepath.Join(t.TempDir(), "w")
	newWorkRepo(t, dir, "README")
	rng := rand.New(rand.NewSource(7))
	big := make([]byte, 3<<20) // a large entry, copied whole
	rng.Read(big)
	os.WriteFile(filepath.Join(dir, "big.bin"), big, 0o644)
	git(t, dir, "add", "big.bin")
	for i := 0; i < 5; i++ {
		var b strings.Builder
		for l := 0; l < 400; l++ {
			fmt.Fprintf(&b, "line %d of version %d\n", l, i*(l%7))
		}
		commitFile(t, dir, "text.txt", b.String())
	}
	git(t, dir, "gc", "-q")
	commitFile(t, dir, "loose.txt", "loose after gc\n")
	var ids []plumbing.Hash
	for _, l := range strings.Split(git(t, dir, "rev-list", "--objects", "--all"), "\n") {
		ids = append(ids, plumbing.NewHash(strings.Fields(l)[0]))
	}
	return dir, ids
}

// verifyPackCounts is how many whole and delta entries git verify-pack
// -v lists for an index.
func verifyPackCounts(t *testing.T, dir, idx string) (whole, deltas int) {
	t.Helper()
	// verify-pack -v: "id type size size-in-pack offset [depth base]".
	for _, l := range strings.Split(git(t, dir, "verify-pack", "-v", idx), "\n") {
		switch len(strings.Fields(l)) {
		case 5:
			whole++
		case 7:
			deltas++
		}
	}
	return whole, deltas
}

// A pack written from the repository's storage copies its packed entries,
// deltas included (their bases are in the pack), and is one git accepts,
// with every object intact; loose objects are compressed anew.
func TestWritePackReusesPackedEntries(t *testing.T) {
	needGit(t)
	pinEnv(t)
	dir, ids := reuseRepo(t)
	store := OpenObjectStore(filepath.Join(dir, ".git"))
	defer store.Close()
	var buf bytes.Buffer
	if _, err := WritePack(context.Background(), &buf, store, ids); err != nil {
		t.Fatal(err)
	}
	_, deltas := verifyPackCounts(t, dir, mustGlob(t, filepath.Join(dir, ".git/objects/pack/*.idx")))
	if deltas == 0 {
		t.Fatal("the pack has no delta entries: the test does not cover them")
	}
	dst := filepath.Join(t.TempDir(), "dst.git")
	git(t, t.TempDir(), "init", "-q", "--bare", dst)
	cmd := exec.Command("git", "-C", dst, "index-pack", "--stdin", "--strict")
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git index-pack: %v\n%s", err, out)
	}
	_, sent := verifyPackCounts(t, dst, mustGlob(t, filepath.Join(dst, "objects/pack/*.idx")))
	if sent != deltas {
		t.Fatalf("%d deltas sent, the repository's pack stores %d", sent, deltas)
	}
	for _, id := range ids {
		want := git(t, dir, "cat-file", "-p", id.String())
		if got := git(t, dst, "cat-file", "-p", id.String()); got != want {
			t.Fatalf("object %s differs after the copy", id)
		}
	}
}

// A packed entry whose bytes no longer match the index's CRC32 is not
// copied: the pack is written from the object store instead, which then
// fails on the corruption rather than passing it on.
func TestWritePackRefusesCorruptEntry(t *testing.T) {
	needGit(t)
	pinEnv(t)
	dir, ids := reuseRepo(t)
	pack := mustGlob(t, filepath.Join(dir, ".git/objects/pack/*.pack"))
	// The largest entry is big.bin; corrupt a byte in its middle.
	var offset int64
	for _, l := range strings.Split(git(t, dir, "verify-pack", "-v", strings.TrimSuffix(pack, ".pack")+".idx"), "\n") {
		f := strings.Fields(l)
		if len(f) >= 5 && f[1] == "blob" {
			var size, off int64
			fmt.Sscan(f[3], &size)
			fmt.Sscan(f[4], &off)
			if size > 1<<20 {
				offset = off + size/2
			}
		}
	}
	if offset == 0 {
		t.Fatal("big blob not found in the pack")
	}
	data, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	data[offset] ^= 0xff
	os.Chmod(pack, 0o644)
	if err := os.WriteFile(pack, data, 0o644); err != nil {
		t.Fatal(err)
	}
	store := OpenObjectStore(filepath.Join(dir, ".git"))
	defer store.Close()
	var buf bytes.Buffer
	if _, err := WritePack(context.Background(), &buf, store, ids); err == nil {
		t.Fatal("a pack was written from a corrupt entry")
	}
}

func mustGlob(t *testing.T, pattern string) string {
	t.Helper()
	m, _ := filepath.Glob(pattern)
	if len(m) != 1 {
		t.Fatalf("%s: %v", pattern, m)
	}
	return m[0]
}
