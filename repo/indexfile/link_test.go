package indexfile

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// ewahBytes serializes words as git does, for tests.
func ewahBytes(bits uint32, words ...uint64) []byte {
	b := binary.BigEndian.AppendUint32(nil, bits)
	b = binary.BigEndian.AppendUint32(b, uint32(len(words)))
	for _, w := range words {
		b = binary.BigEndian.AppendUint64(b, w)
	}
	return binary.BigEndian.AppendUint32(b, 0)
}

// rlw is a run-length word: run words of bit, then lits literal words.
func rlw(bit bool, run, lits uint64) uint64 {
	w := run<<1 | lits<<33
	if bit {
		w |= 1
	}
	return w
}

func TestEWAHBits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		data  []byte
		limit int
		want  []int
		bad   bool
	}{
		{name: "empty", data: emptyEWAH, limit: 0, want: nil},
		{name: "literal", data: ewahBytes(70, rlw(false, 0, 2), 1|1<<5|1<<63, 1<<2), limit: 70, want: []int{0, 5, 63, 66}},
		{name: "zero run then literal", data: ewahBytes(200, rlw(false, 2, 1), 1<<3), limit: 200, want: []int{131}},
		{name: "one run", data: ewahBytes(128, rlw(true, 2, 0)), limit: 128, want: seq(0, 128)},
		{name: "two run-length words", data: ewahBytes(200, rlw(false, 0, 1), 2, rlw(true, 1, 1), 1), limit: 200, want: append(append([]int{1}, seq(64, 128)...), 128)},
		{name: "bit past the limit", data: ewahBytes(70, rlw(false, 0, 2), 1, 1<<2), limit: 66, bad: true},
		{name: "run past the limit", data: ewahBytes(0, rlw(true, 1<<32-1, 0)), limit: 1000, bad: true},
		{name: "literal words missing", data: ewahBytes(0, rlw(false, 0, 3), 1), limit: 1000, bad: true},
		{name: "huge zero runs", data: ewahBytes(0, rlw(false, 1<<32-1, 0), rlw(false, 1<<32-1, 0)), limit: 10, want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, n, err := readEWAH(tc.data)
			if err != nil || n != len(tc.data) {
				t.Fatalf("read: %v, %d of %d bytes", err, n, len(tc.data))
			}
			got, err := e.Bits(tc.limit)
			if tc.bad {
				if err == nil {
					t.Fatalf("accepted: %v", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmtInts(got) != fmtInts(tc.want) {
				t.Fatalf("bits %v, want %v", got, tc.want)
			}
		})
	}
	for _, short := range [][]byte{nil, {0, 0, 0}, ewahBytes(0, 1)[:15], ewahBytes(0, 1)[:19], {0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}} {
		if _, _, err := readEWAH(short); err == nil {
			t.Errorf("%x: accepted", short)
		}
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func fmtInts(v []int) string {
	var b strings.Builder
	for _, x := range v {
		b.WriteString(strconv.Itoa(x) + " ")
	}
	return b.String()
}

func TestReadLink(t *testing.T) {
	var base plumbing.Hash
	base[0] = 7
	l, err := readLink(LinkExtension(base)[8:])
	if err != nil || l.Base != base {
		t.Fatalf("%v %v", l, err)
	}
	if b, _ := l.Delete.Bits(0); len(b) != 0 {
		t.Fatal(b)
	}
	if l, err := readLink(base[:]); err != nil || l.Base != base {
		t.Fatalf("no bitmaps: %v %v", l, err)
	}
	for _, bad := range [][]byte{base[:19], append(base[:], 1, 2), append(LinkExtension(base)[8:], 0)} {
		if _, err := readLink(bad); err == nil {
			t.Errorf("%x: accepted", bad)
		}
	}
}

func TestMergeSplit(t *testing.T) {
	ent := func(name string, stage index.Stage, size uint32) *index.Entry {
		return &index.Entry{Name: name, Stage: stage, Size: size, Mode: filemode.Regular}
	}
	base := &index.Index{Entries: []*index.Entry{ent("a", 0, 1), ent("b", 0, 1), ent("c", 1, 1), ent("c", 2, 1), ent("d", 0, 1)}}
	// Replace b (position 1), delete d (position 4); add c at stage 0
	// (replacing its conflict stages) and e.
	split := &index.Index{Version: 2, Entries: []*index.Entry{ent("", 0, 9), ent("c", 0, 2), ent("e", 0, 2)}}
	del, _, _ := readEWAH(ewahBytes(5, rlw(false, 0, 1), 1<<4))
	repl, _, _ := readEWAH(ewahBytes(5, rlw(false, 0, 1), 1<<1))
	got, err := MergeSplit(base, split, &Link{Delete: del, Replace: repl})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range got.Entries {
		names = append(names, e.Name+":"+strconv.Itoa(int(e.Stage))+":"+strconv.Itoa(int(e.Size)))
	}
	if s := strings.Join(names, " "); s != "a:0:1 b:0:9 c:0:2 e:0:2" {
		t.Fatalf("merged %s", s)
	}
	// A replacement with a name, or a replaced position with no entry.
	base = &index.Index{Entries: []*index.Entry{ent("a", 0, 1)}}
	one, _, _ := readEWAH(ewahBytes(1, rlw(false, 0, 1), 1))
	if _, err := MergeSplit(base, &index.Index{Entries: []*index.Entry{ent("x", 0, 1)}}, &Link{Delete: EWAH{}, Replace: one}); err == nil {
		t.Error("named replacement accepted")
	}
	if _, err := MergeSplit(base, &index.Index{}, &Link{Delete: EWAH{}, Replace: one}); err == nil {
		t.Error("replacement without an entry accepted")
	}
}

// TestSplitIndexAgainstGit reads split indexes git wrote (entries
// replaced, deleted and added after the split) and compares the merged
// entries with git's own listing.
func TestSplitIndexAgainstGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	runGit(t, dir, "", "init", "-q")
	for i := 0; i < 150; i++ {
		p := filepath.Join(dir, "d"+strconv.Itoa(i%7), "f"+strconv.Itoa(i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(strconv.Itoa(i)), 0o644)
	}
	runGit(t, dir, "", "add", ".")
	runGit(t, dir, "", "update-index", "--split-index")
	for i := 0; i < 150; i += 11 {
		os.WriteFile(filepath.Join(dir, "d"+strconv.Itoa(i%7), "f"+strconv.Itoa(i)), []byte("changed"), 0o644)
	}
	runGit(t, dir, "", "add", ".")
	runGit(t, dir, "", "rm", "-q", "--cached", "d3/f10", "d5/f40", "d0/f147")
	os.WriteFile(filepath.Join(dir, "new"), []byte("new"), 0o644)
	runGit(t, dir, "", "add", "new")
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	split, exts, err := Decode(data)
	if err != nil || exts.Link == nil {
		t.Fatalf("%v, link %v", err, exts)
	}
	shared, err := os.ReadFile(filepath.Join(dir, ".git", "sharedindex."+exts.Link.Base.String()))
	if err != nil {
		t.Fatal(err)
	}
	base, _, err := Decode(shared)
	if err != nil {
		t.Fatal(err)
	}
	if len(split.Entries) == 0 {
		t.Fatal("git put no entry in the split index: the test tests nothing")
	}
	idx, err := MergeSplit(base, split, exts.Link)
	if err != nil {
		t.Fatal(err)
	}
	want := runGit(t, dir, "", "ls-files", "-s", "--debug")
	// git flags the entries held in .git/index (CE_UPDATE_IN_BASE).
	want = regexp.MustCompile(`flags: 8000000`).ReplaceAllString(want, "flags: 0")
	if got := debugListing(idx); got != want {
		t.Errorf("merged:\n%s\ngit lists:\n%s", got, want)
	}
}

// FuzzLink feeds the link extension reader and the merge hostile input:
// they must fail cleanly, never panic or allocate past the base's size.
func FuzzLink(f *testing.F) {
	var h plumbing.Hash
	f.Add(LinkExtension(h)[8:], 3, 2)
	f.Add(append(append(h[:], ewahBytes(3, rlw(false, 0, 1), 5)...), ewahBytes(3, rlw(false, 0, 1), 2)...), 3, 2)
	f.Add(append(append(h[:], ewahBytes(3, rlw(true, 1, 1), 5)...), ewahBytes(3, rlw(false, 0, 1), 2)...), 100, 2)
	f.Fuzz(func(t *testing.T, data []byte, nbase, nsplit int) {
		l, err := readLink(data)
		if err != nil {
			return
		}
		nbase, nsplit = nbase&1023, nsplit&1023
		base := &index.Index{}
		for i := 0; i < nbase; i++ {
			base.Entries = append(base.Entries, &index.Entry{Name: "b" + strconv.Itoa(i)})
		}
		split := &index.Index{}
		for i := 0; i < nsplit; i++ {
			name := ""
			if i%2 == 1 {
				name = "s" + strconv.Itoa(i)
			}
			split.Entries = append(split.Entries, &index.Entry{Name: name})
		}
		idx, err := MergeSplit(base, split, l)
		if err == nil && len(idx.Entries) > nbase+nsplit {
			t.Fatalf("%d entries from %d and %d", len(idx.Entries), nbase, nsplit)
		}
	})
}
