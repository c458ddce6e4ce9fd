package patch

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"easel.dev/easel/merge/linediff"
)

// WSRule is a set of git's whitespace checks (core.whitespace and the
// whitespace attribute), with the tab width in its low six bits, laid out
// as git's WS_* bits.
type WSRule uint

const (
	WSBlankAtEOL      WSRule = 0100
	WSSpaceBeforeTab  WSRule = 0200
	WSIndentWithNoTab WSRule = 0400
	WSCRAtEOL         WSRule = 01000
	WSBlankAtEOF      WSRule = 02000
	WSTabInIndent     WSRule = 04000
	WSTrailingSpace          = WSBlankAtEOL | WSBlankAtEOF
	wsTabWidthMask    WSRule = 077
	// WSDefault is git's rule when nothing is configured.
	WSDefault = WSTrailingSpace | WSSpaceBeforeTab | 8
)

var wsRuleNames = []struct {
	name    string
	bits    WSRule
	loosens bool // cr-at-eol relaxes a check rather than adding one
	noAll   bool // not part of "whitespace" set as an attribute
}{
	{"trailing-space", WSTrailingSpace, false, false},
	{"space-before-tab", WSSpaceBeforeTab, false, false},
	{"indent-with-non-tab", WSIndentWithNoTab, false, false},
	{"cr-at-eol", WSCRAtEOL, true, false},
	{"blank-at-eol", WSBlankAtEOL, false, false},
	{"blank-at-eof", WSBlankAtEOF, false, false},
	{"tab-in-indent", WSTabInIndent, false, true},
}

// ParseWSRule reads a core.whitespace value (or a whitespace attribute's
// text) as git's parse_whitespace_rule: comma-separated names, "-" before
// one turns it off, tabwidth=<n> sets the tab width; unknown names are
// ignored.
func ParseWSRule(s string) (WSRule, error) {
	rule := WSDefault
	for _, part := range strings.Split(s, ",") {
		part = strings.Trim(part, " \t\n\r")
		neg := strings.HasPrefix(part, "-")
		part = strings.TrimPrefix(part, "-")
		if part == "" {
			continue
		}
		if v, ok := strings.CutPrefix(part, "tabwidth="); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 63 {
				return 0, fmt.Errorf("tabwidth %s out of range", v)
			}
			rule = rule&^wsTabWidthMask | WSRule(n)
			continue
		}
		for _, r := range wsRuleNames {
			if !strings.HasPrefix(r.name, part) {
				continue
			}
			if neg {
				rule &^= r.bits
			} else {
				rule |= r.bits
			}
			break
		}
	}
	if rule&WSTabInIndent != 0 && rule&WSIndentWithNoTab != 0 {
		return 0, fmt.Errorf("cannot enforce both tab-in-indent and indent-with-non-tab")
	}
	return rule, nil
}

// WSRuleAll is the rule of a path whose whitespace attribute is set: every
// check but cr-at-eol and tab-in-indent.
func WSRuleAll() WSRule {
	rule := WSRule(8)
	for _, r := range wsRuleNames {
		if !r.loosens && !r.noAll {
			rule |= r.bits
		}
	}
	return rule
}

func (r WSRule) tabWidth() int { return int(r & wsTabWidthMask) }

// wsErrorString names the errors found, as git's whitespace_error_string.
func wsErrorString(ws WSRule) string {
	var parts []string
	if ws&WSTrailingSpace == WSTrailingSpace {
		parts = append(parts, "trailing whitespace")
	} else {
		if ws&WSBlankAtEOL != 0 {
			parts = append(parts, "trailing whitespace")
		}
		if ws&WSBlankAtEOF != 0 {
			parts = append(parts, "new blank line at EOF")
		}
	}
	if ws&WSSpaceBeforeTab != 0 {
		parts = append(parts, "space before tab in indent")
	}
	if ws&WSIndentWithNoTab != 0 {
		parts = append(parts, "indent with spaces")
	}
	if ws&WSTabInIndent != 0 {
		parts = append(parts, "tab in indent")
	}
	return strings.Join(parts, ", ")
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// wsCheck finds the whitespace errors of one line (its "\n" included) as
// git's ws_check_emit; with out set it also writes the line there, errors
// painted in ws and the rest in set.
func wsCheck(line string, rule WSRule, out *bytes.Buffer, set, reset, ws string) WSRule {
	var result WSRule
	written, trailing := 0, -1
	newline, cr := false, false
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		newline = true
		n--
	}
	if rule&WSCRAtEOL != 0 && n > 0 && line[n-1] == '\r' {
		cr = true
		n--
	}
	if rule&WSBlankAtEOL != 0 {
		for i := n - 1; i >= 0 && isSpace(line[i]); i-- {
			trailing = i
			result |= WSBlankAtEOL
		}
	}
	if trailing == -1 {
		trailing = n
	}
	i := 0
	for ; i < trailing; i++ {
		if line[i] == ' ' {
			continue
		}
		if line[i] != '\t' {
			break
		}
		switch {
		case rule&WSSpaceBeforeTab != 0 && written < i:
			result |= WSSpaceBeforeTab
			if out != nil {
				out.WriteString(ws + line[written:i] + reset + line[i:i+1])
			}
		case rule&WSTabInIndent != 0:
			result |= WSTabInIndent
			if out != nil {
				out.WriteString(line[written:i] + ws + line[i:i+1] + reset)
			}
		case out != nil:
			out.WriteString(line[written : i+1])
		}
		written = i + 1
	}
	if rule&WSIndentWithNoTab != 0 && i-written >= rule.tabWidth() {
		result |= WSIndentWithNoTab
		if out != nil {
			out.WriteString(ws + line[written:i] + reset)
		}
		written = i
	}
	if out != nil {
		if trailing-written > 0 {
			out.WriteString(set + line[written:trailing] + reset)
		}
		if trailing != n {
			out.WriteString(ws + line[trailing:n] + reset)
		}
		if cr {
			out.WriteByte('\r')
		}
		if newline {
			out.WriteByte('\n')
		}
	}
	return result
}

// isConflictMarker says whether line starts with a conflict marker of
// size characters followed by white space, as git's is_conflict_marker.
func isConflictMarker(line string, size int) bool {
	if len(line) < size+1 {
		return false
	}
	switch c := line[0]; c {
	case '=', '>', '<', '|':
		for i := 1; i < size; i++ {
			if line[i] != c {
				return false
			}
		}
		return isSpace(line[size])
	}
	return false
}

// countTrailingBlank counts the blank lines at the end of lines.
func countTrailingBlank(lines []string) int {
	n := 0
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.TrimLeft(lines[i], " \t\n\v\f\r") != "" {
			break
		}
		n++
	}
	return n
}

// CheckOptions are what diff --check needs beyond the change.
type CheckOptions struct {
	Rule       WSRule
	MarkerSize int // conflict markers' length (git's default 7)
	Color      bool
	Algorithm  linediff.Algorithm
}

// Check writes the whitespace errors and leftover conflict markers that
// p's new side brings in, as git diff --check: "<path>:<line>: <what>."
// and the offending line. It reports whether there were any. A binary
// new side is not checked.
func Check(w io.Writer, p FilePatch, o CheckOptions) (bool, error) {
	if !p.To.Exists() || p.To.Binary || IsBinary(content(p.To)) {
		return false, nil
	}
	if p.From.Exists() && p.To.Exists() && p.From.Hash == p.To.Hash && !p.From.Hash.IsZero() {
		return false, nil
	}
	name := p.From.Path
	if !p.From.Exists() || p.Renamed() || p.Unrelated {
		name = p.To.Path
	}
	set, reset, ws := "", "", ""
	if o.Color {
		set, reset, ws = colorNew, colorReset, "\x1b[41m"
	}
	marker := o.MarkerSize
	if marker <= 0 {
		marker = 7
	}
	a, b := SplitLines(content(p.From)), SplitLines(content(p.To))
	var buf bytes.Buffer
	failed := false
	for _, e := range LineEdits(a, b, o.Algorithm) {
		for j := e.B0; j < e.B1; j++ {
			line := b[j]
			if isConflictMarker(line, marker) {
				failed = true
				fmt.Fprintf(&buf, "%s:%d: leftover conflict marker\n", name, j+1)
			}
			bad := wsCheck(line, o.Rule, nil, "", "", "")
			if bad == 0 {
				continue
			}
			failed = true
			fmt.Fprintf(&buf, "%s:%d: %s.\n", name, j+1, wsErrorString(bad))
			buf.WriteString(set + "+" + reset)
			wsCheck(line, o.Rule, &buf, set, reset, ws)
			if !strings.HasSuffix(line, "\n") {
				buf.WriteByte('\n')
			}
		}
	}
	if o.Rule&WSBlankAtEOF != 0 {
		if l1, l2 := countTrailingBlank(a), countTrailingBlank(b); l2 > l1 {
			failed = true
			fmt.Fprintf(&buf, "%s:%d: %s.\n", name, len(b)-l2+1, wsErrorString(WSBlankAtEOF))
		}
	}
	_, err := w.Write(buf.Bytes())
	return failed, err
}
