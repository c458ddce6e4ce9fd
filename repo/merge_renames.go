package repo

import (
	"strings"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/gitconfig"
)

// mergeDirRenames is merge.directoryRenames as git's merge machinery reads
// it: a boolean (true: move files into renamed directories, false: do not
// look for directory renames) or "conflict", git's default, which moves
// them but reports each move as a conflict. Values git does not know are
// ignored, as git ignores them.
func (r *Repository) mergeDirRenames() string {
	v, ok, err := r.ConfigGet("merge.directoryRenames")
	if err != nil || !ok {
		return merge.DirRenamesConflict
	}
	if b, isBool := gitconfig.ParseBool(v, false); isBool {
		if b {
			return merge.DirRenamesTrue
		}
		return merge.DirRenamesFalse
	}
	if strings.EqualFold(v, "conflict") {
		return merge.DirRenamesConflict
	}
	return merge.DirRenamesConflict
}
