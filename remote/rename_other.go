//go:build !linux

package remote

// renameNoReplace renames old to new unless new exists (checked just
// before renaming: see renameNoReplaceChecked).
func renameNoReplace(old, new string) error { return renameNoReplaceChecked(old, new) }
