package repo

import (
	"context"
	"io"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/pretty"
)

// treesameRoot says whether c is a root with an empty tree, which git's
// rev_same_tree_as_empty finds the same as no commit, decorated or not.
func treesameRoot(c *gitobj.Commit) bool {
	return len(c.ParentHashes) == 0 && c.TreeHash == plumbing.NewHash("4b825dc642cb6eb9a060e54bf8d69288fbee4904")
}

// simplifyByDecoration is log --simplify-by-decoration as git's
// simplify_merges with decorations for changes: the walk in topological
// order is read whole; a decorated commit, or a root, stands for itself,
// any other commit is "the same" as its parents (a root with an empty
// tree is the same as nothing and never shown). Parents are rewritten to
// what they simplify to, those that are ancestors of another parent are
// dropped (keeping one, as git's leave_one_treesame_to_parent), and an
// undecorated commit left with one parent simplifies to it. The commits
// that simplify to themselves are shown, in the walk's order, and the
// filter then applies.
func simplifyByDecoration(ctx context.Context, next LogNext, decor pretty.Decorations, filter *CommitFilter) (LogNext, error) {
	var list []*gitobj.Commit
	index := map[plumbing.Hash]*gitobj.Commit{}
	pos := map[plumbing.Hash]int{} // place in the walk's topological order
	for {
		c, err := next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		pos[c.Hash] = len(list)
		list = append(list, c)
		index[c.Hash] = c
	}
	// isAncestor says whether a is reachable from b over the walk's
	// commits. In topological order every ancestor of a commit comes
	// after it, so nothing at or past a's place can lead to a: the
	// search stays between the two commits instead of going over the
	// whole history once per pair of merge parents.
	isAncestor := func(a, b plumbing.Hash) bool {
		limit, ok := pos[a]
		if !ok {
			// a is outside the walk (a boundary): it is found as a
			// walked commit's parent, wherever that is.
			limit = len(list)
		}
		if i, ok := pos[b]; ok && i >= limit {
			return false
		}
		seen := map[plumbing.Hash]bool{b: true}
		stack := []plumbing.Hash{b}
		for len(stack) > 0 {
			h := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			c := index[h]
			if c == nil {
				continue
			}
			for _, p := range c.ParentHashes {
				if p == a {
					return true
				}
				if i, ok := pos[p]; ok && i < limit && !seen[p] {
					seen[p] = true
					stack = append(stack, p)
				}
			}
		}
		return false
	}
	simplified := map[plumbing.Hash]plumbing.Hash{}
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		decorated := len(decor[c.Hash]) > 0
		var parents []plumbing.Hash
		seen := map[plumbing.Hash]bool{}
		for _, p := range c.ParentHashes {
			if s, ok := simplified[p]; ok {
				p = s
			}
			if !seen[p] {
				seen[p] = true
				parents = append(parents, p)
			}
		}
		if len(parents) > 1 {
			// Parents that are ancestors of another, and roots with
			// nothing in them, go; of those an undecorated commit is
			// the same as, one stays when none else does.
			marked := make([]bool, len(parents))
			for j, p := range parents {
				if pc := index[p]; pc != nil && treesameRoot(pc) {
					marked[j] = true
					continue
				}
				for k, q := range parents {
					if k != j && isAncestor(p, q) {
						marked[j] = true
						break
					}
				}
			}
			if !decorated {
				first, keep := -1, false
				for j := range parents {
					if !marked[j] {
						keep = true
						break
					}
					if first < 0 {
						first = j
					}
				}
				if !keep && first >= 0 {
					marked[first] = false
				}
			}
			kept := parents[:0]
			for j, p := range parents {
				if !marked[j] {
					kept = append(kept, p)
				}
			}
			parents = kept
		}
		if decorated || len(parents) != 1 {
			simplified[c.Hash] = c.Hash
			continue
		}
		simplified[c.Hash] = parents[0]
		if s, ok := simplified[parents[0]]; ok {
			simplified[c.Hash] = s
		}
	}
	var shown []*gitobj.Commit
	for _, c := range list {
		if simplified[c.Hash] == c.Hash && !treesameRoot(c) && (filter == nil || filter.Match(c)) {
			shown = append(shown, c)
		}
	}
	return func(context.Context) (*gitobj.Commit, error) {
		if len(shown) == 0 {
			return nil, io.EOF
		}
		c := shown[0]
		shown = shown[1:]
		return c, nil
	}, nil
}
