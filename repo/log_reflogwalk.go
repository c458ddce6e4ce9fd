package repo

import (
	"context"
	"fmt"
	"io"
	"strings"

	"easel.dev/easel/repo/gitobj"
)

// LogReflogEntry is one commit of log -g with the reflog entry that named
// it.
type LogReflogEntry struct {
	Commit   *gitobj.Commit
	Selector string // "HEAD@{0}"
	Ident    string // "Name <email>" of who moved the ref
	Message  string
}

// reflogWalk is log -g (--walk-reflogs): instead of walking history, the
// commits the reflogs of the given refs (HEAD by default) name, newest
// entry first, each with its entry, as git's reflog-walk.
type reflogWalk struct {
	entries []LogReflogEntry
	cur     *LogReflogEntry
}

func (r *Repository) newReflogWalk(revs []string, filter *CommitFilter) (*reflogWalk, error) {
	if len(revs) == 0 {
		revs = []string{"HEAD"}
	}
	w := &reflogWalk{}
	for _, name := range revs {
		ref, ok := r.ReflogRef(name)
		if !ok {
			return nil, fmt.Errorf("%s: %w", name, ErrUnknownRevision)
		}
		list, err := r.Reflog(ref)
		if err != nil {
			return nil, err
		}
		for i := len(list) - 1; i >= 0; i-- {
			e := list[i]
			if e.New.IsZero() {
				continue // a deletion names no commit, but counts
			}
			c, err := r.CommitObject(e.New)
			if err != nil {
				return nil, err
			}
			if filter != nil && !filter.Match(c) {
				continue
			}
			w.entries = append(w.entries, LogReflogEntry{
				Commit:   c,
				Selector: fmt.Sprintf("%s@{%d}", name, len(list)-1-i),
				Ident:    fmt.Sprintf("%s <%s>", e.Name, e.Email),
				Message:  strings.TrimSuffix(e.Message, "\n"),
			})
		}
	}
	return w, nil
}

func (w *reflogWalk) next(context.Context) (*gitobj.Commit, error) {
	if len(w.entries) == 0 {
		return nil, io.EOF
	}
	w.cur = &w.entries[0]
	w.entries = w.entries[1:]
	return w.cur.Commit, nil
}
