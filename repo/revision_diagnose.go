package repo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/gitobj"
)

// DiagnoseRevision says why "<rev>:<path>", ":<path>" or ":<n>:<path>"
// names nothing, in git's words (object-name.c's diagnose_invalid_oid_path
// and diagnose_invalid_index_path): the path exists on disk but not there,
// is in the index at another stage, or is there relative to the top rather
// than to prefix (the current directory below the top, "sub/"). It is only
// run after a revision failed, so a revision that resolves costs nothing
// more. nil when it has nothing more precise to say than "ambiguous".
func (r *Repository) DiagnoseRevision(ctx context.Context, rev, prefix string) error {
	spec, path, ok := cutPath(rev)
	if !ok {
		return nil
	}
	if spec == "" {
		if path == "" || path[0] == '/' {
			return nil // ":/<regex>" is a message search, not a path
		}
		stage := 0
		if len(path) > 2 && path[0] >= '0' && path[0] <= '3' && path[1] == ':' {
			stage, path = int(path[0]-'0'), path[2:]
		}
		idx, err := r.ReadIndex()
		if err != nil {
			return nil
		}
		return r.diagnoseIndexPath(idx, stage, prefix, path)
	}
	h, err := r.ResolveRevision(ctx, spec)
	if err != nil {
		return &RevisionError{Msg: fmt.Sprintf("invalid object name '%s'.", spec)}
	}
	tree, err := r.treeOf(h)
	if err != nil {
		return &RevisionError{Msg: fmt.Sprintf("invalid object name '%s'.", spec)}
	}
	if _, err := tree.FindEntry(strings.Trim(path, "/")); err == nil || strings.Trim(path, "/") == "" {
		return nil
	}
	return r.diagnoseTreePath(tree, spec, prefix, path)
}

// treeOf peels h (a commit, a tag of one, or a tree) to its tree.
func (r *Repository) treeOf(h plumbing.Hash) (*gitobj.Tree, error) {
	th, err := r.peel(h, "tree")
	if err != nil {
		return nil, err
	}
	return gitobj.GetTree(r.Storer, th)
}

// onDisk reports whether path (from the top of the work tree) exists.
func (r *Repository) onDisk(path string) bool {
	if r.WorkDir == "" {
		return false
	}
	_, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(path)))
	return err == nil
}

// diagnoseTreePath is git's diagnose_invalid_oid_path: path is not in
// tree (named spec).
func (r *Repository) diagnoseTreePath(tree *gitobj.Tree, spec, prefix, path string) error {
	if r.onDisk(path) {
		return &RevisionError{Msg: fmt.Sprintf("path '%s' exists on disk, but not in '%s'", path, spec)}
	}
	if full := prefix + path; prefix != "" {
		if _, err := tree.FindEntry(full); err == nil {
			return &RevisionError{Msg: fmt.Sprintf("path '%s' exists, but not '%s'\nhint: Did you mean '%s:%s' aka '%s:./%s'?", full, path, spec, full, spec, path)}
		}
	}
	return &RevisionError{Msg: fmt.Sprintf("path '%s' does not exist in '%s'", path, spec)}
}

// diagnoseIndexPath is git's diagnose_invalid_index_path: path is not in
// the index at stage.
func (r *Repository) diagnoseIndexPath(idx *index.Index, stage int, prefix, path string) error {
	// firstStage is the lowest stage the index holds name at (-1: none).
	firstStage := func(name string) int {
		st := -1
		for _, e := range idx.Entries {
			if e.Name == name && (st < 0 || int(e.Stage) < st) {
				st = int(e.Stage)
			}
		}
		return st
	}
	if st := firstStage(path); st >= 0 {
		return &RevisionError{Msg: fmt.Sprintf("path '%s' is in the index, but not at stage %d\nhint: Did you mean ':%d:%s'?", path, stage, st, path)}
	}
	if full := prefix + path; prefix != "" {
		if st := firstStage(full); st >= 0 {
			return &RevisionError{Msg: fmt.Sprintf("path '%s' is in the index, but not '%s'\nhint: Did you mean ':%d:%s' aka ':%d:./%s'?", full, path, st, full, st, path)}
		}
	}
	if r.onDisk(path) {
		return &RevisionError{Msg: fmt.Sprintf("path '%s' exists on disk, but not in the index", path)}
	}
	return &RevisionError{Msg: fmt.Sprintf("path '%s' does not exist (neither on disk nor in the index)", path)}
}
