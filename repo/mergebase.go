package repo

import (
	"context"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
)

// MergeBasesMany is git merge-base [--all] one others...: the best common
// ancestors of one and a hypothetical merge of all the others, newest
// first.
func (r *Repository) MergeBasesMany(ctx context.Context, one plumbing.Hash, others []plumbing.Hash) ([]plumbing.Hash, error) {
	return r.octopusBases(ctx, commitwalk.For(r.Storer), one, others)
}

// OctopusMergeBases is git merge-base --octopus: the best common ancestors
// of all the commits, found as git's get_octopus_merge_bases folds them in
// one at a time, then reduced to those no other of them contains.
func (r *Repository) OctopusMergeBases(ctx context.Context, commits []plumbing.Hash) ([]plumbing.Hash, error) {
	if len(commits) == 0 {
		return nil, nil
	}
	g := commitwalk.For(r.Storer)
	bases := []plumbing.Hash{commits[0]}
	for _, c := range commits[1:] {
		var next []plumbing.Hash
		for _, b := range bases {
			bb, err := r.octopusBases(ctx, g, c, []plumbing.Hash{b})
			if err != nil {
				return nil, err
			}
			next = append(next, bb...)
		}
		bases = next
	}
	return reduceHeads(ctx, r.Storer, bases)
}

// IndependentCommits is git merge-base --independent (git's reduce_heads):
// the commits that no other of them contains, in their order, without
// duplicates.
func (r *Repository) IndependentCommits(ctx context.Context, commits []plumbing.Hash) ([]plumbing.Hash, error) {
	return reduceHeads(ctx, r.Storer, commits)
}
