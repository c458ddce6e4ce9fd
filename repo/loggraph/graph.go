// Package loggraph draws the history graph of log --graph.
package loggraph

import (
	"bytes"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// Graph draws the history graph of log --graph exactly as git 2.39 does
// (graph.c): the same state machine, the same column bookkeeping and the
// same drawing of merges, octopus merges, skewed merges and collapsing
// lines ("_" runs and "/" on one row), so that the picture is identical to
// git's byte for byte, trailing spaces included.
//
// Each open line of history is a column two characters wide. For every
// commit the graph prints, in order: for an octopus merge with lines to its
// right, rows that widen the space around it (pre-commit); the commit row
// ("*"); for a merge the row that opens its parents' lines (post-merge);
// then rows that slide lines that ended or joined into place (collapsing);
// and after that plain "| " rows for as long as the caller asks (padding).
//
// Feed commits in git's graph order (LogOptions.Topo). The mapping arrays
// persist between commits as git's do, because one commit's last
// collapsing row decides how the next commit row draws lines moving left.
type Graph struct {
	// Interesting reports whether a parent will itself be shown (git's
	// graph_is_interesting): lines are drawn only to such parents. Nil
	// means every parent is.
	Interesting func(plumbing.Hash) bool
	// FirstParent draws only the first parent of merges.
	FirstParent bool
	// Color paints each line in its column's color, as git does when
	// color is on.
	Color bool

	commit    uint32
	hasCommit bool
	// parents are the commit's interesting parents in order (duplicates
	// kept, as git keeps them); numParents is their number.
	parents    []uint32
	numParents int
	// width is the width of every row drawn for this commit.
	width        int
	expansionRow int
	state        graphState
	prevState    graphState
	// commitIndex is the column of the current commit (numColumns when
	// no open line leads to it); prevCommitIndex the previous commit's.
	commitIndex     int
	prevCommitIndex int
	// mergeLayout is 0 when a merge's first parent sits in a column left
	// of it, 1 otherwise; edgesAdded is how many columns the commit opens
	// (-1 when its last parent joins the line right of it at once).
	mergeLayout    int
	edgesAdded     int
	prevEdgesAdded int

	capacity      int
	columns       []graphColumn // lines above the current commit
	newColumns    []graphColumn // lines below it
	numColumns    int
	numNewColumns int
	// mapping[x] is, for character position x of the rows under the
	// commit, the column of newColumns the line drawn at x leads to (-1:
	// nothing there). oldMapping is the previous collapsing row's.
	mapping      []int
	oldMapping   []int
	mappingSize  int
	defaultColor int
	colors       []string // the column colors; see SetColors

	// ids numbers the commits met; a commit's number is dropped once it
	// has been drawn, as no line can lead to it any more.
	ids    map[plumbing.Hash]uint32
	nextID uint32
}

// graphColumn is one line: the commit it leads to, as a number the graph
// gives each commit it meets (comparing numbers, not ids, keeps wide
// graphs cheap), and its color.
type graphColumn struct {
	commit uint32
	color  int
}

type graphState int

const (
	graphPadding graphState = iota
	graphSkip
	graphPreCommit
	graphCommit
	graphPostMerge
	graphCollapsing
)

// graphColors are git's default column colors (log.graphColors unset);
// index len(graphColors) means "no color".
var graphColors = []string{
	"\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[36m",
	"\x1b[1;31m", "\x1b[1;32m", "\x1b[1;33m", "\x1b[1;34m", "\x1b[1;35m", "\x1b[1;36m",
}

const graphColorReset = "\x1b[m"

// New returns an empty graph.
func New() *Graph {
	g := &Graph{capacity: 30, defaultColor: len(graphColors) - 1, ids: map[plumbing.Hash]uint32{}, colors: graphColors}
	g.columns = make([]graphColumn, g.capacity)
	g.newColumns = make([]graphColumn, g.capacity)
	// Two spare entries: git's arrays are sized by the column capacity,
	// and a merge that is a tip may write one place past the last column.
	g.mapping = make([]int, 2*g.capacity+2)
	g.oldMapping = make([]int, 2*g.capacity+2)
	return g
}

// SetColors replaces git's default column colors with the given escape
// sequences (log.graphColors); none keeps the defaults. Call it before
// the first commit.
func (g *Graph) SetColors(colors []string) {
	if len(colors) == 0 {
		return
	}
	g.colors = colors
	g.defaultColor = len(colors) - 1
}

// graphLine is one row being drawn; width counts characters, not the
// bytes of color codes.
type graphLine struct {
	buf    *bytes.Buffer
	width  int
	colors []string
}

func (l *graphLine) addch(c byte) {
	l.buf.WriteByte(c)
	l.width++
}

func (l *graphLine) addchars(c byte, n int) {
	for i := 0; i < n; i++ {
		l.buf.WriteByte(c)
	}
	l.width += n
}

func (l *graphLine) addstr(s string) {
	l.buf.WriteString(s)
	l.width += len(s)
}

func (l *graphLine) writeColumn(c *graphColumn, ch byte) {
	if c.color < len(l.colors) {
		l.buf.WriteString(l.colors[c.color])
	}
	l.addch(ch)
	if c.color < len(l.colors) {
		l.buf.WriteString(graphColorReset)
	}
}

func (g *Graph) updateState(s graphState) {
	g.prevState = g.state
	g.state = s
}

func (g *Graph) ensureCapacity(n int) {
	if g.capacity >= n {
		return
	}
	for g.capacity < n {
		g.capacity *= 2
	}
	grow := func(s []graphColumn) []graphColumn {
		t := make([]graphColumn, g.capacity)
		copy(t, s)
		return t
	}
	growInts := func(s []int) []int {
		t := make([]int, 2*g.capacity+2)
		copy(t, s)
		return t
	}
	g.columns, g.newColumns = grow(g.columns), grow(g.newColumns)
	g.mapping, g.oldMapping = growInts(g.mapping), growInts(g.oldMapping)
}

func (g *Graph) currentColor() int {
	if !g.Color {
		return len(g.colors)
	}
	return g.defaultColor
}

func (g *Graph) incrementColor() {
	g.defaultColor = (g.defaultColor + 1) % len(g.colors)
}

func (g *Graph) findCommitColor(h uint32) int {
	if !g.Color {
		return len(g.colors)
	}
	for i := 0; i < g.numColumns; i++ {
		if g.columns[i].commit == h {
			return g.columns[i].color
		}
	}
	return g.currentColor()
}

func (g *Graph) findNewColumn(h uint32) int {
	for i := 0; i < g.numNewColumns; i++ {
		if g.newColumns[i].commit == h {
			return i
		}
	}
	return -1
}

// insertIntoNewColumns gives h a column below the commit (reusing the one
// it has) and records where the line at the next position leads. idx is
// the commit's column when h is one of its parents, -1 otherwise.
func (g *Graph) insertIntoNewColumns(h uint32, idx int) {
	i := g.findNewColumn(h)
	if i < 0 {
		i = g.numNewColumns
		g.numNewColumns++
		g.newColumns[i] = graphColumn{commit: h, color: g.findCommitColor(h)}
	}
	var mappingIdx int
	switch {
	case g.numParents > 1 && idx > -1 && g.mergeLayout == -1:
		// The first parent of a merge: lean the merge left when that
		// parent's line is left of it.
		dist := idx - i
		shift := 1
		if dist > 1 {
			shift = 2*dist - 3
		}
		if dist > 0 {
			g.mergeLayout = 0
		} else {
			g.mergeLayout = 1
		}
		g.edgesAdded = g.numParents + g.mergeLayout - 2
		mappingIdx = g.width + (g.mergeLayout-1)*shift
		g.width += 2 * g.mergeLayout
	case g.edgesAdded > 0 && i == g.mapping[g.width-2]:
		// The merge's last line joins the column just right of it at
		// once instead of opening a new one.
		mappingIdx = g.width - 2
		g.edgesAdded = -1
	default:
		mappingIdx = g.width
		g.width += 2
	}
	g.mapping[mappingIdx] = i
}

func (g *Graph) updateColumns() {
	g.columns, g.newColumns = g.newColumns, g.columns
	g.numColumns = g.numNewColumns
	g.numNewColumns = 0

	maxNew := g.numColumns + g.numParents
	g.ensureCapacity(maxNew)
	g.mappingSize = 2 * maxNew
	for i := 0; i < g.mappingSize; i++ {
		g.mapping[i] = -1
	}
	g.width = 0
	g.prevEdgesAdded = g.edgesAdded
	g.edgesAdded = 0

	seen := false
	inColumns := true
	for i := 0; i <= g.numColumns; i++ {
		var h uint32
		if i == g.numColumns {
			if seen {
				break
			}
			inColumns = false
			h = g.commit
		} else {
			h = g.columns[i].commit
		}
		if h != g.commit {
			g.insertIntoNewColumns(h, -1)
			continue
		}
		seen = true
		g.commitIndex = i
		g.mergeLayout = -1
		for _, p := range g.parents {
			// A merge, or a new line with no child above: next color.
			if g.numParents > 1 || !inColumns {
				g.incrementColor()
			}
			g.insertIntoNewColumns(p, i)
		}
		// The commit takes two characters even without parents.
		if g.numParents == 0 {
			g.width += 2
		}
	}
	for g.mappingSize > 1 && g.mapping[g.mappingSize-1] < 0 {
		g.mappingSize--
	}
}

func (g *Graph) numDashedParents() int { return g.numParents + g.mergeLayout - 3 }

func (g *Graph) numExpansionRows() int { return 2 * g.numDashedParents() }

func (g *Graph) needsPreCommitLine() bool {
	return g.numParents >= 3 && g.commitIndex < g.numColumns-1 && g.expansionRow < g.numExpansionRows()
}

// Update moves the graph to the next commit to show, with its parents.
func (g *Graph) Update(h plumbing.Hash, parents []plumbing.Hash) {
	g.commit = g.id(h)
	// Only lines to its parents can lead past this commit now.
	delete(g.ids, h)
	g.hasCommit = true
	g.parents = g.parents[:0]
	for i, p := range parents {
		if g.FirstParent && i > 0 {
			break
		}
		if g.Interesting == nil || g.Interesting(p) {
			g.parents = append(g.parents, g.id(p))
		}
	}
	g.numParents = len(g.parents)
	g.prevCommitIndex = g.commitIndex
	g.updateColumns()
	g.expansionRow = 0
	// Not updateState: no row of the new state was printed. A previous
	// commit that did not finish its rows gets a "..." row.
	switch {
	case g.state != graphPadding:
		g.state = graphSkip
	case g.needsPreCommitLine():
		g.state = graphPreCommit
	default:
		g.state = graphCommit
	}
}

// id numbers h (a fresh number for a commit not met yet).
func (g *Graph) id(h plumbing.Hash) uint32 {
	if n, ok := g.ids[h]; ok {
		return n
	}
	g.nextID++
	g.ids[h] = g.nextID
	return g.nextID
}

func (g *Graph) isMappingCorrect() bool {
	for i := 0; i < g.mappingSize; i++ {
		if t := g.mapping[i]; t >= 0 && t != i/2 {
			return false
		}
	}
	return true
}

func (g *Graph) padHorizontally(l *graphLine) {
	if l.width < g.width {
		l.addchars(' ', g.width-l.width)
	}
}

func (g *Graph) outputPaddingLine(l *graphLine) {
	for i := 0; i < g.numNewColumns; i++ {
		l.writeColumn(&g.newColumns[i], '|')
		l.addch(' ')
	}
}

func (g *Graph) outputSkipLine(l *graphLine) {
	l.addstr("...")
	if g.needsPreCommitLine() {
		g.updateState(graphPreCommit)
	} else {
		g.updateState(graphCommit)
	}
}

// outputPreCommitLine widens the space around an octopus merge, two rows
// for each parent past the second.
func (g *Graph) outputPreCommitLine(l *graphLine) {
	seen := false
	for i := 0; i < g.numColumns; i++ {
		col := &g.columns[i]
		switch {
		case col.commit == g.commit:
			seen = true
			l.writeColumn(col, '|')
			l.addchars(' ', g.expansionRow)
		case seen && g.expansionRow == 0:
			// Lines right of a merge drawn just before as "\" stay so.
			if g.prevState == graphPostMerge && g.prevCommitIndex < i {
				l.writeColumn(col, '\\')
			} else {
				l.writeColumn(col, '|')
			}
		case seen && g.expansionRow > 0:
			l.writeColumn(col, '\\')
		default:
			l.writeColumn(col, '|')
		}
		l.addch(' ')
	}
	g.expansionRow++
	if !g.needsPreCommitLine() {
		g.updateState(graphCommit)
	}
}

// drawOctopusMerge draws the dashes right of an octopus merge's "*", each
// in the color of the column its parent's line collapses to.
func (g *Graph) drawOctopusMerge(l *graphLine) {
	dashed := g.numDashedParents()
	for i := 0; i < dashed; i++ {
		col := &g.newColumns[g.mapping[(g.commitIndex+i+2)*2]]
		l.writeColumn(col, '-')
		if i == dashed-1 {
			l.writeColumn(col, '.')
		} else {
			l.writeColumn(col, '-')
		}
	}
}

func (g *Graph) outputCommitLine(l *graphLine) {
	seen := false
	for i := 0; i <= g.numColumns; i++ {
		var h uint32
		if i == g.numColumns {
			if seen {
				break
			}
			h = g.commit
		} else {
			h = g.columns[i].commit
		}
		switch {
		case h == g.commit:
			seen = true
			l.addch('*')
			if g.numParents > 2 {
				g.drawOctopusMerge(l)
			}
		case seen && g.edgesAdded > 1:
			l.writeColumn(&g.columns[i], '\\')
		case seen && g.edgesAdded == 1:
			// A right-skewed two-way merge or a left-skewed three-way
			// one: keep lines drawn "\" by the merge just above so.
			if g.prevState == graphPostMerge && g.prevEdgesAdded > 0 && g.prevCommitIndex < i {
				l.writeColumn(&g.columns[i], '\\')
			} else {
				l.writeColumn(&g.columns[i], '|')
			}
		case g.prevState == graphCollapsing && g.oldMapping[2*i+1] == i && g.mapping[2*i] < i:
			// A line still moving left through this row.
			l.writeColumn(&g.columns[i], '/')
		default:
			l.writeColumn(&g.columns[i], '|')
		}
		l.addch(' ')
	}
	switch {
	case g.numParents > 1:
		g.updateState(graphPostMerge)
	case g.isMappingCorrect():
		g.updateState(graphPadding)
	default:
		g.updateState(graphCollapsing)
	}
}

var graphMergeChars = [3]byte{'/', '|', '\\'}

func (g *Graph) outputPostMergeLine(l *graphLine) {
	seen := false
	var parentCol *graphColumn
	first := g.parents[0]
	for i := 0; i <= g.numColumns; i++ {
		var h uint32
		var col *graphColumn
		if i == g.numColumns {
			if seen {
				break
			}
			h = g.commit
		} else {
			col = &g.columns[i]
			h = col.commit
		}
		switch {
		case h == g.commit:
			// The merge's edges, each in the color of its parent's
			// column.
			seen = true
			idx := g.mergeLayout
			for j, p := range g.parents {
				pc := g.findNewColumn(p)
				l.writeColumn(&g.newColumns[pc], graphMergeChars[idx])
				if idx == 2 {
					if g.edgesAdded > 0 || j < g.numParents-1 {
						l.addch(' ')
					}
				} else {
					idx++
				}
			}
			if g.edgesAdded == 0 {
				l.addch(' ')
			}
		case seen:
			if g.edgesAdded > 0 {
				l.writeColumn(col, '\\')
			} else {
				l.writeColumn(col, '|')
			}
			l.addch(' ')
		default:
			l.writeColumn(col, '|')
			if g.mergeLayout != 0 || i != g.commitIndex-1 {
				if parentCol != nil {
					l.writeColumn(parentCol, '_')
				} else {
					l.addch(' ')
				}
			}
		}
		if h == first {
			parentCol = col
		}
	}
	if g.isMappingCorrect() {
		g.updateState(graphPadding)
	} else {
		g.updateState(graphCollapsing)
	}
}

// outputCollapsingLine moves each line not yet in place one position left
// ("/"), joins lines that lead to the same column, and lets one line cross
// others with a run of "_".
func (g *Graph) outputCollapsingLine(l *graphLine) {
	usedHorizontal := false
	horizontalEdge := -1
	horizontalEdgeTarget := -1

	g.mapping, g.oldMapping = g.oldMapping, g.mapping
	for i := 0; i < g.mappingSize; i++ {
		g.mapping[i] = -1
	}
	for i := 0; i < g.mappingSize; i++ {
		target := g.oldMapping[i]
		if target < 0 {
			continue
		}
		// Lines only ever move left: each target is at or left of i.
		switch {
		case target*2 == i:
			g.mapping[i] = target
		case g.mapping[i-1] < 0:
			// Nothing to the left: move left by one.
			g.mapping[i-1] = target
			if horizontalEdge == -1 {
				horizontalEdge = i
				horizontalEdgeTarget = target
				for j := target*2 + 3; j < i-2; j += 2 {
					g.mapping[j] = target
				}
			}
		case g.mapping[i-1] == target:
			// The line to the left leads to the same column: join it.
		default:
			// Cross the line to the left, into the empty space left of
			// it; no other line may move sideways on this row.
			g.mapping[i-2] = target
			if horizontalEdge == -1 {
				horizontalEdgeTarget = target
				horizontalEdge = i - 1
				for j := target*2 + 3; j < i-2; j += 2 {
					g.mapping[j] = target
				}
			}
		}
	}
	copy(g.oldMapping[:g.mappingSize], g.mapping[:g.mappingSize])
	if g.mapping[g.mappingSize-1] < 0 {
		g.mappingSize--
	}
	for i := 0; i < g.mappingSize; i++ {
		target := g.mapping[i]
		switch {
		case target < 0:
			l.addch(' ')
		case target*2 == i:
			l.writeColumn(&g.newColumns[target], '|')
		case target == horizontalEdgeTarget && i != horizontalEdge-1:
			// Only the first segment of a horizontal run continues
			// into the next row.
			if i != target*2+3 {
				g.mapping[i] = -1
			}
			usedHorizontal = true
			l.writeColumn(&g.newColumns[target], '_')
		default:
			if usedHorizontal && i < horizontalEdge {
				g.mapping[i] = -1
			}
			l.writeColumn(&g.newColumns[target], '/')
		}
	}
	if g.isMappingCorrect() {
		g.updateState(graphPadding)
	}
}

// nextLine draws the next row into buf and reports whether it is the
// commit's row.
func (g *Graph) nextLine(buf *bytes.Buffer) bool {
	if !g.hasCommit {
		return false
	}
	l := &graphLine{buf: buf, colors: g.colors}
	isCommit := false
	switch g.state {
	case graphPadding:
		g.outputPaddingLine(l)
	case graphSkip:
		g.outputSkipLine(l)
	case graphPreCommit:
		g.outputPreCommitLine(l)
	case graphCommit:
		g.outputCommitLine(l)
		isCommit = true
	case graphPostMerge:
		g.outputPostMergeLine(l)
	case graphCollapsing:
		g.outputCollapsingLine(l)
	}
	g.padHorizontally(l)
	return isCommit
}

// paddingLine draws a row that never holds the commit: before the commit
// row it extends the lines above downwards unchanged.
func (g *Graph) paddingLine(buf *bytes.Buffer) {
	if g.state != graphCommit {
		g.nextLine(buf)
		return
	}
	l := &graphLine{buf: buf, colors: g.colors}
	for i := 0; i < g.numColumns; i++ {
		col := &g.columns[i]
		l.writeColumn(col, '|')
		if col.commit == g.commit && g.numParents > 2 {
			l.addchars(' ', (g.numParents-2)*2)
		} else {
			l.addch(' ')
		}
	}
	g.padHorizontally(l)
	g.prevState = graphPadding
}

// Finished reports whether all rows that change the lines have been
// printed, so that the next commit can start.
func (g *Graph) Finished() bool { return g.state == graphPadding }

// ShowCommit writes the rows up to and including the commit's row; the
// commit row is left without its newline, for the text to follow.
func (g *Graph) ShowCommit(buf *bytes.Buffer) {
	if g.Finished() {
		g.paddingLine(buf)
		return
	}
	for !g.Finished() {
		if g.nextLine(buf) {
			return
		}
		buf.WriteByte('\n')
	}
}

// ShowOneline writes the next row, without a newline.
func (g *Graph) ShowOneline(buf *bytes.Buffer) { g.nextLine(buf) }

// ShowPadding writes a row for a separator between commits, without a
// newline.
func (g *Graph) ShowPadding(buf *bytes.Buffer) { g.paddingLine(buf) }

// ShowRemainder writes the rows left for the current commit, separated by
// newlines and without a final one. It reports whether it wrote any.
func (g *Graph) ShowRemainder(buf *bytes.Buffer) bool {
	if g.Finished() {
		return false
	}
	for {
		g.nextLine(buf)
		if g.Finished() {
			return true
		}
		buf.WriteByte('\n')
	}
}

// ShowCommitMsg writes a commit's text after its commit row: every line
// but the first gets the next row in front, and the rows the commit still
// needs follow. The output ends with a newline exactly when msg does.
func (g *Graph) ShowCommitMsg(buf *bytes.Buffer, msg string) {
	for p := msg; ; {
		i := strings.IndexByte(p, '\n')
		if i < 0 {
			buf.WriteString(p)
			break
		}
		buf.WriteString(p[:i+1])
		p = p[i+1:]
		if p == "" {
			break
		}
		g.ShowOneline(buf)
	}
	if g.Finished() {
		return
	}
	terminated := len(msg) > 0 && msg[len(msg)-1] == '\n'
	if !terminated {
		buf.WriteByte('\n')
	}
	g.ShowRemainder(buf)
	if terminated {
		buf.WriteByte('\n')
	}
}

// Width is the columns the graph draws left of the current commit's text.
func (g *Graph) Width() int { return g.width }
