package repo

import (
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// indexEntryMap maps the stage-0 entries by path.
func indexEntryMap(idx *index.Index) map[string]*index.Entry {
	m := make(map[string]*index.Entry, len(idx.Entries))
	for _, e := range idx.Entries {
		if e.Stage == 0 {
			m[e.Name] = e
		}
	}
	return m
}

// unmergedPaths lists the paths with entries in stages 1-3.
func unmergedPaths(idx *index.Index) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range idx.Entries {
		if e.Stage != 0 && !seen[e.Name] {
			seen[e.Name] = true
			out = append(out, e.Name)
		}
	}
	sort.Strings(out)
	return out
}

// HasUnmerged reports whether the index holds conflicted entries.
func HasUnmerged(idx *index.Index) bool {
	for _, e := range idx.Entries {
		if e.Stage != 0 {
			return true
		}
	}
	return false
}

// setEntry puts a stage-0 entry for e.Name, replacing any entries (all
// stages) for that path, and removes entries that would clash with it as a
// directory/file conflict (a file "a" replaces "a/..." and vice versa).
func setEntry(idx *index.Index, e *index.Entry) {
	out := idx.Entries[:0]
	for _, o := range idx.Entries {
		if o.Name == e.Name || strings.HasPrefix(o.Name, e.Name+"/") || strings.HasPrefix(e.Name, o.Name+"/") {
			continue
		}
		out = append(out, o)
	}
	idx.Entries = append(out, e)
}

// removeEntries drops every entry (all stages) for which drop returns true.
func removeEntries(idx *index.Index, drop func(*index.Entry) bool) int {
	out := idx.Entries[:0]
	n := 0
	for _, e := range idx.Entries {
		if drop(e) {
			n++
			continue
		}
		out = append(out, e)
	}
	for i := len(out); i < len(idx.Entries); i++ {
		idx.Entries[i] = nil
	}
	idx.Entries = out
	return n
}

// blobEntry makes an index entry without stat data (size/times zero), as
// git does for entries that come from a tree rather than the work tree.
func blobEntry(name string, h plumbing.Hash, mode filemode.FileMode) *index.Entry {
	return &index.Entry{Name: name, Hash: h, Mode: mode}
}
