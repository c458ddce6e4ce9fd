package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/pretty"
)

// reflogEntry is one commit of log -g with the reflog entry that named it.
type reflogEntry struct {
	commit   *gitobj.Commit
	selector string // "HEAD@{0}"
	ident    string // "Name <email>" of who moved the ref
	message  string
}

// reflogWalk is log -g (--walk-reflogs): instead of walking history, the
// commits the reflogs of the given refs (HEAD by default) name, newest
// entry first, each shown with its entry, as git's reflog-walk.
type reflogWalk struct {
	entries []reflogEntry
	cur     *reflogEntry
}

func newReflogWalk(ctx context.Context, r *repo.Repository, revs []string, filter *repo.CommitFilter) (*reflogWalk, error) {
	if len(revs) == 0 {
		revs = []string{"HEAD"}
	}
	w := &reflogWalk{}
	for _, name := range revs {
		ref, ok := r.ReflogRef(name)
		if !ok {
			return nil, fmt.Errorf("%s: %w", name, repo.ErrUnknownRevision)
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
			w.entries = append(w.entries, reflogEntry{
				commit:   c,
				selector: fmt.Sprintf("%s@{%d}", name, len(list)-1-i),
				ident:    fmt.Sprintf("%s <%s>", e.Name, e.Email),
				message:  strings.TrimSuffix(e.Message, "\n"),
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
	return w.cur.commit, nil
}

// wrapStyle adds the entry of each commit to how it is printed, as git's
// show_log: oneline shows "<id> <selector>: <message>" in place of the
// subject; the other built-in formats a "Reflog:" and a "Reflog
// message:" line after the "commit" line; user formats nothing.
func (w *reflogWalk) wrapStyle(style logStyle, userFormat bool) logStyle {
	if userFormat {
		return style
	}
	inner := style.write
	style.write = func(out io.Writer, c *gitobj.Commit, f pretty.CommitFormat) error {
		e := w.cur
		if e == nil {
			return inner(out, c, f)
		}
		if style.oneline {
			cc := *c
			cc.Message = e.selector + ": " + e.message
			return inner(out, &cc, f)
		}
		var b strings.Builder
		if err := inner(&b, c, f); err != nil {
			return err
		}
		text := b.String()
		at := strings.IndexByte(text, '\n') + 1
		head := fmt.Sprintf("Reflog: %s (%s)\nReflog message: %s\n", e.selector, e.ident, e.message)
		_, err := io.WriteString(out, text[:at]+head+text[at:])
		return err
	}
	return style
}
