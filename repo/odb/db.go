// Package odb is the object database: loose objects, packs read in place
// (indexes searched through their memory map, objects rebuilt through a
// bounded delta-base cache), alternates as git follows them, and the
// writers of loose objects and packs. Every object easel reads or writes
// goes through it, so an object written by this process is visible to it
// at once, and opening a repository reads nothing until an object is
// asked for.
package odb

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"
)

// ErrNotFound is go-git's error for a missing object, so that callers
// written against go-git's storage keep working.
var ErrNotFound = plumbing.ErrObjectNotFound

// DefaultCacheBytes bounds the delta-base cache. A walk of a long history
// re-reads the same bases; git's default limit is 96 MiB, but commits and
// trees, which walks read, are small.
const DefaultCacheBytes = 32 << 20

// maxAlternateDepth is git's limit on alternates of alternates.
const maxAlternateDepth = 5

// DB is an object database rooted at an objects directory.
type DB struct {
	own *objDir

	altOnce sync.Once
	alts    []*objDir

	cache  *baseCache
	parent *DB // set for a quarantine: where Migrate moves objects

	releaseBehind atomic.Bool // see ReleaseBehind
}

// ReleaseBehind tells the database that the reads to come visit each
// object about once, front to back in the packs (a log that shows
// commits without their changes): the packs' mapped pages are then
// released every few megabytes inflated (see releaseEvery) instead of
// staying resident. Reads that return to the same trees and blobs
// (diffs) are better off without it: each release costs them their
// pages' minor faults again.
func (db *DB) ReleaseBehind(on bool) { db.releaseBehind.Store(on) }

// objDir is one objects directory: the repository's own or an alternate.
type objDir struct {
	dir string

	mu      sync.Mutex
	scanned bool
	packs   []*pack // most recently hit first; replaced, never modified
	retired []*pack // packs gone from disk, unmapped on Close
}

// Open returns the database of the objects directory dir. It does no I/O:
// packs are listed on the first lookup and each index is mapped when it
// is first searched.
func Open(dir string) *DB {
	return &DB{own: &objDir{dir: dir}, cache: newBaseCache(DefaultCacheBytes)}
}

// Dir is the objects directory.
func (db *DB) Dir() string { return db.own.dir }

// Close unmaps every pack. The database must not be used afterwards.
func (db *DB) Close() error {
	dirs := db.dirs()
	if db.parent != nil { // a quarantine's alternates are its parent's
		dirs = dirs[:1]
	}
	for _, od := range dirs {
		od.mu.Lock()
		for _, p := range od.packs {
			db.cache.drop(p)
			p.close()
		}
		for _, p := range od.retired {
			p.close()
		}
		od.packs, od.retired, od.scanned = nil, nil, false
		od.mu.Unlock()
	}
	return nil
}

// ReleaseMapped drops the pages of the packs that this process has
// mapped from its resident set: they stay in the page cache (nothing is
// read from disk again) and are mapped again when next read. A listing or
// a pack write that reads across a whole pack calls it as it goes, so
// that a clone of a large repository does not hold the pack whole in
// the process's memory: reading one tree maps the pages around it too,
// and a clone's walk alone would otherwise map most of the pack.
func (db *DB) ReleaseMapped() {
	for _, od := range db.dirs() {
		for _, p := range od.packList() {
			p.releaseMapped()
		}
	}
}

// dirs is the repository's objects directory followed by its alternates.
func (db *DB) dirs() []*objDir {
	db.altOnce.Do(func() { db.alts = loadAlternates(db.own.dir) })
	if len(db.alts) == 0 {
		return []*objDir{db.own}
	}
	return append([]*objDir{db.own}, db.alts...)
}

// loadAlternates follows objects/info/alternates (and git's
// GIT_ALTERNATE_OBJECT_DIRECTORIES) breadth first, as git does: relative
// paths are relative to the objects directory naming them, each directory
// is used once, and the chain stops after maxAlternateDepth levels.
func loadAlternates(own string) []*objDir {
	seen := map[string]bool{canonical(own): true}
	var out []*objDir
	type item struct {
		dir   string
		depth int
	}
	var queue []item
	add := func(from, path string, depth int) {
		if !filepath.IsAbs(path) {
			path = filepath.Join(from, path)
		}
		c := canonical(path)
		if seen[c] {
			return
		}
		if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
			return
		}
		seen[c] = true
		out = append(out, &objDir{dir: filepath.Clean(path)})
		queue = append(queue, item{path, depth})
	}
	if env := os.Getenv("GIT_ALTERNATE_OBJECT_DIRECTORIES"); env != "" {
		for _, p := range filepath.SplitList(env) {
			if p != "" {
				add(own, p, 1)
			}
		}
	}
	queue = append([]item{{own, 0}}, queue...)
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if it.depth >= maxAlternateDepth {
			continue
		}
		f, err := os.Open(filepath.Join(it.dir, "info", "alternates"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), "\r")
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			add(it.dir, line, it.depth+1)
		}
		f.Close()
	}
	return out
}

func canonical(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return p
}

// packList returns the current packs, listing the directory the first
// time.
func (od *objDir) packList() []*pack {
	od.mu.Lock()
	defer od.mu.Unlock()
	if !od.scanned {
		od.scanLocked()
	}
	return od.packs
}

// rescan lists the pack directory again and reports whether it found
// packs not known before (written by another process, or by this one
// through another path). Packs whose index is gone are dropped.
func (od *objDir) rescan() bool {
	od.mu.Lock()
	defer od.mu.Unlock()
	return od.scanLocked()
}

func (od *objDir) scanLocked() bool {
	od.scanned = true
	ents, err := os.ReadDir(filepath.Join(od.dir, "pack"))
	if err != nil {
		return false
	}
	have := map[string]bool{}
	for _, e := range ents {
		have[e.Name()] = true
	}
	known := map[string]bool{}
	var keep []*pack
	changed := false
	for _, p := range od.packs {
		name := filepath.Base(p.base)
		if have[name+".idx"] && have[name+".pack"] {
			keep = append(keep, p)
			known[name] = true
		} else {
			od.retired = append(od.retired, p)
			changed = true
		}
	}
	// git lists packs by their index: a pack without one (a writer killed
	// between the two renames) is ignored.
	var fresh []*pack
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".idx")
		if !ok || known[name] || !have[name+".pack"] {
			continue
		}
		fresh = append(fresh, &pack{base: filepath.Join(od.dir, "pack", name)})
	}
	if len(fresh) == 0 && !changed {
		return false
	}
	od.packs = append(fresh, keep...)
	return len(fresh) > 0
}

// addPack makes a pack just written visible at once, first in the list.
func (od *objDir) addPack(base string) {
	od.mu.Lock()
	defer od.mu.Unlock()
	if !od.scanned {
		od.scanLocked()
	}
	for _, p := range od.packs {
		if p.base == base {
			return
		}
	}
	od.packs = append([]*pack{{base: base}}, od.packs...)
}

// promote moves p to the front: consecutive lookups tend to hit the same
// pack (git keeps its pack list in the same order).
func (od *objDir) promote(p *pack) {
	od.mu.Lock()
	defer od.mu.Unlock()
	if len(od.packs) == 0 || od.packs[0] == p {
		return
	}
	next := make([]*pack, 0, len(od.packs))
	next = append(next, p)
	for _, q := range od.packs {
		if q != p {
			next = append(next, q)
		}
	}
	od.packs = next
}

// findPacked returns the pack holding id and the object's offset there.
func (od *objDir) findPacked(id plumbing.Hash) (*pack, uint64, bool) {
	for i, p := range od.packList() {
		ix, err := p.index()
		if err != nil {
			continue
		}
		if pos, ok := ix.find(id); ok {
			off, err := ix.offset(pos)
			if err != nil {
				continue
			}
			if i > 0 {
				od.promote(p)
			}
			return p, off, true
		}
	}
	return nil, 0, false
}

func (db *DB) findPacked(id plumbing.Hash) (*pack, uint64, bool) {
	for _, od := range db.dirs() {
		if p, off, ok := od.findPacked(id); ok {
			return p, off, true
		}
	}
	return nil, 0, false
}

// Read returns an object's type and content. The content may be shared
// with the cache: callers must not modify it.
func (db *DB) Read(id plumbing.Hash) (plumbing.ObjectType, []byte, error) {
	return db.read(id, 0)
}

// ReadTo is Read building the object in dst's memory when it can: owned
// says the content is not shared with the cache (it is in dst or newly
// allocated), and so may be passed as dst again once the caller is done
// with it. A walk reading many trees one after the other reuses one
// buffer this way instead of leaving each tree to the collector.
func (db *DB) ReadTo(id plumbing.Hash, dst []byte) (plumbing.ObjectType, []byte, bool, error) {
	if p, off, ok := db.findPacked(id); ok {
		t, data, owned, err := db.readPackedTo(p, off, dst)
		if err == nil {
			return t, data, owned, nil
		}
	}
	t, data, err := db.read(id, 0)
	return t, data, false, err
}

func (db *DB) read(id plumbing.Hash, depth int) (plumbing.ObjectType, []byte, error) {
	if depth > maxChain {
		return 0, nil, errCorrupt
	}
	for attempt := 0; attempt < 2; attempt++ {
		if p, off, ok := db.findPacked(id); ok {
			t, data, err := db.readPacked(p, off)
			// A repack may have replaced the pack since it was listed
			// (its files are gone before this process mapped them):
			// the object is in the new pack, found by listing again.
			if err != nil && attempt == 0 && errors.Is(err, os.ErrNotExist) && db.rescan() {
				continue
			}
			return t, data, err
		}
		for _, od := range db.dirs() {
			t, data, err := od.readLoose(id)
			if err == nil {
				return t, data, nil
			}
			if !errors.Is(err, os.ErrNotExist) {
				return 0, nil, err
			}
		}
		if !db.rescan() {
			break
		}
	}
	return 0, nil, ErrNotFound
}

// rescan lists every pack directory again; true when a new pack appeared.
func (db *DB) rescan() bool {
	found := false
	for _, od := range db.dirs() {
		if od.rescan() {
			found = true
		}
	}
	return found
}

// Refresh makes packs written by other processes visible now (lookups
// that miss do so on their own).
func (db *DB) Refresh() { db.rescan() }

// Info returns an object's type and size, reading no more of it than its
// headers.
func (db *DB) Info(id plumbing.Hash) (plumbing.ObjectType, int64, error) {
	return db.info(id)
}

func (db *DB) info(id plumbing.Hash) (plumbing.ObjectType, int64, error) {
	for attempt := 0; attempt < 2; attempt++ {
		if p, off, ok := db.findPacked(id); ok {
			return db.packedInfo(p, off)
		}
		for _, od := range db.dirs() {
			t, size, err := od.looseInfo(id)
			if err == nil {
				return t, size, nil
			}
			if !errors.Is(err, os.ErrNotExist) {
				return 0, 0, err
			}
		}
		if !db.rescan() {
			break
		}
	}
	return 0, 0, ErrNotFound
}

// Stream opens an object for reading without holding it whole in memory
// when it is stored whole (loose, or packed undeltified); deltas are
// rebuilt in memory.
func (db *DB) Stream(id plumbing.Hash) (plumbing.ObjectType, int64, io.ReadCloser, error) {
	if p, off, ok := db.findPacked(id); ok {
		t, size, rc, whole, err := db.openPacked(p, off)
		if err != nil {
			return 0, 0, nil, err
		}
		if whole {
			return t, size, rc, nil
		}
	} else {
		for _, od := range db.dirs() {
			t, size, rc, err := od.openLoose(id)
			if err == nil {
				return t, size, rc, nil
			}
			if !errors.Is(err, os.ErrNotExist) {
				return 0, 0, nil, err
			}
		}
	}
	t, data, err := db.Read(id)
	if err != nil {
		return 0, 0, nil, err
	}
	return t, int64(len(data)), io.NopCloser(bytes.NewReader(data)), nil
}

// Has reports whether the object exists, looking for new packs when it is
// not found in the known ones.
func (db *DB) Has(id plumbing.Hash) bool {
	if db.Contains(id) {
		return true
	}
	if db.rescan() {
		return db.Contains(id)
	}
	return false
}

// Contains reports whether the object is in a known pack or loose, without
// listing the pack directories again: writers use it to skip objects
// that exist, where a stale answer only costs a duplicate write.
func (db *DB) Contains(id plumbing.Hash) bool {
	if _, _, ok := db.findPacked(id); ok {
		return true
	}
	for _, od := range db.dirs() {
		if _, err := os.Lstat(od.loosePath(id)); err == nil {
			return true
		}
	}
	return false
}

// Prefix returns the ids, in order and without duplicates, that start
// with the hexadecimal prefix (any length up to 40, any case).
func (db *DB) Prefix(prefix string) ([]plumbing.Hash, error) {
	prefix = strings.ToLower(prefix)
	if len(prefix) > 40 {
		return nil, nil
	}
	raw, err := hex.DecodeString(prefix[:len(prefix)&^1])
	if err != nil {
		return nil, err
	}
	odd := len(prefix)%2 == 1
	var nibble byte
	if odd {
		b, err := hex.DecodeString("0" + prefix[len(prefix)-1:])
		if err != nil {
			return nil, err
		}
		nibble = b[0]
	}
	set := map[plumbing.Hash]bool{}
	add := func(h plumbing.Hash) { set[h] = true }
	db.rescan()
	for _, od := range db.dirs() {
		for _, p := range od.packList() {
			if ix, err := p.index(); err == nil {
				ix.prefix(raw, odd, nibble, add)
			}
		}
		if len(prefix) >= 2 {
			ents, _ := os.ReadDir(filepath.Join(od.dir, prefix[:2]))
			for _, e := range ents {
				name := prefix[:2] + e.Name()
				if len(name) == 40 && strings.HasPrefix(name, prefix) {
					if h, ok := parseHex(name); ok {
						add(h)
					}
				}
			}
		} else {
			od.forEachLoose(func(h plumbing.Hash) error {
				if strings.HasPrefix(h.String(), prefix) {
					add(h)
				}
				return nil
			})
		}
	}
	out := make([]plumbing.Hash, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

func parseHex(s string) (plumbing.Hash, bool) {
	var h plumbing.Hash
	if len(s) != 40 {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, false
	}
	return h, true
}

func (od *objDir) forEachLoose(fn func(plumbing.Hash) error) error {
	dirs, err := os.ReadDir(od.dir)
	if err != nil {
		return nil
	}
	for _, d := range dirs {
		if len(d.Name()) != 2 || !d.IsDir() {
			continue
		}
		ents, _ := os.ReadDir(filepath.Join(od.dir, d.Name()))
		for _, e := range ents {
			if h, ok := parseHex(d.Name() + e.Name()); ok {
				if err := fn(h); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ForEach calls fn once for every object id in the database (alternates
// included), packed ids first. An error from fn stops the walk and is
// returned.
func (db *DB) ForEach(fn func(plumbing.Hash) error) error {
	seen := map[plumbing.Hash]struct{}{}
	visit := func(h plumbing.Hash) error {
		if _, ok := seen[h]; ok {
			return nil
		}
		seen[h] = struct{}{}
		return fn(h)
	}
	db.rescan()
	for _, od := range db.dirs() {
		for _, p := range od.packList() {
			ix, err := p.index()
			if err != nil {
				continue
			}
			for i := 0; i < ix.n; i++ {
				if err := visit(ix.id(i)); err != nil {
					return err
				}
			}
		}
		if err := od.forEachLoose(visit); err != nil {
			return err
		}
	}
	return nil
}

// Packs lists the checksums of the repository's own packs.
func (db *DB) Packs() []plumbing.Hash {
	var out []plumbing.Hash
	for _, p := range db.own.packList() {
		if h, ok := parseHex(strings.TrimPrefix(filepath.Base(p.base), "pack-")); ok {
			out = append(out, h)
		}
	}
	return out
}

// PackedCount is the number of objects in the packs of the repository
// and its alternates (git derives its default abbreviation from it).
func (db *DB) PackedCount() uint64 {
	var n uint64
	for _, od := range db.dirs() {
		for _, p := range od.packList() {
			if ix, err := p.index(); err == nil {
				n += uint64(ix.n)
			}
		}
	}
	return n
}

// SharedPrefix is the number of leading hex digits id shares with any
// other object of the database (packed, loose or in an alternate): an
// abbreviation one digit longer is unique.
func (db *DB) SharedPrefix(id plumbing.Hash) int {
	best := db.PackedSharedPrefix(id)
	full := id.String()
	for _, od := range db.dirs() {
		ents, _ := os.ReadDir(filepath.Join(od.dir, full[:2]))
		for _, e := range ents {
			name := full[:2] + e.Name()
			if len(name) != 40 || name == full {
				continue
			}
			c := 0
			for c < 40 && name[c] == full[c] {
				c++
			}
			if c > best {
				best = c
			}
		}
	}
	return best
}

// PackedSharedPrefix is SharedPrefix over the packed objects only, for
// callers that keep their own list of loose objects (log abbreviates
// every commit it shows and lists each loose directory once).
func (db *DB) PackedSharedPrefix(id plumbing.Hash) int {
	best := 0
	for _, od := range db.dirs() {
		for _, p := range od.packList() {
			ix, err := p.index()
			if err != nil {
				continue
			}
			// The neighbours of id in sorted order share the most digits.
			lo := ix.lowerBound(id)
			for _, j := range [3]int{lo - 1, lo, lo + 1} {
				if j < 0 || j >= ix.n {
					continue
				}
				if c := sharedHexDigits(ix.name(j), id[:]); c < 40 && c > best {
					best = c
				}
			}
		}
	}
	return best
}

func sharedHexDigits(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i]>>4 == b[i]>>4 {
				return 2*i + 1
			}
			return 2 * i
		}
	}
	return 2 * len(a)
}
