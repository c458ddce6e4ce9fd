package blame

import (
	"context"
	"sort"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// score is git's blame_entry_score: one more than the alphanumeric
// characters of the entry's lines in the final file.
func (sb *Scoreboard) score(e *Entry) int {
	n := 1
	for _, c := range sb.Final[sb.Lines[e.Lno]:sb.Lines[e.Lno+e.N]] {
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			n++
		}
	}
	return n
}

// filterSmall moves the entries scoring at most min to small (git's
// filter_small) and returns the others.
func (sb *Scoreboard) filterSmall(small *[]*Entry, entries []*Entry, min int) []*Entry {
	var keep []*Entry
	for _, e := range entries {
		if sb.score(e) <= min {
			*small = append(*small, e)
		} else {
			keep = append(keep, e)
		}
	}
	return keep
}

// split is git's split[3]: the part before the lines found in the
// parent, the part found there, the part after; nil Suspect: none.
type split [3]Entry

// splitOverlap is git's split_overlap: e's lines [tlno, same) (in the
// suspect's numbering) are the parent's lines from plno.
func splitOverlap(e *Entry, tlno, plno, same int, parent *Origin) split {
	var s split
	if e.SLno < tlno {
		s[0] = Entry{Suspect: e.Suspect, Lno: e.Lno, SLno: e.SLno, N: tlno - e.SLno}
		s[1].Lno = e.Lno + tlno - e.SLno
		s[1].SLno = plno
	} else {
		s[1].Lno = e.Lno
		s[1].SLno = plno + (e.SLno - tlno)
	}
	chunkEnd := e.Lno + e.N
	if same < e.SLno+e.N {
		s[2] = Entry{Suspect: e.Suspect, Lno: e.Lno + (same - e.SLno), SLno: same, N: e.SLno + e.N - same}
		chunkEnd = s[2].Lno
	}
	s[1].N = chunkEnd - s[1].Lno
	if s[1].N >= 1 {
		s[1].Suspect = parent
	}
	return s
}

// findCopyInBlob is git's find_copy_in_blob: the best stretch of e's
// lines found unchanged in the parent's file, by score.
func (sb *Scoreboard) findCopyInBlob(e *Entry, parent *Origin, pdata []byte) split {
	var best split
	text := sb.Final[sb.Lines[e.Lno]:sb.Lines[e.Lno+e.N]]
	tlno, plno := 0, 0
	handle := func(same int) {
		if e.N <= tlno || tlno >= same {
			return
		}
		sb.better(&best, splitOverlap(e, tlno+e.SLno, plno, same+e.SLno, parent))
	}
	for _, h := range Hunks(pdata, text, sb.o.Space, sb.o.Minimal) {
		handle(h.B0)
		plno, tlno = h.A1, h.B1
	}
	handle(e.N)
	return best
}

// findMoveInParent is git's find_move_in_parent (-M): lines of the
// target found elsewhere in the parent's version of the file are the
// parent's when they score more than the move threshold.
func (sb *Scoreboard) findMoveInParent(blamed, toosmall *[]*Entry, target, parent *Origin) error {
	unblamed := target.suspects
	if len(unblamed) == 0 {
		return nil
	}
	pdata, err := sb.blob(parent)
	if err != nil {
		return err
	}
	var leftover, small []*Entry
	for len(unblamed) > 0 {
		var again []*Entry
		for _, e := range unblamed {
			s := sb.findCopyInBlob(e, parent, pdata)
			if s[1].Suspect == nil || sb.o.MoveScore >= sb.score(&s[1]) {
				leftover = append(leftover, e)
				continue
			}
			mid := s[1]
			*blamed = append(*blamed, &mid)
			for _, i := range []int{0, 2} {
				if s[i].Suspect != nil {
					part := s[i]
					again = append(again, &part)
				}
			}
		}
		unblamed = sb.filterSmall(&small, again, sb.o.MoveScore)
	}
	// As git's list: the entries set aside here go before those set
	// aside earlier.
	*toosmall = append(small, *toosmall...)
	target.suspects = leftover
	return nil
}

// distribute gives the entries found in parents to their origins (git's
// distribute_blame).
func (sb *Scoreboard) distribute(blamed []*Entry) {
	sort.SliceStable(blamed, func(i, j int) bool {
		a, b := blamed[i], blamed[j]
		if a.Suspect != b.Suspect {
			return a.Suspect.seq < b.Suspect.seq
		}
		return a.SLno < b.SLno
	})
	for i := 0; i < len(blamed); {
		j := i
		for j < len(blamed) && blamed[j].Suspect == blamed[i].Suspect {
			j++
		}
		sb.queueBlames(blamed[i].Suspect, append([]*Entry(nil), blamed[i:j]...))
		i = j
	}
}

// better is git's copy_split_if_better: pot replaces best unless it finds
// nothing or scores less.
func (sb *Scoreboard) better(best *split, pot split) {
	if pot[1].Suspect == nil {
		return
	}
	if best[1].Suspect != nil && sb.score(&pot[1]) < sb.score(&best[1]) {
		return
	}
	*best = pot
}

// findCopyInParent is git's find_copy_in_parent (-C): lines of the
// target found in other files of the parent (those the commit changed,
// or with -C -C in a commit creating the file, or -C -C -C always, every
// file) are theirs when they score more than the copy threshold.
func (sb *Scoreboard) findCopyInParent(ctx context.Context, blamed, toosmall *[]*Entry, target *Origin, parent *Commit, porigin *Origin) error {
	unblamed := target.suspects
	if len(unblamed) == 0 || target.Commit.WorkTree {
		return nil
	}
	harder := sb.o.Copy >= 3 || (sb.o.Copy >= 2 && (porigin == nil || porigin.Path != target.Path))
	sources, err := sb.r.CopySources(ctx, parent.Object.TreeHash, target.Commit.Object.TreeHash, harder)
	if err != nil {
		return err
	}
	var leftover, small []*Entry
	for len(unblamed) > 0 {
		splits := make([]split, len(unblamed))
		for _, src := range sources {
			if src.Mode == filemode.Submodule || (porigin != nil && src.Path == porigin.Path) {
				continue
			}
			norigin := sb.origin(parent, src.Path)
			norigin.Blob, norigin.Mode = src.Blob, src.Mode
			data, err := sb.blob(norigin)
			if err != nil {
				return err
			}
			for j, e := range unblamed {
				sb.better(&splits[j], sb.findCopyInBlob(e, norigin, data))
			}
			if len(norigin.suspects) == 0 {
				norigin.drop()
			}
		}
		var again []*Entry
		for j, e := range unblamed {
			s := splits[j]
			if s[1].Suspect == nil || sb.o.CopyScore >= sb.score(&s[1]) {
				leftover = append(leftover, e)
				continue
			}
			mid := s[1]
			*blamed = append(*blamed, &mid)
			for _, i := range []int{0, 2} {
				if s[i].Suspect != nil {
					part := s[i]
					again = append(again, &part)
				}
			}
		}
		unblamed = sb.filterSmall(&small, again, sb.o.CopyScore)
	}
	*toosmall = append(small, *toosmall...)
	target.suspects = leftover
	return nil
}
