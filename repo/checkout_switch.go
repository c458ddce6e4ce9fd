package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// SwitchResult says what Switch did.
type SwitchResult struct {
	Branch       string        // branch now checked out ("" when detached)
	Head         plumbing.Hash // new HEAD commit
	Created      bool          // the branch was created
	Already      bool          // HEAD already was that branch
	TrackingFrom string        // created from this remote-tracking branch ("origin/x")
}

// SwitchBranch checks out branch `name` and points HEAD at it. With create,
// the branch is made at start (zero: HEAD) first, refusing an existing one
// unless force. A name that is not a local branch but exists as exactly one
// remote-tracking branch creates a local branch from it that tracks it, as
// git switch does. The index and work tree move as Checkout moves them; on
// a refusal nothing changes, the branch is not created.
func (r *Repository) SwitchBranch(ctx context.Context, name string, create, force bool, start plumbing.Hash) (*SwitchResult, error) {
	return r.SwitchBranchFrom(ctx, name, create, force, start, "")
}

// SwitchBranchFrom is SwitchBranch with the start point as the user named
// it, for the created branch's reflog ("branch: Created from <startName>";
// "HEAD" when empty and start is zero, otherwise its id).
func (r *Repository) SwitchBranchFrom(ctx context.Context, name string, create, force bool, start plumbing.Hash, startName string) (*SwitchResult, error) {
	return r.Switch(ctx, name, SwitchOptions{Create: create, Reset: force, Start: start, StartName: startName})
}

// SwitchOptions modify Switch.
type SwitchOptions struct {
	Create    bool          // make the branch first (-b, -c)
	Reset     bool          // with Create: reset an existing branch (-B, -C)
	Start     plumbing.Hash // where a created branch starts (zero: HEAD)
	StartName string        // Start as the user named it, for the reflog
	Discard   bool          // throw local changes away (checkout -f, switch --discard-changes)
}

// Switch checks out branch name as SwitchBranchFrom does; with Discard
// the index and work tree are reset to the branch's commit, local changes
// and unmerged paths dropped, as git's checkout -f does.
func (r *Repository) Switch(ctx context.Context, name string, o SwitchOptions) (*SwitchResult, error) {
	create, force, start, startName := o.Create, o.Reset, o.Start, o.StartName
	ref := plumbing.NewBranchReferenceName(name)
	if err := ValidateRefName(ref.String()); err != nil {
		return nil, err
	}
	head, err := r.Head()
	if err != nil {
		return nil, err
	}
	res := &SwitchResult{Branch: name}
	cur, _ := r.HeadBranch()
	target, terr := r.ResolveRef(ref)
	exists := terr == nil
	if terr != nil && !errors.Is(terr, ErrNotFound) {
		return nil, terr
	}
	// git refuses a branch another work tree has checked out: two work
	// trees moving one branch would each see the other's commits as
	// changes to undo. (git 2.39 still allowed -C/-B here; later
	// versions refuse, as easel does.)
	if exists || create {
		if p, ok := r.checkedOutElsewhere(ref); ok {
			return nil, branchInUse("'%s' is already checked out at '%s'", name, p)
		}
	}
	var upstream plumbing.ReferenceName
	switch {
	case create:
		if exists && !force {
			return nil, &BranchError{Msg: fmt.Sprintf("a branch named '%s' already exists", name), Err: ErrAlreadyExists}
		}
		target = start
		if target.IsZero() {
			target = head
			if startName == "" {
				startName = "HEAD"
			}
		}
		res.Created = true
	case !exists:
		rt, ok := r.RemoteTracking(name)
		if !ok {
			return nil, fmt.Errorf("invalid reference: %s: %w", name, ErrUnknownRevision)
		}
		upstream = rt
		var err error
		if target, err = r.ResolveRef(upstream); err != nil {
			return nil, err
		}
		res.Created = true
		res.TrackingFrom = strings.TrimPrefix(upstream.String(), "refs/remotes/")
		startName = res.TrackingFrom
	}
	if startName == "" {
		startName = target.String()
	}
	branchMsg := "branch: Created from " + startName
	if exists {
		branchMsg = "branch: Reset to " + startName
	}
	checkoutMsg := r.CheckoutMessage(name)
	if !res.Created && cur == ref {
		res.Already = true
		res.Head = head
		if o.Discard && !head.IsZero() {
			if err := r.discardTo(ctx, head, head); err != nil {
				return nil, err
			}
		}
		// git logs "checkout: moving from main to main" all the same.
		return res, r.SetSymbolicRef(plumbing.HEAD, ref, r.CheckoutMessage(name))
	}
	if !target.IsZero() {
		if _, err := r.commitTree(target); err != nil {
			return nil, err
		}
		if err := r.moveTo(ctx, head, target, o.Discard); err != nil {
			return nil, err
		}
		if res.Created {
			if err := r.UpdateRefs(ctx, []RefUpdate{{Name: ref, New: target, Message: branchMsg}}); err != nil {
				return nil, err
			}
		}
	}
	if upstream != "" {
		remote, branch, _ := strings.Cut(strings.TrimPrefix(upstream.String(), "refs/remotes/"), "/")
		r.ConfigSet("branch."+name+".remote", remote, false)
		r.ConfigSet("branch."+name+".merge", "refs/heads/"+branch, false)
	}
	if err := r.SetSymbolicRef(plumbing.HEAD, ref, checkoutMsg); err != nil {
		return nil, err
	}
	res.Head = target
	return res, nil
}

// SwitchDetach checks out commit `to` and detaches HEAD at it; name is
// `to` as the user spelled it, for HEAD's reflog (its id when empty).
func (r *Repository) SwitchDetach(ctx context.Context, to plumbing.Hash, name string) error {
	return r.SwitchDetachDiscard(ctx, to, name, false)
}

// SwitchDetachDiscard is SwitchDetach; with discard, local changes are
// thrown away as checkout -f does.
func (r *Repository) SwitchDetachDiscard(ctx context.Context, to plumbing.Hash, name string, discard bool) error {
	head, err := r.Head()
	if err != nil {
		return err
	}
	if err := r.moveTo(ctx, head, to, discard); err != nil {
		return err
	}
	if name == "" {
		name = to.String()
	}
	msg := r.CheckoutMessage(name)
	return r.DetachHead(to, msg)
}

// RemoteTracking finds the single remote-tracking branch <remote>/<name>.
func (r *Repository) RemoteTracking(name string) (plumbing.ReferenceName, bool) {
	remotes, err := r.refsUnder("refs/remotes/")
	if err != nil {
		return "", false
	}
	var found []plumbing.ReferenceName
	for _, rr := range remotes {
		n := strings.TrimPrefix(rr.Name().String(), "refs/remotes/")
		if i := strings.IndexByte(n, '/'); i > 0 && n[i+1:] == name {
			found = append(found, rr.Name())
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

// moveTo moves the index and work tree from commit head to commit to: the
// two-way checkout, or with discard a reset of both to `to` (git's
// checkout -f: unpack-trees' one-way reset).
func (r *Repository) moveTo(ctx context.Context, head, to plumbing.Hash, discard bool) error {
	if _, err := os.Stat(r.indexPath()); errors.Is(err, os.ErrNotExist) {
		// No index yet (clone --no-checkout): every file of `to` is
		// checked out, as git's initial checkout does.
		head = plumbing.ZeroHash
	}
	if discard {
		return r.discardTo(ctx, head, to)
	}
	return r.Checkout(ctx, head, to)
}

func (r *Repository) discardTo(ctx context.Context, head, to plumbing.Hash) error {
	if r.WorkDir == "" {
		return ErrBareRepository
	}
	return r.UpdateIndex(func(idx *index.Index) error { return r.resetHardLocked(ctx, idx, head, to) })
}
