package repo

import (
	"path/filepath"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/commitgraph"
	"easel.dev/easel/repo/objfs"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/refs"
)

// Storage is what go-git sees of a repository: its file system storage
// for refs, config, index and shallow, and easel's object database for
// every object. go-git's own object storage decodes each pack index whole
// and lists packs once per process; odb reads indexes in place and finds
// packs written after it was opened.
type Storage struct {
	*filesystem.Storage
	*odb.DB

	// openGraph opens the commit-graph when git would use it; nil means
	// none (set by the repository, which knows its config).
	openGraph func() *commitgraph.Graph
	graphOnce sync.Once
	graph     *commitgraph.Graph

	// refs lists refs for IterReferences.
	refs refs.Store
}

// IterReferences lists HEAD and every ref under refs/ through package
// refs rather than go-git's iterator, which fails on the empty lock file
// of a ref another process is updating.
func (s *Storage) IterReferences() (storer.ReferenceIter, error) {
	l, err := s.refs.List("")
	if err != nil {
		return nil, err
	}
	out := make([]*plumbing.Reference, 0, len(l.Refs)+1)
	if head, err := s.refs.Read("HEAD"); err == nil {
		out = append(out, head.Reference())
	}
	for _, r := range l.Refs {
		out = append(out, r.Reference())
	}
	return storer.NewReferenceSliceIter(out), nil
}

// CommitGraph is the repository's commit-graph, opened on first use, for
// the history walks (commitwalk.GraphStore); nil when there is none or
// git would not use it.
func (s *Storage) CommitGraph() commitwalk.Graph {
	s.graphOnce.Do(func() {
		if s.openGraph != nil {
			s.graph = s.openGraph()
		}
	})
	if s.graph == nil {
		return nil
	}
	return s.graph
}

// commitGraph is CommitGraph as its own type, for the log walker.
func (s *Storage) commitGraph() *commitgraph.Graph {
	s.CommitGraph()
	return s.graph
}

var (
	_ storer.EncodedObjectStorer = (*Storage)(nil)
	_ storer.ReferenceStorer     = (*Storage)(nil)
)

// The object methods both embedded types have go to odb.

func (s *Storage) NewEncodedObject() plumbing.EncodedObject { return s.DB.NewEncodedObject() }
func (s *Storage) SetEncodedObject(o plumbing.EncodedObject) (plumbing.Hash, error) {
	return s.DB.SetEncodedObject(o)
}
func (s *Storage) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	return s.DB.EncodedObject(t, h)
}

// DeltaObject resolves deltas: odb never hands out unresolved ones.
func (s *Storage) DeltaObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	return s.DB.EncodedObject(t, h)
}
func (s *Storage) IterEncodedObjects(t plumbing.ObjectType) (storer.EncodedObjectIter, error) {
	return s.DB.IterEncodedObjects(t)
}
func (s *Storage) HasEncodedObject(h plumbing.Hash) error           { return s.DB.HasEncodedObject(h) }
func (s *Storage) EncodedObjectSize(h plumbing.Hash) (int64, error) { return s.DB.EncodedObjectSize(h) }
func (s *Storage) HashesWithPrefix(p []byte) ([]plumbing.Hash, error) {
	return s.DB.HashesWithPrefix(p)
}
func (s *Storage) AddAlternate(remote string) error { return s.DB.AddAlternate(remote) }
func (s *Storage) ForEachObjectHash(fn func(plumbing.Hash) error) error {
	return s.DB.ForEachObjectHash(fn)
}
func (s *Storage) ObjectPacks() ([]plumbing.Hash, error) { return s.DB.ObjectPacks() }

// Reindex makes packs written by others visible.
func (s *Storage) Reindex() { s.DB.Refresh() }

// Close releases the object database's maps and go-git's descriptors.
func (s *Storage) Close() error {
	if s.graph != nil {
		s.graph.Close()
	}
	s.DB.Close()
	return s.Storage.Close()
}

// OpenStorage opens the storage of the git directory gitDir without the
// checks Open makes (the server opens a repository per request, and a
// repository being created has no HEAD yet).
func OpenStorage(gitDir string) *Storage {
	st := filesystem.NewStorageWithOptions(objfs.New(gitDir), cache.NewObjectLRU(cache.KiByte), filesystem.Options{})
	return &Storage{Storage: st, DB: odb.Open(filepath.Join(gitDir, "objects")), refs: refs.Dir(gitDir)}
}
