package repo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Date modes of --date, named as git names them.
var dateModes = map[string]string{
	"": "default", "default": "default", "iso": "iso", "iso8601": "iso",
	"iso-strict": "iso-strict", "iso8601-strict": "iso-strict", "rfc": "rfc", "rfc2822": "rfc",
	"short": "short", "unix": "unix", "raw": "raw", "relative": "relative",
}

// CheckDateMode returns the canonical name of a --date mode.
func CheckDateMode(mode string) (string, error) {
	m, ok := dateModes[mode]
	if !ok {
		return "", fmt.Errorf("unknown date format %q (default, iso, iso-strict, rfc, short, unix, raw or relative)", mode)
	}
	return m, nil
}

// FormatDate prints t in a --date mode, in the time zone recorded with it;
// now is needed for "relative".
func FormatDate(t time.Time, mode string, now time.Time) string {
	switch mode {
	case "iso":
		return t.Format("2006-01-02 15:04:05 -0700")
	case "iso-strict":
		return t.Format("2006-01-02T15:04:05-07:00")
	case "rfc":
		return t.Format("Mon, 2 Jan 2006 15:04:05 -0700")
	case "short":
		return t.Format("2006-01-02")
	case "unix":
		return strconv.FormatInt(t.Unix(), 10)
	case "raw":
		return strconv.FormatInt(t.Unix(), 10) + " " + t.Format("-0700")
	case "relative":
		return RelativeDate(t, now)
	}
	return FormatGitDate(t)
}

// RelativeDate is git's show_date_relative: "5 minutes ago", "3 weeks
// ago", "2 years, 4 months ago", with git's rounding at each step.
func RelativeDate(t, now time.Time) string {
	if now.Before(t) {
		return "in the future"
	}
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.FormatInt(n, 10) + " " + unit + "s"
	}
	diff := int64(now.Sub(t) / time.Second)
	if diff < 90 {
		return plural(diff, "second") + " ago"
	}
	diff = (diff + 30) / 60
	if diff < 90 {
		return plural(diff, "minute") + " ago"
	}
	diff = (diff + 30) / 60
	if diff < 36 {
		return plural(diff, "hour") + " ago"
	}
	diff = (diff + 12) / 24
	if diff < 14 {
		return plural(diff, "day") + " ago"
	}
	if diff < 70 {
		return plural((diff+3)/7, "week") + " ago"
	}
	if diff < 365 {
		return plural((diff+15)/30, "month") + " ago"
	}
	if diff < 1825 {
		total := (diff*12*2 + 365) / (365 * 2)
		years, months := total/12, total%12
		if months > 0 {
			return plural(years, "year") + ", " + plural(months, "month") + " ago"
		}
		return plural(years, "year") + " ago"
	}
	return plural((diff+183)/365, "year") + " ago"
}

// Body is the message after the subject paragraph and the blank lines
// that follow it, as git's %b prints it.
func Body(msg string) string {
	lines := strings.SplitAfter(msg, "\n")
	i := 0
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
		i++
	}
	for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
		i++
	}
	return strings.Join(lines[i:], "")
}

// namedColors are the %C<name> and %C(<name>) colours of git's formats.
var namedColors = map[string]string{
	"red": "\x1b[31m", "green": "\x1b[32m", "yellow": "\x1b[33m", "blue": "\x1b[34m",
	"magenta": "\x1b[35m", "cyan": "\x1b[36m", "white": "\x1b[37m", "bold": "\x1b[1m",
	"dim": "\x1b[2m", "ul": "\x1b[4m", "reset": "\x1b[m", "normal": "",
}

// FormatUser expands a --format string for c: git's placeholders for ids
// (%H %h %T %t %P %p), people and dates (%an %ae %aN %aE %ad %aD %ai %aI %at %as
// %ar, the same with c for the committer), the message (%s %b %B), refs
// (%d %D), %n, %%, %x<hex> and colours (%Cred, %C(yellow)...; printed only
// when f.Color). Unknown placeholders are printed as they are, as git does.
func FormatUser(c *object.Commit, format string, f CommitFormat) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' || i+1 >= len(format) {
			b.WriteByte(ch)
			continue
		}
		n := expandPlaceholder(&b, c, format[i+1:], f)
		if n == 0 {
			b.WriteByte('%')
			continue
		}
		i += n
	}
	return b.String()
}

// expandPlaceholder writes the placeholder at the start of p (after the
// '%') and returns how many bytes it used; 0 when it is not one.
func expandPlaceholder(b *strings.Builder, c *object.Commit, p string, f CommitFormat) int {
	short := func(h plumbing.Hash) string { return f.Abbrev.ShortID(h) }
	switch p[0] {
	case '%':
		b.WriteByte('%')
		return 1
	case 'n':
		b.WriteByte('\n')
		return 1
	case 'H':
		b.WriteString(c.Hash.String())
		return 1
	case 'h':
		b.WriteString(short(c.Hash))
		return 1
	case 'T':
		b.WriteString(c.TreeHash.String())
		return 1
	case 't':
		b.WriteString(short(c.TreeHash))
		return 1
	case 'P', 'p':
		for i, h := range c.ParentHashes {
			if i > 0 {
				b.WriteByte(' ')
			}
			if p[0] == 'P' {
				b.WriteString(h.String())
			} else {
				b.WriteString(short(h))
			}
		}
		return 1
	case 's':
		b.WriteString(Subject(c.Message))
		return 1
	case 'b':
		b.WriteString(Body(c.Message))
		return 1
	case 'B':
		b.WriteString(c.Message)
		return 1
	case 'd', 'D':
		if d := f.Decorations[c.Hash]; len(d) > 0 {
			if p[0] == 'd' {
				b.WriteString(" (" + strings.Join(d, ", ") + ")")
			} else {
				b.WriteString(strings.Join(d, ", "))
			}
		}
		return 1
	case 'x':
		if len(p) >= 3 {
			if v, err := strconv.ParseUint(p[1:3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				return 3
			}
		}
		return 0
	case 'a', 'c':
		if len(p) < 2 {
			return 0
		}
		who := c.Author
		if p[0] == 'c' {
			who = c.Committer
		}
		switch p[1] {
		case 'n':
			b.WriteString(who.Name)
		case 'e':
			b.WriteString(who.Email)
		case 'N':
			name, _ := f.Mailmap.Map(who.Name, who.Email)
			b.WriteString(name)
		case 'E':
			_, email := f.Mailmap.Map(who.Name, who.Email)
			b.WriteString(email)
		case 'd':
			b.WriteString(FormatDate(who.When, f.Date, f.Now))
		case 'D':
			b.WriteString(FormatDate(who.When, "rfc", f.Now))
		case 'i':
			b.WriteString(FormatDate(who.When, "iso", f.Now))
		case 'I':
			b.WriteString(FormatDate(who.When, "iso-strict", f.Now))
		case 't':
			b.WriteString(FormatDate(who.When, "unix", f.Now))
		case 's':
			b.WriteString(FormatDate(who.When, "short", f.Now))
		case 'r':
			b.WriteString(FormatDate(who.When, "relative", f.Now))
		default:
			return 0
		}
		return 2
	case 'C':
		name, used := "", 0
		if strings.HasPrefix(p, "C(") {
			end := strings.IndexByte(p, ')')
			if end < 0 {
				return 0
			}
			name, used = strings.TrimPrefix(p[2:end], "auto,"), end+1
		} else {
			for _, n := range []string{"red", "green", "blue", "reset"} {
				if strings.HasPrefix(p[1:], n) {
					name, used = n, 1+len(n)
				}
			}
		}
		seq, ok := namedColors[name]
		if !ok {
			return 0
		}
		if f.Color {
			b.WriteString(seq)
		}
		return used
	}
	return 0
}
