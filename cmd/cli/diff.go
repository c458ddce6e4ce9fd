package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"easel.dev/easel/merge/linediff"
	"easel.dev/easel/merge/rename"
	"easel.dev/easel/repo"
	"easel.dev/easel/repo/patch"
)

func init() { register(newDiffCmd) }

// diffFormat is what diff, show and log print for a set of changes.
type diffFormat struct {
	Stat       bool
	NumStat    bool
	ShortStat  bool
	NameOnly   bool
	NameStatus bool
	Context    int
	Histogram  bool
	// Patience, Minimal and Algorithm (--diff-algorithm) choose the
	// line diff as Histogram does; diff.algorithm otherwise.
	Patience, Minimal bool
	Algorithm         string
	alg               linediff.Algorithm
	// FindRenames is -M's threshold ("" when not given); NoRenames wins
	// over it. renames is their outcome over the configuration.
	FindRenames string
	NoRenames   bool
	renames     repo.RenameOptions
	// copies counts -C (twice, or --find-copies-harder: 2); FindCopies
	// is its threshold when given one.
	copies     int
	FindCopies string
	// Raw is --raw, Summary --summary; WithPatch adds the patch after the raw, name and stat
	// sections (--patch-with-stat, --patch-with-raw, log -p with --stat).
	Raw, Summary                bool
	WithPatch                   bool
	patchWithStat, patchWithRaw bool
	// Abbrev is --abbrev's length of ids in --raw ("" for git's default,
	// "auto" when given without a value); NoAbbrev prints them whole.
	Abbrev   string
	NoAbbrev bool
	// recursive and root are git's -r and --root, which easel always
	// does: trees are always recursed, root commits always diffed.
	recursive, root bool
	// Check is --check: whitespace errors and conflict markers that the
	// changes bring in; checkFailed, when set, learns whether there were.
	Check       bool
	checkFailed *bool
	// LinePrefix is put before every line of output (--line-prefix).
	LinePrefix string
	// srcPrefix, dstPrefix replace "a/" and "b/" (status -v -v).
	srcPrefix, dstPrefix string
	// The differences the patch and --stat leave out (-w, -b,
	// --ignore-space-at-eol, --ignore-cr-at-eol, --ignore-blank-lines,
	// -I); see patch.Ignore.
	IgnoreAllSpace, IgnoreSpaceChange, IgnoreSpaceAtEOL, IgnoreCRAtEOL bool
	IgnoreBlankLines                                                   bool
	IgnoreMatching                                                     []string
	changeFilter
}

func (f *diffFormat) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.Stat, "stat", false, "show a summary of changed lines per file instead of the patch")
	fl.BoolVar(&f.NumStat, "numstat", false, "per file: added and deleted lines and the name, tab-separated (\"-\" for binary files)")
	fl.BoolVar(&f.ShortStat, "shortstat", false, "only the last line of --stat: files changed, insertions, deletions")
	fl.BoolVar(&f.NameOnly, "name-only", false, "show only the names of changed files")
	fl.BoolVar(&f.NameStatus, "name-status", false, "show names and status letters (A, D, M, R, T) of changed files")
	fl.IntVarP(&f.Context, "unified", "U", 3, "lines of context around each change")
	fl.BoolVar(&f.Histogram, "histogram", false, "use the histogram diff algorithm instead of Myers")
	fl.BoolVar(&f.Patience, "patience", false, "use the patience diff algorithm instead of Myers")
	fl.BoolVar(&f.Minimal, "minimal", false, "spend extra time to make the smallest diff")
	fl.StringVar(&f.Algorithm, "diff-algorithm", "", "diff algorithm: myers (default), minimal, patience or histogram")
	fl.StringVarP(&f.FindRenames, "find-renames", "M", "", "detect renames of files at least `<n>` similar (default 50%)")
	fl.Lookup("find-renames").NoOptDefVal = "50%"
	fc := fl.VarPF(&copiesFlag{f: f}, "find-copies", "C", "detect copies (and renames) of files at least `<n>` similar; twice: copies of unchanged files too")
	fc.NoOptDefVal = "\x00"
	fh := fl.VarPF(&copiesFlag{f: f, harder: true}, "find-copies-harder", "", "detect copies of unchanged files too")
	fh.NoOptDefVal = "\x00"
	fl.BoolVar(&f.NoRenames, "no-renames", false, "show renamed files as deleted and added (diff.renames=false)")
	fl.BoolVar(&f.Raw, "raw", false, "per file: modes, ids, status letter and name, as git's --raw")
	fl.BoolVar(&f.Summary, "summary", false, "list created, deleted and renamed files and mode changes")
	fl.BoolVar(&f.patchWithStat, "patch-with-stat", false, "the --stat summary followed by the patch")
	fl.BoolVar(&f.patchWithRaw, "patch-with-raw", false, "the --raw lines followed by the patch")
	fl.StringVar(&f.Abbrev, "abbrev", "", "shorten ids of --raw to at least `<n>` digits")
	fl.Lookup("abbrev").NoOptDefVal = "auto"
	fl.BoolVar(&f.NoAbbrev, "no-abbrev", false, "print whole ids in --raw")
	fl.StringVar(&f.LinePrefix, "line-prefix", "", "put `<prefix>` before every line of output")
	fl.BoolVar(&f.Check, "check", false, "report whitespace errors and conflict markers the changes bring in (exit status 2 when any)")
	fl.BoolVarP(&f.IgnoreAllSpace, "ignore-all-space", "w", false, "ignore whitespace when comparing lines")
	fl.BoolVarP(&f.IgnoreSpaceChange, "ignore-space-change", "b", false, "ignore changes in amount of whitespace")
	fl.BoolVar(&f.IgnoreSpaceAtEOL, "ignore-space-at-eol", false, "ignore changes in whitespace at end of line")
	fl.BoolVar(&f.IgnoreCRAtEOL, "ignore-cr-at-eol", false, "ignore carriage return at the end of line")
	fl.BoolVar(&f.IgnoreBlankLines, "ignore-blank-lines", false, "ignore changes whose lines are all blank")
	fl.StringArrayVarP(&f.IgnoreMatching, "ignore-matching-lines", "I", nil, "ignore changes whose lines all match `<regex>`")
	fl.BoolVarP(&f.recursive, "recursive", "r", false, "recurse into trees (always done)")
	fl.BoolVar(&f.root, "root", false, "show root commits' changes against the empty tree (always done)")
	_ = fl.MarkHidden("recursive")
	_ = fl.MarkHidden("root")
	f.changeFilter.addFlags(cmd)
}

// settleFormats folds the combined flags into the formats they stand for.
func (f *diffFormat) settleFormats() {
	if f.patchWithStat {
		f.Stat, f.WithPatch = true, true
	}
	if f.patchWithRaw {
		f.Raw, f.WithPatch = true, true
	}
}

// ignore is what the flags leave out of patches and --stat. An -I
// expression that does not compile is a usage error, as in git.
func (f *diffFormat) ignore() (patch.Ignore, error) {
	var ig patch.Ignore
	if f.IgnoreAllSpace {
		ig.Space |= linediff.IgnoreAllSpace
	}
	if f.IgnoreSpaceChange {
		ig.Space |= linediff.IgnoreSpaceChange
	}
	if f.IgnoreSpaceAtEOL {
		ig.Space |= linediff.IgnoreSpaceAtEOL
	}
	if f.IgnoreCRAtEOL {
		ig.Space |= linediff.IgnoreCRAtEOL
	}
	ig.BlankLines = f.IgnoreBlankLines
	for _, expr := range f.IgnoreMatching {
		// git compiles with REG_EXTENDED|REG_NEWLINE: ^ and $ match at
		// line ends.
		re, err := regexp.Compile("(?m)" + expr)
		if err != nil {
			// git's 129 for a bad command line: diff's own 2 would
			// read as problems --check found.
			return ig, &ExitError{Code: 129, Err: fmt.Errorf("invalid regex given to -I: '%s'", expr)}
		}
		ig.Matching = append(ig.Matching, re)
	}
	return ig, nil
}

// onlyPatch says whether no other format than the patch was asked for.
func (f *diffFormat) onlyPatch() bool {
	return !(f.Check || f.Raw || f.Summary || f.NameOnly || f.NameStatus || f.Stat || f.NumStat || f.ShortStat)
}

// rawAbbrev shortens ids as --raw prints them: git's default length
// unless --abbrev or --no-abbrev say otherwise, followed by "..." when
// GIT_PRINT_SHA1_ELLIPSIS is set (git's diff_aligned_abbrev).
func (f *diffFormat) rawAbbrev(env *Env, r *repo.Repository) (func(plumbing.Hash) string, error) {
	n := 0
	if f.Abbrev != "" && f.Abbrev != "auto" {
		v, err := strconv.Atoi(f.Abbrev)
		if err != nil {
			return nil, &UsageError{Msg: fmt.Sprintf("invalid --abbrev value %q", f.Abbrev)}
		}
		n = max(v, 4)
	}
	ellipsis := env.IO.Getenv != nil && env.IO.Getenv("GIT_PRINT_SHA1_ELLIPSIS") == "yes"
	var ab *repo.Abbreviator
	if r != nil {
		ab = r.NewAbbreviator()
	}
	return func(h plumbing.Hash) string {
		if f.NoAbbrev || n >= len(h.String()) {
			return h.String()
		}
		var s string
		switch {
		case h.IsZero() || ab == nil:
			s = h.String()[:max(n, 7)]
			if n > 0 {
				s = h.String()[:n]
			}
		default:
			s = ab.Short(h, n)
		}
		if !ellipsis {
			return s
		}
		if want := max(n, 7); want < len(s) && len(s) <= want+2 {
			return s + strings.Repeat(".", want+3-len(s))
		}
		return s + "..."
	}, nil
}

// setRenames settles rename detection from the flags and diff.renames,
// and the line diff algorithm from the flags and diff.algorithm.
func (f *diffFormat) setRenames(r *repo.Repository) error {
	v, _, _ := r.ConfigGet("diff.algorithm")
	if err := f.setAlgorithm(v); err != nil {
		return err
	}
	if _, err := f.ignore(); err != nil {
		return err
	}
	f.renames = r.RenameConfig("diff")
	if f.FindRenames != "" {
		score, ok := parseRenameScore(f.FindRenames)
		if !ok {
			return &UsageError{Msg: fmt.Sprintf("invalid argument to -M: %s", f.FindRenames)}
		}
		f.renames.Off, f.renames.MinScore = false, score
	}
	if f.copies > 0 {
		// As git: -C finds renames too, whatever diff.renames says.
		f.renames.Off, f.renames.Copies = false, min(f.copies, 2)
		if f.FindCopies != "" {
			score, ok := parseRenameScore(f.FindCopies)
			if !ok {
				return &UsageError{Msg: fmt.Sprintf("invalid argument to -C: %s", f.FindCopies)}
			}
			f.renames.MinScore = score
		}
	}
	if f.NoRenames {
		f.renames.Off = true
	}
	return nil
}

// copiesFlag is -C[<n>] (each one more: -C -C finds copies harder) and
// --find-copies-harder.
type copiesFlag struct {
	f      *diffFormat
	harder bool
}

func (c *copiesFlag) String() string { return "" }
func (c *copiesFlag) Type() string   { return "n" }
func (c *copiesFlag) Set(v string) error {
	if c.harder {
		c.f.copies = 2
		return nil
	}
	c.f.copies++
	if v != "\x00" {
		c.f.FindCopies = v
	}
	return nil
}

// setAlgorithm settles the line diff from the flags and configured, the
// value of diff.algorithm ("" when unset). Of several flags git takes the
// last given; easel takes --diff-algorithm, then --histogram, --patience,
// --minimal.
func (f *diffFormat) setAlgorithm(configured string) error {
	f.alg = linediff.Myers
	if configured != "" {
		alg, known := linediff.ParseAlgorithm(configured)
		if !known {
			return &UsageError{Msg: fmt.Sprintf("unknown value for config 'diff.algorithm': %s", configured)}
		}
		f.alg = alg
	}
	switch {
	case f.Algorithm != "":
		alg, known := linediff.ParseAlgorithm(f.Algorithm)
		if !known {
			return &UsageError{Msg: "option diff-algorithm accepts \"myers\", \"minimal\", \"patience\" and \"histogram\""}
		}
		f.alg = alg
	case f.Histogram:
		f.alg = linediff.Histogram
	case f.Patience:
		f.alg = linediff.Patience
	case f.Minimal:
		f.alg = linediff.Minimal
	}
	return nil
}

// parseRenameScore reads a similarity as git's -M takes it: "90%", or
// digits read as a fraction ("9" and "90" are both 90%, "05" is 5%).
func parseRenameScore(s string) (int, bool) {
	num, scale, dot := 0, 1, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' && !dot:
			scale, dot = 1, true
		case c == '%' && i == len(s)-1:
			if dot {
				scale *= 100
			} else {
				scale = 100
			}
		case c >= '0' && c <= '9':
			if scale < 100000 {
				scale *= 10
				num = num*10 + int(c-'0')
			}
		default:
			return 0, false
		}
	}
	if num >= scale {
		return rename.MaxScore, true
	}
	return rename.MaxScore * num / scale, true
}

type diffOptions struct {
	diffFormat
	Args     []string
	Paths    []string
	Cached   bool
	ExitCode bool
	Quiet    bool
	NoIndex  bool
}

func newDiffCmd(env *Env) *cobra.Command {
	var o diffOptions
	cmd := &cobra.Command{
		Use:   "diff [--cached] [<revision> [<revision>]] [-- <path>...]",
		Short: "Show changes between the work tree, the index and commits",
		Long: `Show changes as a unified diff, in git's format:
  easel diff                 work tree against the index (changes not yet added)
  easel diff --cached        index against HEAD (what the next commit records)
  easel diff <rev>           work tree against a commit
  easel diff <rev> <rev>     between two commits (also <rev>..<rev>)
  easel diff <a>...<b>       what <b> changed since it forked from <a>
Paths after "--" limit the diff. --exit-code makes the exit status 1 when
there are differences; --quiet does that and prints nothing.`,
		Example: `  easel diff
  easel diff --staged
  easel diff HEAD~1
  easel diff main feature -- src/
  easel diff --stat v1.0 v1.1
  easel diff --name-status HEAD~3..HEAD
  easel diff -U1 -- README.md
  easel diff --quiet || echo "there are changes"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				o.Args, o.Paths = args[:dash], args[dash:]
			} else {
				o.Args = args
			}
			return runDiff(cmd.Context(), env, o)
		},
	}
	o.addFlags(cmd)
	cmd.Flags().BoolVar(&o.Cached, "cached", false, "compare the index with HEAD (or the given commit)")
	cmd.Flags().BoolVar(&o.Cached, "staged", false, "same as --cached")
	cmd.Flags().BoolVar(&o.ExitCode, "exit-code", false, "exit with status 1 if there are differences")
	cmd.Flags().BoolVar(&o.Quiet, "quiet", false, "print nothing; exit with status 1 if there are differences")
	cmd.Flags().BoolVar(&o.NoIndex, "no-index", false, "compare two paths of the file system (files or directories), exit status 1 when they differ")
	return cmd
}

// evalDir resolves symlinks in the longest existing prefix of p, so that
// /tmp and /private/tmp style aliases compare equal.
func evalDir(p string) string {
	rest := ""
	for cur := filepath.Clean(p); ; {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return filepath.Clean(p)
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

func runDiff(ctx context.Context, env *Env, o diffOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil && o.NoIndex {
		// As git: --no-index needs no repository.
		if err := o.setAlgorithm(""); err != nil {
			return err
		}
		return runDiffNoIndex(ctx, env, o, nil)
	}
	if err != nil {
		return err
	}
	if err := o.setRenames(r); err != nil {
		return err
	}
	if o.NoIndex {
		return runDiffNoIndex(ctx, env, o, r)
	}
	// Without "--", arguments that are not revisions are paths, as in git
	// (from the first one that does not resolve).
	var revs []string
	for i, a := range o.Args {
		if left, right, ok := strings.Cut(a, "..."); ok && len(revs) == 0 {
			// What right did since it left left: from their merge base.
			base, err := r.MergeBase(ctx, left, right)
			if err != nil {
				return err
			}
			if right == "" {
				right = "HEAD"
			}
			revs = append(revs, base.String(), right)
			continue
		}
		if from, to, ok := strings.Cut(a, ".."); ok && len(revs) == 0 {
			if from == "" {
				from = "HEAD"
			}
			if to == "" {
				to = "HEAD"
			}
			revs = append(revs, from, to)
			continue
		}
		if _, err := r.ResolveRevision(ctx, a); err != nil {
			if _, serr := os.Lstat(filepath.Join(env.Dir, a)); serr == nil {
				o.Paths = append(append([]string(nil), o.Args[i:]...), o.Paths...)
				break
			}
			return err
		}
		revs = append(revs, a)
	}
	if len(revs) > 2 {
		return &UsageError{Msg: "diff takes at most two revisions"}
	}
	ps, err := parsePathspec(env, r, o.Paths)
	if err != nil {
		return err
	}
	var patches []patch.FilePatch
	toWorktree := false
	switch {
	case len(revs) == 2:
		if o.Cached {
			return &UsageError{Msg: "--cached takes at most one revision"}
		}
		a, err := resolveTree(ctx, r, revs[0])
		if err != nil {
			return err
		}
		b, err := resolveTree(ctx, r, revs[1])
		if err != nil {
			return err
		}
		patches, err = r.DiffTrees(ctx, a, b, ps)
		if err != nil {
			return err
		}
	case o.Cached:
		rev := "HEAD"
		if len(revs) == 1 {
			rev = revs[0]
		}
		var tree plumbing.Hash
		if head, herr := r.Head(); rev != "HEAD" || (herr == nil && !head.IsZero()) {
			if tree, err = resolveTree(ctx, r, rev); err != nil {
				return err
			}
		}
		var unmerged []string
		patches, unmerged, err = r.DiffIndex(ctx, tree, ps)
		if err != nil {
			return err
		}
		printUnmerged(env, unmerged, o)
	default:
		toWorktree = true
		fromIndex := len(revs) == 0
		var tree plumbing.Hash
		if !fromIndex {
			if tree, err = resolveTree(ctx, r, revs[0]); err != nil {
				return err
			}
		}
		var unmerged []string
		patches, unmerged, err = r.DiffWorktree(ctx, fromIndex, tree, ps)
		if err != nil {
			return err
		}
		printUnmerged(env, unmerged, o)
	}
	if patches, err = r.DetectRenames(patches, o.renames, toWorktree); err != nil {
		return err
	}
	checkFailed := false
	o.checkFailed = &checkFailed
	if !o.Quiet {
		out := bufio.NewWriterSize(env.IO.Out, 64<<10)
		if err := writePatches(withLinePrefix(out, o.LinePrefix), env, r, patches, o.diffFormat, toWorktree); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	// As git's diff_result_code: 1 for differences under --exit-code or
	// --quiet, 2 for problems --check found, both together 3.
	code := 0
	if (o.ExitCode || o.Quiet) && len(patches) > 0 {
		changed, err := o.contentChanged(r, patches, toWorktree)
		if err != nil {
			return err
		}
		if changed {
			code |= 1
		}
	}
	if o.Check && checkFailed {
		code |= 2
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}

// contentChanged says whether patches differ: any of them does, unless
// differences are ignored; then, as git's diff_from_contents, only a file
// whose patch shows a change counts.
func (f *diffFormat) contentChanged(r *repo.Repository, patches []patch.FilePatch, toWorktree bool) (bool, error) {
	ig, err := f.ignore()
	if err != nil || !ig.Active() {
		return len(patches) > 0, err
	}
	o := patch.Options{Context: f.Context, Algorithm: f.alg, Ignore: ig}
	for i := range patches {
		p := patches[i]
		if err := loadPatch(r, &p, toWorktree); err != nil {
			return false, err
		}
		if patch.Shows(p, o) {
			return true, nil
		}
	}
	return false, nil
}

func printUnmerged(env *Env, paths []string, o diffOptions) {
	if o.Quiet || o.NameOnly || o.NameStatus || o.Stat || o.NumStat || o.ShortStat {
		return
	}
	for _, p := range paths {
		fmt.Fprintf(env.IO.Out, "* Unmerged path %s\n", patch.QuotePath(p))
	}
}

func resolveTree(ctx context.Context, r *repo.Repository, rev string) (plumbing.Hash, error) {
	h, err := r.ResolveRevision(ctx, rev)
	if err != nil {
		return h, err
	}
	t, err := r.TreeOf(h)
	if err != nil {
		return t, fmt.Errorf("%s: %v: %w", rev, err, repo.ErrUnknownRevision)
	}
	return t, nil
}

// statWidth is the width git fits --stat into: the terminal's, $COLUMNS,
// or 80.
func statWidth(env *Env) int {
	if env.IO.Getenv != nil {
		if n, err := strconv.Atoi(env.IO.Getenv("COLUMNS")); err == nil && n > 0 {
			return n
		}
	}
	if env.IO.OutTerminal {
		if f, ok := env.IO.Out.(*os.File); ok {
			if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
				return w
			}
		}
	}
	return 80
}

// writePatches prints changes in the chosen format, loading contents one
// file at a time.
func writePatches(w io.Writer, env *Env, r *repo.Repository, patches []patch.FilePatch, f diffFormat, toWorktree bool) error {
	f.settleFormats()
	patches, err := f.changeFilter.filter(r, patches, toWorktree)
	if err != nil {
		return err
	}
	alg := f.alg
	ig, err := f.ignore()
	if err != nil {
		return err
	}
	sections := 0
	switch {
	case f.Check:
		for i := range patches {
			p := patches[i]
			if err := loadPatch(r, &p, toWorktree); err != nil {
				return err
			}
			co := patch.CheckOptions{Rule: patch.WSDefault}
			if r != nil {
				if co, err = r.CheckOptions(p.Path()); err != nil {
					return err
				}
			}
			co.Color, co.Algorithm = env.IO.Color, alg
			bad, err := patch.Check(w, p, co)
			if err != nil {
				return err
			}
			if bad && f.checkFailed != nil {
				*f.checkFailed = true
			}
		}
		sections++
	case f.Raw:
		abbrev, err := f.rawAbbrev(env, r)
		if err != nil {
			return err
		}
		for _, p := range patches {
			if _, err := fmt.Fprintln(w, patch.Raw(p, abbrev)); err != nil {
				return err
			}
		}
		sections++
	case f.NameStatus:
		for _, p := range patches {
			if _, err := fmt.Fprintln(w, patch.NameStatus(p)); err != nil {
				return err
			}
		}
		sections++
	case f.NameOnly:
		for _, p := range patches {
			if _, err := fmt.Fprintln(w, patch.NameOnly(p)); err != nil {
				return err
			}
		}
		sections++
	}
	if f.Stat || f.NumStat || f.ShortStat {
		// As git's diff_flush: --numstat, then --stat, then --shortstat.
		var b strings.Builder
		entries := make([]patch.StatEntry, 0, len(patches))
		adds, dels := 0, 0
		so := patch.Options{Context: f.Context, Algorithm: alg, Ignore: ig}
		for i := range patches {
			p := patches[i]
			if err := loadPatch(r, &p, toWorktree); err != nil {
				return err
			}
			add, del, bin := patch.CountsWith(p, so)
			if ig.Active() && add == 0 && del == 0 && !bin && p.Status() == 'M' && p.From.Mode == p.To.Mode && p.From.Hash != p.To.Hash {
				// git's diffstat leaves out a modified file whose
				// changes are all ignored.
				continue
			}
			entries = append(entries, patch.StatEntry{Name: patch.StatName(p), Added: add, Deleted: del, Binary: bin})
			switch {
			case bin && f.NumStat:
				fmt.Fprintf(&b, "-\t-\t%s\n", patch.StatName(p))
			case f.NumStat:
				fmt.Fprintf(&b, "%d\t%d\t%s\n", add, del, patch.StatName(p))
			}
			if !bin {
				adds, dels = adds+add, dels+del
			}
		}
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
		if f.Stat {
			if err := patch.WriteStat(w, entries, statWidth(env), env.IO.Color); err != nil {
				return err
			}
		}
		if f.ShortStat && len(entries) > 0 {
			if _, err := io.WriteString(w, patch.Summary(len(entries), adds, dels)+"\n"); err != nil {
				return err
			}
		}
		sections++
	}
	if f.Summary {
		var b strings.Builder
		for _, p := range patches {
			for _, l := range patch.SummaryLines(p) {
				b.WriteString(l + "\n")
			}
		}
		if b.Len() > 0 {
			if _, err := io.WriteString(w, b.String()); err != nil {
				return err
			}
			sections++
		}
	}
	if !f.WithPatch && !f.onlyPatch() {
		return nil
	}
	if sections > 0 {
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
	}
	abbrev := func(h plumbing.Hash) string { return h.String()[:7] }
	if r != nil {
		abbrev = r.NewAbbreviator().ShortID
	}
	o := patch.Options{Context: f.Context, Color: env.IO.Color, Abbrev: abbrev, Algorithm: alg,
		SrcPrefix: f.srcPrefix, DstPrefix: f.dstPrefix, Ignore: ig}
	for i := range patches {
		p := patches[i]
		if err := loadPatch(r, &p, toWorktree); err != nil {
			return err
		}
		if err := patch.WriteUnified(w, p, o); err != nil {
			return err
		}
	}
	return nil
}

// loadPatch reads the contents of p's sides; without a repository (diff
// --no-index outside one) they are loaded already.
func loadPatch(r *repo.Repository, p *patch.FilePatch, toWorktree bool) error {
	if r == nil {
		return nil
	}
	return r.LoadPatchText(p, toWorktree)
}
