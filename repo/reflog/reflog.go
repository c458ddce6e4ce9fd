// Package reflog is the format of git's reflogs (.git/logs/<ref>): one
// line per update of a ref, "<old> <new> <name> <<email>> <unix> <zone>"
// then a tab and the message. Where logs live, when they are written and
// by whom is the repository's business; this package reads and writes
// lines.
package reflog

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/refs"
)

// Entry is one line of a reflog: a ref moved from Old to New.
type Entry struct {
	Old, New    plumbing.Hash
	Name, Email string
	When        time.Time
	Message     string
}

// Read reads the reflog file at path, oldest entry first. A missing file
// is an empty log; lines git could not parse either are skipped, as git
// skips them.
func Read(path string) ([]Entry, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if e, ok := Parse(sc.Text()); ok {
			out = append(out, e)
		}
	}
	return out, sc.Err()
}

// ForEachID calls fn with the old and new id of each line of the reflog
// file at path whose ids are well formed, reading it as a stream (a
// reflog can be long, and reachability needs only the ids).
func ForEachID(path string, fn func(old, new plumbing.Hash)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) < 82 || line[40] != ' ' || line[81] != ' ' {
			continue
		}
		old, ok1 := refs.ParseID(string(line[:40]))
		new, ok2 := refs.ParseID(string(line[41:81]))
		if ok1 && ok2 {
			fn(old, new)
		}
	}
	return sc.Err()
}

// Parse reads one line, "<old> <new> <name> <<email>> <unix> <zone>\t<msg>".
func Parse(line string) (Entry, bool) {
	var e Entry
	head, msg, _ := strings.Cut(line, "\t")
	if len(head) < 83 || head[40] != ' ' || head[81] != ' ' {
		return e, false
	}
	var ok1, ok2 bool
	e.Old, ok1 = refs.ParseID(head[:40])
	e.New, ok2 = refs.ParseID(head[41:81])
	if !ok1 || !ok2 {
		return e, false
	}
	e.Message = msg
	ident := head[82:]
	gt := strings.LastIndexByte(ident, '>')
	lt := strings.LastIndexByte(ident[:max(gt, 0)], '<')
	if gt < 0 || lt < 0 {
		return e, false
	}
	e.Name, e.Email = strings.TrimSpace(ident[:lt]), ident[lt+1:gt]
	f := strings.Fields(ident[gt+1:])
	if len(f) != 2 {
		return e, false
	}
	secs, err := strconv.ParseInt(f[0], 10, 64)
	loc, ok := Zone(f[1])
	if err != nil || !ok {
		return e, false
	}
	e.When = time.Unix(secs, 0).In(loc)
	return e, true
}

// Line is the line (without its newline) recording an update from old to
// new by ident ("Name <email> <unix> <zone>") with msg, which is
// normalized as git does (see Message); no tab when it is empty.
func Line(old, new plumbing.Hash, ident, msg string) string {
	line := old.String() + " " + new.String() + " " + ident
	if m := Message(msg); m != "" {
		line += "\t" + m
	}
	return line
}

// Message normalizes a message as git does: runs of whitespace (newlines
// included) become one space, leading and trailing whitespace goes.
func Message(msg string) string {
	var b strings.Builder
	space := true
	for i := 0; i < len(msg); i++ {
		c := msg[i]
		isSpace := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
		if space && isSpace {
			continue
		}
		space = isSpace
		if isSpace {
			c = ' '
		}
		b.WriteByte(c)
	}
	return strings.TrimRight(b.String(), " ")
}

// Zone reads a time zone as git writes it in reflogs and objects,
// "+hhmm" or "-hhmm".
func Zone(z string) (*time.Location, bool) {
	if len(z) != 5 || (z[0] != '+' && z[0] != '-') {
		return nil, false
	}
	h, err1 := strconv.Atoi(z[1:3])
	m, err2 := strconv.Atoi(z[3:5])
	if err1 != nil || err2 != nil || m >= 60 {
		return nil, false
	}
	off := h*3600 + m*60
	if z[0] == '-' {
		off = -off
	}
	return time.FixedZone("", off), true
}
