package repo

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/refspec"
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
	var upstreamRemote string
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
		g, err := r.GuessRemote(name)
		if err != nil {
			return nil, err
		}
		if g.Ref == "" {
			return nil, fmt.Errorf("invalid reference: %s: %w", name, ErrUnknownRevision)
		}
		upstream, upstreamRemote = g.Ref, g.Remote
		if target, err = r.ResolveRef(upstream); err != nil {
			return nil, err
		}
		res.Created = true
		res.TrackingFrom = g.Remote + "/" + name
		startName = upstream.String()
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
		r.ConfigSet("branch."+name+".remote", upstreamRemote, false)
		r.ConfigSet("branch."+name+".merge", "refs/heads/"+name, false)
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

// RemoteTracking finds the remote-tracking branch that git's checkout and
// switch would fork a new local branch <name> from (see GuessRemote).
func (r *Repository) RemoteTracking(name string) (plumbing.ReferenceName, bool) {
	g, err := r.GuessRemote(name)
	if err != nil || g.Ref == "" {
		return "", false
	}
	return g.Ref, true
}

// RemoteGuess is what GuessRemote found.
type RemoteGuess struct {
	Ref     plumbing.ReferenceName // the chosen remote-tracking ref ("" when none)
	Remote  string                 // the remote it belongs to
	Matches int                    // how many remotes have a branch <name>
}

// GuessRemote finds, as git's unique_tracking_name does, the remotes whose
// fetch refspecs map refs/heads/<name> to a ref that exists: one is the
// answer; of several, the one checkout.defaultRemote names, if any.
func (r *Repository) GuessRemote(name string) (RemoteGuess, error) {
	var g RemoteGuess
	remotes, err := r.Remotes()
	if err != nil {
		return g, err
	}
	def, _, _ := r.ConfigGet("checkout.defaultRemote")
	src := "refs/heads/" + name
	var first, preferred RemoteGuess
	for _, rm := range remotes {
		dst, ok := refspec.ParseList(rm.Fetch).Query(src)
		if !ok {
			continue
		}
		if _, err := r.ResolveRef(plumbing.ReferenceName(dst)); err != nil {
			continue
		}
		g.Matches++
		if g.Matches == 1 {
			first = RemoteGuess{Ref: plumbing.ReferenceName(dst), Remote: rm.Name}
		}
		if def != "" && rm.Name == def {
			preferred = RemoteGuess{Ref: plumbing.ReferenceName(dst), Remote: rm.Name}
		}
	}
	switch {
	case g.Matches == 1:
		g.Ref, g.Remote = first.Ref, first.Remote
	case preferred.Ref != "":
		g.Ref, g.Remote = preferred.Ref, preferred.Remote
	}
	return g, nil
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

// SwitchOrphan points HEAD at the unborn branch name. With clear (git
// switch --orphan) the index and work tree move to the empty tree as a
// checkout would (local changes in the way refuse it unless discard);
// without (checkout --orphan) they stay as they are, ready to become the
// first commit.
func (r *Repository) SwitchOrphan(ctx context.Context, name string, clear, discard bool) error {
	ref := plumbing.NewBranchReferenceName(name)
	if err := CheckBranchName(name); err != nil {
		return err
	}
	if _, err := r.ResolveRef(ref); err == nil {
		return &BranchError{Msg: fmt.Sprintf("a branch named '%s' already exists", name), Err: ErrAlreadyExists}
	}
	if p, ok := r.checkedOutElsewhere(ref); ok {
		return branchInUse("'%s' is already checked out at '%s'", name, p)
	}
	if clear {
		head, err := r.Head()
		if err != nil {
			return err
		}
		if err := r.moveTo(ctx, head, plumbing.ZeroHash, discard); err != nil {
			return err
		}
	}
	return r.SetSymbolicRef(plumbing.HEAD, ref, r.CheckoutMessage(name))
}

// OperationInProgress names, as git's switch refuses them, a merge, am,
// rebase, cherry-pick or revert under way ("" when none).
func (r *Repository) OperationInProgress() string {
	// As git's wt_status_get_state: the file's presence is enough.
	if _, err := os.Stat(r.gitPath("MERGE_HEAD")); err == nil {
		return "merge"
	}
	if fi, err := os.Stat(r.gitPath("rebase-apply/applying")); err == nil && !fi.IsDir() {
		return "am"
	}
	if r.RebaseInProgress() {
		return "rebase"
	}
	if r.refExists(cherryPickHeadFile) {
		return "cherry-pick"
	}
	if r.refExists(revertHeadFile) {
		return "revert"
	}
	return ""
}
