package pretty

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/trailer"
)

// Date modes of --date, named as git names them.
// Built on first use rather than when the program starts.
var dateModes = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"": "default", "default": "default", "iso": "iso", "iso8601": "iso",
		"iso-strict": "iso-strict", "iso8601-strict": "iso-strict", "rfc": "rfc", "rfc2822": "rfc",
		"short": "short", "unix": "unix", "raw": "raw", "relative": "relative", "human": "human",
	}
})

// CheckDateMode returns the canonical name of a --date mode.
func CheckDateMode(mode string) (string, error) {
	if strings.HasPrefix(mode, "format:") {
		return mode, nil
	}
	m, ok := dateModes()[mode]
	if !ok {
		return "", fmt.Errorf("unknown date format %q (default, iso, iso-strict, rfc, short, unix, raw, relative or human)", mode)
	}
	return m, nil
}

// FormatDate prints t in a --date mode, in the time zone recorded with it;
// now is needed for "relative".
func FormatDate(t time.Time, mode string, now time.Time) string {
	if f, ok := strings.CutPrefix(mode, "format:"); ok {
		return strftime(t, f)
	}
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
	case "human":
		return HumanDate(t, now)
	}
	return FormatGitDate(t)
}

// HumanDate is git's --date=human: relative for today, else git's
// default format with what the reader knows left out: the year when it is
// this year's, the date for the last few days of this month (weekday and
// time only), the time and weekday for other years, seconds always and
// the zone when it is the reader's or the date is shown.
func HumanDate(t, now time.Time) string {
	now = now.Local()
	_, tz := t.Zone()
	_, humanTZ := now.Zone()
	hideTZ := tz == humanTZ
	hideYear := t.Year() == now.Year()
	hideDate, hideWday := false, false
	if hideYear && t.Month() == now.Month() {
		switch {
		case t.Day() > now.Day():
			// A future date: think of time zones.
		case t.Day() == now.Day():
			hideDate, hideWday = true, true
		case t.Day()+5 > now.Day():
			hideDate = true
		}
	}
	if hideWday {
		return RelativeDate(t, now)
	}
	hideTZ = hideTZ || !hideDate
	hideWday = !hideYear
	hideTime := !hideYear
	var b strings.Builder
	if !hideWday {
		b.WriteString(t.Format("Mon") + " ")
	}
	if !hideDate {
		b.WriteString(t.Format("Jan") + " " + strconv.Itoa(t.Day()) + " ")
	}
	s := b.String()
	if !hideTime {
		s += t.Format("15:04")
	} else {
		s = strings.TrimRight(s, " ")
	}
	if !hideYear {
		s += " " + strconv.Itoa(t.Year())
	}
	if !hideTZ {
		s += " " + t.Format("-0700")
	}
	return s
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
// Built on first use rather than when the program starts.
var namedColors = sync.OnceValue(func() map[string]string {
	return map[string]string{
		"red": "\x1b[31m", "green": "\x1b[32m", "yellow": "\x1b[33m", "blue": "\x1b[34m",
		"magenta": "\x1b[35m", "cyan": "\x1b[36m", "white": "\x1b[37m", "bold": "\x1b[1m",
		"dim": "\x1b[2m", "ul": "\x1b[4m", "reset": "\x1b[m", "normal": "",
	}
})

// FormatUser expands a --format string for c: git's placeholders for ids
// (%H %h %T %t %P %p), people and dates (%an %ae %aN %aE %ad %aD %ai %aI %at %as
// %ar, the same with c for the committer), the message (%s %f %b %B %e), refs
// (%d %D), %n, %%, %x<hex>, colours (%Cred, %C(yellow)...; printed only
// when f.Color), padding and truncation of the next placeholder (%<(N),
// %<|(N), %>(N), %>>(N), %><(N), with ,trunc ,ltrunc or ,mtrunc), wrapping
// (%w(width,indent1,indent2)) and the "%+x", "%-x", "% x" forms that add a
// newline or space before a non-empty expansion or drop newlines before an
// empty one. Unknown placeholders are printed as they are, as git does.
func FormatUser(c *gitobj.Commit, format string, f CommitFormat) string {
	u := userFormat{c: c, f: &f}
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' || i+1 >= len(format) {
			u.b.WriteByte(ch)
			continue
		}
		n := u.item(format[i+1:])
		if n == 0 {
			u.b.WriteByte('%')
			continue
		}
		i += n
	}
	u.rewrap(0, 0, 0)
	return u.b.String()
}

// flushType is how the next placeholder is padded (git's flush_type).
type flushType uint8

const (
	noFlush flushType = iota
	flushRight
	flushLeft
	flushLeftAndSteal
	flushBoth
)

// truncType is how an expansion wider than its padding is cut.
type truncType uint8

const (
	truncNone truncType = iota
	truncLeft
	truncMiddle
	truncRight
)

// userFormat is the state of one expansion, as git's format_commit_context.
type userFormat struct {
	b    strings.Builder
	c    *gitobj.Commit
	f    *CommitFormat
	tmp  strings.Builder
	body string // the message once parsed; see message

	flush   flushType
	trunc   truncType
	padding int // negative: up to that column

	width, indent1, indent2 int
	wrapStart               int
	autoColor               bool // after %C(auto), with colours on
}

// item expands the placeholder at the start of p (after the '%') with
// its magic prefix, returning the bytes used.
func (u *userFormat) item(p string) int {
	magic := p[0]
	switch magic {
	case '-', '+', ' ':
		p = p[1:]
		// As git: %+w() could never expand to anything and may change
		// what came before, so the form is refused (printed as text).
		if p == "" || p[0] == 'w' {
			return 0
		}
	default:
		magic = 0
	}
	orig := u.b.Len()
	var n int
	if u.flush != noFlush {
		n = u.pad(p)
	} else {
		n = u.one(&u.b, p)
	}
	if magic == 0 || n == 0 {
		return n
	}
	switch {
	case orig == u.b.Len() && magic == '-':
		s := u.b.String()
		end := len(s)
		for end > 0 && s[end-1] == '\n' {
			end--
		}
		u.truncate(end)
	case orig != u.b.Len() && magic != '-':
		s := u.b.String()
		ins := "\n"
		if magic == ' ' {
			ins = " "
		}
		rest := s[orig:]
		u.truncate(orig)
		u.b.WriteString(ins)
		u.b.WriteString(rest)
	}
	return n + 1
}

// truncate cuts the output to n bytes.
func (u *userFormat) truncate(n int) {
	s := u.b.String()[:n]
	u.b.Reset()
	u.b.WriteString(s)
}

// pad expands the placeholder at p (and the colours directly before it)
// into the padding or truncation set by the last %<, %> directive.
func (u *userFormat) pad(p string) int {
	padding := u.padding
	if padding < 0 {
		s := u.b.String()
		if i := strings.LastIndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
		padding = -padding - DisplayWidth(s) - u.f.GraphWidth
	}
	var local strings.Builder
	total := 0
	for {
		color := p[0] == 'C'
		n := u.one(&local, p)
		total += n
		if !color || n == 0 {
			break
		}
		p = p[n:]
		if p == "" || p[0] != '%' {
			break
		}
		p = p[1:]
		total++
	}
	text := local.String()
	width := DisplayWidth(text)
	if u.flush == flushLeftAndSteal {
		s := u.b.String()
		ch := len(s) - 1
		for width > padding && ch > 0 {
			if s[ch] == ' ' {
				ch--
				padding++
				continue
			}
			// A colour just before the spaces moves into the expansion.
			if s[ch] != 'm' {
				break
			}
			q := strings.LastIndexByte(s[:ch], '\x1b')
			if q < 0 || ch-q >= 10 || ansiLen(s[q:]) != ch+1-q {
				break
			}
			text = s[q:ch+1] + text
			ch = q - 1
		}
		u.truncate(ch + 1)
		u.flush = flushLeft
	}
	if width > padding {
		switch u.trunc {
		case truncLeft:
			text = replaceColumns(text, 0, width-(padding-2), "..")
		case truncMiddle:
			text = replaceColumns(text, padding/2-1, width-(padding-2), "..")
		case truncRight:
			text = replaceColumns(text, padding-2, width-(padding-2), "..")
		}
		u.b.WriteString(text)
	} else {
		left := 0
		switch u.flush {
		case flushLeft:
			left = padding - width
		case flushBoth:
			left = (padding - width) / 2
		}
		u.b.WriteString(strings.Repeat(" ", left))
		u.b.WriteString(text)
		u.b.WriteString(strings.Repeat(" ", padding-width-left))
	}
	u.flush = noFlush
	return total
}

// rewrap wraps what was written since the last %w with that directive's
// settings and starts a new region with these, as git's
// rewrap_message_tail.
func (u *userFormat) rewrap(width, indent1, indent2 int) {
	if u.width == width && u.indent1 == indent1 && u.indent2 == indent2 {
		return
	}
	if u.wrapStart < u.b.Len() {
		s := u.b.String()
		head, tail := s[:u.wrapStart], s[u.wrapStart:]
		var w strings.Builder
		w.WriteString(head)
		WrapText(&w, tail, u.indent1, u.indent2, u.width)
		u.b.Reset()
		u.b.WriteString(w.String())
	}
	u.wrapStart = u.b.Len()
	u.width, u.indent1, u.indent2 = width, indent1, indent2
}

// paddingDirective reads %<(N), %<|(N), %>(N), %>|(N), %>>(N), %><(N)
// with an optional ",trunc", ",ltrunc" or ",mtrunc".
func (u *userFormat) paddingDirective(p string) int {
	var flush flushType
	i := 1
	switch {
	case p[0] == '<':
		flush = flushRight
	case strings.HasPrefix(p, "><"):
		flush, i = flushBoth, 2
	case strings.HasPrefix(p, ">>"):
		flush, i = flushLeftAndSteal, 2
	default:
		flush = flushLeft
	}
	toColumn := false
	if i < len(p) && p[i] == '|' {
		toColumn = true
		i++
	}
	if i >= len(p) || p[i] != '(' {
		return 0
	}
	start := i + 1
	end := start
	for end < len(p) && p[end] != ',' && p[end] != ')' {
		end++
	}
	if end == start || end >= len(p) {
		return 0
	}
	num := p[start:end]
	digits := 0
	for digits < len(num) && (num[digits] >= '0' && num[digits] <= '9' || digits == 0 && (num[0] == '-' || num[0] == '+')) {
		digits++
	}
	width, err := strconv.ParseInt(num[:digits], 10, 32)
	if err != nil || width == 0 {
		// Not a number, or beyond what git's int holds: not a directive.
		return 0
	}
	if width < 0 {
		if toColumn {
			width += int64(TermColumns())
		}
		if width < 0 {
			return 0
		}
	}
	trunc := truncNone
	if p[end] == ',' {
		rest := p[end+1:]
		close := strings.IndexByte(rest, ')')
		if close <= 0 {
			return 0
		}
		switch rest[:close] {
		case "trunc":
			trunc = truncRight
		case "ltrunc":
			trunc = truncLeft
		case "mtrunc":
			trunc = truncMiddle
		default:
			return 0
		}
		end = end + 1 + close
	}
	u.padding = int(width)
	if toColumn {
		u.padding = -int(width)
	}
	u.flush, u.trunc = flush, trunc
	return end + 1
}

// one writes the placeholder at the start of p (after the '%') to b and
// returns how many bytes it used; 0 when it is not one.
func (u *userFormat) one(b *strings.Builder, p string) int {
	c, f := u.c, u.f
	short := func(h plumbing.Hash) string { return f.Abbrev.ShortID(h) }
	switch p[0] {
	case '<', '>':
		return u.paddingDirective(p)
	case 'w':
		if len(p) < 2 || p[1] != '(' {
			return 0
		}
		end := strings.IndexByte(p, ')')
		if end < 0 {
			return 0
		}
		var nums [3]int
		if end > 2 {
			parts := strings.Split(p[2:end], ",")
			if len(parts) > 3 {
				return 0
			}
			for i, part := range parts {
				if part == "" {
					continue
				}
				v, err := strconv.ParseUint(part, 10, 31)
				if err != nil {
					return 0
				}
				nums[i] = int(v)
			}
		}
		u.rewrap(nums[0], nums[1], nums[2])
		return end + 1
	case 'f':
		b.WriteString(SanitizedSubject(c.Message))
		return 1
	case '(':
		if strings.HasPrefix(p, "(trailers") {
			return u.trailers(b, p)
		}
		if strings.HasPrefix(p, "(describe") {
			return u.describe(b, p)
		}
		return 0
	case 'S':
		b.WriteString(f.Source)
		return 1
	case 'e':
		// A commit without an encoding header reads as "UTF-8";
		// git prints the header only.
		if c.Encoding != "UTF-8" {
			b.WriteString(c.Encoding)
		}
		return 1
	case '%':
		b.WriteByte('%')
		return 1
	case 'n':
		b.WriteByte('\n')
		return 1
	case 'H', 'h':
		if u.autoColor {
			b.WriteString("\x1b[33m")
		}
		if p[0] == 'H' {
			b.WriteString(c.Hash.String())
		} else {
			b.WriteString(short(c.Hash))
		}
		if u.autoColor {
			b.WriteString("\x1b[m")
		}
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
			name, _ := f.mapPerson(who.Name, who.Email)
			b.WriteString(name)
		case 'E':
			_, email := f.mapPerson(who.Name, who.Email)
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
		case 'h':
			b.WriteString(FormatDate(who.When, "human", f.Now))
		default:
			return 0
		}
		return 2
	case 'C':
		if strings.HasPrefix(p, "C(auto)") {
			// As git: ids and refs that follow are coloured when
			// colours are on; a reset ends what came before.
			u.autoColor = f.Color
			if u.autoColor && b.Len() > 0 {
				b.WriteString("\x1b[m")
			}
			return 7
		}
		if strings.HasPrefix(p, "C(") {
			end := strings.IndexByte(p, ')')
			if end < 0 {
				return 0
			}
			spec, want := p[2:end], f.Color
			if rest, ok := strings.CutPrefix(spec, "always,"); ok {
				spec, want = rest, true
			} else {
				spec = strings.TrimPrefix(spec, "auto,")
			}
			u.autoColor = false
			if want {
				seq, err := gitconfig.ParseColor(spec)
				if err != nil {
					return 0
				}
				b.WriteString(seq)
			}
			return end + 1
		}
		for _, n := range []string{"red", "green", "blue", "reset"} {
			if strings.HasPrefix(p[1:], n) {
				u.autoColor = false
				if f.Color {
					b.WriteString(namedColors()[n])
				}
				return 1 + len(n)
			}
		}
		return 0
	}
	return 0
}

// trailers expands %(trailers[:options]) at p, returning the bytes used
// (0 when the options are not understood, as git prints it then as text).
func (u *userFormat) trailers(b *strings.Builder, p string) int {
	arg := p[len("(trailers"):]
	var o trailer.Format
	if strings.HasPrefix(arg, ":") {
		arg = arg[1:]
		for arg != "" && arg[0] != ')' {
			end := strings.IndexAny(arg, ",)")
			if end < 0 {
				return 0
			}
			opt := arg[:end]
			name, val, hasVal := strings.Cut(opt, "=")
			boolVal := func() (bool, bool) {
				if !hasVal {
					return true, true
				}
				v, ok := parseGitBool(val)
				return v, ok
			}
			var ok bool
			switch name {
			case "only":
				o.Only, ok = boolVal()
			case "unfold":
				o.Unfold, ok = boolVal()
			case "keyonly":
				o.KeyOnly, ok = boolVal()
			case "valueonly":
				o.ValueOnly, ok = boolVal()
			case "key":
				if !hasVal || val == "" {
					return 0
				}
				o.Keys = append(o.Keys, strings.TrimSuffix(val, ":"))
				o.Only, ok = true, true
			case "separator", "key_value_separator":
				if !hasVal {
					return 0
				}
				s := expandLiteral(val)
				if name == "separator" {
					o.Separator = &s
				} else {
					o.KeyValueSeparator = &s
				}
				ok = true
			}
			if !ok {
				return 0
			}
			arg = arg[end:]
			if arg[0] == ',' {
				arg = arg[1:]
			}
		}
	}
	if arg == "" || arg[0] != ')' {
		return 0
	}
	b.WriteString(trailer.FormatBlock(u.c.Message, o))
	return len(p) - len(arg) + 1
}

// expandLiteral expands the %n and %xNN of an option value.
func expandLiteral(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && strings.HasPrefix(s[i:], "%n"):
			b.WriteByte('\n')
			i++
		case s[i] == '%' && i+3 < len(s)+1 && len(s) >= i+4 && s[i+1] == 'x':
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// parseGitBool reads a boolean as git's config does.
func parseGitBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0", "":
		return false, true
	}
	return false, false
}

// describe expands %(describe) and %(describe:options): git describe's
// answer for the commit, nothing when no tag describes it. An unknown or
// malformed option leaves the placeholder as text, as git does.
func (u *userFormat) describe(b *strings.Builder, p string) int {
	end := strings.IndexByte(p, ')')
	if end < 0 {
		return 0
	}
	arg := p[len("(describe"):end]
	if arg != "" && arg[0] != ':' {
		return 0
	}
	arg = strings.TrimPrefix(arg, ":")
	for _, opt := range strings.Split(arg, ",") {
		key, _, _ := strings.Cut(opt, "=")
		switch key {
		case "", "tags", "abbrev", "match", "exclude":
		default:
			return 0
		}
	}
	if u.f.Describe != nil {
		if s, ok := u.f.Describe(u.c.Hash, arg); ok {
			b.WriteString(s)
		}
	}
	return end + 1
}
