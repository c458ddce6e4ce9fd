package merge

import (
	"errors"
	"fmt"

	"github.com/go-git/go-git/v5/plumbing/filemode"
)

// LineMergeFunc merges text line by line and returns the merged content
// (with conflict markers) and the number of conflicts.
type LineMergeFunc func(base, ours, theirs []byte, o LineOptions) ([]byte, int)

// LineOptions are what a line merge needs to know about one file.
type LineOptions struct {
	Style                             string // StyleMerge, StyleDiff3 or StyleZDiff3
	OursLabel, BaseLabel, TheirsLabel string
	MarkerSize                        int
	// Favor is FavorOurs or FavorTheirs to resolve conflicting hunks
	// with that side instead of markers (git merge -X ours|theirs).
	Favor string
}

// defaultLineMerge is set from linemerge.go (histogram diff3).
var defaultLineMerge LineMergeFunc

var errNoLineMerge = errors.New("merge: no line merge available")

func (m *merger) lineMerge() (LineMergeFunc, error) {
	if m.opt.LineMerge != nil {
		return m.opt.LineMerge, nil
	}
	if defaultLineMerge == nil {
		return nil, errNoLineMerge
	}
	return defaultLineMerge, nil
}

// contentMerge is git's handle_content_merge: the mode and the content of
// one path are merged separately; text goes through a line merge, binary
// content keeps ours (the base inside a virtual merge base), symlinks and
// gitlinks conflict when both sides changed them differently.
func (m *merger) contentMerge(p string, o, a, b ver, pathnames [3]string, extraMarker int) (ver, bool, error) {
	clean := true
	var res ver
	if a.Mode == b.Mode || a.Mode == o.Mode {
		res.Mode = b.Mode
	} else {
		res.Mode = a.Mode
		clean = b.Mode == o.Mode
	}
	switch {
	case a.Hash == b.Hash || a.Hash == o.Hash:
		res.Hash = b.Hash
	case b.Hash == o.Hash:
		res.Hash = a.Hash
	case isReg(a.Mode):
		twoWay := kindOf(o.Mode) != kindOf(a.Mode)
		var base []byte
		if !twoWay {
			var err error
			if base, err = m.blob(o.Hash); err != nil {
				return ver{}, false, err
			}
		}
		ours, err := m.blob(a.Hash)
		if err != nil {
			return ver{}, false, err
		}
		theirs, err := m.blob(b.Hash)
		if err != nil {
			return ver{}, false, err
		}
		lo := LineOptions{Style: m.opt.ConflictStyle, MarkerSize: 7 + extraMarker}
		if m.depth == 0 {
			// As git: a virtual merge base keeps its conflicts whatever
			// side the outer merge favours.
			lo.Favor = m.opt.Favor
		}
		if pathnames[0] == pathnames[1] && pathnames[1] == pathnames[2] {
			lo.BaseLabel, lo.OursLabel, lo.TheirsLabel = m.opt.BaseName, m.opt.OursName, m.opt.TheirsName
		} else {
			lo.BaseLabel = m.opt.BaseName + ":" + pathnames[0]
			lo.OursLabel = m.opt.OursName + ":" + pathnames[1]
			lo.TheirsLabel = m.opt.TheirsName + ":" + pathnames[2]
		}
		var pm PathMerge
		if m.opt.PathMerge != nil {
			pm = m.opt.PathMerge(p)
		}
		if pm.MarkerSize > 0 {
			lo.MarkerSize = pm.MarkerSize + extraMarker
		}
		if pm.Union {
			lo.Favor = FavorUnion
		}
		var merged []byte
		conflicts := 0
		if pm.External != nil {
			c, err := false, error(nil)
			if merged, c, err = pm.External(base, ours, theirs, lo.MarkerSize, m.depth > 0); err != nil {
				return ver{}, false, fmt.Errorf("merge %s: %w", p, err)
			}
			if c {
				conflicts = 1
			}
		} else if pm.Binary || isBinary(base) || isBinary(ours) || isBinary(theirs) {
			switch {
			case m.depth > 0:
				merged = base
			case lo.Favor == FavorOurs:
				merged = ours
			case lo.Favor == FavorTheirs:
				merged = theirs
			default:
				merged = ours
				conflicts = 1
				m.msg(p, "warning: Cannot merge binary files: %s (%s vs. %s)", p, lo.OursLabel, lo.TheirsLabel)
			}
		} else {
			lm, err := m.lineMerge()
			if err != nil {
				return ver{}, false, err
			}
			merged, conflicts = lm(base, ours, theirs, lo)
		}
		h, err := writeBlob(m.st, merged)
		if err != nil {
			return ver{}, false, fmt.Errorf("merge %s: %w", p, err)
		}
		res.Hash = h
		clean = clean && conflicts == 0
		m.msg(p, "Auto-merging %s", p)
	case a.Mode == filemode.Submodule:
		// Submodule histories are not available to a tree merge, so two
		// different updates of a gitlink conflict, keeping ours, unless
		// the caller can look into the submodule and find that one
		// update contains the other.
		twoWay := kindOf(o.Mode) != kindOf(a.Mode)
		if ff := m.opt.SubmoduleFastForward; ff != nil && m.depth == 0 && !twoWay && b.Mode == filemode.Submodule {
			if h, ok := ff(p, o.Hash, a.Hash, b.Hash); ok {
				res.Hash = h
				m.msg(p, "Note: Fast-forwarding submodule %s to %s", p, h)
				break
			}
		}
		clean = false
		res.Hash = a.Hash
		m.msg(p, "Failed to merge submodule %s", p)
		if m.depth > 0 && twoWay {
			res = o
		}
	default: // symlink
		switch {
		case m.depth > 0:
			clean = false
			res = o
		case m.opt.Favor == FavorOurs:
			res.Hash = a.Hash
		case m.opt.Favor == FavorTheirs:
			res.Hash = b.Hash
		default:
			clean = false
			res.Hash = a.Hash
		}
	}
	return res, clean, nil
}
