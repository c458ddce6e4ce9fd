package refformat

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
)

// Source is what the atoms need from the repository.
type Source interface {
	// Object reads an object; an error leaves the object's atoms empty.
	Object(h plumbing.Hash) (plumbing.EncodedObject, error)
	// Abbrev is h's unique abbreviation of at least n digits (n 0: the
	// configured length).
	Abbrev(h plumbing.Hash, n int) string
	// RefExists reports whether the full ref name exists, for
	// %(refname:short)'s ambiguity check.
	RefExists(name string) bool
	// Upstream is the upstream (push false) or push destination of the
	// branch with that full name; ok false when it has none.
	Upstream(refname string, push bool) (u Upstream, ok bool)
	// Date prints t in a --date mode ("" for git's default).
	Date(t time.Time, mode string) (string, error)
}

// Upstream is a branch's upstream as %(upstream) shows it.
type Upstream struct {
	Ref       string // the local ref that tracks it: refs/remotes/origin/main
	Remote    string // %(upstream:remotename)
	RemoteRef string // %(upstream:remoteref)
	Ahead     int
	Behind    int
	Gone      bool // the tracking ref does not exist
	NoCompare bool // ahead and behind were not computed
}

// Item is one ref to format or sort.
type Item struct {
	Refname string        // full name: refs/heads/main
	ID      plumbing.Hash // what the ref points at
	Symref  string        // full name of a symbolic ref's target
	Head    bool          // the ref HEAD points at (%(HEAD) is '*')
	// Detached marks git branch's detached HEAD entry: its %(refname) is
	// Description whatever the modifiers, and it sorts first.
	Detached    bool
	Description string
	Worktree    string // %(worktreepath)

	loaded bool
	obj    *object_
	peeled *object_
}

// object_ is an object read and parsed once.
type object_ struct {
	id     plumbing.Hash
	typ    plumbing.ObjectType
	size   int64
	raw    []byte
	commit *gitobj.Commit
	tag    *gitobj.Tag
}

func (it *Item) load(src Source) {
	if it.loaded {
		return
	}
	it.loaded = true
	it.obj = readObject(src, it.ID)
	if it.obj != nil && it.obj.tag != nil {
		// git's *atoms: the object the tag points at, one level.
		it.peeled = readObject(src, it.obj.tag.Target)
	}
}

func readObject(src Source, h plumbing.Hash) *object_ {
	o, err := src.Object(h)
	if err != nil {
		return nil
	}
	r, err := o.Reader()
	if err != nil {
		return nil
	}
	raw, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		return nil
	}
	ob := &object_{id: h, typ: o.Type(), size: o.Size(), raw: raw}
	switch o.Type() {
	case plumbing.CommitObject:
		if c, err := gitobj.DecodeCommit(h, raw); err == nil {
			ob.commit = c
		}
	case plumbing.TagObject:
		if t, err := gitobj.DecodeTag(h, raw); err == nil {
			ob.tag = t
		}
	}
	return ob
}

// val is an atom's value: its text and, for numbers and dates, the number
// sorting uses.
type val struct {
	s string
	n int64
}

func value(src Source, it *Item, a atom) (val, error) {
	switch a.name {
	case "refname":
		if it.Detached {
			return val{s: it.Description}, nil
		}
		return val{s: showRef(src, it.Refname, a.arg)}, nil
	case "symref":
		if it.Symref == "" {
			return val{}, nil
		}
		return val{s: showRef(src, it.Symref, a.arg)}, nil
	case "HEAD":
		if it.Head {
			return val{s: "*"}, nil
		}
		return val{s: " "}, nil
	case "worktreepath":
		return val{s: it.Worktree}, nil
	case "upstream", "push":
		return upstreamValue(src, it, a), nil
	case "flag", "describe", "trailers":
		return val{}, nil
	}
	it.load(src)
	o := it.obj
	if a.deref {
		o = it.peeled
	}
	if o == nil {
		return val{}, nil
	}
	switch a.name {
	case "objectname":
		switch {
		case a.arg == "short":
			return val{s: src.Abbrev(o.id, 0)}, nil
		case strings.HasPrefix(a.arg, "short="):
			n, _ := strconv.Atoi(a.arg[6:])
			return val{s: src.Abbrev(o.id, max(n, 4))}, nil
		}
		return val{s: o.id.String()}, nil
	case "objecttype":
		return val{s: o.typ.String()}, nil
	case "objectsize":
		if a.arg == "disk" {
			return val{s: strconv.FormatInt(o.size, 10), n: o.size}, nil
		}
		return val{s: strconv.FormatInt(o.size, 10), n: o.size}, nil
	case "deltabase":
		return val{s: plumbing.ZeroHash.String()}, nil
	case "raw":
		if a.arg == "size" {
			return val{s: strconv.Itoa(len(o.raw)), n: int64(len(o.raw))}, nil
		}
		return val{s: string(o.raw)}, nil
	}
	if c := o.commit; c != nil {
		switch a.name {
		case "tree":
			return val{s: c.TreeHash.String()}, nil
		case "parent":
			ps := make([]string, len(c.ParentHashes))
			for i, p := range c.ParentHashes {
				ps[i] = p.String()
			}
			return val{s: strings.Join(ps, " ")}, nil
		case "numparent":
			n := len(c.ParentHashes)
			return val{s: strconv.Itoa(n), n: int64(n)}, nil
		}
	}
	if t := o.tag; t != nil {
		switch a.name {
		case "object":
			return val{s: t.Target.String()}, nil
		case "type":
			return val{s: t.TargetType.String()}, nil
		case "tag":
			return val{s: t.Name}, nil
		}
	}
	if who, field, ok := personAtom(a.name); ok {
		line, found := headerLine(o.raw, who)
		if who == "creator" {
			switch o.typ {
			case plumbing.CommitObject:
				line, found = headerLine(o.raw, "committer")
			case plumbing.TagObject:
				line, found = headerLine(o.raw, "tagger")
			default:
				found = false
			}
		}
		if !found {
			return val{}, nil
		}
		return personValue(src, line, field, a.arg)
	}
	switch a.name {
	case "subject", "body", "contents":
		return messageValue(o, a), nil
	}
	return val{}, nil
}

// personAtom splits "authordate" into ("author", "date").
func personAtom(name string) (who, field string, ok bool) {
	for _, w := range []string{"author", "committer", "tagger", "creator"} {
		if rest, found := strings.CutPrefix(name, w); found {
			return w, rest, true
		}
	}
	return "", "", false
}

// headerLine returns the value of an object header line ("author ...").
func headerLine(raw []byte, key string) (string, bool) {
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		if len(line) == 0 {
			break
		}
		if rest, ok := bytes.CutPrefix(line, []byte(key+" ")); ok {
			return string(rest), true
		}
	}
	return "", false
}

// personValue is %(author), %(authorname), %(authoremail[:trim|:localpart])
// and %(authordate[:mode]) of the header value "Name <email> 123 +0100".
func personValue(src Source, line, field, arg string) (val, error) {
	lt := strings.IndexByte(line, '<')
	gt := strings.LastIndexByte(line, '>')
	switch field {
	case "":
		return val{s: line}, nil
	case "name":
		if lt < 0 {
			return val{}, nil
		}
		return val{s: strings.TrimSuffix(line[:lt], " ")}, nil
	case "email":
		if lt < 0 || gt < lt {
			return val{}, nil
		}
		e := line[lt : gt+1]
		switch arg {
		case "trim":
			e = e[1 : len(e)-1]
		case "localpart":
			e = e[1 : len(e)-1]
			if at := strings.IndexByte(e, '@'); at >= 0 {
				e = e[:at]
			}
		}
		return val{s: e}, nil
	case "date":
		if gt < 0 {
			return val{}, nil
		}
		f := strings.Fields(line[gt+1:])
		if len(f) < 1 {
			return val{}, nil
		}
		ts, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return val{}, nil
		}
		tz := "+0000"
		if len(f) > 1 {
			tz = f[1]
		}
		t := time.Unix(ts, 0).In(zone(tz))
		s, err := src.Date(t, arg)
		if err != nil {
			return val{}, formatErr("%s", err.Error())
		}
		return val{s: s, n: ts}, nil
	}
	return val{}, nil
}

// zone is the fixed zone of a "+0100" offset.
func zone(tz string) *time.Location {
	if len(tz) != 5 {
		return time.UTC
	}
	h, err1 := strconv.Atoi(tz[1:3])
	m, err2 := strconv.Atoi(tz[3:5])
	if err1 != nil || err2 != nil {
		return time.UTC
	}
	off := h*3600 + m*60
	if tz[0] == '-' {
		off = -off
	}
	return time.FixedZone("", off)
}

// messageValue is git's grab_sub_body_contents for commits and tags.
func messageValue(o *object_, a atom) val {
	if o.typ != plumbing.CommitObject && o.typ != plumbing.TagObject {
		return val{}
	}
	buf := string(o.raw)
	// Skip the headers, then blank lines.
	if i := strings.Index(buf, "\n\n"); i >= 0 {
		buf = buf[i+1:]
	} else if strings.HasPrefix(buf, "\n") {
		// no headers
	} else {
		buf = ""
	}
	buf = strings.TrimLeft(buf, "\n")
	sigstart := signatureStart(buf)
	sub := buf
	eol := strings.Index(buf, "\n\n")
	if eol < 0 || eol > sigstart {
		eol = sigstart
	}
	subject := strings.TrimRight(sub[:eol], "\r\n")
	rest := strings.TrimLeft(buf[eol:], "\n")
	bodyStart := len(buf) - len(rest)
	nonsig := sigstart - bodyStart
	if nonsig < 0 {
		nonsig = 0
	}
	switch {
	case a.name == "subject" || a.arg == "subject":
		s := strings.ReplaceAll(subject, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\n", " ")
		if a.arg == "sanitize" {
			s = sanitize(s)
		}
		return val{s: s}
	case a.name == "body":
		return val{s: rest}
	case a.arg == "body":
		return val{s: rest[:nonsig]}
	case a.arg == "signature":
		return val{s: buf[sigstart:]}
	case a.arg == "size":
		return val{s: strconv.Itoa(len(buf)), n: int64(len(buf))}
	case strings.HasPrefix(a.arg, "lines="):
		n, _ := strconv.Atoi(a.arg[6:])
		return val{s: firstLines(buf[:bodyStart+nonsig], n)}
	}
	return val{s: buf}
}

// signatureStart is where an in-body signature ("-----BEGIN PGP
// SIGNATURE-----" and the like, at a line start) begins, len(buf) if none.
func signatureStart(buf string) int {
	start := len(buf)
	for i := 0; i < len(buf); {
		line := buf[i:]
		for _, p := range []string{"-----BEGIN PGP SIGNATURE-----", "-----BEGIN PGP MESSAGE-----", "-----BEGIN SIGNED MESSAGE-----", "-----BEGIN SSH SIGNATURE-----"} {
			if strings.HasPrefix(line, p) {
				start = i
			}
		}
		j := strings.IndexByte(line, '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	return start
}

// firstLines is git's append_lines: up to n lines, later ones indented by
// four spaces.
func firstLines(s string, n int) string {
	var b strings.Builder
	for i := 0; i < n && s != ""; i++ {
		if i > 0 {
			b.WriteString("\n    ")
		}
		line, rest, found := strings.Cut(s, "\n")
		b.WriteString(line)
		if !found {
			break
		}
		s = rest
	}
	return b.String()
}

// sanitize is git's format_sanitized_subject: runs of characters other
// than alphanumerics, '.' and '_' become one '-', none at either end, and
// no ".." either.
func sanitize(s string) string {
	var b strings.Builder
	space := 2
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
		if ok || c >= 0x80 {
			if space == 1 {
				b.WriteByte('-')
			}
			space = 0
			b.WriteByte(c)
			if c == '.' {
				for i+1 < len(s) && s[i+1] == '.' {
					i++
				}
			}
		} else if space == 0 {
			space = 1
		}
	}
	return strings.TrimRight(b.String(), ".")
}

// showRef applies refname's modifiers to a full name.
func showRef(src Source, name, arg string) string {
	if arg == "" {
		return name
	}
	ra, _ := parseRefnameArg("refname", arg)
	switch {
	case ra.short:
		return Shorten(src, name)
	case ra.strip && ra.lstrip != 0:
		return lstrip(name, ra.lstrip)
	case ra.strip && ra.rstrip != 0:
		return rstrip(name, ra.rstrip)
	}
	return name
}

// shortenRules are git's ref_rev_parse_rules, the forms a short name is
// tried in.
var shortenRules = []string{"%s", "refs/%s", "refs/tags/%s", "refs/heads/%s", "refs/remotes/%s", "refs/remotes/%s/HEAD"}

// Shorten is git's shorten_unambiguous_ref (not strict): the shortest
// name that one of the rules expands to name and no earlier rule expands
// to an existing ref.
func Shorten(src Source, name string) string {
	for i := len(shortenRules) - 1; i > 0; i-- {
		pre, post, _ := strings.Cut(shortenRules[i], "%s")
		if !strings.HasPrefix(name, pre) || !strings.HasSuffix(name, post) || len(name) <= len(pre)+len(post) {
			continue
		}
		short := name[len(pre) : len(name)-len(post)]
		ambiguous := false
		for j := 0; j < i; j++ {
			if src.RefExists(fmt.Sprintf(shortenRules[j], short)) {
				ambiguous = true
				break
			}
		}
		if !ambiguous {
			return short
		}
	}
	return name
}

func lstrip(name string, n int) string {
	if n < 0 {
		n = strings.Count(name, "/") + n + 1
	}
	for ; n > 0; n-- {
		i := strings.IndexByte(name, '/')
		if i < 0 {
			return ""
		}
		name = name[i+1:]
	}
	return name
}

func rstrip(name string, n int) string {
	if n < 0 {
		n = strings.Count(name, "/") + n + 1
	}
	for ; n > 0; n-- {
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return ""
		}
		name = name[:i]
	}
	return name
}

// upstreamValue is %(upstream) and %(push) with their modifiers.
func upstreamValue(src Source, it *Item, a atom) val {
	if !strings.HasPrefix(it.Refname, "refs/heads/") || it.Detached {
		return val{}
	}
	u, ok := src.Upstream(it.Refname, a.name == "push")
	if !ok {
		return val{}
	}
	ra, _ := parseRefnameArg(a.name, a.arg)
	switch {
	case ra.track:
		var s string
		switch {
		case u.Gone:
			s = "gone"
		case u.Ahead > 0 && u.Behind > 0:
			s = fmt.Sprintf("ahead %d, behind %d", u.Ahead, u.Behind)
		case u.Ahead > 0:
			s = fmt.Sprintf("ahead %d", u.Ahead)
		case u.Behind > 0:
			s = fmt.Sprintf("behind %d", u.Behind)
		}
		if s != "" && !ra.nobracket {
			s = "[" + s + "]"
		}
		return val{s: s}
	case ra.tshort:
		switch {
		case u.Gone:
			return val{}
		case u.Ahead > 0 && u.Behind > 0:
			return val{s: "<>"}
		case u.Ahead > 0:
			return val{s: ">"}
		case u.Behind > 0:
			return val{s: "<"}
		}
		return val{s: "="}
	case ra.remotename:
		return val{s: u.Remote}
	case ra.remoteref:
		return val{s: u.RemoteRef}
	}
	return val{s: showRef(src, u.Ref, a.arg)}
}

func utf8DecodeRune(s string) (rune, int) { return utf8.DecodeRuneInString(s) }
