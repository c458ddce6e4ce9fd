package remote

import (
	"container/heap"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
)

// What a fetch may ask for. As git's upload-pack does by default
// (uploadpack.allowReachableSHA1InWant and allowAnySHA1InWant off), a want
// must be something the advertised refs lead to: an object stored but no
// longer reachable -- a blob of a deleted branch, a secret pushed by
// mistake and removed -- is not served by id. Config.AllowAnyWant turns
// the check off.

// maxWants caps the wants of one fetch request, duplicates included
// (190,000 wants in an 8 MiB body cost 2 s of CPU before): a clone wants
// one id per ref, so this is a limit on refs far above any real
// repository's.
const maxWants = 100_000

// maxWantWalk bounds the commits walked to find wants that are not ref
// tips, and so the work an anonymous request can cause: about 0.1 ms a
// commit (go-git decoding from deltified packs), so 10,000 commits is
// well under what a clone of them costs (BenchmarkUnreachableWant). A
// client wants tips it was just shown; a ref that moved since is found
// within a few commits of its new tip. An older ancestor is refused, as
// git (protocol v0, its defaults) refuses every want that is not a tip.
const maxWantWalk = 10_000

// wantSlop is how far a commit may be dated before its parent (clock skew)
// and the walk still find the parent: git's commit-date cut-offs use the
// same idea.
const wantSlop = 24 * time.Hour

// advertised says whether /refs lists the ref name (listRefs).
func advertised(name string) bool {
	return (strings.HasPrefix(name, "refs/heads/") || strings.HasPrefix(name, "refs/tags/")) && repo.ValidateRefName(name) == nil
}

// dedupe drops repeated ids, keeping the first of each.
func dedupe(ids []plumbing.Hash) []plumbing.Hash {
	seen := make(map[plumbing.Hash]bool, len(ids))
	out := ids[:0]
	for _, h := range ids {
		if !seen[h] {
			seen[h] = true
			out = append(out, h)
		}
	}
	return out
}

// unreachableWant returns the first want that the repository's advertised
// refs do not lead to (zero if there is none). A want that is a ref's
// value is fine at once; any other must be a commit found by walking back
// from the refs' commits (annotated tags peeled), newest first, stopping
// below the oldest such want's date (less wantSlop) or after maxWantWalk
// commits. A tree or blob that is not a ref's value is never served by id
// (git would walk every tree to decide; that costs as much as a clone).
// A want that is not stored at all is reported the same way, so the
// answer says nothing about what is stored.
func unreachableWant(ctx context.Context, gitDir string, s storer.EncodedObjectStorer, wants []plumbing.Hash) (plumbing.Hash, error) {
	refs, _, err := readRefs(gitDir)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	tips := map[plumbing.Hash]bool{}
	for name, h := range refs {
		if advertised(name) {
			tips[h] = true
		}
	}
	pending := map[plumbing.Hash]bool{}
	var first []plumbing.Hash // pending, in the client's order
	var cutoff time.Time
	for _, h := range wants {
		if tips[h] || pending[h] {
			continue
		}
		c, err := gitobj.GetCommit(s, h)
		if err != nil {
			return h, nil // missing, or not a commit
		}
		if t := c.Committer.When; cutoff.IsZero() || t.Before(cutoff) {
			cutoff = t
		}
		pending[h] = true
		first = append(first, h)
	}
	if len(pending) == 0 {
		return plumbing.ZeroHash, nil
	}
	cutoff = cutoff.Add(-wantSlop)
	q := &commitQueue{} // newest first, as objectsToSend walks
	seen := map[plumbing.Hash]bool{}
	push := func(h plumbing.Hash) {
		if seen[h] {
			return
		}
		seen[h] = true
		if c, err := gitobj.GetCommit(s, h); err == nil {
			heap.Push(q, &walkCommit{commit: c})
		}
	}
	for h := range tips {
		// Peel annotated tags (a few levels: a tag of a tag).
		for i := 0; i < 8; i++ {
			t, err := gitobj.GetTag(s, h)
			if err != nil {
				break
			}
			h = t.Target
		}
		push(h)
	}
	for walked := 0; q.Len() > 0 && walked < maxWantWalk; walked++ {
		if walked%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		c := heap.Pop(q).(*walkCommit).commit
		if pending[c.Hash] {
			delete(pending, c.Hash)
			if len(pending) == 0 {
				return plumbing.ZeroHash, nil
			}
		}
		if c.Committer.When.Before(cutoff) {
			break // every commit left is older still
		}
		for _, p := range c.ParentHashes {
			push(p)
		}
	}
	for _, h := range first {
		if pending[h] {
			return h, nil
		}
	}
	return plumbing.ZeroHash, nil
}

// notOurs is the answer to a want the check refuses or that is not stored.
func notOurs(h plumbing.Hash) *Problem {
	return &Problem{Type: ProblemBase + "missing-object", Title: "Unknown object", Status: 422,
		Detail: fmt.Sprintf("%s is not an object this repository's branches and tags lead to", h)}
}
