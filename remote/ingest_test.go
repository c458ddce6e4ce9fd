package remote

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// Regression tests for what a hostile push could do to the server's
// repositories or its resources: each pack is built by hand.

// seedRepo pushes a first commit (README) to url/name and returns the
// commit, its tree and blob ids and the repository's directory.
func seedRepo(t *testing.T, url string, s *Server, name string) (commit, tree, blob plumbing.Hash, dir string) {
	t.Helper()
	b := []byte("hello\n")
	blob = objID("blob", b)
	tr := rawTreeData(tent{"100644", "README", blob})
	objs, c := commitWithTree(plumbing.ZeroHash, tr, pobj{typ: pkBlob, data: b, declared: -1})
	if code, body := pushRaw(t, url+"/"+name, update("refs/heads/main", plumbing.ZeroHash, c), buildPack(objs...)); code != 200 {
		t.Fatalf("seed push: %d %s", code, body)
	}
	return c, objID("tree", tr), blob, filepath.Join(s.cfg.Root, name)
}

// closuresComplete fails the test unless every ref's closure is present
// and git's fsck finds nothing wrong.
func closuresComplete(t *testing.T, dir string, strict bool) {
	t.Helper()
	if out, err := exec.Command("git", "-C", dir, "rev-list", "--objects", "--all").CombinedOutput(); err != nil {
		t.Fatalf("a ref's closure is incomplete: %v\n%s", err, out)
	}
	args := []string{"-C", dir, "fsck", "--no-progress"}
	if strict {
		args = append(args, "--strict")
	}
	if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args[2:], " "), err, out)
	}
	packs, _ := filepath.Glob(filepath.Join(dir, "objects", "pack", "*.idx"))
	for _, p := range packs {
		git(t, dir, "verify-pack", p)
	}
}

// A ref may point only at an object whose whole closure is present, and
// an object being stored proves nothing: the walk stops only at what the
// repository's refs reach. Before, a first push left a commit whose tree
// was missing and a second named it with an empty pack; every fetch
// failed from then on.
func TestIngestConnectivity(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	base, baseTree, _, dir := seedRepo(t, url, s, "c")

	// A pack carrying, beside a sound update, a commit whose tree is in
	// neither the pack nor the repository: refused, nothing kept.
	missingTree := objID("tree", rawTreeData(tent{"100644", "gone", objID("blob", []byte("gone\n"))}))
	orphan := commitData(missingTree)
	nb := []byte("next\n")
	objs, next := commitWithTree(base, rawTreeData(tent{"100644", "README", objID("blob", nb)}), pobj{typ: pkBlob, data: nb, declared: -1})
	objs = append(objs, pobj{typ: pkCommit, data: orphan, declared: -1})
	before := snapshot(t, dir)
	code, body := pushRaw(t, url+"/c", update("refs/heads/main", base, next), buildPack(objs...))
	wantProblem(t, "unreferenced commit with a missing tree", code, body, 422, "missing-object")
	if snapshot(t, dir) != before {
		t.Fatal("the refused push changed the repository")
	}
	// The same attack in two pushes: the second names the commit.
	code, body = pushRaw(t, url+"/c", update("refs/heads/evil", plumbing.ZeroHash, objID("commit", orphan)), nil)
	wantProblem(t, "ref at a commit never received", code, body, 422, "missing-object")

	// A commit left in the repository by other means (an old server, a
	// copied object) with its tree missing: present, but not complete.
	broken := storeRaw(t, dir, plumbing.CommitObject, orphan)
	code, body = pushRaw(t, url+"/c", update("refs/heads/evil", plumbing.ZeroHash, broken), nil)
	wantProblem(t, "ref at a stored commit whose tree is missing", code, body, 422, "missing-object")
	// ... and a new commit on top of it, its parent.
	top := commitData(baseTree, broken)
	code, body = pushRaw(t, url+"/c", update("refs/heads/evil", plumbing.ZeroHash, objID("commit", top)), buildPack(pobj{typ: pkCommit, data: top, declared: -1}))
	wantProblem(t, "new commit whose stored parent is incomplete", code, body, 422, "missing-object")
	// A tag at it.
	tag := []byte(fmt.Sprintf("object %s\ntype commit\ntag t\ntagger A <a@example.com> 1700000000 +0000\n\nt\n", broken))
	code, body = pushRaw(t, url+"/c", update("refs/tags/t", plumbing.ZeroHash, objID("tag", tag)), buildPack(pobj{typ: 4, data: tag, declared: -1}))
	wantProblem(t, "tag at a stored commit whose tree is missing", code, body, 422, "missing-object")
	if err := os.Remove(filepath.Join(dir, "objects", broken.String()[:2], broken.String()[2:])); err != nil {
		t.Fatal(err)
	}

	// What is complete goes in, stored or not, referenced or not: a
	// stored commit no ref reaches (a branch deleted) named again with
	// an empty pack.
	if code, body := pushRaw(t, url+"/c", update("refs/heads/main", base, next), buildPack(objs[:len(objs)-1]...)); code != 200 {
		t.Fatalf("sound push: %d %s", code, body)
	}
	if code, body := pushRaw(t, url+"/c", update("refs/heads/topic", plumbing.ZeroHash, next), nil); code != 200 {
		t.Fatalf("branch at a reachable commit: %d %s", code, body)
	}
	side := commitData(baseTree, next)
	sideID := objID("commit", side)
	if code, body := pushRaw(t, url+"/c", update("refs/heads/side", plumbing.ZeroHash, sideID), buildPack(pobj{typ: pkCommit, data: side, declared: -1})); code != 200 {
		t.Fatalf("side branch: %d %s", code, body)
	}
	if code, body := pushRaw(t, url+"/c", update("refs/heads/side", sideID, plumbing.ZeroHash), nil); code != 200 {
		t.Fatalf("delete side: %d %s", code, body)
	}
	if code, body := pushRaw(t, url+"/c", update("refs/heads/again", plumbing.ZeroHash, sideID), nil); code != 200 {
		t.Fatalf("ref at a stored, unreferenced, complete commit: %d %s", code, body)
	}
	// Extra objects a pack carries beyond its tips' closures are kept
	// only if complete: a tree no commit names, whose blob is missing.
	loose := rawTreeData(tent{"100644", "x", objID("blob", []byte("never sent\n"))})
	code, body = pushRaw(t, url+"/c", update("refs/heads/more", plumbing.ZeroHash, next), buildPack(pobj{typ: pkTree, data: loose, declared: -1}))
	wantProblem(t, "unreferenced tree with a missing blob", code, body, 422, "missing-object")
	closuresComplete(t, dir, true)
}

// .gitmodules is checked wherever git's fsck checks it: every tree entry
// a file system would read as .gitmodules (git's is_ntfs_dotgitmodules
// and is_hfs_dotgitmodules), its blob new or already stored.
func TestIngestGitmodules(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	base, _, readme, dir := seedRepo(t, url, s, "g")
	hostile := []byte("[submodule \"x\"]\n\tpath = ../escape\n\turl = --upload-pack=touch${IFS}/tmp/pwned\n")
	hid := objID("blob", hostile)
	badURL := []byte("[submodule \"y\"]\n\tpath = y\n\turl = --upload-pack=touch${IFS}/tmp/pwned\n")

	// The hostile blob arrives under a harmless name first: accepted.
	objs, c1 := commitWithTree(base, rawTreeData(tent{"100644", "README", readme}, tent{"100644", "notes.txt", hid}), pobj{typ: pkBlob, data: hostile, declared: -1})
	if code, body := pushRaw(t, url+"/g", update("refs/heads/main", base, c1), buildPack(objs...)); code != 200 {
		t.Fatalf("notes.txt: %d %s", code, body)
	}
	names := []string{".gitmodules", ".GITMODULES", "GITMOD~1", "gitmod~4", "Gi7EBA~1", ".gitmodules.", ".gitmodules ", ".gitmodules . .",
		".gitmodules::$DATA", ".gitmodules\u200d", "\u200c.git\u200emodules"}
	for _, name := range names {
		// Named .gitmodules by a later tree while stored...
		objs, c := commitWithTree(c1, sortedTree(tent{"100644", name, hid}, tent{"100644", "README", readme}))
		before := snapshot(t, dir)
		code, body := pushRaw(t, url+"/g", update("refs/heads/main", c1, c), buildPack(objs...))
		wantProblem(t, fmt.Sprintf("stored blob named %q", name), code, body, 422, "unsafe-tree")
		if !strings.Contains(body, "gitmodules") {
			t.Errorf("%q: the problem does not name the check: %s", name, body)
		}
		// ... or new in the same pack.
		objs, c = commitWithTree(c1, sortedTree(tent{"100644", name, objID("blob", badURL)}, tent{"100644", "README", readme}), pobj{typ: pkBlob, data: badURL, declared: -1})
		code, body = pushRaw(t, url+"/g", update("refs/heads/main", c1, c), buildPack(objs...))
		wantProblem(t, fmt.Sprintf("new blob named %q", name), code, body, 422, "unsafe-tree")
		if snapshot(t, dir) != before {
			t.Fatalf("%q: the refused push changed the repository", name)
		}
	}
	// A .gitmodules that is a directory is an error in git too.
	sub := rawTreeData(tent{"100644", "README", readme})
	objs, c := commitWithTree(c1, sortedTree(tent{"40000", ".gitmodules", objID("tree", sub)}, tent{"100644", "README", readme}), pobj{typ: pkTree, data: sub, declared: -1})
	code, body := pushRaw(t, url+"/g", update("refs/heads/main", c1, c), buildPack(objs...))
	wantProblem(t, "directory named .gitmodules", code, body, 422, "unsafe-tree")
	// Names git does not read as .gitmodules are plain files.
	for i, name := range []string{".gitmodulesx", "gitmodules", "GITMOD~5", ".gitmodule"} {
		objs, c := commitWithTree(c1, sortedTree(tent{"100644", name, hid}, tent{"100644", "README", readme}))
		if code, body := pushRaw(t, url+"/g", update(fmt.Sprintf("refs/heads/n%d", i), plumbing.ZeroHash, c), buildPack(objs...)); code != 200 {
			t.Fatalf("%q: %d %s", name, code, body)
		}
	}
	closuresComplete(t, dir, true)
}

// sortedTree is rawTreeData with the entries put in git's order.
func sortedTree(ents ...tent) []byte {
	key := func(e tent) string {
		if e.mode == "40000" {
			return e.name + "/"
		}
		return e.name
	}
	sort.Slice(ents, func(i, j int) bool { return key(ents[i]) < key(ents[j]) })
	return rawTreeData(ents...)
}

// A pack holding one object twice is refused: git's index of it would
// list the object once while the pack claims it twice.
func TestIngestDuplicateObject(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	base, _, _, dir := seedRepo(t, url, s, "d")
	b := []byte("twice\n")
	objs, c := commitWithTree(base, rawTreeData(tent{"100644", "README", objID("blob", b)}),
		pobj{typ: pkBlob, data: b, declared: -1}, pobj{typ: pkBlob, data: b, declared: -1})
	before := snapshot(t, dir)
	code, body := pushRaw(t, url+"/d", update("refs/heads/main", base, c), buildPack(objs...))
	wantProblem(t, "blob twice", code, body, 400, "bad-pack")
	// The same object once whole and once as a delta building it.
	objs, c = commitWithTree(base, rawTreeData(tent{"100644", "README", objID("blob", b)}),
		pobj{typ: pkBlob, data: b, declared: -1}, pobj{typ: pkOfs, data: delta(6, 6, nil, [2]uint32{0, 6}), declared: -1, ofsBase: 0})
	code, body = pushRaw(t, url+"/d", update("refs/heads/main", base, c), buildPack(objs...))
	wantProblem(t, "blob and a delta to it", code, body, 400, "bad-pack")
	if snapshot(t, dir) != before {
		t.Fatal("the refused push changed the repository")
	}
	closuresComplete(t, dir, true)
}

// deltaBomb is a pack of a 64 KiB zeroed blob and n OFS_DELTAs against
// it, each building about 99 MiB by copying the base 1584 times (a copy
// of 64 KiB is one byte: size 0 means 0x10000), with a distinct byte at
// the end so that no two are the same object.
func deltaBomb(n int) []byte {
	objs := []pobj{{typ: pkBlob, data: make([]byte, 64<<10), declared: -1}}
	const copies = 1584
	for i := 0; i < n; i++ {
		var d []byte
		d = binary.AppendUvarint(d, 64<<10)
		d = binary.AppendUvarint(d, copies*(64<<10)+1)
		for j := 0; j < copies; j++ {
			d = append(d, 0x80) // copy, offset 0, size 0x10000
		}
		d = append(d, 1, byte(i))
		objs = append(objs, pobj{typ: pkOfs, data: d, declared: -1, ofsBase: 0})
	}
	return buildPack(objs...)
}

// A pack's work is bounded by its size: a few hundred bytes of deltas
// that would build 2 GB are refused (413, a type of its own) before any
// delta is applied, and nothing is kept.
func TestIngestDeltaBudget(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{})
	base, _, _, dir := seedRepo(t, url, s, "b")
	bomb := deltaBomb(20)
	if len(bomb) > 2000 {
		t.Fatalf("the bomb is %d bytes", len(bomb))
	}
	before := snapshot(t, dir)
	code, body := pushRaw(t, url+"/b", update("refs/heads/main", base, base), bomb)
	wantProblem(t, "delta bomb", code, body, 413, "expands-too-much")
	if snapshot(t, dir) != before {
		t.Fatal("the refused push changed the repository")
	}
	// The absolute cap holds whatever the size: 1 MiB of budget.
	url2, s2 := startServer(t, Config{MaxInflatedBytes: 1 << 20})
	_, _, _, dir2 := seedRepo(t, url2, s2, "b")
	one := deltaBomb(0) // the 64 KiB base alone fits
	if code, body := pushRaw(t, url2+"/b", update("refs/heads/x", plumbing.ZeroHash, base), one); code != 200 {
		t.Fatalf("within the cap: %d %s", code, body)
	}
	big := make([]byte, 2<<20)
	objs, c := commitWithTree(base, rawTreeData(tent{"100644", "z", objID("blob", big)}), pobj{typ: pkBlob, data: big, declared: -1})
	code, body = pushRaw(t, url2+"/b", update("refs/heads/main", base, c), buildPack(objs...))
	wantProblem(t, "2 MiB of zeros over a 1 MiB cap", code, body, 413, "expands-too-much")
	closuresComplete(t, dir2, true)
}

// The number of objects in a push is capped, with a 413 of its own.
func TestIngestObjectCount(t *testing.T) {
	needGit(t)
	url, s := startServer(t, Config{MaxPushObjects: 50})
	base, _, _, dir := seedRepo(t, url, s, "n")
	var ents []tent
	var objs []pobj
	for i := 0; i < 60; i++ {
		b := []byte(fmt.Sprintf("%d\n", i))
		ents = append(ents, tent{"100644", fmt.Sprintf("f%03d", i), objID("blob", b)})
		objs = append(objs, pobj{typ: pkBlob, data: b, declared: -1})
	}
	objs, c := commitWithTree(base, rawTreeData(ents...), objs...)
	before := snapshot(t, dir)
	code, body := pushRaw(t, url+"/n", update("refs/heads/main", base, c), buildPack(objs...))
	wantProblem(t, "60 objects over a cap of 50", code, body, 413, "too-many-objects")
	if snapshot(t, dir) != before {
		t.Fatal("the refused push changed the repository")
	}
	objs, c = commitWithTree(base, rawTreeData(ents[:40]...), objs[:40]...)
	if code, body := pushRaw(t, url+"/n", update("refs/heads/main", base, c), buildPack(objs...)); code != 200 {
		t.Fatalf("42 objects: %d %s", code, body)
	}
	closuresComplete(t, dir, true)
}

// What git's fsck reports as a warning is accepted and logged, as git
// accepts it: trees with mode 100664 (git's own history has them) or
// zero-padded modes. A client clones them too.
func TestIngestFsckWarningsAccepted(t *testing.T) {
	needGit(t)
	pinEnv(t)
	var log syncBuffer
	url, s := startServer(t, Config{Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	base, baseTree, readme, dir := seedRepo(t, url, s, "w")
	// The tree as git itself would store it: made by git mktree.
	work := t.TempDir()
	git(t, work, "init", "-q", "--bare")
	mk := exec.Command("git", "-C", work, "mktree", "--missing")
	mk.Stdin = strings.NewReader(fmt.Sprintf("100664 blob %s\tMakefile\n040000 tree %s\tsub\n", readme, baseTree))
	out, err := mk.Output()
	if err != nil {
		t.Fatal(err)
	}
	tid := plumbing.NewHash(strings.TrimSpace(string(out)))
	tree, err := exec.Command("git", "-C", work, "cat-file", "tree", tid.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(tree, []byte("100664 Makefile\x00")) {
		t.Fatalf("git wrote %q", tree)
	}
	padded := rawTreeData(tent{"0100644", "a", readme}, tent{"040000", "d", baseTree})
	objs, c := commitWithTree(base, tree, pobj{typ: pkTree, data: padded, declared: -1})
	pc := commitData(objID("tree", padded), c)
	objs = append(objs, pobj{typ: pkCommit, data: pc, declared: -1})
	code, body := pushRaw(t, url+"/w", update("refs/heads/main", base, objID("commit", pc)), buildPack(objs...))
	if code != 200 {
		t.Fatalf("mode 100664 and zero-padded modes: %d %s", code, body)
	}
	for _, want := range []string{"fsck warnings", "badFilemode", "zeroPaddedFilemode", "warnings=3"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, log.String())
		}
	}
	closuresComplete(t, dir, false) // git fsck warns, and exits 0
	// The client takes them as well.
	if _, err := Clone(context.Background(), url+"/w", filepath.Join(t.TempDir(), "clone"), "", Options{}); err != nil {
		t.Fatalf("clone: %v", err)
	}
}

// The git project's history to v1.8.4 (tree modes 100664 among it), as
// git pack-objects packs it, is accepted whole into an empty repository,
// and the result passes git fsck. Skipped without the corpus.
func TestIngestCorpus(t *testing.T) {
	needGit(t)
	if testing.Short() {
		t.Skip("-short: the corpus push takes a while")
	}
	bundle := os.Getenv("EASEL_CORPUS")
	if bundle == "" {
		bundle = filepath.Join("..", "..", "shared", "corpus", "git-v1.8.4.bundle")
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Skipf("corpus bundle not found at %s (set EASEL_CORPUS): %v", bundle, err)
	}
	src := filepath.Join(t.TempDir(), "src")
	if out, err := exec.Command("git", "clone", "-q", "--bare", bundle, src).CombinedOutput(); err != nil {
		t.Fatalf("clone bundle: %v\n%s", err, out)
	}
	tip := plumbing.NewHash(git(t, src, "rev-parse", "v1.8.4^{commit}"))
	tag := plumbing.NewHash(git(t, src, "rev-parse", "v1.8.4"))
	pack, err := exec.Command("git", "-C", src, "pack-objects", "--stdout", "--all", "-q").Output()
	if err != nil {
		t.Fatal(err)
	}
	url, s := startServer(t, Config{})
	hdr := PushHeader{Updates: []RefCommand{
		{Ref: "refs/heads/main", Old: plumbing.ZeroHash.String(), New: tip.String()},
		{Ref: "refs/tags/v1.8.4", Old: plumbing.ZeroHash.String(), New: tag.String()},
	}}
	code, body := pushRaw(t, url+"/git", hdr, pack)
	if code != 200 {
		t.Fatalf("corpus push: %d %s", code, body)
	}
	closuresComplete(t, filepath.Join(s.cfg.Root, "git"), false)
}

// TestWriteIngestBenchBodies writes the push bodies bench/ingest.sh
// sends (header line and pack) to $EASEL_BENCH_BODIES: the delta bomb of
// TestIngestDeltaBudget and a pack of 200,000 tiny blobs in one tree.
func TestWriteIngestBenchBodies(t *testing.T) {
	out := os.Getenv("EASEL_BENCH_BODIES")
	if out == "" {
		t.Skip("EASEL_BENCH_BODIES not set (bench/ingest.sh sets it)")
	}
	body := func(name string, hdr PushHeader, pack []byte) {
		var b bytes.Buffer
		if err := json.NewEncoder(&b).Encode(hdr); err != nil {
			t.Fatal(err)
		}
		b.Write(pack)
		if err := os.WriteFile(filepath.Join(out, name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The bomb names a commit it does not hold: it is refused before
	// that matters (by the budget now, by indexing before).
	body("delta-bomb.body", update("refs/heads/main", plumbing.ZeroHash, objID("commit", []byte("none"))), deltaBomb(20))
	n := 200000
	if v := os.Getenv("EASEL_BENCH_BLOBS"); v != "" {
		fmt.Sscan(v, &n)
	}
	ents := make([]tent, 0, n)
	objs := make([]pobj, 0, n+2)
	for i := 0; i < n; i++ {
		b := []byte(fmt.Sprintf("%d\n", i))
		ents = append(ents, tent{"100644", fmt.Sprintf("f%07d", i), objID("blob", b)})
		objs = append(objs, pobj{typ: pkBlob, data: b, declared: -1})
	}
	objs, c := commitWithTree(plumbing.ZeroHash, rawTreeData(ents...), objs...)
	body("tiny-blobs.body", update("refs/heads/main", plumbing.ZeroHash, c), buildPack(objs...))
}
