package remote

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Every push, and every fetch on the client side, adds a pack. Each
// request opens every pack index of the repository, so time and memory
// per request grew with the number of pushes ever accepted. Past MaxPacks,
// the packs other than the largest are merged into one: the work is
// proportional to what was added since the last merge, not to the
// repository, and the largest pack (the bulk of the history) is left alone.

// MaxPacks is how many packs a repository may hold before
// ConsolidatePacks merges them (git's gc.autoPackLimit is 50).
const MaxPacks = 32

type packFile struct {
	base string // path without .pack/.idx
	size int64
}

// packFiles lists the packs of gitDir that have both files.
func packFiles(gitDir string) ([]packFile, error) {
	dir := filepath.Join(gitDir, "objects", "pack")
	ents, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []packFile
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".idx")
		if !ok || !strings.HasPrefix(name, "pack-") {
			continue
		}
		base := filepath.Join(dir, name)
		fi, err := os.Stat(base + ".pack")
		if err != nil {
			continue
		}
		out = append(out, packFile{base: base, size: fi.Size()})
	}
	return out, nil
}

// ConsolidatePacks merges every pack of gitDir but the largest into one
// when there are more than maxPacks, and reports how many it merged. The
// new pack is written and checked like a received one (quarantined, every
// object hashed) and made visible before the old ones are deleted, so a
// kill at any point loses nothing. The caller must keep every reader of the
// repository's packs out while it runs: readers that opened the old packs
// would fail to find them.
func ConsolidatePacks(ctx context.Context, gitDir string, maxPacks int) (int, error) {
	packs, err := packFiles(gitDir)
	if err != nil || len(packs) <= maxPacks {
		return 0, err
	}
	sort.Slice(packs, func(i, j int) bool { return packs[i].size > packs[j].size })
	victims := packs[1:]

	store := OpenObjectStore(gitDir)
	defer store.Close()
	src := &packSource{}
	defer src.Close()
	seen := map[plumbing.Hash]bool{}
	var ids []plumbing.Hash
	for _, p := range victims {
		rel, err := filepath.Rel(gitDir, p.base)
		if err != nil {
			return 0, err
		}
		rp, err := openRawPack(store.Filesystem(), filepath.ToSlash(rel))
		if err != nil {
			return 0, err
		}
		if rp == nil {
			continue
		}
		src.packs = append(src.packs, rp)
		it, err := rp.idx.Entries()
		if err != nil {
			return 0, err
		}
		for {
			e, err := it.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				it.Close()
				return 0, err
			}
			if !seen[e.Hash] {
				seen[e.Hash] = true
				ids = append(ids, e.Hash)
			}
		}
		it.Close()
	}

	pr, pw := io.Pipe()
	go func() {
		_, err := writePackReusing(ctx, pw, store, src, ids)
		pw.CloseWithError(err)
	}()
	q, err := Receive(ctx, filepath.Join(gitDir, "objects"), pr)
	pr.CloseWithError(io.ErrClosedPipe) // stops the writer if Receive gave up early
	if err != nil {
		return 0, fmt.Errorf("merging packs: %w", err)
	}
	if q.Objects != len(ids) {
		q.Discard()
		return 0, fmt.Errorf("merging packs: %d objects written, %d expected", q.Objects, len(ids))
	}
	newBase := filepath.Join(gitDir, "objects", "pack", "pack-"+q.PackHash.String())
	if _, err := q.Accept(gitDir); err != nil {
		return 0, err
	}
	// The index goes first: a pack without one is invisible to git and
	// easel alike, so the objects are never listed twice or half.
	for _, p := range victims {
		if p.base == newBase {
			continue
		}
		os.Remove(p.base + ".idx")
		os.Remove(p.base + ".pack")
	}
	return len(victims), nil
}
