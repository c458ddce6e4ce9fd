package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/hooks"
	"easel.dev/easel/repo/patch"
)

func isLetters(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func mergeInProgress(env *Env) (*repo.Repository, bool, error) {
	r, err := env.OpenRepo(context.Background())
	if err != nil {
		return nil, false, err
	}
	_, merging, err := r.MergeHead()
	return r, merging, err
}

// commitDryRun prints the status of what a commit would record, as git
// commit --dry-run does, and exits 1 when there is nothing to commit. With
// -a the tracked changes in the work tree count as staged.
func commitDryRun(ctx context.Context, env *Env, r *repo.Repository, o commitOptions) error {
	st, err := r.Status(ctx, repo.StatusOptions{})
	if err != nil {
		return err
	}
	committable := o.AllowEmpty
	for i := range st.Files {
		f := &st.Files[i]
		if o.All && f.Staged != '?' && f.Staged != '!' && f.Unstaged != ' ' && f.Unmerged == "" {
			if f.Staged == ' ' {
				f.Staged = f.Unstaged
			}
			f.Unstaged = ' '
		}
		if f.Staged != ' ' && f.Staged != '?' && f.Staged != '!' {
			committable = true
		}
	}
	_, merging, _ := r.MergeHead()
	committable = committable || merging
	rel := func(p string) string { return displayPath(r, env, p) }
	switch {
	case o.Porcelain:
		printShortStatus(env.IO.Out, st, nil, false, false, false, func(p string) string { return p })
	case o.Short:
		printShortStatus(env.IO.Out, st, nil, false, true, false, rel)
	default:
		var tr *repo.Tracking
		if st.Branch != "" {
			tr, _ = r.Tracking(ctx, st.Branch)
		}
		printLongStatus(env.IO.Out, st, tr, operationState(r, st), merging, true, rel)
	}
	if !committable {
		return &ExitError{Code: 1}
	}
	return nil
}

// commitTemplateStatus writes the status shown in the commit message
// template: git's long status without the hints on what to run next.
func commitTemplateStatus(ctx context.Context, w io.Writer, r *repo.Repository, env *Env, untracked string) {
	var mode repo.UntrackedMode
	switch untracked {
	case "no":
		mode = repo.UntrackedNo
	case "all":
		mode = repo.UntrackedAll
	}
	st, err := r.Status(ctx, repo.StatusOptions{Untracked: mode})
	if err != nil {
		return
	}
	var tr *repo.Tracking
	if st.Branch != "" {
		tr, _ = r.Tracking(ctx, st.Branch)
	}
	var buf strings.Builder
	_, merging, _ := r.MergeHead()
	printLongStatus(&buf, st, tr, operationState(r, st), merging, mode != repo.UntrackedNo, func(p string) string { return displayPath(r, env, p) })
	for _, l := range strings.SplitAfter(buf.String(), "\n") {
		if strings.HasPrefix(l, "  (") {
			continue
		}
		if l == "No commits yet\n" {
			l = "Initial commit\n" // git's words in the template
		}
		if i := strings.Index(l, " (use "); i > 0 {
			l = l[:i] + "\n"
		}
		io.WriteString(w, l)
	}
}

func init() { register(newCommitCmd) }

type commitOptions struct {
	Messages          []string
	File              string
	Reuse             string
	Reedit            string
	Fixup             string
	Squash            string
	Template          string
	Edit              bool
	Cleanup           string
	Signoff           bool
	Status            bool
	NoStatus          bool
	AllowEmptyMessage bool
	NoVerify          bool
	NoPostRewrite     bool
	Verbose           bool
	Include           bool
	DryRun            bool
	Interactive       bool
	Untracked         string
	Short             bool
	Porcelain         bool
	Long              bool
	Only              bool
	Paths             []string
	All               bool
	Amend             bool
	AllowEmpty        bool
	Quiet             bool
	JSON              bool
	Author            string
	Date              string
	NoEdit            bool
	ResetAuthor       bool
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
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			f := cmd.Flags()
			o.Interactive = f.Changed("interactive") || f.Changed("patch")
			co := &repo.ComposeOptions{
				Messages: o.Messages, HaveMessage: f.Changed("message"), File: o.File,
				ReuseMessage: o.Reuse, ReeditMsg: o.Reedit, Fixup: o.Fixup, Squash: o.Squash,
				Template: o.Template, Edit: -1, Cleanup: o.Cleanup, Signoff: o.Signoff, Status: -1,
				AllowEmptyMessage: o.AllowEmptyMessage, NoVerify: o.NoVerify, NoPostRewrite: o.NoPostRewrite,
			}
			if i := strings.IndexByte(o.Fixup, ':'); i > 0 && isLetters(o.Fixup[:i]) {
				kind, target := o.Fixup[:i], o.Fixup[i+1:]
				switch kind {
				case "amend", "reword":
				default:
					return &UsageError{Msg: fmt.Sprintf("unknown option: --fixup=%s:%s", kind, target)}
				}
				co.Fixup, co.FixupAmend = target, true
				o.AllowEmpty = true
				if f.Changed("message") {
					return &ExitError{Code: ExitUsage, Err: errors.New(fmt.Sprintf("options '-m' and '--fixup:%s' cannot be used together", kind))}
				}
				if o.File != "" {
					return &ExitError{Code: ExitUsage, Err: errors.New("options '-F' and '--fixup' cannot be used together")}
				}
				if kind == "reword" {
					if _, merging, _ := mergeInProgress(env); merging {
						return &UsageError{Msg: "you are in the middle of a merge -- cannot reword"}
					}
					if len(args) > 0 {
						return &ExitError{Code: ExitUsage, Err: errors.New(fmt.Sprintf("reword option of '--fixup' and path '%s' cannot be used together", args[0]))}
					}
					if o.All || o.Include || o.Only || f.Changed("interactive") || f.Changed("patch") {
						return &ExitError{Code: ExitUsage, Err: errors.New("reword option of '--fixup' and '--patch/--interactive/--all/--include/--only' cannot be used together")}
					}
					o.Only = true
				}
			}
			if f.Changed("edit") {
				co.Edit = 1
			}
			if f.Changed("no-edit") {
				co.Edit = 0
			}
			if f.Changed("status") {
				co.Status = 1
			}
			if f.Changed("no-status") {
				co.Status = 0
			}
			return runCommit(cmd.Context(), env, o, co)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Reuse, "reuse-message", "C", "", "take the message (and author) of `<commit>`")
	f.StringVarP(&o.Reedit, "reedit-message", "c", "", "as -C, then edit the message")
	f.StringVar(&o.Fixup, "fixup", "", "message \"fixup! <subject of `commit`>\" for rebase --autosquash ([amend|reword]:<commit>)")
	f.StringVar(&o.Squash, "squash", "", "message \"squash! <subject of `commit`>\" for rebase --autosquash")
	f.StringVarP(&o.Template, "template", "t", "", "start the message from `<file>`")
	f.BoolVarP(&o.Edit, "edit", "e", false, "edit the message in the editor")
	f.StringVar(&o.Cleanup, "cleanup", "", "`mode` of message clean-up: strip, whitespace, verbatim, scissors, default")
	f.BoolVarP(&o.Signoff, "signoff", "s", false, "add a Signed-off-by trailer")
	f.BoolVar(&o.Status, "status", false, "include the status in the editor's template")
	f.BoolVar(&o.NoStatus, "no-status", false, "leave the status out of the editor's template")
	f.BoolVar(&o.AllowEmptyMessage, "allow-empty-message", false, "allow an empty message")
	f.BoolVarP(&o.NoVerify, "no-verify", "n", false, "skip the pre-commit and commit-msg hooks")
	f.BoolVar(&o.NoPostRewrite, "no-post-rewrite", false, "skip the post-rewrite hook")
	f.BoolVarP(&o.Verbose, "verbose", "v", false, "accepted for git compatibility")
	f.StringVarP(&o.Untracked, "untracked-files", "u", "all", "untracked files in the status shown: no, normal or all")
	f.Lookup("untracked-files").NoOptDefVal = "all"
	f.Bool("interactive", false, "not supported: refused")
	f.BoolP("patch", "p", false, "not supported: refused")
	f.BoolVar(&o.DryRun, "dry-run", false, "show what would be committed, commit nothing (exit 1 if nothing)")
	f.BoolVar(&o.Short, "short", false, "with --dry-run (implied): short status")
	f.BoolVar(&o.Porcelain, "porcelain", false, "with --dry-run (implied): porcelain status")
	f.BoolVar(&o.Long, "long", false, "with --dry-run (implied): long status")
	f.BoolVarP(&o.Include, "include", "i", false, "stage the given paths too, then commit the whole index")
	f.BoolVarP(&o.Only, "only", "o", false, "commit only the given paths, as in the work tree (the default with paths)")
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
	return cmd
}

func runCommit(ctx context.Context, env *Env, o commitOptions, co *repo.ComposeOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if co.File != "" && co.File != "-" && !filepath.IsAbs(co.File) {
		co.File = filepath.Join(env.Dir, co.File)
	}
	if co.Template != "" && !filepath.IsAbs(co.Template) {
		co.Template = filepath.Join(env.Dir, co.Template)
	}
	co.Stdin, co.Stdout, co.Stderr = env.IO.In, env.IO.Out, env.IO.Err
	if r.WorkDir != "" {
		// As git: hooks learn where in the work tree the command ran.
		prefix := ""
		if rel, err := filepath.Rel(r.WorkDir, env.Dir); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			prefix = filepath.ToSlash(rel) + "/"
		}
		os.Setenv("GIT_PREFIX", prefix)
	}
	co.StatusBlock = func(w io.Writer) { commitTemplateStatus(ctx, w, r, env, o.Untracked) }
	if o.ResetAuthor && !o.Amend && co.ReuseMessage == "" && co.ReeditMsg == "" && !r.ConcludingPick() {
		return &UsageError{Msg: "--reset-author can be used only with -C, -c or --amend"}
	}
	if o.ResetAuthor && o.Author != "" {
		return &UsageError{Msg: "options '--reset-author' and '--author' cannot be used together"}
	}
	if o.Interactive {
		return &UsageError{Msg: "--interactive and --patch are not supported; stage with 'easel add' first"}
	}
	if o.Include && o.Only {
		return &UsageError{Msg: "only one of --include/--only/--all can be used"}
	}
	if (o.Include || o.Only) && o.All {
		return &UsageError{Msg: "only one of --include/--only/--all can be used"}
	}
	if len(o.Paths) == 0 && (o.Include || o.Only && !o.Amend && !o.AllowEmpty) {
		return &UsageError{Msg: "no paths with --include/--only does not make sense"}
	}
	paths, err := pathspecArgs(r, env, o.Paths)
	if err != nil {
		return err
	}
	if o.DryRun || o.Short || o.Porcelain || o.Long {
		return commitDryRun(ctx, env, r, o)
	}
	copts := repo.CommitOptions{Compose: co, All: o.All, Paths: paths, Only: o.Only, Include: o.Include, Amend: o.Amend, AllowEmpty: o.AllowEmpty, ResetAuthor: o.ResetAuthor}
	if o.Author != "" {
		if copts.AuthorName, copts.AuthorEmail, err = r.ResolveAuthor(ctx, o.Author); err != nil {
			return err
		}
	}
	if o.Date != "" {
		if copts.AuthorDate, err = repo.ParseDate(o.Date); err != nil {
			// As git: failing the strict formats, approxidate's reading.
			copts.AuthorDate, err = repo.ParseApproxDate(o.Date, time.Now())
		}
		if err != nil {
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
			printLongStatus(env.IO.Out, st, tr, operationState(r, st), false, true, func(p string) string { return displayPath(r, env, p) })
		}
	}
	var he *hooks.Error
	if errors.As(err, &he) {
		// As git: a hook that refuses says why itself.
		return &ExitError{Code: 1}
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
	c, err := r.CommitObject(id)
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
	if len(c.ParentHashes) > 1 {
		return nil // git shows no diff for a merge (log_tree ignores merges)
	}
	var parentTree plumbing.Hash
	if len(c.ParentHashes) > 0 {
		if parentTree, err = r.TreeOf(c.ParentHashes[0]); err != nil {
			return err
		}
	}
	// git's summary finds renames whatever diff.renames says.
	ro := r.RenameConfig("diff")
	ro.Off = false
	patches, err := r.TreeDiff(ctx, parentTree, c.TreeHash, nil, &ro, true)
	if err != nil {
		return err
	}
	adds, dels := 0, 0
	var lines []string
	for _, p := range patches {
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
