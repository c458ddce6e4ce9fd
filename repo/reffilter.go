package repo

import (
	"context"
	"errors"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"

	"easel.dev/easel/merge/commitwalk"
)

// RefFilter selects listed refs as git branch and git tag do. Zero hashes
// are unset; with none set every ref matches.
type RefFilter struct {
	Merged   plumbing.Hash // --merged: refs whose commit it reaches
	NoMerged plumbing.Hash // --no-merged: refs whose commit it does not reach
	Contains plumbing.Hash // --contains: refs whose commit reaches it
	PointsAt plumbing.Hash // --points-at: refs naming it, directly or through one tag
	// Patterns are git's wildmatch patterns (no special '/'), matched
	// against the name without refs/heads/, refs/remotes/ or refs/tags/;
	// a ref matching any is listed.
	Patterns []string
}

func (f RefFilter) reach() bool {
	return !f.Merged.IsZero() || !f.NoMerged.IsZero() || !f.Contains.IsZero()
}

// refMatcher applies a RefFilter. Its walks share one commitwalk.Walker
// and remember what they walked, so a long ref list costs about one walk
// of the history the filters need.
type refMatcher struct {
	r        *Repository
	f        RefFilter
	merged   *commitwalk.ReachSet // reachable from f.Merged
	noMrg    *commitwalk.ReachSet // reachable from f.NoMerged
	contains *commitwalk.Contains // reaching f.Contains
}

func (r *Repository) newRefMatcher(ctx context.Context, f RefFilter) (*refMatcher, error) {
	m := &refMatcher{r: r, f: f}
	if !f.reach() {
		return m, nil
	}
	w := commitwalk.For(r.Storer)
	var err error
	if !f.Merged.IsZero() {
		if m.merged, err = w.ReachableFrom(f.Merged); err != nil {
			return nil, err
		}
	}
	if !f.NoMerged.IsZero() {
		if m.noMrg, err = w.ReachableFrom(f.NoMerged); err != nil {
			return nil, err
		}
	}
	if !f.Contains.IsZero() {
		if m.contains, err = w.Contains(f.Contains); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// match reports whether the ref name (short, as patterns see it) pointing
// at id passes the filter.
func (m *refMatcher) match(ctx context.Context, name string, id plumbing.Hash) (bool, error) {
	if len(m.f.Patterns) > 0 {
		ok := false
		for _, p := range m.f.Patterns {
			if Wildmatch(p, name) {
				ok = true
				break
			}
		}
		if !ok {
			return false, nil
		}
	}
	if !m.f.PointsAt.IsZero() && id != m.f.PointsAt {
		// As git: one level of tag only.
		t, err := m.r.tagObject(id)
		if err != nil || t == nil || t.Target != m.f.PointsAt {
			return false, err
		}
	}
	if !m.f.reach() {
		return true, nil
	}
	// As git: a ref that names no commit passes no reachability filter.
	c, err := m.r.commitOf(id)
	if err != nil {
		return false, nil
	}
	if m.merged != nil {
		if ok, err := m.merged.Has(ctx, c.Hash); err != nil || !ok {
			return false, err
		}
	}
	if m.noMrg != nil {
		if ok, err := m.noMrg.Has(ctx, c.Hash); err != nil || ok {
			return false, err
		}
	}
	if m.contains != nil {
		return m.contains.From(ctx, c.Hash)
	}
	return true, nil
}

// tagObject returns the tag object id names, nil when it is something else.
func (r *Repository) tagObject(id plumbing.Hash) (*object.Tag, error) {
	o, err := r.Storer.EncodedObject(plumbing.AnyObject, id)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, nil
	}
	if err != nil || o.Type() != plumbing.TagObject {
		return nil, err
	}
	return object.DecodeTag(r.Storer, o)
}

// Wildmatch matches name against a git pattern as wildmatch does without
// WM_PATHNAME (git tag -l, git branch --list): '*' and '?' match any
// character, '/' included; [...] classes with '!' or '^', ranges and
// [:name:] classes; a backslash quotes the next character.
func Wildmatch(pattern, name string) bool {
	return wildmatch(pattern, name) == wmMatch
}

const (
	wmMatch = iota
	wmNoMatch
	wmAbortAll // the rest of name is too short: no later '*' can help
)

func wildmatch(p, s string) int {
	for len(p) > 0 {
		c := p[0]
		switch c {
		case '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			if p == "" {
				return wmMatch
			}
			for i := 0; i <= len(s); i++ {
				if r := wildmatch(p, s[i:]); r != wmNoMatch {
					return r
				}
			}
			return wmAbortAll
		}
		if s == "" {
			return wmAbortAll
		}
		switch c {
		case '?':
		case '[':
			n, ok := matchClass(p, s[0])
			if n == 0 {
				// An unterminated class is a literal '['.
				if s[0] != '[' {
					return wmNoMatch
				}
				n = 1
			} else if !ok {
				return wmNoMatch
			}
			p, s = p[n:], s[1:]
			continue
		case '\\':
			if len(p) > 1 {
				p = p[1:]
				c = p[0]
			}
			fallthrough
		default:
			if s[0] != c {
				return wmNoMatch
			}
		}
		p, s = p[1:], s[1:]
	}
	if s != "" {
		return wmNoMatch
	}
	return wmMatch
}

// matchClass reads the class at the start of p and reports its length
// (0 when it is not closed) and whether ch is in it.
func matchClass(p string, ch byte) (int, bool) {
	i := 1
	negate := false
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		negate = true
		i++
	}
	in := false
	first := true
	for i < len(p) {
		c := p[i]
		if c == ']' && !first {
			return i + 1, in != negate
		}
		first = false
		if c == '[' && i+1 < len(p) && p[i+1] == ':' {
			if end := strings.Index(p[i+2:], ":]"); end >= 0 {
				if classHas(p[i+2:i+2+end], ch) {
					in = true
				}
				i += 2 + end + 2
				continue
			}
		}
		if c == '\\' && i+1 < len(p) {
			i++
			c = p[i]
		}
		if i+2 < len(p) && p[i+1] == '-' && p[i+2] != ']' {
			hi := p[i+2]
			if hi == '\\' && i+3 < len(p) {
				hi = p[i+3]
				i++
			}
			if c <= ch && ch <= hi {
				in = true
			}
			i += 3
			continue
		}
		if c == ch {
			in = true
		}
		i++
	}
	return 0, false
}

func classHas(name string, c byte) bool {
	isUpper, isLower := c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z'
	isDigit := c >= '0' && c <= '9'
	switch name {
	case "alnum":
		return isUpper || isLower || isDigit
	case "alpha":
		return isUpper || isLower
	case "blank":
		return c == ' ' || c == '\t'
	case "cntrl":
		return c < 32 || c == 127
	case "digit":
		return isDigit
	case "graph":
		return c > 32 && c < 127
	case "lower":
		return isLower
	case "print":
		return c >= 32 && c < 127
	case "punct":
		return c > 32 && c < 127 && !isUpper && !isLower && !isDigit
	case "space":
		return c == ' ' || c >= '\t' && c <= '\r'
	case "upper":
		return isUpper
	case "xdigit":
		return isDigit || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
	}
	return false
}
