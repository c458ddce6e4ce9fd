package cli

import (
	"errors"

	"easel.dev/easel/remote"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/pathspec"
)

// Exit codes. They are part of the interface scripts rely on and are listed
// in README.md; add new ones at the end.
const (
	ExitOK             = 0
	ExitConflict       = 1 // merge stopped with conflicts; merge-file uses the conflict count instead
	ExitUsage          = 2
	ExitNotRepository  = 3
	ExitUnknownRev     = 4
	ExitPathspec       = 5
	ExitNothingToDo    = 6 // nothing to commit
	ExitIdentity       = 7
	ExitLocked         = 8
	ExitWouldOverwrite = 9
	ExitRejected       = 10 // push refused: the remote has commits you do not have (HTTP 409)
	ExitAuth           = 11
	ExitRemote         = 12 // network or protocol error talking to a remote
	ExitCorrupt        = 13
	ExitUnsafe         = 14
	ExitUnmerged       = 15
	ExitNotMerged      = 16  // branch -d: the branch has commits HEAD does not contain
	ExitAlreadyExists  = 17  // branch or tag name already taken
	ExitFailure        = 128 // anything else
)

// Exit codes for repositories easel cannot work in as asked.
const (
	ExitUnsupportedRepo = 18 // a repository format easel cannot read (SHA-256, reftable, unknown extension, split index)
	ExitBranchInUse     = 19 // the branch is checked out in another work tree
)

// ExitError carries an explicit exit code, for commands whose status is a
// result rather than a failure (merge-file's conflict count, diff --exit-code).
type ExitError struct {
	Code int
	Err  error // nil: print nothing
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// codeMap maps sentinel errors from the packages below to exit codes: the
// whole table, in one place (first match wins). A function: the table is
// needed only when a command fails, not at every start.
func codeMap() []struct {
	err  error
	code int
} {
	return []struct {
		err  error
		code int
	}{
		{repo.ErrNotRepository, ExitNotRepository},
		{repo.ErrUnknownRevision, ExitUnknownRev},
		{repo.ErrPathspecNoMatch, ExitPathspec},
		{pathspec.ErrInvalid, ExitPathspec},
		{repo.ErrNothingToCommit, ExitNothingToDo},
		{repo.ErrMissingIdentity, ExitIdentity},
		{repo.ErrLocked, ExitLocked},
		{repo.ErrWouldOverwrite, ExitWouldOverwrite},
		{repo.ErrCorruptObject, ExitCorrupt},
		{repo.ErrUnsafePath, ExitUnsafe},
		{repo.ErrUnmergedPaths, ExitUnmerged},
		{repo.ErrUnsupportedRepository, ExitUnsupportedRepo},
		{repo.ErrBranchInUse, ExitBranchInUse},
		{repo.ErrPathIgnored, ExitPathspec},
		{repo.ErrNotMerged, ExitNotMerged},
		{repo.ErrAlreadyExists, ExitAlreadyExists},
		{repo.ErrNotFound, ExitUnknownRev},
		{repo.ErrNoUpstream, ExitFailure}, // as git: fatal
		{repo.ErrConfigKey, ExitUsage},
		{repo.ErrCommitAborted, ExitConflict}, // a hook, the editor or an empty message, as in git
		{repo.ErrMergeInProgress, ExitUnmerged},
		{remote.ErrRejected, ExitRejected},
		{remote.ErrAuth, ExitAuth},
		{remote.ErrRemote, ExitRemote},
		{remote.ErrRepoNotFound, ExitRemote},
		{repo.ErrNoSuchRemote, ExitUsage}, // git remote get-url/set-url/rename/remove exit 2 too
		{repo.ErrLocalChanges, ExitWouldOverwrite},
		{repo.ErrNoStash, ExitConflict}, // git stash pop/drop/show with no stash exit 1 too
		{repo.ErrStashIndexConflict, ExitConflict},
	}
}

// ExitCode picks the exit code for an error returned by a command.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	for _, m := range codeMap() {
		if errors.Is(err, m.err) {
			return m.code
		}
	}
	return ExitFailure
}

// UsageError is a mistake in the command line itself.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }
