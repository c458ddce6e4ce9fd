package repo

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/wildmatch"
)

// DescribeOptions are git describe's.
type DescribeOptions struct {
	Tags bool // lightweight tags count too (annotated ones only otherwise)
	All  bool // any ref under refs/heads/, refs/remotes/ or refs/tags/ counts
	// Candidates caps the tags considered (git's --candidates, default
	// 10 when negative); 0 accepts only an exact match (--exact-match).
	Candidates  int
	FirstParent bool     // follow only first parents
	Match       []string // only names matching one of these globs
	Exclude     []string // never names matching one of these
}

// Description is the name describe found for a commit: Name, Depth
// commits beyond it (0: it names the commit itself). Misnamed is set when
// the annotated tag calls itself otherwise than its ref (git then always
// prints the long form); Warning is git's warning about it.
type Description struct {
	Name     string
	Depth    int
	Misnamed bool
	Warning  string
	// Unannotated: nothing described the commit, but lightweight tags
	// would have (git's hint to try --tags).
	Unannotated bool
}

// ErrNoTags: describe found no tag that can describe the commit.
var ErrNoTags = errors.New("no names found, cannot describe anything")

// ErrNoExactMatch: --exact-match (no candidates) and no name is on the
// commit itself.
var ErrNoExactMatch = errors.New("no tag exactly matches")

// describeName is a ref that may describe commits (git's commit_name):
// prio 2 for an annotated tag, 1 a lightweight one, 0 another ref (--all).
type describeName struct {
	path string        // as printed: "v1.0", with --all "tags/v1.0", "heads/main"
	ref  plumbing.Hash // what the ref points at (the tag object)
	prio int
	tag  *gitobj.Tag
}

// DescribeNames reads the names describe would use; empty means git's
// "No names found".
func (r *Repository) DescribeNames(o DescribeOptions) (map[plumbing.Hash]*describeName, error) {
	refs, err := r.listRefs("refs/", false)
	if err != nil {
		return nil, err
	}
	out := map[plumbing.Hash]*describeName{}
	for _, ref := range refs {
		full := ref.Name().String()
		isTag := false
		var match string
		switch {
		case strings.HasPrefix(full, "refs/tags/"):
			isTag, match = true, full[len("refs/tags/"):]
		case o.All:
			match = full
			if len(o.Match)+len(o.Exclude) > 0 {
				var ok bool
				if match, ok = strings.CutPrefix(full, "refs/heads/"); !ok {
					if match, ok = strings.CutPrefix(full, "refs/remotes/"); !ok {
						continue
					}
				}
			}
		default:
			continue
		}
		if globAny(o.Exclude, match) || len(o.Match) > 0 && !globAny(o.Match, match) {
			continue
		}
		peeled, annotated := ref.Hash(), false
		var tag *gitobj.Tag
		if p, err := r.peel(ref.Hash(), ""); err == nil && p != ref.Hash() {
			peeled, annotated = p, true
			tag, _ = r.tagObject(ref.Hash())
		}
		prio := 0
		switch {
		case annotated:
			prio = 2
		case isTag:
			prio = 1
		}
		path := full[len("refs/tags/"):]
		if o.All {
			path = full[len("refs/"):]
		}
		n := &describeName{path: path, ref: ref.Hash(), prio: prio, tag: tag}
		if e, ok := out[peeled]; ok && !replaceName(e, n) {
			continue
		}
		out[peeled] = n
	}
	return out, nil
}

// replaceName is git's: a higher priority wins; of two annotated tags the
// newer by tagger date; otherwise the first met stays.
func replaceName(e, n *describeName) bool {
	if e.prio < n.prio {
		return true
	}
	if e.prio == 2 && n.prio == 2 {
		if e.tag == nil {
			return true
		}
		if n.tag == nil {
			return false
		}
		return e.tag.Tagger.When.Unix() < n.tag.Tagger.When.Unix()
	}
	return false
}

func globAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if wildmatch.Match(p, s, 0) {
			return true
		}
	}
	return false
}

// name is git's append_name: an annotated tag is named by the name it
// carries, with a warning when its ref calls it otherwise.
func (n *describeName) name(all bool) (name string, misnamed bool, warning string) {
	if n.tag == nil {
		return n.path, false, ""
	}
	path := n.path
	if all {
		path = strings.TrimPrefix(path, "tags/")
	}
	if n.tag.Name != path {
		misnamed = true
		warning = fmt.Sprintf("tag '%s' is externally known as '%s'", n.path, n.tag.Name)
	}
	name = n.tag.Name
	if all {
		name = "tags/" + name
	}
	return name, misnamed, warning
}

// Describe finds the name git describe gives commit c, with git's walk:
// commits newest first from c; each named commit met becomes a candidate
// (up to Candidates) whose depth counts the commits popped that it cannot
// reach; the candidate with the least depth, then the one met first,
// wins.
func (r *Repository) Describe(ctx context.Context, c plumbing.Hash, o DescribeOptions) (Description, error) {
	names, err := r.DescribeNames(o)
	if err != nil {
		return Description{}, err
	}
	return r.describeWith(ctx, c, o, names)
}

func (r *Repository) describeWith(ctx context.Context, c plumbing.Hash, o DescribeOptions, names map[plumbing.Hash]*describeName) (Description, error) {
	if o.Candidates < 0 {
		o.Candidates = 10
	}
	o.Candidates = min(o.Candidates, 27) // git's MAX_TAGS: one flag bit each
	start, err := r.commitOf(c)
	if err != nil {
		return Description{}, err
	}
	usable := func(n *describeName) bool { return o.Tags || o.All || n.prio == 2 }
	if n, ok := names[start.Hash]; ok && usable(n) {
		name, mis, warn := n.name(o.All)
		return Description{Name: name, Misnamed: mis, Warning: warn}, nil
	}
	if o.Candidates == 0 {
		return Description{}, fmt.Errorf("%w '%s'", ErrNoExactMatch, start.Hash)
	}
	type candidate struct {
		n     *describeName
		depth int
		order int
		bit   uint
	}
	var cands []*candidate
	// flags[h] has bit i set when candidate i reaches h (git's
	// flag_within), candidates being at most 256: a bit set as words.
	flags := map[plumbing.Hash]*bitset{}
	flagOf := func(h plumbing.Hash) *bitset {
		f := flags[h]
		if f == nil {
			f = &bitset{}
			flags[h] = f
		}
		return f
	}
	seen := map[plumbing.Hash]bool{start.Hash: true}
	var queue describeQueue
	seq := 0
	push := func(cm *gitobj.Commit) {
		seq++
		heap.Push(&queue, describeQueued{c: cm, seq: seq})
	}
	addParents := func(cm *gitobj.Commit, firstOnly bool) {
		for i, p := range cm.ParentHashes {
			if firstOnly && i > 0 {
				break
			}
			if !seen[p] {
				seen[p] = true
				if pc, err := r.commitOf(p); err == nil {
					push(pc) // a shallow or broken history simply ends
				}
			}
			flagOf(p).or(flagOf(cm.Hash))
		}
	}
	push(start)
	seenCommits, annotated, unannotated := 0, 0, 0
	var gaveUpOn *gitobj.Commit
	for queue.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return Description{}, err
		}
		cm := heap.Pop(&queue).(describeQueued).c
		seenCommits++
		if n, ok := names[cm.Hash]; ok {
			switch {
			case !usable(n):
				unannotated++
			case len(cands) < o.Candidates:
				t := &candidate{n: n, depth: seenCommits - 1, order: len(cands) + 1, bit: uint(len(cands))}
				cands = append(cands, t)
				flagOf(cm.Hash).set(t.bit)
				if n.prio == 2 {
					annotated++
				}
			default:
				gaveUpOn = cm
			}
		}
		if gaveUpOn != nil {
			break
		}
		f := flagOf(cm.Hash)
		for _, t := range cands {
			if !f.has(t.bit) {
				t.depth++
			}
		}
		// Stop when the last path left is covered by the best ones.
		if annotated > 0 && queue.Len() == 0 {
			best := -1
			var within bitset
			for _, t := range cands {
				switch {
				case best < 0 || t.depth < best:
					best, within = t.depth, bitset{}
					within.set(t.bit)
				case t.depth == best:
					within.set(t.bit)
				}
			}
			if f.covers(&within) {
				break
			}
		}
		addParents(cm, o.FirstParent)
	}
	if len(cands) == 0 {
		return Description{Unannotated: unannotated > 0}, ErrNoTags
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].depth != cands[j].depth {
			return cands[i].depth < cands[j].depth
		}
		return cands[i].order < cands[j].order
	})
	best := cands[0]
	if gaveUpOn != nil {
		seq++
		heap.Push(&queue, describeQueued{c: gaveUpOn, seq: seq})
	}
	// git's finish_depth_computation: walk on, counting what the winner
	// cannot reach, until everything left is within it.
	for queue.Len() > 0 {
		cm := heap.Pop(&queue).(describeQueued).c
		if flagOf(cm.Hash).has(best.bit) {
			all := true
			for _, q := range queue {
				if !flagOf(q.c.Hash).has(best.bit) {
					all = false
					break
				}
			}
			if all {
				break
			}
		} else {
			best.depth++
		}
		addParents(cm, false)
	}
	name, mis, warn := best.n.name(o.All)
	return Description{Name: name, Depth: best.depth, Misnamed: mis, Warning: warn}, nil
}

// DescribeBlob is git's describe of a blob: the first commit, oldest
// first in HEAD's history, whose tree has it, described, and the path it
// has there ("v1.0-2-g3f2a9c1:src/main.c"). found is false when no commit
// has it.
func (r *Repository) DescribeBlob(ctx context.Context, blob plumbing.Hash, o DescribeOptions) (d Description, commit plumbing.Hash, path string, found bool, err error) {
	head, err := r.Head()
	if err != nil {
		return d, commit, "", false, err
	}
	// Commits in git's rev-list order (newest first by date), reversed.
	var order []*gitobj.Commit
	seen := map[plumbing.Hash]bool{}
	var queue describeQueue
	seq := 0
	if c, err := r.commitOf(head); err == nil {
		seen[c.Hash] = true
		heap.Push(&queue, describeQueued{c: c, seq: seq})
	}
	for queue.Len() > 0 {
		cm := heap.Pop(&queue).(describeQueued).c
		order = append(order, cm)
		for _, p := range cm.ParentHashes {
			if seen[p] {
				continue
			}
			seen[p] = true
			if pc, err := r.commitOf(p); err == nil {
				seq++
				heap.Push(&queue, describeQueued{c: pc, seq: seq})
			}
		}
	}
	walked := map[plumbing.Hash]bool{}
	var find func(tree plumbing.Hash, prefix string) (string, bool)
	find = func(tree plumbing.Hash, prefix string) (string, bool) {
		if walked[tree] {
			return "", false
		}
		walked[tree] = true
		t, err := gitobj.GetTree(r.Storer, tree)
		if err != nil {
			return "", false
		}
		for _, e := range t.Entries {
			p := prefix + e.Name
			switch {
			case e.Mode == filemode.Dir:
				if got, ok := find(e.Hash, p+"/"); ok {
					return got, true
				}
			case e.Mode == filemode.Submodule:
			case e.Hash == blob && !walked[e.Hash]:
				return p, true
			default:
				walked[e.Hash] = true
			}
		}
		return "", false
	}
	for i := len(order) - 1; i >= 0; i-- {
		if p, ok := find(order[i].TreeHash, ""); ok {
			d, err := r.Describe(ctx, order[i].Hash, o)
			return d, order[i].Hash, p, true, err
		}
	}
	return d, commit, "", false, nil
}

// bitset is a small set of candidate numbers.
type bitset struct{ w [4]uint64 }

func (b *bitset) set(i uint)      { b.w[i/64] |= 1 << (i % 64) }
func (b *bitset) has(i uint) bool { return b.w[i/64]&(1<<(i%64)) != 0 }
func (b *bitset) or(o *bitset) {
	for i := range b.w {
		b.w[i] |= o.w[i]
	}
}
func (b *bitset) covers(o *bitset) bool {
	for i := range b.w {
		if b.w[i]&o.w[i] != o.w[i] {
			return false
		}
	}
	return true
}

// describeQueue is git's commit list by date: newest committer date
// first, commits of the same date in the order queued.
type describeQueued struct {
	c   *gitobj.Commit
	seq int
}

type describeQueue []describeQueued

func (q describeQueue) Len() int { return len(q) }
func (q describeQueue) Less(i, j int) bool {
	if ti, tj := q[i].c.Committer.When.Unix(), q[j].c.Committer.When.Unix(); ti != tj {
		return ti > tj
	}
	return q[i].seq < q[j].seq
}
func (q describeQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *describeQueue) Push(x any)   { *q = append(*q, x.(describeQueued)) }
func (q *describeQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// String is git describe's output for d and commit id abbreviated as abbrev.
func (d Description) String(abbrev string) string {
	if d.Depth == 0 {
		return d.Name
	}
	return fmt.Sprintf("%s-%d-g%s", d.Name, d.Depth, abbrev)
}

// IsBlob reports whether id names a blob.
func (r *Repository) IsBlob(id plumbing.Hash) bool {
	o, err := r.Storer.EncodedObject(plumbing.AnyObject, id)
	return err == nil && o.Type() == plumbing.BlobObject
}

// IsTag reports whether id names a tag object.
func (r *Repository) IsTag(id plumbing.Hash) bool {
	o, err := r.Storer.EncodedObject(plumbing.AnyObject, id)
	return err == nil && o.Type() == plumbing.TagObject
}

// Describer is Describe for many commits with the names read once (log's
// %(describe)); it is nil when there are no names.
func (r *Repository) Describer(o DescribeOptions) (func(ctx context.Context, c plumbing.Hash) (Description, error), error) {
	names, err := r.DescribeNames(o)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	return func(ctx context.Context, c plumbing.Hash) (Description, error) {
		return r.describeWith(ctx, c, o, names)
	}, nil
}
