package patch

import (
	"fmt"

	"io"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// StatEntry is one file's line of --stat.
type StatEntry struct {
	Name           string // already quoted for display
	Added, Deleted int    // lines, or bytes for binary files
	Binary         bool
}

// WriteStat prints entries and the summary line as git diff --stat does,
// fitting the lines into width columns (git uses the terminal width, or 80).
func WriteStat(w io.Writer, entries []StatEntry, width int, color bool) error {
	if len(entries) == 0 {
		return nil
	}
	maxLen, maxChange, binWidth, numberWidth := 0, 0, 0, 0
	for _, e := range entries {
		maxLen = max(maxLen, len(e.Name))
		if e.Binary {
			// "Bin XXX -> YYY bytes"
			binWidth = max(binWidth, 14+decimalWidth(e.Added)+decimalWidth(e.Deleted))
			numberWidth = 3
			continue
		}
		maxChange = max(maxChange, e.Added+e.Deleted)
	}
	if width <= 0 {
		width = 80
	}
	numberWidth = max(numberWidth, decimalWidth(maxChange))
	// At least 10 columns for names and 6 for the graph.
	if width < 16+6+numberWidth {
		width = 16 + 6 + numberWidth
	}
	graphWidth := maxChange
	if maxChange+4 <= binWidth {
		graphWidth = binWidth - 4
	}
	nameWidth := maxLen
	if nameWidth+numberWidth+6+graphWidth > width {
		if graphWidth > width*3/8-numberWidth-6 {
			graphWidth = width*3/8 - numberWidth - 6
			if graphWidth < 6 {
				graphWidth = 6
			}
		}
		if nameWidth > width-numberWidth-6-graphWidth {
			nameWidth = width - numberWidth - 6 - graphWidth
		} else {
			graphWidth = width - numberWidth - 6 - nameWidth
		}
	}
	var b strings.Builder
	adds, dels := 0, 0
	for _, e := range entries {
		prefix, name, l := "", e.Name, nameWidth
		if nameWidth < len(name) {
			// Cut long names from the left, at a slash if there is one.
			prefix = "..."
			l -= 3
			name = name[len(name)-l:]
			if i := strings.IndexByte(name, '/'); i >= 0 {
				name = name[i:]
			}
		}
		fmt.Fprintf(&b, " %s%-*s |", prefix, l, name)
		if e.Binary {
			fmt.Fprintf(&b, " %*s", numberWidth, "Bin")
			if e.Added == 0 && e.Deleted == 0 {
				b.WriteString("\n")
				continue
			}
			b.WriteString(" " + paint(strconv.Itoa(e.Deleted), colorOld, color) + " -> " + paint(strconv.Itoa(e.Added), colorNew, color) + " bytes\n")
			continue
		}
		adds += e.Added
		dels += e.Deleted
		add, del := e.Added, e.Deleted
		if graphWidth <= maxChange {
			total := scaleLinear(add+del, graphWidth, maxChange)
			if total < 2 && add > 0 && del > 0 {
				total = 2
			}
			if add < del {
				add = scaleLinear(add, graphWidth, maxChange)
				del = total - add
			} else {
				del = scaleLinear(del, graphWidth, maxChange)
				add = total - del
			}
		}
		fmt.Fprintf(&b, " %*d", numberWidth, e.Added+e.Deleted)
		if e.Added+e.Deleted > 0 {
			b.WriteByte(' ')
		}
		if add > 0 {
			b.WriteString(paint(strings.Repeat("+", add), colorNew, color))
		}
		if del > 0 {
			b.WriteString(paint(strings.Repeat("-", del), colorOld, color))
		}
		b.WriteByte('\n')
	}
	b.WriteString(Summary(len(entries), adds, dels) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary is git's " N files changed, X insertions(+), Y deletions(-)".
func Summary(files, adds, dels int) string {
	if files == 0 {
		return " 0 files changed"
	}
	s := fmt.Sprintf(" %d file%s changed", files, plural(files))
	if adds > 0 || dels == 0 {
		s += fmt.Sprintf(", %d insertion%s(+)", adds, plural(adds))
	}
	if dels > 0 || adds == 0 {
		s += fmt.Sprintf(", %d deletion%s(-)", dels, plural(dels))
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func paint(s, c string, on bool) string {
	if !on {
		return s
	}
	return c + s + colorReset
}

func scaleLinear(it, width, maxChange int) int {
	if it == 0 {
		return 0
	}
	return 1 + it*(width-1)/maxChange
}

func decimalWidth(n int) int {
	return len(strconv.Itoa(n))
}

// SummaryLines are git's --summary lines for p: " create mode 100644 f",
// " delete mode ...", " rename a => b (90%)", " mode change 100644 => 100755 f".
func SummaryLines(p FilePatch) []string {
	switch {
	case !p.From.Exists():
		return []string{fmt.Sprintf(" create mode %o %s", p.To.Mode, QuotePath(p.To.Path))}
	case !p.To.Exists():
		return []string{fmt.Sprintf(" delete mode %o %s", p.From.Mode, QuotePath(p.From.Path))}
	case p.Renamed():
		verb := "rename"
		if p.Copy {
			verb = "copy"
		}
		lines := []string{fmt.Sprintf(" %s %s (%d%%)", verb, RenameName(p.From.Path, p.To.Path), p.Similarity())}
		if p.From.Mode != p.To.Mode {
			lines = append(lines, fmt.Sprintf(" mode change %o => %o", p.From.Mode, p.To.Mode))
		}
		return lines
	case p.From.Mode != p.To.Mode:
		return []string{fmt.Sprintf(" mode change %o => %o %s", p.From.Mode, p.To.Mode, QuotePath(p.To.Path))}
	}
	return nil
}

// StatName is the name --stat shows for p: its quoted path, or for a
// rename both paths as RenameName puts them.
func StatName(p FilePatch) string {
	if p.Unrelated {
		// diff --no-index names a missing side /dev/null.
		from, to := p.From.Path, p.To.Path
		if !p.From.Exists() {
			from = "/dev/null"
		}
		if !p.To.Exists() {
			to = "/dev/null"
		}
		if from != to {
			return RenameName(from, to)
		}
	}
	if p.Renamed() {
		return RenameName(p.From.Path, p.To.Path)
	}
	return QuotePath(p.Path())
}

// RenameName shows a rename as git does, factoring out the directories
// both paths share: "dir/{a.txt => b.txt}", "{a => b}/f.txt".
func RenameName(a, b string) string {
	if QuotePath(a) != a || QuotePath(b) != b {
		return QuotePath(a) + " => " + QuotePath(b)
	}
	pfx := 0
	for i := 0; i < len(a) && i < len(b) && a[i] == b[i]; i++ {
		if a[i] == '/' {
			pfx = i + 1
		}
	}
	// Common suffix starting at a slash, not reaching into the prefix
	// (except its final slash).
	sfx := 0
	adj := 0
	if pfx > 0 {
		adj = 1
	}
	for i, j := len(a)-1, len(b)-1; i >= pfx-adj && j >= pfx-adj && a[i] == b[j]; i, j = i-1, j-1 {
		if a[i] == '/' {
			sfx = len(a) - i
		}
	}
	amid, bmid := max(len(a)-pfx-sfx, 0), max(len(b)-pfx-sfx, 0)
	if pfx+sfx == 0 {
		return a + " => " + b
	}
	return a[:pfx] + "{" + a[pfx:pfx+amid] + " => " + b[pfx:pfx+bmid] + "}" + a[len(a)-sfx:]
}

// NameStatus is p's line of --name-status: the status letter (with the
// similarity for a rename) and the path, or old and new paths.
func NameStatus(p FilePatch) string {
	if p.Renamed() {
		return fmt.Sprintf("%c%03d\t%s\t%s", p.Status(), p.Similarity(), QuotePath(p.From.Path), QuotePath(p.To.Path))
	}
	if p.Unrelated && p.From.Exists() {
		// diff --no-index lists a change under its old name.
		return fmt.Sprintf("%c\t%s", p.Status(), QuotePath(p.From.Path))
	}
	return fmt.Sprintf("%c\t%s", p.Status(), QuotePath(p.Path()))
}

// Raw is p's line of git's --raw format: ":<old mode> <new mode> <old id>
// <new id> <status>\t<path>" (both paths for a rename), ids shortened by
// abbrev and a missing side shown as mode 000000 and the null id.
func Raw(p FilePatch, abbrev func(plumbing.Hash) string) string {
	mode := func(s Side) uint32 {
		if !s.Exists() {
			return 0
		}
		return uint32(s.Mode)
	}
	id := func(s Side) plumbing.Hash {
		// diff --no-index hashes no file, as git's does not.
		if !s.Exists() || p.Unrelated {
			return plumbing.ZeroHash
		}
		return s.Hash
	}
	head := fmt.Sprintf(":%06o %06o %s %s ", mode(p.From), mode(p.To), abbrev(id(p.From)), abbrev(id(p.To)))
	return head + NameStatus(p)
}

// NameOnly is the name --name-only prints: the new path, "/dev/null"
// for a file diff --no-index finds on the old side only.
func NameOnly(p FilePatch) string {
	if p.Unrelated && !p.To.Exists() {
		return "/dev/null"
	}
	return QuotePath(p.Path())
}
