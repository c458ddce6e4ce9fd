package repo

import (
	"errors"

	"easel.dev/easel/repo/lockfile"
)

// Sentinel errors. The command line maps each to its own exit code, so
// wrap them (fmt.Errorf("...: %w", ErrX)) rather than inventing new ones
// for the same condition.
var (
	ErrNotRepository     = errors.New("not an easel repository (or any of the parent directories): .git")
	ErrUnknownRevision   = errors.New("unknown revision")
	ErrPathspecNoMatch   = errors.New("pathspec did not match any files")
	ErrNothingToCommit   = errors.New("nothing to commit")
	ErrMissingIdentity   = errors.New("author identity unknown")
	ErrWouldOverwrite    = errors.New("local changes would be overwritten")
	ErrCorruptObject     = errors.New("corrupt object")
	ErrUnsafePath        = errors.New("unsafe path")
	ErrRefChanged        = errors.New("reference has changed")
	ErrInvalidRefName    = errors.New("invalid reference name")
	ErrUnmergedPaths     = errors.New("you have unmerged paths")
	ErrMergeInProgress   = errors.New("a merge is in progress")
	ErrNoMergeInProgress = errors.New("there is no merge in progress")
	ErrBareRepository    = errors.New("this operation must be run in a work tree")
	ErrAlreadyExists     = errors.New("already exists")
	ErrNotFound          = errors.New("not found")
	ErrLocked            = lockfile.ErrLocked
)

// PathspecError reports a pathspec that matched nothing. It prints only its
// own message (the sentinel's text would repeat it) but still matches
// ErrPathspecNoMatch with errors.Is, so the exit code stays the same.
// Msg, when set, replaces the default message.
type PathspecError struct{ Pathspec, Msg string }

func (e *PathspecError) Error() string {
	if e.Msg != "" {
		return e.Msg
	}
	return "pathspec '" + e.Pathspec + "' did not match any files"
}

func (e *PathspecError) Unwrap() error { return ErrPathspecNoMatch }

// RevisionError is an unknown revision told in git's words ("log for
// 'main' only has 3 entries"); it matches ErrUnknownRevision.
type RevisionError struct{ Msg string }

func (e *RevisionError) Error() string { return e.Msg }

func (e *RevisionError) Unwrap() error { return ErrUnknownRevision }
