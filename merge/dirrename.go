package merge

import (
	"sort"
	"strings"
)

// Directory renames, as git's ort detects them with its default
// merge.directoryRenames=conflict: when one side removed a directory and
// moved most of its files to one new directory, files the other side
// added (or renamed) into the old directory are moved to the new one,
// and the move is reported as a conflict for the user to confirm.

const (
	relSelf     = 1 // the other side added a file directly in the directory
	relAncestor = 2 // ... somewhere below it
)

// KindFileLocation marks a path moved by a directory rename.
const KindFileLocation = "file location"

type visit struct {
	clean bool
	mask  uint8
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// dirRelevance marks the removed directories whose renames matter, as
// git's ort does: a directory one side removed while the other side added
// a file directly in it needs its rename (relevant "for self"); removed
// directories below it count towards it ("for ancestor"); and every file
// deleted anywhere below it becomes a rename source, so that where its
// files went can be counted.
func (m *merger) dirRelevance() {
	for s := 1; s <= 2; s++ {
		o := 3 - s
		rel := map[string]int{}
		for _, a := range m.adds[o] {
			pi := m.paths[a.path]
			if pi == nil || pi.filemask != 1<<o {
				continue
			}
			if d := dirOf(a.path); d != "" && m.removedDirs[s][d] {
				rel[d] = relSelf
			}
		}
		m.dirRel[s] = rel
		if len(rel) == 0 {
			continue
		}
		underSelf := func(p string) bool {
			for anc := dirOf(p); anc != ""; anc = dirOf(anc) {
				if rel[anc] == relSelf {
					return true
				}
			}
			return false
		}
		for d := range m.removedDirs[s] {
			if rel[d] == 0 && underSelf(d) {
				rel[d] = relAncestor
			}
		}
		for _, d := range m.deletes[s] {
			if underSelf(d.path) {
				m.relevant[s][d.path] = true
			}
		}
	}
}

// dirRenames turns side's file renames into directory renames: old
// directory -> the new directory that got a strict majority of its files.
func (m *merger) dirRenames(side int, rens []renameSide) map[string]string {
	rel := m.dirRel[side]
	if len(rel) == 0 {
		return nil
	}
	counts := map[string]map[string]int{}
	for _, r := range rens {
		oldDir, newDir := r.src, r.dst
		first := true
		for {
			oldSub, newSub := baseName(oldDir), baseName(newDir)
			oldDir, newDir = dirOf(oldDir), dirOf(newDir)
			if !first && oldSub != newSub {
				break
			}
			flag := rel[oldDir]
			if flag == relSelf || first {
				c := counts[oldDir]
				if c == nil {
					c = map[string]int{}
					counts[oldDir] = c
				}
				c[newDir]++
			}
			first = false
			if flag == 0 || oldDir == "" || newDir == "" {
				break
			}
		}
	}
	out := map[string]string{}
	var srcDirs []string
	for d := range counts {
		srcDirs = append(srcDirs, d)
	}
	sort.Strings(srcDirs)
	for _, d := range srcDirs {
		if rel[d] == 0 {
			continue
		}
		best, max, tie := "", 0, false
		for nd, c := range counts[d] {
			switch {
			case c > max:
				best, max, tie = nd, c, false
			case c == max:
				tie = true
			}
		}
		if max == 0 {
			continue
		}
		if tie {
			m.unclean = true
			m.msg(d, "CONFLICT (directory rename split): Unclear where to rename %s to; it was renamed to multiple other directories, with no destination getting a majority of the files.", d)
			continue
		}
		out[d] = best
	}
	return out
}

// renamedDir finds the deepest renamed directory holding p.
func renamedDir(p string, dr map[string]string) (string, string, bool) {
	for d := dirOf(p); ; d = dirOf(d) {
		if nd, ok := dr[d]; ok && d != "" {
			return d, nd, true
		}
		if d == "" {
			return "", "", false
		}
	}
}

func applyDirRename(p, oldDir, newDir string) string {
	rest := p[len(oldDir):] // starts with '/'
	if newDir == "" {
		return rest[1:]
	}
	return newDir + rest
}

func (m *merger) pathInWay(p string, side int) bool {
	v, ok := m.visited[p]
	if pi := m.paths[p]; pi != nil {
		return (ok && v.clean) || (pi.filemask|pi.dirmask)&(1<<side) != 0
	}
	return ok && (v.clean || v.mask&(1<<side) != 0)
}

type collision struct {
	sources  []string
	reported bool
}

// applyDirRenames moves the files each side added or renamed into a
// directory the other side renamed, and returns the renames with their
// possibly updated destinations.
func (m *merger) applyDirRenames(bySide [3][]renameSide) [3][]renameSide {
	var dr [3]map[string]string
	for s := 1; s <= 2; s++ {
		dr[s] = m.dirRenames(s, bySide[s])
	}
	for d := range dr[1] {
		if _, ok := dr[2][d]; ok {
			delete(dr[1], d)
			delete(dr[2], d)
		}
	}
	if len(dr[1]) == 0 && len(dr[2]) == 0 {
		return bySide
	}
	// The paths each side adds: plain additions and rename targets.
	type target struct {
		path   string
		rename int // index into bySide[s], or -1
	}
	var targets [3][]target
	for s := 1; s <= 2; s++ {
		used := map[string]bool{}
		for i, r := range bySide[s] {
			used[r.dst] = true
			targets[s] = append(targets[s], target{r.dst, i})
		}
		for _, a := range m.adds[s] {
			if !used[a.path] {
				targets[s] = append(targets[s], target{a.path, -1})
			}
		}
		sort.SliceStable(targets[s], func(i, j int) bool { return targets[s][i].path < targets[s][j].path })
	}
	var collisions [3]map[string]*collision
	for s := 1; s <= 2; s++ {
		collisions[s] = map[string]*collision{}
		for _, t := range targets[s] {
			od, nd, ok := renamedDir(t.path, dr[3-s])
			if !ok {
				continue
			}
			np := applyDirRename(t.path, od, nd)
			c := collisions[s][np]
			if c == nil {
				c = &collision{}
				collisions[s][np] = c
			}
			c.sources = append(c.sources, t.path)
		}
	}
	for s := 1; s <= 2; s++ {
		o := 3 - s
		for _, t := range targets[s] {
			if len(dr[o]) == 0 || collisions[o][t.path] != nil {
				continue
			}
			od, nd, ok := renamedDir(t.path, dr[o])
			if !ok {
				continue
			}
			if _, excluded := dr[s][nd]; excluded {
				m.msg(od, "WARNING: Avoiding applying %s -> %s rename to %s, because %s itself was renamed.", od, nd, t.path, nd)
				continue
			}
			np := applyDirRename(t.path, od, nd)
			c := collisions[s][np]
			switch {
			case c.reported:
				m.unclean = true
				continue
			case m.pathInWay(np, s):
				c.reported = true
				m.unclean = true
				m.msg(np, "CONFLICT (implicit dir rename): Existing file/dir at %s in the way of implicit directory rename(s) putting the following path(s) there: %s.", np, strings.Join(c.sources, ", "))
				continue
			case len(c.sources) > 1:
				c.reported = true
				m.unclean = true
				m.msg(np, "CONFLICT (implicit dir rename): Cannot map more than one path to %s; implicit directory renames tried to put these paths there: %s", np, strings.Join(c.sources, ", "))
				continue
			}
			ci := m.paths[t.path]
			if ci == nil {
				continue
			}
			delete(m.paths, t.path)
			if nci := m.paths[np]; nci != nil {
				nci.filemask |= ci.filemask
				if nci.dirmask != 0 {
					nci.dfConflict = true
				}
				nci.pathnames[s] = ci.pathnames[s]
				nci.stages[s] = ci.stages[s]
				ci = nci
			} else {
				// A directory alone at np makes the moved file
				// compete with it, as a file there would.
				if dm := m.dirmasks[np]; dm != 0 {
					ci.dirmask = dm
					ci.dfConflict = true
				}
				m.paths[np] = ci
				if _, ok := m.ours[np]; !ok {
					m.ours[np] = ver{}
				}
			}
			moved := t.path
			if t.rename >= 0 {
				r := &bySide[s][t.rename]
				moved = r.src + " renamed to " + t.path
				r.dst = np
			}
			if m.opt.DirRenames == DirRenamesTrue {
				if t.rename < 0 {
					m.msg(np, "Path updated: %s added in %s inside a directory that was renamed in %s; moving it to %s.",
						moved, m.sideName(s), m.sideName(o), np)
				} else {
					m.msg(np, "Path updated: %s in %s, inside a directory that was renamed in %s; moving it to %s.",
						moved, m.sideName(s), m.sideName(o), np)
				}
				continue
			}
			ci.pathConflict = true
			ci.kind = KindFileLocation
			if t.rename < 0 {
				m.msg(np, "CONFLICT (file location): %s added in %s inside a directory that was renamed in %s, suggesting it should perhaps be moved to %s.",
					moved, m.sideName(s), m.sideName(o), np)
			} else {
				m.msg(np, "CONFLICT (file location): %s in %s, inside a directory that was renamed in %s, suggesting it should perhaps be moved to %s.",
					moved, m.sideName(s), m.sideName(o), np)
			}
		}
	}
	return bySide
}
