package packobj

import (
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
)

func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=A",
		"GIT_COMMITTER_EMAIL=a@x", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// A history of one file edited a little per commit, packed by git
// (deltas with git's chains) and loose.
func fileHistory(t *testing.T, n int) (string, []Object) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q")
	rng := rand.New(rand.NewSource(5))
	lines := make([]string, 300)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %d %x", i, rng.Int63())
	}
	for c := 0; c < n; c++ {
		lines[rng.Intn(len(lines))] = fmt.Sprintf("edit %d", c)
		os.WriteFile(filepath.Join(dir, "f.txt"), []byte(strings.Join(lines, "\n")), 0o644)
		gitRun(t, dir, "add", "f.txt")
		gitRun(t, dir, "commit", "-q", "-m", fmt.Sprint(c))
		if c == n/2 {
			gitRun(t, dir, "repack", "-adq")
		}
	}
	var objs []Object
	for _, l := range strings.Split(strings.TrimSpace(gitRun(t, dir, "rev-list", "--objects", "--all")), "\n") {
		id, path, _ := strings.Cut(l, " ")
		objs = append(objs, Object{ID: plumbing.NewHash(id), Path: path})
	}
	return dir, objs
}

var chainLine = regexp.MustCompile(`chain length = (\d+): (\d+) objects?`)

// writeAndCheck writes objs with opt into a fresh directory and checks
// the pack with git verify-pack and by reading every object back through
// odb (every delta applied, every id hashed); it returns the longest chain
// and the result.
func writeAndCheck(t *testing.T, db *odb.DB, objs []Object, opt Options) (int, Result) {
	t.Helper()
	out := t.TempDir()
	name, res, err := WritePack(db, out, objs, opt)
	if err != nil {
		t.Fatal(err)
	}
	v := gitRun(t, out, "verify-pack", "-v", name+".idx")
	longest := 0
	for _, m := range chainLine.FindAllStringSubmatch(v, -1) {
		if n, _ := strconv.Atoi(m[1]); n > longest {
			longest = n
		}
	}
	rd := odb.Open(t.TempDir())
	os.MkdirAll(filepath.Join(rd.Dir(), "pack"), 0o755)
	for _, ext := range []string{".pack", ".idx"} {
		data, _ := os.ReadFile(filepath.Join(out, name+ext))
		os.WriteFile(filepath.Join(rd.Dir(), "pack", name+ext), data, 0o444)
	}
	defer rd.Close()
	for _, o := range objs {
		typ, data, err := rd.Read(o.ID)
		if err != nil {
			t.Fatalf("%s: %v", o.ID, err)
		}
		if plumbing.ComputeHash(typ, data) != o.ID {
			t.Fatalf("%s reads back as other content", o.ID)
		}
	}
	return longest, res
}

func TestWriteDepthAndReuse(t *testing.T) {
	dir, objs := fileHistory(t, 40)
	db := odb.Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	longest, res := writeAndCheck(t, db, objs, Options{NoReuseDelta: true, Depth: 3})
	if longest > 3 || longest == 0 {
		t.Fatalf("longest chain %d with --depth=3", longest)
	}
	if res.Deltas < 30 {
		t.Fatalf("%d deltas found in 40 versions of a file", res.Deltas)
	}
	// Reusing git's deltas (its chains are up to 50 long): the ones over
	// the depth are cut and searched again.
	longest, res = writeAndCheck(t, db, objs, Options{Depth: 5})
	if longest > 5 || res.ReusedDeltas == 0 {
		t.Fatalf("longest chain %d, %d deltas reused", longest, res.ReusedDeltas)
	}
	// --window=0 (Window -1): no search, only what is stored.
	_, res = writeAndCheck(t, db, objs, Options{Window: -1, NoReuseDelta: true})
	if res.Deltas != 0 {
		t.Fatalf("%d deltas without a window", res.Deltas)
	}
	// Twice the same ids: packed once.
	_, res = writeAndCheck(t, db, append(objs, objs...), Options{})
	if len(res.Entries) != len(objs) {
		t.Fatalf("%d entries for %d objects given twice", len(res.Entries), len(objs))
	}
}

func TestNameHash(t *testing.T) {
	// git's pack_name_hash: the last characters weigh most; spaces are skipped.
	if NameHash("") != 0 {
		t.Fatal("empty path")
	}
	if NameHash("a/b.c") != NameHash("a/ b.c") {
		t.Fatal("whitespace is not skipped")
	}
	var h uint32
	for _, c := range []byte("x.go") {
		h = (h >> 2) + uint32(c)<<24
	}
	if NameHash("x.go") != h {
		t.Fatalf("NameHash(x.go) = %x, want %x", NameHash("x.go"), h)
	}
}

// A pack for a receiver without ofs-delta names every base by id, and a
// thin pack sends a version of the file as a delta against the version
// the receiver holds: git index-pack --fix-thin completes it in a
// repository holding only that base.
func TestRefDeltaAndThin(t *testing.T) {
	dir, objs := fileHistory(t, 12)
	db := odb.Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	var buf strings.Builder
	res, err := Write(&buf, db, objs, Options{RefDelta: true, NoReuseDelta: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Deltas == 0 {
		t.Fatal("no deltas in 12 versions of a file")
	}
	pack := []byte(buf.String())
	// Every entry's type: no OFS_DELTA (6) may be among them.
	for _, e := range res.Entries {
		if typ := (pack[e.Offset] >> 4) & 7; typ == byte(plumbing.OFSDeltaObject) {
			t.Fatalf("%s written as OFS_DELTA with RefDelta", e.ID)
		}
	}
	rcv := t.TempDir()
	gitRun(t, rcv, "init", "-q", "--bare")
	cmd := exec.Command("git", "index-pack", "--stdin", "--strict")
	cmd.Dir, cmd.Stdin = rcv, strings.NewReader(buf.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("index-pack: %v\n%s", err, out)
	}

	// Thin: the blob of HEAD against the blob of HEAD~1, which the
	// receiver holds.
	newBlob := plumbing.NewHash(strings.TrimSpace(gitRun(t, dir, "rev-parse", "HEAD:f.txt")))
	oldBlob := plumbing.NewHash(strings.TrimSpace(gitRun(t, dir, "rev-parse", "HEAD~1:f.txt")))
	buf.Reset()
	res, err = Write(&buf, db, []Object{{ID: newBlob, Path: "f.txt"}}, Options{NoReuseDelta: true, Thin: map[plumbing.Hash]plumbing.Hash{newBlob: oldBlob}})
	if err != nil {
		t.Fatal(err)
	}
	_, size, _ := db.Info(newBlob)
	if res.ThinDeltas != 1 || int64(buf.Len()) > int64(size)/2 {
		t.Fatalf("%d thin deltas, %d bytes for a blob of %d", res.ThinDeltas, buf.Len(), size)
	}
	thin := t.TempDir()
	gitRun(t, thin, "init", "-q", "--bare")
	_, data, _ := db.Read(oldBlob)
	os.WriteFile(filepath.Join(thin, "old"), data, 0o644)
	gitRun(t, thin, "hash-object", "-w", "old")
	cmd = exec.Command("git", "index-pack", "--stdin", "--fix-thin")
	cmd.Dir, cmd.Stdin = thin, strings.NewReader(buf.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("index-pack --fix-thin: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(gitRun(t, thin, "cat-file", "-t", newBlob.String())); got != "blob" {
		t.Fatalf("thin blob reads as %q", got)
	}
	// Without the base the receiver cannot complete the pack: it really
	// is a delta against it.
	empty := t.TempDir()
	gitRun(t, empty, "init", "-q", "--bare")
	cmd = exec.Command("git", "index-pack", "--stdin", "--fix-thin")
	cmd.Dir, cmd.Stdin = empty, strings.NewReader(buf.String())
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Fatalf("index-pack completed a thin pack without its base:\n%s", out)
	}
}
