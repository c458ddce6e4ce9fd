package objfs

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func TestOrphanPackHidden(t *testing.T) {
	dir := t.TempDir()
	pack := filepath.Join(dir, "objects", "pack")
	os.MkdirAll(pack, 0o755)
	for _, f := range []string{"pack-a.pack", "pack-a.idx", "pack-b.pack", "tmp_pack_x"} {
		os.WriteFile(filepath.Join(pack, f), nil, 0o644)
	}
	ents, err := New(dir).ReadDir("objects/pack")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if got := strings.Join(names, " "); got != "pack-a.idx pack-a.pack tmp_pack_x" {
		t.Fatalf("listed %s", got)
	}
	// Other directories are listed whole.
	os.WriteFile(filepath.Join(dir, "objects", "x.pack"), nil, 0o644)
	ents, _ = New(dir).ReadDir("objects")
	if len(ents) != 2 {
		t.Fatalf("objects: %d entries", len(ents))
	}
}
