// Package trailer holds git's trailer rules: where a message's trailer
// block starts, commit --signoff (git's trailer.c and sequencer.c
// append_signoff) and the %(trailers) placeholder of log formats.
package trailer

import "strings"

// ScissorsLine is git's cut line: everything from it on is dropped.
const ScissorsLine = "# ------------------------ >8 ------------------------"

// IgnoreNonTrailer is the length of the tail of msg that is not part of the
// message proper: trailing comment and blank lines, an old-style
// "Conflicts:" block, and everything from the scissors line on.
func IgnoreNonTrailer(msg string) int {
	cutoff := len(msg)
	if i := strings.Index(msg, ScissorsLine+"\n"); i == 0 || i > 0 && msg[i-1] == '\n' {
		cutoff = i
	}
	boc, inConflicts := -1, false
	for bol := 0; bol < cutoff; {
		next := strings.IndexByte(msg[bol:], '\n')
		if next < 0 {
			next = len(msg)
		} else {
			next += bol + 1
		}
		switch {
		case msg[bol] == '#' || msg[bol] == '\n':
			if boc < 0 {
				boc = bol
			}
		case strings.HasPrefix(msg[bol:], "Conflicts:\n"):
			inConflicts = true
			if boc < 0 {
				boc = bol
			}
		case inConflicts && msg[bol] == '\t':
		case boc >= 0:
			boc, inConflicts = -1, false
		}
		bol = next
	}
	if boc >= 0 {
		return len(msg) - boc
	}
	return len(msg) - cutoff
}

// trailerStart finds where the trailer block of msg begins (len(msg) when
// there is none): the last paragraph after the title whose lines are all
// trailers ("Token: value", continuation lines indented), or that holds a
// line git generates (Signed-off-by, cherry picked from) and at least 25%
// trailers.
func trailerStart(msg string, configured []string) int {
	lines := strings.SplitAfter(msg, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	offs := make([]int, len(lines)+1)
	for i, l := range lines {
		offs[i+1] = offs[i] + len(l)
	}
	endTitle := len(lines)
	for i, l := range lines {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if strings.TrimSpace(l) == "" {
			endTitle = i
			break
		}
	}
	onlySpaces := true
	recognized := false
	trailers, nonTrailers, cont := 0, 0, 0
	for i := len(lines) - 1; i >= endTitle; i-- {
		l := lines[i]
		if strings.HasPrefix(l, "#") {
			nonTrailers += cont
			cont = 0
			continue
		}
		if strings.TrimSpace(l) == "" {
			if onlySpaces {
				continue
			}
			nonTrailers += cont
			if recognized && trailers*3 >= nonTrailers || trailers > 0 && nonTrailers == 0 {
				return offs[i+1]
			}
			return len(msg)
		}
		onlySpaces = false
		if strings.HasPrefix(l, "Signed-off-by: ") || strings.HasPrefix(l, "(cherry picked from commit ") {
			trailers++
			cont = 0
			recognized = true
			continue
		}
		if sep := findSeparator(l); sep >= 1 && l[0] != ' ' && l[0] != '\t' {
			trailers++
			cont = 0
			tok := strings.TrimSpace(l[:sep])
			for _, c := range configured {
				if strings.EqualFold(tok, c) {
					recognized = true
				}
			}
		} else if l[0] == ' ' || l[0] == '\t' {
			cont++
		} else {
			nonTrailers += 1 + cont
			cont = 0
		}
	}
	return len(msg)
}

// findSeparator is the position of the ':' after a trailer token, or -1.
func findSeparator(l string) int {
	ws := false
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c == ':' {
			return i
		}
		if !ws && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			continue
		}
		if i > 0 && (c == ' ' || c == '\t') {
			ws = true
			continue
		}
		break
	}
	return -1
}

// AppendSignoff adds sob ("Signed-off-by: Name <email>") to msg as git
// commit -s does: into the trailer block, after a blank line when there is
// none, and not again when it is already the last trailer. ignore is the
// length of msg's tail to leave after it (IgnoreNonTrailer).
func AppendSignoff(msg string, ignore int, sob string, configured []string) string {
	sob += "\n"
	body, tail := msg[:len(msg)-ignore], msg[len(msg)-ignore:]
	if ignore == 0 && body != "" && !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	footer := 0 // git's has_conforming_footer: 0 none, 1 footer, 2 has sob, 3 sob is last
	if body == sob {
		footer = 3
	} else if start := trailerStart(body, configured); start < len(body) {
		footer = 1
		var last string
		for _, l := range strings.SplitAfter(body[start:], "\n") {
			if l == "" || l[0] == ' ' || l[0] == '\t' || strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
				continue
			}
			last = l
			if strings.HasPrefix(l, sob) {
				footer = 2
			}
		}
		if strings.HasPrefix(last, sob) {
			footer = 3
		}
	}
	if footer == 0 {
		switch {
		case len(body) == 0:
			body = "\n\n"
		case len(body) == 1:
			body += "\n"
		case body[len(body)-2] != '\n':
			body += "\n"
		}
	}
	if footer != 3 {
		body += sob
	}
	return body + tail
}

// Format are the options of git's %(trailers:...) placeholder.
type Format struct {
	Only, Unfold       bool
	Keys               []string // only trailers with one of these tokens (any case)
	Separator          *string  // between trailers instead of each ending with "\n"
	KeyValueSeparator  *string  // instead of ": "
	KeyOnly, ValueOnly bool
}

// trailerLines splits the trailer block of a commit message into its
// trailers, continuation lines joined to the trailer they continue; each
// keeps its newlines.
func trailerLines(msg string) (block string, items []string) {
	msg = msg[:len(msg)-IgnoreNonTrailer(msg)]
	block = msg[trailerStart(msg, nil):]
	last := -1
	for _, l := range strings.SplitAfter(block, "\n") {
		if l == "" {
			continue
		}
		if last >= 0 && (l[0] == ' ' || l[0] == '\t') {
			items[last] += l
			continue
		}
		items = append(items, l)
		last = -1
		if findSeparator(l) >= 1 {
			last = len(items) - 1
		}
	}
	return block, items
}

// FormatBlock prints the trailers of a commit message as git's
// %(trailers) does: the block as it is without options, otherwise one
// trailer at a time, filtered, unfolded and separated as o says.
func FormatBlock(msg string, o Format) string {
	block, items := trailerLines(msg)
	if !o.Only && !o.Unfold && o.Keys == nil && o.Separator == nil && !o.KeyOnly && !o.ValueOnly && o.KeyValueSeparator == nil {
		return block
	}
	var b strings.Builder
	for _, t := range items {
		sep := findSeparator(t)
		if sep < 1 {
			if o.Only {
				continue
			}
			if o.Separator != nil && b.Len() > 0 {
				b.WriteString(*o.Separator)
			}
			b.WriteString(t)
			if o.Separator != nil {
				s := strings.TrimRight(b.String(), " \t\n\r\v\f")
				b.Reset()
				b.WriteString(s)
			}
			continue
		}
		tok := strings.TrimSpace(t[:sep])
		val := strings.TrimSpace(t[sep+1:])
		if o.Keys != nil {
			match := false
			for _, k := range o.Keys {
				if strings.EqualFold(k, tok) {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		if o.Unfold {
			val = unfoldValue(val)
		}
		if o.Separator != nil && b.Len() > 0 {
			b.WriteString(*o.Separator)
		}
		if !o.ValueOnly {
			b.WriteString(tok)
		}
		if !o.KeyOnly && !o.ValueOnly {
			if o.KeyValueSeparator != nil {
				b.WriteString(*o.KeyValueSeparator)
			} else {
				b.WriteString(": ")
			}
		}
		if !o.KeyOnly {
			b.WriteString(val)
		}
		if o.Separator == nil {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// unfoldValue joins a folded trailer value onto one line.
func unfoldValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); {
		c := v[i]
		i++
		if c == '\n' {
			for i < len(v) && strings.IndexByte(" \t\n\r\v\f", v[i]) >= 0 {
				i++
			}
			b.WriteByte(' ')
			continue
		}
		b.WriteByte(c)
	}
	return strings.TrimSpace(b.String())
}
