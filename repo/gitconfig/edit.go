package gitconfig

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Errors of key parsing and editing, with git config's exit statuses.
var (
	ErrInvalidKey   = errors.New("invalid key")                      // 1
	ErrNoSection    = errors.New("key has no section or name")       // 2
	ErrNothingSet   = errors.New("nothing to set or unset")          // 5
	ErrInvalidRegex = errors.New("invalid pattern")                  // 6
	ErrMultiple     = errors.New("cannot overwrite multiple values") // 5
)

// Key is a parsed configuration key as the person typed it: Section and
// Name keep their case for writing; Canonical is git's spelling (section
// and name lowercase).
type Key struct {
	Section, Subsection, Name string
	HasSub                    bool
	Canonical                 string
}

// ParseKey checks key as git_config_parse_key does.
func ParseKey(key string) (Key, error) {
	first := strings.IndexByte(key, '.')
	last := strings.LastIndexByte(key, '.')
	if first <= 0 {
		return Key{}, fmt.Errorf("%w: key does not contain a section: %s", ErrNoSection, key)
	}
	if last == len(key)-1 {
		return Key{}, fmt.Errorf("%w: key does not contain variable name: %s", ErrNoSection, key)
	}
	k := Key{Section: key[:first], Name: key[last+1:]}
	if last > first {
		k.Subsection, k.HasSub = key[first+1:last], true
		if strings.ContainsRune(k.Subsection, '\n') {
			return Key{}, fmt.Errorf("%w: %s", ErrInvalidKey, key)
		}
	}
	for i := 0; i < len(k.Section); i++ {
		if !isKeyChar(k.Section[i]) {
			return Key{}, fmt.Errorf("%w: %s", ErrInvalidKey, key)
		}
	}
	if !isAlpha(k.Name[0]) {
		return Key{}, fmt.Errorf("%w: %s", ErrInvalidKey, key)
	}
	for i := 0; i < len(k.Name); i++ {
		if !isKeyChar(k.Name[i]) {
			return Key{}, fmt.Errorf("%w: %s", ErrInvalidKey, key)
		}
	}
	k.Canonical = strings.ToLower(k.Section) + "."
	if k.HasSub {
		k.Canonical += k.Subsection + "."
	}
	k.Canonical += strings.ToLower(k.Name)
	return k, nil
}

// ValueMatcher selects the values an edit applies to (git's value-pattern).
type ValueMatcher struct {
	re     *regexp.Regexp
	negate bool
	fixed  *string
	none   bool // --add: matches nothing
}

// MatchAll matches every value.
func MatchAll() *ValueMatcher { return nil }

// MatchNone matches no value (config --add).
func MatchNone() *ValueMatcher { return &ValueMatcher{none: true} }

// NewValueMatcher compiles a value-pattern: an extended regular expression,
// "!re" for the values it does not match, or with fixed an exact string.
func NewValueMatcher(pattern string, fixed bool) (*ValueMatcher, error) {
	if fixed {
		return &ValueMatcher{fixed: &pattern}, nil
	}
	m := &ValueMatcher{}
	if strings.HasPrefix(pattern, "!") {
		m.negate = true
		pattern = pattern[1:]
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, fmt.Errorf("%w: invalid pattern: %s", ErrInvalidRegex, pattern)
	}
	m.re = re
	return m, nil
}

// Match reports whether the value (noValue: a bare boolean) is selected.
func (m *ValueMatcher) Match(value string, noValue bool) bool {
	switch {
	case m == nil:
		return true
	case m.none:
		return false
	case m.fixed != nil:
		return !noValue && *m.fixed == value
	}
	return m.negate != (!noValue && m.re.MatchString(value))
}

// MatchGet is the test git config --get applies (a bare boolean is "").
func (m *ValueMatcher) MatchGet(value string) bool {
	switch {
	case m == nil:
		return true
	case m.none:
		return false
	case m.fixed != nil:
		return *m.fixed == value
	}
	return m.negate != m.re.MatchString(value)
}

func (k Key) sectionMatches(e *Event) bool {
	if e.Section != strings.ToLower(k.Section) {
		return false
	}
	if e.Old {
		return strings.EqualFold(e.Subsection, k.Subsection)
	}
	return e.Subsection == k.Subsection && (k.HasSub || e.Subsection == "")
}

// Set edits data as git_config_set_multivar_in_file does: the entries of
// key whose values match are replaced by one "name = value" line (value
// nil: removed); without a match the line is added to the key's last
// section, or a new section at the end. Several matches are an error
// unless all is set. Returns the new content.
func Set(data []byte, name string, key Key, value *string, match *ValueMatcher, all bool) ([]byte, error) {
	evs, err := Parse(data, name)
	if err != nil {
		return nil, err
	}
	var seen []int // matching entries
	insertAt := -1 // last event of the key's last section
	sectionSeen := false
	keysSection := make([]bool, len(evs))
	inKeys := false
	for i := range evs {
		e := &evs[i]
		switch e.Kind {
		case Section:
			inKeys = key.sectionMatches(e)
			keysSection[i] = inKeys
			if inKeys {
				sectionSeen = true
				insertAt = i
			}
		case Entry:
			if inKeys {
				insertAt = i
			}
			if e.Key() == key.Canonical && match.Match(e.Value, e.NoValue) {
				seen = append(seen, i)
			}
		}
	}
	if len(seen) == 0 && value == nil {
		return nil, fmt.Errorf("%w", ErrNothingSet)
	}
	if len(seen) > 1 && !all {
		return nil, fmt.Errorf("%w: %s has multiple values", ErrMultiple, key.Canonical)
	}
	var out strings.Builder
	copyBegin := 0
	keySeen := len(seen) > 0
	if !keySeen {
		at := insertAt
		if at < 0 {
			at = len(evs) - 1
		}
		if at < 0 {
			seen = nil
		} else {
			seen = []int{at}
		}
	}
	for si := 0; si < len(seen); si++ {
		j := seen[si]
		var copyEnd, replaceEnd int
		if !keySeen {
			copyEnd = evs[j].End
			if copyEnd > 0 && copyEnd < len(data) && data[copyEnd-1] != '\n' && data[copyEnd] == '\n' {
				copyEnd++
			}
			replaceEnd = copyEnd
		} else {
			replaceEnd = evs[j].End
			copyEnd = evs[j].Begin
			if value == nil {
				copyEnd, replaceEnd, si = maybeRemoveSection(evs, keysSection, seen, si, copyEnd, replaceEnd)
			}
			for copyEnd > 0 && isSpace(data[copyEnd-1]) && data[copyEnd-1] != '\n' {
				copyEnd--
			}
		}
		if copyEnd > copyBegin {
			out.Write(data[copyBegin:copyEnd])
			if data[copyEnd-1] != '\n' {
				out.WriteByte('\n')
			}
		}
		copyBegin = replaceEnd
	}
	if value != nil {
		if !sectionSeen {
			out.WriteString(SectionHeader(key.Section, key.Subsection, key.HasSub))
		}
		out.WriteString("\t" + key.Name + " = " + QuoteValue(*value) + "\n")
	}
	if copyBegin < len(data) {
		out.Write(data[copyBegin:])
	}
	return []byte(out.String()), nil
}

// maybeRemoveSection widens the removal of the entry seen[si] to its whole
// section when the section would be left empty and no comment is near it
// (git's maybe_remove_section).
func maybeRemoveSection(evs []Event, keys []bool, seen []int, si, begin, end int) (int, int, int) {
	sectionSeen := false
	i := seen[si]
	for ; i > 0; i-- {
		switch evs[i-1].Kind {
		case Comment:
			return begin, end, si
		case Entry:
			if !sectionSeen {
				return begin, end, si
			}
		case Section:
			if !keys[i-1] {
				goto found
			}
			sectionSeen = true
			continue
		default:
			continue
		}
		break
	}
found:
	newBegin := evs[i].Begin
	s := si
	for i = seen[si] + 1; i < len(evs); i++ {
		switch evs[i].Kind {
		case Comment:
			return begin, end, si
		case Section:
			if keys[i] {
				continue
			}
		case Entry:
			if s+1 < len(seen) && i == seen[s+1] {
				s++
				continue
			}
			return begin, end, si
		default:
			continue
		}
		break
	}
	if i < len(evs) {
		return newBegin, evs[i].Begin, s
	}
	return newBegin, evs[len(evs)-1].End, s
}

// SectionHeader is the header git writes for a new section.
func SectionHeader(section, sub string, hasSub bool) string {
	if !hasSub {
		return "[" + section + "]\n"
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return "[" + section + " \"" + r.Replace(sub) + "\"]\n"
}

// QuoteValue writes a value as git does: quoted when it starts or ends
// with a space or holds a comment character, with \n, \t, \b, \" and \\
// escaped.
func QuoteValue(v string) string {
	quote := v != "" && (v[0] == ' ' || v[len(v)-1] == ' ') || strings.ContainsAny(v, ";#")
	var b strings.Builder
	if quote {
		b.WriteByte('"')
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	if quote {
		b.WriteByte('"')
	}
	return b.String()
}

// RenameSection renames (newName "" removes) every section named old
// ("section" or "section.subsection"), as git config --rename-section and
// --remove-section; found is false when there is none.
func RenameSection(data []byte, name, old, newName string, remove bool) ([]byte, bool, error) {
	evs, err := Parse(data, name)
	if err != nil {
		return nil, false, err
	}
	sec, sub, hasSub := old, "", false
	if i := strings.IndexByte(old, '.'); i >= 0 {
		sec, sub, hasSub = old[:i], old[i+1:], true
	}
	var header string
	if !remove {
		ns, nsub, nhas := newName, "", false
		if i := strings.IndexByte(newName, '.'); i >= 0 {
			ns, nsub, nhas = newName[:i], newName[i+1:], true
		}
		if ns == "" {
			return nil, false, fmt.Errorf("%w: invalid section name: %s", ErrInvalidKey, newName)
		}
		for i := 0; i < len(ns); i++ {
			if !isKeyChar(ns[i]) {
				return nil, false, fmt.Errorf("%w: invalid section name: %s", ErrInvalidKey, newName)
			}
		}
		header = strings.TrimSuffix(SectionHeader(ns, nsub, nhas), "\n")
	}
	k := Key{Section: sec, Subsection: sub, HasSub: hasSub}
	var out []byte
	found := false
	removing := false
	afterHeader := false
	var indent []byte // while removing: the indentation of the next line
	for i := range evs {
		e := &evs[i]
		text := data[e.Begin:e.End]
		if e.Kind == Section {
			if removing {
				out = append(out, indent...)
			}
			removing, afterHeader, indent = false, false, nil
			if k.sectionMatches(e) {
				found = true
				// As git, the header starts its line: indentation goes.
				for len(out) > 0 && (out[len(out)-1] == ' ' || out[len(out)-1] == '\t') {
					out = out[:len(out)-1]
				}
				if remove {
					removing = true
					continue
				}
				out = append(out, header+"\n"...)
				afterHeader = true
				continue
			}
		}
		if removing {
			// git drops every line up to the next section header, whose
			// own line stays whole.
			indent = nil
			if e.Kind == Whitespace {
				t := string(text)
				indent = []byte(t[strings.LastIndexByte(t, '\n')+1:])
			}
			continue
		}
		if afterHeader {
			// The rest of the header's line: a variable there moves to
			// its own line, indented with a tab.
			switch e.Kind {
			case Whitespace:
				if j := strings.IndexByte(string(text), '\n'); j >= 0 {
					out = append(out, text[j+1:]...)
					afterHeader = false
				}
				continue
			default:
				out = append(out, '\t')
				afterHeader = false
			}
		}
		out = append(out, text...)
	}
	return out, found, nil
}

// CopySection copies every section named old ("section.subsection") to
// one named newName placed right after it, its lines (comments included)
// as they are, as git config's copy of a branch's section does.
func CopySection(data []byte, name, old, newName string) ([]byte, error) {
	evs, err := Parse(data, name)
	if err != nil {
		return nil, err
	}
	sec, sub, hasSub := old, "", false
	if i := strings.IndexByte(old, '.'); i >= 0 {
		sec, sub, hasSub = old[:i], old[i+1:], true
	}
	ns, nsub, nhas := newName, "", false
	if i := strings.IndexByte(newName, '.'); i >= 0 {
		ns, nsub, nhas = newName[:i], newName[i+1:], true
	}
	header := SectionHeader(ns, nsub, nhas)
	k := Key{Section: sec, Subsection: sub, HasSub: hasSub}
	var out []byte
	last := 0      // data up to here is in out
	bodyFrom := -1 // start of the matching section's body being copied
	flush := func(end int) {
		out = append(out, data[last:end]...)
		last = end
		if bodyFrom >= 0 {
			body := data[bodyFrom:end]
			if len(out) > 0 && out[len(out)-1] != '\n' {
				out = append(out, '\n')
			}
			out = append(out, header...)
			out = append(out, body...)
			if len(body) > 0 && body[len(body)-1] != '\n' {
				out = append(out, '\n')
			}
			bodyFrom = -1
		}
	}
	for i := range evs {
		e := &evs[i]
		if e.Kind != Section {
			continue
		}
		// The section's text ends where the line of the next header starts.
		start := e.Begin
		for start > 0 && (data[start-1] == ' ' || data[start-1] == '\t') {
			start--
		}
		flush(start)
		if k.sectionMatches(e) {
			bodyFrom = len(data)
			if j := strings.IndexByte(string(data[e.End:]), '\n'); j >= 0 {
				bodyFrom = e.End + j + 1
			}
		}
	}
	flush(len(data))
	return out, nil
}
