// Package refspec is git's refspec (gitglossary "refspec"): how fetch
// maps a remote's refs to local ones and push maps local refs to the
// remote's. "+refs/heads/*:refs/remotes/origin/*" forces, "*" matches any
// part of a name (one on each side), "^refs/heads/tmp/*" leaves refs
// out (a negative refspec).
//
// It is the one refspec type of easel: fetch, fetch --prune, branch
// --track, branch -u, @{upstream} and push all map names through it.
package refspec

import (
	"fmt"
	"strings"
)

// Spec is one refspec.
type Spec struct {
	Src, Dst string
	// Force is the leading "+".
	Force bool
	// Negative is a "^<src>" refspec: names it matches are left out.
	Negative bool
}

// Parse reads one refspec. A fetch refspec may leave the destination out
// ("refs/heads/main": fetch without storing); a pattern must have a "*"
// on both sides or neither, and at most one on each.
func Parse(s string) (Spec, error) {
	var sp Spec
	in := s
	if rest, ok := strings.CutPrefix(s, "^"); ok {
		sp.Negative = true
		s = rest
	} else if rest, ok := strings.CutPrefix(s, "+"); ok {
		sp.Force = true
		s = rest
	}
	src, dst, mapped := strings.Cut(s, ":")
	sp.Src, sp.Dst = src, dst
	bad := func(why string) (Spec, error) {
		return Spec{}, fmt.Errorf("invalid refspec '%s': %s", in, why)
	}
	if sp.Negative {
		// git: a negative refspec names sources only, and no object id.
		if mapped || src == "" {
			return bad("a negative refspec has no destination")
		}
		if strings.Count(src, "*") > 1 {
			return bad("more than one '*'")
		}
		return sp, nil
	}
	if strings.Count(src, "*") > 1 || strings.Count(dst, "*") > 1 {
		return bad("more than one '*'")
	}
	if mapped && dst != "" && strings.Contains(src, "*") != strings.Contains(dst, "*") {
		return bad("'*' on one side only")
	}
	if !mapped && src == "" {
		return bad("empty")
	}
	return sp, nil
}

// String is the refspec as git writes it.
func (s Spec) String() string {
	switch {
	case s.Negative:
		return "^" + s.Src
	case s.Force:
		return "+" + s.Src + ":" + s.Dst
	case s.Dst == "":
		return s.Src
	}
	return s.Src + ":" + s.Dst
}

// Pattern reports whether the refspec has a "*".
func (s Spec) Pattern() bool { return strings.Contains(s.Src, "*") }

// match matches name against pattern (one "*" at most, which must match
// at least one character, as git's match_name_with_pattern) and returns
// what the "*" matched.
func match(pattern, name string) (string, bool) {
	pre, post, glob := strings.Cut(pattern, "*")
	if !glob {
		return "", name == pattern
	}
	if len(name) <= len(pre)+len(post) || !strings.HasPrefix(name, pre) || !strings.HasSuffix(name, post) {
		return "", false
	}
	return name[len(pre) : len(name)-len(post)], true
}

func fill(pattern, star string) string {
	return strings.Replace(pattern, "*", star, 1)
}

// Match reports whether name matches the source side.
func (s Spec) Match(name string) bool {
	_, ok := match(s.Src, name)
	return ok
}

// Expand maps a source name to its destination (fetch: remote ref to
// tracking ref). A refspec without a destination maps nothing.
func (s Spec) Expand(name string) (string, bool) { return s.mapName(s.Src, s.Dst, name) }

// Reverse maps a destination name back to its source (fetch: tracking
// ref to the remote ref it stands for).
func (s Spec) Reverse(name string) (string, bool) { return s.mapName(s.Dst, s.Src, name) }

func (s Spec) mapName(from, to, name string) (string, bool) {
	if s.Negative || s.Dst == "" {
		return "", false
	}
	star, ok := match(from, name)
	if !ok {
		return "", false
	}
	return fill(to, star), true
}

// List is a remote's refspecs, in configuration order.
type List []Spec

// ParseList parses refspecs, leaving out those that do not parse (git
// dies on them when it fetches; mapping names must not fail for one bad
// line of configuration).
func ParseList(specs []string) List {
	var out List
	for _, s := range specs {
		if sp, err := Parse(strings.TrimSpace(s)); err == nil {
			out = append(out, sp)
		}
	}
	return out
}

// Excluded reports whether a negative refspec of l matches the source
// name.
func (l List) Excluded(src string) bool {
	for _, s := range l {
		if s.Negative && s.Match(src) {
			return true
		}
	}
	return false
}

// Expand maps a source name through the first refspec that maps it,
// unless a negative refspec leaves it out (git's apply_refspecs).
func (l List) Expand(src string) (string, bool) {
	if l.Excluded(src) {
		return "", false
	}
	return l.Query(src)
}

// Reverse maps a destination name back through the first refspec whose
// destination matches it to a source no negative refspec leaves out.
func (l List) Reverse(dst string) (string, bool) { return l.reverse(dst, true) }

// Query maps a source name through the first refspec that maps it,
// negative refspecs not consulted: git's query_refspecs, which finds the
// tracking ref of an upstream (@{upstream}, branch -vv, status) even for
// a branch a negative refspec keeps fetch from updating.
func (l List) Query(src string) (string, bool) {
	for _, s := range l {
		if dst, ok := s.Expand(src); ok {
			return dst, true
		}
	}
	return "", false
}

// QuerySource is Query backwards: the source a destination name stands
// for (branch --track and -u find the upstream of a tracking ref so).
func (l List) QuerySource(dst string) (string, bool) { return l.reverse(dst, false) }

func (l List) reverse(dst string, negatives bool) (string, bool) {
	for _, s := range l {
		if src, ok := s.Reverse(dst); ok && !(negatives && l.Excluded(src)) {
			return src, true
		}
	}
	return "", false
}
