package repo

import (
	"context"
	"os"
	"testing"
	"time"
)

// The status of a clean checkout of the corpus (2,627 files in 177
// directories), the case git answers from stat data alone: what easel
// spends beside the system calls shows in allocations and time.
//
//	go test ./repo -run '^$' -bench 'Corpus(Status|ReadIndex)' -benchmem
//	EASEL_CORPUS_CHECKOUT=/tmp/corpus-clone go test ./repo -run '^$' -bench Corpus

func BenchmarkCorpusReadIndex(b *testing.B) {
	r := openCorpusWorktree(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ReadIndex(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCorpusStatus(b *testing.B) {
	r := openCorpusWorktree(b)
	b.ReportAllocs()
	for b.Loop() {
		st, err := r.Status(context.Background(), StatusOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Files) != 0 {
			b.Fatalf("%d changes in a clean checkout", len(st.Files))
		}
	}
}

func openCorpusWorktree(b *testing.B) *Repository {
	// EASEL_CORPUS_CHECKOUT names a clean checkout to use instead of a
	// fresh clone of the corpus (its index may be rewritten).
	dir := os.Getenv("EASEL_CORPUS_CHECKOUT")
	if dir == "" {
		dir = corpusRepo(b)
	}
	r, err := Open(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	// A status a second after the checkout writes the index again, newer
	// than every file: then no entry is racy, as in a checkout used for
	// a while.
	time.Sleep(1100 * time.Millisecond)
	if _, err := r.Status(context.Background(), StatusOptions{}); err != nil {
		b.Fatal(err)
	}
	return r
}
