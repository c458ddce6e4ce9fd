package merge

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/merge/rename"
	"easel.dev/easel/repo/gitobj"
)

// ver is one version of a path; Mode 0 means absent.
type ver struct {
	Hash plumbing.Hash
	Mode filemode.FileMode
}

func (v ver) present() bool { return v.Mode != 0 }

func (v ver) entry() *Entry {
	if !v.present() {
		return nil
	}
	return &Entry{Hash: v.Hash, Mode: v.Mode}
}

// kindOf groups modes the way git's S_IFMT does: regular files (either
// executable bit), symlinks and gitlinks differ in kind.
func kindOf(m filemode.FileMode) int {
	switch m {
	case filemode.Regular, filemode.Executable, filemode.Deprecated:
		return 1
	case filemode.Symlink:
		return 2
	case filemode.Submodule:
		return 3
	case 0:
		return 0
	}
	return 4
}

func isReg(m filemode.FileMode) bool { return kindOf(m) == 1 }

// pinfo is everything known about one path taking part in the merge.
// Stage indexes: 0 base, 1 ours, 2 theirs; masks use bit 1<<stage.
type pinfo struct {
	stages    [3]ver
	pathnames [3]string
	filemask  uint8
	dirmask   uint8
	matchMask uint8

	dfConflict   bool
	pathConflict bool

	// Resolution.
	done   bool // resolved before per-path processing (renamed away)
	result ver
	clean  bool
	kind   string
}

type renameSide struct {
	src, dst string
	side     int
}

type pathPair struct {
	path string
	v    ver
}

// merger holds the state of one tree merge (one level of a recursive
// merge: depth > 0 merges merge bases into a virtual base).
type merger struct {
	ctx   context.Context
	st    Store
	opt   Options
	depth int

	paths     map[string]*pinfo
	ours      map[string]ver  // ours' file at each collected path, for the change list
	survivors map[string]bool // directories keeping content identical on all sides

	deletes  [3][]pathPair
	adds     [3][]pathPair
	relevant [3]map[string]bool

	removedDirs [3]map[string]bool
	dirmasks    map[string]uint8 // sides holding a directory at a path no side has a file at
	dirRel      [3]map[string]int
	visited     map[string]visit
	unclean     bool // a conflict with no index stages (directory rename split, ...)

	final    map[string]*pinfo
	nonEmpty map[string]bool
	msgs     map[string][]string

	trees       trees
	blobs       map[plumbing.Hash][]byte
	noBlobCache bool // past rename detection: read blobs without keeping them
	renames     *rename.Detector
}

func newMerger(ctx context.Context, st Store, opt Options, depth int) *merger {
	m := &merger{
		ctx: ctx, st: st, opt: opt, depth: depth,
		trees:       trees{st: st},
		paths:       map[string]*pinfo{},
		ours:        map[string]ver{},
		survivors:   map[string]bool{},
		relevant:    [3]map[string]bool{{}, {}, {}},
		removedDirs: [3]map[string]bool{{}, {}, {}},
		visited:     map[string]visit{},
		dirmasks:    map[string]uint8{},
		final:       map[string]*pinfo{},
		nonEmpty:    map[string]bool{},
		msgs:        map[string][]string{},
		blobs:       map[plumbing.Hash][]byte{},
	}
	m.renames = &rename.Detector{Load: func(f rename.File) ([]byte, error) { return m.blob(f.Hash) }}
	return m
}

// MergeTrees merges ours and theirs, both descended from base. Any of the
// three may be the zero hash (an empty tree).
func MergeTrees(ctx context.Context, st Store, base, ours, theirs plumbing.Hash, opt Options) (*Result, error) {
	opt.defaults()
	return newMerger(ctx, st, opt, 0).run(base, ours, theirs)
}

func (m *merger) msg(p, format string, args ...any) {
	m.msgs[p] = append(m.msgs[p], fmt.Sprintf(format, args...))
}

func (m *merger) run(base, ours, theirs plumbing.Hash) (*Result, error) {
	if base == emptyTree {
		base = plumbing.ZeroHash
	}
	if ours == emptyTree {
		ours = plumbing.ZeroHash
	}
	if theirs == emptyTree {
		theirs = plumbing.ZeroHash
	}
	if ours == theirs || base == theirs {
		return m.trivial(ours)
	}
	if base == ours {
		return m.trivial(theirs)
	}
	if err := m.collect("", [3]plumbing.Hash{base, ours, theirs}); err != nil {
		return nil, err
	}
	if !m.opt.NoRenames {
		// git does not look for directory renames while building a
		// virtual merge base.
		dirRenames := m.depth == 0 && m.opt.DirRenames != DirRenamesFalse
		if dirRenames {
			m.dirRelevance()
		}
		var bySide [3][]renameSide
		for side := 1; side <= 2; side++ {
			rs, err := m.detectRenames(side)
			if err != nil {
				return nil, err
			}
			bySide[side] = rs
		}
		if dirRenames {
			bySide = m.applyDirRenames(bySide)
		}
		all := append(bySide[1], bySide[2]...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].src < all[j].src })
		if err := m.processRenames(all); err != nil {
			return nil, err
		}
		// Contents held for rename detection are not needed any more;
		// the per-path merges below read each blob once.
		m.blobs = map[plumbing.Hash][]byte{}
		m.renames = nil
		m.noBlobCache = true
	}
	if err := m.processEntries(); err != nil {
		return nil, err
	}
	return m.finish(ours)
}

func (m *merger) trivial(tree plumbing.Hash) (*Result, error) {
	if tree.IsZero() {
		h, err := writeTree(m.st, nil)
		if err != nil {
			return nil, err
		}
		tree = h
	}
	return &Result{Tree: tree, Clean: true}, nil
}

func joinPath(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

func sameEntry(a, b *gitobj.TreeEntry) bool {
	return a != nil && b != nil && a.Hash == b.Hash && a.Mode == b.Mode
}

// markSurvivor records that dir (and so each of its parents) keeps some
// content that no side changed.
func (m *merger) markSurvivor(dir string) {
	for {
		if m.survivors[dir] {
			return
		}
		m.survivors[dir] = true
		if dir == "" {
			return
		}
		i := strings.LastIndexByte(dir, '/')
		if i < 0 {
			dir = ""
		} else {
			dir = dir[:i]
		}
	}
}

// collect walks the three trees together. Subtrees with the same id on
// every side are skipped without being read, so the cost follows the size
// of the changes, not of the trees. (Paths both sides added identically
// are still visited: they can be rename targets, as in git.)
func (m *merger) collect(dir string, h [3]plumbing.Hash) error {
	if err := m.ctx.Err(); err != nil {
		return err
	}
	var names []string
	byName := map[string]*[3]*gitobj.TreeEntry{}
	for i := 0; i < 3; i++ {
		ents, err := m.trees.read(h[i])
		if err != nil {
			return err
		}
		for j := range ents {
			e := &ents[j]
			slot := byName[e.Name]
			if slot == nil {
				slot = &[3]*gitobj.TreeEntry{}
				byName[e.Name] = slot
				names = append(names, e.Name)
			}
			slot[i] = e
		}
	}
	sort.Strings(names)
	kept := false
	for _, name := range names {
		e := byName[name]
		p := joinPath(dir, name)
		if sameEntry(e[0], e[1]) && sameEntry(e[0], e[2]) {
			kept = true
			m.visited[p] = visit{clean: true, mask: 7}
			continue
		}
		var fm, dm uint8
		var fv [3]ver
		var dh [3]plumbing.Hash
		for i := 0; i < 3; i++ {
			if e[i] == nil {
				continue
			}
			if e[i].Mode == filemode.Dir {
				dm |= 1 << i
				dh[i] = e[i].Hash
			} else {
				fm |= 1 << i
				fv[i] = ver{Hash: e[i].Hash, Mode: e[i].Mode}
			}
		}
		if fm != 0 {
			m.addPath(p, fv, fm, dm)
		} else {
			m.dirmasks[p] = dm
		}
		clean := false
		if pi := m.paths[p]; pi != nil && fm == 7 && dm == 0 && pi.matchMask != 0 {
			clean = true
		}
		m.visited[p] = visit{clean: clean, mask: fm | dm}
		if dm&1 != 0 {
			for s := 1; s <= 2; s++ {
				if dm&(1<<s) == 0 {
					m.removedDirs[s][p] = true
				}
			}
		}
		if dm != 0 {
			if err := m.collect(p, dh); err != nil {
				return err
			}
		}
	}
	if kept {
		m.markSurvivor(dir)
	}
	return nil
}

func (m *merger) addPath(p string, fv [3]ver, fm, dm uint8) {
	pi := &pinfo{stages: fv, filemask: fm, dirmask: dm, dfConflict: dm != 0}
	pi.pathnames = [3]string{p, p, p}
	switch {
	case fm&3 == 3 && fv[0] == fv[1]:
		pi.matchMask = 3
	case fm&5 == 5 && fv[0] == fv[2]:
		pi.matchMask = 5
	case fm&6 == 6 && fv[1] == fv[2]:
		pi.matchMask = 6
	}
	m.paths[p] = pi
	m.ours[p] = fv[1]
	for side := 1; side <= 2; side++ {
		bit := uint8(1) << side
		if fm&1 != 0 && fm&bit == 0 {
			m.deletes[side] = append(m.deletes[side], pathPair{p, fv[0]})
			// A source matters when the other side did something to it;
			// git calls this content relevance.
			if pi.matchMask&fm == 0 {
				m.relevant[side][p] = true
			}
		}
		if fm&1 == 0 && fm&bit != 0 {
			m.adds[side] = append(m.adds[side], pathPair{p, fv[side]})
		}
	}
}

func (m *merger) sideName(side int) string {
	if side == 1 {
		return m.opt.OursName
	}
	return m.opt.TheirsName
}

// processRenames moves the stages of renamed paths to their destination,
// as git's ort does, recording rename conflicts.
func (m *merger) processRenames(rens []renameSide) error {
	for i := 0; i < len(rens); i++ {
		r := rens[i]
		oldinfo := m.paths[r.src]
		newinfo := m.paths[r.dst]
		if oldinfo == nil || oldinfo.done || newinfo == nil {
			continue
		}
		if i+1 < len(rens) && rens[i+1].src == r.src {
			pn := [3]string{r.src, r.dst, rens[i+1].dst}
			base, side1, side2 := m.paths[pn[0]], m.paths[pn[1]], m.paths[pn[2]]
			if pn[1] == pn[2] {
				side1.stages[0] = base.stages[0]
				side1.filemask |= 1
				base.done = true
				base.result = ver{}
				i++
				continue
			}
			merged, clean, err := m.contentMerge(pn[0], base.stages[0], side1.stages[1], side2.stages[2], pn, 1+2*m.depth)
			if err != nil {
				return err
			}
			wasBinary := !clean && merged == side1.stages[1]
			side1.stages[1] = merged
			if wasBinary {
				merged = side2.stages[2]
			}
			side2.stages[2] = merged
			side1.pathConflict, side2.pathConflict, base.pathConflict = true, true, true
			side1.kind, side2.kind, base.kind = KindRenameRename, KindRenameRename, KindRenameRename
			m.msg(pn[0], "CONFLICT (rename/rename): %s renamed to %s in %s and to %s in %s.",
				pn[0], pn[1], m.opt.OursName, pn[2], m.opt.TheirsName)
			i++
			continue
		}
		target := r.side
		other := 3 - target
		sourceDeleted := oldinfo.filemask == 1
		collision := newinfo.filemask&(1<<other) != 0
		typeChanged := !sourceDeleted && isReg(oldinfo.stages[other].Mode) != isReg(newinfo.stages[target].Mode)
		if typeChanged && collision {
			collision = false
		}
		switch {
		case collision && !sourceDeleted:
			var pn [3]string
			pn[0], pn[other], pn[target] = r.src, r.src, r.dst
			base, side1, side2 := m.paths[pn[0]], m.paths[pn[1]], m.paths[pn[2]]
			merged, clean, err := m.contentMerge(r.src, base.stages[0], side1.stages[1], side2.stages[2], pn, 1+2*m.depth)
			if err != nil {
				return err
			}
			newinfo.stages[target] = merged
			if !clean {
				newinfo.kind = KindRenameAdd
				m.msg(r.dst, "CONFLICT (rename involved in collision): rename of %s -> %s has content conflicts AND collides with another path; this may result in nested conflict markers.", r.src, r.dst)
			}
		case collision && sourceDeleted:
			newinfo.pathConflict = true
			newinfo.kind = KindRenameDelete
			m.msg(r.dst, "CONFLICT (rename/delete): %s renamed to %s in %s, but deleted in %s.",
				r.src, r.dst, m.sideName(target), m.sideName(other))
		default:
			newinfo.stages[0] = oldinfo.stages[0]
			newinfo.filemask |= 1
			newinfo.pathnames[0] = r.src
			switch {
			case typeChanged:
				oldinfo.stages[0] = ver{}
				oldinfo.filemask &= 6
			case sourceDeleted:
				newinfo.pathConflict = true
				newinfo.kind = KindRenameDelete
				m.msg(r.dst, "CONFLICT (rename/delete): %s renamed to %s in %s, but deleted in %s.",
					r.src, r.dst, m.sideName(target), m.sideName(other))
			default:
				newinfo.stages[other] = oldinfo.stages[other]
				newinfo.filemask |= 1 << other
				newinfo.pathnames[other] = r.src
			}
		}
		if !typeChanged {
			oldinfo.done = true
			oldinfo.result = ver{}
		}
	}
	return nil
}

// uniquePath is git's name for a file moved out of the way:
// path~branch, then path~branch_0, path~branch_1, ...
func (m *merger) uniquePath(p, branch string) string {
	base := p + "~" + strings.ReplaceAll(branch, "/", "_")
	np := base
	for i := 0; ; i++ {
		if m.paths[np] == nil && m.final[np] == nil {
			return np
		}
		np = fmt.Sprintf("%s_%d", base, i)
	}
}

func (m *merger) markNonEmpty(p string) {
	for {
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			m.nonEmpty[""] = true
			return
		}
		p = p[:i]
		if m.nonEmpty[p] {
			return
		}
		m.nonEmpty[p] = true
	}
}

func (m *merger) record(p string, pi *pinfo) {
	m.final[p] = pi
	if pi.result.present() {
		m.markNonEmpty(p)
	}
}

// processEntries resolves every path, deepest first so that a directory's
// fate is known when a file competes with it for its name.
func (m *merger) processEntries() error {
	keys := make([]string, 0, len(m.paths))
	for p := range m.paths {
		keys = append(keys, p)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(keys)))
	for _, p := range keys {
		if err := m.ctx.Err(); err != nil {
			return err
		}
		if err := m.processEntry(p, m.paths[p]); err != nil {
			return err
		}
	}
	return nil
}

func (m *merger) processEntry(p string, pi *pinfo) error {
	if pi.done {
		pi.clean = true
		m.record(p, pi)
		return nil
	}
	dfIndex := 0
	if pi.dfConflict {
		dirSurvives := m.nonEmpty[p] || m.survivors[p]
		if !dirSurvives {
			pi.dfConflict = false
			pi.matchMask &^= pi.dirmask
			pi.dirmask = 0
		} else {
			if pi.filemask == 1 {
				return nil
			}
			pi.matchMask &^= pi.dirmask
			dfIndex = 1
			if pi.dirmask&2 != 0 {
				dfIndex = 2
			}
			pi.dirmask = 0
			branch := m.sideName(dfIndex)
			np := m.uniquePath(p, branch)
			pi.kind = KindFileDirectory
			m.msg(np, "CONFLICT (file/directory): directory in the way of %s from %s; moving it to %s instead.", p, branch, np)
			p = np
		}
	}
	switch {
	case pi.matchMask != 0:
		pi.clean = !pi.dfConflict && !pi.pathConflict
		if pi.matchMask == 6 {
			pi.result = pi.stages[1]
		} else {
			side := 1
			if 7&^pi.matchMask == 4 {
				side = 2
			}
			pi.result = pi.stages[side]
			if !pi.result.present() {
				pi.clean = true
			}
		}
	case pi.filemask >= 6 && kindOf(pi.stages[1].Mode) != kindOf(pi.stages[2].Mode):
		if m.depth > 0 {
			pi.clean = false
			pi.result = pi.stages[0]
			break
		}
		return m.distinctTypes(p, pi)
	case pi.filemask >= 6:
		merged, clean, err := m.contentMerge(p, pi.stages[0], pi.stages[1], pi.stages[2], pi.pathnames, 2*m.depth)
		if err != nil {
			return err
		}
		pi.clean = clean && !pi.dfConflict && !pi.pathConflict
		pi.result = merged
		if clean && pi.dfConflict {
			pi.filemask = 1 << dfIndex
			pi.stages = [3]ver{}
			pi.stages[dfIndex] = merged
		}
		if !clean {
			reason := KindContent
			if pi.filemask == 6 {
				reason = KindAddAdd
			}
			if merged.Mode == filemode.Submodule {
				reason = KindSubmodule
			}
			if pi.kind == "" {
				pi.kind = reason
			}
			m.msg(p, "CONFLICT (%s): Merge conflict in %s", reason, p)
		}
	case pi.filemask == 3 || pi.filemask == 5:
		side := 1
		if pi.filemask == 5 {
			side = 2
		}
		idx := side
		if m.depth > 0 {
			idx = 0
		}
		pi.result = pi.stages[idx]
		pi.clean = false
		if pi.pathConflict && pi.stages[0].Hash == pi.stages[side].Hash {
			// rename/delete, already reported
		} else {
			if pi.kind == "" {
				pi.kind = KindModifyDelete
			}
			mod, del := m.sideName(side), m.sideName(3-side)
			m.msg(p, "CONFLICT (modify/delete): %s deleted in %s and modified in %s.  Version %s of %s left in tree.",
				p, del, mod, mod, p)
		}
	case pi.filemask == 2 || pi.filemask == 4:
		side := 1
		if pi.filemask == 4 {
			side = 2
		}
		pi.result = pi.stages[side]
		pi.clean = !pi.dfConflict && !pi.pathConflict
	case pi.filemask == 1:
		pi.result = ver{}
		pi.clean = !pi.pathConflict
	}
	m.record(p, pi)
	return nil
}

// distinctTypes handles a path that is, say, a regular file on one side and
// a symlink on the other: git moves one (the regular file) aside.
func (m *merger) distinctTypes(p string, pi *pinfo) error {
	a, b, o := pi.stages[1], pi.stages[2], pi.stages[0]
	renameA, renameB := false, false
	switch {
	case isReg(a.Mode):
		renameA = true
	case isReg(b.Mode):
		renameB = true
	default:
		renameA, renameB = true, true
	}
	aPath, bPath := p, p
	if renameA {
		aPath = m.uniquePath(p, m.opt.OursName)
	}
	if renameB {
		bPath = m.uniquePath(p, m.opt.TheirsName)
		if bPath == aPath {
			bPath = m.uniquePath(bPath, m.opt.TheirsName)
		}
	}
	if renameA && renameB {
		m.msg(p, "CONFLICT (distinct types): %s had different types on each side; renamed both of them so each can be recorded somewhere.", p)
	} else {
		m.msg(p, "CONFLICT (distinct types): %s had different types on each side; renamed one of them so each can be recorded somewhere.", p)
	}
	nb := *pi
	nb.result = b
	nb.stages[1] = ver{}
	nb.filemask = 5
	nb.clean = false
	nb.kind = KindDistinctTypes
	if kindOf(b.Mode) != kindOf(o.Mode) {
		nb.stages[0] = ver{}
		nb.filemask = 4
	}
	pi.result = a
	pi.stages[2] = ver{}
	pi.filemask = 3
	pi.clean = false
	pi.kind = KindDistinctTypes
	if kindOf(a.Mode) != kindOf(o.Mode) {
		pi.stages[0] = ver{}
		pi.filemask = 2
	}
	m.record(aPath, pi)
	m.record(bPath, &nb)
	return nil
}

// finish writes the merged tree (ours plus the changes) and the conflict
// list.
func (m *merger) finish(ours plumbing.Hash) (*Result, error) {
	var changes []change
	for p, pi := range m.final {
		if pi.result != m.ours[p] {
			changes = append(changes, change{path: p, v: pi.result})
		}
	}
	for p, v := range m.ours {
		if v.present() && m.final[p] == nil {
			changes = append(changes, change{path: p, v: ver{}})
		}
	}
	tree, err := applyChanges(m.ctx, &m.trees, ours, changes)
	if err != nil {
		return nil, err
	}
	if tree.IsZero() {
		if tree, err = writeTree(m.st, nil); err != nil {
			return nil, err
		}
	}
	res := &Result{Tree: tree, Clean: !m.unclean}
	var cpaths []string
	for p, pi := range m.final {
		if !pi.clean {
			cpaths = append(cpaths, p)
		}
	}
	sort.Strings(cpaths)
	for _, p := range cpaths {
		pi := m.final[p]
		c := Conflict{Path: p, Kind: pi.kind}
		if pi.filemask&1 != 0 {
			c.Base = pi.stages[0].entry()
		}
		if pi.filemask&2 != 0 {
			c.Ours = pi.stages[1].entry()
		}
		if pi.filemask&4 != 0 {
			c.Theirs = pi.stages[2].entry()
		}
		if ms := m.msgs[p]; len(ms) > 0 {
			c.Message = ms[len(ms)-1]
		}
		res.Conflicts = append(res.Conflicts, c)
		res.Clean = false
	}
	var mpaths []string
	for p := range m.msgs {
		mpaths = append(mpaths, p)
	}
	sort.Strings(mpaths)
	for _, p := range mpaths {
		res.Messages = append(res.Messages, m.msgs[p]...)
	}
	return res, nil
}
