package gitconfig

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A kept file is read again when it is replaced (even by one of the same
// size and time), resized, or forgotten after a write; a file modified
// within the racy window is not kept at all.
func TestConfigFileCache(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	write := func(p, text string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if !mtime.IsZero() {
			if err := os.Chtimes(p, mtime, mtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	get := func(want string) {
		t.Helper()
		data, err := readConfigFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != want {
			t.Fatalf("read %q, want %q", data, want)
		}
	}
	kept := func() bool {
		fileCache.Lock()
		defer fileCache.Unlock()
		_, ok := fileCache.m[path]
		return ok
	}

	write(path, "[a]\n\tx = 1\n", time.Time{})
	get("[a]\n\tx = 1\n")
	if kept() {
		t.Fatal("a file modified just now was kept")
	}
	write(path, "[a]\n\tx = 1\n", old)
	get("[a]\n\tx = 1\n")
	if !kept() {
		t.Fatal("an old file was not kept")
	}
	// Replaced by rename, same size and time: another inode.
	tmp := filepath.Join(dir, "config.lock")
	write(tmp, "[a]\n\tx = 2\n", old)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	get("[a]\n\tx = 2\n")
	// Rewritten in place with another size.
	write(path, "[a]\n\tx = 33\n", old)
	get("[a]\n\tx = 33\n")
	// Rewritten in place, size and time kept: only Forget tells.
	write(path, "[a]\n\tx = 44\n", old)
	Forget(path)
	get("[a]\n\tx = 44\n")
	// Removed.
	os.Remove(path)
	if _, err := readConfigFile(path); !os.IsNotExist(err) {
		t.Fatalf("removed file: err %v", err)
	}
}
