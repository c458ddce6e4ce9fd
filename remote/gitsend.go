package remote

import (
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/commitgraph"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/packobj"
	"easel.dev/easel/repo/reach"
)

// What a git client's fetch receives is listed by repo/reach's walk (with
// the commit-graph when git would trust it) and written by repo/packobj,
// the writer repack uses: stored deltas and whole entries are copied as
// they are stored (git's pack reuse), objects stored otherwise are
// searched against a window of similar ones, and thin deltas go against
// bases the client holds. One pack writer for repack, easel's own fetch
// and git's.

// gitPackOptions are pack-objects' options for a client: git's window and
// depth, one search thread and a small delta cache so that a request's
// memory stays bounded whatever the server's cores.
func gitPackOptions(ofsDelta bool, thin map[plumbing.Hash]plumbing.Hash) packobj.Options {
	return packobj.Options{Window: 10, Depth: 50, Threads: 1, DeltaCacheBytes: 16 << 20,
		Level: zlib.DefaultCompression, RefDelta: !ofsDelta, Thin: thin, NoIndex: true}
}

// trustedGraph is the repository's commit-graph when git would use it
// for a walk: not in a shallow repository, nor with grafts or replace
// refs (which change what a commit's parents are). Nil otherwise.
func trustedGraph(dir string) *commitgraph.Graph {
	if _, err := os.Stat(filepath.Join(dir, "shallow")); err == nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "info", "grafts")); err == nil {
		return nil
	}
	if ents, err := os.ReadDir(filepath.Join(dir, "refs", "replace")); err == nil && len(ents) > 0 {
		return nil
	}
	if data, err := os.ReadFile(filepath.Join(dir, "packed-refs")); err == nil && strings.Contains(string(data), " refs/replace/") {
		return nil
	}
	g, err := commitgraph.Open(filepath.Join(dir, "objects"))
	if err != nil {
		return nil
	}
	return g
}

// reachableObjects lists everything wants reach, each object once with the
// path it was first reached by (for the pack's delta search): what a
// clone without haves or depth receives. Commits the graph holds are not
// read; trees are read once each. A missing object fails the listing,
// except below the repository's own shallow boundary.
func reachableObjects(ctx context.Context, dir string, db *odb.DB, wants []plumbing.Hash) ([]packobj.Object, error) {
	w := &reach.Walker{DB: db, Blobs: reach.SkipBlobs, Paths: true, Shallow: reach.Shallow(dir),
		Seen: reach.NewSet(int(min(db.PackedCount(), 1<<24)))}
	if g := trustedGraph(dir); g != nil {
		defer g.Close()
		w.Graph = g
	}
	out := make([]packobj.Object, 0, w.Seen.Len()+int(min(db.PackedCount(), 1<<24)))
	n := 0
	w.Visit = func(o reach.Object) error {
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			// Reading a tree maps the pack's pages around it: without
			// this the walk alone maps most of the pack into the
			// server's memory (51 of 63 MB for git's history).
			if n&8191 == 0 {
				db.ReleaseMapped()
			}
		}
		out = append(out, packobj.Object{ID: o.ID, Path: o.Path})
		return nil
	}
	w.BadLink = func(from plumbing.Hash, _ plumbing.ObjectType, to plumbing.Hash, _ plumbing.ObjectType, err error) error {
		if from.IsZero() {
			return fmt.Errorf("%s: %w", to, err)
		}
		return fmt.Errorf("%s (reached from %s): %w", to, from, err)
	}
	for _, h := range wants {
		w.Add(h, plumbing.AnyObject, "")
	}
	if err := w.Run(); err != nil {
		return nil, err
	}
	return out, nil
}

func idsOf(objs []packobj.Object) []plumbing.Hash {
	out := make([]plumbing.Hash, len(objs))
	for i, o := range objs {
		out[i] = o.ID
	}
	return out
}

func objectsOf(ids []plumbing.Hash) []packobj.Object {
	out := make([]packobj.Object, len(ids))
	for i, h := range ids {
		out[i] = packobj.Object{ID: h}
	}
	return out
}

// objectFilter is a partial clone's filter spec, git's list-objects
// filters: blob:none, blob:limit=N (blobs of N bytes or more are left
// out), tree:N (trees and blobs N or more levels below a commit's root
// tree, which is level 0, are left out; tree:0 sends only commits and
// tags), sparse:oid=<blob-ish> (blobs outside the sparse-checkout
// patterns the blob holds are left out), object:type=<type> (only
// objects of that type) and combine:<f1>+<f2>... (only what every
// sub-filter keeps; each sub-filter is URL-encoded). Objects the client
// named as wants are always sent.
type objectFilter struct {
	noBlobs   bool
	blobLimit int64               // -1: none
	treeDepth int                 // -1: none
	objType   plumbing.ObjectType // InvalidObject: none
	sparse    string              // sparse:oid's blob-ish, "" for none
	subs      []*objectFilter     // combine:
}

// filterReserved are the characters a combine: sub-filter must encode
// (git's RESERVED_NON_WS), with '+' and whitespace.
const filterReserved = "~`!@#$^&*()[]{}\\;'\",<>?+"

func parseFilter(spec string) (*objectFilter, error) {
	f := &objectFilter{blobLimit: -1, treeDepth: -1}
	switch {
	case spec == "blob:none":
		f.noBlobs = true
	case strings.HasPrefix(spec, "blob:limit="):
		n, err := parseSize(strings.TrimPrefix(spec, "blob:limit="))
		if err != nil {
			return nil, fmt.Errorf("invalid filter-spec '%s'", spec)
		}
		f.blobLimit = n
	case strings.HasPrefix(spec, "tree:"):
		n, err := strconv.Atoi(strings.TrimPrefix(spec, "tree:"))
		if err != nil || n < 0 {
			return nil, errors.New("expected 'tree:<depth>'")
		}
		f.treeDepth = n
	case strings.HasPrefix(spec, "sparse:oid="):
		f.sparse = strings.TrimPrefix(spec, "sparse:oid=")
		if f.sparse == "" {
			return nil, fmt.Errorf("invalid filter-spec '%s'", spec)
		}
	case strings.HasPrefix(spec, "sparse:path="):
		return nil, errors.New("sparse:path filters support has been dropped")
	case strings.HasPrefix(spec, "object:type="):
		name := strings.TrimPrefix(spec, "object:type=")
		t, err := plumbing.ParseObjectType(name)
		if err != nil || t < plumbing.CommitObject || t > plumbing.TagObject {
			return nil, fmt.Errorf("'%s' for 'object:type=<type>' is not a valid object type", name)
		}
		f.objType = t
	case strings.HasPrefix(spec, "combine:"):
		rest := strings.TrimPrefix(spec, "combine:")
		if rest == "" {
			return nil, errors.New("expected something after combine:")
		}
		for _, part := range strings.Split(rest, "+") {
			for _, c := range []byte(part) {
				if c <= ' ' || strings.IndexByte(filterReserved, c) >= 0 {
					return nil, fmt.Errorf("must escape char in sub-filter-spec: '%c'", c)
				}
			}
			sub, err := url.PathUnescape(part)
			if err != nil || sub == "" {
				return nil, fmt.Errorf("invalid filter-spec '%s'", spec)
			}
			sf, err := parseFilter(sub)
			if err != nil {
				return nil, err
			}
			f.subs = append(f.subs, sf)
		}
	default:
		return nil, fmt.Errorf("invalid filter-spec '%s'", spec)
	}
	return f, nil
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1<<10, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1<<20, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "g"):
		mult, s = 1<<30, strings.TrimSuffix(s, "g")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, errors.New("bad size")
	}
	return n * mult, nil
}

// apply drops from objs what the filter leaves out. Types and sizes come
// from the pack entries' headers; nothing is inflated but the commits and
// trees tree:N and sparse:oid walk.
func (f *objectFilter) apply(ctx context.Context, dir string, db *odb.DB, objs []packobj.Object, wants []plumbing.Hash) ([]packobj.Object, error) {
	keep, err := f.keeps(ctx, dir, db, objs, wants)
	if err != nil {
		return nil, err
	}
	out := objs[:0]
	for i, o := range objs {
		if keep[i] {
			out = append(out, o)
		}
	}
	return out, nil
}

// keeps says, for each of objs, whether the filter keeps it.
func (f *objectFilter) keeps(ctx context.Context, dir string, db *odb.DB, objs []packobj.Object, wants []plumbing.Hash) ([]bool, error) {
	keep := make([]bool, len(objs))
	if len(f.subs) > 0 {
		for i := range keep {
			keep[i] = true
		}
		for _, sf := range f.subs {
			k, err := sf.keeps(ctx, dir, db, objs, wants)
			if err != nil {
				return nil, err
			}
			for i := range keep {
				keep[i] = keep[i] && k[i]
			}
		}
		return keep, nil
	}
	wanted := make(map[plumbing.Hash]bool, len(wants))
	for _, h := range wants {
		wanted[h] = true
	}
	var within map[plumbing.Hash]bool
	switch {
	case f.treeDepth >= 0:
		var err error
		if within, err = f.shallowTrees(ctx, db, objs); err != nil {
			return nil, err
		}
	case f.sparse != "":
		var err error
		if within, err = sparseBlobs(ctx, dir, db, f.sparse, objs); err != nil {
			return nil, err
		}
	}
	for i, o := range objs {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if wanted[o.ID] {
			keep[i] = true
			continue
		}
		t, size, err := db.Info(o.ID)
		if err != nil {
			return nil, err
		}
		switch {
		case f.objType != plumbing.InvalidObject && t != f.objType:
		case t == plumbing.BlobObject && (f.noBlobs || (f.blobLimit >= 0 && size >= f.blobLimit)):
		case f.treeDepth >= 0 && (t == plumbing.BlobObject || t == plumbing.TreeObject) && !within[o.ID]:
		case f.sparse != "" && t == plumbing.BlobObject && !within[o.ID]:
		default:
			keep[i] = true
		}
	}
	return keep, nil
}

// shallowTrees is, for tree:N, the trees and blobs fewer than N levels
// below the root tree of a commit of objs. A tree met again at a
// shallower level is walked again from there, as git's filter does.
func (f *objectFilter) shallowTrees(ctx context.Context, db *odb.DB, objs []packobj.Object) (map[plumbing.Hash]bool, error) {
	within := map[plumbing.Hash]bool{}
	if f.treeDepth == 0 {
		return within, nil
	}
	level := map[plumbing.Hash]int{} // the shallowest level a tree was walked at
	var walk func(tree plumbing.Hash, depth int) error
	walk = func(tree plumbing.Hash, depth int) error {
		if d, ok := level[tree]; ok && d <= depth {
			return nil
		}
		level[tree] = depth
		within[tree] = true
		if depth+1 >= f.treeDepth {
			return nil
		}
		_, data, err := db.Read(tree)
		if err != nil {
			return fmt.Errorf("tree %s: %w", tree, err)
		}
		var subs []plumbing.Hash
		err = reach.ScanTree(data, func(mode, _ []byte, id plumbing.Hash) {
			switch {
			case string(mode) == "160000":
			case mode[0] == '4':
				subs = append(subs, id)
			default:
				within[id] = true
			}
		})
		if err != nil {
			return fmt.Errorf("tree %s: %w", tree, err)
		}
		for _, s := range subs {
			if err := walk(s, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := forEachCommitTree(ctx, db, objs, func(tree plumbing.Hash) error { return walk(tree, 0) }); err != nil {
		return nil, err
	}
	return within, nil
}

// resolveDeepenNot is the ref a deepen-not line names, as git's
// upload-pack expands it: the name must match exactly one ref by git's
// rules (name, refs/name, refs/tags/name, refs/heads/name,
// refs/remotes/name, refs/remotes/name/HEAD).
func resolveDeepenNot(all map[string]plumbing.Hash, name string) (plumbing.Hash, error) {
	var found []plumbing.Hash
	for _, pat := range []string{"%s", "refs/%s", "refs/tags/%s", "refs/heads/%s", "refs/remotes/%s", "refs/remotes/%s/HEAD"} {
		if h, ok := all[fmt.Sprintf(pat, name)]; ok {
			found = append(found, h)
		}
	}
	if len(found) != 1 {
		return plumbing.ZeroHash, fmt.Errorf("ambiguous deepen-not: deepen-not %s", name)
	}
	return found[0], nil
}

// excludedCommits is every commit the deepen-not refs reach.
func excludedCommits(ctx context.Context, dir string, store *repo.Storage, names []string) (map[plumbing.Hash]bool, error) {
	all, _, err := readRefs(dir)
	if err != nil {
		return nil, err
	}
	var w *commitwalk.Walker
	if g := trustedGraph(dir); g != nil {
		defer g.Close()
		w = commitwalk.New(store, g)
	} else {
		w = commitwalk.New(store, nil)
	}
	out := map[plumbing.Hash]bool{}
	var stack []plumbing.Hash
	for _, name := range names {
		h, err := resolveDeepenNot(all, name)
		if err != nil {
			return nil, err
		}
		if p := peelOr(store, h); isCommit(store, p) {
			stack = append(stack, p)
		}
	}
	for len(stack) > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if out[h] {
			continue
		}
		out[h] = true
		n, err := w.Get(h)
		if err != nil {
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				continue // below the repository's own shallow boundary
			}
			return nil, err
		}
		stack = append(stack, w.ParentIDs(n)...)
	}
	return out, nil
}

// forEachCommitTree calls fn with the root tree of each commit among objs,
// in their order: where a filter's walk over trees starts.
func forEachCommitTree(ctx context.Context, db *odb.DB, objs []packobj.Object, fn func(tree plumbing.Hash) error) error {
	for i, o := range objs {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		t, data, err := db.Read(o.ID)
		if err != nil || t != plumbing.CommitObject {
			continue
		}
		h, err := commitwalk.ParseHeader(data)
		if err != nil {
			return fmt.Errorf("commit %s: %w", o.ID, err)
		}
		if err := fn(h.Tree); err != nil {
			return err
		}
	}
	return nil
}
