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
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/exclude"
	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/grep"
	"easel.dev/easel/repo/patch"
	"easel.dev/easel/repo/pathspec"
)

func init() { register(newGrepCmd) }

func newGrepCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "grep [<options>] [-e] <pattern> [<rev>...] [[--] <path>...]",
		Short: "Print lines matching a pattern",
		Long: `Grep searches the tracked files of the work tree (or the index with
--cached, the given trees, untracked files too with --untracked, or a plain
directory with --no-index) for lines matching the patterns, as git grep:
basic expressions by default, -E extended, -F fixed strings, -P Go's own
expression syntax (the closest to Perl's at hand: no look-around nor
back-references). Patterns combine with --and, --or, --not and ( );
-n, --column, -c, -l, -L, -o, -q, -h/-H, -z, --heading, --break, context
(-A/-B/-C/-NUM), -p/--show-function and -W/--function-context (the diff
driver's function lines) are git's. Exits 1 when nothing matched.`,
		Example: `  easel grep -n 'static int' -- '*.c'
  easel grep -e foo --and --not -e bar
  easel grep -W main v1.0 -- src/`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runGrep(cmd.Context(), env, args)
		},
	}
}

type grepArgs struct {
	tokens                       []grep.Token
	patternFiles                 int
	syntax                       grep.Syntax
	syntaxSet                    bool
	icase, word, invert          bool
	allMatch                     bool
	cached, noIndex, untracked   bool
	excludeStd                   int // -1 unset
	lineNumber, column           int // -1 unset
	fullName                     int
	o                            grep.Options
	pathname                     bool
	color                        string
	maxDepth                     int
	textconv                     bool
	rest                         []string
	dashdash                     int // index in rest of "--", -1 none
	contextSet, beforeSet, after bool
}

// grepUsageError is a mistake on the command line, printed as git's
// parse-options does ("error: ...") with exit 129.
type grepUsageError struct{ msg string }

func (e *grepUsageError) Error() string      { return "error: " + e.msg }
func (e *grepUsageError) PlainMessage() bool { return true }

func grepUsage(format string, a ...any) error {
	return &ExitError{Code: 129, Err: &grepUsageError{fmt.Sprintf(format, a...)}}
}

// parseGrepArgs reads git grep's command line: its options may come in
// any order before the pattern, the revisions and the paths, and -e, -f,
// --and, --or, --not, ( and ) build the pattern expression in order.
func parseGrepArgs(env *Env, args []string) (*grepArgs, error) {
	g := &grepArgs{excludeStd: -1, lineNumber: -1, column: -1, fullName: -1, pathname: true, maxDepth: -1, dashdash: -1}
	g.o.MaxCount = -1
	before, after := -1, -1
	ctx := -1
	num := func(name, v string) (int, error) {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, grepUsage("switch `%s' expects a numerical value", name)
		}
		return n, nil
	}
	readFile := func(name string) error {
		var data []byte
		var err error
		if name == "-" {
			data, err = io.ReadAll(env.IO.In)
		} else {
			if !filepath.IsAbs(name) {
				name = filepath.Join(env.Dir, name)
			}
			data, err = os.ReadFile(name)
		}
		if err != nil {
			return fmt.Errorf("cannot open '%s': %v", name, errors.Unwrap(err))
		}
		g.patternFiles++
		s := string(data)
		s = strings.TrimSuffix(s, "\n")
		if len(data) == 0 {
			return nil
		}
		for _, l := range strings.Split(s, "\n") {
			if l != "" {
				g.tokens = append(g.tokens, grep.Token{Pattern: l})
			}
		}
		return nil
	}
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "(" || a == ")" {
			g.tokens = append(g.tokens, grep.Token{Op: a})
			continue
		}
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		if a == "--end-of-options" {
			i++
			break
		}
		value := func(name string) (string, error) {
			if i+1 >= len(args) {
				return "", grepUsage("switch `%s' requires a value", name)
			}
			i++
			return args[i], nil
		}
		if strings.HasPrefix(a, "--") {
			name, val, hasVal := strings.Cut(a[2:], "=")
			get := func() (string, error) {
				if hasVal {
					return val, nil
				}
				return value(name)
			}
			neg := false
			switch name {
			case "and", "or", "not":
				g.tokens = append(g.tokens, grep.Token{Op: "--" + name})
				continue
			case "no-color":
				g.color = "never"
				continue
			case "no-index":
				g.noIndex = true
				continue
			case "no-exclude-standard":
				g.excludeStd = 0
				continue
			case "no-textconv":
				g.textconv = false
				continue
			case "no-recursive":
				g.maxDepth = 0
				continue
			}
			base := name
			if strings.HasPrefix(name, "no-") {
				neg, base = true, name[3:]
			}
			var err error
			switch base {
			case "cached":
				g.cached = !neg
			case "index":
				g.noIndex = neg
			case "untracked":
				g.untracked = !neg
			case "exclude-standard":
				g.excludeStd = 1
			case "recurse-submodules", "ext-grep":
			case "invert-match":
				g.invert = !neg
			case "ignore-case":
				g.icase = !neg
			case "word-regexp":
				g.word = !neg
			case "text":
				if neg {
					g.o.Binary = grep.BinaryDefault
				} else {
					g.o.Binary = grep.BinaryText
				}
			case "textconv":
				g.textconv = !neg
			case "recursive":
				g.maxDepth = -1
				if neg {
					g.maxDepth = 0
				}
			case "max-depth":
				v, err := get()
				if err != nil {
					return nil, err
				}
				if g.maxDepth, err = strconv.Atoi(v); err != nil {
					return nil, grepUsage("switch `max-depth' expects a numerical value")
				}
			case "extended-regexp":
				g.syntax, g.syntaxSet = grep.Extended, true
			case "basic-regexp":
				g.syntax, g.syntaxSet = grep.Basic, true
			case "fixed-strings":
				g.syntax, g.syntaxSet = grep.Fixed, true
			case "perl-regexp":
				g.syntax, g.syntaxSet = grep.Perl, true
			case "line-number":
				g.lineNumber = b2i(!neg)
			case "column":
				g.column = b2i(!neg)
			case "full-name":
				g.fullName = b2i(!neg)
			case "files-with-matches", "name-only":
				g.o.NameOnly = !neg
			case "files-without-match":
				g.o.UnmatchNameOnly = !neg
			case "null":
				g.o.NullAfterName = !neg
			case "only-matching":
				g.o.OnlyMatching = !neg
			case "count":
				g.o.Count = !neg
			case "color", "colour":
				g.color = "always"
				if hasVal {
					g.color = val
				}
			case "break":
				g.o.Break = !neg
			case "heading":
				g.o.Heading = !neg
			case "context":
				v, err := get()
				if err != nil {
					return nil, err
				}
				if ctx, err = num(name, v); err != nil {
					return nil, err
				}
			case "after-context":
				v, err := get()
				if err != nil {
					return nil, err
				}
				if after, err = num(name, v); err != nil {
					return nil, err
				}
			case "before-context":
				v, err := get()
				if err != nil {
					return nil, err
				}
				if before, err = num(name, v); err != nil {
					return nil, err
				}
			case "function-context":
				g.o.FuncBody = !neg
			case "show-function":
				g.o.ShowFunction = !neg
			case "file":
				v, err := get()
				if err != nil {
					return nil, err
				}
				if err := readFile(v); err != nil {
					return nil, err
				}
			case "regexp":
				v, err := get()
				if err != nil {
					return nil, err
				}
				g.addPattern(v)
			case "quiet":
				g.o.StatusOnly = !neg
			case "all-match":
				g.allMatch = !neg
			case "max-count":
				v, err := get()
				if err != nil {
					return nil, err
				}
				if g.o.MaxCount, err = strconv.Atoi(v); err != nil {
					return nil, grepUsage("switch `max-count' expects a numerical value")
				}
			case "threads":
				if _, err = get(); err != nil {
					return nil, err
				}
			default:
				return nil, grepUsage("unknown option `%s'", name)
			}
			continue
		}
		// A cluster of short options.
		sh := a[1:]
		if sh[0] >= '0' && sh[0] <= '9' {
			n, err := num("NUM", sh)
			if err != nil {
				return nil, err
			}
			ctx = n
			continue
		}
		for j := 0; j < len(sh); j++ {
			c := sh[j]
			rest := sh[j+1:]
			arg := func() (string, error) {
				j = len(sh)
				if rest != "" {
					return rest, nil
				}
				return value(string(c))
			}
			var err error
			switch c {
			case 'v':
				g.invert = true
			case 'i', 'y':
				g.icase = true
			case 'w':
				g.word = true
			case 'a':
				g.o.Binary = grep.BinaryText
			case 'I':
				g.o.Binary = grep.BinaryNoMatch
			case 'r':
				g.maxDepth = -1
			case 'E':
				g.syntax, g.syntaxSet = grep.Extended, true
			case 'G':
				g.syntax, g.syntaxSet = grep.Basic, true
			case 'F':
				g.syntax, g.syntaxSet = grep.Fixed, true
			case 'P':
				g.syntax, g.syntaxSet = grep.Perl, true
			case 'n':
				g.lineNumber = 1
			case 'h':
				g.pathname = false
			case 'H':
				g.pathname = true
			case 'l':
				g.o.NameOnly = true
			case 'L':
				g.o.UnmatchNameOnly = true
			case 'z':
				g.o.NullAfterName = true
			case 'o':
				g.o.OnlyMatching = true
			case 'c':
				g.o.Count = true
			case 'W':
				g.o.FuncBody = true
			case 'p':
				g.o.ShowFunction = true
			case 'q':
				g.o.StatusOnly = true
			case 'C', 'A', 'B', 'm':
				v, e := arg()
				if e != nil {
					return nil, e
				}
				n, e := num(string(c), v)
				if e != nil {
					return nil, e
				}
				switch c {
				case 'C':
					ctx = n
				case 'A':
					after = n
				case 'B':
					before = n
				case 'm':
					g.o.MaxCount = n
				}
			case 'e':
				v, e := arg()
				if e != nil {
					return nil, e
				}
				g.addPattern(v)
			case 'f':
				v, e := arg()
				if e != nil {
					return nil, e
				}
				err = readFile(v)
			case 'O':
				j = len(sh)
			default:
				return nil, grepUsage("unknown switch `%c'", c)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	if ctx >= 0 {
		g.o.Before, g.o.After = ctx, ctx
	}
	if before >= 0 {
		g.o.Before = before
	}
	if after >= 0 {
		g.o.After = after
	}
	rest := args[i:]
	hasPattern := false
	for _, t := range g.tokens {
		if t.Op == "" {
			hasPattern = true
		}
	}
	if !hasPattern && g.patternFiles == 0 {
		if len(rest) > 0 && rest[0] == "--" {
			rest = rest[1:]
		}
		if len(rest) == 0 {
			return nil, fmt.Errorf("no pattern given")
		}
		g.addPattern(rest[0])
		rest = rest[1:]
	}
	g.rest = rest
	for k, a := range rest {
		if a == "--" {
			g.dashdash = k
			break
		}
	}
	return g, nil
}

// addPattern adds a pattern of the command line: one with newlines is
// one alternative a line, as git splits it.
func (g *grepArgs) addPattern(p string) {
	for _, l := range strings.Split(p, "\n") {
		g.tokens = append(g.tokens, grep.Token{Pattern: l})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func runGrep(ctx context.Context, env *Env, args []string) error {
	g, err := parseGrepArgs(env, args)
	if err != nil {
		return err
	}
	r, rerr := env.OpenRepo(ctx)
	if rerr != nil {
		if !errors.Is(rerr, repo.ErrNotRepository) {
			return rerr
		}
		if !g.noIndex && !grepFallbackToNoIndex() {
			return rerr
		}
		g.noIndex = true
		r = nil
	}
	cfg := func(key string) (string, bool) {
		if r == nil {
			return "", false
		}
		v, ok, _ := r.ConfigGet(key)
		return v, ok
	}
	cfgBool := func(key string) bool {
		return r != nil && r.ConfigBool(key, false)
	}
	if !g.syntaxSet {
		g.syntax = grep.Basic
		if v, ok := cfg("grep.patterntype"); ok && !strings.EqualFold(v, "default") {
			if s, ok := grep.ParseSyntax(v); ok {
				g.syntax = s
			}
		} else if cfgBool("grep.extendedregexp") {
			g.syntax = grep.Extended
		}
	}
	if g.lineNumber < 0 {
		g.lineNumber = b2i(cfgBool("grep.linenumber"))
	}
	if g.column < 0 {
		g.column = b2i(cfgBool("grep.column"))
	}
	if g.fullName < 0 {
		g.fullName = b2i(cfgBool("grep.fullname"))
	}
	g.o.LineNumber, g.o.Column = g.lineNumber == 1, g.column == 1
	g.o.Pathname = g.pathname
	if g.o.Column && g.invert && false {
		g.o.Column = false
	}
	if (g.noIndex || g.untracked) && g.dashdash > 0 {
		return fmt.Errorf("--no-index or --untracked cannot be used with revs")
	}
	if g.noIndex && (g.cached || g.untracked) {
		return fmt.Errorf("--cached or --untracked cannot be used with --no-index")
	}
	if g.untracked && g.cached {
		return fmt.Errorf("--untracked cannot be used with --cached")
	}
	if !g.noIndex && !g.untracked && g.excludeStd >= 0 {
		return fmt.Errorf("--[no-]exclude-standard cannot be used for tracked contents")
	}
	if g.o.Column && (g.syntax == grep.Perl && false) {
		return nil
	}
	m, err := grep.Compile(g.tokens, grep.CompileOptions{Syntax: g.syntax, IgnoreCase: g.icase, Word: g.word,
		AllMatch: g.allMatch, Invert: g.invert, Column: g.o.Column})
	if err != nil {
		if err.Error() == "no pattern given" && g.patternFiles > 0 {
			return &ExitError{Code: 1}
		}
		return err
	}
	g.o.Matcher = m
	if g.invert {
		// The lines -v selects hold no match to show alone: git shows
		// them whole.
		g.o.OnlyMatching = false
	}
	if g.o.Count || g.o.NameOnly || g.o.UnmatchNameOnly || g.o.StatusOnly {
		g.o.Before, g.o.After, g.o.FuncBody, g.o.ShowFunction = 0, 0, false, false
	}
	// Colour.
	want := useColor(r, env, g.color, false, "color.grep", "color.ui")
	if want {
		c := grep.DefaultColors()
		for key, to := range map[string]*string{"context": &c.Context, "filename": &c.Filename, "function": &c.Function,
			"linenumber": &c.LineNumber, "column": &c.Column, "matchcontext": &c.MatchContext,
			"matchselected": &c.MatchSelected, "selected": &c.Selected, "separator": &c.Separator} {
			if v, ok := cfg("color.grep." + key); ok {
				if seq, err := grepParseColor(v); err == nil {
					*to = seq
				}
			}
		}
		if v, ok := cfg("color.grep.match"); ok {
			if seq, err := grepParseColor(v); err == nil {
				_, ctxSet := cfg("color.grep.matchcontext")
				_, selSet := cfg("color.grep.matchselected")
				if !ctxSet {
					c.MatchContext = seq
				}
				if !selSet {
					c.MatchSelected = seq
				}
			}
		}
		g.o.Color = &c
	}

	var files []grepFile
	if g.noIndex {
		files, err = grepNoIndexFiles(env, g)
	} else {
		files, err = grepRepoFiles(ctx, env, r, g)
	}
	if err != nil {
		return err
	}
	hit, err := grepRun(env, r, g, files)
	if err != nil {
		return err
	}
	if !hit {
		return &ExitError{Code: 1}
	}
	return nil
}

// grepFallbackToNoIndex is grep.fallbackToNoIndex outside a repository:
// the command line's settings, then the user's.
func grepFallbackToNoIndex() bool {
	vals, _ := gitconfig.CommandLine()
	if home, err := os.UserHomeDir(); err == nil {
		if more, err := gitconfig.ReadFile(filepath.Join(home, ".gitconfig"), "", "global", nil); err == nil {
			vals = append(more, vals...)
		}
	}
	on := false
	for _, v := range vals {
		if strings.EqualFold(v.Key, "grep.fallbacktonoindex") {
			b, ok := gitconfig.ParseBool(v.Value, v.NoValue)
			on = ok && b
		}
	}
	return on
}

// grepParseColor is a colour setting; "normal" alone is no colour at all.
func grepParseColor(v string) (string, error) {
	if strings.Trim(strings.ToLower(v), " \t") == "normal" || strings.TrimSpace(v) == "" {
		return "", nil
	}
	return gitconfig.ParseColor(v)
}

type grepFile struct {
	src  repo.GrepSource
	name string // as shown
}

func grepPrefix(env *Env, r *repo.Repository) string {
	if r == nil || r.WorkDir == "" {
		return ""
	}
	if rel, err := relPath(evalDir(r.WorkDir), evalDir(env.Dir)); err == nil && rel != "." {
		return rel + "/"
	}
	return ""
}

// grepRelName is a repository path as seen from prefix (git's
// quote_path): C-quoted when unusual, unless quote is false (-z).
func grepRelName(p, prefix string, quote bool) string {
	q := patch.QuotePath
	if !quote {
		q = func(s string) string { return s }
	}
	for prefix != "" {
		if strings.HasPrefix(p, prefix) {
			p = p[len(prefix):]
			break
		}
		// Climb one directory.
		d := strings.TrimSuffix(prefix, "/")
		k := strings.LastIndexByte(d, '/')
		up := ""
		for q2 := prefix; q2 != ""; {
			up += "../"
			q2 = strings.TrimSuffix(q2, "/")
			if k2 := strings.LastIndexByte(q2, '/'); k2 >= 0 {
				q2 = q2[:k2+1]
			} else {
				q2 = ""
			}
			if strings.HasPrefix(p, q2) {
				return q(up + p[len(q2):])
			}
		}
		_ = k
		break
	}
	if p == "" {
		p = "./"
	}
	return q(p)
}

func grepRepoFiles(ctx context.Context, env *Env, r *repo.Repository, g *grepArgs) ([]grepFile, error) {
	prefix := grepPrefix(env, r)
	// Revisions until "--" or the first argument that is none.
	rest := g.rest
	var revs []string
	k := 0
	for ; k < len(rest); k++ {
		if rest[k] == "--" {
			break
		}
		if _, err := r.ResolveRevision(ctx, rest[k]); err != nil {
			break
		}
		revs = append(revs, rest[k])
	}
	var paths []string
	if k < len(rest) && rest[k] == "--" {
		paths = rest[k+1:]
	} else {
		paths = rest[k:]
		for _, p := range paths {
			if r.WorkDir == "" {
				break
			}
			fp := p
			if !filepath.IsAbs(fp) {
				fp = filepath.Join(env.Dir, p)
			}
			if _, err := os.Lstat(fp); err != nil && !strings.ContainsAny(p, "*?[:") {
				return nil, fmt.Errorf("ambiguous argument '%s': unknown revision or path not in the working tree.\n"+
					"Use '--' to separate paths from revisions, like this:\n"+
					"'git <command> [<revision>...] -- [<file>...]'", p)
			}
		}
	}
	if g.cached && len(revs) > 0 {
		return nil, fmt.Errorf("both --cached and trees are given")
	}
	if g.untracked && len(revs) > 0 {
		return nil, fmt.Errorf("--untracked not supported with revisions")
	}
	if len(paths) == 0 && prefix != "" {
		paths = []string{"."}
	}
	ps, err := parsePathspecWith(env, r, paths, pathspec.ParseCwd)
	if err != nil {
		return nil, err
	}
	if g.fullName == 1 {
		prefix = ""
	}
	name := func(p string) string {
		return grepRelName(p, prefix, !g.o.NullAfterName)
	}
	var out []grepFile
	if len(revs) == 0 {
		if r.WorkDir == "" && !g.cached {
			return nil, fmt.Errorf("this operation must be run in a work tree")
		}
		srcs, err := r.GrepIndexSources(ps, g.cached, g.maxDepth)
		if err != nil {
			return nil, err
		}
		if g.untracked {
			un, err := r.GrepUntracked(ctx, ps, g.excludeStd != 0, g.maxDepth)
			if err != nil {
				return nil, err
			}
			srcs = append(srcs, un...)
			sort.SliceStable(srcs, func(i, j int) bool { return srcs[i].Path < srcs[j].Path })
		}
		for _, s := range srcs {
			out = append(out, grepFile{src: s, name: name(s.Path)})
		}
		return out, nil
	}
	for _, rev := range revs {
		srcs, err := r.GrepObject(ctx, rev, ps, g.maxDepth)
		if err != nil {
			return nil, err
		}
		for _, s := range srcs {
			if s.File == "" { // a blob named on the command line
				out = append(out, grepFile{src: s, name: s.Path})
				continue
			}
			out = append(out, grepFile{src: repo.GrepSource{Path: s.Path, Hash: s.Hash}, name: s.File + name(s.Path)})
		}
	}
	return out, nil
}

// grepNoIndexFiles walks the current directory, as git grep --no-index.
func grepNoIndexFiles(env *Env, g *grepArgs) ([]grepFile, error) {
	paths := g.rest
	if g.dashdash >= 0 {
		paths = append(append([]string(nil), g.rest[:g.dashdash]...), g.rest[g.dashdash+1:]...)
	}
	ps, err := pathspec.Parse("", paths)
	if err != nil {
		return nil, err
	}
	var names []string
	var walk func(dir string, ign []exclude.Pattern) error
	walk = func(dir string, ign []exclude.Pattern) error {
		full := filepath.Join(env.Dir, filepath.FromSlash(dir))
		ents, err := os.ReadDir(full)
		if err != nil {
			return nil
		}
		if g.excludeStd == 1 {
			if data, err := os.ReadFile(filepath.Join(full, ".gitignore")); err == nil {
				ign = append(append([]exclude.Pattern(nil), ign...), exclude.Parse(data, dir)...)
			}
		}
		for _, e := range ents {
			if e.Name() == ".git" {
				continue
			}
			p := dir + e.Name()
			if m := exclude.Last(ign, p, e.IsDir(), false); m != nil && !m.Negative() {
				continue
			}
			if e.IsDir() {
				if ps.MayContain(p) {
					if err := walk(p+"/", ign); err != nil {
						return err
					}
				}
				continue
			}
			if ps.Match(p) && (g.maxDepth < 0 || strings.Count(p, "/") <= g.maxDepth) {
				names = append(names, p)
			}
		}
		return nil
	}
	if err := walk("", nil); err != nil {
		return nil, err
	}
	sort.Strings(names)
	out := make([]grepFile, len(names))
	for i, n := range names {
		out[i] = grepFile{src: repo.GrepSource{Path: n, File: filepath.Join(env.Dir, filepath.FromSlash(n))}, name: n}
	}
	return out, nil
}

type grepResult struct {
	out []byte
	hit bool
	err error
}

// grepRun searches the files on several goroutines and prints in order.
func grepRun(env *Env, r *repo.Repository, g *grepArgs, files []grepFile) (bool, error) {
	workers := runtime.GOMAXPROCS(0)
	if workers > 8 {
		workers = 8
	}
	if workers < 2 {
		workers = 2
	}
	results := make([]chan grepResult, len(files))
	for i := range results {
		results[i] = make(chan grepResult, 1)
	}
	// One goroutine looks up the attributes of each file in turn (the
	// attribute stack is read directory by directory), the others load and
	// search.
	type job struct {
		i   int
		drv repo.GrepDriver
	}
	jobs := make(chan job, 64)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(jobs)
		var drivers *repo.GrepDrivers
		if r != nil && r.WorkDir != "" {
			drivers = r.NewGrepDrivers()
		}
		for i := range files {
			var drv repo.GrepDriver
			if drivers != nil {
				drv, _ = drivers.For(files[i].src.Path)
			}
			select {
			case jobs <- job{i, drv}:
			case <-done:
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		m := g.o.Matcher.Clone()
		go func() {
			var buf []byte // reused: a file's contents are not kept past its search
			for j := range jobs {
				select {
				case <-done:
					return
				default:
				}
				var res grepResult
				res, buf = grepOne(r, g, m, files[j.i], j.drv, buf)
				results[j.i] <- res
			}
		}()
	}
	out := bufio.NewWriterSize(env.IO.Out, 64<<10)
	defer out.Flush()
	skipFirst := g.o.Before > 0 || g.o.After > 0 || g.o.Break || g.o.FuncBody
	hit := false
	for i := range files {
		res := <-results[i]
		if res.err != nil {
			fmt.Fprintf(env.IO.Err, "error: %v\n", res.err)
			continue
		}
		if res.hit {
			hit = true
			if g.o.StatusOnly {
				return true, nil
			}
		}
		b := res.out
		if len(b) == 0 {
			continue
		}
		if skipFirst {
			if k := bytes.IndexByte(b, '\n'); k >= 0 {
				b = b[k+1:]
			}
			skipFirst = false
		}
		if _, err := out.Write(b); err != nil {
			return hit, err
		}
	}
	return hit, nil
}

func grepOne(r *repo.Repository, g *grepArgs, m *grep.Matcher, f grepFile, drv repo.GrepDriver, buf []byte) (grepResult, []byte) {
	var data []byte
	var ok bool
	var err error
	if r == nil {
		data, err = os.ReadFile(f.src.File)
		ok = err == nil
		err = nil
	} else {
		data, ok, err = r.GrepLoad(f.src, buf)
		if ok && f.src.Hash.IsZero() {
			buf = data
		}
	}
	if err != nil || !ok {
		return grepResult{err: err}, buf
	}
	file := &grep.File{Name: f.name, Data: data}
	if drv.IsFunc != nil {
		file.Func = drv.IsFunc
	}
	converted := false
	if g.textconv && drv.Textconv != "" {
		if out, err := r.GrepTextconv(drv.Textconv, f.src.Path, data); err == nil {
			file.Data = out
			converted = true
		}
	}
	if !converted {
		switch drv.Binary {
		case 1:
			file.IsBinary = true
		case 0:
			n := len(data)
			if n > 8000 {
				n = 8000
			}
			file.IsBinary = bytes.IndexByte(data[:n], 0) >= 0
		}
	}
	out, hit := grep.Search(&g.o, m, file)
	return grepResult{out: out, hit: hit}, buf
}
