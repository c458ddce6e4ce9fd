package repo

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/gitobj"
)

// subtreeMerge is git's subtree strategy (and -X subtree=<path>): the
// merge base and their tree are first shifted to line up with ours —
// moved down into the subdirectory of ours they resemble, or up out of
// theirs' subdirectory that resembles ours — then merged as usual. shift
// "" or "-" guesses the directory by git's tree scores; a path names it.
func (r *Repository) subtreeMerge(ctx context.Context, head plumbing.Hash, h MergeHead, opt merge.Options, shift string) (*strategyResult, error) {
	bases, err := merge.MergeBases(ctx, r.Storer, head, h.Hash)
	if err != nil {
		return nil, err
	}
	if shift == "-" {
		shift = ""
	}
	ours, err := r.commitTree(head)
	if err != nil {
		return nil, err
	}
	theirs, err := r.commitTree(h.Hash)
	if err != nil {
		return nil, err
	}
	var base plumbing.Hash
	switch len(bases) {
	case 0:
		opt.BaseName = "empty tree"
		if base, err = r.emptyTree(); err != nil {
			return nil, err
		}
	case 1:
		opt.BaseName = bases[0].String()[:7]
		if base, err = r.commitTree(bases[0]); err != nil {
			return nil, err
		}
	default:
		// A virtual base of several: merge them (unshifted) first.
		res, _, err := merge.MergeCommits(ctx, r.Storer, bases[0], bases[1], merge.Options{OursName: "Temporary merge branch 1", TheirsName: "Temporary merge branch 2"})
		if err != nil {
			return nil, err
		}
		opt.BaseName = "merged common ancestors"
		base = res.Tree
	}
	if theirs, err = r.shiftTree(ours, theirs, shift); err != nil {
		return nil, err
	}
	if base, err = r.shiftTree(ours, base, shift); err != nil {
		return nil, err
	}
	res, err := merge.MergeTrees(ctx, r.Storer, base, ours, theirs, opt)
	if err != nil {
		return nil, err
	}
	return &strategyResult{res: res, out: res.Messages}, nil
}

func (r *Repository) emptyTree() (plumbing.Hash, error) {
	return r.writeTreeObject(&gitobj.Tree{})
}

func (r *Repository) writeTreeObject(t *gitobj.Tree) (plumbing.Hash, error) {
	return r.writeObject(plumbing.TreeObject, t.Bytes())
}

func (r *Repository) readTreeObject(h plumbing.Hash) (*gitobj.Tree, error) {
	return gitobj.GetTree(r.Storer, h)
}

// shiftTree is git's shift_tree_object: two moved so that its shape
// matches one.
func (r *Repository) shiftTree(one, two plumbing.Hash, prefix string) (plumbing.Hash, error) {
	if prefix != "" {
		return r.shiftTreeBy(one, two, strings.Trim(prefix, "/"))
	}
	addScore, err := r.scoreTrees(one, two)
	if err != nil {
		return two, err
	}
	delScore := addScore
	addPrefix, delPrefix := "", ""
	if err := r.matchTrees(one, two, &addScore, &addPrefix, ""); err != nil {
		return two, err
	}
	if err := r.matchTrees(two, one, &delScore, &delPrefix, ""); err != nil {
		return two, err
	}
	if addScore < delScore {
		if delPrefix == "" {
			return two, nil
		}
		sub, _, err := r.treeEntryAt(two, delPrefix)
		if err != nil {
			return two, err
		}
		return sub, nil
	}
	if addPrefix == "" {
		return two, nil
	}
	return r.spliceTree(one, addPrefix, two)
}

// shiftTreeBy is git's shift_tree_by: two goes down into prefix, or up
// out of it, whichever makes it resemble one.
func (r *Repository) shiftTreeBy(one, two plumbing.Hash, prefix string) (plumbing.Hash, error) {
	candidate := 0
	sub1, m1, err1 := r.treeEntryAt(one, prefix)
	if err1 == nil && m1 == filemode.Dir {
		candidate |= 1
	}
	sub2, m2, err2 := r.treeEntryAt(two, prefix)
	if err2 == nil && m2 == filemode.Dir {
		candidate |= 2
	}
	if candidate == 3 {
		best, err := r.scoreTrees(one, two)
		if err != nil {
			return two, err
		}
		candidate = 0
		if s, err := r.scoreTrees(sub1, two); err != nil {
			return two, err
		} else if s > best {
			candidate, best = 1, s
		}
		if s, err := r.scoreTrees(sub2, one); err != nil {
			return two, err
		} else if s > best {
			candidate = 2
		}
	}
	switch candidate {
	case 1:
		return r.spliceTree(one, prefix, two)
	case 2:
		return sub2, nil
	}
	return two, nil
}

// treeEntryAt finds the object at a slash-separated path of a tree.
func (r *Repository) treeEntryAt(tree plumbing.Hash, p string) (plumbing.Hash, filemode.FileMode, error) {
	cur, mode := tree, filemode.Dir
	for _, name := range strings.Split(p, "/") {
		if mode != filemode.Dir {
			return plumbing.ZeroHash, 0, fmt.Errorf("cannot find path %s in tree %s", p, tree)
		}
		t, err := r.readTreeObject(cur)
		if err != nil {
			return plumbing.ZeroHash, 0, err
		}
		found := false
		for _, e := range t.Entries {
			if e.Name == name {
				cur, mode, found = e.Hash, e.Mode, true
				break
			}
		}
		if !found {
			return plumbing.ZeroHash, 0, fmt.Errorf("cannot find path %s in tree %s", p, tree)
		}
	}
	return cur, mode, nil
}

// spliceTree is tree one with the directory at prefix replaced by two.
func (r *Repository) spliceTree(one plumbing.Hash, prefix string, two plumbing.Hash) (plumbing.Hash, error) {
	top, rest, _ := strings.Cut(prefix, "/")
	t, err := r.readTreeObject(one)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	entries := append([]gitobj.TreeEntry(nil), t.Entries...)
	for i, e := range entries {
		if e.Name != top {
			continue
		}
		if e.Mode != filemode.Dir {
			return plumbing.ZeroHash, fmt.Errorf("entry %s in tree %s is not a tree", e.Name, one)
		}
		with := two
		if rest != "" {
			if with, err = r.spliceTree(e.Hash, rest, two); err != nil {
				return plumbing.ZeroHash, err
			}
		}
		entries[i].Hash = with
		return r.writeTreeObject(&gitobj.Tree{Entries: entries})
	}
	return plumbing.ZeroHash, fmt.Errorf("entry %s not found in tree %s", top, one)
}

// matchTrees is git's match_trees: the subdirectory of one, at any depth,
// that resembles two best, if it beats *best.
func (r *Repository) matchTrees(one, two plumbing.Hash, best *int, match *string, base string) error {
	t, err := r.readTreeObject(one)
	if err != nil {
		return err
	}
	for _, e := range t.Entries {
		if e.Mode != filemode.Dir {
			continue
		}
		s, err := r.scoreTrees(e.Hash, two)
		if err != nil {
			return err
		}
		if *best < s {
			*best, *match = s, base+e.Name
		}
		if err := r.matchTrees(e.Hash, two, best, match, base+e.Name+"/"); err != nil {
			return err
		}
	}
	return nil
}

// scoreTrees is git's score_trees: how alike the top levels of two trees
// are, matching directories counting most.
func (r *Repository) scoreTrees(a, b plumbing.Hash) (int, error) {
	ta, err := r.readTreeObject(a)
	if err != nil {
		return 0, err
	}
	tb, err := r.readTreeObject(b)
	if err != nil {
		return 0, err
	}
	type ent struct {
		mode filemode.FileMode
		hash plumbing.Hash
	}
	ma := map[string]ent{}
	for _, e := range ta.Entries {
		ma[e.Name] = ent{e.Mode, e.Hash}
	}
	missing := func(m filemode.FileMode) int {
		switch {
		case m == filemode.Dir:
			return -1000
		case m == filemode.Symlink:
			return -500
		}
		return -50
	}
	kindDiffers := func(m1, m2 filemode.FileMode) (int, bool) {
		if (m1 == filemode.Dir) != (m2 == filemode.Dir) {
			return -100, true
		}
		if (m1 == filemode.Symlink) != (m2 == filemode.Symlink) {
			return -50, true
		}
		return 0, false
	}
	score := 0
	seen := map[string]bool{}
	for _, e := range tb.Entries {
		x, ok := ma[e.Name]
		if !ok {
			score += missing(e.Mode)
			continue
		}
		seen[e.Name] = true
		if d, ok := kindDiffers(x.mode, e.Mode); ok {
			score += d
			continue
		}
		switch {
		case x.hash != e.Hash:
			score -= 5
		case e.Mode == filemode.Dir:
			score += 1000
		case e.Mode == filemode.Symlink:
			score += 500
		default:
			score += 250
		}
	}
	names := make([]string, 0, len(ma))
	for n := range ma {
		if !seen[n] {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		score += missing(ma[n].mode)
	}
	return score, nil
}
