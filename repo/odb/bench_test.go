package odb

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
)

// BenchmarkReadCommits reads every commit of the repository at
// $EASEL_BENCH_REPO (a clone of real history), as a log walk does.
// Compare with: git rev-list --all | git cat-file --batch >/dev/null
func BenchmarkReadCommits(b *testing.B) {
	dir := os.Getenv("EASEL_BENCH_REPO")
	if dir == "" {
		b.Skip("set EASEL_BENCH_REPO to a clone of real history")
	}
	out, err := exec.Command("git", "-C", dir, "rev-list", "--all").Output()
	if err != nil {
		b.Fatal(err)
	}
	var ids []plumbing.Hash
	for _, l := range strings.Fields(string(out)) {
		ids = append(ids, plumbing.NewHash(l))
	}
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
