package repo

import (
	"bytes"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// The index's cache-tree extension (TREE) records, for each directory of
// the index, the tree id its entries make, so that status, commit and
// diff against HEAD need not hash or compare what has not changed. easel
// writes it where git does (cache_tree_update when a command writes trees
// from the index: commit, write-tree, merge; prime_cache_tree when the
// index is made from one tree: read-tree, reset; unpack_trees' repair on
// checkout and switch), and carries a cache-tree read from the file
// forward when it writes the index for other reasons, with the directories
// whose entries changed marked invalid, as git's cache_tree_invalidate_path
// leaves them.

// cacheTree is one directory node of the extension.
type cacheTree struct {
	name  string // the directory's name in its parent ("" at the root)
	count int    // index entries below it; -1: invalid
	id    plumbing.Hash
	subs  []*cacheTree // ordered as git orders them: by name length, then bytes
}

// parseCacheTree reads a TREE extension's payload (git's read_one).
func parseCacheTree(b []byte) (*cacheTree, bool) {
	t, rest, ok := parseCacheNode(b, 0)
	if !ok || len(rest) != 0 {
		return nil, false
	}
	return t, true
}

func parseCacheNode(b []byte, depth int) (*cacheTree, []byte, bool) {
	nul := bytes.IndexByte(b, 0)
	if nul < 0 || depth > 4096 {
		return nil, nil, false
	}
	t := &cacheTree{name: string(b[:nul])}
	nl := bytes.IndexByte(b[nul:], '\n')
	if nl < 0 {
		return nil, nil, false
	}
	cnt, nsub, ok := strings.Cut(string(b[nul+1:nul+nl]), " ")
	count, err1 := strconv.Atoi(cnt)
	subs, err2 := strconv.Atoi(nsub)
	if !ok || err1 != nil || err2 != nil || count < -1 || subs < 0 || subs > len(b) {
		return nil, nil, false
	}
	t.count = count
	b = b[nul+nl+1:]
	if count >= 0 {
		if len(b) < len(t.id) {
			return nil, nil, false
		}
		copy(t.id[:], b)
		b = b[len(t.id):]
	}
	for i := 0; i < subs; i++ {
		var s *cacheTree
		if s, b, ok = parseCacheNode(b, depth+1); !ok {
			return nil, nil, false
		}
		t.subs = append(t.subs, s)
	}
	return t, b, true
}

// appendTo appends the node and its subtrees in git's format (write_one).
func (t *cacheTree) appendTo(b []byte) []byte {
	b = append(b, t.name...)
	b = append(b, 0)
	b = strconv.AppendInt(b, int64(t.count), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(t.subs)), 10)
	b = append(b, '\n')
	if t.count >= 0 {
		b = append(b, t.id[:]...)
	}
	for _, s := range t.subs {
		b = s.appendTo(b)
	}
	return b
}

// extension is the whole TREE extension: signature, size, payload.
func (t *cacheTree) extension() []byte {
	b := append([]byte("TREE"), 0, 0, 0, 0)
	b = t.appendTo(b)
	n := len(b) - 8
	b[4], b[5], b[6], b[7] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return b
}

// sortSubs orders subtrees as git's subtree_name_cmp: shorter names first.
func (t *cacheTree) sortSubs() {
	sort.Slice(t.subs, func(i, j int) bool {
		a, b := t.subs[i].name, t.subs[j].name
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
}

// dirHash gives the tree id of a directory ("" the root, no trailing
// slash) as the index's entries make it, and whether it may be recorded.
type dirHash func(dir string) (plumbing.Hash, bool)

// newCacheTree is git's cache_tree_update over sorted entries without
// conflicts: every directory gets a node, valid with its tree id unless an
// intent-to-add entry lies below it or hash refuses it (a tree that is not
// stored, which unpack_trees' repair leaves invalid). An invalid
// directory makes its parents invalid.
func newCacheTree(ents []*index.Entry, prefix, name string, hash dirHash) *cacheTree {
	t := &cacheTree{name: name, count: len(ents)}
	invalid := false
	for i := 0; i < len(ents); {
		rest := ents[i].Name[len(prefix):]
		slash := strings.IndexByte(rest, '/')
		if slash < 0 {
			if ents[i].IntentToAdd && !ents[i].SkipWorktree {
				invalid = true
			}
			i++
			continue
		}
		sub := prefix + rest[:slash+1]
		j := i + 1
		for j < len(ents) && strings.HasPrefix(ents[j].Name, sub) {
			j++
		}
		s := newCacheTree(ents[i:j], sub, rest[:slash], hash)
		if s.count < 0 {
			invalid = true
		}
		t.subs = append(t.subs, s)
		i = j
	}
	t.sortSubs()
	id, ok := hash(strings.TrimSuffix(prefix, "/"))
	if invalid || !ok {
		t.count = -1
	} else {
		t.id = id
	}
	return t
}

// revalidate carries a cache-tree read with the index over to its entries
// as they are now: a valid directory stays valid only when its entries
// still make the same tree, with no conflict or intent-to-add entry below
// it; invalid ones stay invalid, as git keeps them until it next updates
// the whole cache-tree. Nodes of directories that no longer exist are
// kept, invalid, as git's invalidation of their files leaves them.
func (t *cacheTree) revalidate(ents []*index.Entry, prefix string, hash dirHash) {
	lo := sort.Search(len(ents), func(i int) bool { return ents[i].Name >= prefix })
	hi := lo
	for hi < len(ents) && strings.HasPrefix(ents[hi].Name, prefix) {
		hi++
	}
	ents = ents[lo:hi]
	for _, s := range t.subs {
		s.revalidate(ents, prefix+s.name+"/", hash)
	}
	if t.count < 0 {
		return
	}
	id, ok := hash(strings.TrimSuffix(prefix, "/"))
	if !ok || id != t.id || len(ents) != t.count {
		t.count = -1
		return
	}
	for _, e := range ents {
		if e.Stage != 0 || (e.IntentToAdd && !e.SkipWorktree) {
			t.count = -1
			return
		}
	}
}

// cacheSnap is what a cache-tree depends on of one index entry.
type cacheSnap struct {
	name  string
	hash  plumbing.Hash
	mode  uint32
	stage index.Stage
	ita   bool
}

func snapshotEntries(idx *index.Index) []cacheSnap {
	s := make([]cacheSnap, len(idx.Entries))
	for i, e := range idx.Entries {
		s[i] = cacheSnap{e.Name, e.Hash, uint32(e.Mode), e.Stage, e.IntentToAdd}
	}
	return s
}

func (s cacheSnap) matches(e *index.Entry) bool {
	return s.name == e.Name && s.hash == e.Hash && s.mode == uint32(e.Mode) && s.stage == e.Stage && s.ita == e.IntentToAdd
}

// recordCacheTree gives idx a whole cache-tree from trees just computed
// from it (git's cache_tree_update); with repair, only trees the
// repository holds are recorded. Nothing is recorded for a conflicted
// index, as git's update fails then.
func (r *Repository) recordCacheTree(idx *index.Index, t *indexTrees, repair bool) {
	for _, e := range idx.Entries {
		if e.Stage != 0 {
			return
		}
	}
	sortIndex(idx)
	hash := func(dir string) (plumbing.Hash, bool) {
		h, ok := t.hash[dir]
		if ok && repair && h != emptyTree && !r.Objects.Contains(h) {
			return h, false
		}
		return h, ok
	}
	s := stateOf(idx)
	s.mu.Lock()
	s.cache = newCacheTree(idx.Entries, "", "", hash)
	s.snap = snapshotEntries(idx)
	s.cacheText = nil
	s.mu.Unlock()
}

// primeCacheTree records the cache-tree of an index made whole from
// stored trees (read-tree, reset, checkout, switch): the trees its entries
// make are computed and kept where the repository holds them.
func (r *Repository) primeCacheTree(idx *index.Index) {
	t, err := r.buildIndexTrees(idx, false)
	if err != nil {
		return
	}
	r.recordCacheTree(idx, t, true)
}

// keepCacheTree says that only the stat data of idx's entries changed
// since its cache-tree was read or computed (a refresh): the cache-tree
// is written as it stands, without hashing every directory of the index
// into trees again to find that it still holds, which is what a status
// that refreshed the stat data of many files would otherwise spend.
func keepCacheTree(idx *index.Index) {
	if v, ok := indexMeta.Load(idx); ok {
		s := v.(*indexState)
		s.mu.Lock()
		s.statOnly = true
		s.mu.Unlock()
	}
}

// cacheTreeExtension is the TREE extension to write with idx (sorted), or
// nil: the cache-tree recorded for it or read with it, brought up to date.
func (r *Repository) cacheTreeExtension(idx *index.Index) []byte {
	v, ok := indexMeta.Load(idx)
	if !ok {
		return nil
	}
	s := v.(*indexState)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cacheText != nil {
		if t, ok := parseCacheTree(s.cacheText); ok {
			s.cache = t
		}
		s.cacheText = nil
	}
	if s.cache == nil {
		return nil
	}
	same := s.snap != nil && len(s.snap) == len(idx.Entries)
	for i := 0; same && i < len(idx.Entries); i++ {
		same = s.snap[i].matches(idx.Entries[i])
	}
	same = same || s.statOnly
	if !same {
		var t *indexTrees
		hash := func(dir string) (plumbing.Hash, bool) {
			if t == nil {
				var err error
				if t, err = r.buildIndexTrees(idx, false); err != nil {
					t = &indexTrees{}
				}
			}
			h, ok := t.hash[dir]
			return h, ok
		}
		s.cache.revalidate(idx.Entries, "", hash)
		s.snap = nil
	}
	return s.cache.extension()
}
