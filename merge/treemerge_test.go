package merge

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/storage/memory"
)

// buildTree stores files (path -> content; a "x:" prefix marks an
// executable, "l:" a symlink) as a tree in st.
func buildTree(t *testing.T, st Store, files map[string]string) plumbing.Hash {
	t.Helper()
	var changes []change
	for p, c := range files {
		mode := filemode.Regular
		switch {
		case strings.HasPrefix(c, "x:"):
			mode, c = filemode.Executable, c[2:]
		case strings.HasPrefix(c, "l:"):
			mode, c = filemode.Symlink, c[2:]
		}
		h, err := writeBlob(st, []byte(c))
		if err != nil {
			t.Fatal(err)
		}
		changes = append(changes, change{path: p, v: ver{Hash: h, Mode: mode}})
	}
	tr := &trees{st: st}
	h, err := applyChanges(context.Background(), tr, plumbing.ZeroHash, changes)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func treeFiles(t *testing.T, st Store, h plumbing.Hash) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(dir string, h plumbing.Hash)
	walk = func(dir string, h plumbing.Hash) {
		tr := &trees{st: st}
		ents, err := tr.read(h)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			p := joinPath(dir, e.Name)
			if e.Mode == filemode.Dir {
				walk(p, e.Hash)
				continue
			}
			b, err := readBlob(st, e.Hash)
			if err != nil {
				t.Fatal(err)
			}
			prefix := ""
			switch e.Mode {
			case filemode.Executable:
				prefix = "x:"
			case filemode.Symlink:
				prefix = "l:"
			}
			out[p] = prefix + string(b)
		}
	}
	walk("", h)
	return out
}

func kinds(res *Result) string {
	var ks []string
	for _, c := range res.Conflicts {
		ks = append(ks, c.Path+"="+c.Kind)
	}
	sort.Strings(ks)
	return strings.Join(ks, " ")
}

// Cases that need no line merge; the oracle test covers the rest.
func TestMergeTreesCases(t *testing.T) {
	base := map[string]string{"keep": "k\n", "a": "a\n", "b": "b\n", "mode": "m\n", "link": "l:t1", "dir/x": "x\n"}
	tests := []struct {
		name           string
		ours, theirs   func(map[string]string)
		want           map[string]string // merged tree; nil: not checked
		conflicts      string
		wantConflictsN int
	}{
		{
			name:   "one side changes, the other adds",
			ours:   func(m map[string]string) { m["a"] = "a2\n" },
			theirs: func(m map[string]string) { m["new"] = "n\n" },
			want:   map[string]string{"keep": "k\n", "a": "a2\n", "b": "b\n", "mode": "m\n", "link": "l:t1", "dir/x": "x\n", "new": "n\n"},
		},
		{
			name:   "both make the same change",
			ours:   func(m map[string]string) { m["a"] = "same\n"; delete(m, "b") },
			theirs: func(m map[string]string) { m["a"] = "same\n"; delete(m, "b") },
			want:   map[string]string{"keep": "k\n", "a": "same\n", "mode": "m\n", "link": "l:t1", "dir/x": "x\n"},
		},
		{
			name:      "modify/delete keeps the modified file",
			ours:      func(m map[string]string) { m["a"] = "a2\n" },
			theirs:    func(m map[string]string) { delete(m, "a") },
			conflicts: "a=modify/delete",
		},
		{
			name:   "mode from one side, content from the other",
			ours:   func(m map[string]string) { m["mode"] = "x:m\n" },
			theirs: func(m map[string]string) { m["mode"] = "m2\n" },
			want:   map[string]string{"keep": "k\n", "a": "a\n", "b": "b\n", "mode": "x:m2\n", "link": "l:t1", "dir/x": "x\n"},
		},
		{
			name:      "symlinks changed differently conflict, ours kept",
			ours:      func(m map[string]string) { m["link"] = "l:ours" },
			theirs:    func(m map[string]string) { m["link"] = "l:theirs" },
			conflicts: "link=content",
		},
		{
			name:      "binary content conflicts, ours kept",
			ours:      func(m map[string]string) { m["a"] = "ours\x00bin" },
			theirs:    func(m map[string]string) { m["a"] = "theirs\x00bin" },
			conflicts: "a=content",
		},
		{
			name:      "file against directory: the file moves aside",
			ours:      func(m map[string]string) { delete(m, "a"); m["a/inner"] = "i\n" },
			theirs:    func(m map[string]string) { m["a"] = "a2\n" },
			conflicts: "a~theirs=file/directory",
		},
		{
			name:   "rename on one side, edit on the other",
			ours:   func(m map[string]string) { delete(m, "dir/x"); m["moved/x"] = "x\n" },
			theirs: func(m map[string]string) { m["dir/x"] = "x\n\n" },
			want:   map[string]string{"keep": "k\n", "a": "a\n", "b": "b\n", "mode": "m\n", "link": "l:t1", "moved/x": "x\n\n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := memory.NewStorage()
			o, th := map[string]string{}, map[string]string{}
			for k, v := range base {
				o[k], th[k] = v, v
			}
			tc.ours(o)
			tc.theirs(th)
			bt, ot, tt := buildTree(t, st, base), buildTree(t, st, o), buildTree(t, st, th)
			res, err := MergeTrees(context.Background(), st, bt, ot, tt, Options{OursName: "ours", TheirsName: "theirs"})
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(res); got != tc.conflicts {
				t.Fatalf("conflicts %q, want %q (messages %v)", got, tc.conflicts, res.Messages)
			}
			if res.Clean != (tc.conflicts == "") {
				t.Fatalf("clean = %v", res.Clean)
			}
			if tc.want != nil {
				got := treeFiles(t, st, res.Tree)
				if len(got) != len(tc.want) {
					t.Fatalf("merged tree %v, want %v", got, tc.want)
				}
				for k, v := range tc.want {
					if got[k] != v {
						t.Fatalf("merged %s = %q, want %q", k, got[k], v)
					}
				}
			}
		})
	}
}
