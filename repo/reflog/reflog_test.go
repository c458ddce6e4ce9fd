package reflog

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

func TestLineParseRoundTrip(t *testing.T) {
	old := plumbing.NewHash("1111111111111111111111111111111111111111")
	new := plumbing.NewHash("2222222222222222222222222222222222222222")
	line := Line(old, new, "A U Thor <author@example.com> 1112911993 -0700", "commit:  two\n words ")
	if want := old.String() + " " + new.String() + " A U Thor <author@example.com> 1112911993 -0700\tcommit: two words"; line != want {
		t.Fatalf("Line = %q, want %q", line, want)
	}
	e, ok := Parse(line)
	if !ok || e.Old != old || e.New != new || e.Name != "A U Thor" || e.Email != "author@example.com" || e.Message != "commit: two words" {
		t.Fatalf("Parse(%q) = %+v, %v", line, e, ok)
	}
	if _, off := e.When.Zone(); e.When.Unix() != 1112911993 || off != -7*3600 {
		t.Fatalf("When = %v", e.When)
	}
	for _, bad := range []string{"", "short", line[:60], old.String() + " " + new.String() + " no ident", old.String() + " " + new.String() + " A <a> 12 +07"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestReadAndForEachIDSkipMalformedLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "HEAD")
	a := plumbing.NewHash("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	b := plumbing.NewHash("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
	data := Line(plumbing.ZeroHash, a, "C <c@example.com> 1 +0000", "one") + "\ngarbage\n" +
		Line(a, b, "C <c@example.com> 2 +0100", "") + "\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	es, err := Read(path)
	if err != nil || len(es) != 2 || es[0].New != a || es[1].Old != a || es[1].New != b || es[1].Message != "" {
		t.Fatalf("Read = %+v, %v", es, err)
	}
	var ids []plumbing.Hash
	if err := ForEachID(path, func(o, n plumbing.Hash) { ids = append(ids, o, n) }); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 4 || ids[1] != a || ids[3] != b {
		t.Fatalf("ForEachID = %v", ids)
	}
	if es, err := Read(filepath.Join(t.TempDir(), "missing")); err != nil || es != nil {
		t.Fatalf("missing log: %v, %v", es, err)
	}
}
