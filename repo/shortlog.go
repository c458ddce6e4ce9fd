package repo

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/pretty"
	"easel.dev/easel/repo/trailer"
)

// Shortlog summarizes commits by person, as git shortlog: each commit is
// counted under every group it belongs to (its author, its committer, the
// people of its trailers, what a format gives), once per distinct name,
// and its subject listed under each.
type Shortlog struct {
	// Email shows "Name <email>" rather than the name alone.
	Email bool
	// Summary counts the commits only; Numbered sorts by count
	// (largest first) rather than by name.
	Summary, Numbered bool
	// Wrap wraps the subjects at Width columns, the first line
	// indented by Indent1 and the others by Indent2 (git's -w).
	Wrap                    bool
	Width, Indent1, Indent2 int
	// Author and Committer group by those people; Trailers by the
	// people (or values) of these trailer keys; Formats by what each
	// format gives for the commit.
	Author, Committer bool
	Trailers          []string
	Formats           []string
	// UserFormat, when set, replaces the subject by what this format
	// gives (git's --format with shortlog).
	UserFormat string
	// Format formats the people (mailmap applied) and subjects.
	Format pretty.CommitFormat

	entries map[string]*shortlogEntry
}

type shortlogEntry struct {
	count    int
	onelines []string
}

// formats are the groups as formats, in git's order: those given with
// --group=format: first, then the author's and the committer's.
func (s *Shortlog) formats() []string {
	out := append([]string(nil), s.Formats...)
	if s.Author {
		if s.Email {
			out = append(out, "%aN <%aE>")
		} else {
			out = append(out, "%aN")
		}
	}
	if s.Committer {
		if s.Email {
			out = append(out, "%cN <%cE>")
		} else {
			out = append(out, "%cN")
		}
	}
	return out
}

func (s *Shortlog) needsDedup() bool { return len(s.formats()) > 1 || len(s.Trailers) > 0 }

// isSpace is C's isspace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// shortlogSubject is the line git shortlog lists for a commit: leading
// blanks and a "[PATCH...]" prefix dropped, the first paragraph on one
// line.
func shortlogSubject(oneline string) string {
	i := 0
	for i < len(oneline) && isSpace(oneline[i]) {
		i++
	}
	oneline = oneline[i:]
	eol := strings.IndexByte(oneline, '\n')
	if eol < 0 {
		eol = len(oneline)
	}
	if strings.HasPrefix(oneline, "[PATCH") {
		if eob := strings.IndexByte(oneline, ']'); eob >= 0 && eob < eol {
			oneline = oneline[eob+1:]
		}
	}
	i = 0
	for i < len(oneline) && isSpace(oneline[i]) && oneline[i] != '\n' {
		i++
	}
	oneline = oneline[i:]
	// git's format_subject: lines up to the first blank one, their
	// trailing blanks dropped, joined by a space.
	var b strings.Builder
	first := true
	for oneline != "" {
		line := oneline
		if nl := strings.IndexByte(oneline, '\n'); nl >= 0 {
			line, oneline = oneline[:nl], oneline[nl+1:]
		} else {
			oneline = ""
		}
		end := len(line)
		for end > 0 && isSpace(line[end-1]) {
			end--
		}
		if end == 0 {
			break
		}
		if !first {
			b.WriteByte(' ')
		}
		b.WriteString(line[:end])
		first = false
	}
	return b.String()
}

func (s *Shortlog) insert(ident, oneline string) {
	if s.entries == nil {
		s.entries = map[string]*shortlogEntry{}
	}
	e := s.entries[ident]
	if e == nil {
		e = &shortlogEntry{}
		s.entries[ident] = e
	}
	e.count++
	if !s.Summary {
		e.onelines = append(e.onelines, shortlogSubject(oneline))
	}
}

// mapIdent is git's parse_ident for shortlog: "Name <email>" mapped
// through the mailmap, shown as the name (and address with Email); false
// when s is no identity.
func (s *Shortlog) mapIdent(v string) (string, bool) {
	lt := strings.IndexByte(v, '<')
	if lt < 0 {
		return "", false
	}
	gt := strings.IndexByte(v[lt+1:], '>')
	if gt < 0 {
		return "", false
	}
	sig := gitobj.ParseSignature(v)
	name, email := sig.Name, sig.Email
	if s.Format.Mailmap != nil {
		name, email = s.Format.Mailmap.Map(name, email)
	}
	if s.Email {
		return name + " <" + email + ">", true
	}
	return name, true
}

// Add counts commit c.
func (s *Shortlog) Add(c *gitobj.Commit) {
	c = CommitToUTF8(c)
	oneline := ""
	if !s.Summary {
		if s.UserFormat != "" {
			oneline = pretty.FormatUser(c, s.UserFormat, s.Format)
		} else {
			oneline = pretty.Subject(c.Message)
		}
	}
	if oneline == "" {
		oneline = "<none>"
	}
	dups := map[string]bool{}
	if len(s.Trailers) > 0 {
		kv := "\x00"
		block := trailer.FormatBlock(c.Message, trailer.Format{Only: true, Unfold: true, KeyValueSeparator: &kv})
		for _, line := range strings.Split(block, "\n") {
			key, value, ok := strings.Cut(line, "\x00")
			if !ok {
				continue
			}
			keep := false
			for _, k := range s.Trailers {
				if strings.EqualFold(k, key) {
					keep = true
				}
			}
			if !keep {
				continue
			}
			if id, ok := s.mapIdent(value); ok {
				value = id
			}
			if dups[value] {
				continue
			}
			dups[value] = true
			s.insert(value, oneline)
		}
	}
	dedup := s.needsDedup()
	for _, f := range s.formats() {
		ident := pretty.FormatUser(c, f, s.Format)
		if dedup {
			if dups[ident] {
				continue
			}
			dups[ident] = true
		}
		s.insert(ident, oneline)
	}
}

// ReadLog counts the commits of git log's output read from r (what git
// shortlog does with its standard input): each "Author: " (or "author ")
// line, or "Commit: " (or "committer ") when grouping by committer, and
// the first line of the message after it.
func (s *Shortlog) ReadLog(r io.Reader) error {
	// Kinds of group, as git's bits: all trailers are one, all formats
	// another.
	groups := 0
	for _, on := range []bool{s.Author, s.Committer, len(s.Trailers) > 0, len(s.Formats) > 0} {
		if on {
			groups++
		}
	}
	if groups > 1 {
		return fmt.Errorf("using multiple --group options with stdin is not supported")
	}
	if len(s.Trailers) > 0 {
		return fmt.Errorf("using --group=trailer with stdin is not supported")
	}
	if len(s.Formats) > 0 {
		return fmt.Errorf("using --group=format with stdin is not supported")
	}
	match := [2]string{"Author: ", "author "}
	if s.Committer {
		match = [2]string{"Commit: ", "committer "}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<26)
	next := func() (string, bool) {
		if !sc.Scan() {
			return "", false
		}
		return sc.Text(), true
	}
	for {
		line, ok := next()
		if !ok {
			break
		}
		var v string
		switch {
		case strings.HasPrefix(line, match[0]):
			v = line[len(match[0]):]
		case strings.HasPrefix(line, match[1]):
			v = line[len(match[1]):]
		default:
			continue
		}
		oneline := ""
		for {
			l, ok := next()
			if !ok || l == "" {
				break
			}
		}
		for {
			l, ok := next()
			oneline = l
			if !ok || l != "" {
				break
			}
		}
		ident, ok := s.mapIdent(v)
		if !ok {
			continue
		}
		s.insert(ident, oneline)
	}
	return sc.Err()
}

// Write prints the summary as git shortlog does.
func (s *Shortlog) Write(w io.Writer) error {
	names := make([]string, 0, len(s.entries))
	for k := range s.entries {
		names = append(names, k)
	}
	sort.Strings(names)
	if s.Numbered {
		sort.SliceStable(names, func(i, j int) bool { return s.entries[names[i]].count > s.entries[names[j]].count })
	}
	var buf strings.Builder
	bw := bufio.NewWriter(&buf)
	for _, name := range names {
		e := s.entries[name]
		if s.Summary {
			fmt.Fprintf(bw, "%6d\t%s\n", e.count, name)
			continue
		}
		fmt.Fprintf(bw, "%s (%d):\n", name, len(e.onelines))
		for j := len(e.onelines) - 1; j >= 0; j-- {
			msg := e.onelines[j]
			if s.Wrap {
				var sb strings.Builder
				pretty.WrapText(&sb, msg, s.Indent1, s.Indent2, s.Width)
				sb.WriteByte('\n')
				bw.WriteString(sb.String())
			} else {
				fmt.Fprintf(bw, "      %s\n", msg)
			}
		}
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	out := buf.String()
	if s.Format.Encoding != "" {
		out = EncodeLogOutput(out, s.Format.Encoding)
	}
	_, err := io.WriteString(w, out)
	return err
}
