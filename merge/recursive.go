package merge

import (
	"context"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
)

// Names git gives the sides while merging merge bases into a virtual one.
const (
	tempBranch1 = "Temporary merge branch 1"
	tempBranch2 = "Temporary merge branch 2"
)

// MergeCommits merges commit theirs into commit ours. Several merge bases
// (criss-cross history) are first merged, pairwise and recursively, into a
// virtual base whose conflicts stay in its content as markers, which is
// what git's ort does. Result.Bases lists the merge bases found.
func MergeCommits(ctx context.Context, st Store, ours, theirs plumbing.Hash, opt Options) (*Result, []plumbing.Hash, error) {
	opt.defaults()
	g := commitwalk.For(st)
	a, err := g.Get(ours)
	if err != nil {
		return nil, nil, err
	}
	b, err := g.Get(theirs)
	if err != nil {
		return nil, nil, err
	}
	bases, err := g.Bases(ctx, a, b)
	if err != nil {
		return nil, nil, err
	}
	hs := make([]plumbing.Hash, len(bases))
	for i, c := range bases {
		hs[i] = c.ID
	}
	res, err := mergeInternal(ctx, g, st, opt, 0, a, b, bases)
	return res, hs, err
}

func mergeInternal(ctx context.Context, g *commitwalk.Walker, st Store, opt Options, depth int, a, b *commitwalk.Node, bases []*commitwalk.Node) (*Result, error) {
	if bases == nil {
		var err error
		if bases, err = g.Bases(ctx, a, b); err != nil {
			return nil, err
		}
	}
	// git merges the oldest base first.
	rev := make([]*commitwalk.Node, len(bases))
	for i, c := range bases {
		rev[len(bases)-1-i] = c
	}
	var baseTree plumbing.Hash
	switch len(rev) {
	case 0:
		opt.BaseName = "empty tree"
	case 1:
		opt.BaseName = rev[0].ID.String()[:7]
		baseTree = rev[0].Tree
	default:
		opt.BaseName = "merged common ancestors"
		merged := rev[0]
		for _, next := range rev[1:] {
			inner := opt
			inner.OursName, inner.TheirsName = tempBranch1, tempBranch2
			res, err := mergeInternal(ctx, g, st, inner, depth+1, merged, next, nil)
			if err != nil {
				return nil, err
			}
			merged = g.Virtual(res.Tree, merged, next)
		}
		baseTree = merged.Tree
	}
	return newMerger(ctx, st, opt, depth).run(baseTree, a.Tree, b.Tree)
}
