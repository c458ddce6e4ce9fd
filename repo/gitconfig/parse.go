// Package gitconfig reads and edits git's configuration files as git does:
// the same syntax (sections, subsections, quoting, escapes, continuation
// lines, comments), the same canonical keys, and edits that change only the
// lines concerned, leaving the rest of the file — comments, indentation,
// odd spacing — as the person wrote it.
package gitconfig

import (
	"errors"
	"fmt"
	"strings"
)

// EventKind is what a stretch of a config file holds. The stretches of one
// file follow each other without gaps, as git's parser reports them.
type EventKind int

const (
	Whitespace EventKind = iota
	Comment
	Section
	Entry
)

// Event is one stretch of the file: [Begin, End) in bytes.
type Event struct {
	Kind       EventKind
	Begin, End int
	// For Section and Entry: the section (lowercase) and subsection; Old
	// is set for an old-style [section.sub] header, whose subsection is
	// lowercased and compared without case.
	Section, Subsection string
	Old                 bool
	// For Entry: the variable name (lowercase) and value; NoValue for a
	// bare "name" line (a boolean true).
	Name    string
	Value   string
	NoValue bool
	Line    int
}

// Key is the entry's canonical key: section.subsection.name.
func (e *Event) Key() string {
	if e.Subsection != "" {
		return e.Section + "." + e.Subsection + "." + e.Name
	}
	return e.Section + "." + e.Name
}

// SyntaxError is a line git cannot parse.
type SyntaxError struct {
	Line int
	Name string // where: "file <path>", "command line", "standard input", ...
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("bad config line %d in %s", e.Line, e.Name) }

// ErrSyntax matches every *SyntaxError.
var ErrSyntax = errors.New("bad config syntax")

func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

type scanner struct {
	data []byte
	pos  int
	eof  bool
	line int
}

// next returns the next character, "\r\n" read as '\n' and the end of the
// data as a final '\n' (with eof set), as git's get_next_char.
func (s *scanner) next() byte {
	if s.pos >= len(s.data) {
		s.eof = true
		return '\n'
	}
	c := s.data[s.pos]
	s.pos++
	if c == '\r' && s.pos < len(s.data) && s.data[s.pos] == '\n' {
		c = '\n'
		s.pos++
	}
	if c == '\n' {
		s.line++
	}
	return c
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isKeyChar(c byte) bool {
	return isAlpha(c) || c >= '0' && c <= '9' || c == '-'
}
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Parse splits data into events. name says where the data comes from for
// error messages ("file .git/config").
func Parse(data []byte, name string) ([]Event, error) {
	// A UTF-8 byte order mark is skipped, as git does.
	start := 0
	if len(data) >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf {
		start = 3
	}
	s := &scanner{data: data, pos: start, line: 1}
	var evs []Event
	prevKind := -1
	emit := func(kind EventKind, at int) {
		if kind == Whitespace && prevKind == int(Whitespace) {
			return
		}
		if prevKind >= 0 {
			evs[len(evs)-1].End = at
		}
		evs = append(evs, Event{Kind: kind, Begin: at})
		prevKind = int(kind)
	}
	var section, subsection string
	var old bool
	comment := false
	for {
		at := s.pos
		c := s.next()
		if c == '\n' {
			if s.eof {
				if len(evs) > 0 {
					evs[len(evs)-1].End = len(data)
				}
				return evs, nil
			}
			emit(Whitespace, at)
			comment = false
			continue
		}
		if comment {
			continue
		}
		if isSpace(c) {
			emit(Whitespace, at)
			continue
		}
		if c == '#' || c == ';' {
			emit(Comment, at)
			comment = true
			continue
		}
		bad := &SyntaxError{Line: s.line, Name: name}
		if c == '[' {
			emit(Section, at)
			var err error
			section, subsection, old, err = s.baseVar()
			if err != nil || section == "" {
				return nil, bad
			}
			e := &evs[len(evs)-1]
			e.Section, e.Subsection, e.Old, e.Line = section, subsection, old, bad.Line
			continue
		}
		if !isAlpha(c) {
			return nil, bad
		}
		emit(Entry, at)
		line := s.line
		name, value, noValue, ok := s.entry(lower(c))
		if !ok {
			return nil, &SyntaxError{Line: line, Name: bad.Name}
		}
		e := &evs[len(evs)-1]
		e.Section, e.Subsection, e.Old, e.Name, e.Value, e.NoValue, e.Line = section, subsection, old, name, value, noValue, line
	}
}

// baseVar reads a section header after '['.
func (s *scanner) baseVar() (section, sub string, old bool, err error) {
	var b strings.Builder
	bad := errors.New("bad section header")
	for {
		c := s.next()
		if s.eof {
			return "", "", false, bad
		}
		if c == ']' {
			name := b.String()
			if i := strings.IndexByte(name, '.'); i >= 0 {
				return name[:i], name[i+1:], true, nil
			}
			return name, "", false, nil
		}
		if isSpace(c) {
			// [section "subsection"]
			for {
				if c == '\n' {
					return "", "", false, bad
				}
				c = s.next()
				if !isSpace(c) {
					break
				}
			}
			if c != '"' {
				return "", "", false, bad
			}
			var sb strings.Builder
			for {
				c := s.next()
				if c == '\n' {
					return "", "", false, bad
				}
				if c == '"' {
					break
				}
				if c == '\\' {
					if c = s.next(); c == '\n' {
						return "", "", false, bad
					}
				}
				sb.WriteByte(c)
			}
			if s.next() != ']' {
				return "", "", false, bad
			}
			return b.String(), sb.String(), false, nil
		}
		if !isKeyChar(c) && c != '.' {
			return "", "", false, bad
		}
		b.WriteByte(lower(c))
	}
}

// entry reads "name [= value]" through the end of its line.
func (s *scanner) entry(first byte) (name, value string, noValue, ok bool) {
	var b strings.Builder
	b.WriteByte(first)
	var c byte
	for {
		c = s.next()
		if s.eof || !isKeyChar(c) {
			break
		}
		b.WriteByte(lower(c))
	}
	for c == ' ' || c == '\t' {
		c = s.next()
	}
	if c == '\n' {
		return b.String(), "", true, true
	}
	if c != '=' {
		return "", "", false, false
	}
	v, ok := s.value()
	return b.String(), v, false, ok
}

// value is git's parse_value: quotes, escapes, comments, continuation
// lines; runs of unquoted whitespace inside the value become spaces and
// whitespace at its ends is dropped.
func (s *scanner) value() (string, bool) {
	var b strings.Builder
	quote, comment, space := false, false, 0
	for {
		c := s.next()
		if c == '\n' {
			if quote {
				return "", false
			}
			return b.String(), true
		}
		if comment {
			continue
		}
		if isSpace(c) && !quote {
			if b.Len() > 0 {
				space++
			}
			continue
		}
		if !quote && (c == ';' || c == '#') {
			comment = true
			continue
		}
		for ; space > 0; space-- {
			b.WriteByte(' ')
		}
		if c == '\\' {
			c = s.next()
			switch c {
			case '\n':
				if s.eof {
					return "", false
				}
				continue
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'n':
				c = '\n'
			case '\\', '"':
			default:
				return "", false
			}
			b.WriteByte(c)
			continue
		}
		if c == '"' {
			quote = !quote
			continue
		}
		b.WriteByte(c)
	}
}
