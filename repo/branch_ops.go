package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge"
	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/refspec"
)

// BranchError is a branch command's refusal in git's words; Err is the
// sentinel that picks the exit code.
type BranchError struct {
	Msg string
	Err error
}

func (e *BranchError) Error() string { return e.Msg }
func (e *BranchError) Unwrap() error { return e.Err }

// CheckBranchName is git's strbuf_check_branch_ref: a branch name is a
// valid ref name below refs/heads/ that is neither "HEAD" nor starts
// with '-' (it would read as an option).
func CheckBranchName(name string) error {
	if name == "HEAD" || strings.HasPrefix(name, "-") || ValidateRefName("refs/heads/"+name) != nil {
		return &BranchError{Msg: fmt.Sprintf("'%s' is not a valid branch name", name), Err: ErrInvalidRefName}
	}
	return nil
}

// InterpretBranchName is git's strbuf_branchname: "@{-N}" names the
// branch checked out N switches ago and "<branch>@{upstream}" (@{u},
// @{push} alike) the branch's upstream, shortened; local and remote say
// whether an upstream that is a local branch or a remote-tracking one
// may be the answer. Anything else, or a form that cannot be
// interpreted, comes back as it is.
func (r *Repository) InterpretBranchName(name string, local, remote bool) string {
	out := name
	if local {
		if rest, ok := strings.CutPrefix(name, "@{-"); ok {
			if i := strings.IndexByte(rest, '}'); i > 0 {
				if n, err := strconv.Atoi(rest[:i]); err == nil && n > 0 {
					if prior, err := r.PriorCheckout(n); err == nil {
						out = prior + rest[i+1:]
					}
				}
			}
		}
	}
	for _, mark := range []string{"@{upstream}", "@{u}", "@{push}"} {
		i := len(out) - len(mark)
		if i < 0 || !strings.EqualFold(out[i:], mark) {
			continue
		}
		branch := out[:i]
		if branch == "" || branch == "HEAD" {
			h, _ := r.HeadBranch()
			if h == "" {
				return name
			}
			branch = h.Short()
		}
		up, err := r.UpstreamRef(branch)
		if err != nil || up == "" {
			return name
		}
		switch {
		case local && strings.HasPrefix(up.String(), "refs/heads/"):
			return strings.TrimPrefix(up.String(), "refs/heads/")
		case remote && strings.HasPrefix(up.String(), "refs/remotes/"):
			return strings.TrimPrefix(up.String(), "refs/remotes/")
		}
		return name
	}
	return out
}

// dwimRef is git's dwim_ref: how many of name, refs/name, refs/tags/name,
// refs/heads/name, refs/remotes/name and refs/remotes/name/HEAD exist,
// and the first of them with its symbolic refs followed.
func (r *Repository) dwimRef(name string) (plumbing.ReferenceName, int) {
	var first plumbing.ReferenceName
	n := 0
	for _, c := range []string{name, "refs/" + name, "refs/tags/" + name, "refs/heads/" + name, "refs/remotes/" + name, "refs/remotes/" + name + "/HEAD"} {
		if c != "HEAD" && !strings.HasPrefix(c, "refs/") {
			continue
		}
		if ValidateRefName(c) != nil {
			continue
		}
		full := r.followSymbolic(plumbing.ReferenceName(c))
		if _, err := r.ResolveRef(full); err != nil {
			continue
		}
		if n == 0 {
			first = full
		}
		n++
	}
	return first, n
}

// Track modes of git branch --track and branch.autoSetupMerge.
const (
	TrackNever    = "false"
	TrackRemote   = "true" // only from remote-tracking branches (git's default)
	TrackAlways   = "always"
	TrackDirect   = "direct" // --track: from any branch, or fail
	TrackOverride = "override"
	TrackInherit  = "inherit"
	TrackSimple   = "simple"
)

// DefaultTrack is branch.autoSetupMerge as a track mode.
func (r *Repository) DefaultTrack() (string, error) {
	v, ok, err := r.ConfigGet("branch.autoSetupMerge")
	if err != nil || !ok {
		return TrackRemote, err
	}
	switch strings.ToLower(v) {
	case "always":
		return TrackAlways, nil
	case "inherit":
		return TrackInherit, nil
	case "simple":
		return TrackSimple, nil
	}
	if b, ok := gitconfig.ParseBool(v, false); ok {
		if b {
			return TrackRemote, nil
		}
		return TrackNever, nil
	}
	return TrackRemote, nil
}

// CheckBranchConfig refuses a malformed branch.autoSetupRebase, as git
// does whenever it reads its configuration.
func (r *Repository) CheckBranchConfig() error {
	vals, err := r.ConfigValues()
	if err != nil {
		return err
	}
	for _, v := range vals {
		if v.Key != "branch.autosetuprebase" {
			continue
		}
		if v.NoValue {
			return &BranchError{Msg: "missing value for 'branch.autosetuprebase'", Err: ErrConfigKey}
		}
		switch v.Value {
		case "never", "local", "remote", "always":
		default:
			return &BranchError{Msg: "malformed value for branch.autosetuprebase", Err: ErrConfigKey}
		}
	}
	return nil
}

// StartPoint resolves a new branch's start as git's get_oid_mb does: a
// commit, or "A...B" for the merge base of A and B (either side HEAD
// when empty).
func (r *Repository) StartPoint(ctx context.Context, start string) (plumbing.Hash, error) {
	left, right, ok := strings.Cut(start, "...")
	if !ok {
		return r.ResolveCommit(ctx, start)
	}
	if left == "" {
		left = "HEAD"
	}
	if right == "" {
		right = "HEAD"
	}
	a, err := r.ResolveCommit(ctx, left)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	b, err := r.ResolveCommit(ctx, right)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	bases, err := merge.MergeBases(ctx, r.Storer, a, b)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if len(bases) != 1 {
		return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("not a valid object name: '%s'", start)}
	}
	return bases[0], nil
}

// TrackResult says what tracking setup did, for git's message.
type TrackResult struct {
	Branch   string
	Remote   string // "." for a local upstream
	Merges   []plumbing.ReferenceName
	Rebase   bool
	OwnWarn  bool   // refused to make the branch its own upstream
	Warning  string // git's warning when nothing was set up
	Ambigous []string
}

// Message is git's "branch 'x' set up to track 'origin/main'." line(s),
// empty when nothing was set up.
func (t *TrackResult) Message() string {
	if t == nil || len(t.Merges) == 0 || t.OwnWarn || t.Warning != "" {
		return ""
	}
	var names []string
	for _, m := range t.Merges {
		n := strings.TrimPrefix(m.String(), "refs/heads/")
		if t.Remote != "." {
			n = t.Remote + "/" + n
		}
		names = append(names, n)
	}
	by := ""
	if t.Rebase {
		by = " by rebasing"
	}
	if len(names) == 1 {
		return fmt.Sprintf("branch '%s' set up to track '%s'%s.\n", t.Branch, names[0], by)
	}
	s := fmt.Sprintf("branch '%s' set up to track from '%s'%s:\n", t.Branch, t.Remote, by)
	for _, n := range names {
		s += "  " + n + "\n"
	}
	return s
}

// SetupTracking is git's dwim_and_setup_tracking: branch tracks what
// start names, under mode (Track*). Explicit modes (direct, override)
// fail when start is no branch; the others quietly set up nothing.
func (r *Repository) SetupTracking(ctx context.Context, branch, start, mode string) (*TrackResult, error) {
	realRef, err := r.TrackingStart(ctx, start, mode)
	if err != nil || realRef == "" {
		return nil, err
	}
	return r.ApplyTracking(ctx, branch, realRef, mode)
}

// TrackingStart is the checking half of SetupTracking, done before a new
// branch is made: the ref start names ("" when nothing is to be tracked).
func (r *Repository) TrackingStart(ctx context.Context, start, mode string) (plumbing.ReferenceName, error) {
	if mode == TrackNever {
		return "", nil
	}
	explicit := mode == TrackDirect || mode == TrackOverride
	if _, err := r.StartPoint(ctx, start); err != nil {
		if explicit {
			return "", &BranchError{Msg: fmt.Sprintf("the requested upstream branch '%s' does not exist", start), Err: ErrNotFound}
		}
		return "", err
	}
	notBranch := &BranchError{Msg: fmt.Sprintf("cannot set up tracking information; starting point '%s' is not a branch", start), Err: ErrNotFound}
	realRef, n := r.dwimRef(start)
	switch {
	case n == 0:
		if explicit {
			return "", notBranch
		}
		return "", nil
	case n > 1:
		return "", &BranchError{Msg: fmt.Sprintf("ambiguous object name: '%s'", start), Err: ErrUnknownRevision}
	}
	if !strings.HasPrefix(realRef.String(), "refs/heads/") && !r.fetchedInto(realRef) {
		if explicit {
			return "", notBranch
		}
		return "", nil
	}
	return realRef, nil
}

// fetchedInto reports whether some remote's fetch refspec writes ref.
func (r *Repository) fetchedInto(ref plumbing.ReferenceName) bool {
	rems, _ := r.Remotes()
	for _, rm := range rems {
		if _, ok := refspec.ParseList(rm.Fetch).QuerySource(ref.String()); ok {
			return true
		}
	}
	return false
}

// ApplyTracking is the writing half of SetupTracking: branch.<branch>.*
// for tracking realRef.
func (r *Repository) ApplyTracking(ctx context.Context, branch string, realRef plumbing.ReferenceName, mode string) (*TrackResult, error) {
	rems, err := r.Remotes()
	if err != nil {
		return nil, err
	}
	// Which remotes fetch into realRef, and from where.
	type match struct {
		remote string
		src    plumbing.ReferenceName
	}
	var matches []match
	for _, rm := range rems {
		if src, ok := refspec.ParseList(rm.Fetch).QuerySource(realRef.String()); ok {
			matches = append(matches, match{rm.Name, plumbing.ReferenceName(src)})
		}
	}
	res := &TrackResult{Branch: branch, Remote: "."}
	if mode == TrackInherit {
		short := strings.TrimPrefix(realRef.String(), "refs/heads/")
		rem, merge, err := r.Upstream(short)
		if err != nil {
			return nil, err
		}
		switch {
		case rem == "":
			res.Warning = fmt.Sprintf("asked to inherit tracking from '%s', but no remote is set", short)
			return res, nil
		case merge == "":
			res.Warning = fmt.Sprintf("asked to inherit tracking from '%s', but no merge configuration is set", short)
			return res, nil
		}
		all, _ := r.ConfigGetAll("branch." + short + ".merge")
		res.Remote = rem
		for _, m := range all {
			res.Merges = append(res.Merges, plumbing.ReferenceName(m))
		}
	} else {
		if len(matches) == 0 {
			switch mode {
			case TrackAlways, TrackDirect, TrackOverride:
			default:
				return nil, nil
			}
		}
		if len(matches) > 1 {
			var names []string
			for _, m := range matches {
				names = append(names, m.remote)
			}
			res.Ambigous = names
			return res, &BranchError{Msg: fmt.Sprintf("not tracking: ambiguous information for ref '%s'", realRef), Err: ErrAlreadyExists}
		}
		if len(matches) == 1 {
			res.Remote = matches[0].remote
			res.Merges = []plumbing.ReferenceName{matches[0].src}
		} else {
			res.Merges = []plumbing.ReferenceName{realRef}
		}
		if mode == TrackSimple {
			if b, ok := strings.CutPrefix(res.Merges[0].String(), "refs/heads/"); !ok || b != branch {
				return nil, nil
			}
		}
	}
	if res.Remote == "." && len(res.Merges) == 1 && res.Merges[0].String() == "refs/heads/"+branch {
		res.OwnWarn = true
		return res, nil
	}
	rebase, _, _ := r.ConfigGet("branch.autoSetupRebase")
	switch rebase {
	case "always":
		res.Rebase = true
	case "local":
		res.Rebase = res.Remote == "."
	case "remote":
		res.Rebase = res.Remote != "."
	}
	err = r.updateLocalConfig(func(c localConfig, e *configEdit) error {
		return e.writeTracking(branch, res.Remote, res.Merges, res.Rebase)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// editLocalConfig edits the repository's own config file under its lock;
// a held lock is refused in git's words.
func (r *Repository) editLocalConfig(edit func([]byte) ([]byte, error)) error {
	path := r.configPath()
	err := EditConfigFile(path, edit)
	if errors.Is(err, ErrLocked) {
		shown := path
		if wd, e := os.Getwd(); e == nil {
			if rel, e := filepath.Rel(wd, path); e == nil && !strings.HasPrefix(rel, "..") {
				shown = rel
			}
		}
		return &BranchError{Msg: "could not lock config file " + shown + ": File exists", Err: ErrLocked}
	}
	return err
}

// branchConfigSection renames (to "" removes) section branch.<old>, or
// copies it after each of its occurrences, as git does when a branch is
// renamed, deleted or copied.
func (r *Repository) branchConfigSection(old, new string, copy bool) error {
	if _, err := os.Stat(r.configPath()); err != nil {
		return nil
	}
	return r.editLocalConfig(func(data []byte) ([]byte, error) {
		if copy {
			return gitconfig.CopySection(data, "config", "branch."+old, "branch."+new)
		}
		out, _, err := gitconfig.RenameSection(data, "config", "branch."+old, "branch."+new, new == "")
		return out, err
	})
}

// CopyBranch is git branch -c: new starts at old's commit with a copy
// of its reflog and configuration. Copying onto itself changes nothing.
func (r *Repository) CopyBranch(ctx context.Context, old, new string, force bool) error {
	if err := CheckBranchName(old); err != nil {
		return err
	}
	oldRef := plumbing.NewBranchReferenceName(old)
	if err := r.refuseSymref(oldRef, "copying"); err != nil {
		return err
	}
	tip, err := r.ResolveRef(oldRef)
	if err != nil {
		if head, _ := r.HeadBranch(); head == oldRef {
			return &BranchError{Msg: fmt.Sprintf("no commit on branch '%s' yet", old), Err: ErrNotFound}
		}
		return &BranchError{Msg: fmt.Sprintf("no branch named '%s'", old), Err: ErrNotFound}
	}
	newRef := plumbing.NewBranchReferenceName(new)
	if old == new {
		// Nothing moves, but git still logs the copy.
		if err := CheckBranchName(new); err != nil {
			return err
		}
		return r.UpdateRefs(ctx, []RefUpdate{{Name: newRef, Old: tip, New: tip, CheckOld: true, NoDeref: true, Message: "Branch: copied " + oldRef.String() + " to " + newRef.String(), copiedFrom: oldRef}})
	}
	cur, err := r.validateNewBranch(new, force)
	if err != nil {
		return err
	}
	if err := r.refnameAvailable(newRef, ""); err != nil {
		return err
	}
	msg := "Branch: copied " + oldRef.String() + " to " + newRef.String()
	if err := r.UpdateRefs(ctx, []RefUpdate{{Name: newRef, Old: cur, New: tip, CheckOld: true, Message: msg, copiedFrom: oldRef}}); err != nil {
		return err
	}
	return r.branchConfigSection(old, new, true)
}

// validateNewBranch is git's validate_new_branchname: name must be a valid
// branch name, and an existing branch is only overwritten with force
// and when no work tree has it checked out. Returns its current tip.
func (r *Repository) validateNewBranch(name string, force bool) (plumbing.Hash, error) {
	if err := CheckBranchName(name); err != nil {
		return plumbing.ZeroHash, err
	}
	ref := plumbing.NewBranchReferenceName(name)
	cur, err := r.ResolveRef(ref)
	if errors.Is(err, ErrNotFound) {
		return plumbing.ZeroHash, nil
	}
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if !force {
		return cur, &BranchError{Msg: fmt.Sprintf("a branch named '%s' already exists", name), Err: ErrAlreadyExists}
	}
	if head, _ := r.HeadBranch(); head == ref {
		return cur, branchInUse("cannot force update the branch '%s' checked out at '%s'", name, r.WorkDir)
	}
	if p, ok := r.checkedOutElsewhere(ref); ok {
		return cur, branchInUse("cannot force update the branch '%s' checked out at '%s'", name, p)
	}
	return cur, nil
}

// mergedReference is what git branch -d checks a branch against: its
// upstream when it has one that exists, else HEAD.
func (r *Repository) mergedReference(branch string) (plumbing.Hash, string) {
	if up, err := r.UpstreamRef(branch); err == nil && up != "" {
		if h, err := r.ResolveRef(up); err == nil {
			return h, up.String()
		}
	}
	h, _ := r.Head()
	return h, ""
}

// isAncestor reports whether a is b or one of its ancestors.
func (r *Repository) isAncestor(a, b plumbing.Hash) (bool, error) {
	if b.IsZero() {
		return false, nil
	}
	if a == b {
		return true, nil
	}
	return merge.IsAncestor(context.Background(), r.Storer, a, b)
}

// UnsetBranchUpstream is git branch --unset-upstream: branch.<b>.remote
// and .merge go; a branch without them is refused.
func (r *Repository) UnsetBranchUpstream(branch string) error {
	if rem, merge, _ := r.Upstream(branch); rem == "" && merge == "" {
		return &BranchError{Msg: fmt.Sprintf("Branch '%s' has no upstream information", branch), Err: ErrNoUpstream}
	}
	return r.editLocalConfig(func(data []byte) ([]byte, error) {
		for _, name := range []string{"remote", "merge"} {
			k, err := gitconfig.ParseKey("branch." + branch + "." + name)
			if err != nil {
				return nil, err
			}
			out, err := gitconfig.Set(data, "config", k, nil, gitconfig.MatchAll(), true)
			if err != nil && !errors.Is(err, gitconfig.ErrNothingSet) {
				return nil, err
			}
			if err == nil {
				data = out
			}
		}
		return data, nil
	})
}

// EditBranchDescription is git branch --edit-description: the editor
// gets branch.<branch>.description in .git/EDIT_DESCRIPTION with a
// commented note; what comes back, cleaned up, is the new description
// (none when empty).
func (r *Repository) EditBranchDescription(branch string) error {
	key := "branch." + branch + ".description"
	cur, exists, err := r.ConfigGet(key)
	if err != nil {
		return err
	}
	text := cur
	if text == "" || !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	text += "# Please edit the description for the branch\n#   " + branch + "\n# Lines starting with '#' will be stripped.\n"
	path := filepath.Join(r.GitDir, "EDIT_DESCRIPTION")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		return err
	}
	if err := r.runEditor(r.CommitEditor(), path); err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	desc := cleanupText(string(data), true)
	if desc == "" && !exists {
		return nil
	}
	return r.editLocalConfig(func(data []byte) ([]byte, error) {
		k, err := gitconfig.ParseKey(key)
		if err != nil {
			return nil, err
		}
		var v *string
		if desc != "" {
			v = &desc
		}
		out, err := gitconfig.Set(data, "config", k, v, gitconfig.MatchAll(), true)
		if errors.Is(err, gitconfig.ErrNothingSet) {
			return data, nil
		}
		return out, err
	})
}

// refnameAvailable is git's check that ref can exist beside the others:
// no other ref may be a directory of it ("r" for "r/q") or live below it
// ("o/p" for "o"); skip is a ref about to go (the renamed one).
func (r *Repository) refnameAvailable(ref, skip plumbing.ReferenceName) error {
	conflict := func(other string) error {
		return &BranchError{Msg: fmt.Sprintf("cannot lock ref '%s': '%s' exists; cannot create '%s'", ref, other, ref), Err: ErrAlreadyExists}
	}
	name := ref.String()
	for i := strings.LastIndexByte(name, '/'); i > len("refs/heads"); i = strings.LastIndexByte(name[:i], '/') {
		dir := plumbing.ReferenceName(name[:i])
		if dir == skip {
			continue
		}
		if _, err := r.Storer.Reference(dir); err == nil {
			return conflict(dir.String())
		}
	}
	below, err := r.listRefs(name+"/", true)
	if err != nil {
		return err
	}
	for _, b := range below {
		if b.Name() != skip {
			return conflict(b.Name().String())
		}
	}
	return nil
}

// DwimRef is git's dwim_ref: the ref name stands for and how many
// candidates exist (see dwimRef).
func (r *Repository) DwimRef(name string) (plumbing.ReferenceName, int) { return r.dwimRef(name) }
