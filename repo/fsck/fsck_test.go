package fsck

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/treecheck"

	"easel.dev/easel/internal/gittest"
)

func gitEnv(dir string) []string {
	return append(os.Environ(), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@x", "GIT_COMMITTER_NAME=A",
		"GIT_COMMITTER_EMAIL=a@x", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir)
}

func git(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	gittest.Need(t)
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(dir)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func newRepo(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "r")
	git(t, filepath.Dir(dir), "", "init", "-q", "-b", "main", dir)
	for _, f := range []string{"a", "d/b", "d/c"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), []byte(f+"\n"), 0o644)
	}
	git(t, dir, "", "add", ".")
	git(t, dir, "", "commit", "-q", "-m", "one")
	git(t, dir, "", "tag", "-a", "-m", "t", "v1")
	return dir
}

func rmObject(t *testing.T, dir, id string) {
	p := filepath.Join(dir, ".git/objects", id[:2], id[2:])
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

// sortedLines sorts output lines, keeping the two lines of a broken link
// together: git prints findings in the order of its object hash table.
func sortedLines(s string) string {
	var items []string
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "broken link from") && i+1 < len(lines) {
			l += "\n" + lines[i+1]
			i++
		}
		if l != "" {
			items = append(items, l)
		}
	}
	sort.Strings(items)
	return strings.Join(items, "\n")
}

// compare runs git fsck and the checker with the same arguments on dir and
// wants the same findings on each stream and the same exit status.
func compare(t *testing.T, dir string, opt Options, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"fsck"}, args...)...)
	cmd.Dir = dir
	cmd.Env = gitEnv(dir)
	var gout, gerr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &gout, &gerr
	code := 0
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatal(err)
		}
		code = ee.ExitCode()
	}
	db := odb.Open(filepath.Join(dir, ".git/objects"))
	defer db.Close()
	var out, errw bytes.Buffer
	old, _ := os.Getwd()
	os.Chdir(dir)
	defer os.Chdir(old)
	c := &Checker{DB: db, Common: filepath.Join(dir, ".git"), Opt: opt, Out: &out, Err: &errw}
	bits, err := c.Run()
	if err != nil {
		t.Fatal(err)
	}
	if bits != code {
		t.Errorf("fsck %v: exit %d, git %d", args, bits, code)
	}
	if g, e := sortedLines(gout.String()), sortedLines(out.String()); g != e {
		t.Errorf("fsck %v stdout:\n%s\ngit:\n%s", args, e, g)
	}
	if g, e := sortedLines(gerr.String()), sortedLines(errw.String()); g != e {
		t.Errorf("fsck %v stderr:\n%s\ngit:\n%s", args, e, g)
	}
	if t.Failed() {
		t.FailNow()
	}
}

func TestCleanRepositoryAndListings(t *testing.T) {
	dir := newRepo(t)
	compare(t, dir, Options{})
	compare(t, dir, Options{Root: true, Tags: true}, "--root", "--tags")
	compare(t, dir, Options{ConnectivityOnly: true}, "--connectivity-only")
}

func TestMissingBlobBrokenLinkAndDangling(t *testing.T) {
	dir := newRepo(t)
	blob := git(t, dir, "", "rev-parse", "HEAD:d/b")
	// Out of the index, so that only the tree reaches it.
	git(t, dir, "", "rm", "-q", "--cached", "d/b")
	rmObject(t, dir, blob)
	git(t, dir, "dangling blob\n", "hash-object", "-w", "--stdin")
	tree := git(t, dir, "", "write-tree")
	git(t, dir, "", "commit-tree", "-m", "lost", tree)
	compare(t, dir, Options{})
	compare(t, dir, Options{NoDangling: true}, "--no-dangling")
	compare(t, dir, Options{Unreachable: true}, "--unreachable")
	compare(t, dir, Options{ConnectivityOnly: true}, "--connectivity-only")
	compare(t, dir, Options{NoReflogs: true}, "--no-reflogs")
}

func TestCorruptAndMisplacedLooseObjects(t *testing.T) {
	dir := newRepo(t)
	junk := git(t, dir, "unreachable\n", "hash-object", "-w", "--stdin")
	p := filepath.Join(dir, ".git/objects", junk[:2], junk[2:])
	os.Chmod(p, 0o644)
	os.WriteFile(p, []byte("not zlib"), 0o644)
	other := git(t, dir, "other\n", "hash-object", "-w", "--stdin")
	// A valid object stored under the wrong name.
	wrong := strings.Repeat("1", 40)
	os.MkdirAll(filepath.Join(dir, ".git/objects/11"), 0o755)
	data, _ := os.ReadFile(filepath.Join(dir, ".git/objects", other[:2], other[2:]))
	os.WriteFile(filepath.Join(dir, ".git/objects/11", wrong[2:]), data, 0o444)
	os.WriteFile(filepath.Join(dir, ".git/objects/11/stray"), []byte("x"), 0o644)
	compare(t, dir, Options{})
}

func TestBadTreesCommitsAndStrict(t *testing.T) {
	dir := newRepo(t)
	blob := git(t, dir, "", "rev-parse", "HEAD:a")
	var id plumbing.Hash
	fmt.Sscanf(blob, "%x", &id)
	tree := func(entries ...string) string {
		var b bytes.Buffer
		for _, e := range entries {
			b.WriteString(e)
			b.WriteByte(0)
			b.Write(id[:])
		}
		return git(t, dir, b.String(), "hash-object", "-t", "tree", "-w", "--literally", "--stdin")
	}
	bad := tree("100664 a", "100644 a", "100755 b", "100644 .git")
	git(t, dir, "", "update-ref", "refs/heads/badtree", git(t, dir, "", "commit-tree", "-m", "bad", bad))
	tree("0100644 z")
	tree("100644 b", "100644 a")
	git(t, dir, "tree "+bad+"\nauthor A <a@x> 1 +0000\ncommitter A a@x> 1 +0000\n\nm\n", "hash-object", "-t", "commit", "-w", "--literally", "--stdin")
	git(t, dir, "object "+blob+"\ntype blob\ntag v2\n\nno tagger\n", "hash-object", "-t", "tag", "-w", "--literally", "--stdin")
	compare(t, dir, Options{})
	compare(t, dir, Options{Policy: treecheck.Policy{Strict: true}}, "--strict")
}

func TestRefsHeadsAndIndex(t *testing.T) {
	dir := newRepo(t)
	os.WriteFile(filepath.Join(dir, ".git/refs/heads/broken"), []byte("garbage\n"), 0o644)
	os.WriteFile(filepath.Join(dir, ".git/refs/heads/gone"), []byte(strings.Repeat("2", 40)+"\n"), 0o644)
	blob := git(t, dir, "", "rev-parse", "HEAD:a")
	os.WriteFile(filepath.Join(dir, ".git/refs/heads/blob"), []byte(blob+"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "new"), []byte("staged\n"), 0o644)
	git(t, dir, "", "add", "new")
	staged := git(t, dir, "", "rev-parse", ":new")
	rmObject(t, dir, staged)
	git(t, dir, "", "symbolic-ref", "HEAD", "refs/heads/unborn")
	compare(t, dir, Options{})
}

func TestPackedObjects(t *testing.T) {
	dir := newRepo(t)
	git(t, dir, "", "repack", "-adq")
	git(t, dir, "", "prune-packed")
	compare(t, dir, Options{})
	packs, _ := filepath.Glob(filepath.Join(dir, ".git/objects/pack/*.pack"))
	f, _ := os.OpenFile(packs[0], os.O_RDWR, 0)
	os.Chmod(packs[0], 0o644)
	f, _ = os.OpenFile(packs[0], os.O_RDWR, 0)
	f.WriteAt([]byte{0xff}, 40)
	f.Close()
	db := odb.Open(filepath.Join(dir, ".git/objects"))
	defer db.Close()
	var out, errw bytes.Buffer
	bits, _ := (&Checker{DB: db, Common: filepath.Join(dir, ".git"), Out: &out, Err: &errw}).Run()
	if bits&ErrorPack == 0 || !strings.Contains(errw.String(), "checksum mismatch") {
		t.Errorf("corrupt pack: bits %d\n%s", bits, errw.String())
	}
}
