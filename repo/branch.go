package repo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"

	"easel.dev/easel/merge/commitwalk"
)

// ErrNotMerged refuses deleting a branch whose commits HEAD does not
// contain (git branch -d); -D deletes anyway.
var ErrNotMerged = errors.New("branch is not fully merged")

// Branch is one local or remote-tracking branch.
type Branch struct {
	Name    string        `json:"name"`
	Hash    plumbing.Hash `json:"-"`
	ID      string        `json:"id"`
	Current bool          `json:"current"`
	Subject string        `json:"subject"`
	// Remote: a remote-tracking branch, Name "origin/main".
	Remote bool `json:"remote,omitempty"`
	// Symref is the branch a symbolic ref (origin/HEAD) points at.
	Symref string `json:"symref,omitempty"`
	// Worktree is the directory of another work tree that has the
	// branch checked out (git marks it '+').
	Worktree string `json:"worktree,omitempty"`
}

// Branches lists local branches sorted by name. The current branch is
// marked; on an unborn branch it is not listed (it has no commit yet).
func (r *Repository) Branches(ctx context.Context) ([]Branch, error) {
	head, _ := r.HeadBranch()
	refs, err := r.refsUnder("refs/heads/")
	if err != nil {
		return nil, err
	}
	out := make([]Branch, 0, len(refs))
	for _, ref := range refs {
		b := Branch{Name: ref.Name().Short(), Hash: ref.Hash(), ID: ref.Hash().String(), Current: ref.Name() == head}
		if c, err := r.commitOf(ref.Hash()); err == nil {
			b.Subject = Subject(c.Message)
		}
		out = append(out, b)
	}
	return out, nil
}

// refsUnder lists hash refs whose name starts with prefix, sorted by name,
// loose and packed alike.
func (r *Repository) refsUnder(prefix string) ([]*plumbing.Reference, error) {
	return r.listRefs(prefix, false)
}

// listRefs lists the refs below prefix, sorted by name; symbolic ones
// only with symrefs.
func (r *Repository) listRefs(prefix string, symrefs bool) ([]*plumbing.Reference, error) {
	iter, err := r.Storer.IterReferences()
	if err != nil {
		return nil, err
	}
	defer iter.Close()
	var refs []*plumbing.Reference
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		if (symrefs || ref.Type() == plumbing.HashReference) && len(ref.Name()) > len(prefix) && strings.HasPrefix(ref.Name().String(), prefix) {
			refs = append(refs, ref)
		}
		return nil
	})
	if err != nil && !errors.Is(err, storer.ErrStop) {
		return nil, err
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Name() < refs[j].Name() })
	return refs, nil
}

// CreateBranch makes refs/heads/<name> point at start, which must be a
// commit. Without force an existing branch is an error; with force the
// current branch still cannot be moved (that would change what HEAD is
// without touching the work tree).
func (r *Repository) CreateBranch(ctx context.Context, name string, start plumbing.Hash, force bool) error {
	return r.CreateBranchFrom(ctx, name, start, "", force)
}

// CreateBranchFrom is CreateBranch with the start point as the user named
// it ("HEAD", "origin/main"), for the reflog: "branch: Created from
// <startName>" (its id when empty).
func (r *Repository) CreateBranchFrom(ctx context.Context, name string, start plumbing.Hash, startName string, force bool) error {
	ref := plumbing.NewBranchReferenceName(name)
	if err := ValidateRefName(ref.String()); err != nil {
		return err
	}
	if _, err := r.commitOf(start); err != nil {
		return fmt.Errorf("%s is not a commit: %w", start, ErrUnknownRevision)
	}
	cur, err := r.ResolveRef(ref)
	exists := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if exists && !force {
		return fmt.Errorf("a branch named '%s' %w", name, ErrAlreadyExists)
	}
	if exists {
		if head, _ := r.HeadBranch(); head == ref {
			return fmt.Errorf("cannot force update the current branch '%s'", name)
		}
		if p, ok := r.checkedOutElsewhere(ref); ok {
			return branchInUse("cannot force update the branch '%s' checked out at '%s'", name, p)
		}
	}
	if startName == "" {
		startName = start.String()
	}
	msg := "branch: Created from " + startName
	if exists {
		msg = "branch: Reset to " + startName
	}
	return r.UpdateRef(ctx, RefUpdate{Name: ref, Old: cur, New: start, CheckOld: true, Message: msg})
}

// DeleteBranch removes a branch and returns the commit it pointed at.
// Without force it refuses a branch whose tip HEAD does not contain.
// The current branch can never be deleted.
func (r *Repository) DeleteBranch(ctx context.Context, name string, force bool) (plumbing.Hash, error) {
	ref := plumbing.NewBranchReferenceName(name)
	if err := ValidateRefName(ref.String()); err != nil {
		return plumbing.ZeroHash, err
	}
	tip, err := r.ResolveRef(ref)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return plumbing.ZeroHash, fmt.Errorf("branch '%s' %w", name, ErrNotFound)
		}
		return plumbing.ZeroHash, err
	}
	if head, _ := r.HeadBranch(); head == ref {
		return plumbing.ZeroHash, fmt.Errorf("cannot delete branch '%s': it is the current branch", name)
	}
	if p, ok := r.checkedOutElsewhere(ref); ok {
		return plumbing.ZeroHash, branchInUse("cannot delete branch '%s' checked out at '%s'", name, p)
	}
	if !force {
		merged, err := r.isMergedIntoHead(tip)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if !merged {
			return plumbing.ZeroHash, fmt.Errorf("the branch '%s' is not fully merged; to delete it anyway, run 'easel branch -D %s': %w", name, name, ErrNotMerged)
		}
	}
	return tip, r.UpdateRef(ctx, RefUpdate{Name: ref, Old: tip, New: plumbing.ZeroHash, CheckOld: true})
}

// isMergedIntoHead reports whether tip is HEAD or one of its ancestors.
func (r *Repository) isMergedIntoHead(tip plumbing.Hash) (bool, error) {
	head, err := r.Head()
	if err != nil {
		return false, err
	}
	if head.IsZero() {
		return false, nil
	}
	if head == tip {
		return true, nil
	}
	tc, err := r.commitOf(tip)
	if err != nil {
		return false, err
	}
	return commitwalk.For(r.Storer).IsAncestor(context.Background(), tc.Hash, head)
}

// RenameBranch renames old to new in one ref transaction; HEAD follows
// when old is the current branch.
func (r *Repository) RenameBranch(ctx context.Context, old, new string, force bool) error {
	oldRef, newRef := plumbing.NewBranchReferenceName(old), plumbing.NewBranchReferenceName(new)
	for _, n := range []plumbing.ReferenceName{oldRef, newRef} {
		if err := ValidateRefName(n.String()); err != nil {
			return err
		}
	}
	head, _ := r.HeadBranch()
	tip, err := r.ResolveRef(oldRef)
	if errors.Is(err, ErrNotFound) {
		if head == oldRef {
			// An unborn current branch: only HEAD changes.
			return r.SetSymbolicRef(plumbing.HEAD, newRef, "")
		}
		return fmt.Errorf("branch '%s' %w", old, ErrNotFound)
	}
	if err != nil {
		return err
	}
	if oldRef == newRef {
		return nil
	}
	cur, err := r.ResolveRef(newRef)
	if err == nil && !force {
		return fmt.Errorf("a branch named '%s' %w", new, ErrAlreadyExists)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	// The transaction follows HEAD to its branch, so name both refs
	// explicitly and move HEAD afterwards. The branch's reflog moves with
	// it; HEAD's, when it is the current branch, records the deletion and
	// then the new branch, which is what git writes.
	msg := "Branch: renamed " + oldRef.String() + " to " + newRef.String()
	if err := r.UpdateRefs(ctx, []RefUpdate{
		{Name: newRef, Old: cur, New: tip, CheckOld: true, Message: msg, renamedFrom: oldRef},
		{Name: oldRef, Old: tip, New: plumbing.ZeroHash, CheckOld: true, Message: msg},
	}); err != nil {
		return err
	}
	if err := r.renameInOtherWorktrees(oldRef, newRef, tip, msg); err != nil {
		return err
	}
	if head == oldRef {
		return r.SetSymbolicRef(plumbing.HEAD, newRef, msg)
	}
	return nil
}
