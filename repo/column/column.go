// Package column lays out a list in columns as git's column.c does (git
// branch --column, git tag --column, column.ui).
package column

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Mode is a parsed column setting: whether to lay out at all and how.
type Mode struct {
	Enable string // "always", "never" or "auto"
	Layout string // "column", "row" or "plain"
	Dense  bool
	// Cmdline: --column was given (git's COL_PARSEOPT), which makes
	// options that cannot go with columns an error rather than a reason
	// to turn them off.
	Cmdline bool
}

// Default is git's: off, laid out by column.
func Default() Mode { return Mode{Enable: "never", Layout: "column"} }

// Apply reads a column.ui-style value ("always,row dense") onto m, as
// git's parse_config: naming a layout without always, never or auto turns
// the layout on.
func (m *Mode) Apply(v string) error {
	layoutSet, enableSet := false, false
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' }) {
		switch w {
		case "always", "never", "auto":
			m.Enable, enableSet = w, true
		case "column", "row", "plain":
			m.Layout, layoutSet = w, true
		case "dense":
			m.Dense = true
		case "nodense":
			m.Dense = false
		default:
			return fmt.Errorf("unsupported option '%s'", w)
		}
	}
	if layoutSet && !enableSet {
		m.Enable = "always"
	}
	return nil
}

// Active reports whether output is laid out, tty telling whether standard
// output is a terminal (for "auto").
func (m Mode) Active(tty bool) bool {
	return m.Enable == "always" || m.Enable == "auto" && tty
}

// Print lays items out in width columns of the terminal (git uses the
// terminal's width minus one) with padding spaces between columns.
func Print(items []string, m Mode, width, padding int) string {
	return PrintIndented(items, m, width, padding, "")
}

// PrintIndented is Print with indent before each line, counted in the
// width as git's column option "indent" (status puts a tab there).
func PrintIndented(items []string, m Mode, width, padding int, indent string) string {
	if len(items) == 0 {
		return ""
	}
	var b strings.Builder
	if m.Layout == "plain" {
		for _, it := range items {
			b.WriteString(indent + it + "\n")
		}
		return b.String()
	}
	t := table{items: items, byColumn: m.Layout != "row", padding: padding, width: width, indent: len(indent)}
	t.lens = make([]int, len(items))
	cell := 0
	for i, it := range items {
		t.lens[i] = utf8.RuneCountInString(it)
		cell = max(cell, t.lens[i])
	}
	cell += padding
	t.cols = max((width-t.indent)/cell, 1)
	t.rows = (len(items) + t.cols - 1) / t.cols
	if m.Dense {
		t.shrink()
	}
	empty := strings.Repeat(" ", cell)
	for y := 0; y < t.rows; y++ {
		b.WriteString(indent)
		for x := 0; x < t.cols; x++ {
			i := t.at(x, y)
			if i >= len(items) {
				break
			}
			n := t.lens[i]
			if t.widths != nil && t.lens[t.widths[x]] < cell {
				// A column narrower than the widest cell: fill less.
				n += cell - t.lens[t.widths[x]] - padding
			}
			var newline bool
			if t.byColumn {
				newline = i+t.rows >= len(items)
			} else {
				newline = x == t.cols-1 || i == len(items)-1
			}
			b.WriteString(items[i])
			if newline {
				b.WriteString("\n")
			} else if n < len(empty) {
				b.WriteString(empty[n:])
			}
		}
	}
	return b.String()
}

type table struct {
	items      []string
	lens       []int
	byColumn   bool
	padding    int
	width      int
	indent     int // the width of what starts each line
	rows, cols int
	widths     []int // per column, the index of its widest cell
}

func (t *table) at(x, y int) int {
	if t.byColumn {
		return x*t.rows + y
	}
	return y*t.cols + x
}

func (t *table) computeWidths() {
	t.widths = make([]int, t.cols)
	for x := 0; x < t.cols; x++ {
		t.widths[x] = t.at(x, 0)
		for y := 0; y < t.rows; y++ {
			if i := t.at(x, y); i < len(t.items) && t.lens[t.widths[x]] < t.lens[i] {
				t.widths[x] = i
			}
		}
	}
}

// shrink is git's shrink_columns: fewer rows while the columns, each as
// wide as its own widest cell, still fit.
func (t *table) shrink() {
	for t.rows > 1 {
		rows, cols := t.rows, t.cols
		t.rows--
		t.cols = (len(t.items) + t.rows - 1) / t.rows
		t.computeWidths()
		total := t.indent
		for x := 0; x < t.cols; x++ {
			total += t.lens[t.widths[x]] + t.padding
		}
		if total > t.width {
			t.rows, t.cols = rows, cols
			break
		}
	}
	t.computeWidths()
}
