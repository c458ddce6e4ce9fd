package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/column"
	"easel.dev/easel/repo/patch"
	"easel.dev/easel/repo/pretty"
)

func init() { register(newStatusCmd) }

type statusOptions struct {
	Paths     []string
	Short     bool
	Porcelain string // "", "v1" or "v2"
	JSON      bool
	Branch    bool
	Untracked string
	Ignored   bool
	// NUL: -z, entries end with NUL and paths are not quoted.
	NUL bool
	// ShowStash, NoShowStash: --show-stash, --no-show-stash
	// (status.showStash otherwise).
	ShowStash, NoShowStash bool
	// NoAheadBehind: --no-ahead-behind, "+? -?" instead of counts.
	AheadBehind, NoAheadBehind bool
	// shortSet, branchSet: -s/--no-short and -b/--no-branch were given;
	// otherwise status.short and status.branch decide.
	shortSet, branchSet bool
	// untrackedSet: -u was given; otherwise status.showUntrackedFiles
	// decides.
	untrackedSet bool
	// IgnoreSubmodules: --ignore-submodules[=<when>].
	IgnoreSubmodules string
	// Verbose: -v, the staged changes as a patch after the status.
	Verbose int
	// Column, NoColumn: --column[=<style>] and --no-column, how the
	// untracked files are laid out (status.column, column.ui otherwise);
	// columnSet: --column was given.
	Column    string
	NoColumn  bool
	columnSet bool
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
and --json an "upstream" object with ahead and behind counts.

-v adds the staged changes as a patch; -v -v also the changes not staged, each
under its heading. --column (status.column, column.ui) lays the untracked files
out in columns.`,
		Example: `  easel status
  easel status -s
  easel status -sb
  easel status --porcelain
  easel status --json
  easel status --ignored src/
  easel status --ignore-submodules=dirty
  easel status -v -v
  easel status --column=dense
  easel -c status.submoduleSummary=true status`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Paths = args
			o.shortSet = cmd.Flags().Changed("short") || cmd.Flags().Changed("no-short")
			o.branchSet = cmd.Flags().Changed("branch") || cmd.Flags().Changed("no-branch")
			o.untrackedSet = cmd.Flags().Changed("untracked-files")
			o.columnSet = cmd.Flags().Changed("column")
			return runStatus(cmd.Context(), env, o)
		},
	}
	f := cmd.Flags()
	ns := f.VarPF(&negatedBool{&o.Short}, "no-short", "", "the long format (undoes -s and status.short)")
	ns.NoOptDefVal = "true"
	nb := f.VarPF(&negatedBool{&o.Branch}, "no-branch", "", "no branch line (undoes -b and status.branch)")
	nb.NoOptDefVal = "true"
	f.BoolVarP(&o.Short, "short", "s", false, "one line per path")
	f.StringVar(&o.Porcelain, "porcelain", "", "stable format for scripts (paths from the top of the work tree): v1 (the short format, the default) or v2")
	f.Lookup("porcelain").NoOptDefVal = "v1"
	f.BoolVarP(&o.NUL, "null", "z", false, "end entries with NUL, paths unquoted (implies --porcelain unless a format is given)")
	f.BoolVar(&o.ShowStash, "show-stash", false, "say how many entries the stash has")
	f.BoolVar(&o.NoShowStash, "no-show-stash", false, "do not say how many entries the stash has")
	f.BoolVar(&o.AheadBehind, "ahead-behind", false, "count the commits ahead of and behind the upstream (the default)")
	f.BoolVar(&o.NoAheadBehind, "no-ahead-behind", false, "only say whether the branch and its upstream differ")
	f.BoolVar(&o.JSON, "json", false, "print JSON")
	f.BoolVarP(&o.Branch, "branch", "b", false, "with -s or --porcelain: add a '## branch' line")
	f.StringVarP(&o.Untracked, "untracked-files", "u", "normal", "untracked files: no, normal (collapse directories) or all")
	f.Lookup("untracked-files").NoOptDefVal = "all"
	f.BoolVar(&o.Ignored, "ignored", false, "also show ignored files")
	f.StringVar(&o.IgnoreSubmodules, "ignore-submodules", "", "what of submodules to leave out: none, untracked (untracked content), dirty (changes in their work trees) or all (default all)")
	f.Lookup("ignore-submodules").NoOptDefVal = repo.SubmoduleIgnoreAll
	f.CountVarP(&o.Verbose, "verbose", "v", "also show the staged changes as a patch (twice: and the changes not staged)")
	f.StringVar(&o.Column, "column", "", "list untracked files in columns (`<style>`: always, never, auto, column, row, plain, dense)")
	f.Lookup("column").NoOptDefVal = "\x00"
	f.BoolVar(&o.NoColumn, "no-column", false, "list untracked files one per line")
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
	if !o.untrackedSet {
		if v, ok, err := r.ConfigGet("status.showUntrackedFiles"); err != nil {
			return err
		} else if ok {
			if !validUntrackedMode(v) {
				fmt.Fprintf(env.IO.Err, "error: Invalid untracked files mode '%s'\n", v)
				return errors.New("bad config variable 'status.showuntrackedfiles'")
			}
			o.Untracked = v
		}
	}
	if !validUntrackedMode(o.Untracked) {
		return &UsageError{Msg: fmt.Sprintf("Invalid untracked files mode '%s'", o.Untracked)}
	}
	mode := untrackedMode(o.Untracked)
	if o.IgnoreSubmodules != "" && !repo.ValidSubmoduleIgnore(o.IgnoreSubmodules) {
		return &UsageError{Msg: fmt.Sprintf("bad --ignore-submodules argument: %s", o.IgnoreSubmodules)}
	}
	// As git: status.short and status.branch apply unless a porcelain
	// format or -z is asked for.
	if deferred := o.Porcelain == "" && !o.NUL; deferred {
		if !o.shortSet {
			o.Short = r.ConfigBool("status.short", false)
		}
		if !o.branchSet {
			o.Branch = r.ConfigBool("status.branch", false)
		}
	}
	switch o.Porcelain {
	case "", "v1", "v2":
	default:
		return &UsageError{Msg: fmt.Sprintf("unsupported porcelain version '%s'", o.Porcelain)}
	}
	if o.NUL && o.Porcelain == "" && !o.Short {
		o.Porcelain = "v1"
	}
	v2 := o.Porcelain == "v2"
	paths, err := pathspecArgs(r, env, o.Paths)
	if err != nil {
		return err
	}
	long := !o.JSON && !v2 && o.Porcelain == "" && !o.Short
	style, err := longStatusStyle(r, env)
	if err != nil {
		return err
	}
	st, err := r.Status(ctx, repo.StatusOptions{Untracked: mode, Ignored: o.Ignored, Paths: paths, IgnoreSubmodules: o.IgnoreSubmodules,
		Details: v2 || long && style.summaryLimit != 0})
	if err != nil {
		return err
	}
	rel := func(p string) string { return displayPath(r, env, p) }
	if !r.ConfigBool("status.relativePaths", true) {
		rel = func(p string) string { return p }
	}
	if o.NUL {
		// As git: -z shows paths from the top, in every format.
		rel = func(p string) string { return p }
	}
	var tr *repo.Tracking
	if st.Branch != "" && (!o.JSON && !o.Short && o.Porcelain == "" || o.Branch || o.JSON) {
		if tr, err = r.Tracking(ctx, st.Branch); err != nil {
			return err
		}
	}
	stashes := 0
	if !o.NoShowStash && (o.ShowStash || r.ConfigBool("status.showStash", false)) {
		list, err := r.StashList()
		if err != nil {
			return err
		}
		stashes = len(list)
	}
	// One write per line costs a system call each: a status of many
	// paths is written through a buffer.
	w := bufio.NewWriterSize(env.IO.Out, 64<<10)
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
	case v2:
		printStatusV2(w, st, tr, o, stashes, rel)
	case o.Porcelain == "v1":
		printShortStatus(w, st, tr, o.Branch, false, o.NUL, func(p string) string { return p })
	case o.Short:
		printShortStatus(w, st, tr, o.Branch, true, o.NUL, rel)
	default:
		_, merging, err := r.MergeHead()
		if err != nil {
			return err
		}
		if style.summaryLimit != 0 && o.IgnoreSubmodules != repo.SubmoduleIgnoreAll {
			if style.staged, err = r.SubmoduleSummaries(ctx, st, true, style.summaryLimit); err != nil {
				return err
			}
			if style.unstaged, err = r.SubmoduleSummaries(ctx, st, false, style.summaryLimit); err != nil {
				return err
			}
		}
		cols, err := columnMode(r, "status", o.Column, o.NoColumn, o.columnSet)
		if err != nil {
			return err
		}
		if cols.Active(env.IO.OutTerminal) {
			style.columns = &cols
		}
		if o.Verbose > 0 {
			style.verbose = func(w io.Writer, header func(string), staged, changed bool) error {
				return writeStatusPatches(ctx, w, env, r, o.Verbose, header, staged, changed)
			}
		}
		if err := printLongStatusStyled(w, st, tr, operationState(r, st), merging, mode != repo.UntrackedNo, rel, style); err != nil {
			return err
		}
		if stashes > 0 {
			fmt.Fprintf(w, "Your stash currently has %d %s\n", stashes, plural(stashes, "entry", "entries"))
		}
	}
	return w.Flush()
}

// printStatusV2 prints git's porcelain v2: "# " header lines (with
// --branch, and the stash count), then one line per path: "1" ordinary
// changes, "2" renames with the score and the old path, "u" conflicts
// with every stage, "?" untracked and "!" ignored. Paths are from the top
// of the work tree with -z, else relative to the current directory and
// quoted, as git prints them.
func printStatusV2(w io.Writer, st *repo.Status, tr *repo.Tracking, o statusOptions, stashes int, rel func(string) string) {
	eol, sep := "\n", "\t"
	quote := func(p string) string { return quoteStatusPath(rel(p)) }
	if o.NUL {
		eol, sep = "\x00", "\x00"
		quote = func(p string) string { return p }
	}
	if o.Branch {
		if st.Head.IsZero() {
			fmt.Fprintf(w, "# branch.oid (initial)%s", eol)
		} else {
			fmt.Fprintf(w, "# branch.oid %s%s", st.Head, eol)
		}
		if st.Branch == "" {
			fmt.Fprintf(w, "# branch.head (detached)%s", eol)
		} else {
			fmt.Fprintf(w, "# branch.head %s%s", st.Branch, eol)
		}
		if tr != nil {
			fmt.Fprintf(w, "# branch.upstream %s%s", tr.Name, eol)
			switch {
			case tr.Gone:
			case o.NoAheadBehind && !o.AheadBehind && tr.Ahead+tr.Behind > 0:
				fmt.Fprintf(w, "# branch.ab +? -?%s", eol)
			default:
				fmt.Fprintf(w, "# branch.ab +%d -%d%s", tr.Ahead, tr.Behind, eol)
			}
		}
	}
	if stashes > 0 {
		fmt.Fprintf(w, "# stash %d%s", stashes, eol)
	}
	code := func(c byte) byte {
		if c == ' ' {
			return '.'
		}
		return c
	}
	for _, group := range []byte{0, '?', '!'} {
		for _, f := range st.Files {
			d := f.Details
			switch {
			case group == 0 && d == nil, group != 0 && f.Staged != group:
				continue
			case group != 0:
				fmt.Fprintf(w, "%c %s%s", group, quote(f.Path), eol)
				continue
			}
			sub := "N..."
			if d.HeadMode == filemode.Submodule || d.IndexMode == filemode.Submodule || d.WorkMode == filemode.Submodule {
				b := []byte("S...")
				for i, bit := range []repo.SubmoduleChange{repo.SubmoduleNewCommits, repo.SubmoduleModified, repo.SubmoduleUntracked} {
					if f.Submodule&bit != 0 {
						b[i+1] = "CMU"[i]
					}
				}
				sub = string(b)
			}
			switch {
			case f.Unmerged != "":
				fmt.Fprintf(w, "u %c%c %s %06o %06o %06o %06o %s %s %s %s%s", f.Staged, f.Unstaged, sub,
					uint32(d.StageModes[0]), uint32(d.StageModes[1]), uint32(d.StageModes[2]), uint32(d.WorkMode),
					d.StageHashes[0], d.StageHashes[1], d.StageHashes[2], quote(f.Path), eol)
			case f.From != "":
				fmt.Fprintf(w, "2 %c%c %s %06o %06o %06o %s %s %c%d %s%s%s%s", code(f.Staged), code(f.Unstaged), sub,
					uint32(d.HeadMode), uint32(d.IndexMode), uint32(d.WorkMode), d.HeadHash, d.IndexHash,
					f.Staged, d.Score, quote(f.Path), sep, quote(f.From), eol)
			default:
				fmt.Fprintf(w, "1 %c%c %s %06o %06o %06o %s %s %s%s", code(f.Staged), code(f.Unstaged), sub,
					uint32(d.HeadMode), uint32(d.IndexMode), uint32(d.WorkMode), d.HeadHash, d.IndexHash, quote(f.Path), eol)
			}
		}
	}
}

// printShortStatus prints --short (short set) or --porcelain. They differ
// for submodules: --short marks one whose only change is in its own files
// 'm' (modified content) or '?' (untracked content), as git does.
func printShortStatus(w io.Writer, st *repo.Status, tr *repo.Tracking, branch, short, nul bool, rel func(string) string) {
	eol := "\n"
	quote := quoteShortStatusPath
	if nul {
		eol = "\x00"
		quote = func(p string) string { return p }
	}
	if branch {
		switch {
		case st.Branch == "":
			fmt.Fprint(w, "## HEAD (no branch)"+eol)
		case st.Head.IsZero():
			fmt.Fprintf(w, "## No commits yet on %s%s", st.Branch, eol)
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
			fmt.Fprint(w, eol)
		default:
			fmt.Fprintf(w, "## %s%s", st.Branch, eol)
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
			p := quote(rel(f.Path))
			switch {
			case f.From != "" && nul:
				// As git: with -z the new path comes first.
				p += "\x00" + rel(f.From)
			case f.From != "":
				p = quote(rel(f.From)) + " -> " + p
			}
			y := f.Unstaged
			if short && f.Submodule != 0 && f.Submodule&repo.SubmoduleNewCommits == 0 {
				y = '?'
				if f.Submodule&repo.SubmoduleModified != 0 {
					y = 'm'
				}
			}
			fmt.Fprintf(w, "%c%c %s%s", f.Staged, y, p, eol)
		}
	}
}

// stagedLabel is git's word for a staged change's code.
func stagedLabel(code byte) string {
	switch code {
	case 'A':
		return "new file"
	case 'M':
		return "modified"
	case 'D':
		return "deleted"
	case 'R':
		return "renamed"
	case 'T':
		return "typechange"
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printTracking prints git's lines about the branch and its upstream,
// followed by a blank line; nothing when there is no upstream.
func printTracking(w io.Writer, tr *repo.Tracking, hints bool) {
	if tr == nil {
		return
	}
	trackingLines(w, tr, hints)
	fmt.Fprintln(w)
}

// trackingLines are git's format_tracking_info: how the branch stands
// against its upstream, with hints; nothing without an upstream.
func trackingLines(w io.Writer, tr *repo.Tracking, hints bool) {
	if tr == nil {
		return
	}
	if !hints {
		w = hintless{w}
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
}

// validUntrackedMode: git's values of -u and status.showUntrackedFiles.
func validUntrackedMode(v string) bool {
	switch v {
	case "no", "normal", "all", "":
		return true
	}
	return false
}

func untrackedMode(v string) repo.UntrackedMode {
	switch v {
	case "no":
		return repo.UntrackedNo
	case "all":
		return repo.UntrackedAll
	}
	return repo.UntrackedNormal
}

// statusStyle is how the long format is dressed beyond its content: the
// "(use ...)" hints (advice.statusHints), the comment character before
// each line (status.displayCommentPrefix, core.commentChar), the
// submodule summaries (status.submoduleSummary) and, with -v, the staged
// patch.
type statusStyle struct {
	hints        bool
	comment      string
	summaryLimit int // 0: no summaries; -1: no limit
	staged       []repo.SubmoduleSummary
	unstaged     []repo.SubmoduleSummary
	// verbose writes -v's patches; header writes a line as the status
	// lines are written; staged and changed say whether there are
	// changes to be committed and changes in the work tree.
	verbose func(w io.Writer, header func(string), staged, changed bool) error
	// columns: the untracked files are laid out in columns.
	columns *column.Mode
}

func longStatusStyle(r *repo.Repository, env *Env) (statusStyle, error) {
	s := statusStyle{hints: r.ConfigBool("advice.statusHints", true)}
	comment := "#"
	if c, ok, _ := r.ConfigGet("core.commentChar"); ok && c != "auto" {
		if len(c) != 1 { // one byte, as git 2.39 requires
			// git refuses the setting before doing anything.
			fmt.Fprintln(env.IO.Err, "error: core.commentChar should only be one character")
			return s, errors.New("bad config variable 'core.commentchar'")
		}
		comment = c
	}
	if r.ConfigBool("status.displayCommentPrefix", false) {
		s.comment = comment
	}
	if v, ok, _ := r.ConfigGet("status.submoduleSummary"); ok {
		if n, err := strconv.Atoi(v); err == nil {
			s.summaryLimit = n
		} else if r.ConfigBool("status.submoduleSummary", false) {
			s.summaryLimit = -1
		}
	}
	return s, nil
}

// commentWriter puts git's comment prefix before each line: "# " before
// text, "#" alone on an empty line or before a tab.
type commentWriter struct {
	w      io.Writer
	prefix string
	bol    bool
}

func (c *commentWriter) Write(p []byte) (int, error) {
	var b []byte
	for _, ch := range p {
		if c.bol {
			b = append(b, c.prefix...)
			if ch != '\n' && ch != '\t' {
				b = append(b, ' ')
			}
		}
		b = append(b, ch)
		c.bol = ch == '\n'
	}
	if _, err := c.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// printSubmoduleSummaries prints one block of git's submodule summary,
// under its header, each submodule followed by a blank line.
func printSubmoduleSummaries(w io.Writer, header string, list []repo.SubmoduleSummary, rel func(string) string) {
	if len(list) == 0 {
		return
	}
	fmt.Fprintf(w, "%s\n\n", header)
	short := func(h plumbing.Hash) string { return h.String()[:7] }
	for _, s := range list {
		p := rel(s.Path)
		switch {
		case s.Status == 'T' && s.DstMode == filemode.Submodule:
			fmt.Fprintf(w, "* %s %s(blob)->%s(submodule)", p, short(s.Src), short(s.Dst))
		case s.Status == 'T':
			fmt.Fprintf(w, "* %s %s(submodule)->%s(blob)", p, short(s.Src), short(s.Dst))
		default:
			fmt.Fprintf(w, "* %s %s...%s", p, short(s.Src), short(s.Dst))
		}
		if s.Total < 0 {
			fmt.Fprint(w, ":\n")
		} else {
			fmt.Fprintf(w, " (%d):\n", s.Total)
		}
		switch len(s.Missing) {
		case 2:
			fmt.Fprintf(w, "  Warn: %s doesn't contain commits %s and %s\n", p, s.Missing[0], s.Missing[1])
		case 1:
			fmt.Fprintf(w, "  Warn: %s doesn't contain commit %s\n", p, s.Missing[0])
		}
		for _, l := range s.Lines {
			fmt.Fprintln(w, l)
		}
		fmt.Fprintln(w)
	}
}

// writeStatusPatches is status -v: the staged changes as git diff
// --cached prints them; with -v -v, as git, under a header and with the
// prefixes c/ and i/ when something is staged, then, when the work tree
// has changes, a separator and those changes (prefixes i/ and w/).
func writeStatusPatches(ctx context.Context, w io.Writer, env *Env, r *repo.Repository, verbose int, header func(string), staged, changed bool) error {
	var tree plumbing.Hash
	if head, err := r.Head(); err == nil && !head.IsZero() {
		if tree, err = resolveTree(ctx, r, "HEAD"); err != nil {
			return err
		}
	}
	patches, _, err := r.DiffIndex(ctx, tree, nil)
	if err != nil {
		return err
	}
	// Unlike the lists above, the patches honour submodule.<name>.ignore=all.
	ignore := r.SubmoduleIgnoreMode("")
	visible := func(patches []patch.FilePatch) []patch.FilePatch {
		kept := patches[:0]
		for _, p := range patches {
			path := p.To.Path
			if path == "" {
				path = p.From.Path
			}
			if (p.From.Mode == filemode.Submodule || p.To.Mode == filemode.Submodule) && ignore(path) == repo.SubmoduleIgnoreAll {
				continue
			}
			kept = append(kept, p)
		}
		return kept
	}
	patches = visible(patches)
	var f diffFormat
	if err := f.setRenames(r); err != nil {
		return err
	}
	f.Context = 3
	if verbose > 1 && staged {
		header("Changes to be committed:")
		f.srcPrefix, f.dstPrefix = "c/", "i/"
	}
	if patches, err = r.DetectRenames(patches, f.renames, false); err != nil {
		return err
	}
	if err := writePatches(w, env, r, patches, f, false); err != nil {
		return err
	}
	if verbose < 2 || !changed {
		return nil
	}
	header(strings.Repeat("-", 50))
	header("Changes not staged for commit:")
	patches, unmerged, err := r.DiffWorktree(ctx, true, plumbing.ZeroHash, nil)
	if err != nil {
		return err
	}
	for _, p := range unmerged {
		fmt.Fprintf(w, "* Unmerged path %s\n", patch.QuotePath(p))
	}
	f.srcPrefix, f.dstPrefix = "i/", "w/"
	return writePatches(w, env, r, visible(patches), f, true)
}

// hintless drops the "  (use ...)" lines written through it, for
// advice.statusHints=false. Each Write must be whole lines.
type hintless struct{ w io.Writer }

func (h hintless) Write(p []byte) (int, error) {
	var b []byte
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if !strings.HasPrefix(l, "  (") {
			b = append(b, l...)
		}
	}
	if _, err := h.w.Write(b); err != nil {
		return 0, err
	}
	return len(p), nil
}

// printLongStatus prints git's long status format with git's default
// style.
func printLongStatus(w io.Writer, st *repo.Status, tr *repo.Tracking, op opState, merging, showUntracked bool, rel func(string) string) {
	printLongStatusStyled(w, st, tr, op, merging, showUntracked, rel, statusStyle{hints: true})
}

// printLongStatusStyled prints git's long status format: each section
// ends with a blank line, and the closing advice follows directly.
func printLongStatusStyled(out io.Writer, st *repo.Status, tr *repo.Tracking, op opState, merging, showUntracked bool, rel func(string) string, style statusStyle) error {
	w := out
	if style.comment != "" {
		w = &commentWriter{w: out, prefix: style.comment, bol: true}
	}
	hint := func(l string) {
		if style.hints {
			fmt.Fprintln(w, l)
		}
	}
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
	printTracking(w, tr, style.hints)
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
		if strings.HasPrefix(l, "  (") {
			hint(l)
			continue
		}
		fmt.Fprintln(w, l)
	}
	if merging {
		if len(unmerged) > 0 {
			fmt.Fprintln(w, "You have unmerged paths.")
			hint("  (fix conflicts and run \"easel commit\")")
			hint("  (use \"easel merge --abort\" to abort the merge)")
		} else {
			fmt.Fprintln(w, "All conflicts fixed but you are still merging.")
			hint("  (use \"easel commit\" to conclude merge)")
		}
		fmt.Fprintln(w)
	}
	if st.Sparse != "" {
		fmt.Fprintln(w, st.Sparse)
		fmt.Fprintln(w)
	}
	if st.Head.IsZero() {
		fmt.Fprintln(w, "\nNo commits yet")
		fmt.Fprintln(w)
	}
	label := func(code byte) string { return fmt.Sprintf("%-12s", stagedLabel(code)+":") }
	if len(staged) > 0 {
		fmt.Fprintln(w, "Changes to be committed:")
		switch {
		case merging || op.picking:
			// git gives no unstage hint in the middle of a merge or pick
		case st.Head.IsZero():
			hint("  (use \"easel rm --cached <file>...\" to unstage)")
		default:
			hint("  (use \"easel restore --staged <file>...\" to unstage)")
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
		switch {
		case merging || op.picking: // as a commit would make it: a rebase
		case st.Head.IsZero():
			hint("  (use \"easel rm --cached <file>...\" to unstage)")
		default:
			hint("  (use \"easel restore --staged <file>...\" to unstage)")
		}
		hint(resolutionHint(unmerged))
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
		hint(fmt.Sprintf("  (use \"easel %s <file>...\" to update what will be committed)", verb))
		hint("  (use \"easel restore <file>...\" to discard changes in working directory)")
		for _, f := range unstaged {
			if f.Submodule&(repo.SubmoduleModified|repo.SubmoduleUntracked) != 0 {
				hint("  (commit or discard the untracked or modified content in submodules)")
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
	printSubmoduleSummaries(w, "Submodule changes to be committed:", style.staged, rel)
	printSubmoduleSummaries(w, "Submodules changed but not updated:", style.unstaged, rel)
	if len(untracked) > 0 {
		fmt.Fprintln(w, "Untracked files:")
		hint("  (use \"easel add <file>...\" to include in what will be committed)")
		if style.columns != nil {
			// As git: each line starts with the comment character
			// (when there is one) and a tab, counted in the width.
			paths := make([]string, len(untracked))
			for i, f := range untracked {
				paths[i] = quoteStatusPath(rel(f.Path))
			}
			fmt.Fprint(out, column.PrintIndented(paths, *style.columns, pretty.TermColumns()-1, 1, style.comment+"\t"))
		} else {
			for _, f := range untracked {
				fmt.Fprintf(w, "\t%s\n", quoteStatusPath(rel(f.Path)))
			}
		}
		fmt.Fprintln(w)
	}
	if len(ignored) > 0 {
		fmt.Fprintln(w, "Ignored files:")
		hint("  (use \"easel add -f <file>...\" to include in what will be committed)")
		for _, f := range ignored {
			fmt.Fprintf(w, "\t%s\n", quoteStatusPath(rel(f.Path)))
		}
		fmt.Fprintln(w)
	}
	if !showUntracked && len(staged) > 0 {
		if style.hints {
			fmt.Fprintln(w, "Untracked files not listed (use -u option to show untracked files)")
		} else {
			fmt.Fprintln(w, "Untracked files not listed")
		}
	}
	if style.verbose != nil {
		header := func(l string) { fmt.Fprintln(w, l) }
		if err := style.verbose(out, header, len(staged) > 0, len(unstaged) > 0); err != nil {
			return err
		}
	}
	// The closing advice is printed as it is, never commented.
	advice := func(withHint, plain string) {
		if style.hints {
			fmt.Fprintln(out, withHint)
		} else {
			fmt.Fprintln(out, plain)
		}
	}
	switch {
	case len(staged) > 0:
		// committable: git adds no advice
	case len(unstaged) > 0 || len(unmerged) > 0:
		advice("no changes added to commit (use \"easel add\" and/or \"easel commit -a\")", "no changes added to commit")
	case len(untracked) > 0:
		advice("nothing added to commit but untracked files present (use \"easel add\" to track)", "nothing added to commit but untracked files present")
	case st.Head.IsZero():
		advice("nothing to commit (create/copy files and use \"easel add\" to track)", "nothing to commit")
	case !showUntracked:
		advice("nothing to commit (use -u to show untracked files)", "nothing to commit")
	default:
		fmt.Fprintln(out, "nothing to commit, working tree clean")
	}
	return nil
}

// resolutionHint is git's advice on marking conflicts resolved, which
// depends on what the conflicts are: only "both deleted" ones are
// resolved with rm, a deletion against a change with add or rm, the
// others with add (wt_longstatus_print_unmerged_header).
func resolutionHint(unmerged []repo.FileStatus) string {
	bothDeleted, delMod, notDeleted := false, false, false
	for _, f := range unmerged {
		switch f.Unmerged {
		case "both deleted":
			bothDeleted = true
		case "deleted by us", "deleted by them":
			delMod = true
		default:
			notDeleted = true
		}
	}
	switch {
	case !bothDeleted && !delMod:
		return "  (use \"easel add <file>...\" to mark resolution)"
	case bothDeleted && !delMod && !notDeleted:
		return "  (use \"easel rm <file>...\" to mark resolution)"
	}
	return "  (use \"easel add/rm <file>...\" as appropriate to mark resolution)"
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

// quoteShortStatusPath is the short format's quoting: git also puts a
// path holding a space in double quotes there, so that scripts can split
// "XY path" lines.
func quoteShortStatusPath(p string) string {
	q := patch.QuotePath(p)
	if q == p && strings.ContainsRune(p, ' ') {
		return `"` + p + `"`
	}
	return q
}

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
