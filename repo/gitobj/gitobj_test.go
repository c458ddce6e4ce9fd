package gitobj

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
)

const (
	treeID   = "4b825dc642cb6eb9a060e54bf8d69288fbc4904d"
	parentID = "0123456789abcdef0123456789abcdef01234567"
)

func TestSignatureOddLines(t *testing.T) {
	for _, c := range []struct {
		line, name, email string
		unix              int64
		offset            int // seconds east of UTC
	}{
		{"A U Thor <a@example.com> 1112911993 +0530", "A U Thor", "a@example.com", 1112911993, 5*3600 + 30*60},
		{"A U Thor <a@example.com> 1112911993 -0000", "A U Thor", "a@example.com", 1112911993, 0},
		{"A U Thor <a@example.com> 1112911993 -0130", "A U Thor", "a@example.com", 1112911993, -90 * 60},
		// git reads the zone as one number, hours in the hundreds.
		{"A <a@b> 1 +05300", "A", "a@b", 1, 53*3600 + 0},
		{"A <a@b> 1 junk", "A", "a@b", 1, 0},
		{"A <a@b> 1", "A", "a@b", 1, 0},
		{"A  <a@b>   1   +0100", "A", "a@b", 1, 3600},
		// The date follows the last '>', the address ends at the first.
		{"A <a@b> x> 7 +0000", "A", "a@b", 7, 0},
		{"<a@b> 7 +0000", "", "a@b", 7, 0},
		{"A <> 7 +0000", "A", "", 7, 0},
	} {
		s := ParseSignature(c.line)
		_, off := s.When.Zone()
		if s.Name != c.name || s.Email != c.email || s.When.Unix() != c.unix || off != c.offset {
			t.Errorf("%q: got %q <%q> %d %d", c.line, s.Name, s.Email, s.When.Unix(), off)
		}
		if got := string(s.AppendTo(nil)); got != c.line {
			t.Errorf("%q: written back as %q", c.line, got)
		}
	}
	// Without brackets or date git reads nothing of the line, and the
	// line is kept as it is.
	for _, line := range []string{"A U Thor", "A U Thor <a@example.com", "A <a@b>"} {
		s := ParseSignature(line)
		if s.Email != "" && line != "A <a@b>" || !s.When.IsZero() {
			t.Errorf("%q: got %q <%q> %v", line, s.Name, s.Email, s.When)
		}
		if got := string(s.AppendTo(nil)); got != line {
			t.Errorf("%q: written back as %q", line, got)
		}
	}
}

func TestSignatureChangedIsWrittenFromFields(t *testing.T) {
	s := ParseSignature("A <a@b> 100 -0000")
	s.Name = "B"
	if got := string(s.AppendTo(nil)); got != "B <a@b> 100 +0000" {
		t.Errorf("got %q", got)
	}
	s = Signature{Name: "C", Email: "c@d", When: time.Unix(1700000000, 0).In(time.FixedZone("", -(3*3600 + 30*60)))}
	if got := string(s.AppendTo(nil)); got != "C <c@d> 1700000000 -0330" {
		t.Errorf("got %q", got)
	}
}

func TestCommitOddShapes(t *testing.T) {
	id := plumbing.NewHash(parentID)
	for name, raw := range map[string]string{
		"plain":         "tree " + treeID + "\nparent " + parentID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 -0000\n\nmsg\n",
		"no newline":    "tree " + treeID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n\nmsg",
		"no message":    "tree " + treeID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n",
		"no separator":  "tree " + treeID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000",
		"encoding":      "tree " + treeID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\nencoding ISO-8859-1\n\nm\xe9\n",
		"utf-8 named":   "tree " + treeID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\nencoding UTF-8\n\nm\n",
		"extra headers": "tree " + treeID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\nx-custom one\n two\nbare\n\nm\n",
		"signed":        "tree " + treeID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\nm\n",
		"mergetag": "tree " + treeID + "\nparent " + parentID + "\nparent " + parentID + "\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\n" +
			"mergetag object " + parentID + "\n type commit\n tag v1\n tagger T <t@t> 3 +0100\n \n tag v1\n\nMerge tag 'v1'\n",
		"no email brackets":             "tree " + treeID + "\nauthor A U Thor\ncommitter C <c@d> 2 +0000\n\nm\n",
		"odd zone":                      "tree " + treeID + "\nauthor A <a@b> 1 +05300\ncommitter C <c@d> 2 +0000\n\nm\n",
		"header after committer author": "tree " + treeID + "\ncommitter C <c@d> 2 +0000\nauthor A <a@b> 1 +0000\n\nm\n",
	} {
		c, err := DecodeCommit(id, []byte(raw))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := string(c.Bytes()); got != raw {
			t.Errorf("%s: re-encoded\n%q\nwant\n%q", name, got, raw)
		}
		// A changed commit is written from its fields: git's layout,
		// which these shapes already have, identities kept as read.
		switch name {
		case "no separator", "no message", "utf-8 named", "header after committer author", "extra headers":
			continue
		}
		c.Message += "changed"
		if got := string(c.Bytes()); got != raw+"changed" {
			t.Errorf("%s: written from fields\n%q\nwant\n%q", name, got, raw+"changed")
		}
	}
	c, _ := DecodeCommit(id, []byte("tree "+treeID+"\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\nencoding ISO-8859-1\nx-custom one\n two\n\nm\n"))
	if c.Encoding != "ISO-8859-1" || len(c.ExtraHeaders) != 1 || c.ExtraHeaders[0] != (ExtraHeader{"x-custom", "one\ntwo"}) {
		t.Errorf("headers: %q %q", c.Encoding, c.ExtraHeaders)
	}
	c, _ = DecodeCommit(id, []byte("tree "+treeID+"\nauthor A <a@b> 1 +0000\ncommitter C <c@d> 2 +0000\ngpgsig a\n b\n\nm\n"))
	if c.PGPSignature != "a\nb\n" || c.Message != "m\n" {
		t.Errorf("gpgsig %q message %q", c.PGPSignature, c.Message)
	}
}

func TestCommitMalformed(t *testing.T) {
	for _, raw := range []string{
		"",
		"parent " + parentID + "\n",
		"tree zzz\n",
		"tree " + treeID + "\nparent 0123\n",
	} {
		if _, err := DecodeCommit(plumbing.ZeroHash, []byte(raw)); err == nil {
			t.Errorf("%q decoded", raw)
		}
	}
}

func TestCommitBuiltInMemory(t *testing.T) {
	when := time.Unix(1700000000, 0).In(time.FixedZone("", 3600))
	c := &Commit{
		TreeHash:     plumbing.NewHash(treeID),
		ParentHashes: []plumbing.Hash{plumbing.NewHash(parentID)},
		Author:       Signature{Name: "A", Email: "a@b", When: when},
		Committer:    Signature{Name: "C", Email: "c@d", When: when},
		Encoding:     "ISO-8859-1",
		ExtraHeaders: []ExtraHeader{{"x", "1\n2"}},
		PGPSignature: "sig\nline\n",
		Message:      "m\n",
	}
	want := "tree " + treeID + "\nparent " + parentID + "\nauthor A <a@b> 1700000000 +0100\ncommitter C <c@d> 1700000000 +0100\n" +
		"encoding ISO-8859-1\nx 1\n 2\ngpgsig sig\n line\n\nm\n"
	if got := string(c.Bytes()); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestTagShapes(t *testing.T) {
	id := plumbing.NewHash(parentID)
	for name, raw := range map[string]string{
		// Tags of git's early history have no tagger.
		"no tagger":  "object " + parentID + "\ntype commit\ntag v0.99\n\nGit 0.99\n",
		"tagger":     "object " + parentID + "\ntype commit\ntag v1\ntagger T <t@t> 3 +0100\n\nmsg\n",
		"signed":     "object " + parentID + "\ntype tree\ntag v1\ntagger T <t@t> 3 -0000\n\nmsg\n-----BEGIN PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n",
		"no message": "object " + parentID + "\ntype blob\ntag v1\ntagger T <t@t> 3 +0000\n",
	} {
		tg, err := DecodeTag(id, []byte(raw))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := string(tg.Bytes()); got != raw {
			t.Errorf("%s: re-encoded %q", name, got)
		}
		if name == "signed" && (tg.Message != "msg\n" || !strings.HasPrefix(tg.PGPSignature, "-----BEGIN")) {
			t.Errorf("signed: message %q signature %q", tg.Message, tg.PGPSignature)
		}
		if name == "no tagger" && tg.Tagger != (Signature{}) {
			t.Errorf("no tagger: got %v", tg.Tagger)
		}
	}
	if _, err := DecodeTag(id, []byte("type commit\ntag v1\n\nm\n")); err == nil {
		t.Error("tag without object decoded")
	}
}

func TestTreeRoundTrip(t *testing.T) {
	var raw []byte
	for _, e := range []struct{ mode, name string }{{"100644", "a"}, {"100755", "b"}, {"120000", "l"}, {"160000", "m"}, {"40000", "t"}} {
		raw = append(raw, e.mode+" "+e.name+"\x00"...)
		h := plumbing.NewHash(parentID)
		raw = append(raw, h[:]...)
	}
	tr, err := DecodeTree(plumbing.ZeroHash, raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Entries) != 5 || tr.Entries[4].Mode != filemode.Dir || tr.Entries[2].Mode != filemode.Symlink {
		t.Errorf("entries %v", tr.Entries)
	}
	if !bytes.Equal(tr.Bytes(), raw) {
		t.Errorf("re-encoded %q", tr.Bytes())
	}
	if _, err := DecodeTree(plumbing.ZeroHash, raw[:len(raw)-3]); err == nil {
		t.Error("truncated tree decoded")
	}
	if _, err := tr.FindEntry("zz"); err != ErrEntryNotFound {
		t.Errorf("FindEntry of a missing name: %v", err)
	}
}
