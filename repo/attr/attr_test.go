package attr

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestParseStates(t *testing.T) {
	f := Parse([]byte("# comment\n*.txt text eol=crlf -diff !merge\n!neg text\n*.c bad\\name\n\"sp ace.md\" foo\n"), "", true)
	if len(f.lines) != 2 {
		t.Fatalf("kept %d lines, want 2 (negative pattern and invalid name dropped)", len(f.lines))
	}
	got := fmt.Sprint(f.lines[0].assigns)
	want := "[{text {1 }} {eol {3 crlf}} {diff {2 }} {merge {0 }}]"
	if got != want {
		t.Errorf("assignments %s, want %s", got, want)
	}
	if f.lines[1].pattern != "sp ace.md" {
		t.Errorf("quoted pattern read as %q", f.lines[1].pattern)
	}
}

func TestMacrosOnlyAtTop(t *testing.T) {
	dir := Parse([]byte("[attr]mine text\n"), "sub", false)
	if len(dir.lines) != 0 {
		t.Fatal("a macro in a subdirectory's file must be ignored, as git does")
	}
}

func TestBinaryMacro(t *testing.T) {
	c, err := New(Options{ReadDir: func(dir string) ([]byte, error) {
		if dir == "" {
			return []byte("*.dat binary\n*.dat diff\n"), nil
		}
		return nil, os.ErrNotExist
	}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Check("x/y.dat")
	if err != nil {
		t.Fatal(err)
	}
	// The later line sets diff; binary still unsets text and merge.
	if !a.Get("diff").IsSet() || !a.Get("text").IsUnset() || !a.Get("merge").IsUnset() || !a.Get("binary").IsSet() {
		t.Errorf("got %v", a)
	}
}

// TestCheckAttrMatchesGit compares every attribute of many paths with git
// check-attr over randomly generated attributes files at three levels, the
// info file and the global file.
func TestCheckAttrMatchesGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	patterns := []string{"*", "*.txt", "*.TXT", "*.c", "a*", "[ab]*.c", "x?", "?.md", "/root.md", "/*.txt",
		"a/*.c", "a/**", "**/b", "**/b/*.c", "a/**/x.c", "b/", "*/x.c", "sub/*", "d[!a]t.c", "*.[ch]",
		"a/b/c.txt", "c.txt", "**/*.md", "a/\\*.c", "\"q u.txt\"", "*~", "[[:digit:]]*", "**"}
	attrs := []string{"text", "-text", "!text", "eol=crlf", "eol=lf", "diff", "-diff", "binary", "mine",
		"foo=bar", "-foo", "!foo", "merge=union", "-merge", "mac", "-mac", "crlf"}
	paths := []string{"x.txt", "X.TXT", "root.md", "a.c", "b.c", "a/x.c", "a/b/x.c", "a/b/c.txt", "b/y.c",
		"sub/b", "sub/deep/b", "a/b", "d1t.c", "dat.c", "h.h", "x1", "1.md", "q u.txt", "a/*.c", "f~", "a/b/c/d.md"}
	rng := rand.New(rand.NewSource(7))
	gen := func(n int, macros bool) string {
		var b strings.Builder
		if macros && rng.Intn(2) == 0 {
			fmt.Fprintf(&b, "[attr]mac %s %s\n", attrs[rng.Intn(5)], attrs[5+rng.Intn(5)])
		}
		for i := 0; i < n; i++ {
			b.WriteString(patterns[rng.Intn(len(patterns))])
			for k := 0; k <= rng.Intn(3); k++ {
				b.WriteString(" " + attrs[rng.Intn(len(attrs))])
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	for round := 0; round < 25; round++ {
		dir := t.TempDir()
		home := filepath.Join(dir, "home")
		work := filepath.Join(dir, "w")
		run := func(args ...string) []byte {
			cmd := exec.Command("git", args...)
			cmd.Dir = work
			cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM=1")
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("git %v: %v", args, err)
			}
			return out
		}
		os.MkdirAll(filepath.Join(home, ".config", "git"), 0o755)
		os.MkdirAll(work, 0o755)
		run("init", "-q")
		files := map[string]string{
			filepath.Join(work, ".gitattributes"):               gen(6, true),
			filepath.Join(work, "a", ".gitattributes"):          gen(4, true), // its macro line is ignored
			filepath.Join(work, "a", "b", ".gitattributes"):     gen(3, false),
			filepath.Join(work, ".git", "info", "attributes"):   gen(2, true),
			filepath.Join(home, ".config", "git", "attributes"): gen(3, true),
		}
		for name, text := range files {
			os.MkdirAll(filepath.Dir(name), 0o755)
			if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		var in bytes.Buffer
		for _, p := range paths {
			in.WriteString(p + "\x00")
		}
		cmd := exec.Command("git", "check-attr", "-a", "-z", "--stdin")
		cmd.Dir = work
		cmd.Stdin = &in
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{}
		fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
		for i := 0; i+2 < len(fields); i += 3 {
			want[fields[i]] = append(want[fields[i]], fields[i+1]+"="+fields[i+2])
		}
		c, err := New(Options{
			InfoFile:   filepath.Join(work, ".git", "info", "attributes"),
			GlobalFile: filepath.Join(home, ".config", "git", "attributes"),
			ReadDir:    WorkTreeReader(work),
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range paths {
			a, err := c.Check(p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for name, v := range a {
				got = append(got, name+"="+v.String())
			}
			sort.Strings(got)
			w := want[p]
			sort.Strings(w)
			if strings.Join(got, " ") != strings.Join(w, " ") {
				var desc strings.Builder
				for name, text := range files {
					fmt.Fprintf(&desc, "--- %s\n%s", name, text)
				}
				t.Fatalf("round %d, %s:\n got  %v\n git  %v\n%s", round, p, got, w, desc.String())
			}
		}
	}
}
