package remote

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/packobj"
	"easel.dev/easel/repo/reach"
)

// Every push, and every fetch on the client side, adds a pack. Each
// request opens every pack index of the repository, so time and memory
// per request grew with the number of pushes ever accepted, and packs
// received one push at a time hold few deltas. Past MaxPacks, the packs
// are repacked into one with delta compression, as git's gc --auto does:
// stored deltas whose base is in the same pack are copied, everything
// else is searched again against its neighbours by path and size. Every
// object of the merged packs is kept (reachable or not): an object a
// push in flight needs cannot be lost, and no lock on pushes is needed.

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

// ConsolidatePacks repacks the packs of gitDir into one, with delta
// compression, when there are more than maxPacks, and returns the packs it
// replaced (paths without .pack/.idx) for the caller to delete with
// RemovePacks once no reader can be using them: a reader that listed the
// packs before would fail to find its objects. Until then every object is
// in two packs, which is harmless. The new pack is synced and renamed
// into place (pack before index) before this returns, so a kill at any
// point loses nothing.
//
// Packs listed in obsolete (replaced by an earlier merge, not deleted yet)
// and packs with a .keep file are neither counted nor merged.
func ConsolidatePacks(ctx context.Context, gitDir string, maxPacks int, obsolete ...string) ([]string, error) {
	st, err := RepackPacks(ctx, gitDir, maxPacks, obsolete...)
	return st.Replaced, err
}

// RepackStats says what RepackPacks did.
type RepackStats struct {
	Replaced      []string // packs made redundant (paths without extension)
	Objects       int
	Deltas        int
	Before, After int64 // bytes of the packs merged, and of the new one
}

// RepackPacks is ConsolidatePacks with figures for the log.
func RepackPacks(ctx context.Context, gitDir string, maxPacks int, obsolete ...string) (RepackStats, error) {
	var st RepackStats
	all, err := packFiles(gitDir)
	if err != nil {
		return st, err
	}
	skip := map[string]bool{}
	for _, b := range obsolete {
		skip[b] = true
	}
	var packs []packFile
	for _, p := range all {
		if _, err := os.Stat(p.base + ".keep"); err == nil {
			continue
		}
		if !skip[p.base] {
			packs = append(packs, p)
		}
	}
	if len(packs) <= maxPacks {
		return st, nil
	}
	db := odb.Open(filepath.Join(gitDir, "objects"))
	defer db.Close()
	victims := map[string]bool{}
	for _, p := range packs {
		victims[filepath.Base(p.base)] = true
		st.Before += p.size
	}
	// Every object of the packs merged, once, in an order that keeps
	// objects of one type together; the delta search sorts by itself.
	seen := map[plumbing.Hash]bool{}
	var objs []packobj.Object
	for _, p := range packs {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		err := db.ForEachInPack(filepath.Base(p.base), func(id plumbing.Hash) error {
			if !seen[id] {
				seen[id] = true
				objs = append(objs, packobj.Object{ID: id})
			}
			return nil
		})
		if err != nil {
			return st, err
		}
	}
	seen = nil
	paths := objectPaths(db, objs)
	for i := range objs {
		objs[i].Path = paths[objs[i].ID]
	}
	paths = nil
	dir := filepath.Join(gitDir, "objects", "pack")
	// Deltas are searched afresh (repack -f): the packs being merged are
	// mostly pushed ones, whose senders may have stored objects whole
	// that a delta against their neighbours would shrink, and packobj's
	// reuse rule would never try those pairs again.
	name, res, err := packobj.WritePack(db, dir, objs, packobj.Options{NoReuseDelta: true})
	if err != nil {
		return st, fmt.Errorf("repacking: %w", err)
	}
	st.Objects, st.Deltas = len(res.Entries), res.Deltas+res.ReusedDeltas
	newBase := filepath.Join(dir, name)
	if fi, err := os.Stat(newBase + ".pack"); err == nil {
		st.After = fi.Size()
	}
	for _, p := range packs {
		if p.base != newBase {
			st.Replaced = append(st.Replaced, p.base)
		}
	}
	return st, nil
}

// objectPaths finds the path each tree and blob of objs is reached by
// from the commits among them (git's name hash groups versions of one
// file for the delta search). Objects no commit of the set reaches keep
// no path; only ids and paths are held.
func objectPaths(db *odb.DB, objs []packobj.Object) map[plumbing.Hash]string {
	want := make(map[plumbing.Hash]bool, len(objs))
	w := &reach.Walker{DB: db, Blobs: reach.SkipBlobs, Paths: true}
	for _, o := range objs {
		want[o.ID] = true
	}
	for _, o := range objs {
		if t, _, err := db.Info(o.ID); err == nil && t == plumbing.CommitObject {
			w.Add(o.ID, plumbing.CommitObject, "")
		}
	}
	paths := make(map[plumbing.Hash]string, len(objs))
	w.Visit = func(o reach.Object) error {
		if o.Path != "" && want[o.ID] {
			paths[o.ID] = o.Path
		}
		return nil
	}
	// Missing objects (in no pack merged and nowhere else) are skipped.
	w.Run()
	return paths
}

// RemovePacks deletes packs, index first: a pack without its index is
// invisible to git and easel alike, so no reader ever sees half of one.
func RemovePacks(bases []string) {
	for _, b := range bases {
		os.Remove(b + ".idx")
		os.Remove(b + ".pack")
	}
}
