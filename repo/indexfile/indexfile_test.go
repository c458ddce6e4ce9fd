package indexfile

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// TestIndexV4RoundTrip writes a version 4 index and reads it back with
// easel's decoder and with go-git's (an independent reading of the format):
// names sharing long prefixes, names longer than 0xfff bytes, a name that is
// a prefix of the next, and stages of one conflicted path.
func TestIndexV4RoundTrip(t *testing.T) {
	long := strings.Repeat("l", 5000)
	names := []string{"a", "a.b", "a/b", "a/b/c", "a/bb", "dir/" + long, "dir/" + long + "x", "z"}
	idx := &index.Index{Version: 4}
	for i, n := range names {
		e := &index.Entry{Name: n, Mode: filemode.Regular, Size: uint32(i)}
		e.Hash = plumbing.ComputeHash(plumbing.BlobObject, []byte(n))
		idx.Entries = append(idx.Entries, e)
	}
	for st := index.AncestorMode; st <= index.TheirMode; st++ {
		idx.Entries = append(idx.Entries, &index.Entry{Name: "m", Mode: filemode.Regular, Stage: st})
	}
	idx.Entries = append(idx.Entries, &index.Entry{Name: "ita", Mode: filemode.Regular, IntentToAdd: true})
	var buf bytes.Buffer
	if err := Encode(&buf, idx); err != nil {
		t.Fatal(err)
	}
	if v := buf.Bytes()[7]; v != 4 {
		t.Fatalf("written as version %d", v)
	}
	got, _, err := Decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var gg index.Index
	if err := index.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(&gg); err != nil {
		t.Fatalf("go-git cannot read it: %v", err)
	}
	if len(got.Entries) != len(idx.Entries) || len(gg.Entries) != len(idx.Entries) {
		t.Fatalf("entries: easel %d, go-git %d, want %d", len(got.Entries), len(gg.Entries), len(idx.Entries))
	}
	for i, want := range idx.Entries {
		for _, e := range []*index.Entry{got.Entries[i], gg.Entries[i]} {
			if e.Name != want.Name || e.Hash != want.Hash || e.Stage != want.Stage || e.Size != want.Size || e.IntentToAdd != want.IntentToAdd {
				t.Errorf("entry %d: got %q %s stage %d, want %q %s stage %d", i, trunc(e.Name), e.Hash, e.Stage, trunc(want.Name), want.Hash, want.Stage)
			}
		}
	}
	// Read back, the index is written again as version 4, byte for byte.
	var again bytes.Buffer
	if err := Encode(&again, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("rewriting a version 4 index changed it")
	}
}

func trunc(s string) string {
	if len(s) > 20 {
		return s[:20] + "..."
	}
	return s
}

// TestIndexMandatoryExtension: an index extension git requires a reader
// to know and easel does not is refused, never read as if the entries
// were all there; the split and sparse ones are reported.
func TestIndexMandatoryExtension(t *testing.T) {
	idx := &index.Index{Version: 2, Entries: []*index.Entry{{Name: "a", Mode: filemode.Regular}}}
	var buf bytes.Buffer
	if err := Encode(&buf, idx); err != nil {
		t.Fatal(err)
	}
	body := buf.Bytes()[:buf.Len()-20]
	for _, ext := range [][]byte{[]byte("abcd\x00\x00\x00\x00"), []byte("sdir\x00\x00\x00\x00"), LinkExtension(plumbing.ZeroHash)} {
		data := append(append([]byte{}, body...), ext...)
		sum := sha1.Sum(data)
		data = append(data, sum[:]...)
		_, exts, err := Decode(data)
		var me *MandatoryExtensionError
		switch sig := string(ext[:4]); sig {
		case "abcd":
			if !errors.As(err, &me) || me.Sig != sig {
				t.Errorf("%s: got %v, want a mandatory extension error", sig, err)
			}
		case "sdir":
			if err != nil || !exts.Sparse {
				t.Errorf("%s: got %v, %+v", sig, err, exts)
			}
		case "link":
			if err != nil || exts.Link == nil {
				t.Errorf("%s: got %v, %+v", sig, err, exts)
			}
		}
	}
}
