package merge

import (
	"easel.dev/easel/merge/diff3"
	"easel.dev/easel/merge/linediff"
)

func init() { defaultLineMerge = histogramMerge }

// histogramMerge is the line merge git merge uses: diff3 over histogram
// diffs, conflicts narrowed as git's xdl_merge does at its "zealous"
// level.
func histogramMerge(base, ours, theirs []byte, o LineOptions) ([]byte, int) {
	style := diff3.StyleMerge
	switch o.Style {
	case StyleDiff3:
		style = diff3.StyleDiff3
	case StyleZDiff3:
		style = diff3.StyleZDiff3
	}
	favor := diff3.FavorNone
	switch o.Favor {
	case FavorOurs:
		favor = diff3.FavorOurs
	case FavorTheirs:
		favor = diff3.FavorTheirs
	case FavorUnion:
		favor = diff3.FavorUnion
	}
	r := diff3.Merge(base, ours, theirs, diff3.Options{
		Style:       style,
		Favor:       favor,
		OursLabel:   o.OursLabel,
		BaseLabel:   o.BaseLabel,
		TheirsLabel: o.TheirsLabel,
		MarkerSize:  o.MarkerSize,
		Algorithm:   linediff.Histogram,
	})
	return r.Content, r.Conflicts
}
