package gitobj

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/memory"
)

// corpusRepo is a repository holding git's history to v1.8.4: the
// unpacked corpus when there is one, else a clone of ../shared/corpus's
// bundle.
func corpusRepo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not found")
	}
	if dir := os.Getenv("EASEL_CORPUS_REPO"); dir != "" {
		return dir
	}
	if _, err := os.Stat("/tmp/gitcorpus/.git"); err == nil {
		return "/tmp/gitcorpus"
	}
	bundle := os.Getenv("EASEL_CORPUS")
	if bundle == "" {
		bundle = filepath.Join("..", "..", "..", "shared", "corpus", "git-v1.8.4.bundle")
	}
	if _, err := os.Stat(bundle); err != nil {
		t.Skipf("corpus bundle not found at %s (set EASEL_CORPUS): %v", bundle, err)
	}
	dir := filepath.Join(t.TempDir(), "corpus.git")
	if out, err := exec.Command("git", "clone", "-q", "--bare", bundle, dir).CombinedOutput(); err != nil {
		t.Fatalf("clone %s: %v\n%s", bundle, err, out)
	}
	return dir
}

// eachObject calls fn with every commit, tag and tree of the repository
// at dir, as git cat-file gives them (blobs are not asked for).
func eachObject(t *testing.T, dir string, fn func(id plumbing.Hash, typ plumbing.ObjectType, data []byte)) {
	t.Helper()
	list, err := exec.Command("git", "-C", dir, "cat-file", "--batch-all-objects", "--unordered",
		"--batch-check=%(objectname) %(objecttype)").Output()
	if err != nil {
		t.Fatalf("cat-file: %v", err)
	}
	var want bytes.Buffer
	for _, line := range strings.Split(string(list), "\n") {
		if id, typ, ok := strings.Cut(line, " "); ok && typ != "blob" {
			want.WriteString(id + "\n")
		}
	}
	cmd := exec.Command("git", "-C", dir, "cat-file", "--batch")
	cmd.Stdin = &want
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReaderSize(out, 1<<20)
	for {
		head, err := br.ReadString('\n')
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(head)
		if len(f) != 3 {
			t.Fatalf("cat-file: %q", head)
		}
		size, _ := strconv.Atoi(f[2])
		data := make([]byte, size+1)
		if _, err := io.ReadFull(br, data); err != nil {
			t.Fatal(err)
		}
		typ, _ := plumbing.ParseObjectType(f[1])
		fn(plumbing.NewHash(f[0]), typ, data[:size])
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestCorpusRoundTrip decodes every commit, tag and tree of git's own
// history and encodes it again: the bytes (so the ids) must come back,
// both from a decoded object and from its fields alone (as a commit
// built in memory is written). The fields must say what go-git's
// decoder said.
func TestCorpusRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("reads the whole corpus")
	}
	dir := corpusRepo(t)
	var commits, tags, trees int
	eachObject(t, dir, func(id plumbing.Hash, typ plumbing.ObjectType, data []byte) {
		switch typ {
		case plumbing.CommitObject:
			commits++
			c, err := DecodeCommit(id, data)
			if err != nil {
				t.Errorf("commit %s: %v", id, err)
				return
			}
			if got := c.Bytes(); !bytes.Equal(got, data) {
				t.Errorf("commit %s: re-encoded\n%q\nwant\n%q", id, got, data)
			}
			if got := fromFields(c).Bytes(); plumbing.ComputeHash(typ, got) != id {
				t.Errorf("commit %s: written from its fields\n%q\nwant\n%q", id, got, data)
			}
			sameAsGoGit(t, c, data)
		case plumbing.TagObject:
			tags++
			tg, err := DecodeTag(id, data)
			if err != nil {
				t.Errorf("tag %s: %v", id, err)
				return
			}
			if got := tg.Bytes(); !bytes.Equal(got, data) {
				t.Errorf("tag %s: re-encoded\n%q\nwant\n%q", id, got, data)
			}
			f := *tg
			f.raw, f.Tagger.raw = "", ""
			if got := f.Bytes(); !bytes.Equal(got, data) {
				t.Errorf("tag %s: written from its fields\n%q\nwant\n%q", id, got, data)
			}
			sameTagAsGoGit(t, tg, data)
		case plumbing.TreeObject:
			trees++
			tr, err := DecodeTree(id, data)
			if err != nil {
				t.Errorf("tree %s: %v", id, err)
				return
			}
			if got := tr.Bytes(); !bytes.Equal(got, data) {
				t.Errorf("tree %s: re-encoded differs", id)
			}
		}
	})
	t.Logf("%d commits, %d tags, %d trees", commits, tags, trees)
	if commits == 0 {
		t.Fatal("no commit read")
	}
}

// fromFields is c as if built in memory: no bytes to fall back on.
func fromFields(c *Commit) *Commit {
	f := *c
	f.raw, f.Author.raw, f.Committer.raw = "", "", ""
	return &f
}

func goGitDecode(t *testing.T, typ plumbing.ObjectType, data []byte) object.Object {
	t.Helper()
	st := memory.NewStorage()
	o := st.NewEncodedObject()
	o.SetType(typ)
	w, _ := o.Writer()
	w.Write(data)
	w.Close()
	obj, err := object.DecodeObject(st, o)
	if err != nil {
		t.Fatalf("go-git: %v", err)
	}
	return obj
}

func sigString(s Signature) string {
	_, off := s.When.Zone()
	return fmt.Sprintf("%q <%q> %d %d", s.Name, s.Email, s.When.Unix(), off)
}

func goGitSigString(s object.Signature) string {
	_, off := s.When.Zone()
	return fmt.Sprintf("%q <%q> %d %d", s.Name, s.Email, s.When.Unix(), off)
}

func sameAsGoGit(t *testing.T, c *Commit, data []byte) {
	t.Helper()
	g := goGitDecode(t, plumbing.CommitObject, data).(*object.Commit)
	for _, d := range []struct{ what, ours, theirs string }{
		{"tree", c.TreeHash.String(), g.TreeHash.String()},
		{"parents", fmt.Sprint(c.ParentHashes), fmt.Sprint(g.ParentHashes)},
		{"author", sigString(c.Author), goGitSigString(g.Author)},
		{"committer", sigString(c.Committer), goGitSigString(g.Committer)},
		{"encoding", c.Encoding, string(g.Encoding)},
		{"mergetag", c.MergeTag, g.MergeTag},
		{"gpgsig", c.PGPSignature, g.PGPSignature},
		{"message", c.Message, g.Message},
	} {
		if d.ours != d.theirs {
			t.Errorf("commit %s: %s %q, go-git %q", c.Hash, d.what, d.ours, d.theirs)
		}
	}
}

func sameTagAsGoGit(t *testing.T, tg *Tag, data []byte) {
	t.Helper()
	g := goGitDecode(t, plumbing.TagObject, data).(*object.Tag)
	for _, d := range []struct{ what, ours, theirs string }{
		{"object", tg.Target.String(), g.Target.String()},
		{"type", tg.TargetType.String(), g.TargetType.String()},
		{"name", tg.Name, g.Name},
		{"tagger", sigString(tg.Tagger), goGitSigString(g.Tagger)},
		{"message", tg.Message, g.Message},
		{"signature", tg.PGPSignature, g.PGPSignature},
	} {
		if d.ours != d.theirs {
			t.Errorf("tag %s: %s %q, go-git %q", tg.Hash, d.what, d.ours, d.theirs)
		}
	}
}
