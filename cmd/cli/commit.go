package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/spf13/cobra"

	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/patch"
)

func init() { register(newCommitCmd) }

type commitOptions struct {
	Messages    []string
	File        string
	All         bool
	Amend       bool
	AllowEmpty  bool
	Quiet       bool
	JSON        bool
	Author      string
	Date        string
	NoEdit      bool
	ResetAuthor bool
	Fixup       string
	Squash      string
}

func newCommitCmd(env *Env) *cobra.Command {
	var o commitOptions
	cmd := &cobra.Command{
		Use:   "commit -m <message> [-a] [--amend] [--allow-empty]",
		Short: "Record the staged changes as a new commit",
		Long: `Record the index as a new commit on the current branch, with the author and
committer from GIT_AUTHOR_*/GIT_COMMITTER_* or user.name/user.email.

The message comes from -m (several -m make paragraphs) or -F <file> ("-" reads
standard input); trailing spaces and surplus blank lines are removed as git does.
-a first stages changes to tracked files. --amend replaces the last commit (its
message is kept when no new one is given, as with git's --no-edit; its author
and author date are kept unless --reset-author). --author="Name <email>" and
--date=<date> (the formats of GIT_AUTHOR_DATE) set the author and the author
date; the committer stays. An --author without '<' is looked up among the
authors in the history (the newest match). When a merge stopped with conflicts,
committing after resolving them records the merge commit with the prepared message.
With nothing staged the commit is refused (exit 6) unless --allow-empty.`,
		Example: `  easel commit -m "Fix the parser"
  easel commit -a -m "Update docs" -m "Longer explanation."
  easel commit -F message.txt
  easel commit --amend -m "Better message"
  easel commit --amend --no-edit --reset-author
  easel commit -m "Port the fix" --author="Ann Other <ann@example.com>" --date="2024-05-01 12:00:00 +0200"
  easel commit --allow-empty -m "Trigger a build"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCommit(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.Messages, "message", "m", nil, "commit message (repeat for more paragraphs)")
	f.StringVarP(&o.File, "file", "F", "", "read the message from a file (- for standard input)")
	f.BoolVarP(&o.All, "all", "a", false, "stage modified and deleted tracked files first")
	f.BoolVar(&o.Amend, "amend", false, "replace the tip of the current branch")
	f.BoolVar(&o.AllowEmpty, "allow-empty", false, "allow a commit that changes nothing")
	f.BoolVarP(&o.Quiet, "quiet", "q", false, "print nothing")
	f.BoolVar(&o.JSON, "json", false, "print the new commit as JSON")
	f.StringVar(&o.Author, "author", "", "record `\"Name <email>\"` as the author")
	f.StringVar(&o.Date, "date", "", "record `<date>` as the author date")
	f.BoolVar(&o.NoEdit, "no-edit", false, "with --amend: keep the commit's message")
	f.BoolVar(&o.ResetAuthor, "reset-author", false, "with --amend: make yourself the author, dated now")
	f.StringVar(&o.Fixup, "fixup", "", "message \"fixup! <subject of `commit`>\", for rebase --autosquash")
	f.StringVar(&o.Squash, "squash", "", "message \"squash! <subject of `commit`>\", for rebase --autosquash")
	return cmd
}

func runCommit(ctx context.Context, env *Env, o commitOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if len(o.Messages) > 0 && o.File != "" {
		return &UsageError{Msg: "only one of -m and -F can be used"}
	}
	msg := strings.Join(o.Messages, "\n\n")
	if o.File != "" {
		var data []byte
		if o.File == "-" {
			data, err = io.ReadAll(env.IO.In)
		} else {
			p := o.File
			if !filepath.IsAbs(p) {
				p = filepath.Join(env.Dir, p)
			}
			data, err = os.ReadFile(p)
		}
		if err != nil {
			return fmt.Errorf("could not read commit message: %w", err)
		}
		msg = string(data)
	}
	if o.Fixup != "" || o.Squash != "" {
		if o.Fixup != "" && o.Squash != "" || o.Amend {
			return &UsageError{Msg: "--fixup, --squash and --amend cannot be combined"}
		}
		if msg, err = fixupMessage(ctx, r, o.Fixup, o.Squash, msg); err != nil {
			return err
		}
	}
	if msg == "" && len(o.Messages) == 0 && o.File == "" && !o.Amend {
		_, merging, _ := r.MergeHead()
		_, squashing, _ := r.SquashMessage()
		if !merging && !squashing {
			return &UsageError{Msg: "no commit message given: use -m <message> or -F <file>"}
		}
	}
	if o.ResetAuthor && !o.Amend {
		return &UsageError{Msg: "--reset-author can be used only with --amend"}
	}
	if o.ResetAuthor && o.Author != "" {
		return &UsageError{Msg: "options '--reset-author' and '--author' cannot be used together"}
	}
	copts := repo.CommitOptions{Message: msg, All: o.All, Amend: o.Amend, AllowEmpty: o.AllowEmpty, ResetAuthor: o.ResetAuthor}
	if o.Author != "" {
		if copts.AuthorName, copts.AuthorEmail, err = r.ResolveAuthor(ctx, o.Author); err != nil {
			return err
		}
	}
	if o.Date != "" {
		if copts.AuthorDate, err = repo.ParseDate(o.Date); err != nil {
			return &UsageError{Msg: err.Error()}
		}
	}
	res, err := r.CommitWithResult(ctx, copts)
	if errors.Is(err, repo.ErrNothingToCommit) && !o.Quiet && !r.IsBare() {
		if st, serr := r.Status(ctx, repo.StatusOptions{}); serr == nil {
			var tr *repo.Tracking
			if st.Branch != "" {
				tr, _ = r.Tracking(ctx, st.Branch)
			}
			printLongStatus(env.IO.Out, st, tr, false, true, func(p string) string { return displayPath(r, env, p) })
		}
	}
	if err != nil {
		return err
	}
	if o.JSON {
		return writeJSON(env.IO.Out, map[string]any{
			"commit": res.Hash.String(), "branch": res.Branch, "root": res.Root,
			"amended": res.Amended, "merge": res.MergeDone, "files_changed": res.Changed, "subject": res.Subject,
		})
	}
	if o.Quiet {
		return nil
	}
	where := res.Branch
	if where == "" {
		where = "detached HEAD"
	}
	if res.Root {
		where += " (root-commit)"
	}
	fmt.Fprintf(env.IO.Out, "[%s %s] %s\n", where, res.Hash.String()[:7], res.Subject)
	return printCommitSummary(ctx, env.IO.Out, r, res.Hash, res.AuthorDateKept)
}

// printCommitSummary prints what git commit prints after the first line:
// the short stat against the first parent, then create/delete/mode/rename
// lines.
func printCommitSummary(ctx context.Context, w io.Writer, r *repo.Repository, id plumbing.Hash, showDate bool) error {
	c, err := object.GetCommit(r.Storer, id)
	if err != nil {
		return err
	}
	// git names the author when it is not the committer, and the author
	// date when it was taken over from the amended commit or given.
	if c.Author.Name != c.Committer.Name || c.Author.Email != c.Committer.Email {
		fmt.Fprintf(w, " Author: %s <%s>\n", c.Author.Name, c.Author.Email)
	}
	if showDate {
		fmt.Fprintf(w, " Date: %s\n", c.Author.When.Format("Mon Jan 2 15:04:05 2006 -0700"))
	}
	var parentTree plumbing.Hash
	if len(c.ParentHashes) > 0 {
		if parentTree, err = r.TreeOf(c.ParentHashes[0]); err != nil {
			return err
		}
	}
	patches, err := r.DiffTrees(ctx, parentTree, c.TreeHash, nil)
	if err != nil {
		return err
	}
	// git's summary finds renames whatever diff.renames says.
	ro := r.RenameConfig("diff")
	ro.Off = false
	if patches, err = r.DetectRenames(patches, ro, false); err != nil {
		return err
	}
	adds, dels := 0, 0
	var lines []string
	for i := range patches {
		p := patches[i]
		if err := r.LoadPatchData(&p, false); err != nil {
			return err
		}
		if add, del, bin := patch.Counts(p, linediff.Myers); !bin {
			adds += add
			dels += del
		}
		lines = append(lines, patch.SummaryLines(p)...)
	}
	if files := len(patches); files > 0 { // git prints no stat for an empty commit
		fmt.Fprintln(w, patch.Summary(files, adds, dels))
	}
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return nil
}
