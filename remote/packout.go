package remote

import (
	"compress/zlib"
	"context"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/packobj"
)

// MissingObjects lists the objects reachable from wants and not from haves.
// Haves the store does not hold are skipped: a client may have commits the
// server never saw.
func MissingObjects(ctx context.Context, s storer.EncodedObjectStorer, wants, haves []plumbing.Hash) ([]plumbing.Hash, error) {
	var known []plumbing.Hash
	for _, h := range haves {
		if s.HasEncodedObject(h) == nil {
			known = append(known, h)
		}
	}
	if len(wants) == 0 {
		return nil, nil
	}
	return objectsToSend(ctx, s, wants, known)
}

// WritePack streams a packfile holding exactly hashes to w. From a
// repository's own storage it is written by repo/packobj, the pack writer
// of repack and of git's fetch: entries stored whole and stored deltas
// whose base is in the pack are copied as they are, nothing else is
// searched for deltas. From another storer every object is written whole,
// read one at a time, so memory stays at one object, not the whole pack.
func WritePack(ctx context.Context, w io.Writer, s storer.EncodedObjectStorer, hashes []plumbing.Hash) (plumbing.Hash, error) {
	return WriteThinPack(ctx, w, s, hashes, nil)
}

// WriteThinPack is WritePack sending an object of hashes that has a base
// in bases as a REF_DELTA against it when that is less than half its size
// (see thin.go): a thin pack, for a receiver that holds every base. Only a
// repository's own storage writes deltas; with another storer bases are
// ignored and every object is sent whole.
func WriteThinPack(ctx context.Context, w io.Writer, s storer.EncodedObjectStorer, hashes []plumbing.Hash, bases map[plumbing.Hash]plumbing.Hash) (plumbing.Hash, error) {
	if st, ok := s.(*repo.Storage); ok {
		res, err := packobj.Write(ctxWriter{ctx, w}, st.DB, objectsOf(hashes), packobj.Options{Window: -1, Threads: 1, Thin: bases, NoIndex: true})
		return res.Checksum, err
	}
	return writeWholePack(ctxWriter{ctx, w}, s, hashes)
}

type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// writeWholePack writes a version 2 pack of the objects hashes, each
// whole, in that order, and returns its checksum.
func writeWholePack(w io.Writer, s storer.EncodedObjectStorer, hashes []plumbing.Hash) (plumbing.Hash, error) {
	sum := sha1.New()
	out := io.MultiWriter(w, sum)
	hdr := binary.BigEndian.AppendUint32([]byte("PACK\x00\x00\x00\x02"), uint32(len(hashes)))
	if _, err := out.Write(hdr); err != nil {
		return plumbing.ZeroHash, err
	}
	zw := zlib.NewWriter(out)
	for _, h := range hashes {
		obj, err := s.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("object %s: %w", h, err)
		}
		if _, err := out.Write(odb.AppendEntryHeader(nil, obj.Type(), obj.Size())); err != nil {
			return plumbing.ZeroHash, err
		}
		rd, err := obj.Reader()
		if err != nil {
			return plumbing.ZeroHash, err
		}
		zw.Reset(out)
		_, err = io.Copy(zw, rd)
		rd.Close()
		if err == nil {
			err = zw.Close()
		}
		if err != nil {
			return plumbing.ZeroHash, err
		}
	}
	var id plumbing.Hash
	copy(id[:], sum.Sum(nil))
	if _, err := w.Write(id[:]); err != nil {
		return plumbing.ZeroHash, err
	}
	return id, nil
}
