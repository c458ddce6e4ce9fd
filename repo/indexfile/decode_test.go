package indexfile

import (
	"bytes"
	"crypto/sha1"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/internal/gittest"
)

// debugListing is an index's entries as git ls-files -s --debug prints
// them: stage, stat data and git's in-memory flags of each.
func debugListing(idx *index.Index) string {
	var b strings.Builder
	for _, e := range idx.Entries {
		flags := uint32(e.Stage) << 12
		if e.IntentToAdd || e.SkipWorktree {
			flags |= 0x4000
		}
		if e.IntentToAdd {
			flags |= 1 << 29
		}
		if e.SkipWorktree {
			flags |= 1 << 30
		}
		fmt.Fprintf(&b, "%06o %s %d\t%s\n", uint32(e.Mode), e.Hash, e.Stage, e.Name)
		fmt.Fprintf(&b, "  ctime: %d:%d\n", unixSec(e.CreatedAt), unixNsec(e.CreatedAt))
		fmt.Fprintf(&b, "  mtime: %d:%d\n", unixSec(e.ModifiedAt), unixNsec(e.ModifiedAt))
		fmt.Fprintf(&b, "  dev: %d\tino: %d\n", e.Dev, e.Inode)
		fmt.Fprintf(&b, "  uid: %d\tgid: %d\n", e.UID, e.GID)
		fmt.Fprintf(&b, "  size: %d\tflags: %x\n", e.Size, flags)
	}
	return b.String()
}

func unixSec(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func unixNsec(t time.Time) int {
	if t.IsZero() {
		return 0
	}
	return t.Nanosecond()
}

func runGit(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir, "XDG_CONFIG_HOME="+dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

// TestDecodeAgainstGit reads indexes git wrote, in each version, and
// compares every entry with what git itself lists from them: real stat
// data, executable files and symbolic links, conflict stages, an
// intent-to-add and a skip-worktree entry (extended flags), names longer
// than 0xfff bytes, names sharing long prefixes (version 4 compression).
func TestDecodeAgainstGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	dir := t.TempDir()
	runGit(t, dir, "", "init", "-q")
	files := map[string]string{
		"a": "a\n", "b/c": "c\n", "b/c.d": "cd\n", "b-c/e": "e\n", "d/e/f/g": "g\n",
		"d/e/f/h": "h\n", "d/e/ff": "ff\n", "x y": "space\n", "run.sh": "#!/bin/sh\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	gittest.Symlink(t, "a", filepath.Join(dir, "link"))
	runGit(t, dir, "", "add", ".")
	blob := strings.TrimSpace(runGit(t, dir, "x\n", "hash-object", "-w", "--stdin"))
	long := strings.Repeat("long-directory-name/", 220) // 4,400 bytes
	var info strings.Builder
	for _, name := range []string{long + "file", long + "file2", long + "g/h"} {
		fmt.Fprintf(&info, "100644 %s 0\t%s\n", blob, name)
	}
	for stage := 1; stage <= 3; stage++ {
		fmt.Fprintf(&info, "100644 %s %d\tconflict\n", blob, stage)
	}
	runGit(t, dir, info.String(), "update-index", "--index-info")
	if err := os.WriteFile(filepath.Join(dir, "new"), []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, dir, "", "add", "-N", "new")
	runGit(t, dir, "", "update-index", "--skip-worktree", "a")

	for _, version := range []string{"2", "3", "4"} {
		t.Run("v"+version, func(t *testing.T) {
			// git keeps version 3 where an entry has extended flags.
			runGit(t, dir, "", "update-index", "--index-version", version)
			data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
			if err != nil {
				t.Fatal(err)
			}
			idx, _, err := Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			if version == "4" && idx.Version != 4 {
				t.Fatalf("version %d", idx.Version)
			}
			got := debugListing(idx)
			want := runGit(t, dir, "", "-c", "core.quotePath=false", "ls-files", "-s", "--debug")
			if got != want {
				t.Errorf("decoded:\n%s\ngit lists:\n%s", got, want)
			}
		})
	}
}

// TestDecodeCorpusIndex compares the index of a checkout of the corpus
// with git's listing of it, as written and as version 4.
func TestDecodeCorpusIndex(t *testing.T) {
	dir := os.Getenv("EASEL_CORPUS_CHECKOUT")
	if dir == "" {
		t.Skip("EASEL_CORPUS_CHECKOUT (a checkout of ../shared/corpus) not set")
	}
	tmp := t.TempDir()
	data, err := os.ReadFile(filepath.Join(dir, ".git", "index"))
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"", "4"} {
		if version != "" {
			idxFile := filepath.Join(tmp, "index")
			if err := os.WriteFile(idxFile, data, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("git", "update-index", "--index-version", version)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GIT_INDEX_FILE="+idxFile)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if data, err = os.ReadFile(idxFile); err != nil {
				t.Fatal(err)
			}
		}
		idx, _, err := Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("git", "-c", "core.quotePath=false", "ls-files", "-s", "--debug")
		cmd.Dir = dir
		if version != "" {
			cmd.Env = append(os.Environ(), "GIT_INDEX_FILE="+filepath.Join(tmp, "index"))
		}
		want, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		if got := debugListing(idx); got != string(want) {
			t.Errorf("version %q: decoded listing differs from git's (%d entries)", version, len(idx.Entries))
		}
	}
}

// FuzzDecode feeds Decode index bodies (the checksum is made for them) and
// compares what it accepts with go-git's reading of the same bytes, and
// with its own reading of the index written again.
func FuzzDecode(f *testing.F) {
	for _, version := range []uint32{2, 4} {
		idx := &index.Index{Version: version}
		for i, n := range []string{"a", "a/b", "a/b/c", "a/bc", "b", "ita", strings.Repeat("x", 0x1000)} {
			e := &index.Entry{Name: n, Mode: filemode.Regular, Size: uint32(i), ModifiedAt: time.Unix(int64(i), 5)}
			e.IntentToAdd = n == "ita"
			idx.Entries = append(idx.Entries, e)
		}
		var buf bytes.Buffer
		if err := Encode(&buf, idx); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes()[:buf.Len()-20])
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sum := sha1.Sum(body)
		data := append(body[:len(body):len(body)], sum[:]...)
		idx, _, err := Decode(data)
		if err != nil {
			return
		}
		var gg index.Index
		if index.NewDecoder(bytes.NewReader(data)).Decode(&gg) == nil && len(gg.Entries) == len(idx.Entries) {
			for i, e := range idx.Entries {
				g := gg.Entries[i]
				if e.Name != g.Name || e.Hash != g.Hash || e.Stage != g.Stage || e.Mode != g.Mode || e.Size != g.Size ||
					e.IntentToAdd != g.IntentToAdd || e.SkipWorktree != g.SkipWorktree ||
					unixSec(e.ModifiedAt) != unixSec(g.ModifiedAt) || unixNsec(e.ModifiedAt) != unixNsec(g.ModifiedAt) {
					t.Fatalf("entry %d: %+v, go-git reads %+v", i, e, g)
				}
			}
		}
		for _, e := range idx.Entries {
			if unixSec(e.CreatedAt) > math.MaxUint32 || unixSec(e.ModifiedAt) > math.MaxUint32 {
				// Nanoseconds past a second carried into a
				// seconds field already at its largest: not
				// written as read.
				return
			}
		}
		var again bytes.Buffer
		if Encode(&again, idx) != nil { // sorts idx
			return // duplicate or unnamed entries: not written
		}
		idx2, _, err := Decode(again.Bytes())
		if err != nil {
			t.Fatalf("written again, not read: %v", err)
		}
		if got, want := debugListing(idx2), debugListing(idx); got != want {
			t.Fatalf("written again, read as\n%s\nwas\n%s", got, want)
		}
	})
}
