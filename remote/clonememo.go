package remote

import (
	"crypto/sha1"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/packobj"
)

// A clone lists every object its wants reach; in a repository stored as
// one pack that holds exactly those objects (what repack, gc and easel's
// own pack merges leave behind), the answer is that pack. The listing is
// what a clone spends most of its CPU on before the first byte (git
// answers it from a reachability bitmap when the repository has one).
// So, once a clone's walk has found that its wants reach exactly the
// objects of the repository's only pack, the server remembers it, in
// memory, for that state of the repository: the same wants on the same
// pack (no loose objects, no alternates, no shallow file) are answered
// with the pack's objects straight from its index, every entry reused.
// Any change of the pack files, a loose object or other wants misses.

type cloneMemo struct {
	mu   sync.Mutex
	key  string // the state and wants of the last clone that matched its pack
	n    int    // the pack's objects
	hits atomic.Int64
}

// cloneState is a key for the repository's objects and the wants, or ""
// when the repository is not stored as one pack alone.
func cloneState(dir string, wants []plumbing.Hash) string {
	objects := filepath.Join(dir, "objects")
	for _, extra := range []string{filepath.Join(dir, "shallow"), filepath.Join(objects, "info", "alternates")} {
		if _, err := os.Stat(extra); err == nil {
			return ""
		}
	}
	ents, err := os.ReadDir(objects)
	if err != nil {
		return ""
	}
	for _, e := range ents {
		if len(e.Name()) == 2 && e.IsDir() {
			if sub, err := os.ReadDir(filepath.Join(objects, e.Name())); err != nil || len(sub) > 0 {
				return "" // loose objects (or an unreadable directory)
			}
		}
	}
	packs, err := os.ReadDir(filepath.Join(objects, "pack"))
	if err != nil {
		return ""
	}
	var key strings.Builder
	n := 0
	for _, e := range packs {
		if !strings.HasSuffix(e.Name(), ".pack") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			return ""
		}
		n++
		fmt.Fprintf(&key, "%s %d %d\n", e.Name(), fi.Size(), fi.ModTime().UnixNano())
	}
	if n != 1 {
		return ""
	}
	ws := slices.Clone(wants)
	slices.SortFunc(ws, func(a, b plumbing.Hash) int { return strings.Compare(a.String(), b.String()) })
	h := sha1.New()
	for _, w := range slices.Compact(ws) {
		h.Write(w[:])
	}
	fmt.Fprintf(&key, "%x", h.Sum(nil))
	return key.String()
}

// lookup is the pack's objects when state is the one remembered.
func (m *cloneMemo) lookup(db *odb.DB, state string) ([]packobj.Object, bool) {
	if state == "" {
		return nil, false
	}
	m.mu.Lock()
	hit, n := m.key == state, m.n
	m.mu.Unlock()
	if !hit {
		return nil, false
	}
	out := make([]packobj.Object, 0, db.PackedCount())
	err := db.ForEach(func(h plumbing.Hash) error {
		out = append(out, packobj.Object{ID: h})
		return nil
	})
	// A pack that arrived since the state was read: not the same state.
	if err != nil || len(out) != n {
		return nil, false
	}
	m.hits.Add(1)
	return out, true
}

// record remembers state when the walk's objs are exactly the pack's:
// as many, none twice (the walk lists each once), and with no loose
// objects and no alternates each of them is in the pack.
func (m *cloneMemo) record(db *odb.DB, state string, objs []packobj.Object) {
	if state == "" || uint64(len(objs)) != db.PackedCount() {
		return
	}
	m.mu.Lock()
	m.key, m.n = state, len(objs)
	m.mu.Unlock()
}
