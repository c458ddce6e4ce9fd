package repo

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"easel.dev/easel/repo/gitobj"
)

// CommitFilter is git log's commit limiting by content: --author,
// --committer, --grep (with --all-match and --invert-grep), --until,
// --merges and --no-merges. Commits it rejects are not shown, but the walk
// goes on through them.
type CommitFilter struct {
	// Authors and Committers match "Name <email>"; a commit must match
	// one of the Authors (if any) and one of the Committers (if any).
	Authors, Committers []*regexp.Regexp
	// Grep patterns match the message: one is enough, all with AllMatch.
	// InvertGrep keeps the commits whose message does not match.
	Grep       []*regexp.Regexp
	AllMatch   bool
	InvertGrep bool
	// Until hides commits committed after it (zero: no limit).
	Until time.Time
	// MinParents and MaxParents (0: no limit) select merges (2, 0) or
	// non-merges (0, 1).
	MinParents, MaxParents int
	// Mailmap, when set, maps author and committer before they are
	// matched, as git log does with log.mailmap.
	Mailmap *Mailmap
}

// LogFilterOptions are git log's commit limiting options, as given.
type LogFilterOptions struct {
	// Authors, Committers and Greps are --author, --committer and
	// --grep patterns; AllMatch, InvertGrep and IgnoreCase are
	// --all-match, --invert-grep and -i.
	Authors, Committers, Greps       []string
	AllMatch, InvertGrep, IgnoreCase bool
	// PatternType is the last of -E, -F, -P and --basic-regexp given
	// (Pattern*), "" to let grep.patternType decide.
	PatternType string
	// Since and Until are --since and --until, read by ParseApproxDate.
	Since, Until     string
	Merges, NoMerges bool
}

// LogPatternType is how --author, --committer and --grep patterns read:
// explicit (the last of -E, -F, -P and --basic-regexp) when given, else
// grep.patternType, else grep.extendedRegexp, else POSIX basic, as git's
// grep configuration.
func (r *Repository) LogPatternType(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if v, ok, _ := r.ConfigGet("grep.patternType"); ok && v != "default" {
		switch v {
		case PatternBasic, PatternExtended, PatternFixed, PatternPerl:
			return v, nil
		}
		return "", fmt.Errorf("invalid value for 'grep.patterntype': '%s'", v)
	}
	if r.ConfigBool("grep.extendedRegexp", false) {
		return PatternExtended, nil
	}
	return PatternBasic, nil
}

// NewLogFilter builds the commit filter and the --since cut-off of o,
// its patterns read as patternType says (LogPatternType), its dates
// relative to now. Patterns and dates that cannot be read are
// LogOptionErrors.
func NewLogFilter(o LogFilterOptions, patternType string, now time.Time) (*CommitFilter, time.Time, error) {
	f := &CommitFilter{AllMatch: o.AllMatch, InvertGrep: o.InvertGrep}
	for _, group := range []struct {
		pats []string
		into *[]*regexp.Regexp
	}{{o.Authors, &f.Authors}, {o.Committers, &f.Committers}, {o.Greps, &f.Grep}} {
		for _, p := range group.pats {
			re, err := CompileLogPattern(p, o.IgnoreCase, patternType)
			if err != nil {
				return nil, time.Time{}, &LogOptionError{Msg: err.Error()}
			}
			*group.into = append(*group.into, re)
		}
	}
	if o.Merges {
		f.MinParents = 2
	}
	if o.NoMerges {
		f.MaxParents = 1
	}
	var since time.Time
	var err error
	if o.Since != "" {
		if since, err = ParseApproxDate(o.Since, now); err != nil {
			return nil, time.Time{}, &LogOptionError{Msg: err.Error()}
		}
	}
	if o.Until != "" {
		if f.Until, err = ParseApproxDate(o.Until, now); err != nil {
			return nil, time.Time{}, &LogOptionError{Msg: err.Error()}
		}
	}
	return f, since, nil
}

// Empty says whether the filter keeps every commit.
func (f *CommitFilter) Empty() bool {
	return f == nil || len(f.Authors)+len(f.Committers)+len(f.Grep) == 0 && f.Until.IsZero() && f.MinParents == 0 && f.MaxParents == 0
}

// Match says whether c is shown.
func (f *CommitFilter) Match(c *gitobj.Commit) bool {
	if f.Empty() {
		return true
	}
	n := len(c.ParentHashes)
	if n < f.MinParents || f.MaxParents > 0 && n > f.MaxParents {
		return false
	}
	if !f.Until.IsZero() && c.Committer.When.After(f.Until) {
		return false
	}
	an, ae := c.Author.Name, c.Author.Email
	cn, ce := c.Committer.Name, c.Committer.Email
	if f.Mailmap != nil {
		an, ae = f.Mailmap.Map(an, ae)
		cn, ce = f.Mailmap.Map(cn, ce)
	}
	if !matchAny(f.Authors, an+" <"+ae+">") || !matchAny(f.Committers, cn+" <"+ce+">") {
		return false
	}
	if len(f.Grep) == 0 {
		return true
	}
	matched := f.AllMatch
	for _, re := range f.Grep {
		hit := re.MatchString(c.Message)
		if f.AllMatch && !hit {
			matched = false
			break
		}
		if !f.AllMatch && hit {
			matched = true
			break
		}
	}
	return matched != f.InvertGrep
}

// matchAny is true for no patterns, or when one matches s.
func matchAny(res []*regexp.Regexp, s string) bool {
	if len(res) == 0 {
		return true
	}
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// Pattern types of git's grep.patternType and log's -G, -E, -F and -P.
const (
	PatternBasic    = "basic"
	PatternExtended = "extended"
	PatternFixed    = "fixed"
	PatternPerl     = "perl"
)

// CompileLogPattern compiles a --author/--committer/--grep pattern of the
// given type (PatternBasic when ""), matched on each line: POSIX basic
// (git's default, where "(", "|" and "+" are plain characters unless
// escaped), extended and Perl-compatible patterns read with Go's syntax,
// which is theirs for the common cases, or plain text.
func CompileLogPattern(p string, ignoreCase bool, patternType string) (*regexp.Regexp, error) {
	expr := p
	switch patternType {
	case PatternFixed:
		expr = regexp.QuoteMeta(p)
	case PatternExtended, PatternPerl:
	default:
		expr = basicToGo(p)
	}
	flags := "(?m)"
	if ignoreCase {
		flags = "(?mi)"
	}
	re, err := regexp.Compile(flags + expr)
	if err != nil {
		return nil, fmt.Errorf("bad pattern %q: %v", p, err)
	}
	return re, nil
}

// basicToGo rewrites a POSIX basic regular expression (with GNU's \|, \+
// and \?) as Go's syntax: escaped ( ) { } | + ? become operators, bare ones
// plain characters, a "*" that starts an expression a plain star, and \<
// and \> word boundaries. Bracket expressions are kept as written.
func basicToGo(p string) string {
	var b strings.Builder
	start := true // at the start of an expression, where "*" is literal
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			i++
			switch d := p[i]; d {
			case '(', ')', '{', '}', '|', '+', '?':
				b.WriteByte(d)
				start = d == '(' || d == '|'
				continue
			case '<', '>':
				b.WriteString(`\b`)
			default:
				b.WriteByte('\\')
				b.WriteByte(d)
			}
		case c == '(' || c == ')' || c == '{' || c == '}' || c == '|' || c == '+' || c == '?':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '*' && start:
			b.WriteString(`\*`)
		case c == '[':
			// Copy the bracket expression whole: "]" right after "[" or
			// "[^" belongs to it, as do "[:class:]" items.
			j := i + 1
			if j < len(p) && p[j] == '^' {
				j++
			}
			if j < len(p) && p[j] == ']' {
				j++
			}
			for j < len(p) && p[j] != ']' {
				if p[j] == '[' && j+1 < len(p) && (p[j+1] == ':' || p[j+1] == '.' || p[j+1] == '=') {
					if k := strings.Index(p[j+2:], string(p[j+1])+"]"); k >= 0 {
						j += k + 4
						continue
					}
				}
				j++
			}
			if j >= len(p) {
				b.WriteString(`\[`)
				break
			}
			// A backslash is a plain character there, not Go's escape.
			b.WriteString(strings.ReplaceAll(p[i:j+1], `\`, `\\`))
			i = j
		default:
			b.WriteByte(c)
		}
		start = c == '^' && i == 0
	}
	return b.String()
}

// ParseApproxDate reads the dates --since and --until take: ISO dates with
// or without a time ("2024-05-01", "2024-05-01 13:00", RFC 3339) and "@<unix
// seconds>"; anything else is read word by word as git's approxidate reads
// it (approxidateWords: "now", "yesterday", "3 days ago", "2.weeks.ago",
// "noon yesterday", "the 12th of october 1979"). Times without a zone are
// local, as in git.
func ParseApproxDate(s string, now time.Time) (time.Time, error) {
	orig := strings.TrimSpace(s)
	s = strings.ToLower(orig)
	if rest, ok := strings.CutPrefix(s, "@"); ok {
		n, err := strconv.ParseInt(rest, 10, 64)
		if err == nil {
			return time.Unix(n, 0), nil
		}
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05 -0700", "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, orig, now.Location()); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02", "2006/01/02", "2006.01.02"} {
		if d, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			// A date alone keeps the current time of day, as git's
			// approxidate does: scripts written against git get the
			// same commits.
			return time.Date(d.Year(), d.Month(), d.Day(), now.Hour(), now.Minute(), now.Second(), 0, now.Location()), nil
		}
	}
	if t, ok := approxidateWords(s, now); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot read date %q (try 2024-05-01, \"2024-05-01 13:00\", @1714560000 or \"2 weeks ago\")", s)
}
