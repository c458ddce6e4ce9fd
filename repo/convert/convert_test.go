package convert

import (
	"bytes"
	"strings"
	"testing"

	"easel.dev/easel/repo/attr"
)

func conv(t *testing.T, attrs string, cfg *Config) Conversion {
	t.Helper()
	a := attr.Attrs{}
	for _, f := range strings.Fields(attrs) {
		k, v, ok := strings.Cut(f, "=")
		switch {
		case ok:
			a[k] = attr.Value{State: attr.Valued, Text: v}
		case strings.HasPrefix(f, "-"):
			a[f[1:]] = attr.Value{State: attr.Unset}
		default:
			a[f] = attr.Value{State: attr.Set}
		}
	}
	return For(a, cfg)
}

func TestWorkingTreeEncoding(t *testing.T) {
	cfg := &Config{}
	utf16 := []byte{0xff, 0xfe, 'h', 0, 0xe9, 0, '\n', 0}
	c := conv(t, "working-tree-encoding=UTF-16", cfg)
	got, err := c.ToGitFlags("a", utf16, nil, GitFlags{Write: true})
	if err != nil || string(got) != "h\u00e9\n" {
		t.Fatalf("to git: %q %v", got, err)
	}
	back, err := c.ToWorkTree("a", got, "")
	if err != nil || !bytes.Equal(back, utf16) {
		t.Fatalf("to work tree: % x %v", back, err)
	}
	// UTF-16 without a BOM is refused when adding.
	if _, err := c.ToGitFlags("a", utf16[2:], nil, GitFlags{Write: true}); err == nil || !strings.Contains(err.Error(), "BOM is required in 'a' if encoded as UTF-16") {
		t.Errorf("missing BOM: %v", err)
	}
	// With a byte order in the name a BOM is refused.
	c = conv(t, "working-tree-encoding=UTF-16LE", cfg)
	if _, err := c.ToGitFlags("b", utf16, nil, GitFlags{Write: true}); err == nil || !strings.Contains(err.Error(), "BOM is prohibited") {
		t.Errorf("prohibited BOM: %v", err)
	}
	// git's UTF-16LE-BOM writes the BOM itself.
	c = conv(t, "working-tree-encoding=UTF-16LE-BOM", cfg)
	out, err := c.ToWorkTree("c", []byte("x"), "")
	if err != nil || !bytes.Equal(out, []byte{0xff, 0xfe, 'x', 0}) {
		t.Errorf("LE-BOM: % x %v", out, err)
	}
	// UTF-8 itself is no conversion.
	if c := conv(t, "working-tree-encoding=utf8", cfg); !c.Identity() {
		t.Errorf("utf8 converts")
	}
}

func TestSafeCRLF(t *testing.T) {
	var warned []string
	cfg := &Config{SafeCRLF: "warn", Warn: func(m string) { warned = append(warned, m) }}
	c := conv(t, "text eol=crlf", cfg)
	if _, err := c.ToGitFlags("lf.c", []byte("a\nb\n"), nil, GitFlags{Write: true}); err != nil {
		t.Fatal(err)
	}
	want := "warning: in the working copy of 'lf.c', LF will be replaced by CRLF the next time Git touches it"
	if len(warned) != 1 || warned[0] != want {
		t.Errorf("warnings %q", warned)
	}
	// Hashing for status warns of nothing.
	warned = nil
	c.ToGit("lf.c", []byte("a\nb\n"), nil)
	if len(warned) != 0 {
		t.Errorf("status warned: %q", warned)
	}
	cfg.SafeCRLF = "true"
	if _, err := c.ToGitFlags("lf.c", []byte("a\nb\n"), nil, GitFlags{Write: true}); err == nil || err.Error() != "LF would be replaced by CRLF in lf.c" {
		t.Errorf("safecrlf=true: %v", err)
	}
	c = conv(t, "text eol=lf", cfg)
	if _, err := c.ToGitFlags("m.t", []byte("a\r\nb\n"), nil, GitFlags{Write: true}); err == nil || err.Error() != "CRLF would be replaced by LF in m.t" {
		t.Errorf("safecrlf=true, CRLF: %v", err)
	}
	// A file that comes back as it is passes.
	if _, err := c.ToGitFlags("ok.t", []byte("a\nb\n"), nil, GitFlags{Write: true}); err != nil {
		t.Errorf("LF file: %v", err)
	}
}

func TestRenormalize(t *testing.T) {
	c := conv(t, "text=auto", &Config{SafeCRLF: "false"})
	hasCR := func() bool { return true }
	got, _ := c.ToGitFlags("x", []byte("a\r\n"), hasCR, GitFlags{})
	if string(got) != "a\r\n" {
		t.Errorf("CR in index kept: %q", got)
	}
	got, _ = c.ToGitFlags("x", []byte("a\r\n"), hasCR, GitFlags{Renormalize: true})
	if string(got) != "a\n" {
		t.Errorf("renormalize: %q", got)
	}
}
