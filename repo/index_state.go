package repo

import (
	"os"
	"path/filepath"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// indexMeta remembers, for an index returned by ReadIndex, which entries this
// process refreshed from the file system. WriteIndex uses it to decide which
// entries must be checked for the racy-git problem (see smudgeRacy).
var indexMeta sync.Map // *index.Index -> *indexState

type indexState struct {
	mu    sync.Mutex
	fresh map[*index.Entry]bool
	// treeRoot is the valid root of the file's cache-tree extension
	// (see indexfile.Extensions.TreeRoot).
	treeRoot plumbing.Hash
	// cache is the cache-tree to write with the index (cachetree.go);
	// snap, the entries it was computed for, when it was. cacheText is
	// the extension as read from the file, until it is parsed into
	// cache.
	cache     *cacheTree
	snap      []cacheSnap
	cacheText []byte
	// statOnly: since the cache-tree was read or computed only stat data
	// changed (a refresh), so it stands as it is (keepCacheTree).
	statOnly bool
	// sparse: the index file read was a sparse index, whose directory
	// entries were expanded.
	sparse bool
	// split: the index file read was a split index.
	split bool
}

func stateOf(idx *index.Index) *indexState {
	v, _ := indexMeta.LoadOrStore(idx, &indexState{fresh: map[*index.Entry]bool{}})
	return v.(*indexState)
}

// markFresh records that e's stat data was just taken from the file whose
// content e.Hash describes, so it needs no racy check when written.
func markFresh(idx *index.Index, e *index.Entry) {
	s := stateOf(idx)
	s.mu.Lock()
	s.fresh[e] = true
	s.mu.Unlock()
}

// cachedTreeRoot is the tree the entries of idx make, from the index
// file's cache-tree, when idx is as read from the file and git left the
// root valid.
func cachedTreeRoot(idx *index.Index) (plumbing.Hash, bool) {
	v, ok := indexMeta.Load(idx)
	if !ok {
		return plumbing.ZeroHash, false
	}
	h := v.(*indexState).treeRoot
	return h, !h.IsZero()
}

// smudgeRacy implements git's racy-git protection when an index is written.
// An entry whose mtime is not older than the index it was read from may
// describe a file that changed again within the same timestamp tick after
// its stat data was taken; once the new index file has a later mtime that
// entry would be trusted. Such entries (other than the ones this process
// just refreshed) are compared by content, and if the file differs their
// size is set to 0 so that status can never take them for clean.
func (r *Repository) smudgeRacy(idx *index.Index) {
	if r.WorkDir == "" {
		return
	}
	s := stateOf(idx)
	for _, e := range idx.Entries {
		if e.Stage != 0 || s.fresh[e] || e.Size == 0 || !isRacy(e, idx.ModTime) {
			continue
		}
		fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(e.Name)))
		// Only a size change shows the change to every reader: git
		// built without nanosecond times compares whole seconds, and
		// would take a file rewritten within the same second (and of
		// the same size) for the entry's.
		if err != nil || uint32(fi.Size()) != e.Size {
			continue
		}
		if h, err := r.hashWorktreeFile(filepath.Join(r.WorkDir, filepath.FromSlash(e.Name)), fi); err != nil || h != e.Hash {
			e.Size = 0
		}
	}
}
