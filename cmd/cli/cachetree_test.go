package cli

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"easel.dev/easel/internal/gittest"
)

// indexTreeExt is the payload of the TREE extension of the index in dir
// ("" when there is none).
func indexTreeExt(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(data, []byte("TREE"))
	if i < 0 {
		return ""
	}
	return hex.EncodeToString(data[i : len(data)-20])
}

// cacheNodes lists the valid nodes of a TREE payload (hex, as
// indexTreeExt gives it): path -> "count tree".
func cacheNodes(t *testing.T, ext string) map[string]string {
	t.Helper()
	b, _ := hex.DecodeString(ext)
	b = b[8:]
	out := map[string]string{}
	var walk func(prefix string)
	walk = func(prefix string) {
		nul := bytes.IndexByte(b, 0)
		nl := bytes.IndexByte(b, '\n')
		name := string(b[:nul])
		cnt, sub, _ := strings.Cut(string(b[nul+1:nl]), " ")
		b = b[nl+1:]
		path := prefix + name
		if cnt != "-1" {
			out[path] = cnt + " " + hex.EncodeToString(b[:20])
			b = b[20:]
		}
		subs, _ := strconv.Atoi(sub)
		p := path
		if p != "" {
			p += "/"
		}
		for i := 0; i < subs; i++ {
			walk(p)
		}
	}
	walk("")
	return out
}

// easel writes the index's cache-tree where git does, byte for byte the
// same after the same commands on twin repositories; where git leaves a
// directory invalid that easel can show unchanged, easel's valid nodes
// still name the trees git computes from the index. git fsck accepts it
// and git status reads it.
func TestCacheTreeMatchesGit(t *testing.T) {
	gittest.Need(t)
	gittest.Pin(t)
	gittest.PinDate(t, "1700000000 +0000")
	root := t.TempDir()
	g, e := filepath.Join(root, "g"), filepath.Join(root, "e")
	files := map[string]string{"a/b/f": "1\n", "a/g": "2\n", "c/h": "3\n", "top": "4\n", "d/e/f/x": "5\n", "ab": "6\n"}
	write := func(name, content string) {
		for _, d := range []string{g, e} {
			p := filepath.Join(d, filepath.FromSlash(name))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, d := range []string{g, e} {
		runGit(t, root, "", "init", "-q", "-b", "main", d)
	}
	for name, c := range files {
		write(name, c)
	}
	runGit(t, g, "", "add", ".")
	runEasel(t, e, "add", ".")
	// valid checks every valid node of easel's cache-tree against the
	// trees git computes from easel's index.
	valid := func(what string) {
		t.Helper()
		tmp := filepath.Join(root, "index.tmp")
		data, _ := os.ReadFile(filepath.Join(e, ".git", "index"))
		os.WriteFile(tmp, data, 0o644)
		cmd := exec.Command("git", "write-tree")
		cmd.Dir, cmd.Env = e, append(os.Environ(), "GIT_INDEX_FILE="+tmp)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: git write-tree: %v", what, err)
		}
		top := strings.TrimSpace(string(out))
		for path, v := range cacheNodes(t, indexTreeExt(t, e)) {
			want, spec := top, "."
			if path != "" {
				want = strings.TrimSpace(runGit(t, e, "", "rev-parse", top+":"+path))
				spec = path
			}
			count := strings.Count(runGit(t, e, "", "ls-files", "--", spec), "\n")
			if v != strconv.Itoa(count)+" "+want {
				t.Fatalf("%s: cache-tree node %q is %s, the index makes %d %s", what, path, v, count, want)
			}
		}
	}
	step := func(same bool, args ...string) {
		t.Helper()
		runGit(t, g, "", args...)
		runEasel(t, e, args...)
		what := strings.Join(args, " ")
		gt, et := indexTreeExt(t, g), indexTreeExt(t, e)
		if same && gt != et {
			t.Fatalf("after %s: cache-tree\n git   %s\n easel %s", what, gt, et)
		}
		valid(what)
		if s := runGit(t, e, "", "status", "--porcelain"); s != runGit(t, g, "", "status", "--porcelain") {
			t.Fatalf("after %s: git status differs between the twins: %q", what, s)
		}
	}
	step(true, "commit", "-q", "-m", "one")
	if indexTreeExt(t, e) == "" {
		t.Fatal("commit wrote no cache-tree")
	}
	step(true, "status")
	write("a/g", "7\n")
	step(true, "add", "a/g") // a and the root invalid, the rest kept
	step(true, "commit", "-q", "-m", "two")
	step(true, "branch", "side")
	write("c/h", "8\n")
	step(true, "commit", "-q", "-a", "-m", "three")
	step(true, "checkout", "-q", "side")
	step(true, "switch", "-q", "main")
	step(true, "reset", "-q", "--hard", "HEAD~1")
	step(true, "reset", "-q", "HEAD@{1}")
	step(true, "rm", "-q", "--cached", "top")
	step(true, "add", "top")
	step(true, "commit", "-q", "-m", "four", "a/g", "c/h")
	write("a/b/f", "10\n")
	step(true, "commit", "-q", "-m", "five", "a/b/f")
	step(true, "reset", "-q", "--keep", "HEAD~1")
	step(true, "mv", "a/g", "a/g2")
	step(true, "rm", "-q", "c/h")
	step(true, "commit", "-q", "-m", "six")
	step(true, "checkout", "-q", "-b", "topic")
	write("d/e/f/x", "11\n")
	step(true, "commit", "-q", "-a", "-m", "seven")
	step(true, "checkout", "-q", "main")
	write("ab", "12\n")
	step(true, "commit", "-q", "-a", "-m", "eight")
	step(true, "merge", "-q", "--no-edit", "topic")
	step(true, "checkout", "-q", "topic")
	write("d/n", "14\n")
	step(true, "add", "d/n")
	step(true, "commit", "-q", "-m", "nine")
	step(true, "checkout", "-q", "main")
	step(true, "cherry-pick", "topic")
	write("ab", "13\n")
	step(true, "add", "ab")
	step(true, "restore", "--staged", "ab")
	step(true, "stash", "-q")
	// git invalidates the root on the way; the index ends as HEAD's tree,
	// which easel records.
	step(false, "stash", "pop")
	if out, err := exec.Command("git", "-C", e, "fsck", "--strict", "--no-progress").CombinedOutput(); err != nil {
		t.Fatalf("git fsck: %v\n%s", err, out)
	}
}
