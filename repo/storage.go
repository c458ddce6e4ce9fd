package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/commitgraph"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/refs"
)

// Storage is what go-git's object code sees of a repository: easel's
// object database for every object (go-git's EncodedObjectStorer) and the
// repository's refs. It is easel's own rather than go-git's file system
// storage, whose packages (and the config parser and encoding/gob they
// bring) every command would otherwise pay for at start-up; refs, config,
// the index and shallow have their own packages in easel.
type Storage struct {
	*odb.DB

	// openGraph opens the commit-graph when git would use it; nil means
	// none (set by the repository, which knows its config).
	openGraph func() *commitgraph.Graph
	graphOnce sync.Once
	graph     *commitgraph.Graph

	// refs reads refs for Reference.
	refs refs.Store
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

// Storage is a go-git object store through its embedded odb.DB.
var _ storer.EncodedObjectStorer = (*Storage)(nil)

// DeltaObject is go-git's DeltaObjectStorer (which its pack encoder asks
// for): odb never hands out unresolved deltas.
func (s *Storage) DeltaObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	return s.DB.EncodedObject(t, h)
}

// Close releases the object database's maps and the commit-graph.
func (s *Storage) Close() error {
	if s.graph != nil {
		s.graph.Close()
	}
	s.DB.Close()
	return nil
}

// OpenStorage opens the storage of the git directory gitDir without the
// checks Open makes (the server opens a repository per request, and a
// repository being created has no HEAD yet).
func OpenStorage(gitDir string) *Storage {
	return &Storage{DB: odb.Open(filepath.Join(gitDir, "objects")), refs: refs.Dir(gitDir)}
}

// errUnsafeRefName is a ref name that would name a file outside the refs
// (go-git's storage refused such names the same way).
var errUnsafeRefName = errors.New("reference name escapes the reference storage")

// Reference reads the ref name without following it, as go-git's storage
// did: the loose file (an empty one, being written, counts as absent),
// else packed-refs; plumbing.ErrReferenceNotFound when there is neither.
// A symbolic ref comes back as one, its target unresolved.
func (s *Storage) Reference(name plumbing.ReferenceName) (*plumbing.Reference, error) {
	if !safeRefName(name) {
		return nil, fmt.Errorf("%w: %q is not under refs/ nor a valid pseudo-ref", errUnsafeRefName, string(name))
	}
	if data, err := os.ReadFile(s.refs.Path(name.String())); err == nil && len(data) > 0 {
		return looseReference(name, data), nil
	}
	packed, err := refs.ReadPacked(s.refs.Common)
	if r, ok := packed.Lookup(name.String()); ok {
		return r.Reference(), nil
	}
	if err != nil {
		return nil, err
	}
	return nil, plumbing.ErrReferenceNotFound
}

// looseReference parses a loose ref file as git does; content git would
// call broken is read as go-git read it (an id from its leading hex
// digits), so that a damaged ref reads as it always has.
func looseReference(name plumbing.ReferenceName, data []byte) *plumbing.Reference {
	id, target, err := refs.ParseContent(data)
	switch {
	case err != nil:
		return plumbing.NewReferenceFromStrings(name.String(), strings.TrimSpace(string(data)))
	case target != "":
		return plumbing.NewSymbolicReference(name, plumbing.ReferenceName(target))
	default:
		return plumbing.NewHashReference(name, id)
	}
}

// safeRefName: a name under refs/ or an upper-case pseudo-ref, without
// control characters.
func safeRefName(name plumbing.ReferenceName) bool {
	if !name.IsSafe() {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return false
		}
	}
	return true
}
