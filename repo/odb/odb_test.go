package odb

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/internal/gittest"
)

// git runs git in dir with fixed identities and dates, failing the test on
// error.
func git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_AUTHOR_DATE=1700000000 +0000",
		"GIT_COMMITTER_NAME=C", "GIT_COMMITTER_EMAIL=c@example.com", "GIT_COMMITTER_DATE=1700000000 +0000")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

var needGit = gittest.Need

// fixture makes a repository whose history has many deltas (files edited a
// little at each commit), packed by git, plus loose objects on top.
// The repository is made once per test binary and copied for each test.
func fixture(t testing.TB) string {
	needGit(t)
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "odb-fixture-")
		if fixtureErr == nil {
			makeFixture(t, fixtureDir)
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	dir := filepath.Join(t.TempDir(), "repo")
	if out, err := exec.Command("cp", "-a", fixtureDir, dir).CombinedOutput(); err != nil {
		t.Fatalf("copy fixture: %v %s", err, out)
	}
	return dir
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func makeFixture(t testing.TB, dir string) {
	git(t, dir, "init", "-q", "-b", "main")
	var big strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&big, "line %d of a file that changes a little at every commit\n", i)
	}
	for c := 0; c < 30; c++ {
		for f := 0; f < 5; f++ {
			content := strings.Replace(big.String(), fmt.Sprintf("line %d ", c*7+f), fmt.Sprintf("LINE %d/%d ", c, f), 1)
			os.MkdirAll(filepath.Join(dir, fmt.Sprintf("d%d", f)), 0o755)
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("d%d", f), "file.txt"), []byte(content), 0o644)
		}
		os.WriteFile(filepath.Join(dir, "small"), []byte(strconv.Itoa(c)), 0o644)
		git(t, dir, "add", "-A")
		git(t, dir, "commit", "-q", "-m", fmt.Sprintf("commit %d", c))
		if c == 10 {
			git(t, dir, "tag", "-a", "-m", "tag", "v1")
		}
	}
	git(t, dir, "repack", "-adq", "--depth=50", "--window=50")
	os.WriteFile(filepath.Join(dir, "loose.txt"), []byte("a loose blob\n"), 0o644)
	git(t, dir, "add", "loose.txt")
	git(t, dir, "commit", "-q", "-m", "loose")
}

// gitObjects returns every object git sees in the repository at gitDir,
// with type and content, through git cat-file --batch.
func gitObjects(t testing.TB, dir string, filter func(i int) bool) map[plumbing.Hash]gitObject {
	t.Helper()
	list := git(t, dir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)")
	var ids []string
	for i, l := range strings.Fields(list) {
		if filter == nil || filter(i) {
			ids = append(ids, l)
		}
	}
	cmd := exec.Command("git", "cat-file", "--batch")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(strings.Join(ids, "\n") + "\n")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	br := bufio.NewReader(out)
	objs := map[plumbing.Hash]gitObject{}
	for range ids {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(line)
		size, _ := strconv.Atoi(f[2])
		data := make([]byte, size+1)
		if _, err := io.ReadFull(br, data); err != nil {
			t.Fatal(err)
		}
		typ, _ := plumbing.ParseObjectType(f[1])
		objs[plumbing.NewHash(f[0])] = gitObject{typ, data[:size]}
	}
	return objs
}

type gitObject struct {
	typ  plumbing.ObjectType
	data []byte
}

// compareAll checks that db reads every object exactly as git does:
// type and content, header-only info, streaming, and existence.
func compareAll(t *testing.T, db *DB, want map[plumbing.Hash]gitObject) {
	t.Helper()
	if len(want) == 0 {
		t.Fatal("no objects to compare")
	}
	bad := 0
	for id, w := range want {
		typ, data, err := db.Read(id)
		if err != nil || typ != w.typ || !bytes.Equal(data, w.data) {
			t.Errorf("%s: read %v %d bytes (%v), git %v %d bytes", id, typ, len(data), err, w.typ, len(w.data))
			bad++
		}
		it, size, err := db.Info(id)
		if err != nil || it != w.typ || size != int64(len(w.data)) {
			t.Errorf("%s: info %v %d (%v), git %v %d", id, it, size, err, w.typ, len(w.data))
			bad++
		}
		st, ssize, rc, err := db.Stream(id)
		if err != nil {
			t.Errorf("%s: stream: %v", id, err)
			bad++
		} else {
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || st != w.typ || ssize != int64(len(w.data)) || !bytes.Equal(got, w.data) {
				t.Errorf("%s: stream gives %v %d bytes (%v)", id, st, len(got), err)
				bad++
			}
		}
		if !db.Has(id) {
			t.Errorf("%s: Has is false", id)
			bad++
		}
		if bad > 10 {
			t.Fatal("too many differences")
		}
	}
}

func TestReadsWhatGitReads(t *testing.T) {
	dir := fixture(t)
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	want := gitObjects(t, dir, nil)
	compareAll(t, db, want)
	// The fixture's pack must really hold deltas, or the test proves little.
	v := git(t, dir, "verify-pack", "-v", packIdx(t, dir))
	if !strings.Contains(v, "chain length = ") {
		t.Fatalf("fixture pack has no deltas:\n%s", v)
	}
	var missing plumbing.Hash
	missing[0] = 0xab
	if db.Has(missing) {
		t.Fatal("Has is true for a missing object")
	}
	if _, _, err := db.Read(missing); err != ErrNotFound {
		t.Fatalf("read of a missing object: %v, want ErrNotFound", err)
	}
}

func packIdx(t testing.TB, dir string) string {
	m, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.idx"))
	if len(m) != 1 {
		t.Fatalf("want one pack, have %v", m)
	}
	return m[0]
}

// Index versions and shapes git can write: version 1, version 2 with
// 64-bit offsets (git's test knob puts every offset above 0x100 in the
// large table), REF_DELTA bases instead of OFS_DELTA, and a .rev file.
func TestIndexForms(t *testing.T) {
	for _, form := range []struct {
		name   string
		repack []string
		index  []string
	}{
		{"v1", nil, []string{"--index-version=1"}},
		{"v2-64bit-offsets", nil, []string{"--index-version=2,0x100"}},
		{"ref-delta", []string{"-c", "repack.useDeltaBaseOffset=false"}, nil},
		{"rev-file", nil, []string{"--rev-index"}},
	} {
		t.Run(form.name, func(t *testing.T) {
			dir := fixture(t)
			if form.repack != nil {
				git(t, dir, append(form.repack, "repack", "-adqf")...)
			}
			if form.index != nil {
				idx := packIdx(t, dir)
				pk := strings.TrimSuffix(idx, ".idx") + ".pack"
				os.Remove(idx)
				git(t, dir, append(append([]string{"index-pack"}, form.index...), pk)...)
			}
			db := Open(filepath.Join(dir, ".git", "objects"))
			defer db.Close()
			compareAll(t, db, gitObjects(t, dir, nil))
			p := db.own.packList()[0]
			ix, _ := p.index()
			switch form.name {
			case "v1":
				if ix.version != 1 {
					t.Fatalf("index version %d", ix.version)
				}
			case "v2-64bit-offsets":
				if len(ix.data)-40 <= ix.off64 {
					t.Fatal("no 64-bit offsets in the index")
				}
			case "rev-file":
				if _, err := os.Stat(ix.revFile); err != nil {
					t.Fatal(err)
				}
				rev, err := ix.reverse()
				if err != nil {
					t.Fatal(err)
				}
				ix2 := &index{data: ix.data, version: ix.version, n: ix.n, names: ix.names, crcs: ix.crcs, off32: ix.off32, off64: ix.off64}
				built, _ := ix2.reverse()
				if fmt.Sprint(rev) != fmt.Sprint(built) {
					t.Fatal("reverse index built here differs from git's .rev file")
				}
				prev := uint64(0)
				for _, pos := range rev {
					o, _ := ix.offset(int(pos))
					if o < prev {
						t.Fatal("reverse index out of order")
					}
					prev = o
				}
			}
		})
	}
}

func TestPrefix(t *testing.T) {
	dir := fixture(t)
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	var all []string
	for id := range gitObjects(t, dir, nil) {
		all = append(all, id.String())
	}
	sort.Strings(all)
	for _, id := range all[:20] {
		for n := 1; n <= 40; n += 3 {
			p := strings.ToUpper(id[:n])
			got, err := db.Prefix(p)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, a := range all {
				if strings.HasPrefix(a, id[:n]) {
					want = append(want, a)
				}
			}
			var gs []string
			for _, h := range got {
				gs = append(gs, h.String())
			}
			if strings.Join(gs, ",") != strings.Join(want, ",") {
				t.Fatalf("prefix %s: got %v, want %v", p, gs, want)
			}
		}
	}
}

// A database opened before git writes a new pack finds the pack's objects
// when they are first asked for.
func TestNewPackVisible(t *testing.T) {
	dir := fixture(t)
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	head := plumbing.NewHash(strings.TrimSpace(git(t, dir, "rev-parse", "HEAD")))
	if _, _, err := db.Read(head); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "new.txt"), []byte("new\n"), 0o644)
	git(t, dir, "add", "new.txt")
	git(t, dir, "commit", "-q", "-m", "new")
	git(t, dir, "repack", "-adq")
	git(t, dir, "prune-packed")
	next := plumbing.NewHash(strings.TrimSpace(git(t, dir, "rev-parse", "HEAD")))
	if typ, _, err := db.Read(next); err != nil || typ != plumbing.CommitObject {
		t.Fatalf("commit in a pack written after open: %v %v", typ, err)
	}
	// The old pack is gone; its objects are read from the new one.
	compareAll(t, db, gitObjects(t, dir, nil))
}

// Alternates: a clone made with git clone --shared reads the objects of
// the repository it borrows from, through a relative path too, and
// through an alternate of an alternate.
func TestAlternates(t *testing.T) {
	src := fixture(t)
	root := t.TempDir()
	git(t, root, "clone", "-q", "--shared", src, "shared")
	shared := filepath.Join(root, "shared")
	git(t, root, "clone", "-q", "--shared", shared, "second")
	second := filepath.Join(root, "second")
	if c, _ := os.ReadDir(filepath.Join(second, ".git", "objects", "pack")); len(c) != 0 {
		t.Fatal("clone --shared copied packs")
	}
	for _, dir := range []string{shared, second} {
		db := Open(filepath.Join(dir, ".git", "objects"))
		compareAll(t, db, gitObjects(t, dir, func(i int) bool { return i%5 == 0 }))
		db.Close()
	}
	// A relative path is relative to the objects directory naming it.
	rel, _ := filepath.Rel(filepath.Join(second, ".git", "objects"), filepath.Join(src, ".git", "objects"))
	os.WriteFile(filepath.Join(second, ".git", "objects", "info", "alternates"), []byte("# comment\n"+rel+"\n"), 0o644)
	db := Open(filepath.Join(second, ".git", "objects"))
	defer db.Close()
	compareAll(t, db, gitObjects(t, second, func(i int) bool { return i%7 == 0 }))
}

// Objects written as a pack by PackWriter are readable at once, and git
// accepts the pack and its index.
func TestPackWriter(t *testing.T) {
	dir := fixture(t)
	objects := filepath.Join(dir, ".git", "objects")
	db := Open(objects)
	defer db.Close()
	if _, _, err := db.Read(plumbing.NewHash(strings.TrimSpace(git(t, dir, "rev-parse", "HEAD")))); err != nil {
		t.Fatal(err)
	}
	var blobs [][]byte
	for i := 0; i < 150; i++ {
		blobs = append(blobs, []byte(fmt.Sprintf("blob number %d\n", i)))
	}
	pw, err := db.NewPackWriter(len(blobs))
	if err != nil {
		t.Fatal(err)
	}
	var ids []plumbing.Hash
	for _, b := range blobs {
		id := plumbing.ComputeHash(plumbing.BlobObject, b)
		ids = append(ids, id)
		if err := pw.Add(id, plumbing.BlobObject, int64(len(b)), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := pw.Finish()
	if err != nil {
		t.Fatal(err)
	}
	// The index is git's byte for byte: index-pack of the same pack.
	base := filepath.Join(objects, "pack", "pack-"+sum.String())
	gitIdx := filepath.Join(t.TempDir(), "git.idx")
	git(t, dir, "index-pack", "-o", gitIdx, base+".pack")
	want, _ := os.ReadFile(gitIdx)
	if got, err := os.ReadFile(base + ".idx"); err != nil || !bytes.Equal(got, want) || len(want) == 0 {
		t.Errorf("pack index differs from git index-pack's (%d bytes, git's %d): %v", len(got), len(want), err)
	}
	for i, id := range ids {
		typ, data, err := db.Read(id)
		if err != nil || typ != plumbing.BlobObject || !bytes.Equal(data, blobs[i]) {
			t.Fatalf("%s after writing: %v %q %v", id, typ, data, err)
		}
	}
	// A loose object written through the database.
	lid, err := db.Write(plumbing.BlobObject, []byte("loose\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(git(t, dir, "cat-file", "-p", lid.String())); got != "loose" {
		t.Fatalf("git reads %q", got)
	}
	for _, id := range ids[:5] {
		if got := git(t, dir, "cat-file", "-t", id.String()); strings.TrimSpace(got) != "blob" {
			t.Fatalf("git cat-file -t %s: %s", id, got)
		}
	}
	git(t, dir, "fsck", "--strict", "--no-dangling")
	m, _ := filepath.Glob(filepath.Join(objects, "pack", "*.pack"))
	for _, p := range m {
		git(t, dir, "verify-pack", p)
	}
}

// Real history: a sample of the objects of git's own history, compared
// with git cat-file.
func TestCorpus(t *testing.T) {
	bundle := os.Getenv("EASEL_CORPUS")
	if bundle == "" {
		bundle = filepath.Join("..", "..", "..", "shared", "corpus", "git-v1.8.4.bundle")
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Skipf("corpus bundle not found at %s (set EASEL_CORPUS): %v", bundle, err)
	}
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	needGit(t)
	bundle, _ = filepath.Abs(bundle)
	dir := filepath.Join(t.TempDir(), "corpus")
	git(t, filepath.Dir(dir), "clone", "-q", bundle, dir)
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	compareAll(t, db, gitObjects(t, dir, func(i int) bool { return i%61 == 0 }))
}

// SharedPrefix and PackedCount answer what git's abbreviation needs:
// git rev-parse --short=4 prints the shortest unique prefix of at least 4.
func TestSharedPrefix(t *testing.T) {
	dir := fixture(t)
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	objs := gitObjects(t, dir, nil)
	var ids []string
	for id := range objs {
		ids = append(ids, id.String())
	}
	sort.Strings(ids)
	for i := 0; i < len(ids); i += len(ids) / 60 {
		short := strings.TrimSpace(git(t, dir, "rev-parse", "--short=4", ids[i]))
		want := len(short)
		got := max(4, db.SharedPrefix(plumbing.NewHash(ids[i]))+1)
		if got != want {
			t.Errorf("%s: unique after %d digits, git says %d (%s)", ids[i], got, want, short)
		}
	}
	var inPack uint64
	for _, l := range strings.Split(git(t, dir, "count-objects", "-v"), "\n") {
		if v, ok := strings.CutPrefix(l, "in-pack: "); ok {
			inPack, _ = strconv.ParseUint(v, 10, 64)
		}
	}
	if db.PackedCount() != inPack || inPack == 0 {
		t.Fatalf("PackedCount %d, git count-objects in-pack %d", db.PackedCount(), inPack)
	}
}

// Readers on several goroutines share the pack list, the maps and the
// delta-base cache (status and add read and write objects in parallel).
func TestConcurrentReads(t *testing.T) {
	dir := fixture(t)
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	want := gitObjects(t, dir, nil)
	var ids []plumbing.Hash
	for id := range want {
		ids = append(ids, id)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range ids {
				id := ids[(i*7+g*13)%len(ids)]
				typ, data, err := db.Read(id)
				if err != nil || typ != want[id].typ || !bytes.Equal(data, want[id].data) {
					errs <- fmt.Errorf("%s: %v %v", id, typ, err)
					return
				}
				if _, err := db.Write(plumbing.BlobObject, []byte(fmt.Sprintf("goroutine %d object %d", g, i%10))); err != nil {
					errs <- err
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Objects written into a quarantine are read through it, not through the
// repository, until Migrate moves them in; git then finds them too.
func TestQuarantine(t *testing.T) {
	dir := fixture(t)
	objects := filepath.Join(dir, ".git", "objects")
	db := Open(objects)
	defer db.Close()
	head := plumbing.NewHash(strings.TrimSpace(git(t, dir, "rev-parse", "HEAD")))
	q, err := db.Quarantine(filepath.Join(objects, "incoming-test"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := q.Read(head); err != nil {
		t.Fatalf("quarantine does not read the repository's objects: %v", err)
	}
	loose, err := q.Write(plumbing.BlobObject, []byte("quarantined loose\n"))
	if err != nil {
		t.Fatal(err)
	}
	pw, err := q.NewPackWriter(1)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("quarantined packed\n")
	packed := plumbing.ComputeHash(plumbing.BlobObject, data)
	if err := pw.Add(packed, plumbing.BlobObject, int64(len(data)), bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	if _, err := pw.Finish(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []plumbing.Hash{loose, packed} {
		if !q.Has(id) {
			t.Fatalf("%s not in the quarantine", id)
		}
		if db.Has(id) {
			t.Fatalf("%s visible in the repository before Migrate", id)
		}
	}
	if err := q.Migrate(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []plumbing.Hash{loose, packed} {
		if !db.Has(id) {
			t.Fatalf("%s not in the repository after Migrate", id)
		}
		if got := git(t, dir, "cat-file", "-t", id.String()); strings.TrimSpace(got) != "blob" {
			t.Fatalf("git cat-file -t %s: %s", id, got)
		}
	}
	if _, err := os.Stat(filepath.Join(objects, "incoming-test")); !os.IsNotExist(err) {
		t.Fatalf("quarantine directory left behind: %v", err)
	}
	if _, _, err := db.Read(head); err != nil {
		t.Fatalf("repository unreadable after Migrate: %v", err)
	}
	git(t, dir, "fsck", "--strict", "--no-dangling")
}

// Damaged data is an error, whether read whole or streamed: a flipped
// byte inside a compressed entry can inflate without complaint, and only
// zlib's checksum at the end of the stream catches it.
func TestCorruptEntryRefused(t *testing.T) {
	dir := fixture(t)
	idx := packIdx(t, dir)
	pk := strings.TrimSuffix(idx, ".idx") + ".pack"
	var victim plumbing.Hash
	var offset int64
	for _, l := range strings.Split(git(t, dir, "verify-pack", "-v", idx), "\n") {
		f := strings.Fields(l)
		if len(f) == 5 && f[1] == "blob" { // 5 fields: stored whole, not a delta
			var packed, off int64
			fmt.Sscan(f[3], &packed)
			fmt.Sscan(f[4], &off)
			if packed > 4000 {
				victim, offset = plumbing.NewHash(f[0]), off+packed/2
				break
			}
		}
	}
	if offset == 0 {
		t.Fatal("no whole blob in the fixture pack")
	}
	data, err := os.ReadFile(pk)
	if err != nil {
		t.Fatal(err)
	}
	data[offset] ^= 0x01
	os.Chmod(pk, 0o644)
	if err := os.WriteFile(pk, data, 0o644); err != nil {
		t.Fatal(err)
	}
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	if _, _, err := db.Read(victim); err == nil {
		t.Fatal("corrupt packed object read without error")
	}
	if _, _, rc, err := db.Stream(victim); err == nil {
		_, err = io.ReadAll(rc)
		rc.Close()
		if err == nil {
			t.Fatal("corrupt packed object streamed without error")
		}
	}
	// A loose object with a damaged byte.
	lid, err := db.Write(plumbing.BlobObject, bytes.Repeat([]byte("loose content that compresses\n"), 500))
	if err != nil {
		t.Fatal(err)
	}
	lp := db.own.loosePath(lid)
	raw, _ := os.ReadFile(lp)
	raw[len(raw)/2] ^= 0x01
	os.Chmod(lp, 0o644)
	os.WriteFile(lp, raw, 0o644)
	if _, _, err := db.Read(lid); err == nil {
		t.Fatal("corrupt loose object read without error")
	}
}
