package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/loggraph"
	"easel.dev/easel/repo/pathspec"
	"easel.dev/easel/repo/pretty"
)

func init() { register(newLogCmd) }

type logOptions struct {
	diffFormat
	Patch bool
	// Reflog adds every commit the reflogs name to the walk (--reflog).
	Reflog bool
	Revs   []string
	Paths  []string
	commitStyle
	Max      int
	Graph    bool
	JSON     bool
	Decorate string

	// Commit limiting and output, as git log's options of the same names.
	Authors, Committers, Greps []string
	AllMatch, InvertGrep       bool
	IgnoreCase                 bool
	// PatternType is the last of -E, -F, -P and --basic-regexp given
	// (repo.Pattern*), "" to let grep.patternType decide.
	PatternType               string
	Since, Until              string
	Merges, NoMerges          bool
	FirstParent, All, Reverse bool

	// Ordering: --topo-order and --date-order sort as --graph does
	// (children first); --date-order breaks ties by commit date.
	TopoOrder, DateOrder bool
	// Color is --color's when (always, never, auto); NoColor --no-color.
	Color   string
	NoColor bool
	// NUL: -z, commits separated (or ended) by NUL rather than newline.
	NUL bool
	// NoWalk: --no-walk[=sorted|unsorted], only the given commits.
	NoWalk string
	// AbbrevCommit: "yes" (--abbrev-commit), "no" (--no-abbrev-commit)
	// or "" (log.abbrevCommit decides).
	AbbrevCommit string
	// decorateSet: --decorate or --no-decorate was given (else
	// log.decorate decides); decorateRefs are --decorate-refs,
	// --decorate-refs-exclude and --clear-decorations in order.
	decorateSet  bool
	decorateRefs []repo.DecorateRefOp
	// refGlobs are --branches, --tags, --remotes and --glob in order:
	// each adds the refs it names to the starting points.
	refGlobs []repo.RefGlob
	// IgnoreMissing: revisions that do not resolve are left out.
	IgnoreMissing bool
	// Default is where to start when no revision is given (--default),
	// instead of HEAD.
	Default string
	// DiffMerges is the last of -m, -c, --cc, --diff-merges and
	// --no-diff-merges: how merges' changes are shown ("" leaves it to
	// --first-parent and log.diffMerges).
	DiffMerges string
	// Source prints, after each commit's id, the name of the revision it
	// was reached from (also %S); Parents prints its parents there.
	Source, Parents bool
	// Follow is --follow (after --no-follow); followSet says either was
	// given, else log.follow decides for a single path.
	Follow, followSet bool
	// Stdin: revisions (and, after a "--" line, paths) are read from
	// the standard input too, one a line.
	Stdin bool
	// SimplifyByDecoration shows only decorated commits, roots and the
	// merges that tie them together (--simplify-by-decoration).
	SimplifyByDecoration bool
	// WalkReflogs is -g: the commits of the reflogs, not of history.
	WalkReflogs bool
	// LinearBreak is --show-linear-break's bar ("" when not given),
	// printed where a commit is not the parent of the one before.
	LinearBreak string
	// dashdash: "--" was given, so no revision is taken for a path.
	dashdash bool
}

// defaultLinearBreak is git's bar for --show-linear-break.
const defaultLinearBreak = "                    .........."

// readStdin adds the revisions and paths of --stdin, as git's
// read_revisions_from_stdin: a "--" line starts the paths, other lines
// starting with "-" are refused.
func (o *logOptions) readStdin(env *Env) error {
	sc := bufio.NewScanner(env.IO.In)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	paths := false
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case paths:
			o.Paths = append(o.Paths, line)
		case line == "":
		case line == "--":
			paths = true
		case strings.HasPrefix(line, "-"):
			return &UsageError{Msg: fmt.Sprintf("options not supported in --stdin mode: %s", line)}
		default:
			o.Revs = append(o.Revs, line)
		}
	}
	return sc.Err()
}

// splitRevsPaths, without "--", takes the first argument that is no
// revision but names a file of the work tree, and those after it, for
// paths, as git's setup_revisions does.
func splitRevsPaths(ctx context.Context, env *Env, r *repo.Repository, revs, paths []string) ([]string, []string) {
	if r.WorkDir == "" {
		return revs, paths
	}
	for i, rev := range revs {
		if rev == ".." || strings.HasPrefix(rev, "-") {
			continue
		}
		if _, _, err := r.ResolveRange(ctx, []string{rev}); err == nil {
			continue
		}
		if _, err := os.Lstat(filepath.Join(env.Dir, filepath.FromSlash(rev))); err == nil {
			return revs[:i], append(append([]string(nil), revs[i:]...), paths...)
		}
		return revs, paths
	}
	return revs, paths
}

// allRefs is the value of --branches, --tags and --remotes given without
// one (pflag needs a non-empty one).
const allRefs = "\x00all"

type refGlobFlag struct {
	globs  *[]repo.RefGlob
	prefix string
}

func (g *refGlobFlag) String() string { return "" }
func (g *refGlobFlag) Type() string   { return "pattern" }
func (g *refGlobFlag) Set(v string) error {
	if v == allRefs {
		v = ""
	}
	*g.globs = append(*g.globs, repo.RefGlob{Prefix: g.prefix, Pattern: v})
	return nil
}

// decorateOpFlag collects --decorate-refs ('+'), --decorate-refs-exclude
// ('-') and --clear-decorations ('0') in command-line order.
type decorateOpFlag struct {
	ops  *[]repo.DecorateRefOp
	kind byte
}

func (d *decorateOpFlag) String() string { return "" }
func (d *decorateOpFlag) Type() string {
	if d.kind == '0' {
		return "bool"
	}
	return "pattern"
}
func (d *decorateOpFlag) Set(v string) error {
	*d.ops = append(*d.ops, repo.DecorateRefOp{Kind: d.kind, Pattern: v})
	return nil
}

// commitStyle holds the options that choose how commits are printed; log
// and show share them.
type commitStyle struct {
	Oneline              bool
	Format, Pretty, Date string
	// UseMailmap, NoMailmap: --mailmap and --no-mailmap (log.mailmap,
	// true by default, otherwise).
	UseMailmap, NoMailmap bool
}

func (o *commitStyle) addStyleFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&o.Oneline, "oneline", false, "one line per commit: abbreviated id and subject")
	f.StringVar(&o.Format, "format", "", "print each commit with this format (git's placeholders, as in 'easel log --help')")
	f.StringVar(&o.Pretty, "pretty", "", "oneline, short, medium, full, fuller, reference, raw, format:<string>, tformat:<string> or a pretty.<name>")
	f.StringVar(&o.Date, "date", "", "date format: default, iso, iso-strict, rfc, short, unix, raw or relative")
	f.BoolVar(&o.UseMailmap, "mailmap", false, "show authors as .mailmap maps them (the default unless log.mailmap is false)")
	f.BoolVar(&o.UseMailmap, "use-mailmap", false, "same as --mailmap")
	f.BoolVar(&o.NoMailmap, "no-mailmap", false, "show authors as the commits record them")
	f.BoolVar(&o.NoMailmap, "no-use-mailmap", false, "same as --no-mailmap")
}

// mailmap settles whether authors are mapped (--mailmap, --no-mailmap,
// log.mailmap) and loads the map when the style shows people.
func (o commitStyle) mailmap(ctx context.Context, r *repo.Repository, f *pretty.CommitFormat) {
	switch {
	case o.NoMailmap:
	case o.UseMailmap:
		f.UseMailmap = true
	default:
		f.UseMailmap = r.ConfigBool("log.mailmap", true)
	}
	pf := o.Format + o.Pretty
	if o.Oneline && pf == "" || pf == "oneline" {
		return
	}
	if f.UseMailmap || strings.Contains(pf, "%aN") || strings.Contains(pf, "%aE") ||
		strings.Contains(pf, "%cN") || strings.Contains(pf, "%cE") {
		f.Mailmap = r.LoadMailmap(ctx)
	}
}

// usesRefs says whether the format prints ref names (%d, %D), which must
// then be loaded whatever --decorate says.
func (o commitStyle) usesRefs() bool {
	f := o.Format + o.Pretty
	for i := 0; i+1 < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		p := f[i+1:]
		if p[0] == '%' {
			i++ // "%%" is a literal percent sign
			continue
		}
		if (p[0] == '-' || p[0] == '+' || p[0] == ' ') && len(p) > 1 {
			p = p[1:]
		}
		if p[0] == 'd' || p[0] == 'D' {
			return true
		}
	}
	return false
}

// digitCount collects git's "-<n>" shorthand (easel log -3): each digit is
// registered as a flag of its own, and this value appends them in order.
type digitCount struct {
	s   *string
	set bool
}

func (d *digitCount) String() string { return "" }
func (d *digitCount) Type() string   { return "digit" }
func (d *digitCount) Set(v string) error {
	if !d.set {
		// A new "-<n>" group starts a new number.
		*d.s = ""
	}
	*d.s += v
	return nil
}

// addDigitFlags registers hidden flags -0 … -9 that spell a count.
func addDigitFlags(cmd *cobra.Command, dst *string) {
	for c := '0'; c <= '9'; c++ {
		v := &digitCount{s: dst, set: true}
		f := cmd.Flags().VarPF(v, "digit-"+string(c), string(c), "")
		f.NoOptDefVal = string(c)
		f.Hidden = true
	}
}

func newLogCmd(env *Env) *cobra.Command {
	var o logOptions
	var digits string
	var eooRevs []string
	cmd := &cobra.Command{
		Use:   "log [<revision>...] [-- <path>...]",
		Short: "Show commit history",
		Long: `Show the commits reachable from the given revisions (default HEAD), newest
first by commit date, as git log does. "a..b" shows commits in b but not in a,
"a...b" those in either but not in both, "^a" hides commits reachable from a. Paths after "--" keep only commits that
changed them. Reading the first N commits of a long history reads about N
commits; --graph, --topo-order and --date-order need the whole history first
(parents and dates from the commit-graph when there is one). --graph draws
what git draws, character for character.

--author, --committer and --grep take regular expressions: POSIX basic ones
as git's default (grep.patternType), -E extended and -P Perl-compatible ones
(read with Go's syntax, theirs for the common cases), -F plain text, -i to
ignore case; the
author must match one --author, the message one --grep (all with
--all-match; none with --invert-grep). --since stops at older commits,
--until hides newer ones; both take dates like 2024-05-01, "2024-05-01 13:00",
@<unix time> or "3 days ago". Authors are shown and matched as .mailmap maps
them (log.mailmap; --no-mailmap to show them as recorded).

--follow (or log.follow, with one path) follows a single file through renames
and copies as git does: where the path is created, the commit's parent is
searched for a file it came from (-M<n> sets how similar), and the older name is
followed from there. -g (--walk-reflogs) shows the commits of a reflog instead
of the history, with "Reflog:" lines (or "<ref>@{<n>}: <message>" with
--oneline). --simplify-by-decoration shows only commits refs point at (as
--decorate-refs and --decorate-refs-exclude choose them), roots and the merges
joining them. --show-linear-break marks where a commit is not the parent of the
one before. --stdin reads revisions, and after a "--" line paths, from the input.

--format (or --pretty=format:...) takes git's placeholders: %H %h %T %t %P %p,
%an %ae %aN %aE %ad %ar %at %ai %aI %as %aD (and %c... for the committer), %s %b %B,
%d %D, %n, %%, %x00, %Cred %Cgreen %Cblue %Creset %C(<colour>) %C(auto), %f, %e,
%(trailers[:options]), padding (%<(N), %>(N), %><(N), %<|(N), with ,trunc,
,ltrunc or ,mtrunc) and wrapping (%w(width,indent1,indent2)). --pretty also
takes oneline, short, medium, full, fuller, reference, raw, format:<string>,
tformat:<string> and the names defined by pretty.<name>; --date takes
default, iso, iso-strict, rfc, short, unix, raw or relative.`,
		Example: `  easel log
  easel log --oneline -n 10
  easel log -5 main
  easel log --graph --oneline
  easel log main..feature
  easel log --json -n 1
  easel log -- docs/
  easel log --follow --oneline -- src/main.go
  easel log -g --oneline -5
  easel log -p -n 2
  easel log --stat
  easel log --author=alice --since="2 weeks ago" --no-merges
  easel log --grep=fix -i --all
  easel log --format='%h %an %ar %s' --reverse
  easel log --pretty=format:'%H%x09%s' --date=iso`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dash := cmd.ArgsLenAtDash(); dash >= 0 {
				o.dashdash = true
				o.Revs, o.Paths = args[:dash], args[dash:]
			} else {
				o.Revs = args
			}
			o.Revs = append(o.Revs, eooRevs...)
			o.decorateSet = cmd.Flags().Changed("decorate") || cmd.Flags().Changed("no-decorate")
			o.followSet = cmd.Flags().Changed("follow") || cmd.Flags().Changed("no-follow")
			if digits != "" {
				n, err := strconv.Atoi(digits)
				if err != nil {
					return &UsageError{Msg: "bad count -" + digits}
				}
				o.Max = n
			}
			return runLog(cmd.Context(), env, o)
		},
	}
	cmd.Flags().IntVarP(&o.Max, "max-count", "n", -1, "show at most this many commits")
	cmd.Flags().BoolVar(&o.Graph, "graph", false, "draw the history graph left of the commits")
	// --no-graph undoes --graph; flags are parsed in order, so the last
	// of the two wins, as in git.
	ng := cmd.Flags().VarPF(&negatedBool{&o.Graph}, "no-graph", "", "do not draw the graph (undoes an earlier --graph)")
	ng.NoOptDefVal = "true"
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print a JSON array of commits")
	cmd.Flags().BoolVar(&o.TopoOrder, "topo-order", false, "no parent before all of its children, lines of history kept together")
	cmd.Flags().BoolVar(&o.DateOrder, "date-order", false, "no parent before all of its children, otherwise newest first")
	cmd.Flags().StringVar(&o.Color, "color", "auto", "color the output: always, never or auto (on a terminal)")
	cmd.Flags().Lookup("color").NoOptDefVal = "always"
	cmd.Flags().BoolVar(&o.NoColor, "no-color", false, "same as --color=never")
	cmd.Flags().StringVar(&o.Decorate, "decorate", "auto", "show ref names next to commits: short, full, no, or auto (only on a terminal)")
	cmd.Flags().Lookup("decorate").NoOptDefVal = "short"
	nd := cmd.Flags().VarPF(&constString{&o.Decorate, "no"}, "no-decorate", "", "do not show ref names (same as --decorate=no)")
	nd.NoOptDefVal = "true"
	cmd.Flags().Var(&decorateOpFlag{&o.decorateRefs, '+'}, "decorate-refs", "decorate only with refs matching this pattern (repeatable)")
	cmd.Flags().Var(&decorateOpFlag{&o.decorateRefs, '-'}, "decorate-refs-exclude", "do not decorate with refs matching this pattern (repeatable)")
	cd := cmd.Flags().VarPF(&decorateOpFlag{&o.decorateRefs, '0'}, "clear-decorations", "", "decorate with every ref, forgetting earlier --decorate-refs patterns")
	cd.NoOptDefVal = "true"
	cmd.Flags().BoolVarP(&o.Patch, "patch", "p", false, "show each commit's changes as a patch")
	f := cmd.Flags()
	f.StringArrayVar(&o.Authors, "author", nil, "only commits whose author matches (repeatable: any)")
	f.StringArrayVar(&o.Committers, "committer", nil, "only commits whose committer matches (repeatable: any)")
	f.StringArrayVar(&o.Greps, "grep", nil, "only commits whose message matches (repeatable: any)")
	f.BoolVar(&o.AllMatch, "all-match", false, "the message must match every --grep")
	f.BoolVar(&o.InvertGrep, "invert-grep", false, "only commits whose message matches no --grep")
	f.BoolVarP(&o.IgnoreCase, "regexp-ignore-case", "i", false, "match --author, --committer and --grep ignoring case")
	for _, pt := range []struct{ name, short, value, usage string }{
		{"basic-regexp", "", repo.PatternBasic, "patterns are POSIX basic regular expressions (the default)"},
		{"extended-regexp", "E", repo.PatternExtended, "patterns are extended regular expressions"},
		{"fixed-strings", "F", repo.PatternFixed, "patterns are plain text, not regular expressions"},
		{"perl-regexp", "P", repo.PatternPerl, "patterns are Perl-compatible regular expressions"},
	} {
		fl := f.VarPF(&constString{&o.PatternType, pt.value}, pt.name, pt.short, pt.usage)
		fl.NoOptDefVal = "true"
	}
	f.StringVar(&o.Since, "since", "", "only commits more recent than this date (the walk stops at older ones)")
	f.StringVar(&o.Since, "after", "", "same as --since")
	f.StringVar(&o.Until, "until", "", "only commits older than this date")
	f.StringVar(&o.Until, "before", "", "same as --until")
	f.BoolVar(&o.Merges, "merges", false, "only merge commits")
	f.BoolVar(&o.NoMerges, "no-merges", false, "no merge commits")
	f.BoolVar(&o.FirstParent, "first-parent", false, "follow only the first parent of merges")
	f.BoolVar(&o.All, "all", false, "start from HEAD and every branch, remote-tracking branch and tag")
	f.BoolVar(&o.Reflog, "reflog", false, "also start from every commit the reflogs name")
	f.BoolVar(&o.Reverse, "reverse", false, "oldest first (after -n has chosen the newest)")
	f.BoolVarP(&o.NUL, "null", "z", false, "separate commits with NUL instead of newline")
	ac := f.VarPF(&constString{&o.AbbrevCommit, "yes"}, "abbrev-commit", "", "abbreviate the commit id of the medium, short, full and fuller formats")
	ac.NoOptDefVal = "true"
	nac := f.VarPF(&constString{&o.AbbrevCommit, "no"}, "no-abbrev-commit", "", "whole commit ids, also in --oneline")
	nac.NoOptDefVal = "true"
	f.StringVar(&o.NoWalk, "no-walk", "", "show only the given commits, not their history: sorted (newest first, the default) or unsorted (as given)")
	f.Lookup("no-walk").NoOptDefVal = "sorted"
	f.Bool("do-walk", false, "walk the history (the default; undoes --no-walk)")
	for _, g := range []struct{ name, prefix, usage string }{
		{"branches", "refs/heads/", "start from every branch (or those matching `<pattern>`)"},
		{"tags", "refs/tags/", "start from every tag (or those matching `<pattern>`)"},
		{"remotes", "refs/remotes/", "start from every remote-tracking branch (or those matching `<pattern>`)"},
		{"glob", "refs/", "start from the refs matching `<pattern>`"},
	} {
		fl := f.VarPF(&refGlobFlag{&o.refGlobs, g.prefix}, g.name, "", g.usage)
		if g.name != "glob" {
			fl.NoOptDefVal = allRefs
		}
	}
	f.StringVar(&o.Default, "default", "", "start from `<revision>` when none is given, instead of HEAD")
	f.BoolVar(&o.IgnoreMissing, "ignore-missing", false, "leave out revisions that do not exist rather than fail")
	f.StringVar(&o.DiffMerges, "diff-merges", "", "show merges' changes: off, on, first-parent or separate (against each parent)")
	for _, m := range []struct{ name, short, value, usage string }{
		{"", "m", "on", "show merges' changes as log.diffMerges says (separate by default) when changes are shown"},
		{"no-diff-merges", "", "off", "show no changes of merges"},
		{"", "c", "combined", "show merges' changes as a combined diff"},
		{"cc", "", "dense-combined", "show merges' changes as a dense combined diff"},
	} {
		name := m.name
		if name == "" {
			name = "diff-merges-" + m.short
		}
		fl := f.VarPF(&constString{&o.DiffMerges, m.value}, name, m.short, m.usage)
		fl.NoOptDefVal = "true"
		if m.name == "" {
			fl.Hidden = true
		}
	}
	f.BoolVar(&o.Source, "source", false, "show after each commit the revision given on the command line it was reached from")
	f.BoolVar(&o.Parents, "parents", false, "show each commit's parents after its id")
	f.BoolVar(&o.SimplifyByDecoration, "simplify-by-decoration", false, "show only commits that refs point at, roots, and merges joining them")
	f.BoolVarP(&o.WalkReflogs, "walk-reflogs", "g", false, "show the commits the reflogs name, newest entry first, instead of the history")
	f.StringVar(&o.LinearBreak, "show-linear-break", "", "print `<barrier>` between commits where one is not the parent of the next")
	f.Lookup("show-linear-break").NoOptDefVal = defaultLinearBreak
	f.BoolVar(&o.Stdin, "stdin", false, "read revisions, and after a \"--\" line paths, from the standard input too")
	f.StringArrayVar(&eooRevs, "end-of-options-rev", nil, "")
	_ = f.MarkHidden("end-of-options-rev")
	f.BoolVar(&o.Follow, "follow", false, "follow the one file given through renames and copies (log.follow)")
	nf := f.VarPF(&negatedBool{&o.Follow}, "no-follow", "", "do not follow renames (undoes --follow and log.follow)")
	nf.NoOptDefVal = "true"
	o.addStyleFlags(cmd)
	o.addFlags(cmd)
	addDigitFlags(cmd, &digits)
	return cmd
}

// logStyle is how each commit is printed.
type logStyle struct {
	write   func(io.Writer, *gitobj.Commit, pretty.CommitFormat) error
	compact bool // no blank line between commits (oneline, user formats)
	oneline bool // changes follow the commit's line directly
	// separator: a user format given as "format:" goes between commits
	// rather than ending each one.
	separator bool
	// raw: --pretty=raw, which log.decorate and log.abbrevCommit leave
	// alone (only --decorate and --abbrev-commit change it).
	raw bool
}

// settle reads the style options: how commits are printed, whether ids
// are whole (--pretty=oneline) and the --date mode.
func (o commitStyle) settle() (style logStyle, fullID bool, dateMode string, err error) {
	if style, fullID, err = o.styleOf(); err != nil {
		return style, false, "", err
	}
	if dateMode, err = pretty.CheckDateMode(o.Date); err != nil {
		return style, false, "", &UsageError{Msg: err.Error()}
	}
	return style, fullID, dateMode, nil
}

// styleOf reads --oneline, --pretty and --format.
func (o commitStyle) styleOf() (logStyle, bool, error) {
	user := func(format string, separator bool) logStyle {
		return logStyle{compact: true, separator: separator, write: func(w io.Writer, c *gitobj.Commit, f pretty.CommitFormat) error {
			text := pretty.FormatUser(c, format, f)
			if !separator {
				text += "\n"
			}
			_, err := io.WriteString(w, text)
			return err
		}}
	}
	pf := o.Pretty
	if o.Format != "" {
		pf = "tformat:" + o.Format
	}
	switch {
	case pf == "" && o.Oneline:
		return logStyle{write: pretty.WriteCommitOneline, compact: true, oneline: true}, false, nil
	case pf == "", pf == "medium":
		return logStyle{write: pretty.WriteCommitMedium}, false, nil
	case pf == "short", pf == "full", pf == "fuller", pf == "raw":
		return logStyle{raw: pf == "raw", write: func(w io.Writer, c *gitobj.Commit, f pretty.CommitFormat) error {
			return pretty.WriteCommitPretty(w, c, f, pf)
		}}, false, nil
	case pf == "reference":
		// git's "%C(auto)%h (%s, %ad)" with short dates unless --date
		// says otherwise, never decorated.
		ref := user("%C(auto)%h (%s, %ad)", false)
		write := ref.write
		ref.write = func(w io.Writer, c *gitobj.Commit, f pretty.CommitFormat) error {
			if o.Date == "" {
				f.Date = "short"
			}
			f.Decorations = nil
			return write(w, c, f)
		}
		return ref, false, nil
	case pf == "oneline":
		return logStyle{write: pretty.WriteCommitOneline, compact: true, oneline: true}, true, nil
	case strings.HasPrefix(pf, "format:"):
		return user(strings.TrimPrefix(pf, "format:"), true), false, nil
	case strings.HasPrefix(pf, "tformat:"):
		return user(strings.TrimPrefix(pf, "tformat:"), false), false, nil
	case strings.Contains(pf, "%"):
		return user(pf, false), false, nil
	}
	return logStyle{}, false, &UsageError{Msg: fmt.Sprintf("unknown --pretty format %q (oneline, short, medium, full, fuller, reference, raw, format:<string> or tformat:<string>)", pf)}
}

// filterOptions are the commit limiting options, for repo.NewLogFilter.
func (o logOptions) filterOptions() repo.LogFilterOptions {
	return repo.LogFilterOptions{Authors: o.Authors, Committers: o.Committers, Greps: o.Greps,
		AllMatch: o.AllMatch, InvertGrep: o.InvertGrep, IgnoreCase: o.IgnoreCase,
		Since: o.Since, Until: o.Until, Merges: o.Merges, NoMerges: o.NoMerges}
}

// logUsage makes a walk option the repository could not read a usage
// error, as the command line's mistake.
func logUsage(err error) error {
	var le *repo.LogOptionError
	if errors.As(err, &le) {
		return &UsageError{Msg: le.Msg}
	}
	return err
}

func runLog(ctx context.Context, env *Env, o logOptions) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if err := o.setRenames(r); err != nil {
		return err
	}
	if !o.dashdash {
		o.Revs, o.Paths = splitRevsPaths(ctx, env, r, o.Revs, o.Paths)
	}
	if o.Stdin {
		if err := o.readStdin(env); err != nil {
			return err
		}
	}
	for i, rev := range o.Revs {
		// As git's handle_dotdot: ".." alone is no range but the
		// parent directory, and what follows a path is paths.
		if rev == ".." {
			o.Paths = append(append([]string(nil), o.Revs[i:]...), o.Paths...)
			o.Revs = o.Revs[:i]
			break
		}
	}
	start := &repo.LogStart{Revs: o.Revs, RefGlobs: o.refGlobs, All: o.All, Reflog: o.Reflog,
		Default: o.Default, IgnoreMissing: o.IgnoreMissing}
	if err := r.ResolveLogStart(ctx, start); err != nil || start.Empty {
		return err
	}
	if err := o.commitStyle.expandAlias(r); err != nil {
		return err
	}
	style, fullID, dateMode, err := o.settle()
	if err != nil {
		return err
	}
	now := time.Now()
	patternType, err := r.LogPatternType(o.PatternType)
	if err != nil {
		return err
	}
	filter, since, err := repo.NewLogFilter(o.filterOptions(), patternType, now)
	if err != nil {
		return logUsage(err)
	}
	f := pretty.CommitFormat{Abbrev: r.NewAbbreviator(), Date: dateMode, Now: now, FullID: fullID, Encoding: r.LogOutputEncoding()}
	switch o.AbbrevCommit {
	case "yes":
		f.AbbrevCommit, f.FullID = true, false
	case "no":
		f.FullID = true
	default:
		f.AbbrevCommit = !style.raw && r.ConfigBool("log.abbrevCommit", false)
	}
	o.mailmap(ctx, r, &f)
	if f.UseMailmap && len(o.Authors)+len(o.Committers) > 0 {
		// As git: --author and --committer match the mapped people.
		m, _ := f.Mailmap.(*repo.Mailmap)
		if m == nil {
			m = r.LoadMailmap(ctx)
			f.Mailmap = m
		}
		filter.Mailmap = m
	}
	if o.Reverse && o.Graph {
		return &UsageError{Msg: "options '--reverse' and '--graph' cannot be used together"}
	}
	if o.LinearBreak != "" && o.Graph {
		return &UsageError{Msg: "options '--show-linear-break' and '--graph' cannot be used together"}
	}
	if o.WalkReflogs && (o.Graph || o.TopoOrder || o.DateOrder) {
		return errors.New("cannot combine --walk-reflogs with history-limiting options")
	}
	if o.NoWalk != "" && o.Graph {
		return &UsageError{Msg: "options '--no-walk' and '--graph' cannot be used together"}
	}
	if o.JSON && (o.Graph || o.Oneline) {
		return &UsageError{Msg: "--json cannot be combined with --graph or --oneline"}
	}
	o.diffFormat.settleFormats()
	o.diffFormat.WithPatch = o.diffFormat.WithPatch || o.Patch
	changes := o.Patch || !o.diffFormat.onlyPatch()
	if changes && o.JSON {
		return &UsageError{Msg: "-p, --stat, --numstat, --shortstat, --name-only and --name-status cannot be combined with --json"}
	}
	color := env.IO.Color
	switch {
	case o.NoColor || o.Color == "never" || o.Color == "false" || o.Color == "no":
		color = false
	case o.Color == "always" || o.Color == "true" || o.Color == "yes":
		color = true
	case o.Color == "auto":
	default:
		return &UsageError{Msg: fmt.Sprintf("invalid --color value %q (always, never or auto)", o.Color)}
	}
	ps, err := parsePathspec(env, r, o.Paths)
	if err != nil {
		return err
	}
	if !changes && len(o.Paths) == 0 {
		// Each commit is read once, in pack order or near it.
		r.Objects.ReleaseBehind(true)
	}
	mergeDiffs, err := r.LogMergeDiffs(o.DiffMerges, o.FirstParent)
	if err != nil {
		return logUsage(err)
	}
	follow := o.Follow
	if !o.followSet && len(ps) == 1 && r.ConfigBool("log.follow", false) {
		// As git: log.follow follows only a single path.
		follow = true
	}
	if follow && len(ps) != 1 {
		return errors.New("--follow requires exactly one pathspec")
	}
	walk := repo.LogWalkOptions{Paths: ps.Strings(), Filter: filter, Since: since,
		Topo: o.Graph || o.TopoOrder || o.DateOrder, DateOrder: o.DateOrder && !o.TopoOrder, FirstParent: o.FirstParent,
		SimplifyByDecoration: o.SimplifyByDecoration, WalkReflogs: o.WalkReflogs, NoWalk: o.NoWalk,
		Max: o.Max, Reverse: o.Reverse}
	var fl *follower
	if follow {
		fl = newFollower(ps, o.renames, &o.changeFilter, mergeDiffs)
		if err := o.changeFilter.settle(); err != nil {
			return err
		}
		walk.Follow = func(next repo.LogNext) repo.LogNext { return fl.wrap(r, next) }
	}
	if o.SimplifyByDecoration {
		if walk.Decorations, err = r.LogDecorateOptions(o.decorateRefs, false); err != nil {
			return err
		}
	}
	w, err := r.WalkLog(ctx, start, walk)
	if err != nil {
		return logUsage(err)
	}
	if o.WalkReflogs {
		style = reflogStyle(w, style, style.compact && !style.oneline)
	}
	bout := bufio.NewWriterSize(env.IO.Out, 64<<10)
	defer bout.Flush()
	out := withLinePrefix(bout, o.LinePrefix)

	if o.JSON {
		list := []pretty.CommitJSON{}
		for {
			c, err := w.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			list = append(list, pretty.NewCommitJSON(c))
		}
		return writeJSON(out, list)
	}

	f.Color = color
	if color && !o.InvertGrep && len(filter.Authors)+len(filter.Committers)+len(filter.Grep) > 0 {
		f.Grep = grepColors(r, filter)
	}
	decorate := o.Decorate
	if !o.decorateSet {
		// log.decorate: short, full, auto, or a boolean.
		if v, ok, _ := r.ConfigGet("log.decorate"); ok {
			switch b, isBool := parseBoolWord(v); {
			case v == "short", v == "full", v == "auto":
				decorate = v
			case v == "":
				decorate = "short"
			case isBool && b:
				decorate = "short"
			case isBool:
				decorate = "no"
			}
		}
	}
	switch decorate {
	case "short", "full", "auto", "no":
	default:
		return &UsageError{Msg: fmt.Sprintf("invalid --decorate option: %s", decorate)}
	}
	if decorate == "auto" && env.IO.OutTerminal {
		decorate = "short"
	}
	if style.raw && !o.decorateSet {
		// As git: --pretty=raw decorates only when asked on the
		// command line, not by log.decorate.
		decorate = "no"
	}
	if decorate == "short" || decorate == "full" || o.usesRefs() {
		dopts, err := r.LogDecorateOptions(o.decorateRefs, decorate == "full")
		if err != nil {
			return err
		}
		if f.Decorations, err = r.LoadDecorations(dopts); err != nil {
			return err
		}
	}
	var graph *loggraph.Graph
	if o.Graph {
		graph = loggraph.New()
		graph.Interesting = w.Shows
		graph.FirstParent = o.FirstParent
		graph.Color = color
		if v, ok, _ := r.ConfigGet("log.graphColors"); ok && color {
			graph.SetColors(graphColorsConfig(env, v))
		}
	}
	if o.changeFilter.active() && fl == nil {
		// As git: with --diff-filter, -S or -G a commit is shown, and
		// counted, only when some change of it passes.
		if err := o.changeFilter.settle(); err != nil {
			return err
		}
		w.Keep(func(ctx context.Context, c *gitobj.Commit) (bool, error) {
			return o.changeFilter.commitMatches(ctx, r, c, &o.renames, ps)
		})
	}
	if strings.Contains(o.Format+o.Pretty, "%(describe") {
		f.Describe = formatDescriber(ctx, r)
	}
	sources := o.Source || strings.Contains(o.Format+o.Pretty, "%S")
	if sources {
		if err := w.TrackSources(ctx, start); err != nil {
			return err
		}
	}
	missingNewline := false
	var prevParents []plumbing.Hash
	for n := 0; ; n++ {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if o.LinearBreak != "" {
			// As git's track_linear: a commit continues the line when
			// it is a parent of the one shown before it.
			linear := n == 0
			for _, p := range prevParents {
				linear = linear || p == c.Hash
			}
			prevParents = c.ParentHashes
			if !linear {
				if _, err := fmt.Fprintf(out, "\n%s\n", o.LinearBreak); err != nil {
					return err
				}
			}
		}
		if graph != nil {
			graph.Update(c.Hash, c.ParentHashes)
		}
		if sources {
			f.Source, f.ShowSource = w.Source(), o.Source
		}
		if o.Parents {
			f.Parents = c.ParentHashes
			if f.Parents == nil {
				f.Parents = []plumbing.Hash{}
			}
		}
		if fl != nil {
			ef := f
			ef.From = fl.from[c.Hash]
			if err := writeLogEntry(out, repo.CommitToUTF8(c), ef, graph, style, n == 0, o.NUL, &missingNewline); err != nil {
				return err
			}
			if changes {
				sep := "\n"
				if style.oneline {
					sep = ""
				}
				var b bytes.Buffer
				if err := writeFollowed(&b, env, r, fl, c, o.diffFormat, sep); err != nil {
					return err
				}
				if graph != nil {
					err = writeGraphPrefixed(out, graph, b.String())
				} else {
					_, err = out.Write(b.Bytes())
				}
				if err != nil {
					return err
				}
			}
			continue
		}
		if changes && len(c.ParentHashes) > 1 && mergeDiffs != "" {
			if err := writeMergeEntry(ctx, out, env, r, c, f, graph, style, n == 0, o, mergeDiffs, ps, &missingNewline); err != nil {
				return err
			}
			continue
		}
		if err := writeLogEntry(out, repo.CommitToUTF8(c), f, graph, style, n == 0, o.NUL, &missingNewline); err != nil {
			return err
		}
		if changes {
			sep := "\n"
			if style.oneline {
				sep = ""
			}
			// As git: the patch is limited to the paths the log is.
			if graph == nil {
				if err := writeCommitChanges(ctx, out, env, r, c, o.diffFormat, sep, ps); err != nil {
					return err
				}
				continue
			}
			var changes bytes.Buffer
			if err := writeCommitChanges(ctx, &changes, env, r, c, o.diffFormat, sep, ps); err != nil {
				return err
			}
			if err := writeGraphPrefixed(out, graph, changes.String()); err != nil {
				return err
			}
		}
	}
	return bout.Flush()
}

// grepColors is how log colours what its patterns matched: the matches
// in color.grep.matchSelected (or color.grep.match; bold red by default),
// the rest of their lines in color.grep.selected.
func grepColors(r *repo.Repository, filter *repo.CommitFilter) *pretty.GrepColor {
	g := &pretty.GrepColor{Authors: filter.Authors, Committers: filter.Committers, Grep: filter.Grep, Match: "\x1b[1;31m"}
	for _, k := range []struct {
		key string
		to  *string
	}{{"color.grep.selected", &g.Selected}, {"color.grep.match", &g.Match}, {"color.grep.matchSelected", &g.Match}} {
		if v, ok, _ := r.ConfigGet(k.key); ok {
			if seq, err := gitconfig.ParseColor(v); err == nil {
				*k.to = seq
			}
		}
	}
	return g
}

// graphColorsConfig reads log.graphColors as git does: comma-separated
// colors, an invalid one left out with a warning.
func graphColorsConfig(env *Env, v string) []string {
	var colors []string
	for _, part := range strings.Split(v, ",") {
		seq, err := gitconfig.ParseColor(part)
		if err != nil {
			fmt.Fprintf(env.IO.Err, "error: invalid color value: %s\nwarning: ignored invalid color '%s' in log.graphColors\n", strings.TrimSpace(part), part)
			continue
		}
		colors = append(colors, seq)
	}
	return colors
}

// writeMergeEntry prints a merge with its changes against its first parent
// (mode first-parent) or against each parent in turn (separate), as git's
// log_tree_diff: under separate the commit is printed again before each
// parent's changes, with "(from <parent>)", and only where there are
// some; it is printed once, plain, when there are none.
func writeMergeEntry(ctx context.Context, out io.Writer, env *Env, r *repo.Repository, c *gitobj.Commit, f pretty.CommitFormat, graph *loggraph.Graph, style logStyle, first bool, o logOptions, mode string, ps pathspec.Pathspec, missingNewline *bool) error {
	sep := "\n"
	if style.oneline {
		sep = ""
	}
	parents := c.ParentHashes
	if mode == "first-parent" {
		parents = parents[:1]
	}
	cu := repo.CommitToUTF8(c)
	shown := false
	for _, p := range parents {
		var changes bytes.Buffer
		if err := writeChangesFrom(ctx, &changes, env, r, c, p, o.diffFormat, sep, ps); err != nil {
			return err
		}
		if changes.Len() == 0 && mode == "separate" {
			continue
		}
		ef := f
		if mode == "separate" {
			ef.From = p
		}
		if err := writeLogEntry(out, cu, ef, graph, style, first && !shown, o.NUL, missingNewline); err != nil {
			return err
		}
		shown = true
		if graph != nil {
			if err := writeGraphPrefixed(out, graph, changes.String()); err != nil {
				return err
			}
			continue
		}
		if _, err := out.Write(changes.Bytes()); err != nil {
			return err
		}
	}
	if !shown {
		return writeLogEntry(out, cu, f, graph, style, first, o.NUL, missingNewline)
	}
	return nil
}

// writeGraphPrefixed writes text with the graph's padding row in front of
// each line, as git's diff output prefix under --graph does.
func writeGraphPrefixed(out io.Writer, graph *loggraph.Graph, text string) error {
	var b bytes.Buffer
	for text != "" {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		graph.ShowPadding(&b)
		b.WriteString(line)
	}
	_, err := out.Write(b.Bytes())
	return err
}

// writeLogEntry prints one commit, with the graph drawn left of each line
// when graph is set. missingNewline carries, from one commit to the next,
// whether the previous text ended without a newline, which decides as in
// git whether the separator row gets the graph drawn on it.
func writeLogEntry(out io.Writer, c *gitobj.Commit, f pretty.CommitFormat, graph *loggraph.Graph, style logStyle, first, nul bool, missingNewline *bool) error {
	var text strings.Builder
	if graph != nil {
		f.GraphWidth = graph.Width()
	}
	if err := style.write(&text, c, f); err != nil {
		return err
	}
	if f.Encoding != "" {
		s := repo.EncodeLogOutput(text.String(), f.Encoding)
		text.Reset()
		text.WriteString(s)
	}
	oneline := style.compact
	if graph == nil {
		sep := "\n"
		if nul {
			sep = "\x00"
		}
		if style.separator && !first || !first && !oneline {
			if _, err := io.WriteString(out, sep); err != nil {
				return err
			}
		}
		msg := text.String()
		if nul && style.compact && !style.separator && strings.HasSuffix(msg, "\n") {
			// -z ends each commit of a terminated format with NUL.
			msg = msg[:len(msg)-1] + "\x00"
		}
		_, err := io.WriteString(out, msg)
		return err
	}
	// As git's show_log: formats that end each commit with a newline
	// (oneline, tformat) print it after the graph's remaining rows;
	// the others print a newline before every commit but the first.
	terminator := style.compact && !style.separator
	msg := text.String()
	if terminator {
		msg = strings.TrimSuffix(msg, "\n")
	}
	var b bytes.Buffer
	if !first && !terminator {
		if !*missingNewline {
			graph.ShowPadding(&b)
		}
		b.WriteByte('\n')
	}
	graph.ShowCommit(&b)
	*missingNewline = msg == "" || msg[len(msg)-1] != '\n'
	graph.ShowCommitMsg(&b, msg)
	if terminator {
		if !*missingNewline {
			graph.ShowPadding(&b)
		}
		b.WriteByte('\n')
	}
	_, err := out.Write(b.Bytes())
	return err
}

// builtinPretty tells git's own --pretty names, which pretty.<name> cannot
// redefine.
func builtinPretty(name string) bool {
	switch name {
	case "oneline", "short", "medium", "full", "fuller", "reference", "raw":
		return true
	}
	return false
}

// expandAlias replaces a --pretty name defined by pretty.<name> with its
// definition, following aliases of aliases as git does.
func (o *commitStyle) expandAlias(r *repo.Repository) error {
	if o.Format != "" && !strings.Contains(o.Format, "%") {
		// As git: --format=<name> names a format as --pretty does.
		o.Pretty, o.Format = o.Format, ""
	}
	name := o.Pretty
	for i := 0; ; i++ {
		if name == "" || builtinPretty(name) || strings.HasPrefix(name, "format:") ||
			strings.HasPrefix(name, "tformat:") || strings.Contains(name, "%") {
			break
		}
		v, ok, err := r.ConfigGet("pretty." + name)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if i >= 10 {
			return &UsageError{Msg: fmt.Sprintf("invalid --pretty format: %s", o.Pretty)}
		}
		name = v
	}
	o.Pretty = name
	return nil
}

// negatedBool is a flag that clears the bool it points at (--no-<flag>).
type negatedBool struct{ b *bool }

func (n *negatedBool) String() string { return "false" }
func (n *negatedBool) Type() string   { return "bool" }
func (n *negatedBool) Set(v string) error {
	set, ok := parseBoolWord(v)
	if !ok {
		return fmt.Errorf("invalid boolean %q", v)
	}
	if set {
		*n.b = false
	}
	return nil
}

// parseBoolWord reads the boolean words git accepts.
func parseBoolWord(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

// constString is a flag that sets a string to a fixed value (--no-<flag>
// for a flag that takes a value).
type constString struct {
	s     *string
	value string
}

func (c *constString) String() string { return "" }
func (c *constString) Type() string   { return "bool" }
func (c *constString) Set(string) error {
	*c.s = c.value
	return nil
}
