package repo

import "easel.dev/easel/repo/statuswalk"

// PrecomposeUnicode is core.precomposeUnicode: file names that come
// decomposed (NFD, as macOS file systems return them) from the file
// system or the command line are used precomposed (NFC), as git does on
// macOS (compat/precompose_utf8.c). git applies it only on macOS builds;
// easel honours it wherever it is set.
func (r *Repository) PrecomposeUnicode() bool {
	return r.ConfigBool("core.precomposeunicode", false)
}

// Precompose returns s with decomposed sequences composed (NFC); ASCII
// names, the common case, are returned as they are.
func Precompose(s string) string { return statuswalk.Precompose(s) }
