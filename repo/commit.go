package repo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/pathspec"
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

	// Paths (repository-relative pathspecs) commit only those paths as
	// they are in the work tree, on top of HEAD, leaving other staged
	// changes staged (git's --only, the default); with Include they are
	// staged and the whole index committed. Only with no paths commits
	// HEAD's tree (with --amend or --allow-empty).
	Paths   []string
	Only    bool
	Include bool

	// Compose, when set, builds the message as git commit does, with the
	// editor and the commit hooks; Message is then ignored.
	Compose *ComposeOptions
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
	var comp *composer
	if opts.Compose != nil {
		var err error
		if comp, err = r.newComposer(ctx, opts.Compose, opts.Amend, opts.Compose.Stderr); err != nil {
			return nil, err
		}
		if opts.ResetAuthor && comp.useMsg == "" && !r.ConcludingPick() {
			return nil, errors.New("--reset-author can be used only with -C, -c or --amend")
		}
		// As git: the author is settled first, and the hooks see it.
		a, err := r.commitAuthor(opts, comp.authorCommit(opts.ResetAuthor))
		if err != nil {
			return nil, err
		}
		comp.author = &a
	}
	// As git: with -a the index to commit is staged into index.lock, which
	// the pre-commit hook sees as $GIT_INDEX_FILE; a plain commit's hook
	// sees (and may change) the index itself, so it runs before the lock.
	var il *IndexLock
	indexFile := r.indexPath()
	indexChanged := false
	if opts.All && len(opts.Paths) > 0 {
		return nil, fmt.Errorf("paths '%s ...' with -a does not make sense", opts.Paths[0])
	}
	partial := len(opts.Paths) > 0 && !opts.Include || opts.Only
	if opts.All || len(opts.Paths) > 0 {
		var err error
		if il, err = r.LockIndex(); err != nil {
			return nil, err
		}
		defer il.Rollback()
		ps := pathspec.New(opts.Paths)
		if len(opts.Paths) > 0 {
			if err := r.checkCommitPaths(il.Index, opts.Paths); err != nil {
				return nil, err
			}
			// As git: a path in HEAD that the index lost (rm --cached)
			// but the work tree has is committed from the work tree.
			if back := r.headOnlyPaths(il.Index, opts.Paths); len(back) > 0 {
				if _, err := r.stageInto(ctx, il.Index, pathspec.Literals(back), false, AddOptions{}); err != nil {
					return nil, err
				}
				indexChanged = true
			}
		}
		if opts.All {
			ps = nil
		}
		res, err := r.stageInto(ctx, il.Index, ps, false, AddOptions{Update: true})
		if err != nil {
			return nil, err
		}
		indexChanged = len(res.Added)+len(res.Removed)+res.refreshed > 0
		if comp != nil && comp.hooks.Exists("pre-commit") && !comp.o.NoVerify {
			if indexFile, err = il.Publish(); err != nil {
				return nil, err
			}
		}
	}
	if comp != nil && !comp.o.NoVerify {
		ran, err := comp.hooks.Run(ctx, "pre-commit", nil, comp.hookEnv(indexFile))
		if err != nil {
			return nil, err
		}
		if ran && il != nil {
			if err := il.Reload(); err != nil {
				return nil, err
			}
			indexChanged = true
		}
	}
	if il == nil {
		var err error
		if il, err = r.LockIndex(); err != nil {
			return nil, err
		}
		defer il.Rollback()
	}
	idx := il.Index
	if partial {
		if _, merging, _ := r.MergeHead(); merging {
			return nil, errors.New("cannot do a partial commit during a merge")
		}
		var err error
		if idx, err = r.partialIndex(il.Index, opts.Paths); err != nil {
			return nil, err
		}
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
	var oldCommit *gitobj.Commit
	message := opts.Message
	if opts.Amend {
		if head.IsZero() {
			return nil, fmt.Errorf("you have nothing to amend: %w", ErrUnknownRevision)
		}
		oldCommit, err = gitobj.GetCommit(r.Storer, head)
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
	if extra == nil {
		mhs, ok, err := r.MergeHeads()
		if err != nil {
			return nil, err
		}
		if ok && opts.Amend && comp != nil {
			return nil, errors.New("you are in the middle of a merge -- cannot amend")
		}
		if ok && !opts.Amend {
			// HEAD and every merged head, reduced as git commit does
			// (an octopus whose first head fast-forwarded drops HEAD).
			all, err := r.mergeParents(ctx, head, mhs)
			if err != nil {
				return nil, err
			}
			parents, extra = nil, all
			res.MergeDone = true
			if message == "" && comp == nil {
				if message, _, err = r.MergeMessage(); err != nil {
					return nil, err
				}
			}
		}
	}
	parents = append(parents, extra...)
	if message == "" && !opts.Amend && len(extra) == 0 && comp == nil {
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

	committer, err := r.Identity("committer")
	if err != nil {
		return nil, err
	}
	var authorFrom *gitobj.Commit
	if comp != nil {
		authorFrom = comp.authorCommit(opts.ResetAuthor)
	} else if !opts.ResetAuthor {
		authorFrom = oldCommit
	}
	var author gitobj.Signature
	if comp != nil {
		author = *comp.author
	} else if author, err = r.commitAuthor(opts, authorFrom); err != nil {
		return nil, err
	}
	res.AuthorDateKept = authorFrom != nil || !opts.AuthorDate.IsZero()
	if comp != nil {
		if message, err = comp.compose(ctx, indexFile, len(extra) > 0, author, committer, res.AuthorDateKept); err != nil {
			return nil, err
		}
	} else if message = cleanupWhitespace(message); message == "" {
		return nil, ErrEmptyMessage
	}

	c := &gitobj.Commit{Author: author, Committer: committer, Message: message, TreeHash: tree, ParentHashes: parents}
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
	case r.refExists(cherryPickHeadFile) && !head.IsZero():
		kind = "commit (cherry-pick)"
	case head.IsZero():
		kind = "commit (initial)"
	}
	logMsg := kind + ": " + strings.SplitN(message, "\n", 2)[0]
	if err := r.UpdateRefs(ctx, []RefUpdate{{Name: plumbing.HEAD, Old: head, New: id, CheckOld: true, Message: logMsg}}); err != nil {
		return nil, err
	}
	res.Hash = id
	res.Subject = strings.SplitN(message, "\n", 2)[0]
	if changes, err := diffTrees(ctx, firstParentTree, r.storedSource(), tree, r.storedSource(), nil); err == nil {
		res.Changed = len(changes)
	}
	// As git: a commit ends any merge or squash in progress.
	if err := r.ClearMergeState(); err != nil {
		return res, err
	}
	// As git, the index is written with a cache-tree of its trees (a
	// partial commit's index keeps its own), unless the one on file
	// already names them.
	mainTree := tree
	if partial {
		mainTree, _ = r.WriteTree(il.Index)
	}
	if root, ok := cachedTreeRoot(il.Index); !ok || root != mainTree {
		indexChanged = true
	}
	if indexChanged {
		if err := il.Commit(); err != nil {
			return res, fmt.Errorf("commit %s made, but the index could not be written: %w", id, err)
		}
	}
	if comp != nil {
		env := comp.hookEnv(r.indexPath())
		comp.hooks.Run(ctx, "post-commit", nil, env)
		if opts.Amend && !comp.o.NoPostRewrite {
			comp.hooks.Run(ctx, "post-rewrite", strings.NewReader(head.String()+" "+id.String()+"\n"), nil, "amend")
		}
	}
	return res, nil
}

// checkCommitPaths refuses a pathspec that names no file known to git (in
// the index or in HEAD), as git commit does.
func (r *Repository) checkCommitPaths(idx *index.Index, paths []string) error {
	headFiles := map[string]bool{}
	if head, err := r.Head(); err == nil && !head.IsZero() {
		if tree, err := r.commitTree(head); err == nil {
			if flat, err := r.flattenTree(tree, nil); err == nil {
				for p := range flat {
					headFiles[p] = true
				}
			}
		}
	}
	for _, m := range pathspec.New(paths) {
		if m.IsExclude() {
			continue
		}
		found := false
		for _, e := range idx.Entries {
			if m.Match(e.Name) {
				found = true
				break
			}
		}
		for f := range headFiles {
			if !found && m.Match(f) {
				found = true
			}
		}
		if !found {
			p := m.Original
			return &PathspecError{Pathspec: p, Msg: fmt.Sprintf("pathspec '%s' did not match any file(s) known to git", p)}
		}
	}
	return nil
}

// headOnlyPaths are the files the pathspecs match that HEAD has, the index
// does not, and the work tree does.
func (r *Repository) headOnlyPaths(idx *index.Index, paths []string) []string {
	head, err := r.Head()
	if err != nil || head.IsZero() {
		return nil
	}
	tree, err := r.commitTree(head)
	if err != nil {
		return nil
	}
	flat, err := r.flattenTree(tree, nil)
	if err != nil {
		return nil
	}
	in := indexEntryMap(idx)
	ps := pathspec.New(paths)
	var out []string
	for p := range flat {
		if ps.Match(p) && in[p] == nil {
			if _, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(p))); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// partialIndex is the index a partial commit records: HEAD's tree with
// the paths the pathspecs match taken from the (updated) index.
func (r *Repository) partialIndex(real *index.Index, paths []string) (*index.Index, error) {
	out := &index.Index{Version: real.Version}
	if head, err := r.Head(); err == nil && !head.IsZero() {
		if err := r.resetIndexTo(out, head, nil); err != nil {
			return nil, err
		}
	}
	ps := pathspec.New(paths)
	if len(paths) == 0 {
		return out, nil
	}
	entries := map[string]*index.Entry{}
	for _, e := range out.Entries {
		if !ps.Match(e.Name) {
			entries[e.Name] = e
		}
	}
	for _, e := range real.Entries {
		if ps.Match(e.Name) && e.Stage == 0 {
			entries[e.Name] = e
		}
	}
	rebuildIndex(out, entries)
	sortIndex(out)
	return out, nil
}

func treeOrEmpty(h plumbing.Hash) plumbing.Hash {
	if h.IsZero() {
		return emptyTree
	}
	return h
}

// writeCommit encodes a commit exactly as git does and stores it.
func (r *Repository) writeCommit(c *gitobj.Commit) (plumbing.Hash, error) {
	return r.writeObject(plumbing.CommitObject, c.Bytes())
}

// cleanupWhitespace applies git's default clean-up for a message given with
// -m or -F ("whitespace" mode): trailing whitespace is stripped from every
// line, leading and trailing blank lines are removed, runs of blank lines
// become one, and the result ends with a newline ("" if nothing is left).
func cleanupWhitespace(msg string) string { return cleanupText(msg, false) }
