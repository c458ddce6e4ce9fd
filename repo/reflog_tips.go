package repo

import (
	"io/fs"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"
)

// ReflogTips are the commits every reflog of the repository names, old
// and new side of each entry, as git's --reflog adds them to a walk.
// Entries that name no commit (deleted refs, pruned objects) are left out.
func (r *Repository) ReflogTips() ([]plumbing.Hash, error) {
	root := r.gitPath("logs")
	var names []plumbing.ReferenceName
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err == nil {
			names = append(names, plumbing.ReferenceName(filepath.ToSlash(rel)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	seen := map[plumbing.Hash]bool{}
	var out []plumbing.Hash
	for _, n := range names {
		entries, err := r.Reflog(n)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			for _, h := range []plumbing.Hash{e.Old, e.New} {
				if h.IsZero() || seen[h] {
					continue
				}
				seen[h] = true
				if _, err := r.commitOf(h); err == nil {
					out = append(out, h)
				}
			}
		}
	}
	return out, nil
}
