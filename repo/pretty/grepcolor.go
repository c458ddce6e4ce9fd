package pretty

import (
	"regexp"
	"strings"
)

// GrepColor colours, in the built-in multi-line formats, what log's
// --author, --committer and --grep patterns match: the people lines and
// the message lines, as git's append_line_with_color.
type GrepColor struct {
	Authors, Committers, Grep []*regexp.Regexp
	// Selected colours the rest of a line that matched (none by
	// default), Match the matches (bold red by default).
	Selected, Match string
}

// color returns s with the matches of res coloured; s unchanged when
// none matches.
func (g *GrepColor) color(s string, res []*regexp.Regexp) string {
	if g == nil || len(res) == 0 {
		return s
	}
	var b strings.Builder
	pos := 0
	for pos <= len(s) {
		// As git's grep_next_match: the leftmost match of any pattern,
		// the longest of those, not anchored at the line's start
		// once past it.
		start, end := -1, -1
		for _, re := range res {
			for _, m := range re.FindAllStringIndex(s, -1) {
				if m[0] < pos {
					continue
				}
				if start < 0 || m[0] < start || m[0] == start && m[1] > end {
					start, end = m[0], m[1]
				}
				break
			}
		}
		if start < 0 || start == end {
			break
		}
		addColored(&b, g.Selected, s[pos:start])
		addColored(&b, g.Match, s[start:end])
		pos = end
	}
	if pos == 0 {
		return s
	}
	addColored(&b, g.Selected, s[pos:])
	return b.String()
}

// addColored is git's strbuf_add_with_color: the text between the colour
// and a reset, when there is a colour.
func addColored(b *strings.Builder, color, text string) {
	if color == "" {
		b.WriteString(text)
		return
	}
	b.WriteString(color)
	b.WriteString(text)
	b.WriteString("\x1b[m")
}

// colorBody colours the message lines of an indented body.
func (g *GrepColor) colorBody(body, indent string) string {
	if g == nil || len(g.Grep) == 0 {
		return body
	}
	lines := strings.SplitAfter(body, "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, indent); ok {
			text := strings.TrimSuffix(rest, "\n")
			lines[i] = indent + g.color(text, g.Grep) + rest[len(text):]
		}
	}
	return strings.Join(lines, "")
}
