// Package merge is easel's three-way merge of trees and commits: merge
// bases (including criss-cross histories merged into a virtual base), a
// per-path tree merge with rename detection, and the conflict records a
// work tree and index need. It reads and writes objects through a narrow
// storer interface and knows nothing of work trees, so it runs on memory
// storage in tests.
//
// The behaviour follows git's "ort" strategy, which is the oracle in the
// tests: the same inputs give the same merged tree.
package merge

import (
	"fmt"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// Store is what the merge needs from an object database.
type Store = storer.EncodedObjectStorer

// Entry is one version of a path: a blob, symlink or gitlink and its mode.
type Entry struct {
	Hash plumbing.Hash
	Mode filemode.FileMode
}

func (e *Entry) String() string {
	if e == nil {
		return "<absent>"
	}
	return fmt.Sprintf("%06o %s", uint32(e.Mode), e.Hash)
}

// Conflict kinds, named as git's messages name them.
const (
	KindContent        = "content"
	KindAddAdd         = "add/add"
	KindModifyDelete   = "modify/delete"
	KindRenameDelete   = "rename/delete"
	KindRenameRename   = "rename/rename"
	KindRenameAdd      = "rename/add"
	KindFileDirectory  = "file/directory"
	KindDistinctTypes  = "distinct types"
	KindSubmodule      = "submodule"
	KindBinary         = "binary"
	KindDirRenameSplit = "directory rename split"
)

// Conflict is one unmerged path. Base, Ours and Theirs are the index stages
// 1, 2 and 3 for Path (nil: no such stage); the merged tree holds what the
// work tree should show at Path (content with conflict markers, the
// modified side of a modify/delete, ...).
type Conflict struct {
	Path    string
	Kind    string
	Base    *Entry
	Ours    *Entry
	Theirs  *Entry
	Message string
}

// Result of a merge.
type Result struct {
	// Tree is the merged tree. With conflicts it is what the work tree
	// should contain; the index stages come from Conflicts.
	Tree      plumbing.Hash
	Conflicts []Conflict
	// Messages are git's per-path messages ("Auto-merging f",
	// "CONFLICT (content): Merge conflict in f"), sorted by path.
	Messages []string
	Clean    bool
}

// Conflict styles for text conflicts.
const (
	StyleMerge  = "merge"
	StyleDiff3  = "diff3"
	StyleZDiff3 = "zdiff3"
)

// Sides a merge can favour in conflicting hunks (Options.Favor).
const (
	FavorOurs   = "ours"
	FavorTheirs = "theirs"
	// FavorUnion keeps both sides' lines of a conflicting hunk
	// (merge=union); only PathMerge sets it.
	FavorUnion = "union"
)

// Values of Options.DirRenames, git's merge.directoryRenames: "conflict"
// moves files into a renamed directory but reports each move as a
// conflict, "true" moves them silently, "false" does not look for
// directory renames.
const (
	DirRenamesConflict = "conflict"
	DirRenamesTrue     = "true"
	DirRenamesFalse    = "false"
)

// Options of a merge.
type Options struct {
	// OursName and TheirsName label conflict markers and name the side in
	// messages ("HEAD" and the branch name, as git does).
	OursName   string
	TheirsName string
	// BaseName labels the base in diff3-style markers; MergeCommits sets it
	// as git does (abbreviated id, "merged common ancestors", "empty tree").
	BaseName string
	// ConflictStyle is StyleMerge (default), StyleDiff3 or StyleZDiff3.
	ConflictStyle string
	// Favor is "", FavorOurs or FavorTheirs: conflicting hunks of text
	// files (and whole binary files) are resolved with that side, as git's
	// -X ours and -X theirs do. Conflicts between files as wholes
	// (modify/delete, file/directory, rename/rename) remain conflicts.
	Favor string
	// RenameLimit caps inexact rename detection (sources x destinations);
	// 0 means git's merge default of 7000.
	RenameLimit int
	// NoRenames turns rename detection off.
	NoRenames bool
	// DirRenames is merge.directoryRenames: DirRenamesConflict (the
	// default, ""), DirRenamesTrue or DirRenamesFalse.
	DirRenames string
	// LineMerge replaces the default line merge (for tests).
	LineMerge LineMergeFunc
	// SubmoduleFastForward, when set, is asked about a gitlink both sides
	// moved from base: it returns whichever of ours and theirs contains
	// the other in the submodule's history (git's "Fast-forwarding
	// submodule"), ok false when neither does or it cannot tell.
	SubmoduleFastForward func(path string, base, ours, theirs plumbing.Hash) (plumbing.Hash, bool)
	// PathMerge, when set, says how the content of a path merges (the
	// merge and conflict-marker-size attributes); nil merges all as text.
	PathMerge func(path string) PathMerge
}

// PathMerge is how one path's content merges, git's ll_merge choice.
type PathMerge struct {
	// Binary: keep ours and conflict (merge=binary, -merge).
	Binary bool
	// Union: conflicting hunks keep both sides' lines (merge=union).
	Union bool
	// MarkerSize is conflict-marker-size; 0 for git's 7.
	MarkerSize int
	// External runs a merge.<driver>.driver: it returns the result and
	// whether it conflicts. virtual is true inside a virtual merge base.
	External func(base, ours, theirs []byte, markerSize int, virtual bool) ([]byte, bool, error)
}

func (o *Options) defaults() {
	if o.OursName == "" {
		o.OursName = "ours"
	}
	if o.TheirsName == "" {
		o.TheirsName = "theirs"
	}
	if o.BaseName == "" {
		o.BaseName = "base"
	}
	if o.ConflictStyle == "" {
		o.ConflictStyle = StyleMerge
	}
	if o.DirRenames == "" {
		o.DirRenames = DirRenamesConflict
	}
	if o.RenameLimit <= 0 {
		o.RenameLimit = 7000
	}
}
