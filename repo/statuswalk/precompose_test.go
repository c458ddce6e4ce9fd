package statuswalk

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"easel.dev/easel/repo/pathspec"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

type noRules struct{}

func (noRules) Child(string, []byte) Rules { return noRules{} }
func (noRules) Ignored(string, bool) bool  { return false }

const (
	cafeNFD = "cafe\u0301.txt"
	cafeNFC = "caf\u00e9.txt"
	aumlNFD = "A\u0308"
	aumlNFC = "\u00c4"
)

func TestPrecompose(t *testing.T) {
	for in, want := range map[string]string{
		"plain.txt":             "plain.txt",
		cafeNFD:                 cafeNFC,
		cafeNFC:                 cafeNFC,
		aumlNFD + "/" + cafeNFD: aumlNFC + "/" + cafeNFC,
	} {
		if got := Precompose(in); got != want {
			t.Errorf("Precompose(%q) = %q, want %q", in, got, want)
		}
		if got := string(precomposeName([]byte(in))); got != want {
			t.Errorf("precomposeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// A walk with core.precomposeUnicode reports decomposed names read from
// the file system composed, and takes a decomposed name whose composed
// form is indexed for the indexed path, not an untracked one.
func TestWalkPrecompose(t *testing.T) {
	dir := t.TempDir()
	// Files only: on a file system that does not fold normalization
	// forms (Linux), a directory cannot be read again by its composed
	// name, which macOS allows.
	for _, p := range []string{cafeNFD, aumlNFD + ".txt"} {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte("x\n"), 0o644); err != nil {
			t.Skipf("file system refuses the name %q: %v", p, err)
		}
	}
	idx := &index.Index{Version: 2, Entries: []*index.Entry{{Name: aumlNFC + ".txt", Mode: filemode.Regular}}}
	walk := func(precompose bool) []Found {
		res, err := Walk(context.Background(), idx, nil, Options{
			WorkDir: dir, Untracked: UntrackedNormal, Rules: noRules{}, Pathspec: pathspec.New(nil),
			Precompose: precompose,
		}, true)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(res.Found, func(a, b Found) int {
			if a.Path < b.Path {
				return -1
			}
			return 1
		})
		return res.Found
	}
	got := walk(true)
	want := []Found{{cafeNFC, '?'}}
	if !slices.Equal(got, want) {
		t.Errorf("with precompose: %q, want %q", got, want)
	}
	got = walk(false)
	if !slices.Contains(got, Found{aumlNFD + ".txt", '?'}) || !slices.Contains(got, Found{cafeNFD, '?'}) {
		t.Errorf("without precompose the names stay as the file system has them: %q", got)
	}
}
