package repo

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// DescribeOptions are git describe's: Tags counts lightweight tags too
// (annotated ones only otherwise), Candidates caps the tags considered
// (git's --candidates, default 10).
type DescribeOptions struct {
	Tags       bool
	Candidates int
}

// Description is the nearest tag to a commit and how far the commit is
// from it; Depth 0 means the tag names the commit itself.
type Description struct {
	Tag   string
	Depth int
}

// ErrNoTags: describe found no tag that can describe the commit.
var ErrNoTags = errors.New("no names found, cannot describe anything")

// describeTag is a tag name that may describe commits, with git's
// priority: annotated 2, lightweight 1; among equals, the newer tag.
type describeTag struct {
	name string
	prio int
	when int64
}

// Describe finds the tag git describe would name for commit c, with git's
// walk: commits newest first from c; each tagged commit met becomes a
// candidate (up to Candidates) whose depth counts the commits popped that
// it cannot reach; the candidate with the least depth, then the one met
// first, wins.
func (r *Repository) Describe(ctx context.Context, c plumbing.Hash, o DescribeOptions) (Description, error) {
	if o.Candidates <= 0 {
		o.Candidates = 10
	}
	names, err := r.describeNames(o.Tags)
	if err != nil {
		return Description{}, err
	}
	if n, ok := names[c]; ok {
		return Description{Tag: n.name}, nil
	}
	start, err := r.commitOf(c)
	if err != nil {
		return Description{}, err
	}
	type candidate struct {
		name  string
		depth int
		order int
	}
	var cands []*candidate
	// reach[h] lists the candidates (indexes into cands) that reach h,
	// git's flag_within bits.
	reach := map[plumbing.Hash][]int{}
	seen := map[plumbing.Hash]bool{c: true}
	var queue dateQueue[*object.Commit]
	push := func(cm *object.Commit) { queue.add(cm, cm.Committer.When.Unix()) }
	// visitParents passes cm's candidates on to its parents and queues
	// the parents not seen yet.
	visitParents := func(cm *object.Commit) {
		for _, p := range cm.ParentHashes {
			reach[p] = unionInts(reach[p], reach[cm.Hash])
			if seen[p] {
				continue
			}
			seen[p] = true
			if pc, err := r.commitOf(p); err == nil {
				push(pc) // a shallow or broken history simply ends
			}
		}
	}
	reaches := func(i int, h plumbing.Hash) bool {
		for _, j := range reach[h] {
			if j == i {
				return true
			}
		}
		return false
	}
	push(start)
	seenCommits, annotated := 0, 0
	var gaveUpOn *object.Commit
	for queue.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return Description{}, err
		}
		cm := queue.next()
		seenCommits++
		if n, ok := names[cm.Hash]; ok {
			if len(cands) == o.Candidates {
				gaveUpOn = cm
				break
			}
			cands = append(cands, &candidate{name: n.name, depth: seenCommits - 1, order: len(cands)})
			reach[cm.Hash] = append(reach[cm.Hash], len(cands)-1)
			if n.prio == 2 {
				annotated++
			}
		}
		for i, t := range cands {
			if !reaches(i, cm.Hash) {
				t.depth++
			}
		}
		if annotated > 0 && queue.Len() == 0 {
			break
		}
		visitParents(cm)
	}
	if len(cands) == 0 {
		return Description{}, ErrNoTags
	}
	bestAt := 0
	for i, t := range cands {
		b := cands[bestAt]
		if t.depth < b.depth || t.depth == b.depth && t.order < b.order {
			bestAt = i
		}
	}
	best := cands[bestAt]
	if gaveUpOn != nil {
		// git's finish_depth_computation: walk on, counting what the
		// winner cannot reach, until everything left is within it.
		push(gaveUpOn)
		for queue.Len() > 0 {
			cm := queue.next()
			if reaches(bestAt, cm.Hash) {
				all := true
				queue.each(func(q *object.Commit) bool {
					all = reaches(bestAt, q.Hash)
					return all
				})
				if all {
					break
				}
			} else {
				best.depth++
			}
			visitParents(cm)
		}
	}
	return Description{Tag: best.name, Depth: best.depth}, nil
}

func unionInts(a, b []int) []int {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}

// describeNames maps each tagged commit to the tag describe prefers for
// it.
func (r *Repository) describeNames(lightweight bool) (map[plumbing.Hash]describeTag, error) {
	refs, err := r.refsUnder("refs/tags/")
	if err != nil {
		return nil, err
	}
	out := map[plumbing.Hash]describeTag{}
	for _, ref := range refs {
		t := describeTag{name: ref.Name().Short(), prio: 1}
		target := ref.Hash()
		if tag, err := object.GetTag(r.Storer, target); err == nil {
			t.prio, t.when = 2, tag.Tagger.When.Unix()
		} else if !lightweight {
			continue
		}
		c, err := r.commitOf(target)
		if err != nil {
			continue
		}
		if cur, ok := out[c.Hash]; ok && (cur.prio > t.prio || cur.prio == t.prio && cur.when >= t.when) {
			continue
		}
		out[c.Hash] = t
	}
	return out, nil
}

// String is git describe's output for d and commit id abbreviated as abbrev.
func (d Description) String(abbrev string) string {
	if d.Depth == 0 {
		return d.Tag
	}
	return fmt.Sprintf("%s-%d-g%s", d.Tag, d.Depth, abbrev)
}
