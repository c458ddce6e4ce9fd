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
// the smallest packs are merged into one, leaving MaxPacks/2: mostly the
// packs of recent pushes, so a merge costs about what MaxPacks/2 pushes
// brought, and the large packs (the bulk of the history, and earlier
// merges once they have grown) are rarely rewritten.

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

// ConsolidatePacks merges the smallest packs of gitDir into one when there
// are more than maxPacks, leaving maxPacks/2, and returns the merged packs
// (paths without .pack/.idx) for the caller to delete with RemovePacks
// once no reader can be using them: a reader that listed the packs before
// would fail to find its objects. Until then every object is in two packs,
// which is harmless. The new pack is written and checked like a received
// one (quarantined, every object hashed) and made visible before this
// returns, so a kill at any point loses nothing.
//
// Packs listed in obsolete (replaced by an earlier merge, not deleted yet)
// are neither counted nor merged again.
func ConsolidatePacks(ctx context.Context, gitDir string, maxPacks int, obsolete ...string) ([]string, error) {
	all, err := packFiles(gitDir)
	if err != nil {
		return nil, err
	}
	skip := map[string]bool{}
	for _, b := range obsolete {
		skip[b] = true
	}
	var packs []packFile
	for _, p := range all {
		if !skip[p.base] {
			packs = append(packs, p)
		}
	}
	if len(packs) <= maxPacks {
		return nil, nil
	}
	sort.Slice(packs, func(i, j int) bool { return packs[i].size < packs[j].size })
	victims := packs[:len(packs)-maxPacks/2]

	store := OpenObjectStore(gitDir)
	defer store.Close()
	src := &packSource{}
	defer src.Close()
	seen := map[plumbing.Hash]bool{}
	var ids []plumbing.Hash
	for _, p := range victims {
		rel, err := filepath.Rel(gitDir, p.base)
		if err != nil {
			return nil, err
		}
		rp, err := openRawPack(store.Filesystem(), filepath.ToSlash(rel))
		if err != nil {
			return nil, err
		}
		if rp == nil {
			continue
		}
		src.packs = append(src.packs, rp)
		it, err := rp.idx.Entries()
		if err != nil {
			return nil, err
		}
		for {
			e, err := it.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				it.Close()
				return nil, err
			}
			if !seen[e.Hash] {
				seen[e.Hash] = true
				ids = append(ids, e.Hash)
			}
		}
		it.Close()
	}

	pr, pw := io.Pipe()
	written := make(chan struct{})
	go func() {
		defer close(written)
		_, err := writePackReusing(ctx, pw, store, src, ids)
		pw.CloseWithError(err)
	}()
	// The repository's own objects: no size or depth limit applies.
	q, err := ReceiveLimited(ctx, filepath.Join(gitDir, "objects"), pr, unlimited())
	pr.CloseWithError(io.ErrClosedPipe) // stops the writer if Receive gave up early
	<-written                           // before store and src are closed
	if err != nil {
		return nil, fmt.Errorf("merging packs: %w", err)
	}
	if q.Objects != len(ids) {
		q.Discard()
		return nil, fmt.Errorf("merging packs: %d objects written, %d expected", q.Objects, len(ids))
	}
	newBase := filepath.Join(gitDir, "objects", "pack", "pack-"+q.PackHash.String())
	if _, err := q.Accept(gitDir); err != nil {
		return nil, err
	}
	var old []string
	for _, p := range victims {
		if p.base != newBase {
			old = append(old, p.base)
		}
	}
	return old, nil
}

// RemovePacks deletes packs, index first: a pack without its index is
// invisible to git and easel alike, so no reader ever sees half of one.
func RemovePacks(bases []string) {
	for _, b := range bases {
		os.Remove(b + ".idx")
		os.Remove(b + ".pack")
	}
}
