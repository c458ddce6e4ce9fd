// Package blame finds, for each line of a file, the commit that last
// changed it, as git blame does (blame.c): the lines start as suspects of
// the final commit; commits are visited newest committer date first, and
// each passes to its parents the lines its diff against them leaves
// unchanged. Lines a commit keeps are its own. The diff is xdiff's Myers
// with the indent heuristic over files whose common tail git trims first,
// so that the same lines go to the same parents as with git.
package blame

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
)

// Commit is a commit the blame has visited.
type Commit struct {
	ID      plumbing.Hash
	Object  *gitobj.Commit // nil until read; for the work tree a made-up one
	parents []plumbing.Hash
	date    int64
	// Boundary is git's UNINTERESTING: a commit the walk did not go past
	// (excluded by a range or --since, or a root without --root).
	Boundary bool
	// MoreThanOnePath: more than one path of this commit is blamed.
	MoreThanOnePath bool
	// WorkTree marks the made-up commit of the work tree's version.
	WorkTree bool
	origins  []*Origin
	seq      int // queue order among equal dates
}

// Origin is a file at a commit: a path and the blob it holds there.
type Origin struct {
	Commit *Commit
	Path   string
	Blob   plumbing.Hash
	Mode   filemode.FileMode
	// Previous is the origin in the first parent the lines were compared
	// with (porcelain's "previous").
	Previous *Origin
	guilty   bool
	seq      int // creation order, to collate entries by origin
	suspects []*Entry
	data     []byte
	loaded   bool
}

// Entry is a run of lines of the final file blamed on one origin: final
// lines [Lno, Lno+N) are lines [SLno, SLno+N) of the origin's file (both
// 0-based).
type Entry struct {
	Lno, SLno, N int
	Suspect      *Origin
}

// Options say what to blame and how.
type Options struct {
	Path string
	// Final is the commit to blame from; zero blames the work tree's
	// version (or Contents) on top of HEAD.
	Final plumbing.Hash
	// Exclude lists commits whose ancestry is not searched (^rev, a..b).
	Exclude []plumbing.Hash
	// Contents replaces the final version's bytes when HasContents.
	Contents     []byte
	HasContents  bool
	ContentsName string // shown in the work tree commit's summary
	FirstParent  bool
	ShowRoot     bool
	Since        int64 // committer dates before it are boundaries (0: none)
	Space        linediff.Flags
	Minimal      bool
	Now          time.Time
	// Move finds lines moved within the file (-M), MoveScore the
	// alphanumeric characters a moved run needs (git's default 20).
	Move      bool
	MoveScore int
	// Copy is how many -C were given (lines copied from other files),
	// CopyScore the characters a copied run needs (git's default 40).
	Copy      int
	CopyScore int
	// Found, when set, is told of each entry as its commit takes it
	// (git's found_guilty_entry, what --incremental prints).
	Found func(*Entry)
}

// Scoreboard holds a blame in progress and its result.
type Scoreboard struct {
	r        *repo.Repository
	o        Options
	commits  map[plumbing.Hash]*Commit
	queue    commitQueue
	seq      int
	final    *Origin
	hidden   map[plumbing.Hash]bool
	nOrigins int
	// Final is the final version's bytes, Lines its line start offsets
	// (one more than the lines: the end).
	Final   []byte
	Lines   []int
	Entries []*Entry
	// Commits counts the commits whose blame was passed on.
	Commits int
}

// New reads the final version of the file and prepares the blame.
func New(ctx context.Context, r *repo.Repository, o Options) (*Scoreboard, error) {
	sb := &Scoreboard{r: r, o: o, commits: map[plumbing.Hash]*Commit{}}
	if o.Now.IsZero() {
		sb.o.Now = time.Now()
	}
	if len(o.Exclude) > 0 {
		if err := sb.markHidden(o.Exclude); err != nil {
			return nil, err
		}
	}
	if o.Final.IsZero() {
		if err := sb.workTreeCommit(ctx); err != nil {
			return nil, err
		}
	} else {
		c, err := sb.commit(o.Final)
		if err != nil {
			return nil, err
		}
		blob, mode, err := r.LookupPath(c.Object.TreeHash, o.Path)
		if err != nil {
			return nil, err
		}
		if blob.IsZero() || mode == filemode.Dir || mode == filemode.Submodule {
			return nil, fmt.Errorf("no such path %s in %s", o.Path, o.Final)
		}
		sb.final = sb.origin(c, o.Path)
		sb.final.Blob, sb.final.Mode = blob, mode
		if o.HasContents {
			sb.final.data, sb.final.loaded = o.Contents, true
		}
		if _, err := sb.blob(sb.final); err != nil {
			return nil, err
		}
	}
	sb.Final = sb.final.data
	sb.Lines = lineStarts(sb.Final)
	return sb, nil
}

// NumLines is the number of lines of the final version.
func (sb *Scoreboard) NumLines() int { return len(sb.Lines) - 1 }

// Path is the path blamed.
func (sb *Scoreboard) Path() string { return sb.o.Path }

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	if len(data) > 0 && data[len(data)-1] != '\n' {
		starts = append(starts, len(data))
	}
	return starts
}

// markHidden marks every ancestor of the excluded commits (and they
// themselves) as boundaries, git's UNINTERESTING after limit_list.
func (sb *Scoreboard) markHidden(ex []plumbing.Hash) error {
	sb.hidden = map[plumbing.Hash]bool{}
	stack := append([]plumbing.Hash(nil), ex...)
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if sb.hidden[h] {
			continue
		}
		sb.hidden[h] = true
		c, err := sb.r.CommitObject(h)
		if err != nil {
			return err
		}
		stack = append(stack, c.ParentHashes...)
	}
	return nil
}

func (sb *Scoreboard) commit(h plumbing.Hash) (*Commit, error) {
	if c, ok := sb.commits[h]; ok {
		return c, nil
	}
	obj, err := sb.r.CommitObject(h)
	if err != nil {
		return nil, err
	}
	c := &Commit{ID: h, Object: obj, parents: obj.ParentHashes, date: obj.Committer.When.Unix()}
	if sb.hidden[h] {
		c.Boundary = true
	}
	sb.commits[h] = c
	return c, nil
}

// origin returns the one origin of path at c (git's get_origin).
func (sb *Scoreboard) origin(c *Commit, path string) *Origin {
	for _, o := range c.origins {
		if o.Path == path {
			return o
		}
	}
	sb.nOrigins++
	o := &Origin{Commit: c, Path: path, seq: sb.nOrigins}
	c.origins = append(c.origins, o)
	return o
}

func (sb *Scoreboard) blob(o *Origin) ([]byte, error) {
	if o.loaded {
		return o.data, nil
	}
	data, err := sb.r.ReadBlob(o.Blob)
	if err != nil {
		return nil, err
	}
	o.data, o.loaded = data, true
	return data, nil
}

func (o *Origin) drop() {
	if o.Commit.WorkTree {
		return
	}
	o.data, o.loaded = nil, false
}

// workTreeCommit makes git's fake commit of the work tree version: HEAD
// (and any MERGE_HEADs) as parents, "Not Committed Yet" as author.
func (sb *Scoreboard) workTreeCommit(ctx context.Context) error {
	r, o := sb.r, sb.o
	head, err := r.Head()
	if err != nil {
		return err
	}
	parents := []plumbing.Hash{head}
	if mh, ok, err := r.MergeHeads(); err == nil && ok {
		parents = append(parents, mh...)
	}
	if !o.HasContents {
		if err := sb.verifyWorkTreePath(parents); err != nil {
			return err
		}
	}
	var data []byte
	mode := filemode.Regular
	if o.HasContents {
		data = o.Contents
	} else {
		data, mode, err = readWorkTree(r, o.Path)
		if err != nil {
			return err
		}
	}
	from := o.Path
	if o.HasContents {
		from = o.ContentsName
		if from == "-" {
			from = "standard input"
		}
	}
	ident := gitobj.Signature{Name: "Not Committed Yet", Email: "not.committed.yet", When: sb.o.Now}
	obj := &gitobj.Commit{ParentHashes: parents, Author: ident, Committer: ident,
		Message: fmt.Sprintf("Version of %s from %s\n", o.Path, from)}
	c := &Commit{Object: obj, parents: parents, date: sb.o.Now.Unix(), WorkTree: true}
	sb.commits[c.ID] = c
	sb.final = sb.origin(c, o.Path)
	sb.final.data, sb.final.loaded, sb.final.Mode = data, true, mode
	return nil
}

func (sb *Scoreboard) verifyWorkTreePath(parents []plumbing.Hash) error {
	for _, p := range parents {
		c, err := sb.r.CommitObject(p)
		if err != nil {
			return err
		}
		blob, mode, err := sb.r.LookupPath(c.TreeHash, sb.o.Path)
		if err == nil && !blob.IsZero() && mode != filemode.Dir && mode != filemode.Submodule {
			return nil
		}
	}
	idx, err := sb.r.ReadIndex()
	if err == nil {
		for _, e := range idx.Entries {
			if e.Name == sb.o.Path {
				return nil
			}
		}
	}
	return fmt.Errorf("no such path '%s' in HEAD", sb.o.Path)
}

// Run blames the final lines in ranges ([start, end) pairs, 0-based,
// sorted and not overlapping).
func (sb *Scoreboard) Run(ranges [][2]int) error {
	for _, rg := range ranges {
		if rg[1] > rg[0] {
			sb.final.suspects = append(sb.final.suspects, &Entry{Lno: rg[0], SLno: rg[0], N: rg[1] - rg[0], Suspect: sb.final})
		}
	}
	if len(sb.final.suspects) > 0 {
		sb.push(sb.final.Commit)
	}
	for sb.queue.Len() > 0 {
		c := heap.Pop(&sb.queue).(*Commit)
		for {
			var suspect *Origin
			for _, o := range c.origins {
				if len(o.suspects) > 0 {
					suspect = o
					break
				}
			}
			if suspect == nil {
				break
			}
			if !c.Boundary && !(sb.o.Since != 0 && c.date < sb.o.Since) {
				if err := sb.passBlame(suspect); err != nil {
					return err
				}
			} else {
				c.Boundary = true
			}
			if len(c.parents) == 0 && !sb.o.ShowRoot {
				c.Boundary = true
			}
			if len(suspect.suspects) > 0 {
				suspect.guilty = true
				if sb.o.Found != nil {
					for _, e := range suspect.suspects {
						sb.o.Found(e)
					}
				}
				sb.Entries = append(sb.Entries, suspect.suspects...)
				suspect.suspects = nil
			}
		}
	}
	sort.SliceStable(sb.Entries, func(i, j int) bool { return sb.Entries[i].Lno < sb.Entries[j].Lno })
	sb.coalesce()
	for _, e := range sb.Entries {
		c := e.Suspect.Commit
		if c.MoreThanOnePath {
			continue
		}
		n := 0
		for _, o := range c.origins {
			if o.guilty {
				n++
			}
		}
		c.MoreThanOnePath = n > 1
	}
	return nil
}

func (sb *Scoreboard) coalesce() {
	out := sb.Entries[:0]
	for _, e := range sb.Entries {
		if len(out) > 0 {
			p := out[len(out)-1]
			if p.Suspect == e.Suspect && p.SLno+p.N == e.SLno && p.Lno+p.N == e.Lno {
				p.N += e.N
				continue
			}
		}
		out = append(out, e)
	}
	sb.Entries = out
}

func (sb *Scoreboard) push(c *Commit) {
	sb.seq++
	c.seq = sb.seq
	heap.Push(&sb.queue, c)
}

// queueBlames gives entries to porigin (git's queue_blames): its commit
// joins the queue unless one of its origins already waits there.
func (sb *Scoreboard) queueBlames(porigin *Origin, entries []*Entry) {
	if len(entries) == 0 {
		return
	}
	if len(porigin.suspects) > 0 {
		porigin.suspects = mergeEntries(porigin.suspects, entries)
		return
	}
	for _, o := range porigin.Commit.origins {
		if len(o.suspects) > 0 {
			porigin.suspects = entries
			return
		}
	}
	porigin.suspects = entries
	sb.push(porigin.Commit)
}

// mergeEntries merges two lists sorted by SLno (git's blame_merge).
func mergeEntries(a, b []*Entry) []*Entry {
	out := make([]*Entry, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].SLno <= b[j].SLno {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func (sb *Scoreboard) scapegoats(c *Commit) []plumbing.Hash {
	if sb.o.FirstParent && len(c.parents) > 1 {
		return c.parents[:1]
	}
	return c.parents
}

// passBlame is git's pass_blame without -M and -C.
func (sb *Scoreboard) passBlame(origin *Origin) error {
	c := origin.Commit
	parents := sb.scapegoats(c)
	defer origin.drop()
	if len(parents) == 0 {
		return nil
	}
	sg := make([]*Origin, len(parents))
	for pass := 0; pass < 2; pass++ {
		for i, ph := range parents {
			if sg[i] != nil {
				continue
			}
			p, err := sb.commit(ph)
			if err != nil {
				return err
			}
			var porigin *Origin
			if pass == 0 {
				porigin, err = sb.findOrigin(p, origin)
			} else {
				porigin, err = sb.findRename(p, origin)
			}
			if err != nil {
				return err
			}
			if porigin == nil {
				continue
			}
			if porigin.Blob == origin.Blob {
				sb.passWholeBlame(origin, porigin)
				return nil
			}
			same := false
			for j := 0; j < i; j++ {
				if sg[j] != nil && sg[j].Blob == porigin.Blob {
					same = true
					break
				}
			}
			if !same {
				sg[i] = porigin
			}
		}
	}
	sb.Commits++
	for _, porigin := range sg {
		if porigin == nil {
			continue
		}
		if origin.Previous == nil {
			origin.Previous = porigin
		}
		if err := sb.passToParent(origin, porigin); err != nil {
			return err
		}
		if len(origin.suspects) == 0 {
			break
		}
	}
	var blamed, toosmall []*Entry
	if sb.o.Move || sb.o.Copy > 0 {
		origin.suspects = sb.filterSmall(&toosmall, origin.suspects, sb.o.MoveScore)
		for _, porigin := range sg {
			if porigin == nil || len(origin.suspects) == 0 {
				continue
			}
			if err := sb.findMoveInParent(&blamed, &toosmall, origin, porigin); err != nil {
				return err
			}
		}
	}
	if sb.o.Copy > 0 && len(origin.suspects) > 0 {
		if sb.o.CopyScore > sb.o.MoveScore {
			var small []*Entry
			origin.suspects = sb.filterSmall(&small, origin.suspects, sb.o.CopyScore)
			toosmall = append(small, toosmall...)
		} else if sb.o.CopyScore < sb.o.MoveScore {
			origin.suspects = mergeEntries(origin.suspects, toosmall)
			toosmall = nil
			origin.suspects = sb.filterSmall(&toosmall, origin.suspects, sb.o.CopyScore)
		}
		for i, ph := range parents {
			if len(origin.suspects) == 0 {
				break
			}
			p, err := sb.commit(ph)
			if err != nil {
				return err
			}
			if err := sb.findCopyInParent(context.Background(), &blamed, &toosmall, origin, p, sg[i]); err != nil {
				return err
			}
		}
	}
	if len(blamed) > 0 || len(toosmall) > 0 {
		sb.distribute(blamed)
		origin.suspects = append(toosmall, origin.suspects...)
	}
	for _, porigin := range sg {
		if porigin != nil && len(porigin.suspects) == 0 {
			porigin.drop()
		}
	}
	return nil
}

func (sb *Scoreboard) passWholeBlame(origin, porigin *Origin) {
	if !porigin.loaded && origin.loaded {
		porigin.data, porigin.loaded = origin.data, true
	}
	entries := origin.suspects
	origin.suspects = nil
	for _, e := range entries {
		e.Suspect = porigin
	}
	sb.queueBlames(porigin, entries)
}

// sameKind says whether two modes are the same kind of object (a type
// change, file to symlink, ends the history of a path for blame).
func sameKind(a, b filemode.FileMode) bool {
	kind := func(m filemode.FileMode) int {
		switch m {
		case filemode.Symlink:
			return 1
		case filemode.Submodule:
			return 2
		case filemode.Dir:
			return 3
		}
		return 0
	}
	return kind(a) == kind(b)
}

// findOrigin is the same path in parent p (git's find_origin).
func (sb *Scoreboard) findOrigin(p *Commit, origin *Origin) (*Origin, error) {
	for _, o := range p.origins {
		if o.Path == origin.Path {
			return o, nil
		}
	}
	blob, mode, err := sb.r.LookupPath(p.Object.TreeHash, origin.Path)
	if err != nil {
		return nil, err
	}
	if blob.IsZero() || !sameKind(mode, origin.Mode) {
		return nil, nil
	}
	o := sb.origin(p, origin.Path)
	o.Blob, o.Mode = blob, mode
	return o, nil
}

// findRename looks for the file the path was renamed from when the
// parent lacks the path (git's find_rename, a diff following one path).
func (sb *Scoreboard) findRename(p *Commit, origin *Origin) (*Origin, error) {
	blob, _, err := sb.r.LookupPath(p.Object.TreeHash, origin.Path)
	if err != nil || !blob.IsZero() {
		return nil, err
	}
	var path string
	var pblob plumbing.Hash
	var pmode filemode.FileMode
	var ok bool
	if origin.Commit.WorkTree {
		path, pblob, pmode, ok, err = sb.r.RenameSourceInIndex(p.Object.TreeHash, origin.Path, repo.RenameOptions{})
	} else {
		path, pblob, pmode, ok, err = sb.r.RenameSource(p.Object.TreeHash, origin.Commit.Object.TreeHash, origin.Path, repo.RenameOptions{})
	}
	if err != nil || !ok {
		return nil, err
	}
	o := sb.origin(p, path)
	o.Blob, o.Mode = pblob, pmode
	return o, nil
}

// passToParent gives parent the target's lines that the diff leaves
// unchanged (git's pass_blame_to_parent and blame_chunk).
func (sb *Scoreboard) passToParent(target, parent *Origin) error {
	if len(target.suspects) == 0 {
		return nil
	}
	pdata, err := sb.blob(parent)
	if err != nil {
		return err
	}
	tdata, err := sb.blob(target)
	if err != nil {
		return err
	}
	hunks := Hunks(pdata, tdata, sb.o.Space, sb.o.Minimal)
	// Unchanged stretches of the target: [b0, b1) maps to parent line
	// + off.
	type stretch struct{ b0, b1, off int }
	var same []stretch
	prevA, prevB := 0, 0
	for _, h := range hunks {
		if h.B0 > prevB {
			same = append(same, stretch{prevB, h.B0, prevA - prevB})
		}
		prevA, prevB = h.A1, h.B1
	}
	same = append(same, stretch{prevB, int(^uint(0) >> 2), prevA - prevB})

	var keep, pass []*Entry
	for _, e := range target.suspects {
		start, end := e.SLno, e.SLno+e.N
		piece := func(a, b int, to *Origin, off int) *Entry {
			return &Entry{Lno: e.Lno + a - start, SLno: a + off, N: b - a, Suspect: to}
		}
		pos := start
		k := sort.Search(len(same), func(i int) bool { return same[i].b1 > pos })
		for pos < end {
			if k < len(same) && same[k].b0 <= pos {
				stop := min(end, same[k].b1)
				pass = append(pass, piece(pos, stop, parent, same[k].off))
				pos = stop
				k++
				continue
			}
			stop := end
			if k < len(same) {
				stop = min(end, same[k].b0)
			}
			keep = append(keep, piece(pos, stop, target, 0))
			pos = stop
		}
	}
	target.suspects = keep
	sort.SliceStable(pass, func(i, j int) bool { return pass[i].SLno < pass[j].SLno })
	sb.queueBlames(parent, pass)
	return nil
}

// Hunk is a change of lines [A0, A1) of the old file into [B0, B1) of
// the new.
type Hunk = linediff.Hunk

// Hunks diffs two versions as git's blame does (xdi_diff without
// context): the common tail is trimmed in blocks of 1024 bytes first,
// then Myers with the indent heuristic over the lines compared under the
// whitespace flags.
func Hunks(a, b []byte, space linediff.Flags, minimal bool) []Hunk {
	a, b = trimCommonTail(a, b)
	la, lb := linediff.SplitLines(a), linediff.SplitLines(b)
	ka, kb := space.Keys(la), space.Keys(lb)
	alg := linediff.Myers
	if minimal {
		alg = linediff.Minimal
	}
	hunks := linediff.Diff(ka, kb, alg)
	if len(hunks) == 0 {
		return nil
	}
	ca, cb := linediff.SlideMarksKeyed(la, lb, ka, kb, hunks, true)
	return linediff.Hunks(ca, cb)
}

// trimCommonTail is xdiff-interface.c's trim_common_tail.
func trimCommonTail(a, b []byte) ([]byte, []byte) {
	const blk = 1024
	trimmed, recovered := 0, 0
	smaller := min(len(a), len(b))
	ap, bp := len(a), len(b)
	for blk+trimmed <= smaller && bytes.Equal(a[ap-blk:ap], b[bp-blk:bp]) {
		trimmed += blk
		ap -= blk
		bp -= blk
	}
	for recovered < trimmed {
		c := a[ap+recovered]
		recovered++
		if c == '\n' {
			break
		}
	}
	cut := trimmed - recovered
	return a[:len(a)-cut], b[:len(b)-cut]
}

// commitQueue orders commits newest committer date first, in the order
// queued among equal dates (git's prio_queue).
type commitQueue []*Commit

func (q commitQueue) Len() int { return len(q) }
func (q commitQueue) Less(i, j int) bool {
	if q[i].date != q[j].date {
		return q[i].date > q[j].date
	}
	return q[i].seq < q[j].seq
}
func (q commitQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *commitQueue) Push(x any)   { *q = append(*q, x.(*Commit)) }
func (q *commitQueue) Pop() any {
	old := *q
	c := old[len(old)-1]
	*q = old[:len(old)-1]
	return c
}

// SetFound sets Options.Found after New.
func (sb *Scoreboard) SetFound(f func(*Entry)) { sb.o.Found = f }
