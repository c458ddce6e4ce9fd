package remote

import (
	"bufio"
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/odb"
)

// Thin packs. Objects used to travel whole, so a one-line change to a
// 20 MB file sent 20 MB. Now a blob whose path held another blob in a
// commit the receiver is known to have (the server's current tip of the
// ref pushed; the client's haves that the server holds, for a fetch) is
// sent as a REF_DELTA against that blob when the delta is less than half
// the blob. The receiver appends such external bases to the pack before
// indexing it (fixThin), so what lands in objects/pack is self-contained.
// Both sides announce the capability (CapThinPack); without it packs are
// whole, as before.

// Blobs outside [minDeltaBytes, maxDeltaBytes] (either side) get no thin
// base. Below 1 KiB a delta saves next to nothing; above 64 MiB the cost
// of computing one in memory is too high: the writer (repo/packobj) holds
// both blobs and an index of the base, one pair at a time.
const (
	minDeltaBytes = 1 << 10
	maxDeltaBytes = 64 << 20
)

// maxThinTips is how many of the receiver's commits are compared with
// the tips sent, path by path, to find delta bases.
const maxThinTips = 16

// thinBases pairs blobs of send with blobs the receiver has: for every
// tree of wants (peeled to their trees) and every tree of theirs (commits
// the receiver has, the first maxThinTips that s holds), a blob sent at a
// path where theirs holds another blob gets that blob as its base. Only
// subtrees that differ are read. A base never is an object of send (the
// receiver might lack it), and what cannot be read is simply not paired:
// bases only save bytes.
func thinBases(ctx context.Context, s storer.EncodedObjectStorer, wants, theirs, send []plumbing.Hash) (map[plumbing.Hash]plumbing.Hash, error) {
	d := &thinDiff{s: s, send: make(map[plumbing.Hash]bool, len(send)), bases: map[plumbing.Hash]plumbing.Hash{}, done: map[[2]plumbing.Hash]bool{}}
	for _, h := range send {
		d.send[h] = true
	}
	var old []plumbing.Hash
	for _, h := range theirs {
		if len(old) == maxThinTips {
			break
		}
		if t, ok := peelToTree(s, h); ok {
			old = append(old, t)
		}
	}
	if len(old) == 0 {
		return nil, nil
	}
	for _, h := range wants {
		nt, ok := peelToTree(s, h)
		if !ok {
			continue
		}
		for _, ot := range old {
			if err := d.trees(ctx, nt, ot); err != nil {
				return nil, err
			}
		}
	}
	return d.bases, nil
}

type thinDiff struct {
	s     storer.EncodedObjectStorer
	send  map[plumbing.Hash]bool
	bases map[plumbing.Hash]plumbing.Hash
	done  map[[2]plumbing.Hash]bool // tree pairs compared
}

func (d *thinDiff) trees(ctx context.Context, nt, ot plumbing.Hash) error {
	if nt == ot || d.done[[2]plumbing.Hash{nt, ot}] {
		return nil
	}
	d.done[[2]plumbing.Hash{nt, ot}] = true
	if err := ctx.Err(); err != nil {
		return err
	}
	n, err := gitobj.GetTree(d.s, nt)
	if err != nil {
		return nil
	}
	o, err := gitobj.GetTree(d.s, ot)
	if err != nil {
		return nil
	}
	olds := make(map[string]gitobj.TreeEntry, len(o.Entries))
	for _, e := range o.Entries {
		olds[e.Name] = e
	}
	for _, e := range n.Entries {
		oe, ok := olds[e.Name]
		if !ok || oe.Hash == e.Hash {
			continue
		}
		switch {
		case e.Mode == filemode.Dir && oe.Mode == filemode.Dir:
			if err := d.trees(ctx, e.Hash, oe.Hash); err != nil {
				return err
			}
		case isFileMode(e.Mode) && isFileMode(oe.Mode):
			if _, paired := d.bases[e.Hash]; d.send[e.Hash] && !d.send[oe.Hash] && !paired && sizeFits(d.s, e.Hash) && sizeFits(d.s, oe.Hash) {
				d.bases[e.Hash] = oe.Hash
			}
		}
	}
	return nil
}

func isFileMode(m filemode.FileMode) bool {
	return m == filemode.Regular || m == filemode.Executable || m == filemode.Deprecated
}

// peelToTree is the tree of commit h, through tags; false if s cannot
// read it.
func peelToTree(s storer.EncodedObjectStorer, h plumbing.Hash) (plumbing.Hash, bool) {
	for range 10 {
		o, err := s.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return plumbing.ZeroHash, false
		}
		switch o.Type() {
		case plumbing.TagObject:
			t, err := gitobj.DecodeEncodedTag(o)
			if err != nil {
				return plumbing.ZeroHash, false
			}
			h = t.Target
		case plumbing.CommitObject:
			c, err := gitobj.DecodeEncodedCommit(o)
			if err != nil {
				return plumbing.ZeroHash, false
			}
			return c.TreeHash, true
		default:
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.ZeroHash, false
}

// sizeFits says whether blob h is within the sizes thin deltas are made
// for.
func sizeFits(s storer.EncodedObjectStorer, h plumbing.Hash) bool {
	n, err := s.EncodedObjectSize(h)
	return err == nil && n >= minDeltaBytes && n <= maxDeltaBytes
}

// writeWholeEntry writes h as an undeltified pack entry.
func writeWholeEntry(w io.Writer, zw *zlib.Writer, s storer.EncodedObjectStorer, h plumbing.Hash) error {
	obj, err := s.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return err
	}
	rd, err := obj.Reader()
	if err != nil {
		return err
	}
	defer rd.Close()
	if _, err := w.Write(odb.AppendEntryHeader(nil, obj.Type(), obj.Size())); err != nil {
		return err
	}
	zw.Reset(w)
	n, err := io.Copy(zw, rd)
	if err != nil {
		return err
	}
	if n != obj.Size() {
		return fmt.Errorf("object %s: %d bytes read, %d announced", h, n, obj.Size())
	}
	return zw.Close()
}

// fixThin completes the thin pack in f (n bytes; checkPackLimits has
// checked its trailer and that nothing follows it): the external bases are
// appended whole, read from have, the header's object count raised and the
// SHA-1 trailer computed again over the result, as git index-pack
// --fix-thin does. It returns the pack's new size. Nothing of it is
// visible yet: the file is the quarantine's. Memory: one object's stream
// at a time.
func fixThin(ctx context.Context, f *os.File, n int64, have storer.EncodedObjectStorer, bases []plumbing.Hash) (int64, error) {
	var hdr [12]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return 0, err
	}
	count := binary.BigEndian.Uint32(hdr[8:])
	if uint64(count)+uint64(len(bases)) > math.MaxUint32 {
		return 0, fmt.Errorf("%w: too many objects", ErrBadPack)
	}
	if err := f.Truncate(n - 20); err != nil {
		return 0, err
	}
	if _, err := f.Seek(n-20, io.SeekStart); err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	for _, h := range bases {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if err := writeWholeEntry(bw, zw, have, h); err != nil {
			return 0, fmt.Errorf("completing the thin pack with %s: %w", h, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	binary.BigEndian.PutUint32(hdr[8:], count+uint32(len(bases)))
	if _, err := f.WriteAt(hdr[:], 0); err != nil {
		return 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	sum := sha1.New()
	end, err := io.Copy(sum, ctxReader{ctx, bufio.NewReaderSize(f, 64<<10)})
	if err != nil {
		return 0, err
	}
	if _, err := f.WriteAt(sum.Sum(nil), end); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return end + 20, nil
}
