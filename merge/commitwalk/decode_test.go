package commitwalk

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// rawCommit hands bytes to go-git's decoder.
type rawCommit struct {
	id   plumbing.Hash
	data []byte
}

func (o *rawCommit) Hash() plumbing.Hash             { return o.id }
func (o *rawCommit) Type() plumbing.ObjectType       { return plumbing.CommitObject }
func (o *rawCommit) SetType(plumbing.ObjectType)     {}
func (o *rawCommit) Size() int64                     { return int64(len(o.data)) }
func (o *rawCommit) SetSize(int64)                   {}
func (o *rawCommit) Writer() (io.WriteCloser, error) { return nil, io.ErrClosedPipe }
func (o *rawCommit) Reader() (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

// sameAsGoGit checks that DecodeCommit, where it decodes, gives what
// go-git's decoder gives (its exported fields), and reports whether it
// took the fast path.
func sameAsGoGit(t testing.TB, id plumbing.Hash, data []byte) bool {
	t.Helper()
	got, ok := DecodeCommit(id, data)
	if !ok {
		return false
	}
	want, err := object.DecodeCommit(nil, &rawCommit{id, data})
	if err != nil {
		t.Fatalf("%s: fast decode took a commit go-git rejects (%v):\n%q", id, err, data)
	}
	// Compare the exported fields only (go-git keeps its source object).
	// Dates compare by instant and zone offset as printed (time
	// zones are distinct values each time).
	g, w := *got, *want
	for _, p := range [][2]*object.Signature{{&g.Author, &w.Author}, {&g.Committer, &w.Committer}} {
		if !p[0].When.Equal(p[1].When) || p[0].When.String() != p[1].When.String() {
			t.Fatalf("%s: date %v, want %v", id, p[0].When, p[1].When)
		}
		p[0].When = p[1].When
	}
	exported := func(c object.Commit) []any {
		return []any{c.Hash, c.Author, c.Committer, c.MergeTag, c.PGPSignature, c.Message, c.TreeHash, c.ParentHashes, c.Encoding, c.ExtraHeaders}
	}
	if !reflect.DeepEqual(exported(g), exported(w)) {
		t.Fatalf("%s: fast decode differs from go-git's:\n got %#v\nwant %#v\nof %q", id, exported(g), exported(w), data)
	}
	return true
}

func TestDecodeCommitAsGoGit(t *testing.T) {
	const tree = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
	const p1 = "parent 1111111111111111111111111111111111111111\n"
	const p2 = "parent 2222222222222222222222222222222222222222\n"
	const au = "author A U Thor <a@example.com> 1112911993 -0700\n"
	const co = "committer C O Mitter <c@example.com> 1112912993 +0130\n"
	for _, tc := range []struct {
		name string
		data string
		fast bool
	}{
		{"root", tree + au + co + "\nsubject\n\nbody\n", true},
		{"merge", tree + p1 + p2 + au + co + "\nMerge\n", true},
		{"empty message", tree + au + co + "\n", true},
		{"no final newline", tree + p1 + au + co + "\nsubject", true},
		{"odd idents", tree + "author  <> 0 +0000\n" + "committer x <y> notadate zone\n\nm\n", true},
		{"ident without email", tree + "author Nobody\n" + co + "\nm\n", true},
		{"uppercase ids", "tree 4B825DC642CB6EB9A060E54BF8D69288FBEE4904\n" + au + co + "\nm\n", true},
		{"encoding", tree + au + co + "encoding ISO-8859-1\n\nm\n", false},
		{"signature", tree + au + co + "gpgsig -----BEGIN PGP SIGNATURE-----\n x\n -----END PGP SIGNATURE-----\n\nm\n", false},
		{"mergetag", tree + p1 + p2 + au + co + "mergetag object 1111111111111111111111111111111111111111\n type commit\n\nm\n", false},
		{"no author", tree + co + "\nm\n", false},
		{"no separator", tree + au + co, false},
		{"short tree", "tree 4b825dc6\n" + au + co + "\nm\n", false},
		{"bad parent", tree + "parent xyz\n" + au + co + "\nm\n", false},
		{"crlf", tree + au + co + "\r\nm\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := plumbing.ComputeHash(plumbing.CommitObject, []byte(tc.data))
			if got := sameAsGoGit(t, id, []byte(tc.data)); got != tc.fast {
				t.Fatalf("fast path taken: %v, want %v", got, tc.fast)
			}
		})
	}
}

// TestDecodeCommitCorpus decodes every commit of git's own history both
// ways: the fast path must agree with go-git wherever it is taken, and be
// taken for nearly all of them.
func TestDecodeCommitCorpus(t *testing.T) {
	bundle := os.Getenv("EASEL_CORPUS")
	if bundle == "" {
		bundle = filepath.Join("..", "..", "..", "shared", "corpus", "git-v1.8.4.bundle")
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Skipf("real-history corpus not found at %s (set EASEL_CORPUS): %v", bundle, err)
	}
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	bundle, _ = filepath.Abs(bundle)
	dir := filepath.Join(t.TempDir(), "corpus")
	if out, err := exec.Command("git", "clone", "-q", "--bare", bundle, dir).CombinedOutput(); err != nil {
		t.Fatalf("clone: %v\n%s", err, out)
	}
	cmd := exec.Command("sh", "-c", "git rev-list --all | git cat-file --batch")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(bytes.NewReader(out))
	total, fast := 0, 0
	for {
		hdr, err := br.ReadString('\n')
		if err == io.EOF {
			break
		}
		f := strings.Fields(hdr)
		if err != nil || len(f) != 3 || f[1] != "commit" {
			t.Fatalf("cat-file header %q: %v", hdr, err)
		}
		n, _ := strconv.Atoi(f[2])
		data := make([]byte, n+1)
		if _, err := io.ReadFull(br, data); err != nil {
			t.Fatal(err)
		}
		total++
		if sameAsGoGit(t, plumbing.NewHash(f[0]), data[:n]) {
			fast++
		}
	}
	t.Logf("%d of %d commits decoded by the fast path", fast, total)
	if total < 30000 || fast < total*9/10 {
		t.Fatalf("fast path took %d of %d commits", fast, total)
	}
}
