package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/pretty"
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
	// SymrefRef is that branch's full name.
	SymrefRef plumbing.ReferenceName `json:"-"`
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
			b.Subject = pretty.Subject(c.Message)
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
	all, err := r.ListRefs(prefix)
	if err != nil {
		return nil, err
	}
	var out []*plumbing.Reference
	for _, ref := range all {
		if (symrefs || !ref.Symbolic()) && len(ref.Name) > len(prefix) {
			out = append(out, ref.Reference())
		}
	}
	return out, nil
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
	return r.CreateBranchWith(ctx, name, start, startName, BranchCreateOptions{Force: force})
}

// BranchCreateOptions are git branch's choices when creating a branch.
type BranchCreateOptions struct {
	Force bool
	// CreateReflog starts the branch's reflog even where
	// core.logAllRefUpdates would not (git branch --create-reflog).
	CreateReflog bool
}

// CreateBranchWith is CreateBranchFrom with git branch's options.
func (r *Repository) CreateBranchWith(ctx context.Context, name string, start plumbing.Hash, startName string, o BranchCreateOptions) error {
	force := o.Force
	ref := plumbing.NewBranchReferenceName(name)
	if err := CheckBranchName(name); err != nil {
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
	return r.UpdateRef(ctx, RefUpdate{Name: ref, Old: cur, New: start, CheckOld: true, Message: msg, CreateReflog: o.CreateReflog})
}

// DeleteBranch removes a branch and returns the commit it pointed at.
// Without force it refuses a branch whose tip HEAD does not contain.
// The current branch can never be deleted.
func (r *Repository) DeleteBranch(ctx context.Context, name string, force bool) (plumbing.Hash, error) {
	tip, _, err := r.DeleteBranchRef(ctx, name, force, false)
	return tip, err
}

// DeleteBranchRef is git branch -d/-D (remote: -r, a remote-tracking
// branch). Without force the branch must be merged into its upstream,
// or HEAD when it has none; warning is git's note when the two disagree.
// A local branch's configuration section goes with it.
func (r *Repository) DeleteBranchRef(ctx context.Context, name string, force, remote bool) (tip plumbing.Hash, warning string, err error) {
	ref := plumbing.NewBranchReferenceName(name)
	kind := "branch"
	if remote {
		ref = plumbing.ReferenceName("refs/remotes/" + name)
		kind = "remote-tracking branch"
	}
	notFound := &BranchError{Msg: fmt.Sprintf("%s '%s' not found.", kind, name), Err: ErrNotFound}
	if ValidateRefName(ref.String()) != nil {
		return plumbing.ZeroHash, "", notFound
	}
	if sym, err := r.Storer.Reference(ref); err == nil && sym.Type() == plumbing.SymbolicReference {
		// A symbolic branch goes itself; what it points at stays.
		if err := r.removeSymref(ref); err != nil {
			return plumbing.ZeroHash, "", err
		}
		return plumbing.ZeroHash, sym.Target().String(), nil
	}
	tip, err = r.ResolveRef(ref)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return plumbing.ZeroHash, "", notFound
		}
		return plumbing.ZeroHash, "", err
	}
	if !remote {
		if head, _ := r.HeadBranch(); head == ref && !r.IsBare() {
			return plumbing.ZeroHash, "", &BranchError{Msg: fmt.Sprintf("Cannot delete branch '%s' checked out at '%s'", name, r.WorkDir), Err: ErrBranchInUse}
		}
		if p, ok := r.checkedOutElsewhere(ref); ok {
			return plumbing.ZeroHash, "", branchInUse("cannot delete branch '%s' checked out at '%s'", name, p)
		}
	}
	if !force {
		head, _ := r.Head()
		against, against_name := head, ""
		if !remote {
			against, against_name = r.mergedReference(name)
		}
		merged, err := r.isAncestor(tip, against)
		if err != nil {
			return plumbing.ZeroHash, "", err
		}
		if against != head {
			inHead, _ := r.isAncestor(tip, head)
			if inHead != merged {
				if merged {
					warning = fmt.Sprintf("deleting branch '%s' that has been merged to\n         '%s', but not yet merged to HEAD.", name, against_name)
				} else {
					warning = fmt.Sprintf("not deleting branch '%s' that is not yet merged to\n         '%s', even though it is merged to HEAD.", name, against_name)
				}
			}
		}
		if !merged {
			return plumbing.ZeroHash, warning, &BranchError{Msg: fmt.Sprintf("The branch '%s' is not fully merged.\nIf you are sure you want to delete it, run 'easel branch -D %s'.", name, name), Err: ErrNotMerged}
		}
	}
	if err := r.UpdateRef(ctx, RefUpdate{Name: ref, Old: tip, New: plumbing.ZeroHash, CheckOld: true}); err != nil {
		return plumbing.ZeroHash, warning, err
	}
	if !remote {
		if err := r.branchConfigSection(name, "", false); err != nil {
			return tip, warning, err
		}
	}
	return tip, warning, nil
}

// removeSymref deletes a loose symbolic ref without touching its target.
func (r *Repository) removeSymref(ref plumbing.ReferenceName) error {
	if err := os.Remove(r.refPath(ref)); err != nil {
		return err
	}
	removeEmptyDirs(filepath.Dir(r.refPath(ref)), filepath.Join(r.GitDir, "refs"))
	return r.removeReflog(ref)
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
// when old is the current branch, and so does its configuration section.
func (r *Repository) RenameBranch(ctx context.Context, old, new string, force bool) error {
	oldRef, newRef := plumbing.NewBranchReferenceName(old), plumbing.NewBranchReferenceName(new)
	if err := CheckBranchName(old); err != nil {
		if _, e := r.ResolveRef(oldRef); e != nil {
			return &BranchError{Msg: fmt.Sprintf("Invalid branch name: '%s'", old), Err: ErrInvalidRefName}
		}
	}
	if err := r.refuseSymref(oldRef, "renaming"); err != nil {
		return err
	}
	head, _ := r.HeadBranch()
	tip, err := r.ResolveRef(oldRef)
	if errors.Is(err, ErrNotFound) {
		if head == oldRef {
			// An unborn current branch: only HEAD changes.
			if _, err := r.validateNewBranch(new, force); err != nil {
				return err
			}
			return r.SetSymbolicRef(plumbing.HEAD, newRef, "")
		}
		return &BranchError{Msg: fmt.Sprintf("No branch named '%s'.", old), Err: ErrNotFound}
	}
	if err != nil {
		return err
	}
	// "git branch -M current current" cannot make the work tree disagree
	// with HEAD, so git allows it.
	if oldRef == newRef {
		// Nothing moves, but git still logs the rename.
		if err := CheckBranchName(new); err != nil {
			return err
		}
		msg := "Branch: renamed " + oldRef.String() + " to " + newRef.String()
		if err := r.UpdateRefs(ctx, []RefUpdate{{Name: newRef, Old: tip, New: tip, CheckOld: true, NoDeref: true, Message: msg, renamedFrom: oldRef}}); err != nil {
			return err
		}
		if head == oldRef {
			return r.SetSymbolicRef(plumbing.HEAD, newRef, msg)
		}
		return nil
	}
	cur, err := r.validateNewBranch(new, force)
	if err != nil {
		return err
	}
	if err := r.refnameAvailable(newRef, oldRef); err != nil {
		return err
	}
	// The transaction follows HEAD to its branch, so name both refs
	// explicitly and move HEAD afterwards. The branch's reflog moves with
	// it; HEAD's, when it is the current branch, records the deletion and
	// then the new branch, which is what git writes.
	msg := "Branch: renamed " + oldRef.String() + " to " + newRef.String()
	if o, n := oldRef.String()+"/", newRef.String()+"/"; strings.HasPrefix(o, n) || strings.HasPrefix(n, o) {
		// "m" to "m/m" or back: the old ref's file or directory is in
		// the new one's way, so the old goes first, its log set aside
		// where git's rename_ref keeps it meanwhile.
		tmp := plumbing.ReferenceName("refs/.tmp-renamed-log")
		if err := r.renameReflog(oldRef, tmp); err != nil {
			return err
		}
		if err := r.UpdateRefs(ctx, []RefUpdate{{Name: oldRef, Old: tip, New: plumbing.ZeroHash, CheckOld: true, Message: msg}}); err != nil {
			return err
		}
		if err := r.UpdateRefs(ctx, []RefUpdate{{Name: newRef, Old: cur, New: tip, CheckOld: true, Message: msg, renamedFrom: tmp, NoDeref: true}}); err != nil {
			return err
		}
	} else if err := r.UpdateRefs(ctx, []RefUpdate{
		{Name: newRef, Old: cur, New: tip, CheckOld: true, Message: msg, renamedFrom: oldRef, NoDeref: true},
		{Name: oldRef, Old: tip, New: plumbing.ZeroHash, CheckOld: true, Message: msg},
	}); err != nil {
		return err
	}
	if err := r.renameInOtherWorktrees(oldRef, newRef, tip, msg); err != nil {
		return err
	}
	if head == oldRef {
		if err := r.SetSymbolicRef(plumbing.HEAD, newRef, msg); err != nil {
			return err
		}
	}
	return r.branchConfigSection(old, new, false)
}

// refuseSymref refuses renaming or copying a branch that is a symbolic
// ref, as git's refs backend does: what it points at would move instead.
func (r *Repository) refuseSymref(ref plumbing.ReferenceName, doing string) error {
	if sym, err := r.Storer.Reference(ref); err == nil && sym.Type() == plumbing.SymbolicReference {
		return &BranchError{Msg: fmt.Sprintf("refname %s is a symbolic ref, %s it is not supported", ref, doing), Err: ErrInvalidRefName}
	}
	return nil
}
