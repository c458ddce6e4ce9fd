package treecheck

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"easel.dev/easel/internal/gittest"
)

type rawEntry struct{ mode, name string }

func rawTree(entries ...rawEntry) []byte {
	var b bytes.Buffer
	// e69de29b... is the empty blob, 4b825dc6... the empty tree.
	empty := []byte{0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b, 0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91}
	emptyTree := []byte{0x4b, 0x82, 0x5d, 0xc6, 0x42, 0xcb, 0x6e, 0xb9, 0xa0, 0x60, 0xe5, 0x4b, 0xf8, 0xd6, 0x92, 0x88, 0xfb, 0xee, 0x49, 0x04}
	for _, e := range entries {
		b.WriteString(e.mode + " " + e.name)
		b.WriteByte(0)
		if strings.TrimLeft(e.mode, "0") == "40000" {
			b.Write(emptyTree)
		} else {
			b.Write(empty)
		}
	}
	return b.Bytes()
}

var cases = []struct {
	name    string
	entries []rawEntry
	id      string // "" = valid
}{
	{"plain", []rawEntry{{"100644", "a"}, {"100755", "b"}, {"40000", "c"}}, ""},
	{"dir sorts after dash", []rawEntry{{"100644", "a-b"}, {"40000", "a"}}, ""},
	{"dotdot", []rawEntry{{"100644", ".."}}, "hasDotdot"},
	{"dot", []rawEntry{{"100644", "."}}, "hasDot"},
	{"dotgit", []rawEntry{{"40000", ".git"}}, "hasDotgit"},
	{"dotgit upper", []rawEntry{{"40000", ".GIT"}}, "hasDotgit"},
	{"dotgit trailing dot", []rawEntry{{"100644", ".git."}}, "hasDotgit"},
	{"dotgit trailing space", []rawEntry{{"100644", ".git "}}, "hasDotgit"},
	{"ntfs short name", []rawEntry{{"100644", "git~1"}}, "hasDotgit"},
	{"hfs ignorable", []rawEntry{{"100644", ".g\u200cit"}}, "hasDotgit"},
	{"slash", []rawEntry{{"100644", "a/b"}}, "fullPathname"},
	{"empty name", []rawEntry{{"100644", ""}}, "emptyName"},
	{"zero padded", []rawEntry{{"040000", "d"}}, "zeroPaddedFilemode"},
	{"duplicate", []rawEntry{{"100644", "a"}, {"100644", "a"}}, "duplicateEntries"},
	{"duplicate file and dir", []rawEntry{{"100644", "a"}, {"100644", "a-b"}, {"40000", "a"}}, "duplicateEntries"},
	{"unsorted", []rawEntry{{"100644", "b"}, {"100644", "a"}}, "treeNotSorted"},
	{"gitmodules symlink", []rawEntry{{"120000", ".gitmodules"}}, "gitmodulesSymlink"},
}

func TestParseTree(t *testing.T) {
	for _, c := range cases {
		_, err := ParseTree(rawTree(c.entries...))
		var e *Error
		switch {
		case c.id == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.id != "" && !errors.As(err, &e):
			t.Errorf("%s: accepted, want %s", c.name, c.id)
		case c.id != "" && e.ID != c.id:
			t.Errorf("%s: got %s, want %s", c.name, e.ID, c.id)
		case c.id != "" && !errors.Is(err, ErrBadTree):
			t.Errorf("%s: error does not wrap ErrBadTree", c.name)
		}
	}
	if _, err := ParseTree([]byte("100644 a\x00short")); err == nil {
		t.Error("truncated tree accepted")
	}
}

// TestAgreesWithGitFsck writes each crafted tree into a real repository and
// checks that `git fsck --strict` refuses exactly the trees we refuse.
func TestAgreesWithGitFsck(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	for _, c := range cases {
		if c.name == "empty name" {
			continue // git fsck names this one differently across versions
		}
		dir := t.TempDir()
		run := func(stdin []byte, args ...string) (string, error) {
			cmd := exec.Command("git", args...)
			cmd.Dir = dir
			cmd.Stdin = bytes.NewReader(stdin)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		if out, err := run(nil, "init", "-q"); err != nil {
			t.Fatal(out)
		}
		if _, err := run(nil, "hash-object", "-w", "--stdin"); err != nil {
			t.Fatal(err)
		}
		if out, err := run(nil, "mktree"); err != nil { // the empty tree
			t.Fatal(out)
		}
		id, err := run(rawTree(c.entries...), "hash-object", "-t", "tree", "-w", "--literally", "--stdin")
		if err != nil {
			t.Fatalf("%s: %s", c.name, id)
		}
		out, err := run(nil, "fsck", "--strict", "--no-dangling")
		gitRefuses := err != nil || strings.Contains(out, "error") || strings.Contains(out, "warning")
		if gitRefuses != (c.id != "") {
			t.Errorf("%s: git fsck refuses=%v (%s), we refuse=%v", c.name, gitRefuses, strings.TrimSpace(out), c.id != "")
		}
	}
}

func TestPathAndSafeJoin(t *testing.T) {
	for _, p := range []string{"a", "a/b/c", "dir/.gitignore", ".github/x"} {
		if err := Path(p); err != nil {
			t.Errorf("%q refused: %v", p, err)
		}
	}
	for _, p := range []string{"", "/etc/passwd", "../x", "a/../../x", "a/.git/config", ".GIT/hooks/x", "a//b", "C:/x", "a\\..\\.git"} {
		if err := Path(p); err == nil {
			t.Errorf("%q accepted", p)
		}
	}
	root := t.TempDir()
	outside := t.TempDir()
	gittest.Symlink(t, outside, filepath.Join(root, "link"))
	if _, err := SafeJoin(root, "link/evil"); err == nil {
		t.Error("path through a symlinked directory accepted")
	}
	got, err := SafeJoin(root, "new/dir/file")
	if err != nil || got != filepath.Join(root, "new", "dir", "file") {
		t.Errorf("SafeJoin: %q %v", got, err)
	}
}

func TestGitmodules(t *testing.T) {
	ok := "[submodule \"lib\"]\n\tpath = lib\n\turl = https://example.com/lib.git\n"
	if err := Gitmodules([]byte(ok)); err != nil {
		t.Errorf("good .gitmodules refused: %v", err)
	}
	for _, bad := range []string{
		"[submodule \"../../x\"]\n\tpath = x\n",
		"[submodule \"x\"]\n\tpath = ../x\n",
		"[submodule \"x\"]\n\turl = --upload-pack=touch /tmp/pwned\n",
	} {
		if err := Gitmodules([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzParseTree(f *testing.F) {
	for _, c := range cases {
		f.Add(rawTree(c.entries...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseTree(data)
		if err != nil {
			return
		}
		// Whatever is accepted must be safe to write into a work tree
		// below a directory (a top-level "C:" is Path's business).
		for i, e := range entries {
			if err := Path("sub/" + e.Name); err != nil {
				t.Fatalf("accepted unsafe name %q: %v", e.Name, err)
			}
			if i > 0 && compareEntries(entries[i-1], e) >= 0 {
				t.Fatalf("accepted unsorted or duplicate entries %q, %q", entries[i-1].Name, e.Name)
			}
		}
	})
}

func FuzzPath(f *testing.F) {
	for _, s := range []string{"a/b", "../x", ".git/config", "a/.GIT./b", "git~1", "/abs"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if Path(p) != nil {
			return
		}
		clean := filepath.Clean(p)
		if clean == ".." || strings.HasPrefix(clean, "../") || filepath.IsAbs(clean) {
			t.Fatalf("accepted %q which escapes as %q", p, clean)
		}
		for _, part := range strings.Split(p, "/") {
			if strings.EqualFold(strings.TrimRight(part, ". "), ".git") {
				t.Fatalf("accepted %q containing .git", p)
			}
		}
	})
}
