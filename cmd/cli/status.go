package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/patch"
)

func init() { register(newStatusCmd) }

type statusOptions struct {
	Paths     []string
	Short     bool
	Porcelain bool
	JSON      bool
	Branch    bool
	Untracked string
	Ignored   bool
}

func newStatusCmd(env *Env) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status [<path>...]",
		Short: "Show what is staged, changed and untracked",
		Long: `Show the current branch, the changes staged for the next commit (HEAD against the
index), the changes not staged (index against the work tree), conflicts, and
untracked files. Untracked directories are shown collapsed as "dir/".

-s prints one line per path with git's two-letter codes (X: staged, Y: not staged;
M modified, A added, D deleted, R renamed, T type changed, U unmerged, ?? untracked,
!! ignored). --porcelain is the same format with paths relative to the top of the
work tree, stable for scripts. --json prints the same information as JSON.

When the branch has an upstream (branch.<name>.remote and .merge, set by clone,
push -u or branch -u), the long format says whether the branch is up to date
with it, ahead, behind or diverged; -sb shows "## main...origin/main [ahead 1]"
and --json an "upstream" object with ahead and behind counts.`,
		Example: `  easel status
  easel status -s
  easel status -sb
  easel status --porcelain
  easel status --json
  easel status --ignored src/`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			return runStatus(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Short, "short", "s", false, "one line per path")
	f.BoolVar(&o.Porcelain, "porcelain", false, "stable short format for scripts (paths from the top of the work tree)")
	f.BoolVar(&o.JSON, "json", false, "print JSON")
	f.BoolVarP(&o.Branch, "branch", "b", false, "with -s or --porcelain: add a '## branch' line")
	f.StringVarP(&o.Untracked, "untracked-files", "u", "normal", "untracked files: no, normal (collapse directories) or all")
	f.Lookup("untracked-files").NoOptDefVal = "all"
	f.BoolVar(&o.Ignored, "ignored", false, "also show ignored files")
	return cmd
}

type statusFileJSON struct {
	Path     string `json:"path"`
	From     string `json:"from,omitempty"`
	Staged   string `json:"staged"`
	Unstaged string `json:"unstaged"`
	Unmerged string `json:"unmerged,omitempty"`
}

type upstreamJSON struct {
	Name   string `json:"name"`
	Gone   bool   `json:"gone,omitempty"`
	Ahead  int    `json:"ahead"`
	Behind int    `json:"behind"`
}

type statusJSON struct {
	Branch   string           `json:"branch,omitempty"`
	Upstream *upstreamJSON    `json:"upstream,omitempty"`
	Head     string           `json:"head,omitempty"`
	Clean    bool             `json:"clean"`
	Files    []statusFileJSON `json:"files"`
}

func runStatus(ctx context.Context, env *Env, o statusOptions) error {
	r, err := env.OpenWorktreeRepo(ctx)
	if err != nil {
		return err
	}
	var mode repo.UntrackedMode
	switch o.Untracked {
	case "normal", "":
	case "no":
		mode = repo.UntrackedNo
	case "all":
		mode = repo.UntrackedAll
	default:
		return &UsageError{Msg: fmt.Sprintf("invalid --untracked-files value %q (want no, normal or all)", o.Untracked)}
	}
	paths, err := pathspecArgs(r, env, o.Paths)
	if err != nil {
		return err
	}
	st, err := r.Status(ctx, repo.StatusOptions{Untracked: mode, Ignored: o.Ignored, Paths: paths})
	if err != nil {
		return err
	}
	rel := func(p string) string { return displayPath(r, env, p) }
	var tr *repo.Tracking
	if st.Branch != "" && (!o.JSON && !o.Short && !o.Porcelain || o.Branch || o.JSON) {
		if tr, err = r.Tracking(ctx, st.Branch); err != nil {
			return err
		}
	}
	switch {
	case o.JSON:
		out := statusJSON{Branch: st.Branch, Clean: st.Clean(), Files: []statusFileJSON{}}
		if !st.Head.IsZero() {
			out.Head = st.Head.String()
		}
		if tr != nil {
			out.Upstream = &upstreamJSON{Name: tr.Name, Gone: tr.Gone, Ahead: tr.Ahead, Behind: tr.Behind}
		}
		for _, f := range st.Files {
			out.Files = append(out.Files, statusFileJSON{Path: f.Path, From: f.From, Staged: string(f.Staged), Unstaged: string(f.Unstaged), Unmerged: f.Unmerged})
		}
		return writeJSON(env.IO.Out, out)
	case o.Porcelain:
		printShortStatus(env.IO.Out, st, tr, o.Branch, false, func(p string) string { return p })
	case o.Short:
		printShortStatus(env.IO.Out, st, tr, o.Branch, true, rel)
	default:
		_, merging, err := r.MergeHead()
		if err != nil {
			return err
		}
		printLongStatus(env.IO.Out, st, tr, operationState(r, st), merging, mode != repo.UntrackedNo, rel)
	}
	return nil
}

// printShortStatus prints --short (short set) or --porcelain. They differ
// for submodules: --short marks one whose only change is in its own files
// 'm' (modified content) or '?' (untracked content), as git does.
func printShortStatus(w io.Writer, st *repo.Status, tr *repo.Tracking, branch, short bool, rel func(string) string) {
	if branch {
		switch {
		case st.Branch == "":
			fmt.Fprintln(w, "## HEAD (no branch)")
		case st.Head.IsZero():
			fmt.Fprintf(w, "## No commits yet on %s\n", st.Branch)
		case tr != nil:
			fmt.Fprintf(w, "## %s...%s", st.Branch, tr.Name)
			switch {
			case tr.Gone:
				fmt.Fprint(w, " [gone]")
			case tr.Ahead > 0 && tr.Behind > 0:
				fmt.Fprintf(w, " [ahead %d, behind %d]", tr.Ahead, tr.Behind)
			case tr.Ahead > 0:
				fmt.Fprintf(w, " [ahead %d]", tr.Ahead)
			case tr.Behind > 0:
				fmt.Fprintf(w, " [behind %d]", tr.Behind)
			}
			fmt.Fprintln(w)
		default:
			fmt.Fprintf(w, "## %s\n", st.Branch)
		}
	}
	// git lists tracked changes first, then untracked, then ignored paths,
	// each group sorted by path.
	for _, group := range []func(repo.FileStatus) bool{
		func(f repo.FileStatus) bool { return f.Staged != '?' && f.Staged != '!' },
		func(f repo.FileStatus) bool { return f.Staged == '?' },
		func(f repo.FileStatus) bool { return f.Staged == '!' },
	} {
		for _, f := range st.Files {
			if !group(f) {
				continue
			}
			p := quoteStatusPath(rel(f.Path))
			if f.From != "" {
				p = quoteStatusPath(rel(f.From)) + " -> " + p
			}
			y := f.Unstaged
			if short && f.Submodule != 0 && f.Submodule&repo.SubmoduleNewCommits == 0 {
				y = '?'
				if f.Submodule&repo.SubmoduleModified != 0 {
					y = 'm'
				}
			}
			fmt.Fprintf(w, "%c%c %s\n", f.Staged, y, p)
		}
	}
}

var stagedLabels = map[byte]string{'A': "new file", 'M': "modified", 'D': "deleted", 'R': "renamed", 'T': "typechange"}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printTracking prints git's lines about the branch and its upstream,
// followed by a blank line; nothing when there is no upstream.
func printTracking(w io.Writer, tr *repo.Tracking) {
	if tr == nil {
		return
	}
	switch {
	case tr.Gone:
		fmt.Fprintf(w, "Your branch is based on '%s', but the upstream is gone.\n", tr.Name)
		fmt.Fprintln(w, "  (use \"easel branch --unset-upstream\" to fixup)")
	case tr.Ahead > 0 && tr.Behind > 0:
		fmt.Fprintf(w, "Your branch and '%s' have diverged,\nand have %d and %d different commits each, respectively.\n", tr.Name, tr.Ahead, tr.Behind)
		fmt.Fprintln(w, "  (use \"easel pull\" to merge the remote branch into yours)")
	case tr.Ahead > 0:
		fmt.Fprintf(w, "Your branch is ahead of '%s' by %d %s.\n", tr.Name, tr.Ahead, plural(tr.Ahead, "commit", "commits"))
		fmt.Fprintln(w, "  (use \"easel push\" to publish your local commits)")
	case tr.Behind > 0:
		fmt.Fprintf(w, "Your branch is behind '%s' by %d %s, and can be fast-forwarded.\n", tr.Name, tr.Behind, plural(tr.Behind, "commit", "commits"))
		fmt.Fprintln(w, "  (use \"easel pull\" to update your local branch)")
	default:
		fmt.Fprintf(w, "Your branch is up to date with '%s'.\n", tr.Name)
	}
	fmt.Fprintln(w)
}

// printLongStatus prints git's long status format: each section ends with
// a blank line, and the closing advice follows directly.
func printLongStatus(w io.Writer, st *repo.Status, tr *repo.Tracking, op opState, merging, showUntracked bool, rel func(string) string) {
	switch {
	case st.Branch != "":
		fmt.Fprintf(w, "On branch %s\n", st.Branch)
	case op.head != "":
		fmt.Fprintln(w, op.head)
	case !st.Head.IsZero():
		fmt.Fprintf(w, "HEAD detached at %s\n", st.Head.String()[:7])
	default:
		fmt.Fprintln(w, "Not currently on any branch.")
	}
	printTracking(w, tr)
	var staged, unmerged, unstaged, untracked, ignored []repo.FileStatus
	for _, f := range st.Files {
		switch {
		case f.Unmerged != "":
			unmerged = append(unmerged, f)
		case f.Staged == '?':
			untracked = append(untracked, f)
		case f.Staged == '!':
			ignored = append(ignored, f)
		default:
			if f.Staged != ' ' {
				staged = append(staged, f)
			}
			if f.Unstaged != ' ' {
				unstaged = append(unstaged, f)
			}
		}
	}
	for _, l := range op.section {
		fmt.Fprintln(w, l)
	}
	if merging {
		if len(unmerged) > 0 {
			fmt.Fprintln(w, "You have unmerged paths.")
			fmt.Fprintln(w, "  (fix conflicts and run \"easel commit\")")
			fmt.Fprintln(w, "  (use \"easel merge --abort\" to abort the merge)")
		} else {
			fmt.Fprintln(w, "All conflicts fixed but you are still merging.")
			fmt.Fprintln(w, "  (use \"easel commit\" to conclude merge)")
		}
		fmt.Fprintln(w)
	}
	if st.Head.IsZero() {
		fmt.Fprintln(w, "\nNo commits yet")
		fmt.Fprintln(w)
	}
	label := func(code byte) string { return fmt.Sprintf("%-12s", stagedLabels[code]+":") }
	if len(staged) > 0 {
		fmt.Fprintln(w, "Changes to be committed:")
		switch {
		case merging || op.picking:
			// git gives no unstage hint in the middle of a merge or pick
		case st.Head.IsZero():
			fmt.Fprintln(w, "  (use \"easel rm --cached <file>...\" to unstage)")
		default:
			fmt.Fprintln(w, "  (use \"easel restore --staged <file>...\" to unstage)")
		}
		for _, f := range staged {
			p := quoteStatusPath(rel(f.Path))
			if f.From != "" {
				p = quoteStatusPath(rel(f.From)) + " -> " + p
			}
			fmt.Fprintf(w, "\t%s%s\n", label(f.Staged), p)
		}
		fmt.Fprintln(w)
	}
	if len(unmerged) > 0 {
		fmt.Fprintln(w, "Unmerged paths:")
		if !merging && !op.picking { // as a commit would make it: a rebase
			fmt.Fprintln(w, "  (use \"easel restore --staged <file>...\" to unstage)")
		}
		fmt.Fprintln(w, "  (use \"easel add <file>...\" to mark resolution)")
		for _, f := range unmerged {
			fmt.Fprintf(w, "\t%-17s%s\n", f.Unmerged+":", quoteStatusPath(rel(f.Path)))
		}
		fmt.Fprintln(w)
	}
	if len(unstaged) > 0 {
		fmt.Fprintln(w, "Changes not staged for commit:")
		verb := "add"
		for _, f := range unstaged {
			if f.Unstaged == 'D' {
				verb = "add/rm" // git's hint once a deletion is listed
			}
		}
		fmt.Fprintf(w, "  (use \"easel %s <file>...\" to update what will be committed)\n", verb)
		fmt.Fprintln(w, "  (use \"easel restore <file>...\" to discard changes in working directory)")
		for _, f := range unstaged {
			if f.Submodule&(repo.SubmoduleModified|repo.SubmoduleUntracked) != 0 {
				fmt.Fprintln(w, "  (commit or discard the untracked or modified content in submodules)")
				break
			}
		}
		for _, f := range unstaged {
			note := ""
			if f.Submodule != 0 {
				note = " (" + f.Submodule.String() + ")"
			}
			fmt.Fprintf(w, "\t%s%s%s\n", label(f.Unstaged), quoteStatusPath(rel(f.Path)), note)
		}
		fmt.Fprintln(w)
	}
	if len(untracked) > 0 {
		fmt.Fprintln(w, "Untracked files:")
		fmt.Fprintln(w, "  (use \"easel add <file>...\" to include in what will be committed)")
		for _, f := range untracked {
			fmt.Fprintf(w, "\t%s\n", quoteStatusPath(rel(f.Path)))
		}
		fmt.Fprintln(w)
	}
	if len(ignored) > 0 {
		fmt.Fprintln(w, "Ignored files:")
		fmt.Fprintln(w, "  (use \"easel add -f <file>...\" to include in what will be committed)")
		for _, f := range ignored {
			fmt.Fprintf(w, "\t%s\n", quoteStatusPath(rel(f.Path)))
		}
		fmt.Fprintln(w)
	}
	if !showUntracked && len(staged) > 0 {
		fmt.Fprintln(w, "Untracked files not listed (use -u option to show untracked files)")
	}
	switch {
	case len(staged) > 0:
		// committable: git adds no advice
	case len(unstaged) > 0 || len(unmerged) > 0:
		fmt.Fprintln(w, "no changes added to commit (use \"easel add\" and/or \"easel commit -a\")")
	case len(untracked) > 0:
		fmt.Fprintln(w, "nothing added to commit but untracked files present (use \"easel add\" to track)")
	case st.Head.IsZero():
		fmt.Fprintln(w, "nothing to commit (create/copy files and use \"easel add\" to track)")
	case !showUntracked:
		fmt.Fprintln(w, "nothing to commit (use -u to show untracked files)")
	default:
		fmt.Fprintln(w, "nothing to commit, working tree clean")
	}
}

// repoPathArgs turns command-line paths (relative to the working
// directory) into repository-relative paths, for commands that take
// paths rather than pathspecs (mv).
func repoPathArgs(r *repo.Repository, env *Env, args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		p, err := toRepoPath(r, env, a)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func toRepoPath(r *repo.Repository, env *Env, a string) (string, error) {
	abs := a
	if !strings.HasPrefix(a, "/") {
		abs = env.Dir + "/" + a
	}
	relp, err := relPath(r.WorkDir, abs)
	if err != nil {
		return "", &repo.PathspecError{Pathspec: a, Msg: fmt.Sprintf("'%s' is outside repository at '%s'", a, r.WorkDir)}
	}
	if relp == "." {
		return ".", nil
	}
	return relp, nil
}

// displayPath shows a repository-relative path relative to the working
// directory, as git's long and short formats do.
func displayPath(r *repo.Repository, env *Env, p string) string {
	cwd, err := relPath(r.WorkDir, env.Dir)
	if err != nil || cwd == "." {
		return p
	}
	trail := strings.HasSuffix(p, "/")
	up := ""
	rest := strings.TrimSuffix(p, "/")
	dir := cwd
	for dir != "" && rest != dir && !strings.HasPrefix(rest, dir+"/") {
		up += "../"
		if i := strings.LastIndexByte(dir, '/'); i >= 0 {
			dir = dir[:i]
		} else {
			dir = ""
		}
	}
	if dir != "" {
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, dir), "/")
	}
	out := up + rest
	if out == "" {
		out = "."
	}
	if trail && !strings.HasSuffix(out, "/") {
		out += "/"
	}
	return out
}

// quoteStatusPath quotes a path as git does with core.quotePath (the
// default), as diff does.
func quoteStatusPath(p string) string { return patch.QuotePath(p) }

// opState is what git's long status says of a rebase, cherry-pick or
// revert in progress: the line that replaces "HEAD detached at" during a
// rebase, and the section after the branch lines.
type opState struct {
	head    string
	section []string
	// picking: a cherry-pick stopped (CHERRY_PICK_HEAD), which, as a
	// merge, takes the unstage hints away.
	picking bool
}

func operationState(r *repo.Repository, st *repo.Status) opState {
	var op opState
	if st.Branch == "" {
		op.head, _ = r.RebaseStatusHead()
	}
	unmerged := false
	for _, f := range st.Files {
		if f.Unmerged != "" {
			unmerged = true
			break
		}
	}
	_, merging, _ := r.MergeHead()
	op.section = r.InProgressSection(unmerged, false, merging)
	op.picking = r.CherryPicking()
	return op
}
