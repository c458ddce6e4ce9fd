package refformat

import (
	"sort"
	"strings"
)

// SortKey is one --sort key: an atom, compared as a version
// ("version:" or "v:"), reversed with a leading '-'.
type SortKey struct {
	atom    atom
	typ     fieldType
	version bool
	reverse bool
}

// ParseSortKeys reads --sort keys in the order given; the last one is the
// primary key, as git's.
func ParseSortKeys(keys []string) ([]SortKey, error) {
	out := make([]SortKey, 0, len(keys))
	for i := len(keys) - 1; i >= 0; i-- {
		k := keys[i]
		var s SortKey
		if strings.HasPrefix(k, "-") {
			s.reverse, k = true, k[1:]
		}
		if v, ok := strings.CutPrefix(k, "version:"); ok {
			s.version, k = true, v
		} else if v, ok := strings.CutPrefix(k, "v:"); ok {
			s.version, k = true, v
		}
		a, err := parseAtom(k)
		if err != nil {
			return nil, err
		}
		switch a.name {
		case "align", "end", "if", "then", "else", "color":
			return nil, formatErr("unknown field name: %s", k)
		}
		s.atom, s.typ = a, atoms()[a.name]
		out = append(out, s)
	}
	return out, nil
}

// Sorter orders refs as git's ref_array_sort.
type Sorter struct {
	Keys []SortKey
	// IgnoreCase compares text (and the final refname tie-break) without
	// regard to case (-i).
	IgnoreCase bool
	// DetachedFirst puts a detached HEAD entry first (git branch).
	DetachedFirst bool
	// Suffixes is versionsort.suffix: pre-release suffixes in the order
	// versions carrying them sort, before the bare version.
	Suffixes []string
}

// Sort sorts items in place. Keys that fail to evaluate compare equal.
func (s Sorter) Sort(src Source, items []*Item) error {
	type row struct {
		it   *Item
		vals []val
	}
	rows := make([]row, len(items))
	for i, it := range items {
		rows[i].it = it
		for _, k := range s.Keys {
			v, err := value(src, it, k.atom)
			if err != nil {
				return err
			}
			rows[i].vals = append(rows[i].vals, v)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return s.compare(rows[i].it, rows[j].it, rows[i].vals, rows[j].vals) < 0 })
	for i := range rows {
		items[i] = rows[i].it
	}
	return nil
}

func (s Sorter) compare(a, b *Item, va, vb []val) int {
	for k, key := range s.Keys {
		if s.DetachedFirst && a.Detached != b.Detached {
			if a.Detached {
				return -1
			}
			return 1
		}
		var c int
		switch {
		case key.version:
			c = VersionCompare(va[k].s, vb[k].s, s.Suffixes)
		case key.typ == fieldStr:
			c = s.strcmp(va[k].s, vb[k].s)
		case va[k].n < vb[k].n:
			c = -1
		case va[k].n > vb[k].n:
			c = 1
		}
		if key.reverse {
			c = -c
		}
		if c != 0 {
			return c
		}
	}
	an, bn := a.Refname, b.Refname
	if a.Detached {
		an = "HEAD"
	}
	if b.Detached {
		bn = "HEAD"
	}
	return s.strcmp(an, bn)
}

func (s Sorter) strcmp(a, b string) int {
	if s.IgnoreCase {
		a, b = strings.ToLower(a), strings.ToLower(b)
	}
	return strings.Compare(a, b)
}

// VersionCompare is git's versioncmp: glibc's strverscmp, with the
// pre-release suffixes of versionsort.suffix sorting before the version
// without them.
func VersionCompare(s1, s2 string, suffixes []string) int {
	const (
		sN, sI, sF, sZ = 0, 3, 6, 9
		cmp, length    = 2, 3
	)
	nextState := []int{
		sN, sI, sZ,
		sN, sI, sI,
		sN, sF, sF,
		sN, sF, sZ,
	}
	resultType := []int{
		cmp, cmp, cmp, cmp, length, cmp, cmp, cmp, cmp,
		cmp, -1, -1, +1, length, length, +1, length, length,
		cmp, cmp, cmp, cmp, cmp, cmp, cmp, cmp, cmp,
		cmp, +1, +1, -1, cmp, cmp, -1, cmp, cmp,
	}
	if s1 == s2 {
		return 0
	}
	at := func(s string, i int) int {
		if i < len(s) {
			return int(s[i])
		}
		return 0
	}
	class := func(c int) int {
		n := 0
		if c == '0' {
			n++
		}
		if c >= '0' && c <= '9' {
			n++
		}
		return n
	}
	p1, p2 := 0, 0
	c1, c2 := at(s1, p1), at(s2, p2)
	p1++
	p2++
	state := sN + class(c1)
	diff := c1 - c2
	for diff == 0 {
		if c1 == 0 {
			return 0
		}
		state = nextState[state]
		c1, c2 = at(s1, p1), at(s2, p2)
		p1++
		p2++
		state += class(c1)
		diff = c1 - c2
	}
	if len(suffixes) > 0 {
		if d, ok := swapPrereleases(s1, s2, p1-1, suffixes); ok {
			return d
		}
	}
	state = resultType[state*3+class(c2)]
	switch state {
	case cmp:
		return diff
	case length:
		isDigit := func(s string, i int) bool { c := at(s, i); return c >= '0' && c <= '9' }
		for isDigit(s1, p1) {
			p1++
			if !isDigit(s2, p2) {
				return 1
			}
			p2++
		}
		if isDigit(s2, p2) {
			return -1
		}
		return diff
	}
	return state
}

type suffixMatch struct{ confPos, start, len int }

// swapPrereleases is git's: when the two names differ inside a configured
// suffix, the suffix decides.
func swapPrereleases(s1, s2 string, off int, suffixes []string) (int, bool) {
	m1 := suffixMatch{-1, off, -1}
	m2 := suffixMatch{-1, off, -1}
	for i, suf := range suffixes {
		start := 0
		if len(suf) < off {
			start = off - len(suf)
		}
		betterSuffix(s1, suf, start, i, &m1)
		betterSuffix(s2, suf, start, i, &m2)
	}
	switch {
	case m1.confPos == -1 && m2.confPos == -1:
		return 0, false
	case m1.confPos == m2.confPos:
		return 0, false
	case m1.confPos >= 0 && m2.confPos >= 0:
		return m1.confPos - m2.confPos, true
	case m1.confPos >= 0:
		return -1, true
	}
	return 1, true
}

// betterSuffix is git's find_better_matching_suffix: a better match
// starts earlier, or at the same place and is longer.
func betterSuffix(name, suffix string, start, confPos int, m *suffixMatch) {
	end := m.start - 1
	if m.len < len(suffix) {
		end = m.start
	}
	for i := start; i <= end && i <= len(name); i++ {
		if strings.HasPrefix(name[i:], suffix) {
			m.confPos, m.start, m.len = confPos, i, len(suffix)
			return
		}
	}
}
