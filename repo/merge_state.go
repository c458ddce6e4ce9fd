package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
)

// Files that record a merge stopped by conflicts, named and formatted as
// git names them so that either tool can conclude or abort it.
const (
	mergeHeadFile = "MERGE_HEAD"
	mergeMsgFile  = "MERGE_MSG"
	mergeModeFile = "MERGE_MODE"
	origHeadFile  = "ORIG_HEAD"
	// squashMsgFile holds the message prepared by merge --squash; the
	// next commit takes it (no MERGE_HEAD: the commit has one parent).
	squashMsgFile = "SQUASH_MSG"
)

func (r *Repository) statePath(name string) string { return r.gitPath(name) }

// MergeHead returns the commit being merged when a merge stopped with
// conflicts (MERGE_HEAD), or ok false when no merge is in progress. Commit
// uses it to give the merge commit its second parent.
func (r *Repository) MergeHead() (plumbing.Hash, bool, error) {
	data, err := os.ReadFile(r.statePath(mergeHeadFile))
	if errors.Is(err, os.ErrNotExist) {
		return plumbing.ZeroHash, false, nil
	}
	if err != nil {
		return plumbing.ZeroHash, false, err
	}
	line, _, _ := strings.Cut(string(data), "\n")
	line = strings.TrimSpace(line)
	if len(line) != 40 || !isHex(line) {
		return plumbing.ZeroHash, false, fmt.Errorf("%s: %w: bad MERGE_HEAD", r.statePath(mergeHeadFile), ErrCorruptObject)
	}
	return plumbing.NewHash(line), true, nil
}

// MergeHeads returns every commit MERGE_HEAD names, one a line (an
// octopus merge stopped with conflicts has several), or ok false when no
// merge is in progress.
func (r *Repository) MergeHeads() ([]plumbing.Hash, bool, error) {
	data, err := os.ReadFile(r.statePath(mergeHeadFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var out []plumbing.Hash
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(line) != 40 || !isHex(line) {
			return nil, false, fmt.Errorf("%s: %w: bad MERGE_HEAD", r.statePath(mergeHeadFile), ErrCorruptObject)
		}
		out = append(out, plumbing.NewHash(line))
	}
	if len(out) == 0 {
		return nil, false, fmt.Errorf("%s: %w: bad MERGE_HEAD", r.statePath(mergeHeadFile), ErrCorruptObject)
	}
	return out, true, nil
}

// mergeParents are the parents a commit concluding a stopped merge
// records: HEAD and MERGE_HEAD's commits, reduced as git commit reduces
// them (those another contains dropped) unless MERGE_MODE says no-ff.
func (r *Repository) mergeParents(ctx context.Context, head plumbing.Hash, heads []plumbing.Hash) ([]plumbing.Hash, error) {
	all := append([]plumbing.Hash{}, heads...)
	if !head.IsZero() {
		all = append([]plumbing.Hash{head}, heads...)
	}
	if mode, err := os.ReadFile(r.statePath(mergeModeFile)); err == nil && string(mode) == "no-ff" {
		return all, nil
	}
	return reduceHeads(ctx, r.Storer, all)
}

// MergeMessage returns the prepared merge message (MERGE_MSG) with git's
// comment lines ("# Conflicts: ...") removed, as git commit's default
// cleanup does; ok is false when there is none.
func (r *Repository) MergeMessage() (string, bool, error) {
	data, err := os.ReadFile(r.statePath(mergeMsgFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return CleanupMessage(string(data)), true, nil
}

// CleanupMessage is git's default commit message cleanup: comment lines
// dropped, trailing spaces stripped, runs of blank lines collapsed, blank
// lines at both ends removed, and a final newline.
func CleanupMessage(msg string) string { return cleanupText(msg, true) }

// SquashMessage returns the message merge --squash prepared (SQUASH_MSG),
// cleaned up as git commit does; ok is false when there is none.
func (r *Repository) SquashMessage() (string, bool, error) {
	data, err := os.ReadFile(r.statePath(squashMsgFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return CleanupMessage(string(data)), true, nil
}

// ClearMergeState removes MERGE_HEAD, MERGE_MSG, MERGE_MODE, SQUASH_MSG,
// CHERRY_PICK_HEAD, REVERT_HEAD and AUTO_MERGE, once a merge or a pick is
// committed or aborted (as git's remove_branch_state).
func (r *Repository) ClearMergeState() error {
	for _, f := range []string{mergeHeadFile, mergeMsgFile, mergeModeFile, squashMsgFile, cherryPickHeadFile, revertHeadFile, "AUTO_MERGE"} {
		if err := os.Remove(r.statePath(f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// OrigHead returns ORIG_HEAD, HEAD as it was before the last merge.
func (r *Repository) OrigHead() (plumbing.Hash, bool) {
	data, err := os.ReadFile(r.statePath(origHeadFile))
	if err != nil {
		return plumbing.ZeroHash, false
	}
	s := strings.TrimSpace(string(data))
	if len(s) != 40 || !isHex(s) {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(s), true
}

func (r *Repository) writeState(name, content string) error {
	return lockfile.WriteFile(r.statePath(name), []byte(content), 0o644)
}
