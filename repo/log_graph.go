package repo

import (
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Graph draws the ASCII history graph of log --graph, one text prefix per
// output line. Each open line of history is a column two characters wide.
// For every commit the graph prints the commit row ("*"), for a merge a row
// that opens the new lines ("|\"), then as many rows as it takes to slide
// lines that ended or joined back into place ("|/"), and then plain "| "
// rows for as long as the caller keeps asking (message lines, separators).
//
// Feed commits in topological order (LogOptions.Topo).
type Graph struct {
	cols    []plumbing.Hash // lines open above the current commit
	newCols []plumbing.Hash // lines open below it
	// mapping[x] is, for each character position x of the rows under the
	// commit, the column in newCols that the line drawn at x leads to (-1:
	// nothing drawn there). Rows are done when every line is at 2*column.
	mapping []int
	width   int

	commit      plumbing.Hash
	parents     []plumbing.Hash
	idx         int // column of the current commit
	state       graphState
	prevState   graphState
	prevIdx     int
	haveCommits bool
}

type graphState int

const (
	statePadding graphState = iota
	stateCommit
	statePostMerge
	stateCollapsing
)

// NewGraph returns an empty graph.
func NewGraph() *Graph { return &Graph{} }

// Update moves the graph to the next commit to show.
func (g *Graph) Update(c *object.Commit) {
	g.commit = c.Hash
	g.parents = c.ParentHashes
	g.prevIdx = g.idx
	g.haveCommits = true
	g.cols, g.newCols = g.newCols, nil

	g.mapping = make([]int, 2*(len(g.cols)+len(g.parents)+1))
	for i := range g.mapping {
		g.mapping[i] = -1
	}
	pos := 0
	place := func(h plumbing.Hash) {
		for i, n := range g.newCols {
			if n == h {
				g.mapping[pos] = i
				pos += 2
				return
			}
		}
		g.newCols = append(g.newCols, h)
		g.mapping[pos] = len(g.newCols) - 1
		pos += 2
	}
	inCols := false
	seen := false
	for i := 0; i <= len(g.cols); i++ {
		var h plumbing.Hash
		if i == len(g.cols) {
			if seen {
				break
			}
			h = g.commit
		} else {
			h = g.cols[i]
		}
		if h != g.commit {
			place(h)
			continue
		}
		// The commit takes the place of its column; its parents open
		// there instead.
		seen = true
		inCols = i < len(g.cols)
		g.idx = i
		if len(g.parents) == 0 {
			pos += 2
		}
		for _, p := range g.parents {
			place(p)
		}
	}
	for len(g.mapping) > 1 && g.mapping[len(g.mapping)-1] < 0 {
		g.mapping = g.mapping[:len(g.mapping)-1]
	}
	n := len(g.cols) + len(g.parents)
	if len(g.parents) == 0 {
		n++
	}
	if inCols {
		n--
	}
	g.width = 2 * n
	g.state = stateCommit
}

// Finished reports whether all rows that change the lines have been
// printed, so that the next commit can start.
func (g *Graph) Finished() bool { return g.state == statePadding }

// NextLine returns the next row's prefix and whether it is the commit row.
func (g *Graph) NextLine() (string, bool) {
	var b strings.Builder
	switch g.state {
	case stateCommit:
		g.commitLine(&b)
		return g.pad(&b), true
	case statePostMerge:
		g.postMergeLine(&b)
	case stateCollapsing:
		g.collapsingLine(&b)
	default:
		g.paddingLine(&b)
	}
	return g.pad(&b), false
}

// Padding returns a row for a separator between commits: plain lines, or
// the next row of a merge or collapse still being drawn.
func (g *Graph) Padding() string {
	if g.state != stateCommit {
		s, _ := g.NextLine()
		return s
	}
	var b strings.Builder
	for range g.cols {
		b.WriteString("| ")
	}
	g.prevState = statePadding
	return g.pad(&b)
}

func (g *Graph) pad(b *strings.Builder) string {
	s := b.String()
	if len(s) < g.width {
		s += strings.Repeat(" ", g.width-len(s))
	}
	return s
}

func (g *Graph) setState(s graphState) {
	g.prevState = g.state
	g.state = s
}

func (g *Graph) mappingDone() bool {
	for i, t := range g.mapping {
		if t >= 0 && t != i/2 {
			return false
		}
	}
	return true
}

func (g *Graph) commitLine(b *strings.Builder) {
	seen := false
	for i := 0; i <= len(g.cols); i++ {
		var h plumbing.Hash
		if i == len(g.cols) {
			if seen {
				break
			}
			h = g.commit
		} else {
			h = g.cols[i]
		}
		switch {
		case h == g.commit && !seen:
			seen = true
			b.WriteByte('*')
		case seen && len(g.parents) == 2 && g.prevState == statePostMerge && g.prevIdx < i:
			// The lines right of a merge just shown were drawn leaning
			// right; keep them leaning so the picture stays joined.
			b.WriteByte('\\')
		default:
			b.WriteByte('|')
		}
		b.WriteByte(' ')
	}
	switch {
	case len(g.parents) > 1:
		g.setState(statePostMerge)
	case g.mappingDone():
		g.setState(statePadding)
	default:
		g.setState(stateCollapsing)
	}
}

func (g *Graph) postMergeLine(b *strings.Builder) {
	seen := false
	for i := 0; i <= len(g.cols); i++ {
		var h plumbing.Hash
		if i == len(g.cols) {
			if seen {
				break
			}
			h = g.commit
		} else {
			h = g.cols[i]
		}
		switch {
		case h == g.commit && !seen:
			seen = true
			b.WriteByte('|')
			for range g.parents[1:] {
				b.WriteString("\\ ")
			}
		case seen:
			b.WriteString("\\ ")
		default:
			b.WriteString("| ")
		}
	}
	if g.mappingDone() {
		g.setState(statePadding)
	} else {
		g.setState(stateCollapsing)
	}
}

// collapsingLine moves every line that is not yet in place one position to
// the left ("/"), joining lines that lead to the same column.
func (g *Graph) collapsingLine(b *strings.Builder) {
	next := make([]int, len(g.mapping))
	for i := range next {
		next[i] = -1
	}
	for i, t := range g.mapping {
		if t < 0 {
			continue
		}
		switch {
		case 2*t == i:
			next[i] = t
		case next[i-1] < 0:
			next[i-1] = t
		case next[i-1] == t:
			// Joins the line already there.
		default:
			// Crosses a line on its way left: jump over it.
			if i >= 2 {
				next[i-2] = t
			}
		}
	}
	if len(next) > 0 && next[len(next)-1] < 0 {
		next = next[:len(next)-1]
	}
	for i, t := range next {
		switch {
		case t < 0:
			b.WriteByte(' ')
		case 2*t == i:
			b.WriteByte('|')
		default:
			b.WriteByte('/')
		}
	}
	g.mapping = next
	if g.mappingDone() {
		g.setState(statePadding)
	}
}

func (g *Graph) paddingLine(b *strings.Builder) {
	if !g.haveCommits {
		return
	}
	for range g.newCols {
		b.WriteString("| ")
	}
}
