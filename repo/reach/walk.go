package reach

import (
	"bytes"
	"encoding/hex"
	"errors"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/odb"
)

// Object is one object the walk reached.
type Object struct {
	ID plumbing.Hash
	// From is the object whose link reached it (zero for a root), of
	// type FromType.
	From     plumbing.Hash
	FromType plumbing.ObjectType
	// Type is the object's type as read; for a blob the walk did not
	// read (Blobs != ReadBlobs) it is the type the link named.
	Type plumbing.ObjectType
	// Expected is the type the link that reached it named (a tree entry's
	// mode, a tag's "type" line, a commit's "tree"/"parent"); invalid for
	// roots.
	Expected plumbing.ObjectType
	// Path is the path the object was reached by ("" for commits, tags
	// and root trees), which repack hashes to group similar blobs.
	Path string
	// Data is the object's content, valid only during the Visit call and
	// shared with the object cache: never modify or keep it. Nil for
	// blobs that were not read.
	Data []byte
}

// BlobMode says how much a walk looks at blobs.
type BlobMode int

const (
	// ExistBlobs checks that each blob exists, without reading it.
	ExistBlobs BlobMode = iota
	// SkipBlobs visits blobs without looking for them at all
	// (git fsck --connectivity-only still checks existence; prune only
	// needs the ids).
	SkipBlobs
	// ReadBlobs reads each blob whole and hands its content to Visit.
	ReadBlobs
)

// Walker walks the objects reachable from the ids given to Add: each
// object once, contents never kept beyond its Visit, the ids seen in a
// Set. It is what prune marks with, what repack lists with (Path gives
// the name hash), and what fsck checks connectivity with.
type Walker struct {
	DB    *odb.DB
	Seen  *Set     // ids already reached; created by Run when nil
	Blobs BlobMode // how blobs are looked at
	// Paths keeps the path each tree and blob was reached by.
	Paths bool
	// Shallow commits' parents are not followed (a shallow clone lacks
	// them).
	Shallow *Set
	// Visit is called once for every object reached and found.
	Visit func(Object) error
	// BadLink is called for a link to an object that is missing (err is
	// odb.ErrNotFound) or cannot be read; from is zero for an id given
	// to Add. The walk goes on when it returns nil.
	BadLink func(from plumbing.Hash, fromType plumbing.ObjectType, to plumbing.Hash, toType plumbing.ObjectType, err error) error
	// Graph, when set, gives the tree and parents of the commits it
	// holds without reading them (the commit-graph, as git's revision
	// walk uses it); those commits are visited with nil Data. Leave it
	// nil where commits must be read (fsck) or the graph may not be
	// trusted (grafts, replace refs, a shallow repository).
	Graph commitwalk.Graph

	stack   []item
	parents []uint32
	scratch []byte // the last object read, when not the cache's: read into again
}

type item struct {
	id       plumbing.Hash
	from     plumbing.Hash
	fromType plumbing.ObjectType
	expected plumbing.ObjectType
	path     string
}

// Add queues a start of the walk; typ is the type expected, or
// plumbing.AnyObject when not known.
func (w *Walker) Add(id plumbing.Hash, typ plumbing.ObjectType, path string) {
	if id.IsZero() {
		return
	}
	w.init()
	// Marked when queued, as git marks its pending objects: a link to an
	// object already queued as a root is not reported as broken.
	if w.Seen.Add(id) {
		w.stack = append(w.stack, item{id: id, expected: typ, path: path})
	}
}

func (w *Walker) init() {
	if w.Seen == nil {
		w.Seen = NewSet(1 << 16)
	}
}

// Run walks everything queued (and what it reaches) and returns the first
// error a callback returned. It may be called again after more Adds: what
// was seen is not visited twice. Ids are marked seen when queued.
func (w *Walker) Run() error {
	w.init()
	for len(w.stack) > 0 {
		it := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		if err := w.visit(it); err != nil {
			return err
		}
	}
	return nil
}

func (w *Walker) bad(it item, err error) error {
	if w.BadLink == nil {
		return nil
	}
	return w.BadLink(it.from, it.fromType, it.id, it.expected, err)
}

func (w *Walker) visit(it item) error {
	o := Object{ID: it.id, From: it.from, FromType: it.fromType, Expected: it.expected, Path: it.path}
	if it.expected == plumbing.BlobObject && w.Blobs != ReadBlobs {
		o.Type = plumbing.BlobObject
		if w.Blobs == ExistBlobs && !w.DB.Contains(it.id) && !w.DB.Has(it.id) {
			return w.bad(it, odb.ErrNotFound)
		}
		if w.Visit != nil {
			return w.Visit(o)
		}
		return nil
	}
	if w.Graph != nil && (it.expected == plumbing.CommitObject || it.expected == plumbing.AnyObject) {
		if pos, ok := w.Graph.Lookup(it.id); ok {
			tree, ps, _, _, err := w.Graph.CommitAt(pos, w.parents)
			if err == nil {
				w.parents = ps
				return w.graphCommit(it, o, tree, ps)
			}
		}
	}
	t, data, owned, err := w.DB.ReadTo(it.id, w.scratch)
	if err != nil {
		return w.bad(it, err)
	}
	if owned {
		// Nothing keeps an object's content past this visit.
		defer func() { w.scratch = data[:0] }()
	}
	o.Type, o.Data = t, data
	if w.Visit != nil {
		if err := w.Visit(o); err != nil {
			return err
		}
	}
	switch t {
	case plumbing.CommitObject:
		w.commitLinks(it.id, data)
	case plumbing.TreeObject:
		w.treeLinks(it.id, it.path, data)
	case plumbing.TagObject:
		w.tagLinks(it.id, data)
	}
	return nil
}

func (w *Walker) push(from plumbing.Hash, fromType plumbing.ObjectType, id plumbing.Hash, typ plumbing.ObjectType, path string) {
	if !w.Seen.Add(id) {
		return
	}
	w.stack = append(w.stack, item{id: id, from: from, fromType: fromType, expected: typ, path: path})
}

// graphCommit visits a commit the graph holds and queues its links as
// commitLinks does.
func (w *Walker) graphCommit(it item, o Object, tree plumbing.Hash, ps []uint32) error {
	o.Type = plumbing.CommitObject
	if w.Visit != nil {
		if err := w.Visit(o); err != nil {
			return err
		}
	}
	w.push(it.id, plumbing.CommitObject, tree, plumbing.TreeObject, "")
	if w.Shallow != nil && w.Shallow.Has(it.id) {
		return nil
	}
	for _, p := range ps {
		w.push(it.id, plumbing.CommitObject, w.Graph.Hash(p), plumbing.CommitObject, "")
	}
	return nil
}

func (w *Walker) commitLinks(id plumbing.Hash, data []byte) {
	shallow := w.Shallow != nil && w.Shallow.Has(id)
	var parents []plumbing.Hash
	var tree plumbing.Hash
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		if len(line) == 0 {
			break
		}
		if h, ok := headerID(line, "tree "); ok {
			tree = h
		} else if h, ok := headerID(line, "parent "); ok && !shallow {
			parents = append(parents, h)
		}
	}
	// git's order (fsck_walk_commit onto a LIFO): the tree is queued
	// before the parents, so history is followed first and the trees
	// after; links are then found, and objects named, as git finds them.
	if !tree.IsZero() {
		w.push(id, plumbing.CommitObject, tree, plumbing.TreeObject, "")
	}
	for _, p := range parents {
		w.push(id, plumbing.CommitObject, p, plumbing.CommitObject, "")
	}
}

func (w *Walker) tagLinks(id plumbing.Hash, data []byte) {
	var target plumbing.Hash
	typ := plumbing.AnyObject
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		if len(line) == 0 {
			break
		}
		if h, ok := headerID(line, "object "); ok {
			target = h
		} else if t, ok := bytes.CutPrefix(line, []byte("type ")); ok {
			if pt, err := plumbing.ParseObjectType(string(t)); err == nil {
				typ = pt
			}
		}
	}
	if !target.IsZero() {
		w.push(id, plumbing.TagObject, target, typ, "")
	}
}

func (w *Walker) treeLinks(id plumbing.Hash, dir string, data []byte) {
	_ = ScanTree(data, func(mode []byte, name []byte, h plumbing.Hash) {
		typ := plumbing.BlobObject
		switch {
		case isMode(mode, "160000"):
			return // a submodule's commit lives in its own repository
		case mode[0] == '4':
			typ = plumbing.TreeObject
		}
		if !w.Seen.Add(h) {
			return
		}
		var p string
		if w.Paths {
			if dir == "" {
				p = string(name)
			} else {
				p = dir + "/" + string(name)
			}
		}
		w.stack = append(w.stack, item{id: h, from: id, fromType: plumbing.TreeObject, expected: typ, path: p})
	})
	// Entries stay in tree order, the last on top, as git queues them.
}

func isMode(m []byte, s string) bool { return string(m) == s }

// ErrTruncatedTree is a tree whose entries run past its end.
var ErrTruncatedTree = errors.New("truncated tree")

// ScanTree calls fn for each entry of a tree's content, without
// allocating; name and mode are slices of data.
func ScanTree(data []byte, fn func(mode, name []byte, id plumbing.Hash)) error {
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp <= 0 {
			return ErrTruncatedTree
		}
		nul := bytes.IndexByte(data[sp+1:], 0)
		if nul < 0 || len(data) < sp+1+nul+1+20 {
			return ErrTruncatedTree
		}
		var h plumbing.Hash
		copy(h[:], data[sp+1+nul+1:])
		fn(data[:sp], data[sp+1:sp+1+nul], h)
		data = data[sp+1+nul+1+20:]
	}
	return nil
}

func headerID(line []byte, key string) (plumbing.Hash, bool) {
	rest, ok := bytes.CutPrefix(line, []byte(key))
	if !ok || len(rest) != 40 {
		return plumbing.ZeroHash, false
	}
	var h plumbing.Hash
	if _, err := hex.Decode(h[:], rest); err != nil {
		return plumbing.ZeroHash, false
	}
	return h, true
}
