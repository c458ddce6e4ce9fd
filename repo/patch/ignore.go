package patch

import (
	"regexp"

	"easel.dev/easel/merge/linediff"
)

// Ignore says which differences a patch leaves out, as git's -w, -b,
// --ignore-space-at-eol, --ignore-cr-at-eol, --ignore-blank-lines and -I
// do. Whitespace flags change which lines match; blank lines and lines
// matching Matching are still diffed, but a change made only of them is
// not shown unless it is close to a change that is.
type Ignore struct {
	Space      linediff.Flags
	BlankLines bool
	Matching   []*regexp.Regexp
}

// Active says whether anything is ignored: then a file whose changes are
// all ignored prints nothing (git's diff_from_contents).
func (ig Ignore) Active() bool {
	return ig.Space != 0 || ig.BlankLines || len(ig.Matching) > 0
}

// ignorable is xdiff's test for a change that may be left out: all its
// lines on both sides are blank (--ignore-blank-lines) or all match one
// of the -I expressions.
func (ig Ignore) ignorable(a, b []string, e Edit) bool {
	all := func(test func(string) bool) bool {
		for _, l := range a[e.A0:e.A1] {
			if !test(l) {
				return false
			}
		}
		for _, l := range b[e.B0:e.B1] {
			if !test(l) {
				return false
			}
		}
		return true
	}
	if ig.BlankLines && all(ig.Space.Blank) {
		return true
	}
	if len(ig.Matching) > 0 {
		// git matches the line with its newline, under REG_NEWLINE: an
		// expression that matches an empty line also matches just after
		// that newline (the expressions are compiled multi-line).
		return all(func(l string) bool {
			for _, re := range ig.Matching {
				if re.MatchString(l) {
					return true
				}
			}
			return false
		})
	}
	return false
}

// edits diffs a and b as o says: lines compared under the whitespace
// flags, slid as git slides them, and changes marked that may be left out.
func (o Options) edits(a, b []string) []Edit {
	if !o.Ignore.Active() {
		return LineEdits(a, b, o.Algorithm)
	}
	ka, kb := o.Ignore.Space.Keys(a), o.Ignore.Space.Keys(b)
	hunks := linediff.Diff(ka, kb, o.Algorithm)
	if len(hunks) == 0 {
		return nil
	}
	ca, cb := linediff.SlideMarksKeyed(a, b, ka, kb, hunks, true)
	edits := marksToEdits(ca, cb, len(a), len(b))
	if o.Ignore.BlankLines || len(o.Ignore.Matching) > 0 {
		for i := range edits {
			edits[i].Ignore = o.Ignore.ignorable(a, b, edits[i])
		}
	}
	return edits
}

// hunk is a run edits[first..last] printed as one hunk.
type hunk struct{ first, last int }

// groupHunks is xdiff's xdl_get_hunk applied over all edits: changes
// closer than twice the context share a hunk; ignorable changes are left
// out unless they lie within the context of a change that is shown.
func groupHunks(edits []Edit, ctx int) []hunk {
	ctx = max(ctx, 0)
	maxCommon, maxIgnorable := 2*ctx, ctx
	var out []hunk
	for i := 0; i < len(edits); {
		start := i
		for x := i; x < len(edits) && edits[x].Ignore; x++ {
			if x+1 == len(edits) || edits[x+1].A0-edits[x].A1 >= maxIgnorable {
				start = x + 1
			}
		}
		if start >= len(edits) {
			break
		}
		last, ignored := start, 0
	scan:
		for p := start; p+1 < len(edits); p++ {
			x := &edits[p+1]
			distance := x.A0 - edits[p].A1
			switch {
			case distance > maxCommon:
				break scan
			case distance < maxIgnorable && (!x.Ignore || last == p):
				last, ignored = p+1, 0
			case distance < maxIgnorable && x.Ignore:
				ignored += x.B1 - x.B0
			case last != p && x.A0+ignored-edits[last].A1 > maxCommon:
				break scan
			case !x.Ignore:
				last, ignored = p+1, 0
			default:
				ignored += x.B1 - x.B0
			}
		}
		out = append(out, hunk{start, last})
		i = last + 1
	}
	return out
}

// Shows says whether p, printed under o, shows a change of content: a
// hunk, or differing binary files. It is git's found_changes, what the
// exit status of diff --exit-code follows once differences are ignored.
func Shows(p FilePatch, o Options) bool {
	if p.From.Exists() && p.To.Exists() && p.From.Hash == p.To.Hash && !p.To.Dirty {
		return false
	}
	if p.isBinary() {
		return true
	}
	a, b := SplitLines(content(p.From)), SplitLines(content(p.To))
	return len(groupHunks(o.edits(a, b), o.Context)) > 0
}
