package hashfile

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriter: what a Writer passes on is what was written followed by its
// SHA-1, whether written in pieces larger or smaller than its buffer.
func TestWriter(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1000)
	var out bytes.Buffer
	w := NewWriter(&out, 100)
	w.Write(data[:7])
	w.WriteString(string(data[7:5000]))
	w.Write(data[5000:])
	if w.Offset() != int64(len(data)) {
		t.Fatalf("offset %d, want %d", w.Offset(), len(data))
	}
	sum, err := w.Finish()
	if err != nil {
		t.Fatal(err)
	}
	want := sha1.Sum(data)
	if sum != want {
		t.Errorf("sum %x, want %x", sum, want)
	}
	if !bytes.Equal(out.Bytes(), append(append([]byte{}, data...), want[:]...)) {
		t.Error("output is not the data and its hash")
	}
	if !bytes.Equal(out.Bytes(), Append(append([]byte{}, data...))) {
		t.Error("Append differs from Writer")
	}
	if !Valid(out.Bytes()) {
		t.Error("Valid refuses a good trailer")
	}
	bad := append([]byte{}, out.Bytes()...)
	bad[3] ^= 1
	if Valid(bad) || Valid(bad[:10]) {
		t.Error("Valid accepts a bad trailer or a short file")
	}
}

// TestInstall: the file appears read-only with its content; a failed
// placement leaves no temporary file behind.
func TestInstall(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f")
	if err := InstallFile(path, "tmp_f_", []byte("content")); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "content" {
		t.Fatalf("read %q, %v", got, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("mode %v, want read-only", fi.Mode())
	}
	refused := errors.New("refused")
	if err := Install(dir, "tmp_x_", []byte("x"), func(string) error { return refused }); err != refused {
		t.Fatalf("got %v, want the placement's error", err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 || ents[0].Name() != "sub" {
		t.Errorf("left behind: %v", ents)
	}
}
