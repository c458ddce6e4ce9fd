// Package refformat is git's ref-filter formatting and sorting: the
// %(atom) language of git for-each-ref, branch --format and tag --format,
// and the --sort keys of those commands. It knows nothing of a repository
// beyond what Source gives it, so branch and tag share one engine.
package refformat

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"easel.dev/easel/repo/gitconfig"
)

// ErrFormat is the kind of every format and sort-key error: git dies on
// them ("fatal: ...", exit 128).
var ErrFormat = errors.New("bad format")

func formatErr(f string, a ...any) error {
	return fmt.Errorf("%w: "+f, append([]any{ErrFormat}, a...)...)
}

// Message returns what git prints after "fatal: " for err.
func Message(err error) string {
	return strings.TrimPrefix(err.Error(), ErrFormat.Error()+": ")
}

// atom is one %(...) of a format or a sort key: its name (without a
// leading '*'), what follows the first ':' and whether it applies to the
// object a tag points at.
type atom struct {
	name  string
	arg   string
	deref bool
}

// known atoms and the type of their values (for sorting).
type fieldType int

const (
	fieldStr fieldType = iota
	fieldNum
	fieldTime
)

// Built on first use rather than when the program starts.
var atoms = sync.OnceValue(func() map[string]fieldType {
	return map[string]fieldType{
		"refname": fieldStr, "objecttype": fieldStr, "objectsize": fieldNum, "objectname": fieldStr,
		"deltabase": fieldStr, "tree": fieldStr, "parent": fieldStr, "numparent": fieldNum,
		"object": fieldStr, "type": fieldStr, "tag": fieldStr,
		"author": fieldStr, "authorname": fieldStr, "authoremail": fieldStr, "authordate": fieldTime,
		"committer": fieldStr, "committername": fieldStr, "committeremail": fieldStr, "committerdate": fieldTime,
		"tagger": fieldStr, "taggername": fieldStr, "taggeremail": fieldStr, "taggerdate": fieldTime,
		"creator": fieldStr, "creatordate": fieldTime,
		"describe": fieldStr, "subject": fieldStr, "body": fieldStr, "trailers": fieldStr, "contents": fieldStr,
		"raw": fieldStr, "upstream": fieldStr, "push": fieldStr, "symref": fieldStr, "flag": fieldStr,
		"HEAD": fieldStr, "color": fieldStr, "worktreepath": fieldStr,
		"align": fieldStr, "end": fieldStr, "if": fieldStr, "then": fieldStr, "else": fieldStr, "rest": fieldStr,
	}
})

// parseAtom reads the inside of %(...), checking the name and arguments
// as git's parse_ref_filter_atom does.
func parseAtom(s string) (atom, error) {
	a := atom{}
	if strings.HasPrefix(s, "*") {
		a.deref, s = true, s[1:]
	}
	name, arg, hasArg := strings.Cut(s, ":")
	a.name, a.arg = name, arg
	if _, ok := atoms()[name]; !ok {
		return a, formatErr("unknown field name: %s", s)
	}
	if name == "rest" {
		return a, formatErr("this command reject atom %%(%s)", s)
	}
	if err := checkArg(a, hasArg); err != nil {
		return a, err
	}
	return a, nil
}

// checkArg rejects the modifiers git rejects for an atom.
func checkArg(a atom, hasArg bool) error {
	bad := func() error {
		if !hasArg {
			return formatErr("expected format: %%(%s:...)", a.name)
		}
		return formatErr("unrecognized %%(%s) argument: %s", a.name, a.arg)
	}
	switch a.name {
	case "refname", "upstream", "push", "symref":
		if !hasArg {
			return nil
		}
		if _, err := parseRefnameArg(a.name, a.arg); err != nil {
			return err
		}
	case "objectname":
		if !hasArg || a.arg == "short" {
			return nil
		}
		if n, ok := strings.CutPrefix(a.arg, "short="); ok {
			if v, err := strconv.Atoi(n); err != nil || v < 0 {
				return formatErr("positive value expected '%s' in %%(objectname)", a.arg)
			}
			return nil
		}
		return formatErr("unrecognized %%(objectname) argument: %s", a.arg)
	case "objecttype", "HEAD", "tree", "parent", "numparent", "object", "type", "tag", "worktreepath", "flag":
		if hasArg && !(a.name == "tree" || a.name == "parent" || a.name == "object") {
			return formatErr("%%(%s) does not take arguments", a.name)
		}
	case "objectsize":
		if hasArg && a.arg != "disk" {
			return formatErr("unrecognized %%(objectsize) argument: %s", a.arg)
		}
	case "subject":
		if hasArg && a.arg != "sanitize" {
			return formatErr("unrecognized %%(subject) argument: %s", a.arg)
		}
	case "body":
		if hasArg {
			return formatErr("%%(body) does not take arguments")
		}
	case "contents":
		switch {
		case !hasArg, a.arg == "subject", a.arg == "body", a.arg == "signature", a.arg == "size":
		case strings.HasPrefix(a.arg, "lines="):
			if v, err := strconv.Atoi(a.arg[6:]); err != nil || v < 0 {
				return formatErr("positive value expected contents:lines=%s", a.arg[6:])
			}
		case strings.HasPrefix(a.arg, "subject:") || strings.HasPrefix(a.arg, "trailers"):
		default:
			return formatErr("unrecognized %%(contents) argument: %s", a.arg)
		}
	case "raw":
		if hasArg && a.arg != "size" {
			return formatErr("unrecognized %%(raw) argument: %s", a.arg)
		}
	case "color":
		if !hasArg {
			return formatErr("expected format: %%(color:<color>)")
		}
		if _, err := gitconfig.ParseColor(a.arg); err != nil {
			return formatErr("unrecognized color: %%(color:%s)", a.arg)
		}
	case "align":
		if !hasArg {
			return formatErr("expected format: %%(align:<width>,<position>)")
		}
		if _, _, err := parseAlign(a.arg); err != nil {
			return err
		}
	case "if":
		if hasArg && !strings.HasPrefix(a.arg, "equals=") && !strings.HasPrefix(a.arg, "notequals=") {
			return formatErr("unrecognized %%(if) argument: %s", a.arg)
		}
	case "then", "else", "end":
		if hasArg {
			return bad()
		}
	}
	return nil
}

// refnameArg is a parsed :short, :lstrip=N, :rstrip=N (or for upstream
// and push :track, :trackshort, :nobracket, :remotename, :remoteref).
type refnameArg struct {
	short          bool
	lstrip, rstrip int
	strip          bool // lstrip or rstrip given
	track, tshort  bool
	nobracket      bool
	remotename     bool
	remoteref      bool
}

func parseRefnameArg(name, arg string) (refnameArg, error) {
	var r refnameArg
	for _, p := range strings.Split(arg, ",") {
		switch {
		case p == "short":
			r.short = true
		case strings.HasPrefix(p, "lstrip=") || strings.HasPrefix(p, "strip=") || strings.HasPrefix(p, "rstrip="):
			k, v, _ := strings.Cut(p, "=")
			n, err := strconv.Atoi(v)
			if err != nil {
				return r, formatErr("Integer value expected refname:%s=%s", k, v)
			}
			r.strip = true
			if k == "rstrip" {
				r.rstrip = n
			} else {
				r.lstrip = n
			}
		case (name == "upstream" || name == "push") && p == "track":
			r.track = true
		case (name == "upstream" || name == "push") && p == "trackshort":
			r.tshort = true
		case (name == "upstream" || name == "push") && p == "nobracket":
			r.nobracket = true
		case (name == "upstream" || name == "push") && p == "remotename":
			r.remotename = true
		case (name == "upstream" || name == "push") && p == "remoteref":
			r.remoteref = true
		default:
			return r, formatErr("unrecognized %%(%s) argument: %s", name, p)
		}
	}
	return r, nil
}

// parseAlign reads align's "<width>,<position>" in either order, or
// width=<n> and position=<left|middle|right>.
func parseAlign(arg string) (int, string, error) {
	width, pos := -1, "left"
	for _, p := range strings.Split(arg, ",") {
		p = strings.TrimSpace(p)
		v := p
		if k, val, ok := strings.Cut(p, "="); ok {
			switch k {
			case "width":
				n, err := strconv.Atoi(val)
				if err != nil || n < 0 {
					return 0, "", formatErr("unrecognized width:%s in %%(align)", val)
				}
				width = n
				continue
			case "position":
				v = val
			}
		}
		switch v {
		case "left", "right", "middle":
			pos = v
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, "", formatErr("unrecognized %%(align) argument: %s", p)
		}
		width = n
	}
	if width < 0 {
		return 0, "", formatErr("positive width expected with the %%(align) atom")
	}
	return width, pos, nil
}

// Format is a parsed --format string.
type Format struct {
	nodes []node
	// Color: %(color:...) prints its escape sequence (git's want_color).
	Color bool
}

type node struct {
	lit  string // a literal run, when atom.name is empty
	atom atom
}

// Parse reads a --format string, checking every atom and that %(align),
// %(if), %(then), %(else) and %(end) nest as git requires.
func Parse(s string) (*Format, error) {
	f := &Format{}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			f.nodes = append(f.nodes, node{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c != '%' {
			lit.WriteByte(c)
			i++
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "%%"):
			lit.WriteByte('%')
			i += 2
		case strings.HasPrefix(s[i:], "%("):
			end := strings.IndexByte(s[i:], ')')
			if end < 0 {
				return nil, formatErr("malformed format string %s", s[i:])
			}
			a, err := parseAtom(s[i+2 : i+end])
			if err != nil {
				return nil, err
			}
			flush()
			f.nodes = append(f.nodes, node{atom: a})
			i += end + 1
		case i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			v, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			lit.WriteByte(byte(v))
			i += 3
		default:
			lit.WriteByte('%')
			i++
		}
	}
	flush()
	return f, f.checkNesting()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// checkNesting is git's check of the %(if)/%(then)/%(else)/%(end) and
// %(align) stack, with its messages.
func (f *Format) checkNesting() error {
	type frame struct {
		kind          string
		then, elseSet bool
	}
	var stack []*frame
	for _, n := range f.nodes {
		switch n.atom.name {
		case "align":
			stack = append(stack, &frame{kind: "align"})
		case "if":
			stack = append(stack, &frame{kind: "if"})
		case "then":
			if len(stack) == 0 || stack[len(stack)-1].kind != "if" {
				return formatErr("format: %%(then) atom used without an %%(if) atom")
			}
			t := stack[len(stack)-1]
			if t.then {
				return formatErr("format: %%(then) atom used more than once")
			}
			if t.elseSet {
				return formatErr("format: %%(then) atom used after %%(else)")
			}
			t.then = true
		case "else":
			if len(stack) == 0 || stack[len(stack)-1].kind != "if" {
				return formatErr("format: %%(else) atom used without an %%(if) atom")
			}
			t := stack[len(stack)-1]
			if !t.then {
				return formatErr("format: %%(else) atom used without a %%(then) atom")
			}
			if t.elseSet {
				return formatErr("format: %%(else) atom used more than once")
			}
			t.elseSet = true
		case "end":
			if len(stack) == 0 {
				return formatErr("format: %%(end) atom used without corresponding atom")
			}
			if t := stack[len(stack)-1]; t.kind == "if" && !t.then {
				return formatErr("format: %%(if) atom used without a %%(then) atom")
			}
			stack = stack[:len(stack)-1]
		}
	}
	if len(stack) > 0 {
		return formatErr("format: %%(end) atom missing")
	}
	return nil
}

// Uses reports whether the format has an atom of that name.
func (f *Format) Uses(name string) bool {
	for _, n := range f.nodes {
		if n.atom.name == name {
			return true
		}
	}
	return false
}

// Expand formats one ref.
func (f *Format) Expand(src Source, it *Item) (string, error) {
	// A stack of output buffers as git's: %(align) and %(if) open one,
	// %(then)/%(else)/%(end) decide what happens to it.
	type frame struct {
		b        strings.Builder
		kind     string
		width    int
		pos      string
		cond     atom
		hasCond  bool
		branch   int // 0 in condition, 1 in then, 2 in else
		ok       bool
		thenText string
	}
	root := &frame{}
	stack := []*frame{root}
	top := func() *frame { return stack[len(stack)-1] }
	for _, n := range f.nodes {
		if n.atom.name == "" {
			top().b.WriteString(n.lit)
			continue
		}
		a := n.atom
		switch a.name {
		case "align":
			w, p, _ := parseAlign(a.arg)
			stack = append(stack, &frame{kind: "align", width: w, pos: p})
			continue
		case "if":
			stack = append(stack, &frame{kind: "if", cond: a, hasCond: a.arg != ""})
			continue
		case "then":
			t := top()
			s := t.b.String()
			switch {
			case strings.HasPrefix(t.cond.arg, "equals="):
				t.ok = s == t.cond.arg[7:]
			case strings.HasPrefix(t.cond.arg, "notequals="):
				t.ok = s != t.cond.arg[10:]
			default:
				t.ok = strings.TrimSpace(s) != ""
			}
			t.b.Reset()
			t.branch = 1
			continue
		case "else":
			t := top()
			t.thenText = t.b.String()
			t.b.Reset()
			t.branch = 2
			continue
		case "end":
			t := top()
			stack = stack[:len(stack)-1]
			var out string
			if t.kind == "align" {
				out = align(t.b.String(), t.width, t.pos)
			} else {
				switch {
				case t.branch == 2 && t.ok:
					out = t.thenText
				case t.branch == 2:
					out = t.b.String()
				case t.ok:
					out = t.b.String()
				}
			}
			top().b.WriteString(out)
			continue
		case "color":
			if f.Color {
				c, _ := gitconfig.ParseColor(a.arg)
				top().b.WriteString(c)
			}
			continue
		}
		v, err := value(src, it, a)
		if err != nil {
			return "", err
		}
		top().b.WriteString(v.s)
	}
	if f.Color {
		// As git: a line whose last colour is not a reset ends with one.
		last := ""
		for _, n := range f.nodes {
			if n.atom.name == "color" {
				last, _ = gitconfig.ParseColor(n.atom.arg)
			}
		}
		if last != "" && last != "\x1b[m" {
			root.b.WriteString("\x1b[m")
		}
	}
	return root.b.String(), nil
}

// align pads s to width display columns, as git's strbuf_utf8_align.
func align(s string, width int, pos string) string {
	w := displayWidth(s)
	if w >= width {
		return s
	}
	gap := width - w
	switch pos {
	case "right":
		return strings.Repeat(" ", gap) + s
	case "middle":
		l := gap / 2
		return strings.Repeat(" ", l) + s + strings.Repeat(" ", gap-l)
	}
	return s + strings.Repeat(" ", gap)
}

// displayWidth counts runes, skipping ANSI colour sequences.
func displayWidth(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';') {
				j++
			}
			if j < len(s) && s[j] == 'm' {
				i = j + 1
				continue
			}
		}
		_, size := utf8DecodeRune(s[i:])
		i += size
		n++
	}
	return n
}
