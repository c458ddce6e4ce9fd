package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/editor"
	"easel.dev/easel/repo/trailer"
)

// ErrMergeNotCommitted: a hook or the editor stopped a merge before its
// commit; the merge is left in progress (MERGE_HEAD, MERGE_MSG) for
// commit to conclude, as git leaves it.
var ErrMergeNotCommitted = errors.New("Not committing merge; use 'git commit' to complete the merge.")

// prepareMergeCommit is git merge's prepare_to_commit for a clean merge:
// it returns the cleaned message and the tree to record (a
// pre-merge-commit hook may have changed the index).
func (r *Repository) prepareMergeCommit(ctx context.Context, o MergeOptions, msg string, tree plumbing.Hash) (string, plumbing.Hash, error) {
	c := o.Compose
	h := r.Hooks(c.Stderr)
	edit := c.Edit == 1
	indexFile := r.indexPath()
	env := []string{"GIT_INDEX_FILE=" + indexFile}
	if !edit {
		env = append(env, "GIT_EDITOR=:")
	}
	stop := func(err error) (string, plumbing.Hash, error) {
		// As git's abort_commit: the merge state stays for commit.
		r.writeMergeHeads(o)
		if _, serr := os.Stat(r.statePath(mergeMsgFile)); serr != nil {
			r.writeState(mergeMsgFile, msg)
		}
		if err != nil && !errors.Is(err, ErrMergeNotCommitted) {
			return "", tree, errors.Join(err, ErrMergeNotCommitted)
		}
		return "", tree, ErrMergeNotCommitted
	}
	if !c.NoVerify {
		ran, err := h.Run(ctx, "pre-merge-commit", nil, env)
		if err != nil {
			return stop(err)
		}
		if ran {
			idx, err := r.ReadIndex()
			if err != nil {
				return "", tree, err
			}
			if tree, err = r.WriteTree(idx); err != nil {
				return "", tree, err
			}
		}
	}
	mode := c.Cleanup
	if mode == "" {
		mode, _, _ = r.ConfigGet("commit.cleanup")
	}
	cleanup := "whitespace"
	switch mode {
	case "", "default":
		if edit {
			cleanup = "strip"
		}
	case "scissors":
		if edit {
			cleanup = "scissors"
		}
	default:
		cleanup = mode
	}
	full := msg
	if edit {
		full += "\n"
		var b strings.Builder
		if cleanup == "scissors" {
			b.WriteString(scissorsLine + "\n")
			comment(&b, "\n")
		}
		comment(&b, "Please enter a commit message to explain why this merge is necessary,\nespecially if it merges an updated upstream into a topic branch.\n\n")
		if cleanup == "scissors" {
			comment(&b, "Do not modify or remove the line above.\nEverything below it will be ignored.\n")
		} else {
			comment(&b, "Lines starting with '#' will be ignored, and an empty message aborts\nthe commit.\n")
		}
		full += b.String()
	}
	if c.Signoff {
		committer, err := r.Identity("committer")
		if err != nil {
			return "", tree, err
		}
		full = trailer.AppendSignoff(full, trailer.IgnoreNonTrailer(full), "Signed-off-by: "+committer.Name+" <"+committer.Email+">", r.trailerTokens())
	}
	msgPath := r.statePath(mergeMsgFile)
	if err := r.writeState(mergeMsgFile, full); err != nil {
		return "", tree, err
	}
	arg := msgPath
	if r.WorkDir != "" {
		if rel, err := filepath.Rel(r.WorkDir, msgPath); err == nil {
			arg = rel
		}
	}
	if _, err := h.Run(ctx, "prepare-commit-msg", nil, env, arg, "merge"); err != nil {
		return stop(err)
	}
	if edit {
		core, _, _ := r.ConfigGet("core.editor")
		ed, err := editor.Pick(core)
		if err == nil {
			err = editor.Run(ctx, ed, msgPath, h.WorkDir, nil, c.Stdin, c.Stdout, c.Stderr)
		}
		if err != nil {
			return stop(err)
		}
	}
	if !c.NoVerify {
		if _, err := h.Run(ctx, "commit-msg", nil, env, arg); err != nil {
			return stop(err)
		}
	}
	data, err := os.ReadFile(msgPath)
	if err != nil {
		return "", tree, err
	}
	comp := &composer{cleanup: cleanup}
	final := comp.clean(string(data))
	if final == "" {
		return stop(errors.New("Empty commit message."))
	}
	return final, tree, nil
}
