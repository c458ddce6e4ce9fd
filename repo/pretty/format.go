// Package pretty prints commits as git's log, show and friends do: the
// built-in formats (oneline, short, medium, full, fuller, raw), the
// placeholders of --format, dates, and the text measuring and wrapping
// they need. It knows nothing of repositories or the command line: ids
// are shortened and people mapped through the interfaces it is given.
package pretty

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
)

// GitDateLayout is git's default date format; each date is shown in the
// time zone recorded with it.
const GitDateLayout = "Mon Jan 2 15:04:05 2006 -0700"

// FormatGitDate prints t as git log does by default.
func FormatGitDate(t time.Time) string { return t.Format(GitDateLayout) }

// Decorations maps commit ids to the ref names pointing at them, already in
// display form ("HEAD -> main", "tag: v1").
type Decorations map[plumbing.Hash][]string

// Abbreviator shortens object ids (repo.Abbreviator).
type Abbreviator interface {
	ShortID(plumbing.Hash) string
}

// Mailmap maps a recorded name and email to canonical ones
// (repo.Mailmap); a nil Mailmap field maps nothing.
type Mailmap interface {
	Map(name, email string) (string, string)
}

// mapPerson applies f's mailmap, if any.
func (f *CommitFormat) mapPerson(name, email string) (string, string) {
	if f.Mailmap == nil {
		return name, email
	}
	return f.Mailmap.Map(name, email)
}

// CommitFormat controls how commits are printed.
type CommitFormat struct {
	Abbrev      Abbreviator
	Decorations Decorations
	// Color, when set, wraps the "commit <id>" line in yellow as git does.
	Color bool
	// Date is the --date mode (see CheckDateMode); Now is what "relative"
	// dates count back from.
	Date string
	Now  time.Time
	// FullID prints whole ids in the oneline format (--pretty=oneline).
	FullID bool
	// AbbrevCommit abbreviates the id of the "commit" line of the
	// multi-line formats (--abbrev-commit).
	AbbrevCommit bool
	// Mailmap maps the people of the %aN, %aE, %cN and %cE placeholders
	// (always, as git does) and, with UseMailmap (git's log.mailmap), the
	// author the medium format shows.
	Mailmap    Mailmap
	UseMailmap bool
	// GraphWidth is the columns --graph draws left of the text, which
	// %<|(N) counts.
	GraphWidth int
	// Encoding is the log output encoding ("" for UTF-8), see
	// LogOutputEncoding.
	Encoding string
	// Source is the name of the revision the commit was reached from
	// (%S), printed after the id too with ShowSource (--source);
	// Parents, when not nil, are printed after the id (--parents).
	Source     string
	ShowSource bool
	Parents    []plumbing.Hash
	// From is the parent a merge's changes that follow are against
	// (--diff-merges=separate), printed as "(from <id>)" after the id.
	From plumbing.Hash
	// Describe, when set, expands %(describe[:options]): options are the
	// text after "describe:" ("" for none); ok is false when nothing
	// describes the commit.
	Describe func(c plumbing.Hash, options string) (string, bool)
	// Grep, when set, colours what log's patterns matched (see GrepColor).
	Grep *GrepColor
}

// idExtras is what git prints after a commit's id in the built-in formats:
// the parents under --parents (shortened as the id is), then the reset of
// the id's colour, then a tab and the source under --source.
func idExtras(f CommitFormat, full bool) string {
	var b strings.Builder
	for _, p := range f.Parents {
		if full {
			b.WriteString(" " + p.String())
		} else {
			b.WriteString(" " + f.Abbrev.ShortID(p))
		}
	}
	if !f.From.IsZero() {
		if full {
			b.WriteString(" (from " + f.From.String() + ")")
		} else {
			b.WriteString(" (from " + f.Abbrev.ShortID(f.From) + ")")
		}
	}
	if f.Color {
		b.WriteString("\x1b[m")
	}
	if f.ShowSource && f.Source != "" {
		b.WriteString("\t" + f.Source)
	}
	return b.String()
}

// WriteCommitMedium writes a commit in git's "medium" format: commit line,
// Merge: line for merges, Author, Date, a blank line and the message
// indented by four spaces. No blank line follows.
func WriteCommitMedium(w io.Writer, c *gitobj.Commit, f CommitFormat) error {
	return WriteCommitPretty(w, c, f, "medium")
}

// WriteCommitPretty writes a commit in one of git's multi-line formats:
// "short" (author and title), "medium" (author, date and message), "full"
// (author, committer and message), "fuller" (both with dates) or "raw"
// (the commit's headers as stored).
func WriteCommitPretty(w io.Writer, c *gitobj.Commit, f CommitFormat, kind string) error {
	var b strings.Builder
	if f.Color {
		b.WriteString("\x1b[33m")
	}
	if f.AbbrevCommit {
		b.WriteString("commit " + f.Abbrev.ShortID(c.Hash))
	} else {
		b.WriteString("commit " + c.Hash.String())
	}
	b.WriteString(idExtras(f, !f.AbbrevCommit))
	if d := f.Decorations[c.Hash]; len(d) > 0 {
		b.WriteString(decorate(d, f.Color))
	}
	b.WriteByte('\n')
	if kind == "raw" {
		b.WriteString("tree " + c.TreeHash.String() + "\n")
		for _, p := range c.ParentHashes {
			b.WriteString("parent " + p.String() + "\n")
		}
		b.WriteString("author " + rawSignature(c.Author) + "\n")
		b.WriteString("committer " + rawSignature(c.Committer) + "\n")
		// As git's logmsg_reencode: the header names the output
		// encoding, and goes when that is UTF-8.
		if c.Encoding != "UTF-8" && f.Encoding != "" {
			b.WriteString("encoding " + f.Encoding + "\n")
		}
	} else {
		if len(c.ParentHashes) > 1 {
			b.WriteString("Merge:")
			for _, p := range c.ParentHashes {
				b.WriteString(" " + f.Abbrev.ShortID(p))
			}
			b.WriteByte('\n')
		}
		who := func(s gitobj.Signature) string {
			name, email := s.Name, s.Email
			if f.UseMailmap {
				name, email = f.mapPerson(name, email)
			}
			return name + " <" + email + ">"
		}
		person := func(s gitobj.Signature) string {
			if f.Grep != nil {
				return f.Grep.color(who(s), f.Grep.Authors)
			}
			return who(s)
		}
		committer := func(s gitobj.Signature) string {
			if f.Grep != nil {
				return f.Grep.color(who(s), f.Grep.Committers)
			}
			return who(s)
		}
		switch kind {
		case "fuller":
			b.WriteString("Author:     " + person(c.Author) + "\n")
			b.WriteString("AuthorDate: " + FormatDate(c.Author.When, f.Date, f.Now) + "\n")
			b.WriteString("Commit:     " + committer(c.Committer) + "\n")
			b.WriteString("CommitDate: " + FormatDate(c.Committer.When, f.Date, f.Now) + "\n")
		case "full":
			b.WriteString("Author: " + person(c.Author) + "\n")
			b.WriteString("Commit: " + committer(c.Committer) + "\n")
		case "short":
			b.WriteString("Author: " + person(c.Author) + "\n")
		default:
			b.WriteString("Author: " + person(c.Author) + "\n")
			b.WriteString("Date:   " + FormatDate(c.Author.When, f.Date, f.Now) + "\n")
		}
	}
	msg := c.Message
	if kind == "short" {
		// Only the title paragraph, as git's pp_remainder stops at the
		// first blank line for this format.
		msg = titleParagraph(msg)
	}
	// As git: an empty message leaves no blank line after the header.
	if body := IndentMessage(msg, "    "); body != "" {
		b.WriteByte('\n')
		b.WriteString(f.Grep.colorBody(body, "    "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// rawSignature is a person line as the commit stores it.
func rawSignature(s gitobj.Signature) string {
	return s.Name + " <" + s.Email + "> " + strconv.FormatInt(s.When.Unix(), 10) + " " + s.When.Format("-0700")
}

// titleParagraph is msg's first paragraph, leading blank lines dropped.
func titleParagraph(msg string) string {
	lines := strings.SplitAfter(msg, "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	j := i
	for j < len(lines) && strings.TrimSpace(lines[j]) != "" {
		j++
	}
	return strings.Join(lines[i:j], "")
}

// WriteCommitOneline writes "<abbrev> <subject>\n".
func WriteCommitOneline(w io.Writer, c *gitobj.Commit, f CommitFormat) error {
	var b strings.Builder
	if f.Color {
		b.WriteString("\x1b[33m")
	}
	if f.FullID {
		b.WriteString(c.Hash.String())
	} else {
		b.WriteString(f.Abbrev.ShortID(c.Hash))
	}
	b.WriteString(idExtras(f, f.FullID))
	if d := f.Decorations[c.Hash]; len(d) > 0 {
		b.WriteString(decorate(d, f.Color))
	}
	b.WriteByte(' ')
	b.WriteString(Subject(c.Message))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

func decorate(names []string, color bool) string {
	if !color {
		return " (" + strings.Join(names, ", ") + ")"
	}
	return "\x1b[33m (" + strings.Join(names, "\x1b[33m, ") + "\x1b[33m)\x1b[m"
}

// Subject is the first paragraph of a message on one line, as git's
// --oneline and %s print it.
func Subject(msg string) string {
	// Line by line without splitting the whole message: log --oneline
	// calls this for every commit of the history, and most subjects are
	// one line, returned as a slice of the message.
	line, rest, more := "", msg, true
	for {
		if !more {
			return ""
		}
		line, rest, more = strings.Cut(rest, "\n")
		if strings.TrimSpace(line) != "" {
			break
		}
	}
	subject := strings.TrimRight(line, " \t\r")
	var b *strings.Builder
	for more {
		line, rest, more = strings.Cut(rest, "\n")
		l := strings.TrimRight(line, " \t\r")
		if strings.TrimSpace(l) == "" {
			break
		}
		if b == nil {
			b = &strings.Builder{}
			b.WriteString(subject)
		}
		b.WriteByte(' ')
		b.WriteString(l)
	}
	if b != nil {
		return b.String()
	}
	return subject
}

// IndentMessage prints a message as git's medium format does: leading and
// trailing blank lines dropped, tabs expanded to 8 columns, each line
// prefixed with indent (whitespace-only lines become the bare indent).
func IndentMessage(msg, indent string) string {
	lines := strings.Split(msg, "\n")
	start, end := 0, len(lines)
	for start < end && strings.TrimSpace(lines[start]) == "" {
		start++
	}
	for end > start && strings.TrimSpace(lines[end-1]) == "" {
		end--
	}
	var b strings.Builder
	for _, l := range lines[start:end] {
		// As git's pp_remainder: trailing blanks of each line go.
		b.WriteString(indent)
		b.WriteString(expandTabs(strings.TrimRight(l, " \t\n\v\f\r")))
		b.WriteByte('\n')
	}
	return b.String()
}

func expandTabs(s string) string {
	if !strings.Contains(s, "\t") {
		return s
	}
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		// Continuation bytes of a multibyte rune do not take a column;
		// ranging over runes counts each character once.
		col++
	}
	return b.String()
}

// CommitJSON is the --json form of a commit.
type CommitJSON struct {
	ID        string        `json:"id"`
	Parents   []string      `json:"parents"`
	Tree      string        `json:"tree"`
	Author    SignatureJSON `json:"author"`
	Committer SignatureJSON `json:"committer"`
	Message   string        `json:"message"`
}

// SignatureJSON is a person and a time; Date is RFC 3339 in the recorded
// time zone.
type SignatureJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
	Date  string `json:"date"`
}

// NewCommitJSON converts c for --json output.
func NewCommitJSON(c *gitobj.Commit) CommitJSON {
	parents := make([]string, 0, len(c.ParentHashes))
	for _, p := range c.ParentHashes {
		parents = append(parents, p.String())
	}
	sig := func(s gitobj.Signature) SignatureJSON {
		return SignatureJSON{Name: s.Name, Email: s.Email, Date: s.When.Format(time.RFC3339)}
	}
	return CommitJSON{
		ID: c.Hash.String(), Parents: parents, Tree: c.TreeHash.String(),
		Author: sig(c.Author), Committer: sig(c.Committer), Message: c.Message,
	}
}
