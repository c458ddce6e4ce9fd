package cli

import (
	"fmt"
	"io"
	"strings"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/pretty"
)

// reflogStyle adds, under log -g, the reflog entry of each commit to how
// it is printed, as git's show_log: oneline shows "<id> <selector>:
// <message>" in place of the subject; the other built-in formats a
// "Reflog:" and a "Reflog message:" line after the "commit" line; user
// formats nothing.
func reflogStyle(w *repo.LogIter, style logStyle, userFormat bool) logStyle {
	if userFormat {
		return style
	}
	inner := style.write
	style.write = func(out io.Writer, c *gitobj.Commit, f pretty.CommitFormat) error {
		e := w.ReflogEntry()
		if e == nil {
			return inner(out, c, f)
		}
		if style.oneline {
			cc := *c
			cc.Message = e.Selector + ": " + e.Message
			return inner(out, &cc, f)
		}
		var b strings.Builder
		if err := inner(&b, c, f); err != nil {
			return err
		}
		text := b.String()
		at := strings.IndexByte(text, '\n') + 1
		head := fmt.Sprintf("Reflog: %s (%s)\nReflog message: %s\n", e.Selector, e.Ident, e.Message)
		_, err := io.WriteString(out, text[:at]+head+text[at:])
		return err
	}
	return style
}
