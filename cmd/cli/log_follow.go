package cli

import (
	"context"
	"io"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/patch"
	"easel.dev/easel/repo/pathspec"
)

// follower is log --follow: as git, the walk is not limited by the path;
// each commit is diffed against its parent on the one path followed, and
// where that path is created the whole trees are searched for where it
// came from (try_to_follow_renames). A rename or copy found there is the
// commit's only change, and the path followed from then on is its source.
type follower struct {
	ps pathspec.Pathspec
	// renames is rename detection of the diff shown (git's diffcore_std
	// on the path's changes); find is that of the search for a source
	// (the -M threshold, copies found harder).
	renames, find repo.RenameOptions
	filter        *changeFilter
	// mergeMode is how merges are diffed (mergeDiffs): "" shows none.
	mergeMode string
	// shown holds the changes of each commit shown, to print.
	shown map[plumbing.Hash][]patch.FilePatch
	// from holds the parent of each merge shown by separate diffs.
	from map[plumbing.Hash]plumbing.Hash
}

func newFollower(ps pathspec.Pathspec, renames repo.RenameOptions, filter *changeFilter, mergeMode string) *follower {
	find := renames
	find.Off, find.Copies = false, 2
	return &follower{ps: ps, renames: renames, find: find, filter: filter, mergeMode: mergeMode,
		shown: map[plumbing.Hash][]patch.FilePatch{}, from: map[plumbing.Hash]plumbing.Hash{}}
}

// path is the one path followed, relative to the top.
func (fl *follower) path() string {
	return strings.Trim(fl.ps[0].Pattern, "/")
}

// wrap keeps, of the commits next yields, those that change the path
// followed (and pass the change filter), as git's log_tree_diff decides.
func (fl *follower) wrap(r *repo.Repository, next func(context.Context) (*gitobj.Commit, error)) func(context.Context) (*gitobj.Commit, error) {
	return func(ctx context.Context) (*gitobj.Commit, error) {
		for {
			c, err := next(ctx)
			if err != nil {
				return c, err
			}
			parents := c.ParentHashes
			if len(parents) > 1 {
				switch fl.mergeMode {
				case "":
					continue // as git: merges have no diff, so show nothing
				case "first-parent":
					parents = parents[:1]
				}
			}
			if len(parents) == 0 {
				parents = []plumbing.Hash{plumbing.ZeroHash}
			}
			for _, p := range parents {
				changes, err := fl.changes(ctx, r, p, c.TreeHash)
				if err != nil {
					return nil, err
				}
				if len(changes) > 0 {
					fl.shown[c.Hash] = changes
					if len(parents) > 1 {
						fl.from[c.Hash] = p
					}
					break
				}
			}
			if _, ok := fl.shown[c.Hash]; ok {
				return c, nil
			}
		}
	}
}

// changes is what the commit with tree changed on the path since parent
// (zero: none), after the change filter; the path followed switches when
// the path was created by a rename or copy.
func (fl *follower) changes(ctx context.Context, r *repo.Repository, parent, tree plumbing.Hash) ([]patch.FilePatch, error) {
	var from plumbing.Hash
	if !parent.IsZero() {
		t, err := r.TreeOf(parent)
		if err != nil {
			return nil, err
		}
		from = t
	}
	out, err := r.DiffTrees(ctx, from, tree, fl.ps)
	if err != nil {
		return nil, err
	}
	created := false
	for _, p := range out {
		if !p.From.Exists() {
			created = true
		}
	}
	if created {
		// As git: the creation is the commit's one change, unless a
		// source is found, which then replaces it.
		out = out[:1]
		fp, ok, err := r.FollowRename(from, tree, fl.path(), fl.find)
		if err != nil {
			return nil, err
		}
		if ok {
			out[0] = fp
			fl.ps = pathspec.New([]string{":(literal)" + fp.From.Path})
		}
	} else if out, err = r.DetectRenames(out, fl.renames, false); err != nil {
		return nil, err
	}
	if fl.filter != nil && fl.filter.active() {
		return fl.filter.filter(r, out, false)
	}
	return out, nil
}

// writeFollowed prints the changes the follower found for c, after sep.
func writeFollowed(w io.Writer, env *Env, r *repo.Repository, fl *follower, c *gitobj.Commit, f diffFormat, sep string) error {
	patches := fl.shown[c.Hash]
	delete(fl.shown, c.Hash)
	if len(patches) == 0 {
		return nil
	}
	f.changeFilter = changeFilter{} // already applied
	return writeFoundChanges(w, env, r, patches, f, sep)
}
