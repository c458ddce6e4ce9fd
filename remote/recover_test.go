package remote

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"easel.dev/easel/repo"
)

// Recover removes what a killed server leaves (quarantines, ref locks,
// half-made repositories) and nothing else.
func TestRecoverRemovesLeftoversOnly(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"p", "group/q"} {
		if _, err := repo.Init(context.Background(), filepath.Join(root, d), true, "main"); err != nil {
			t.Fatal(err)
		}
	}
	left := []string{
		".incoming/incoming-1/pack",
		"p/objects/incoming-2/x",
		"p/refs/heads/main.lock",
		"p/HEAD.lock",
		".easel-init-123/objects/x",
		"group/.easel-init-9/HEAD",
	}
	keep := []string{"p/objects/pack/keep", "group/q/refs/heads/topic", "group/notes.txt"}
	for _, f := range append(append([]string(nil), left...), keep...) {
		p := filepath.Join(root, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Recover(root); err != nil {
		t.Fatal(err)
	}
	for _, f := range left {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(f))); err == nil {
			t.Errorf("%s left behind", f)
		}
	}
	for _, f := range keep {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(f))); err != nil {
			t.Errorf("%s removed: %v", f, err)
		}
	}
	for _, d := range []string{"p", "group/q"} {
		if !isBare(filepath.Join(root, d)) {
			t.Errorf("repository %s damaged", d)
		}
	}
}
