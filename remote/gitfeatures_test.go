package remote

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// TestGitShallowExclude: --shallow-exclude (deepen-not) cuts the history
// where the named ref's commits start, as git's own upload-pack does, in
// both protocol versions; a name that is no ref fails the clone.
func TestGitShallowExclude(t *testing.T) {
	needGit(t)
	for _, proto := range []string{"0", "2"} {
		t.Run("v"+proto, func(t *testing.T) {
			pinEnv(t)
			root := filepath.Join(t.TempDir(), "srv")
			linearServed(t, root, "proj", 8)
			bare := filepath.Join(root, "proj")
			git(t, bare, "tag", "old", "main~4")
			git(t, bare, "tag", "-a", "-m", "annotated", "older", "main~6")
			url, _ := startServer(t, Config{Root: root})
			pv := "protocol.version=" + proto
			tmp := t.TempDir()
			for i, args := range [][]string{
				{"--shallow-exclude=old"},
				{"--shallow-exclude=refs/tags/older"},
				{"--shallow-exclude=old", "--shallow-exclude=older"},
				{"--shallow-exclude=older", "--shallow-since=2020-01-06T00:00:00Z"},
			} {
				ours, theirs := filepath.Join(tmp, fmt.Sprint("e", i)), filepath.Join(tmp, fmt.Sprint("g", i))
				cloneTwins(t, tmp, append([]string{"-c", pv, "clone", "-q"}, args...), url+"/proj", bare, ours, theirs)
				a := shallowState(t, ours)
				gittest.Same(t, fmt.Sprint("clone ", args), a, shallowState(t, theirs))
				if !strings.Contains(a, "shallow:\n") || strings.HasSuffix(a, "shallow:\n") {
					t.Fatalf("clone %v made no shallow boundary:\n%s", args, a)
				}
				git(t, ours, "fsck", "--strict")
			}
			// Deepening an existing shallow clone by exclusion.
			ours, theirs := filepath.Join(tmp, "e0"), filepath.Join(tmp, "g0")
			git(t, ours, "-c", pv, "fetch", "-q", "--shallow-exclude=older")
			git(t, theirs, "-c", pv, "fetch", "-q", "--shallow-exclude=older")
			gittest.Same(t, "fetch --shallow-exclude", shallowState(t, ours), shallowState(t, theirs))
			out := gitFails(t, tmp, "-c", pv, "clone", "-q", "--shallow-exclude=nosuch", url+"/proj", filepath.Join(tmp, "bad"))
			if !strings.Contains(out, "deepen-not") {
				t.Fatalf("clone excluding no ref: %s", out)
			}
			gitFails(t, tmp, "-c", pv, "clone", "-q", "--shallow-exclude=nosuch", "file://"+bare, filepath.Join(tmp, "badgit"))
		})
	}
}

// TestGitFilterMatchesGit: a partial clone with each filter holds exactly
// the objects a partial clone from git's own upload-pack holds, with
// nested directories and a tree met at two depths (tree:N walks a tree
// met again nearer the root again from there).
func TestGitFilterMatchesGit(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	work := filepath.Join(t.TempDir(), "work")
	git(t, t.TempDir(), "init", "-q", "-b", "main", work)
	write := func(name, content string) {
		p := filepath.Join(work, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	write("top.txt", "top\n")
	write("a/one.txt", "one\n")
	write("a/b/two.txt", "two\n")
	write("a/b/c/three.txt", "three\n")
	write("a/b/c/d/four.txt", "four\n")
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "nested")
	// The same tree a/b/c, now also at the root: met at depth 1 and 3.
	git(t, work, "mv", "a/b/c", "c")
	git(t, work, "commit", "-q", "-m", "moved")
	write("a/b/two.txt", "two, changed\n")
	write("c/d/five.txt", "five\n")
	// Sparse-checkout patterns for sparse:oid: anchored, directory-only,
	// negated, base-name and wildcard lines, and a file matched at one
	// path of two.
	write("sparse-spec", "# comment\n/top.txt\na/\n!a/b/\n*.md\nc/d/\n!five.txt\n/e/*/keep?.txt\n")
	write("docs/readme.md", "readme\n")
	write("a/b/x.md", "x\n")
	write("e/f/keep1.txt", "k\n")
	write("e/f/g/keep2.txt", "k2\n")
	write("e/f/drop.txt", "one\n") // the same blob as a/one.txt, kept there
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "changed")
	git(t, work, "tag", "-a", "-m", "annotated", "v1")
	os.MkdirAll(root, 0o755)
	bare := filepath.Join(root, "proj")
	git(t, root, "clone", "-q", "--bare", work, bare)
	git(t, bare, "config", "uploadpack.allowFilter", "true")
	url, _ := startServer(t, Config{Root: root})
	tmp := t.TempDir()
	for _, proto := range []string{"0", "2"} {
		spec := strings.TrimSpace(git(t, work, "rev-parse", "main:sparse-spec"))
		for _, filter := range []string{"blob:none", "blob:limit=4", "tree:0", "tree:1", "tree:2", "tree:3", "tree:4",
			"sparse:oid=main:sparse-spec", "sparse:oid=" + spec, "object:type=blob", "object:type=tree",
			"object:type=commit", "object:type=tag", "combine:blob:limit=5+tree:2",
			"combine:object:type=blob+sparse:oid=" + spec, "combine:tree:3+combine%3Ablob%3Alimit%3D4%2Bobject%3Atype%3Dblob"} {
			name := strings.NewReplacer(":", "_", "=", "_").Replace(filter) + "-v" + proto
			ours, theirs := filepath.Join(tmp, "e-"+name), filepath.Join(tmp, "g-"+name)
			cloneTwins(t, tmp, []string{"-c", "protocol.version=" + proto, "clone", "-q", "--bare", "--filter=" + filter}, url+"/proj", bare, ours, theirs)
			gittest.Same(t, fmt.Sprintf("--filter=%s (protocol %s)", filter, proto), objectList(t, ours), objectList(t, theirs))
		}
	}
	// A sparse blob that is not there: git's upload-pack dies, easel
	// refuses the fetch; neither clone succeeds.
	gitFails(t, tmp, "clone", "-q", "--filter=sparse:oid=main:x", "file://"+bare, filepath.Join(tmp, "gbad"))
	out := gitFails(t, tmp, "clone", "-q", "--filter=sparse:oid=main:x", url+"/proj", filepath.Join(tmp, "bad"))
	if !strings.Contains(out, "unable to access sparse blob in 'main:x'") {
		t.Fatalf("missing sparse blob: %s", out)
	}
}

// TestGitNegotiateOnly: git fetch --negotiate-only (protocol version 2's
// wait-for-done) prints the commits the server has in common with the
// client, as with git's own upload-pack, and fetches nothing.
func TestGitNegotiateOnly(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	work := linearServed(t, root, "proj", 4)
	bare := filepath.Join(root, "proj")
	url, _ := startServer(t, Config{Root: root})
	tmp := t.TempDir()
	clone := filepath.Join(tmp, "c")
	git(t, tmp, "clone", "-q", url+"/proj", clone)
	// The client moves on alone; its old commits are what is common.
	commitFile(t, clone, "local.txt", "local\n")
	commitFile(t, clone, "local2.txt", "local 2\n")
	before := objectList(t, clone)
	ours := git(t, clone, "fetch", "--negotiate-only", "--negotiation-tip=HEAD", url+"/proj")
	theirs := git(t, clone, "fetch", "--negotiate-only", "--negotiation-tip=HEAD", "file://"+bare)
	if ours != theirs || !strings.Contains(ours, git(t, work, "rev-parse", "HEAD")) {
		t.Fatalf("negotiate-only: easel %q, git %q, server tip %s", ours, theirs, git(t, work, "rev-parse", "HEAD"))
	}
	if objectList(t, clone) != before {
		t.Fatal("negotiate-only fetched objects")
	}
}

// TestGitReportStatusV2: git pushes asking for report-status-v2 when it is
// advertised, and reads the same ok and ng lines from it; push options
// (git push -o) are accepted.
func TestGitReportStatusV2(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	url, _ := startServer(t, Config{Root: root})
	tmp := t.TempDir()
	work := filepath.Join(tmp, "work")
	git(t, tmp, "init", "-q", "-b", "main", work)
	commitFile(t, work, "a.txt", "a\n")
	git(t, work, "remote", "add", "origin", url+"/proj")
	trace := filepath.Join(tmp, "trace")
	t.Setenv("GIT_TRACE_PACKET", trace)
	git(t, work, "push", "-q", "-o", "ci.skip", "-o", "note=x", "origin", "main")
	data, _ := os.ReadFile(trace)
	if !strings.Contains(string(data), "report-status-v2") || !strings.Contains(string(data), "push-options") {
		t.Fatalf("git did not ask for report-status-v2 and push-options:\n%s", data)
	}
	t.Setenv("GIT_TRACE_PACKET", "")
	bare := filepath.Join(root, "proj")
	if a, b := git(t, bare, "rev-parse", "main"), git(t, work, "rev-parse", "main"); a != b {
		t.Fatalf("server main %s, want %s", a, b)
	}
	git(t, work, "tag", "v1")
	git(t, work, "push", "-q", "origin", "v1")
	commitFile(t, work, "b.txt", "b\n")
	git(t, work, "tag", "-f", "v1")
	out := gitFails(t, work, "push", "--force", "--porcelain", "origin", "main", "v1")
	// The tag is refused by the server, and with it the branch (easel's
	// pushes move every ref or none).
	// git shows the server's "already exists" as its own rejection.
	for _, want := range []string{"!\trefs/tags/v1:refs/tags/v1\t[rejected] (already exists)", "!\trefs/heads/main:refs/heads/main\t[remote rejected] (atomic push failure)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("push output lacks %q:\n%s", want, out)
		}
	}
}

// TestGitCloneMemo: a second clone of a repository stored as one pack is
// answered from that pack without walking, and is the same clone; once a
// push adds a pack, clones walk again and get the new history.
func TestGitCloneMemo(t *testing.T) {
	needGit(t)
	pinEnv(t)
	root := filepath.Join(t.TempDir(), "srv")
	work := linearServed(t, root, "proj", 6)
	bare := filepath.Join(root, "proj")
	git(t, bare, "gc", "-q", "--prune=now")
	url, srv := startServer(t, Config{Root: root})
	memo := &srv.repoLock(bare).clones
	tmp := t.TempDir()
	git(t, tmp, "clone", "-q", "--bare", url+"/proj", filepath.Join(tmp, "a"))
	if memo.hits.Load() != 0 {
		t.Fatal("the first clone hit the memo")
	}
	git(t, tmp, "clone", "-q", "--bare", url+"/proj", filepath.Join(tmp, "b"))
	if memo.hits.Load() != 1 {
		t.Fatalf("%d memo hits after a second clone, want 1", memo.hits.Load())
	}
	if a, b := objectList(t, filepath.Join(tmp, "a")), objectList(t, filepath.Join(tmp, "b")); a != b {
		t.Fatalf("clones differ:\n%s\n%s", a, b)
	}
	git(t, filepath.Join(tmp, "b"), "fsck", "--strict")
	// A clone of one branch only wants other tips: no hit.
	git(t, bare, "branch", "side", "main~2")
	git(t, tmp, "clone", "-q", "--bare", "--single-branch", "--branch", "side", url+"/proj", filepath.Join(tmp, "c"))
	if memo.hits.Load() != 1 {
		t.Fatal("a clone of other wants hit the memo")
	}
	if got := git(t, filepath.Join(tmp, "c"), "rev-list", "--count", "--all"); got != "4" {
		t.Fatalf("single-branch clone has %s commits", got)
	}
	commitFile(t, work, "new.txt", "new\n")
	git(t, work, "push", "-q", url+"/proj", "main")
	before := memo.hits.Load()
	d := filepath.Join(tmp, "d")
	git(t, tmp, "clone", "-q", "--bare", url+"/proj", d)
	if memo.hits.Load() != before {
		t.Fatal("a clone after a push hit the memo")
	}
	if a, b := git(t, d, "rev-parse", "main"), git(t, work, "rev-parse", "main"); a != b {
		t.Fatalf("clone after push at %s, want %s", a, b)
	}
	git(t, d, "fsck", "--strict")
}
