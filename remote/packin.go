package remote

import (
	"bytes"
	"container/list"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/treecheck"
)

// Quarantine is a received packfile kept in objects/incoming-* until it has
// been checked and accepted. Nothing in it is visible to readers of the
// repository: the directory is laid out as a git directory of its own
// (incoming-*/objects/pack/pack-<id>.{pack,idx}), and Accept moves the pack
// into objects/pack by rename. Its objects are read through the index
// built when it arrived (see packindex.go), never through a storage that
// would load a second index of it.
type Quarantine struct {
	dir     string
	packDir string

	PackHash plumbing.Hash
	Objects  int   // objects in the pack
	Bytes    int64 // size of the pack as received

	// Warnings are what git's fsck reports as warnings about the
	// received objects (a tree mode 100664, say): accepted, and logged by
	// the server. At most maxWarnings are kept; WarningCount counts all.
	Warnings     []string
	WarningCount int

	idx        *packIndex
	ix         *indexer // reads the pack, and charges reads to its budget
	pack       *os.File
	cache      objCache
	gitmodules []plumbing.Hash // blobs the pack's trees name .gitmodules
}

const maxWarnings = 20

// largeObject is the size above which objects are read from disk on demand
// instead of into memory.
const largeObject = 1 << 20

// OpenObjectStore opens gitDir's objects through the object database
// (indexes read in place, packs mapped, new packs found when an object is
// missing), for streaming packs in and out.
func OpenObjectStore(gitDir string) *repo.Storage { return repo.OpenStorage(gitDir) }

// Receive streams a packfile from r into a new quarantine directory, then indexes it: the pack checksum is verified and every
// object inflated and hashed. Delta bases must be in the same pack (no thin
// packs). An empty body is an empty pack. On error the quarantine is gone.
//
// parent is where the quarantine directory is made: the repository's
// objects directory, or for a repository that does not exist yet a
// directory on the same file system, so that Accept can rename.
func Receive(ctx context.Context, parent string, r io.Reader) (_ *Quarantine, err error) {
	return ReceiveLimited(ctx, parent, r, PackLimits{})
}

// ReceiveLimited is Receive refusing objects and delta chains over lim
// (zero fields: the defaults) before the pack is parsed.
func ReceiveLimited(ctx context.Context, parent string, r io.Reader, lim PackLimits) (_ *Quarantine, err error) {
	return ReceiveThin(ctx, parent, r, lim, nil)
}

// ReceiveThin is ReceiveLimited accepting a thin pack: REF_DELTA entries
// whose base is not in the pack but in have (the repository the pack is
// for). Before the pack is indexed those bases are appended to it whole
// (fixThin, what git index-pack --fix-thin does), so the pack that
// Accept makes visible is self-contained and every delta in it is
// resolved and hashed like any other. A base have lacks too is ErrMissing,
// and nothing is kept. A nil have accepts no thin pack.
//
// Every commit, tree and tag is checked as it is resolved, as git's
// receive-pack with fsck does (unless lim.NoObjectChecks): commits and
// tags parse, every tree entry name is safe (no "..", no ".git" in any
// spelling), entries sorted, no duplicates, no link to the null id. What
// git's fsck only warns about (modes old git wrote) is kept in Warnings.
func ReceiveThin(ctx context.Context, parent string, r io.Reader, lim PackLimits, have storer.EncodedObjectStorer) (_ *Quarantine, err error) {
	lim = lim.withDefaults()
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	removeStaleQuarantines(parent, staleQuarantine)
	dir, err := os.MkdirTemp(parent, "incoming-")
	if err != nil {
		return nil, err
	}
	q := &Quarantine{dir: dir, packDir: filepath.Join(dir, "objects", "pack")}
	defer func() {
		if err != nil {
			q.Discard()
		}
	}()
	if err := os.MkdirAll(q.packDir, 0o755); err != nil {
		return nil, err
	}
	tmp := filepath.Join(q.packDir, "tmp_pack")
	f, err := createPackFile(tmp)
	if err != nil {
		return nil, err
	}
	q.pack = f
	n, err := io.Copy(f, ctxReader{ctx, r})
	if err != nil {
		return nil, err
	}
	q.Bytes = n // as received, before any fixThin
	if n == 0 {
		return q, nil
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	var check objectCheck
	if !lim.NoObjectChecks {
		check = q.checkObject
	}
	ix := &indexer{ctx: ctx, f: f, size: n, lim: lim, check: check, budget: lim.budget(n)}
	if err := ix.scan(); err != nil {
		return nil, err
	}
	external, err := ix.resolve(have)
	if err != nil {
		return nil, err
	}
	if len(external) > 0 {
		if n, err = fixThin(ctx, f, n, have, external); err != nil {
			return nil, err
		}
		// Index the completed pack afresh: its bases are now objects
		// in it.
		q.Warnings, q.WarningCount, q.gitmodules = nil, 0, nil
		ix = &indexer{ctx: ctx, f: f, size: n, lim: lim, check: check, budget: lim.budget(n)}
		if err := ix.scan(); err != nil {
			return nil, err
		}
		if _, err := ix.resolve(nil); err != nil {
			return nil, err
		}
	}
	q.PackHash = ix.x.sum
	q.Objects = ix.x.len()
	q.idx, q.ix = ix.x, ix
	base := filepath.Join(q.packDir, "pack-"+q.PackHash.String())
	idxf, err := os.OpenFile(base+".idx", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return nil, err
	}
	if err := ix.x.writeIdx(idxf); err != nil {
		idxf.Close()
		return nil, err
	}
	if err := idxf.Sync(); err != nil {
		idxf.Close()
		return nil, err
	}
	if err := idxf.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, base+".pack"); err != nil {
		return nil, err
	}
	return q, nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (q *Quarantine) warn(msg string) {
	q.WarningCount++
	if len(q.Warnings) < maxWarnings {
		q.Warnings = append(q.Warnings, msg)
	}
}

// checkObject is the fsck of one received object, as git's receive-pack
// does with receive.fsckObjects, with git's severities.
func (q *Quarantine) checkObject(h plumbing.Hash, t plumbing.ObjectType, data []byte) error {
	switch t {
	case plumbing.TreeObject:
		warnings, err := treecheck.ScanTree(data, func(e treecheck.Entry) error {
			if plumbing.Hash(e.Hash).IsZero() {
				// git fsck's nullSha1: a link nothing can satisfy.
				return fmt.Errorf("entry %q points to the null id: %w", e.Name, treecheck.ErrBadTree)
			}
			if !e.IsSymlink() && treecheck.IsDotGitmodules(e.Name) {
				q.gitmodules = append(q.gitmodules, plumbing.Hash(e.Hash))
			}
			return nil
		})
		for _, w := range warnings {
			q.warn(fmt.Sprintf("tree %s: %v", h, w))
		}
		if err != nil {
			return fmt.Errorf("tree %s: %w", h, err)
		}
	case plumbing.CommitObject:
		tree, parents, err := parseCommitLinks(data)
		if err != nil {
			return fmt.Errorf("%w: commit %s: %v", ErrBadPack, h, err)
		}
		for _, l := range append(parents, tree) {
			if l.IsZero() {
				return fmt.Errorf("%w: commit %s links to the null id", ErrBadPack, h)
			}
		}
	case plumbing.TagObject:
		if _, err := parseTagTarget(data); err != nil {
			return fmt.Errorf("%w: tag %s: %v", ErrBadPack, h, err)
		}
	}
	return nil
}

// Has reports whether the quarantined pack holds h.
func (q *Quarantine) Has(h plumbing.Hash) bool {
	if q.idx == nil {
		return false
	}
	_, ok := q.idx.find(h)
	return ok
}

// Storer reads the quarantined objects first, then base's: the view of the
// repository as it would be once the pack is accepted.
func (q *Quarantine) Storer(base storer.EncodedObjectStorer) storer.EncodedObjectStorer {
	if q.idx == nil {
		return base
	}
	return &overlay{EncodedObjectStorer: base, q: q}
}

type overlay struct {
	storer.EncodedObjectStorer
	q *Quarantine
}

func (o *overlay) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if i, ok := o.q.idx.find(h); ok {
		typ, data, err := o.q.read(i)
		if err != nil {
			return nil, err
		}
		if t != plumbing.AnyObject && t != typ {
			return nil, plumbing.ErrObjectNotFound
		}
		obj := &plumbing.MemoryObject{}
		obj.SetType(typ)
		obj.Write(data)
		return obj, nil
	}
	return o.EncodedObjectStorer.EncodedObject(t, h)
}

func (o *overlay) HasEncodedObject(h plumbing.Hash) error {
	if o.q.Has(h) {
		return nil
	}
	return o.EncodedObjectStorer.HasEncodedObject(h)
}

func (o *overlay) EncodedObjectSize(h plumbing.Hash) (int64, error) {
	if i, ok := o.q.idx.find(h); ok {
		_, data, err := o.q.read(i)
		return int64(len(data)), err
	}
	return o.EncodedObjectStorer.EncodedObjectSize(h)
}

// read returns the object at position i of the quarantined pack. Reads
// are charged to the pack's budget, so a walk over objects built from
// long chains of large deltas cannot cost more than indexing was allowed
// to; the cache keeps recently read objects (delta bases, mostly).
func (q *Quarantine) read(i int) (plumbing.ObjectType, []byte, error) {
	if data, ok := q.cache.get(i); ok {
		return plumbing.ObjectType(q.idx.types[i]), data, nil
	}
	ix, x := q.ix, q.idx
	off := x.offs[i]
	r, kind, size, err := ix.entryAt(off)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: object at offset %d: %v", ErrBadPack, off, err)
	}
	base := -1
	switch kind {
	case pkOfsKind:
		rel, err := readOfsDelta(r)
		if err != nil {
			return 0, nil, fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, off, err)
		}
		base, _ = x.atOffset(off - rel)
	case pkRefKind:
		var h plumbing.Hash
		if _, err := io.ReadFull(r, h[:]); err != nil {
			return 0, nil, err
		}
		base, _ = x.find(h)
	}
	if err := ix.spend(size); err != nil {
		return 0, nil, err
	}
	buf := bytes.NewBuffer(make([]byte, 0, size))
	if err := ix.inflate(r, buf, size); err != nil {
		return 0, nil, fmt.Errorf("%w: object at offset %d: %v", ErrBadPack, off, err)
	}
	data := buf.Bytes()
	if kind >= pkOfsKind {
		// The delta is whole in buf before the base is read: reading
		// the base reuses the same reader.
		_, src, err := q.read(base)
		if err != nil {
			return 0, nil, err
		}
		if data, err = odb.ApplyDelta(src, data); err != nil {
			return 0, nil, fmt.Errorf("%w: delta at offset %d: %v", ErrBadPack, off, err)
		}
		if err := ix.spend(int64(len(data))); err != nil {
			return 0, nil, err
		}
	}
	q.cache.put(i, data)
	return plumbing.ObjectType(x.types[i]), data, nil
}

// readHash reads h from the quarantine; ok is false if it is not there.
func (q *Quarantine) readHash(h plumbing.Hash) (t plumbing.ObjectType, data []byte, ok bool, err error) {
	if q.idx == nil {
		return 0, nil, false, nil
	}
	i, found := q.idx.find(h)
	if !found {
		return 0, nil, false, nil
	}
	t, data, err = q.read(i)
	return t, data, true, err
}

// objCache is a small LRU of object contents by pack position.
type objCache struct {
	items map[int]*list.Element
	order list.List
	bytes int
}

type cacheItem struct {
	pos  int
	data []byte
}

const (
	objCacheBytes = 8 << 20
	objCacheMax   = 4 << 20 // larger objects are not kept
)

func (c *objCache) get(pos int) ([]byte, bool) {
	if e, ok := c.items[pos]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheItem).data, true
	}
	return nil, false
}

func (c *objCache) put(pos int, data []byte) {
	if len(data) > objCacheMax {
		return
	}
	if c.items == nil {
		c.items = map[int]*list.Element{}
	}
	if _, ok := c.items[pos]; ok {
		return
	}
	c.items[pos] = c.order.PushFront(&cacheItem{pos, data})
	c.bytes += len(data)
	for c.bytes > objCacheBytes {
		e := c.order.Back()
		it := e.Value.(*cacheItem)
		c.order.Remove(e)
		delete(c.items, it.pos)
		c.bytes -= len(it.data)
	}
}

// Verify checks what the objects of the pack mean together, after each
// was checked alone as it arrived: every blob a tree names .gitmodules (in
// any spelling a file system folds to it) is a blob with safe content,
// whether it came in this pack or was already stored; and every tip's
// whole closure is present (see checkConnected), the walk stopping only at
// objects reachable from haves, the repository's current refs. A tip
// reachable from no ref is walked to the end, however much of it is
// already stored: an object being present proves nothing about what it
// links to.
func (q *Quarantine) Verify(ctx context.Context, base storer.EncodedObjectStorer, tips, haves []plumbing.Hash) error {
	view := q.Storer(base)
	gm, err := checkConnected(ctx, view, q, tips, haves)
	if err != nil {
		return err
	}
	gm = append(gm, q.gitmodules...)
	return checkGitmodules(ctx, view, gm)
}

// checkGitmodules checks each blob named .gitmodules, once.
func checkGitmodules(ctx context.Context, view storer.EncodedObjectStorer, blobs []plumbing.Hash) error {
	done := map[plumbing.Hash]bool{}
	for _, h := range blobs {
		if done[h] {
			continue
		}
		done[h] = true
		if err := ctx.Err(); err != nil {
			return err
		}
		obj, err := view.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return fmt.Errorf("%w: the .gitmodules blob %s is neither in the pack nor in the repository (gitmodulesMissing)", ErrMissing, h)
		}
		if obj.Type() != plumbing.BlobObject {
			return fmt.Errorf(".gitmodules %s: %w", h, &treecheck.Error{ID: "gitmodulesBlob", Name: ".gitmodules", Why: "a .gitmodules entry is a " + obj.Type().String() + ", not a blob"})
		}
		rd, err := obj.Reader()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(rd)
		rd.Close()
		if err != nil {
			return err
		}
		if err := treecheck.Gitmodules(data); err != nil {
			return fmt.Errorf(".gitmodules %s: %w", h, err)
		}
	}
	return nil
}

// parseCommitLinks reads a commit's header strictly: a tree line, parent
// lines, then author and committer.
func parseCommitLinks(data []byte) (tree plumbing.Hash, parents []plumbing.Hash, err error) {
	hdr, _, _ := bytes.Cut(data, []byte("\n\n"))
	lines := strings.Split(string(hdr), "\n")
	if len(lines) < 3 {
		return tree, nil, errors.New("truncated commit header")
	}
	if tree, err = hexLine(lines[0], "tree "); err != nil {
		return tree, nil, err
	}
	i := 1
	for ; i < len(lines) && strings.HasPrefix(lines[i], "parent "); i++ {
		p, err := hexLine(lines[i], "parent ")
		if err != nil {
			return tree, nil, err
		}
		parents = append(parents, p)
	}
	if i >= len(lines) || !strings.HasPrefix(lines[i], "author ") {
		return tree, nil, errors.New("missing author")
	}
	if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "committer ") {
		return tree, nil, errors.New("missing committer")
	}
	return tree, parents, nil
}

func parseTagTarget(data []byte) (plumbing.Hash, error) {
	first, rest, _ := bytes.Cut(data, []byte("\n"))
	h, err := hexLine(string(first), "object ")
	if err != nil {
		return h, err
	}
	if !bytes.HasPrefix(rest, []byte("type ")) {
		return h, errors.New("missing type")
	}
	return h, nil
}

func hexLine(line, prefix string) (plumbing.Hash, error) {
	var h plumbing.Hash
	if !strings.HasPrefix(line, prefix) {
		return h, fmt.Errorf("expected %q", strings.TrimSpace(prefix))
	}
	s := line[len(prefix):]
	if len(s) != 40 || strings.ToLower(s) != s {
		return h, fmt.Errorf("bad id %q", s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("bad id %q", s)
	}
	return h, nil
}

// Accept makes the pack visible in gitDir's objects/pack: the index is renamed in
// first and the pack last, so neither git (which finds packs by their .idx
// and ignores one whose .pack is missing) nor go-git (which finds them by
// .pack) ever sees half a pack. undo removes it again, for a ref update that
// fails after the move; it is nil when nothing was moved (empty pack, or
// the very same pack already present).
func (q *Quarantine) Accept(gitDir string) (undo func(), err error) {
	defer q.Discard()
	if q.idx == nil || q.Objects == 0 {
		return nil, nil
	}
	dst := filepath.Join(gitDir, "objects", "pack")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, err
	}
	name := "pack-" + q.PackHash.String()
	target := filepath.Join(dst, name)
	if _, err := os.Stat(target + ".pack"); err == nil {
		return nil, nil
	}
	src := filepath.Join(q.packDir, name)
	if err := os.Rename(src+".idx", target+".idx"); err != nil {
		return nil, err
	}
	if err := os.Rename(src+".pack", target+".pack"); err != nil {
		os.Remove(target + ".idx")
		return nil, err
	}
	if err := lockfile.SyncDir(dst); err != nil {
		return nil, err
	}
	return func() {
		os.Remove(target + ".pack")
		os.Remove(target + ".idx")
	}, nil
}

// staleQuarantine is how long a quarantine must have been left untouched
// before another receive in the same repository takes it for the leftover
// of a killed process. Receiving writes to the pack continuously and
// checking it takes seconds, so a live quarantine is never that old.
const staleQuarantine = time.Hour

// removeStaleQuarantines deletes incoming-* directories under parent in
// which nothing was written for longer than age: what a fetch or push
// killed half way leaves behind. Their objects were never visible (see
// Quarantine), so removing them loses nothing. Errors are ignored: this is
// housekeeping, and the receive that triggered it does not depend on it.
func removeStaleQuarantines(parent string, age time.Duration) {
	qs, _ := filepath.Glob(filepath.Join(parent, "incoming-*"))
	for _, q := range qs {
		newest := time.Time{}
		filepath.WalkDir(q, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if fi, err := d.Info(); err == nil && fi.ModTime().After(newest) {
				newest = fi.ModTime()
			}
			return nil
		})
		if !newest.IsZero() && time.Since(newest) > age {
			os.RemoveAll(q)
		}
	}
}

// Discard deletes the quarantine directory and everything in it.
func (q *Quarantine) Discard() {
	if q.pack != nil {
		q.pack.Close()
		q.pack = nil
	}
	os.RemoveAll(q.dir)
}
