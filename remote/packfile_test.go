package remote

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestPackFileRenamedWhileOpen: the quarantine keeps reading its pack
// while the pack is renamed to its final name and then into the
// repository, which Windows allows only for a handle shared for deletion.
func TestPackFileRenamedWhileOpen(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp_pack")
	f, err := createPackFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("PACK data"); err != nil {
		t.Fatal(err)
	}
	if _, err := createPackFile(tmp); !errors.Is(err, os.ErrExist) {
		t.Fatalf("creating an existing pack: %v, want it to exist", err)
	}
	named := filepath.Join(dir, "pack-1.pack")
	if err := os.Rename(tmp, named); err != nil {
		t.Fatalf("rename while open: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "repo"), 0o755); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(dir, "repo", "pack-1.pack")
	if err := os.Rename(named, moved); err != nil {
		t.Fatalf("second rename while open: %v", err)
	}
	got, err := io.ReadAll(io.NewSectionReader(f, 0, 9))
	if err != nil || string(got) != "PACK data" {
		t.Fatalf("read through the open handle: %q, %v", got, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(moved)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("pack mode %v, want read-only", fi.Mode())
	}
	if err := os.Remove(moved); err != nil {
		t.Errorf("removing the read-only pack: %v", err)
	}
}
