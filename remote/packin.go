package remote

import (
	"bytes"
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

	"github.com/go-git/go-billy/v5/osfs"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/storage/filesystem"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/treecheck"
)

// Quarantine is a received packfile kept in objects/incoming-* until it has
// been checked and accepted. Nothing in it is visible to readers of the
// repository: the directory is laid out as a git directory of its own
// (incoming-*/objects/pack/pack-<id>.{pack,idx}) so it can be read with a
// separate go-git storage, and Accept moves the pack into objects/pack by
// rename.
type Quarantine struct {
	dir     string
	packDir string

	PackHash plumbing.Hash
	Objects  int   // objects in the pack
	Bytes    int64 // size of the pack as received

	types map[plumbing.Hash]plumbing.ObjectType
	store *filesystem.Storage
}

// smallCache bounds how much object content a storage keeps in memory.
func smallCache() cache.Object { return cache.NewObjectLRU(8 * cache.MiByte) }

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
func ReceiveThin(ctx context.Context, parent string, r io.Reader, lim PackLimits, have storer.EncodedObjectStorer) (_ *Quarantine, err error) {
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	removeStaleQuarantines(parent, staleQuarantine)
	dir, err := os.MkdirTemp(parent, "incoming-")
	if err != nil {
		return nil, err
	}
	q := &Quarantine{dir: dir, packDir: filepath.Join(dir, "objects", "pack"), types: map[plumbing.Hash]plumbing.ObjectType{}}
	defer func() {
		if err != nil {
			q.Discard()
		}
	}()
	if err := os.MkdirAll(q.packDir, 0o755); err != nil {
		return nil, err
	}
	tmp := filepath.Join(q.packDir, "tmp_pack")
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return nil, err
	}
	defer f.Close()
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
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	external, err := checkPackLimits(f, lim, have)
	if err != nil {
		return nil, err
	}
	if len(external) > 0 {
		if n, err = fixThin(ctx, f, n, have, external); err != nil {
			return nil, err
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
	}
	idxw := new(idxfile.Writer)
	obs := &typeObserver{types: q.types}
	parser, err := packfile.NewParser(packfile.NewScanner(f), idxw, obs)
	if err != nil {
		return nil, err
	}
	sum, err := parser.Parse()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPack, err)
	}
	// The scanner stops after the checksum; anything after it is not a pack.
	var trailer [20]byte
	if n < 32 {
		return nil, fmt.Errorf("%w: too short", ErrBadPack)
	}
	if _, err := f.ReadAt(trailer[:], n-20); err != nil {
		return nil, err
	}
	if !bytes.Equal(trailer[:], sum[:]) {
		return nil, fmt.Errorf("%w: data after the pack checksum", ErrBadPack)
	}
	q.PackHash = sum
	q.Objects = len(q.types)
	if len(external) > 0 && obs.entries != q.Objects {
		// An appended base that a delta of the pack also builds: the
		// index would list one object twice.
		return nil, fmt.Errorf("%w: a thin pack's external base is also an object of the pack", ErrBadPack)
	}
	idx, err := idxw.Index()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPack, err)
	}
	base := filepath.Join(q.packDir, "pack-"+sum.String())
	idxf, err := os.OpenFile(base+".idx", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return nil, err
	}
	if _, err := idxfile.NewEncoder(idxf).Encode(idx); err != nil {
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
	q.store = filesystem.NewStorageWithOptions(osfs.New(dir), smallCache(), filesystem.Options{LargeObjectThreshold: largeObject})
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

// typeObserver records each object's type as the parser resolves it.
type typeObserver struct {
	cur     plumbing.ObjectType
	types   map[plumbing.Hash]plumbing.ObjectType
	entries int // objects resolved, duplicates included
}

func (o *typeObserver) OnHeader(uint32) error { return nil }
func (o *typeObserver) OnInflatedObjectHeader(t plumbing.ObjectType, _ int64, _ int64) error {
	o.cur = t
	return nil
}
func (o *typeObserver) OnInflatedObjectContent(h plumbing.Hash, _ int64, _ uint32, _ []byte) error {
	o.types[h] = o.cur
	o.entries++
	return nil
}
func (o *typeObserver) OnFooter(plumbing.Hash) error { return nil }

// Has reports whether the quarantined pack holds h.
func (q *Quarantine) Has(h plumbing.Hash) bool { _, ok := q.types[h]; return ok }

// Storer reads the quarantined objects first, then base's: the view of the
// repository as it would be once the pack is accepted.
func (q *Quarantine) Storer(base storer.EncodedObjectStorer) storer.EncodedObjectStorer {
	if q.store == nil {
		return base
	}
	return &overlay{EncodedObjectStorer: base, q: q}
}

type overlay struct {
	storer.EncodedObjectStorer
	q *Quarantine
}

func (o *overlay) EncodedObject(t plumbing.ObjectType, h plumbing.Hash) (plumbing.EncodedObject, error) {
	if o.q.Has(h) {
		return o.q.store.EncodedObject(t, h)
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
	if o.q.Has(h) {
		return o.q.store.EncodedObjectSize(h)
	}
	return o.EncodedObjectStorer.EncodedObjectSize(h)
}

func (q *Quarantine) raw(h plumbing.Hash) ([]byte, error) {
	obj, err := q.store.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return nil, err
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}

// Verify checks the quarantined objects the way git's receive-pack with
// fsck does: every commit, tree and tag parses; every tree entry name is
// safe (no "..", no ".git" in any spelling, sorted, no duplicates); a
// .gitmodules blob does not climb out; and everything reachable from tips
// is in the pack or already in base. Blobs are not read again: the parser
// already inflated and hashed each one.
func (q *Quarantine) Verify(ctx context.Context, base storer.EncodedObjectStorer, tips []plumbing.Hash) error {
	gitmodules := map[plumbing.Hash]bool{}
	for h, t := range q.types {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch t {
		case plumbing.BlobObject:
		case plumbing.TreeObject:
			data, err := q.raw(h)
			if err != nil {
				return fmt.Errorf("%w: tree %s: %v", ErrBadPack, h, err)
			}
			entries, err := treecheck.ParseTree(data)
			if err != nil {
				return fmt.Errorf("tree %s: %w", h, err)
			}
			for _, e := range entries {
				if plumbing.Hash(e.Hash).IsZero() {
					// git fsck's nullSha1: a link nothing can satisfy.
					return fmt.Errorf("tree %s: entry %q points to the null id: %w", h, e.Name, treecheck.ErrBadTree)
				}
				if !e.IsDir() && strings.EqualFold(e.Name, ".gitmodules") {
					gitmodules[plumbing.Hash(e.Hash)] = true
				}
			}
		case plumbing.CommitObject:
			data, err := q.raw(h)
			if err != nil {
				return fmt.Errorf("%w: commit %s: %v", ErrBadPack, h, err)
			}
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
			data, err := q.raw(h)
			if err != nil {
				return fmt.Errorf("%w: tag %s: %v", ErrBadPack, h, err)
			}
			if _, err := parseTagTarget(data); err != nil {
				return fmt.Errorf("%w: tag %s: %v", ErrBadPack, h, err)
			}
		default:
			return fmt.Errorf("%w: object %s has type %s", ErrBadPack, h, t)
		}
	}
	for h := range gitmodules {
		if !q.Has(h) {
			continue
		}
		data, err := q.raw(h)
		if err != nil {
			return err
		}
		if err := treecheck.Gitmodules(data); err != nil {
			return fmt.Errorf(".gitmodules %s: %w", h, err)
		}
	}
	return q.connected(ctx, base, tips)
}

// connected walks from tips through the quarantined objects and stops at
// objects base already holds (they were checked when they arrived).
func (q *Quarantine) connected(ctx context.Context, base storer.EncodedObjectStorer, tips []plumbing.Hash) error {
	seen := map[plumbing.Hash]bool{}
	stack := append([]plumbing.Hash(nil), tips...)
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if h.IsZero() || seen[h] {
			continue
		}
		seen[h] = true
		t, ok := q.types[h]
		if !ok {
			if base.HasEncodedObject(h) == nil {
				continue
			}
			return fmt.Errorf("%w: %s is neither in the pack nor in the repository", ErrMissing, h)
		}
		if len(seen)%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		switch t {
		case plumbing.CommitObject:
			data, err := q.raw(h)
			if err != nil {
				return err
			}
			tree, parents, err := parseCommitLinks(data)
			if err != nil {
				return err
			}
			stack = append(stack, tree)
			stack = append(stack, parents...)
		case plumbing.TreeObject:
			data, err := q.raw(h)
			if err != nil {
				return err
			}
			entries, err := treecheck.ParseTree(data)
			if err != nil {
				return err
			}
			for _, e := range entries {
				if e.Mode == "160000" { // a submodule commit lives elsewhere
					continue
				}
				stack = append(stack, plumbing.Hash(e.Hash))
			}
		case plumbing.TagObject:
			data, err := q.raw(h)
			if err != nil {
				return err
			}
			target, err := parseTagTarget(data)
			if err != nil {
				return err
			}
			stack = append(stack, target)
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
	if q.store == nil || q.Objects == 0 {
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
	if q.store != nil {
		q.store.Close()
	}
	os.RemoveAll(q.dir)
}
