// Package repack is git's repack: the reachable objects (or, without
// All, the reachable objects still loose) written as one new pack with
// delta compression, and with Delete the packs and loose objects it makes
// redundant removed — only once the new pack and its index are on disk
// and synced, so that a crash at any moment loses nothing.
package repack

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/packobj"
	"easel.dev/easel/repo/prune"
	"easel.dev/easel/repo/reach"
)

// Options are git repack's.
type Options struct {
	All    bool // -a: every reachable object, into one pack
	Loosen bool // -A: with Delete, unreachable objects of the old packs are kept loose
	Delete bool // -d: remove the packs and loose objects made redundant
	Local  bool // -l: leave out objects borrowed from alternates
	// UnpackUnreachable (with Loosen) keeps loose only the unreachable
	// objects of packs newer than this; older ones are dropped, as git
	// gc's --unpack-unreachable=<gc.pruneExpire> does. Zero keeps all.
	UnpackUnreachable time.Time
	Pack              packobj.Options
	// Extra roots (objects a server keeps for pushes in flight).
	Extra []plumbing.Hash
	// KeepPacks are packs (pack-<id>, with or without .pack) treated as
	// if they had a .keep file (--keep-pack).
	KeepPacks []string
	// KeepLargest keeps the largest pack as it is (gc --keep-largest-pack).
	KeepLargest bool
	// UpdateServerInfo rewrites objects/info/packs and info/refs for
	// dumb transports afterwards, as git repack does unless -n.
	UpdateServerInfo bool
}

// Result is what a repack did.
type Result struct {
	Pack         string // the new pack's base name; empty when nothing was packed
	Objects      int
	Deltas       int
	Reused       int
	ReusedDeltas int
	RemovedPacks []string
	RemovedLoose int
	Loosened     int
}

// ErrNothing is returned (with an empty Result) when there is nothing
// new to pack.
var ErrNothing = errors.New("nothing new to pack")

// Run repacks the repository whose common git directory is common.
func Run(db *odb.DB, common string, opt Options) (Result, error) {
	var res Result
	packs := db.OwnPacks()
	keep := map[string]bool{}
	for _, k := range opt.KeepPacks {
		keep[strings.TrimSuffix(filepath.Base(k), ".pack")] = true
	}
	var largest *odb.OwnPack
	for i, p := range packs {
		if p.Keep {
			keep[p.Name] = true
		}
		if largest == nil || p.Size > largest.Size {
			largest = &packs[i]
		}
	}
	if opt.KeepLargest && largest != nil {
		keep[largest.Name] = true
	}
	// The objects to pack, in the walk's order, with their paths.
	roots, _ := reach.Collect(common, reach.Options{})
	w := &reach.Walker{DB: db, Blobs: reach.SkipBlobs, Paths: true, Shallow: reach.Shallow(common)}
	w.AddRoots(roots)
	for _, id := range opt.Extra {
		w.Add(id, plumbing.AnyObject, "")
	}
	var commits, tags, rest []packobj.Object
	w.Visit = func(o reach.Object) error {
		if !want(db, o.ID, opt, keep) {
			return nil
		}
		po := packobj.Object{ID: o.ID, Path: o.Path}
		switch o.Type {
		case plumbing.CommitObject:
			commits = append(commits, po)
		case plumbing.TagObject:
			tags = append(tags, po)
		default:
			rest = append(rest, po)
		}
		return nil
	}
	if err := w.Run(); err != nil {
		return res, err
	}
	// git writes commits first, then tags, then trees and blobs: a walk
	// of history then reads the front of the pack only.
	objs := append(append(commits, tags...), rest...)
	commits, tags, rest = nil, nil, nil
	if len(objs) == 0 && !opt.All {
		if opt.UpdateServerInfo {
			if err := UpdateServerInfo(db, common); err != nil {
				return res, err
			}
		}
		return res, ErrNothing
	}
	dir := filepath.Join(db.Dir(), "pack")
	if len(objs) > 0 {
		name, pr, err := packobj.WritePack(db, dir, objs, opt.Pack)
		if err != nil {
			return res, err
		}
		res.Pack, res.Objects = name, len(pr.Entries)
		res.Deltas, res.Reused, res.ReusedDeltas = pr.Deltas+pr.ReusedDeltas, pr.Reused, pr.ReusedDeltas
		db.Refresh()
	}
	objs = nil
	if !opt.Delete {
		return res, serverInfo(db, common, opt)
	}
	if opt.All {
		// Every other pack is now redundant, but for kept ones. Their
		// unreachable objects are written loose first when asked (-A).
		var old []odb.OwnPack
		for _, p := range packs {
			if !keep[p.Name] && p.Name != res.Pack {
				old = append(old, p)
			}
		}
		if opt.Loosen {
			n, err := loosen(db, old, w.Seen, opt.UnpackUnreachable)
			res.Loosened = n
			if err != nil {
				return res, err
			}
		}
		for _, p := range old {
			if err := removePack(dir, p.Name); err != nil {
				return res, err
			}
			res.RemovedPacks = append(res.RemovedPacks, p.Name)
		}
		if len(old) > 0 {
			if err := lockfile.SyncDir(dir); err != nil {
				return res, err
			}
			db.Refresh()
		}
	}
	before := looseCount(db)
	if err := prune.PrunePacked(db, false, false, nil, io.Discard); err != nil {
		return res, err
	}
	res.RemovedLoose = before - looseCount(db)
	return res, serverInfo(db, common, opt)
}

func serverInfo(db *odb.DB, common string, opt Options) error {
	if !opt.UpdateServerInfo {
		return nil
	}
	return UpdateServerInfo(db, common)
}

// UpdateServerInfo writes what dumb transports read, as git
// update-server-info does: info/refs (every ref with its id, and a tag's
// peeled id on a "^{}" line) and objects/info/packs.
func UpdateServerInfo(db *odb.DB, common string) error {
	roots, _ := reach.Collect(common, reach.Options{NoReflogs: true, NoIndex: true})
	refs := map[string]plumbing.Hash{}
	for _, r := range roots {
		if r.Kind == reach.KindRef && !r.ID.IsZero() && strings.HasPrefix(r.Name, "refs/") {
			refs[r.Name] = r.ID
		}
	}
	names := make([]string, 0, len(refs))
	for n := range refs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		id := refs[n]
		fmt.Fprintf(&b, "%s\t%s\n", id, n)
		peeled, ok := id, false
		for i := 0; i < 10; i++ {
			t, data, err := db.Read(peeled)
			if err != nil || t != plumbing.TagObject {
				break
			}
			line, _, _ := strings.Cut(string(data), "\n")
			obj, found := strings.CutPrefix(line, "object ")
			if !found || !plumbing.IsHash(obj) {
				break
			}
			peeled, ok = plumbing.NewHash(obj), true
		}
		if ok {
			fmt.Fprintf(&b, "%s\t%s^{}\n", peeled, n)
		}
	}
	info := filepath.Join(common, "info")
	if err := os.MkdirAll(info, 0o755); err != nil {
		return err
	}
	if err := lockfile.WriteFile(filepath.Join(info, "refs"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	return writeInfoPacks(db)
}

// want reports whether a reachable object goes into the new pack.
func want(db *odb.DB, id plumbing.Hash, opt Options, keep map[string]bool) bool {
	s, packed := db.Locate(id)
	if packed && keep[s.PackName()] {
		return false
	}
	if !opt.All {
		// Incremental: only what is loose in this repository.
		return !packed && db.HasLoose(id)
	}
	if opt.Local && !packed && !db.HasLoose(id) {
		return false // only in an alternate
	}
	return true
}

// loosen writes the unreachable objects of old packs as loose objects
// dated as their pack, so that prune's grace period counts from when
// they were packed (git's --unpack-unreachable). Objects of packs older
// than expire are dropped instead.
func loosen(db *odb.DB, old []odb.OwnPack, reachable *reach.Set, expire time.Time) (int, error) {
	n := 0
	for _, p := range old {
		if !expire.IsZero() && p.ModTime.Before(expire) {
			continue
		}
		var ids []plumbing.Hash
		err := db.ForEachInPack(p.Name, func(id plumbing.Hash) error {
			if !reachable.Has(id) && !db.HasLoose(id) {
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		for _, id := range ids {
			t, size, rc, err := db.Stream(id)
			if err != nil {
				return n, fmt.Errorf("object %s: %w", id, err)
			}
			err = db.WriteLooseWith(id, func(w io.Writer) error {
				if _, err := w.Write(odb.ObjectHeader(t, size)); err != nil {
					return err
				}
				_, err := io.CopyN(w, rc, size)
				return err
			})
			rc.Close()
			if err != nil {
				return n, err
			}
			os.Chtimes(db.LoosePath(id), p.ModTime, p.ModTime)
			n++
		}
		// Loose objects are written without a sync each (as git's
		// are); the pack goes only after they are on disk.
		if len(ids) > 0 {
			if err := syncLoose(db, ids); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func syncLoose(db *odb.DB, ids []plumbing.Hash) error {
	dirs := map[string]bool{}
	for _, id := range ids {
		p := db.LoosePath(id)
		if f, err := os.Open(p); err == nil {
			err = f.Sync()
			f.Close()
			if err != nil {
				return err
			}
		}
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := lockfile.SyncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// removePack deletes a pack's files, its index first: readers find packs
// by their index, and one that has the index mapped keeps the pack's
// data through its own mapping.
func removePack(dir, name string) error {
	for _, ext := range []string{".idx", ".pack", ".rev", ".bitmap", ".promisor", ".mtimes"} {
		if err := os.Remove(filepath.Join(dir, name+ext)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}

// writeInfoPacks rewrites objects/info/packs, the list dumb transports
// read, as git repack's update-server-info does.
func writeInfoPacks(db *odb.DB) error {
	var names []string
	for _, p := range db.OwnPacks() {
		names = append(names, p.Name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString("P " + n + ".pack\n")
	}
	b.WriteString("\n")
	dir := filepath.Join(db.Dir(), "info")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return lockfile.WriteFile(filepath.Join(dir, "packs"), []byte(b.String()), 0o644)
}

func looseCount(db *odb.DB) int {
	n := 0
	db.ForEachLoose(func(plumbing.Hash) error { n++; return nil })
	return n
}

// Size is the bytes of the repository's packs and loose objects.
func Size(db *odb.DB) (packs int64, loose int64) {
	for _, p := range db.OwnPacks() {
		packs += p.Size
	}
	db.ForEachLoose(func(id plumbing.Hash) error {
		if fi, err := os.Stat(db.LoosePath(id)); err == nil {
			loose += fi.Size()
		}
		return nil
	})
	return packs, loose
}
