package merge

import (
	"context"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
)

// MergeBases returns all best common ancestors of commits a and b, newest
// first (git merge-base --all). The walk reads the store's commit-graph
// when it offers one (commitwalk.GraphStore).
func MergeBases(ctx context.Context, st Store, a, b plumbing.Hash) ([]plumbing.Hash, error) {
	return commitwalk.For(st).MergeBases(ctx, a, b)
}

// IsAncestor reports whether commit a is reachable from commit b (a == b
// counts).
func IsAncestor(ctx context.Context, st Store, a, b plumbing.Hash) (bool, error) {
	if a == b {
		return true, nil
	}
	return commitwalk.For(st).IsAncestor(ctx, a, b)
}
