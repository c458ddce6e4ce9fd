package repo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ErrEmptyMessage: the commit message is empty after clean-up.
var ErrEmptyMessage = errors.New("aborting commit due to empty commit message")

// CommitOptions modify Commit.
type CommitOptions struct {
	Message      string // cleaned up as git does (trailing whitespace, blank lines)
	All          bool   // -a: first stage modified and deleted tracked files
	Amend        bool   // replace HEAD's commit (keeping its author and, if Message is empty, its message)
	AllowEmpty   bool   // record a commit even if the tree is unchanged
	ExtraParents []plumbing.Hash
	// AuthorName and AuthorEmail replace the author's (--author, see
	// ResolveAuthor); AuthorDate the author date (--date). ResetAuthor
	// with Amend makes the author the current identity, dated now.
	AuthorName, AuthorEmail string
	AuthorDate              time.Time
	ResetAuthor             bool
	// When ExtraParents is nil and a merge is in progress (.git/MERGE_HEAD),
	// its commits become the extra parents and MERGE_MSG the default message.
}

// CommitResult describes a new commit for the summary line.
type CommitResult struct {
	Hash      plumbing.Hash
	Branch    string // "" when detached
	Root      bool
	Changed   int // files that differ from the first parent
	Subject   string
	Amended   bool
	MergeDone bool
	// AuthorDateKept: the author date was taken over from the amended
	// commit or given with --date; git's summary then shows it.
	AuthorDateKept bool
}

// Commit records the index as a new commit on HEAD.
func (r *Repository) Commit(ctx context.Context, opts CommitOptions) (plumbing.Hash, error) {
	res, err := r.CommitWithResult(ctx, opts)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	return res.Hash, nil
}

// CommitWithResult is Commit returning the summary.
func (r *Repository) CommitWithResult(ctx context.Context, opts CommitOptions) (*CommitResult, error) {
	if r.WorkDir == "" && opts.All {
		return nil, ErrBareRepository
	}
	il, err := r.LockIndex()
	if err != nil {
		return nil, err
	}
	defer il.Rollback()
	idx := il.Index
	indexChanged := false
	if opts.All {
		res, err := r.stageInto(ctx, idx, nil, nil, AddOptions{Update: true})
		if err != nil {
			return nil, err
		}
		indexChanged = len(res.Added)+len(res.Removed)+res.refreshed > 0
	}
	if u := unmergedPaths(idx); len(u) > 0 {
		return nil, fmt.Errorf("%w: %s; fix them up in the work tree, then 'easel add' them", ErrUnmergedPaths, strings.Join(u, ", "))
	}

	head, err := r.Head()
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	res := &CommitResult{Root: head.IsZero()}
	if b, _ := r.HeadBranch(); b != "" {
		res.Branch = b.Short()
	}

	var parents []plumbing.Hash
	var oldCommit *object.Commit
	message := opts.Message
	if opts.Amend {
		if head.IsZero() {
			return nil, fmt.Errorf("you have nothing to amend: %w", ErrUnknownRevision)
		}
		oldCommit, err = object.GetCommit(r.Storer, head)
		if err != nil {
			return nil, err
		}
		parents = append(parents, oldCommit.ParentHashes...)
		if message == "" {
			message = oldCommit.Message
		}
		res.Amended = true
		res.Root = len(parents) == 0
	} else if !head.IsZero() {
		parents = append(parents, head)
	}
	extra := opts.ExtraParents
	if extra == nil && !opts.Amend {
		mh, ok, err := r.MergeHead()
		if err != nil {
			return nil, err
		}
		if ok {
			extra = []plumbing.Hash{mh}
			res.MergeDone = true
			if message == "" {
				if message, _, err = r.MergeMessage(); err != nil {
					return nil, err
				}
			}
		}
	}
	parents = append(parents, extra...)
	if message == "" && !opts.Amend && len(extra) == 0 {
		// After merge --squash: its prepared message.
		if message, _, err = r.SquashMessage(); err != nil {
			return nil, err
		}
	}

	tree, err := r.WriteTree(idx)
	if err != nil {
		return nil, err
	}
	var firstParentTree plumbing.Hash
	if len(parents) > 0 {
		if firstParentTree, err = r.commitTree(parents[0]); err != nil {
			return nil, err
		}
	}
	if !opts.AllowEmpty && !opts.Amend && len(extra) == 0 && tree == treeOrEmpty(firstParentTree) {
		return nil, ErrNothingToCommit
	}
	message = cleanupWhitespace(message)
	if message == "" {
		return nil, ErrEmptyMessage
	}

	committer, err := r.Identity("committer")
	if err != nil {
		return nil, err
	}
	author, err := r.commitAuthor(opts, oldCommit)
	if err != nil {
		return nil, err
	}
	res.AuthorDateKept = (oldCommit != nil && !opts.ResetAuthor) || !opts.AuthorDate.IsZero()
	c := &object.Commit{Author: author, Committer: committer, Message: message, TreeHash: tree, ParentHashes: parents}
	id, err := r.writeCommit(c)
	if err != nil {
		return nil, err
	}
	// git's reflog message: the kind of commit, then the first line.
	kind := "commit"
	switch {
	case opts.Amend:
		kind = "commit (amend)"
	case len(extra) > 0:
		kind = "commit (merge)"
	case head.IsZero():
		kind = "commit (initial)"
	}
	logMsg := kind + ": " + strings.SplitN(message, "\n", 2)[0]
	if err := r.UpdateRefs(ctx, []RefUpdate{{Name: plumbing.HEAD, Old: head, New: id, CheckOld: true, Message: logMsg}}); err != nil {
		return nil, err
	}
	res.Hash = id
	res.Subject = strings.SplitN(message, "\n", 2)[0]
	var changes []treeChange
	if err := diffTrees("", firstParentTree, r.storedSource(), tree, r.storedSource(), &changes); err == nil {
		res.Changed = len(changes)
	}
	// As git: a commit ends any merge or squash in progress.
	if err := r.ClearMergeState(); err != nil {
		return res, err
	}
	if indexChanged {
		if err := il.Commit(); err != nil {
			return res, fmt.Errorf("commit %s made, but the index could not be written: %w", id, err)
		}
	}
	return res, nil
}

func treeOrEmpty(h plumbing.Hash) plumbing.Hash {
	if h.IsZero() {
		return emptyTree
	}
	return h
}

// writeCommit encodes a commit exactly as git does and stores it.
func (r *Repository) writeCommit(c *object.Commit) (plumbing.Hash, error) {
	obj := r.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, err
	}
	rd, err := obj.Reader()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer rd.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(rd); err != nil {
		return plumbing.ZeroHash, err
	}
	return r.writeObject(plumbing.CommitObject, buf.Bytes())
}

// cleanupWhitespace applies git's default clean-up for a message given with
// -m or -F ("whitespace" mode): trailing whitespace is stripped from every
// line, leading and trailing blank lines are removed, runs of blank lines
// become one, and the result ends with a newline ("" if nothing is left).
func cleanupWhitespace(msg string) string { return cleanupText(msg, false) }
