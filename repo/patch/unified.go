// Package patch prints differences between versions of files the way git
// does: unified diffs with git's headers, --stat, --name-only and
// --name-status. It only formats: callers hand it the two sides of each
// file, already loaded.
package patch

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/merge/rename"
)

// Side is one version of a file. Mode 0 means the file does not exist on
// this side. Data is needed only for patches and stats.
type Side struct {
	Path string
	Mode filemode.FileMode
	Hash plumbing.Hash
	Data []byte
	// Binary marks contents known to be binary without being loaded:
	// Data stays nil and Size is the length. A binary diff needs no more,
	// and a large binary file need not be held in memory to say so.
	Binary bool
	Size   int64
	// Dirty marks a submodule (Mode 160000) whose own work tree has
	// changes: git shows its commit with "-dirty" after it.
	Dirty bool
}

// size is the length of the side's contents.
func (s Side) size() int64 {
	if s.Binary {
		return s.Size
	}
	return int64(len(content(s)))
}

// isBinary says whether p is a binary change: either side has a NUL in its
// first 8000 bytes, as git decides.
func (p FilePatch) isBinary() bool {
	return p.From.Binary || p.To.Binary || IsBinary(content(p.From)) || IsBinary(content(p.To))
}

// Exists reports whether the file exists on this side.
func (s Side) Exists() bool { return s.Mode != 0 }

// FilePatch is a change to one path, or a rename when both sides exist
// under different paths.
type FilePatch struct {
	From, To Side
	Score    int // a rename's similarity, on git's scale of 60000
	// Unrelated marks two files compared by diff --no-index: different
	// names make no rename.
	Unrelated bool
	// Copy marks a rename whose source is still there: a copy (status
	// C, "copy from"), as git's -C finds them.
	Copy bool
	// FuncName, when set, is the diff driver's hunk-header rule
	// (diff.<driver>.xfuncname): the text to show for a line, or false.
	FuncName func(line string) (string, bool)
}

// Renamed reports whether p moves a file to another path.
func (p FilePatch) Renamed() bool {
	return p.From.Exists() && p.To.Exists() && p.From.Path != p.To.Path && !p.Unrelated
}

// Similarity is the percentage git prints for a rename.
func (p FilePatch) Similarity() int { return rename.Percent(p.Score) }

// Path is the path the change is listed under.
func (p FilePatch) Path() string {
	if p.To.Exists() {
		return p.To.Path
	}
	return p.From.Path
}

// Status is the git letter for the change: A, D, M, R (renamed) or T
// (type change).
func (p FilePatch) Status() byte {
	switch {
	case !p.From.Exists():
		return 'A'
	case !p.To.Exists():
		return 'D'
	case p.Renamed() && p.Copy:
		return 'C'
	case p.Renamed():
		return 'R'
	case p.From.Mode.IsFile() != p.To.Mode.IsFile() || (p.From.Mode == filemode.Symlink) != (p.To.Mode == filemode.Symlink):
		return 'T'
	}
	return 'M'
}

// Options control unified output.
type Options struct {
	Context   int                        // lines of context (git's default is 3)
	Color     bool                       // ANSI colours as git's defaults
	Abbrev    func(plumbing.Hash) string // shortens ids on index lines (nil: 7 digits)
	Algorithm linediff.Algorithm
	// SrcPrefix and DstPrefix go before the paths of the two sides
	// ("a/" and "b/" when empty), as git's diff options of that name.
	SrcPrefix, DstPrefix string
	Ignore               Ignore // differences left out (-w, -b, -I, ...)

	funcName func(line string) (string, bool) // the patch's FuncName
}

const (
	colorMeta  = "\x1b[1m"
	colorFrag  = "\x1b[36m"
	colorOld   = "\x1b[31m"
	colorNew   = "\x1b[32m"
	colorReset = "\x1b[m"
)

// BinaryProbe is how much of a file git looks at to decide it is binary.
const BinaryProbe = 8000

// IsBinary is git's test: a NUL byte in the first 8000 bytes.
func IsBinary(data []byte) bool {
	if len(data) > BinaryProbe {
		data = data[:BinaryProbe]
	}
	return bytes.IndexByte(data, 0) >= 0
}

// content is what gets diffed: file data, or for a submodule the line
// git shows for it.
func content(s Side) []byte {
	if !s.Exists() {
		return nil
	}
	if s.Mode == filemode.Submodule {
		if s.Dirty {
			return []byte("Subproject commit " + s.Hash.String() + "-dirty\n")
		}
		return []byte("Subproject commit " + s.Hash.String() + "\n")
	}
	return s.Data
}

// SplitLines cuts data into lines that keep their "\n" (the last line may
// lack one), so that "x" and "x\n" differ as git's diff says they do.
func SplitLines(data []byte) []string { return linediff.SplitLines(data) }

// Edit is a change between line ranges, after git's normalisation.
// Ignore marks a change that --ignore-blank-lines or -I may leave out.
type Edit struct {
	A0, A1, B0, B1 int
	Ignore         bool
}

// LineEdits diffs two line lists and slides the changes as git does.
func LineEdits(a, b []string, alg linediff.Algorithm) []Edit {
	return compactEdits(a, b, linediff.Diff(a, b, alg))
}

// compactEdits applies git's sliding rules to any valid diff of a and b.
func compactEdits(a, b []string, hunks []linediff.Hunk) []Edit {
	if len(hunks) == 0 {
		return nil
	}
	ca, cb := linediff.SlideMarks(a, b, hunks, true)
	return marksToEdits(ca, cb, len(a), len(b))
}

// marksToEdits turns change marks (one entry longer than each side) into
// edits: unchanged lines pair up in order.
func marksToEdits(ca, cb []bool, na, nb int) []Edit {
	var edits []Edit
	i, j := 0, 0
	for i < na || j < nb {
		if !ca[i] && !cb[j] {
			i++
			j++
			continue
		}
		e := Edit{A0: i, B0: j}
		for i < na && ca[i] {
			i++
		}
		for j < nb && cb[j] {
			j++
		}
		e.A1, e.B1 = i, j
		edits = append(edits, e)
	}
	return edits
}

// Counts returns the lines added and deleted, as --stat counts them; for
// binary files the byte sizes of the two sides instead.
func Counts(p FilePatch, alg linediff.Algorithm) (added, deleted int, binary bool) {
	return CountsWith(p, Options{Context: 3, Algorithm: alg})
}

// CountsWith is Counts under o's algorithm and ignored differences: git's
// --stat counts the lines of the hunks it would print.
func CountsWith(p FilePatch, o Options) (added, deleted int, binary bool) {
	if p.From.Exists() && p.To.Exists() && p.From.Hash == p.To.Hash {
		// A pure rename or mode change, or a submodule dirty at its
		// recorded commit: git counts nothing, even for binary files.
		return 0, 0, p.isBinary()
	}
	if p.isBinary() {
		return int(p.To.size()), int(p.From.size()), true
	}
	a, b := content(p.From), content(p.To)
	edits := o.edits(SplitLines(a), SplitLines(b))
	for _, h := range groupHunks(edits, o.Context) {
		for _, e := range edits[h.first : h.last+1] {
			added += e.B1 - e.B0
			deleted += e.A1 - e.A0
		}
	}
	return added, deleted, false
}

func (o Options) abbrev(h plumbing.Hash) string {
	if o.Abbrev != nil {
		return o.Abbrev(h)
	}
	return h.String()[:7]
}

// WriteUnified prints p as git diff does. Unchanged files print nothing.
func WriteUnified(w io.Writer, p FilePatch, o Options) error {
	return writeUnified(w, p, o, nil)
}

// writeUnified prints p; edits, when not nil, replace the line diff (tests
// feed git's own).
func writeUnified(w io.Writer, p FilePatch, o Options, edits []Edit) error {
	o.funcName = p.FuncName
	if p.From.Exists() && p.To.Exists() && p.From.Hash == p.To.Hash && p.From.Mode == p.To.Mode && !p.Renamed() && !p.To.Dirty {
		return nil
	}
	var b bytes.Buffer
	meta := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		if o.Color {
			b.WriteString(colorMeta + line + colorReset + "\n")
		} else {
			b.WriteString(line + "\n")
		}
	}
	from, to := p.From.Path, p.To.Path
	if !p.From.Exists() {
		from = to
	}
	if !p.To.Exists() {
		to = from
	}
	src, dst := o.SrcPrefix, o.DstPrefix
	if src == "" {
		src = "a/"
	}
	if dst == "" {
		dst = "b/"
	}
	aName, bName := QuotePath(src+from), QuotePath(dst+to)
	meta("diff --git %s %s", aName, bName)
	typeChange := p.Status() == 'T'
	if typeChange {
		// git shows a type change as a deletion and an addition.
		if err := writeUnified(w, FilePatch{From: p.From}, o, nil); err != nil {
			return err
		}
		return writeUnified(w, FilePatch{To: p.To}, o, nil)
	}
	switch {
	case !p.From.Exists():
		meta("new file mode %o", uint32(p.To.Mode))
	case !p.To.Exists():
		meta("deleted file mode %o", uint32(p.From.Mode))
	case p.From.Mode != p.To.Mode:
		meta("old mode %o", uint32(p.From.Mode))
		meta("new mode %o", uint32(p.To.Mode))
	}
	if p.Renamed() {
		meta("similarity index %d%%", p.Similarity())
		verb := "rename"
		if p.Copy {
			verb = "copy"
		}
		meta("%s from %s", verb, QuotePath(from))
		meta("%s to %s", verb, QuotePath(to))
	}
	sameContent := p.From.Exists() && p.To.Exists() && p.From.Hash == p.To.Hash
	if sameContent && !p.To.Dirty {
		_, err := w.Write(b.Bytes())
		return err
	}
	oldHash, newHash := plumbing.ZeroHash, plumbing.ZeroHash
	if p.From.Exists() {
		oldHash = p.From.Hash
	}
	if p.To.Exists() {
		newHash = p.To.Hash
	}
	switch {
	case sameContent:
		// A submodule at its recorded commit with changes of its own:
		// git prints no index line.
	case p.From.Exists() && p.To.Exists() && p.From.Mode == p.To.Mode:
		meta("index %s..%s %o", o.abbrev(oldHash), o.abbrev(newHash), uint32(p.To.Mode))
	default:
		meta("index %s..%s", o.abbrev(oldHash), o.abbrev(newHash))
	}
	if p.isBinary() {
		an, bn := aName, bName
		if !p.From.Exists() {
			an = "/dev/null"
		}
		if !p.To.Exists() {
			bn = "/dev/null"
		}
		fmt.Fprintf(&b, "Binary files %s and %s differ\n", an, bn)
		_, err := w.Write(b.Bytes())
		return err
	}
	al, bl := SplitLines(content(p.From)), SplitLines(content(p.To))
	if edits == nil {
		edits = o.edits(al, bl)
	}
	hunks := groupHunks(edits, o.Context)
	if len(hunks) == 0 && o.Ignore.Active() {
		// Every change is ignored: git prints the header only when it
		// says something of its own (a new, deleted or renamed file, a
		// mode change), and nothing else.
		if !p.From.Exists() || !p.To.Exists() || p.From.Mode != p.To.Mode || p.Renamed() {
			_, err := w.Write(b.Bytes())
			return err
		}
		return nil
	}
	if len(edits) == 0 {
		// An empty file added or removed: headers only.
		_, err := w.Write(b.Bytes())
		return err
	}
	if p.From.Exists() {
		meta("--- %s", aName)
	} else {
		meta("--- /dev/null")
	}
	if p.To.Exists() {
		meta("+++ %s", bName)
	} else {
		meta("+++ /dev/null")
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return err
	}
	b.Reset()
	writeHunks(&b, w, al, bl, edits, hunks, o)
	_, err := w.Write(b.Bytes())
	return err
}

// writeHunks prints the hunks as xdiff's xdl_emit_diff does, context
// lines taken from the new side (they differ from the old one only in
// what the options ignore), flushing b to w now and then so a huge diff is
// not held whole in memory.
func writeHunks(b *bytes.Buffer, w io.Writer, a, bl []string, edits []Edit, hunks []hunk, o Options) {
	ctx := max(o.Context, 0)
	fn := funcFinder{lines: a, prevSearch: -1, match: o.funcName}
	for _, h := range hunks {
		first, last := edits[h.first], edits[h.last]
		s1, s2 := max(first.A0-ctx, 0), max(first.B0-ctx, 0)
		lctx := min(ctx, len(a)-last.A1, len(bl)-last.B1)
		e1, e2 := last.A1+lctx, last.B1+lctx
		header := "@@ -" + rangeSpec(s1, e1-s1) + " +" + rangeSpec(s2, e2-s2) + " @@"
		funcLine := fn.before(s1)
		if o.Color {
			b.WriteString(colorFrag + header + colorReset)
		} else {
			b.WriteString(header)
		}
		if funcLine != "" {
			b.WriteString(" " + funcLine)
		}
		b.WriteByte('\n')
		for ; s2 < first.B0; s2++ {
			writeLine(b, ' ', bl[s2], "", o.Color)
		}
		s1, s2 = first.A0, first.B0
		for _, e := range edits[h.first : h.last+1] {
			for ; s1 < e.A0 && s2 < e.B0; s1, s2 = s1+1, s2+1 {
				writeLine(b, ' ', bl[s2], "", o.Color)
			}
			for x := e.A0; x < e.A1; x++ {
				writeLine(b, '-', a[x], colorOld, o.Color)
			}
			for x := e.B0; x < e.B1; x++ {
				writeLine(b, '+', bl[x], colorNew, o.Color)
			}
			s1, s2 = e.A1, e.B1
		}
		for ; s2 < e2; s2++ {
			writeLine(b, ' ', bl[s2], "", o.Color)
		}
		if b.Len() > 1<<16 {
			w.Write(b.Bytes())
			b.Reset()
		}
	}
}

// rangeSpec is "start,count" with git's conventions: 1-based start, the
// count left out when it is 1, and an empty range named by the line
// before it.
func rangeSpec(start, count int) string {
	if count == 0 {
		return strconv.Itoa(start) + ",0"
	}
	if count == 1 {
		return strconv.Itoa(start + 1)
	}
	return strconv.Itoa(start+1) + "," + strconv.Itoa(count)
}

func writeLine(b *bytes.Buffer, sign byte, line, color string, useColor bool) {
	text := strings.TrimSuffix(line, "\n")
	if useColor && color != "" {
		b.WriteString(color)
		b.WriteByte(sign)
		b.WriteString(text)
		b.WriteString(colorReset)
	} else {
		b.WriteByte(sign)
		b.WriteString(text)
	}
	b.WriteByte('\n')
	if !strings.HasSuffix(line, "\n") {
		b.WriteString("\\ No newline at end of file\n")
	}
}

// funcFinder finds the text git prints after a hunk header: the nearest
// line above the hunk that starts with a letter, '_' or '$' (git's rule
// when no diff driver is configured), cut to 80 bytes. Like git it searches
// only down to where the previous search started and otherwise keeps the
// line it found last time.
type funcFinder struct {
	lines      []string
	prevSearch int
	last       string
	match      func(string) (string, bool) // a diff driver's rule, or nil
}

func (f *funcFinder) before(start int) string {
	for l := start - 1; l > f.prevSearch && l >= 0; l-- {
		s := f.lines[l]
		if f.match != nil {
			if m, ok := f.match(s); ok {
				f.last = m
				break
			}
			continue
		}
		if s == "" {
			continue
		}
		c := s[0]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '$' {
			if len(s) > 80 {
				s = s[:80]
			}
			f.last = strings.TrimRight(s, " \t\n\r\v\f")
			break
		}
	}
	f.prevSearch = start - 1
	return f.last
}
