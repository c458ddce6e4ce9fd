package odb

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// benchCommits returns the repository at $EASEL_BENCH_REPO (a clone of
// real history; the benchmark is skipped without it) and the ids of all
// its commits, as git rev-list --all lists them.
func benchCommits(b *testing.B) (dir string, ids []plumbing.Hash) {
	dir = os.Getenv("EASEL_BENCH_REPO")
	if dir == "" {
		b.Skip("set EASEL_BENCH_REPO to a clone of real history")
	}
	out, err := exec.Command("git", "-C", dir, "rev-list", "--all").Output()
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Fields(string(out)) {
		ids = append(ids, plumbing.NewHash(l))
	}
	return dir, ids
}

// BenchmarkReadCommits reads every commit of the repository at
// $EASEL_BENCH_REPO (a clone of real history), as a log walk does.
// Compare with: git rev-list --all | git cat-file --batch >/dev/null
func BenchmarkReadCommits(b *testing.B) {
	dir, ids := benchCommits(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db := Open(filepath.Join(dir, ".git", "objects"))
		for _, id := range ids {
			if _, _, err := db.Read(id); err != nil {
				b.Fatal(err)
			}
		}
		db.Close()
	}
	b.ReportMetric(float64(len(ids)), "commits")
}

// BenchmarkReadCommitsGoGit is the same walk through go-git's file
// system storage, which easel used before odb.
func BenchmarkReadCommitsGoGit(b *testing.B) {
	dir, ids := benchCommits(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := filesystem.NewStorageWithOptions(osfs.New(filepath.Join(dir, ".git")), cache.NewObjectLRU(16*cache.MiByte), filesystem.Options{MaxOpenDescriptors: 16})
		for _, id := range ids {
			o, err := st.EncodedObject(plumbing.AnyObject, id)
			if err != nil {
				b.Fatal(err)
			}
			r, _ := o.Reader()
			io.Copy(io.Discard, r)
			r.Close()
		}
		st.Close()
	}
}

// BenchmarkOpenAndReadGoGit is BenchmarkOpenAndRead through go-git's
// storage.
func BenchmarkOpenAndReadGoGit(b *testing.B) {
	dir := os.Getenv("EASEL_BENCH_REPO")
	if dir == "" {
		b.Skip("set EASEL_BENCH_REPO to a clone of real history")
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		b.Fatal(err)
	}
	id := plumbing.NewHash(strings.TrimSpace(string(out)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := filesystem.NewStorage(osfs.New(filepath.Join(dir, ".git")), cache.NewObjectLRU(cache.MiByte))
		if _, err := st.EncodedObject(plumbing.AnyObject, id); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
}

// BenchmarkOpenAndRead is the cost of a short command: open the database
// and read one object.
func BenchmarkOpenAndRead(b *testing.B) {
	dir := os.Getenv("EASEL_BENCH_REPO")
	if dir == "" {
		b.Skip("set EASEL_BENCH_REPO to a clone of real history")
	}
	out, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		b.Fatal(err)
	}
	id := plumbing.NewHash(strings.TrimSpace(string(out)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db := Open(filepath.Join(dir, ".git", "objects"))
		if _, _, err := db.Read(id); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
}

// BenchmarkInflateCommits inflates the zlib streams of every commit of
// $EASEL_BENCH_REPO, found up front: the decoder's share of a log walk,
// without the index lookups. It reports how many streams hold a dynamic
// Huffman block, which cost a table build each.
func BenchmarkInflateCommits(b *testing.B) {
	dir, ids := benchCommits(b)
	db := Open(filepath.Join(dir, ".git", "objects"))
	defer db.Close()
	type stream struct {
		src  []byte
		size uint64
	}
	var streams []stream
	dynamic, total := 0, 0
	for _, id := range ids {
		p, off, ok := db.findPacked(id)
		if !ok {
			continue
		}
		d, err := p.pack()
		if err != nil {
			b.Fatal(err)
		}
		e, err := parseEntry(d, off)
		if err != nil {
			b.Fatal(err)
		}
		src := d[e.data : len(d)-20]
		streams = append(streams, stream{src, e.size})
		if len(src) > 2 && (src[2]>>1)&3 == 2 {
			dynamic++
		}
		total += int(e.size)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, s := range streams {
			if _, err := inflate(s.src, s.size); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(streams)), "streams")
	b.ReportMetric(float64(dynamic), "dynamic")
	b.ReportMetric(float64(total)/float64(len(streams)), "bytes/stream")
}
