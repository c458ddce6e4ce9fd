package gitconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// A file read again after it changed gives its new values, including a
// change that keeps its size; an unchanged one gives the same values.
func TestReadFileSeesChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	get := func() string {
		t.Helper()
		vals, err := ReadFile(path, path, "local", nil)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, v := range vals {
			s += fmt.Sprintf("%s=%s@%d;", v.Key, v.Value, v.Line)
		}
		return s
	}
	for _, tc := range []struct{ text, want string }{
		{"[core]\n\tbare = false\n", "core.bare=false@2;"},
		{"[core]\n\tbare = false\n", "core.bare=false@2;"},
		{"[core]\n\tbare = fals1\n", "core.bare=fals1@2;"},
		{"[a \"B\"]\nx = 1\n[core]\n\tbare = true\n", "a.B.x=1@2;core.bare=true@4;"},
	} {
		if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := get(); got != tc.want {
			t.Errorf("%q: read %q, want %q", tc.text, got, tc.want)
		}
	}
	// A text that does not parse is refused every time, not only once.
	os.WriteFile(path, []byte("[core\n"), 0o644)
	for i := 0; i < 2; i++ {
		if _, err := ReadFile(path, path, "local", nil); err == nil {
			t.Fatalf("read %d of a bad file: no error", i)
		}
	}
}

func TestParseCacheBounded(t *testing.T) {
	for i := 0; i < 3*parseCacheEntries; i++ {
		if _, err := ReadData([]byte(fmt.Sprintf("[x]\n\ty = %d\n", i)), &Origin{Type: "blob"}, "", nil, 0); err != nil {
			t.Fatal(err)
		}
	}
	parseCache.Lock()
	n := len(parseCache.m)
	parseCache.Unlock()
	if n > parseCacheEntries {
		t.Errorf("%d parses kept, at most %d wanted", n, parseCacheEntries)
	}
}
