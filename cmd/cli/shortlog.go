package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/pretty"
	"easel.dev/easel/repo/wildmatch"
)

func init() { register(newShortlogCmd) }

const shortlogUsage = `usage: git shortlog [<options>] [<revision-range>] [[--] <path>...]
   or: git log --pretty=short | git shortlog [<options>]

    -c, --committer       group by committer rather than author
    -n, --numbered        sort output according to the number of commits per author
    -s, --summary         suppress commit descriptions, only provides commit count
    -e, --email           show the email address of each author
    -w[<w>[,<i1>[,<i2>]]]
                          linewrap output
    --group <field>       group by field
`

func newShortlogCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "shortlog [<options>] [<revision-range>] [[--] <path>...]",
		Short: "Summarize history by author",
		Long: `Shortlog lists the commits of a range (default HEAD) grouped by author, as git
shortlog does: each author (mailmap applied) with the number of commits and
their subjects, oldest first, authors sorted by name or, with -n, by count.
-s prints the counts only, -e the addresses too, -w wraps the subjects.
--group=author|committer|trailer:<key>|format:<format> (several allowed)
chooses what commits are grouped by; -c is --group=committer. Reading git
log's output from the standard input when no revision is given and the
input is not a terminal: git log | easel shortlog.`,
		Example: `  easel shortlog -sn
  easel shortlog -e v1.0..v2.0
  easel shortlog --group=trailer:signed-off-by -s
  git log --pretty=short | easel shortlog`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runShortlog(cmd.Context(), env, args)
		},
	}
}

type shortlogArgs struct {
	sl                   repo.Shortlog
	revs, paths          []string
	dashdash, all        bool
	since, until         string
	authors, committers  []string
	greps                []string
	ignoreCase, allMatch bool
	merges, noMerges     bool
	firstParent, reverse bool
	max, skip            int
	groupsGiven          bool
	// refOpts are --all, --branches, --tags, --remotes, --glob and
	// --exclude in order: each adds the refs it names but those the
	// --exclude options before it (since the last such option) leave out.
	refOpts []shortlogRefOpt
	date    string
	abbrev  int
	output  string
}

type shortlogRefOpt struct{ kind, pattern string }

// abbrevTo shortens ids to at least n digits (--abbrev=<n>).
type abbrevTo struct {
	a *repo.Abbreviator
	n int
}

func (a abbrevTo) ShortID(h plumbing.Hash) string { return a.a.Short(h, a.n) }

// parseWrap is git's -w[<width>[,<indent1>[,<indent2>]]].
func parseWrap(sl *repo.Shortlog, v string, given bool) error {
	sl.Wrap = true
	sl.Width, sl.Indent1, sl.Indent2 = 76, 6, 9
	if !given {
		return nil
	}
	usage := errors.New("-w[<width>[,<indent1>[,<indent2>]]]")
	parts := []*int{&sl.Width, &sl.Indent1, &sl.Indent2}
	defs := []int{76, 6, 9}
	for i, p := range parts {
		var field string
		if i < 2 {
			var found bool
			field, v, found = strings.Cut(v, ",")
			if !found {
				v = ""
			}
		} else {
			field, v = v, ""
			if strings.Contains(field, ",") {
				return usage
			}
		}
		if field == "" {
			*p = defs[i]
			if i < 2 && v == "" {
				for j := i + 1; j < 3; j++ {
					*parts[j] = defs[j]
				}
				break
			}
			continue
		}
		n, err := strconv.ParseUint(field, 10, 31)
		if err != nil {
			return usage
		}
		*p = int(n)
		if v == "" {
			for j := i + 1; j < 3; j++ {
				*parts[j] = defs[j]
			}
			break
		}
	}
	if sl.Width != 0 && ((sl.Indent1 != 0 && sl.Width <= sl.Indent1) || (sl.Indent2 != 0 && sl.Width <= sl.Indent2)) {
		return usage
	}
	return nil
}

func (a *shortlogArgs) group(v string) error {
	a.groupsGiven = true
	switch {
	case strings.EqualFold(v, "author"):
		a.sl.Author = true
	case strings.EqualFold(v, "committer"):
		a.sl.Committer = true
	case strings.HasPrefix(v, "trailer:"):
		a.sl.Trailers = append(a.sl.Trailers, v[len("trailer:"):])
	case strings.HasPrefix(v, "format:"):
		a.sl.Formats = append(a.sl.Formats, v[len("format:"):])
	case strings.Contains(v, "%"):
		a.sl.Formats = append(a.sl.Formats, v)
	default:
		return fmt.Errorf("unknown group type: %s", v)
	}
	return nil
}

// userFormat is the format of --format/--pretty when it is a user
// format (git's shortlog lists it instead of the subject), else "".
func userFormat(v string) string {
	switch {
	case strings.HasPrefix(v, "format:"):
		return v[len("format:"):]
	case strings.HasPrefix(v, "tformat:"):
		return v[len("tformat:"):]
	case strings.Contains(v, "%"):
		return v
	}
	return ""
}

func parseShortlogArgs(args []string) (*shortlogArgs, error) {
	a := &shortlogArgs{max: -1}
	value := func(i *int, arg, name string) (string, bool, error) {
		if v, ok := strings.CutPrefix(arg, name+"="); ok {
			return v, true, nil
		}
		if arg == name {
			if *i+1 >= len(args) {
				return "", true, fmt.Errorf("option `%s' requires a value", strings.TrimLeft(name, "-"))
			}
			*i++
			return args[*i], true, nil
		}
		return "", false, nil
	}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if a.dashdash {
			a.paths = append(a.paths, arg)
			continue
		}
		if arg == "--" {
			a.dashdash = true
			continue
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			a.revs = append(a.revs, arg)
			continue
		}
		if v, ok, err := value(&i, arg, "--group"); ok {
			if err != nil {
				return nil, err
			}
			if err := a.group(v); err != nil {
				return nil, err
			}
			continue
		}
		for _, opt := range []struct {
			name string
			into *string
		}{{"--since", &a.since}, {"--after", &a.since}, {"--until", &a.until}, {"--before", &a.until}} {
			if v, ok, err := value(&i, arg, opt.name); ok {
				if err != nil {
					return nil, err
				}
				*opt.into = v
				arg = ""
				break
			}
		}
		if arg == "" {
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--date="); ok {
			a.date = v
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--output="); ok {
			a.output = v
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--abbrev="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("'%s': not an integer", v)
			}
			a.abbrev = n
			continue
		}
		if k, v, ok := strings.Cut(arg, "="); ok && oneOfStr(k, "--exclude", "--branches", "--tags", "--remotes", "--glob") {
			a.refOpts = append(a.refOpts, shortlogRefOpt{k, v})
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--author="); ok {
			a.authors = append(a.authors, v)
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--grep="); ok {
			a.greps = append(a.greps, v)
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--format="); ok {
			a.sl.UserFormat = userFormat(v)
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--pretty="); ok {
			a.sl.UserFormat = userFormat(v)
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--max-count="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("'%s': not an integer", v)
			}
			a.max = n
			continue
		}
		if v, ok := strings.CutPrefix(arg, "--skip="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil, fmt.Errorf("'%s': not an integer", v)
			}
			a.skip = n
			continue
		}
		switch arg {
		case "--committer":
			a.sl.Committer, a.groupsGiven = true, true
		case "--numbered":
			a.sl.Numbered = true
		case "--no-numbered":
			a.sl.Numbered = false
		case "--summary":
			a.sl.Summary = true
		case "--no-summary":
			a.sl.Summary = false
		case "--email":
			a.sl.Email = true
		case "--no-email":
			a.sl.Email = false
		case "--no-group":
			a.sl.Author, a.sl.Committer, a.sl.Trailers, a.sl.Formats = false, false, nil, nil
			a.groupsGiven = false
		case "--all", "--branches", "--tags", "--remotes":
			a.refOpts = append(a.refOpts, shortlogRefOpt{arg, ""})
		case "--merges":
			a.merges = true
		case "--no-merges":
			a.noMerges = true
		case "--first-parent":
			a.firstParent = true
		case "--reverse":
			a.reverse = true
		case "-i", "--regexp-ignore-case":
			a.ignoreCase = true
		case "--all-match":
			a.allMatch = true
		default:
			if strings.HasPrefix(arg, "--") {
				return nil, fmt.Errorf("unrecognized argument: %s", arg)
			}
			// A bundle of short options: -sne, -w72,2,4, -<n>.
			if n, err := strconv.Atoi(arg[1:]); err == nil {
				a.max = n
				continue
			}
			for j := 1; j < len(arg); j++ {
				switch arg[j] {
				case 'c':
					a.sl.Committer, a.groupsGiven = true, true
				case 'n':
					a.sl.Numbered = true
				case 's':
					a.sl.Summary = true
				case 'e':
					a.sl.Email = true
				case 'i':
					a.ignoreCase = true
				case 'w':
					if err := parseWrap(&a.sl, arg[j+1:], j+1 < len(arg)); err != nil {
						return nil, err
					}
					j = len(arg)
				default:
					return nil, fmt.Errorf("unknown switch `%c'", arg[j])
				}
			}
		}
	}
	if !a.groupsGiven && !a.sl.Author && !a.sl.Committer && len(a.sl.Trailers) == 0 && len(a.sl.Formats) == 0 {
		a.sl.Author = true
	}
	return a, nil
}

func runShortlog(ctx context.Context, env *Env, args []string) error {
	for _, a := range args {
		if a == "-h" || a == "--help" {
			fmt.Fprint(env.IO.Out, shortlogUsage)
			return &ExitError{Code: 129}
		}
	}
	a, err := parseShortlogArgs(args)
	if err != nil {
		fmt.Fprintf(env.IO.Err, "error: %v\n", err)
		// As git: an option it does not know shows the usage, a
		// value it refuses only the error.
		if m := err.Error(); strings.HasPrefix(m, "unknown switch") || strings.HasPrefix(m, "unrecognized argument") {
			fmt.Fprint(env.IO.Err, shortlogUsage)
		}
		return &ExitError{Code: 129}
	}
	stdinTTY := false
	if f, ok := env.IO.In.(*os.File); ok {
		stdinTTY = term.IsTerminal(int(f.Fd()))
	}
	r, err := env.OpenRepo(ctx)
	nongit := errors.Is(err, repo.ErrNotRepository)
	if err != nil && !nongit {
		return err
	}
	if nongit {
		if len(a.revs)+len(a.paths) > 0 {
			fmt.Fprintf(env.IO.Err, "error: too many arguments given outside repository\n")
			fmt.Fprint(env.IO.Err, shortlogUsage)
			return &ExitError{Code: 129}
		}
	} else {
		a.sl.Format = pretty.CommitFormat{Abbrev: r.NewAbbreviator(), Now: time.Now(), Mailmap: r.LoadMailmap(ctx), Encoding: r.LogOutputEncoding()}
		if a.abbrev > 0 {
			a.sl.Format.Abbrev = abbrevTo{r.NewAbbreviator(), a.abbrev}
		}
		if a.date != "" {
			mode, err := pretty.CheckDateMode(a.date)
			if err != nil {
				return &UsageError{Msg: err.Error()}
			}
			a.sl.Format.Date = mode
		}
		if !a.dashdash {
			a.revs, a.paths = splitShortlogPaths(ctx, env, r, a.revs, a.paths)
		}
	}
	pending := len(a.revs) > 0
	for _, o := range a.refOpts {
		pending = pending || o.kind != "--exclude"
	}
	if !nongit && !pending && stdinTTY {
		a.revs, pending = []string{"HEAD"}, true
	}
	out := env.IO.Out
	if a.output != "" {
		p := a.output
		if !filepath.IsAbs(p) {
			p = filepath.Join(env.Dir, p)
		}
		f, err := os.Create(p)
		if err != nil {
			return fmt.Errorf("could not create file '%s': %v", a.output, err)
		}
		defer f.Close()
		out = f
	}
	if !pending {
		if stdinTTY {
			fmt.Fprintf(env.IO.Err, "(reading log message from standard input)\n")
		}
		if err := a.sl.ReadLog(env.IO.In); err != nil {
			return fmt.Errorf("%v", err)
		}
		return a.sl.Write(out)
	}
	if err := shortlogWalk(ctx, r, a); err != nil {
		return err
	}
	return a.sl.Write(out)
}

// splitShortlogPaths takes, without "--", the arguments from the first
// that is no revision but a file of the work tree on as paths.
func splitShortlogPaths(ctx context.Context, env *Env, r *repo.Repository, revs, paths []string) ([]string, []string) {
	for i, rev := range revs {
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

func shortlogWalk(ctx context.Context, r *repo.Repository, a *shortlogArgs) error {
	var include, exclude []plumbing.Hash
	if len(a.revs) > 0 {
		inc, exc, err := r.ResolveRange(ctx, a.revs)
		if err != nil {
			return err
		}
		include, exclude = inc, exc
	}
	tips, err := shortlogRefTips(ctx, r, a.refOpts)
	if err != nil {
		return err
	}
	include = append(include, tips...)
	now := time.Now()
	f := &repo.CommitFilter{AllMatch: a.allMatch}
	for _, group := range []struct {
		pats []string
		into *[]*regexp.Regexp
	}{{a.authors, &f.Authors}, {a.committers, &f.Committers}, {a.greps, &f.Grep}} {
		for _, p := range group.pats {
			re, err := repo.CompileLogPattern(p, a.ignoreCase, "")
			if err != nil {
				return &UsageError{Msg: err.Error()}
			}
			*group.into = append(*group.into, re)
		}
	}
	if a.merges {
		f.MinParents = 2
	}
	if a.noMerges {
		f.MaxParents = 1
	}
	var since time.Time
	if a.since != "" {
		if since, err = repo.ParseApproxDate(a.since, now); err != nil {
			return &UsageError{Msg: err.Error()}
		}
	}
	if a.until != "" {
		if f.Until, err = repo.ParseApproxDate(a.until, now); err != nil {
			return &UsageError{Msg: err.Error()}
		}
	}
	w, err := r.Log(ctx, repo.LogOptions{Include: include, Exclude: exclude, Paths: a.paths, Filter: f, Since: since, FirstParent: a.firstParent})
	if err != nil {
		return err
	}
	var commits []*gitobj.Commit
	skip, n := a.skip, 0
	for a.max < 0 || n < a.max {
		c, err := w.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if skip > 0 {
			skip--
			continue
		}
		n++
		if a.reverse {
			commits = append(commits, c)
			continue
		}
		a.sl.Add(c)
	}
	for i := len(commits) - 1; i >= 0; i-- {
		a.sl.Add(commits[i])
	}
	return nil
}

// shortlogRefTips are the commits of the ref options, as git's
// handle_revision_pseudo_opt: --exclude patterns (full ref names, or
// names under the option's prefix) leave refs out of the next option.
func shortlogRefTips(ctx context.Context, r *repo.Repository, opts []shortlogRefOpt) ([]plumbing.Hash, error) {
	var out []plumbing.Hash
	var excludes []string
	for _, o := range opts {
		if o.kind == "--exclude" {
			excludes = append(excludes, o.pattern)
			continue
		}
		prefix := map[string]string{"--all": "refs/", "--branches": "refs/heads/", "--tags": "refs/tags/", "--remotes": "refs/remotes/", "--glob": "refs/"}[o.kind]
		pattern := o.pattern
		if pattern != "" {
			if o.kind == "--glob" && !strings.HasPrefix(pattern, "refs/") {
				pattern = "refs/" + pattern
			} else if o.kind != "--glob" {
				pattern = prefix + pattern
			}
			if !strings.ContainsAny(pattern, "*?[") {
				pattern = strings.TrimSuffix(pattern, "/") + "/*"
			}
		}
		refs, err := r.ListRefs(prefix)
		if err != nil {
			return nil, err
		}
	refs:
		for _, ref := range refs {
			name := string(ref.Name)
			if pattern != "" && !wildmatch.Match(pattern, name, 0) {
				continue
			}
			for _, x := range excludes {
				if wildmatch.Match(x, name, 0) {
					continue refs
				}
			}
			if h, err := r.ResolveCommit(ctx, name); err == nil {
				out = append(out, h)
			}
		}
		if o.kind == "--all" {
			if h, err := r.Head(); err == nil && !h.IsZero() {
				out = append(out, h)
			}
		}
		excludes = nil
	}
	return out, nil
}
