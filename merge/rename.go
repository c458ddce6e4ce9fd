package merge

import (
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/rename"
)

func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// detectRenames pairs paths deleted on side with paths added on it, the
// way git's diffcore-rename does for a merge: empty files are never
// renamed, and only sources the other side touched are considered for
// inexact matches (git's "relevant sources"); with none, nothing is done.
func (m *merger) detectRenames(side int) ([]renameSide, error) {
	if len(m.relevant[side]) == 0 || len(m.adds[side]) == 0 {
		return nil, nil
	}
	files := func(ps []pathPair) []rename.File {
		out := make([]rename.File, len(ps))
		for i, p := range ps {
			out[i] = rename.File{Path: p.path, Hash: p.v.Hash, Mode: p.v.Mode}
		}
		return out
	}
	srcs, dsts := files(m.deletes[side]), files(m.adds[side])
	pairs, err := m.renames.Detect(srcs, dsts, rename.Options{
		Limit:    m.opt.RenameLimit,
		Relevant: func(p string) bool { return m.relevant[side][p] },
	})
	if err != nil {
		return nil, err
	}
	out := make([]renameSide, len(pairs))
	for i, p := range pairs {
		out[i] = renameSide{src: srcs[p.Src].Path, dst: dsts[p.Dst].Path, side: side}
	}
	return out, nil
}

func (m *merger) blob(h plumbing.Hash) ([]byte, error) {
	if b, ok := m.blobs[h]; ok {
		return b, nil
	}
	b, err := readBlob(m.st, h)
	if err != nil {
		return nil, err
	}
	if !m.noBlobCache {
		m.blobs[h] = b
	}
	return b, nil
}

// isBinary is git's buffer_is_binary: a NUL in the first 8000 bytes.
func isBinary(b []byte) bool { return rename.IsBinary(b) }
