// Package pathspec is git's pathspec: the paths and patterns that limit
// what a command looks at (diff, status, add, rm, checkout, restore, log,
// clean, commit …). An element is a path relative to the current
// directory, a leading directory, or a wildcard pattern matched by
// repo/wildmatch, optionally with git's magic in front: long form
// ":(top,literal,glob,icase,exclude)path" or short form ":/path" (top),
// ":!path" and ":^path" (exclude). Every command parses its arguments here
// once, so that one pattern selects the same paths everywhere, as in git.
package pathspec

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"easel.dev/easel/repo/wildmatch"
)

// Magic is a set of pathspec magic words.
type Magic uint

const (
	Top     Magic = 1 << iota // ":(top)", ":/": from the top of the work tree, not the current directory
	Literal                   // ":(literal)": '*', '?', '[' and '\' are ordinary characters
	Glob                      // ":(glob)": wildcards do not cross '/', "**" spans directories
	ICase                     // ":(icase)": ASCII letters match either case
	Exclude                   // ":(exclude)", ":!", ":^": paths matching it are left out
)

var magicNames = []struct {
	name string
	bit  Magic
}{{"top", Top}, {"literal", Literal}, {"glob", Glob}, {"icase", ICase}, {"exclude", Exclude}}

// ErrInvalid is wrapped by every parse error (a usage error: bad magic,
// a path outside the work tree, an empty pathspec).
var ErrInvalid = errors.New("invalid pathspec")

// OutsideError is an element that climbs out of the work tree with "..".
type OutsideError struct{ Elem string }

func (e *OutsideError) Error() string {
	return fmt.Sprintf("%s: '%s' is outside repository", e.Elem, e.Elem)
}

func (e *OutsideError) Unwrap() error { return ErrInvalid }

// invalidError is a parse error in git's words; it is ErrInvalid.
type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(format string, args ...any) error {
	return &invalidError{fmt.Sprintf(format, args...)}
}

// Item is one parsed pathspec element.
type Item struct {
	// Original is the element as given on the command line.
	Original string
	// Pattern is the path or pattern relative to the top of the work tree,
	// "" for the whole tree. A trailing '/' is kept: it limits the item to
	// a directory.
	Pattern string
	Magic   Magic
	// noWild is the length of Pattern's leading part without wildcards.
	noWild int
}

// Pathspec is a list of items. An empty one matches every path.
type Pathspec []Item

// Parse reads command-line pathspecs. prefix is the current directory
// relative to the top of the work tree ("" at the top, else "dir/" or
// "dir"); elements without top magic are taken relative to it, and ".."
// may climb towards the top but not out of it.
func Parse(prefix string, args []string) (Pathspec, error) {
	return parse(prefix, args, "")
}

// ParseCwd is Parse for the commands whose exclusions alone leave out
// paths of the current directory rather than of the whole tree (git's
// PATHSPEC_PREFER_CWD: rm, clean).
func ParseCwd(prefix string, args []string) (Pathspec, error) {
	return parse(prefix, args, strings.Trim(prefix, "/"))
}

func parse(prefix string, args []string, implicit string) (Pathspec, error) {
	prefix = strings.Trim(prefix, "/")
	var ps Pathspec
	for _, a := range args {
		it, err := parseItem(prefix, a)
		if err != nil {
			return nil, err
		}
		ps = append(ps, it)
	}
	return ps.implicit(implicit), nil
}

// implicit adds, as git does, the directory dir ("" the whole tree) as
// the positive item of a pathspec that has only exclusions.
func (ps Pathspec) implicit(dir string) Pathspec {
	for _, it := range ps {
		if !it.IsExclude() {
			return ps
		}
	}
	if len(ps) == 0 {
		return ps
	}
	return append(ps, Item{Original: ".", Pattern: dir, Magic: Top, noWild: len(dir)})
}

// New parses pathspecs already relative to the top of the work tree (the
// strings of Strings, or paths a caller computed itself). It fails on
// none: an element that does not parse is taken as a literal path.
func New(paths []string) Pathspec {
	var ps Pathspec
	for _, p := range paths {
		it, err := parseItem("", p)
		if err != nil {
			it = Item{Original: p, Pattern: p, Magic: Literal, noWild: len(p)}
		}
		ps = append(ps, it)
	}
	return ps.implicit("")
}

// envBool reads a boolean environment variable as git_env_bool does
// (unset, empty or false-ish: false).
func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

// globalMagic is the magic GIT_LITERAL_PATHSPECS, GIT_GLOB_PATHSPECS,
// GIT_NOGLOB_PATHSPECS and GIT_ICASE_PATHSPECS (git --literal-pathspecs
// and friends) give every element. literal: elements are paths as they
// are, with no magic of their own either.
func globalMagic() (m Magic, literal bool, err error) {
	if envBool("GIT_LITERAL_PATHSPECS") {
		return Literal, true, nil
	}
	glob, noglob := envBool("GIT_GLOB_PATHSPECS"), envBool("GIT_NOGLOB_PATHSPECS")
	if glob && noglob {
		return 0, false, invalid("global 'glob' and 'noglob' pathspec settings are incompatible")
	}
	if glob {
		m |= Glob
	}
	if noglob {
		m |= Literal
	}
	if envBool("GIT_ICASE_PATHSPECS") {
		m |= ICase
	}
	return m, false, nil
}

func parseItem(prefix, elem string) (Item, error) {
	it := Item{Original: elem}
	body := elem
	global, literal, err := globalMagic()
	if err != nil {
		return it, err
	}
	switch {
	case literal:
	case strings.HasPrefix(elem, ":("):
		end := strings.IndexByte(elem, ')')
		if end < 0 {
			return it, invalid("Missing ')' at the end of pathspec magic in '%s'", elem)
		}
		for _, w := range strings.Split(elem[2:end], ",") {
			if w == "" {
				continue
			}
			if strings.HasPrefix(w, "prefix:") {
				continue // git's own sub-process prefix; the pattern is already full
			}
			found := false
			for _, m := range magicNames {
				if m.name == w {
					it.Magic |= m.bit
					found = true
				}
			}
			if !found {
				return it, invalid("Invalid pathspec magic '%s' in '%s'", w, elem)
			}
		}
		body = elem[end+1:]
	case strings.HasPrefix(elem, ":"):
		i := 1
	short:
		for ; i < len(elem) && elem[i] != ':'; i++ {
			switch c := elem[i]; {
			case c == '/':
				it.Magic |= Top
			case c == '!' || c == '^':
				it.Magic |= Exclude
			case isMagicChar(c):
				return it, invalid("Unimplemented pathspec magic '%c' in '%s'", c, elem)
			default:
				break short
			}
		}
		if i < len(elem) && elem[i] == ':' {
			i++
		}
		body = elem[i:]
	}
	if it.Magic&(Literal|Glob) == 0 {
		it.Magic |= global & (Literal | Glob)
	}
	it.Magic |= global & ICase
	if it.Magic&Literal != 0 && it.Magic&Glob != 0 {
		return it, invalid("%s: 'literal' and 'glob' are incompatible", elem)
	}
	if elem == "" {
		return it, invalid("empty string is not a valid pathspec. please use . instead if you meant to match all paths")
	}
	base := prefix
	if it.Magic&Top != 0 {
		base = ""
	}
	p, ok := join(base, body)
	if !ok {
		return it, &OutsideError{Elem: elem}
	}
	it.Pattern = p
	it.noWild = len(p)
	if it.Magic&Literal == 0 {
		if i := strings.IndexAny(p, "*?[\\"); i >= 0 {
			it.noWild = i
		}
	}
	return it, nil
}

// isMagicChar: the punctuation git reserves for short magic.
func isMagicChar(c byte) bool {
	return c < 0x80 && strings.IndexByte("!\"#%&',-;<=>@_`~", c) >= 0
}

// join resolves body against the directory base lexically (as git's
// prefix_path does): "." and ".." steps go, a trailing '/' stays, and
// climbing above the top fails.
func join(base, body string) (string, bool) {
	dirOnly := strings.HasSuffix(body, "/") && strings.Trim(body, "/") != ""
	var parts []string
	if base != "" {
		parts = strings.Split(base, "/")
	}
	for _, c := range strings.Split(body, "/") {
		switch c {
		case "", ".":
		case "..":
			if len(parts) == 0 {
				return "", false
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, c)
		}
	}
	p := strings.Join(parts, "/")
	if dirOnly && p != "" {
		p += "/"
	}
	return p, true
}

// Strings gives the items as pathspecs relative to the top, magic kept, so
// that New(ps.Strings()) is ps again.
func (ps Pathspec) Strings() []string {
	var out []string
	for _, it := range ps {
		out = append(out, it.String())
	}
	return out
}

// String is the item relative to the top, with its magic.
func (it Item) String() string {
	m := it.Magic &^ Top
	if m == 0 && !strings.HasPrefix(it.Pattern, ":") {
		if it.Pattern == "" {
			return "."
		}
		return it.Pattern
	}
	words := []string{"top"}
	for _, n := range magicNames[1:] {
		if m&n.bit != 0 {
			words = append(words, n.name)
		}
	}
	return ":(" + strings.Join(words, ",") + ")" + it.Pattern
}

// Empty reports whether ps has no items (and so matches everything).
func (ps Pathspec) Empty() bool { return len(ps) == 0 }

// Plain reports whether every item is a path without wildcards or magic:
// such a pathspec names whole files and directories only.
func (ps Pathspec) Plain() bool {
	for _, it := range ps {
		if it.Magic&^(Top|Literal) != 0 || it.HasWildcard() {
			return false
		}
	}
	return true
}

// HasWildcard reports whether the item is a pattern rather than a path.
func (it Item) HasWildcard() bool { return it.noWild < len(it.Pattern) }

// IsExclude reports whether the item leaves paths out.
func (it Item) IsExclude() bool { return it.Magic&Exclude != 0 }

// Match reports whether path (slash-separated, relative to the top) is
// selected: it matches one item that is not an exclusion (or there are
// only exclusions) and no exclusion.
func (ps Pathspec) Match(p string) bool {
	return ps.selects(func(it Item) bool { return it.Match(p) },
		func(it Item) bool { return it.Match(p) })
}

// selects is true when pos holds for a positive item (or there are none)
// and neg for no exclusion.
func (ps Pathspec) selects(pos, neg func(Item) bool) bool {
	positive, any := false, false
	for _, it := range ps {
		if !it.IsExclude() {
			any = true
			positive = positive || pos(it)
		}
	}
	if any && !positive {
		return false
	}
	for _, it := range ps {
		if it.IsExclude() && neg(it) {
			return false
		}
	}
	return true
}

// Match reports whether path matches this item alone (its exclude magic
// aside), as git's match_pathspec_item does: the same path, a path inside
// the named directory, or a wildcard match.
func (it Item) Match(p string) bool {
	pat := it.Pattern
	if pat == "" {
		return true
	}
	icase := it.Magic&ICase != 0
	if len(pat) <= len(p) && equal(pat, p[:len(pat)], icase) {
		if len(pat) == len(p) || pat[len(pat)-1] == '/' || p[len(pat)] == '/' {
			return true
		}
	}
	if !it.HasWildcard() {
		return false
	}
	if len(p) < it.noWild || !equal(pat[:it.noWild], p[:it.noWild], icase) {
		return false
	}
	var flags wildmatch.Flags
	if it.Magic&Glob != 0 {
		flags |= wildmatch.PathName
	}
	if icase {
		flags |= wildmatch.CaseFold
	}
	return wildmatch.Match(pat[it.noWild:], p[it.noWild:], flags)
}

// MayContain reports whether the directory dir may hold selected paths, so
// that walks can skip the others. It errs towards yes.
func (ps Pathspec) MayContain(dir string) bool {
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		return true
	}
	// An exclusion that takes the whole directory (a plain path at or
	// above it) leaves nothing inside.
	return ps.selects(func(it Item) bool { return it.mayContain(dir) },
		func(it Item) bool { return !it.HasWildcard() && it.Pattern != "" && it.Match(dir+"/") })
}

func (it Item) mayContain(dir string) bool {
	icase := it.Magic&ICase != 0
	lit := it.Pattern[:it.noWild]
	if lit == "" {
		return true
	}
	d := dir + "/"
	if it.HasWildcard() {
		// The literal part before the first wildcard must agree.
		return hasPrefix(d, lit, icase) || hasPrefix(lit, d, icase)
	}
	pat := strings.TrimSuffix(lit, "/") + "/"
	return hasPrefix(d, pat, icase) || hasPrefix(pat, d, icase)
}

func equal(a, b string, icase bool) bool {
	if icase {
		return strings.EqualFold(a, b)
	}
	return a == b
}

func hasPrefix(s, pre string, icase bool) bool {
	return len(s) >= len(pre) && equal(s[:len(pre)], pre, icase)
}

// Literals is a pathspec of exact paths (relative to the top), without
// wildcards or magic: for lists of files a command computed itself.
func Literals(paths []string) Pathspec {
	var ps Pathspec
	for _, p := range paths {
		ps = append(ps, Item{Original: p, Pattern: p, Magic: Top | Literal, noWild: len(p)})
	}
	return ps
}
