package gittest

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOnlyTests: no file of the module but a test imports this package,
// so that nothing shipped depends on a test helper.
func TestOnlyTests(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	const self = "easel.dev/easel/internal/gittest"
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			t.Error(err)
			return nil
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == self {
				t.Errorf("%s imports %s", p, self)
			}
		}
		return nil
	})
}

// TestTwin: Git, Run, Fails and Objects on a repository made here.
func TestTwin(t *testing.T) {
	Need(t)
	Pin(t)
	dir := t.TempDir()
	Git(t, dir, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "f"), []byte("f\n"), 0o644)
	Git(t, dir, "add", "f")
	Git(t, dir, "commit", "-q", "-m", "one")
	if got := Git(t, dir, "log", "-1", "--format=%an <%ae>"); got != "A U Thor <author@example.com>" {
		t.Errorf("author %q: the identity is not pinned", got)
	}
	if out, code := Run(t, dir, []byte("f\n"), "hash-object", "--stdin"); code != 0 || strings.TrimSpace(out) != "6a69f92020f5df77af6e8813ff1232493383b708" {
		t.Errorf("hash-object --stdin: %q, code %d", out, code)
	}
	if _, code := Run(t, dir, nil, "rev-parse", "--verify", "-q", "nosuch"); code != 1 {
		t.Errorf("rev-parse of no ref: code %d, want 1", code)
	}
	if out := Fails(t, dir, "cat-file", "-t", "nosuch"); !strings.Contains(out, "nosuch") {
		t.Errorf("failure output %q", out)
	}
	var types []string
	for _, l := range strings.Split(Objects(t, dir), "\n") {
		id, typ, _ := strings.Cut(l, " ")
		if len(id) != 40 {
			t.Errorf("object line %q", l)
		}
		types = append(types, typ)
	}
	if len(types) != 3 || !strings.Contains(strings.Join(types, " "), "commit") || !strings.Contains(strings.Join(types, " "), "tree") {
		t.Errorf("objects of one commit of one file: %v", types)
	}
}
