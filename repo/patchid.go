package repo

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"strings"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/patch"
)

// patchID is what git's cherry-mark compares (patch-ids.c): a hash of the
// commit's diff against its parent with whitespace removed from every
// line and the "index" and hunk header lines left out, so a change
// already applied upstream (even with other line numbers) is found. Merges
// have none (ok false).
func (r *Repository) patchID(ctx context.Context, c *gitobj.Commit) (id plumbing.Hash, ok bool, err error) {
	if len(c.ParentHashes) > 1 {
		return id, false, nil
	}
	var parentTree plumbing.Hash
	if len(c.ParentHashes) == 1 {
		if parentTree, err = r.commitTree(c.ParentHashes[0]); err != nil {
			return id, false, err
		}
	}
	ps, err := r.DiffTrees(ctx, parentTree, c.TreeHash, nil)
	if err != nil {
		return id, false, err
	}
	if len(ps) == 0 {
		return id, false, nil
	}
	h := sha1.New()
	var buf bytes.Buffer
	for i := range ps {
		p := ps[i]
		if err := r.LoadPatchData(&p, false); err != nil {
			return id, false, err
		}
		buf.Reset()
		if err := patch.WriteUnified(&buf, p, patch.Options{Context: 3, Algorithm: linediff.Myers}); err != nil {
			return id, false, err
		}
		sc := bufio.NewScanner(&buf)
		sc.Buffer(make([]byte, 1<<16), 1<<30)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "index ") || strings.HasPrefix(line, "@@ ") {
				continue
			}
			h.Write([]byte(strings.Map(func(r rune) rune {
				if unicode.IsSpace(r) {
					return -1
				}
				return r
			}, line)))
		}
	}
	copy(id[:], h.Sum(nil))
	return id, true, nil
}
