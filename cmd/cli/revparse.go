package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitconfig"
)

func init() { register(newRevParseCmd) }

type revParseOptions struct {
	Verify    bool
	Quiet     bool
	Short     int // hex digits with --short; 0: whole ids
	AbbrevRef bool
	Symbolic  bool
	FullName  bool
	Absolute  bool // --path-format=absolute
	Relative  bool // --path-format=relative
}

func newRevParseCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rev-parse [options] [<revision>...]",
		Short: "Print the ids revisions name, and where the repository is",
		Long: `For scripts, as git rev-parse: each revision's full id (an abbreviated one
with --short, a branch name with --abbrev-ref), and facts about the repository:
--show-toplevel, --show-cdup, --show-prefix, --git-dir, --absolute-git-dir,
--git-common-dir, --git-path <path>, --is-inside-work-tree, --is-inside-git-dir,
--is-bare-repository, --is-shallow-repository, --show-object-format.
--path-format=absolute|relative changes how the paths after it are printed.
Options are taken in order, as git takes them. --verify requires exactly one
revision that names an object and exits 4 otherwise (-q: silently).
Revisions are spelled as everywhere else (HEAD~2, main^2, v1.0^{commit}, @{u},
@{push}, HEAD@{1}, rev:path); A..B prints B and ^A, A...B also their merge base.
An argument that is no revision, and every one after it, must be a path that
exists (or a pathspec with wildcards); otherwise the error says, in git's
words, why: a path not in that commit or the index, at another stage, or
named from the top rather than the current directory.`,
		Example: `  easel rev-parse HEAD
  easel rev-parse --short HEAD~1
  easel rev-parse --abbrev-ref HEAD
  easel rev-parse --abbrev-ref @{u}
  easel rev-parse --verify -q feature || echo "no branch feature"
  easel rev-parse --show-toplevel
  easel rev-parse --path-format=absolute --git-common-dir`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				if a == "--" {
					break
				}
				if a == "--help" {
					return cmd.Help()
				}
			}
			return runRevParse(cmd.Context(), env, args)
		},
	}
	return cmd
}

// revParseRepo is what rev-parse's repository options see: the work tree
// as git sets it up (none when core.bare says so) and the git directory
// as git would name it.
type revParseRepo struct {
	r       *repo.Repository
	cwd     string
	work    string // "" without a work tree
	gitDir  string // absolute
	bareCfg string // core.bare as written ("" unset)
}

func (p *revParseRepo) inside(dir string) bool {
	if dir == "" {
		return false
	}
	rel, err := filepath.Rel(dir, p.cwd)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// prefix is the current directory below the top of the work tree
// ("sub/dir/"), "" at the top or outside it.
func (p *revParseRepo) prefix() string {
	if !p.inside(p.work) {
		return ""
	}
	rel, _ := filepath.Rel(p.work, p.cwd)
	if rel == "." {
		return ""
	}
	return filepath.ToSlash(rel) + "/"
}

func runRevParse(ctx context.Context, env *Env, args []string) error {
	out := env.IO.Out
	var o revParseOptions
	var rp *revParseRepo
	open := func() (*revParseRepo, error) {
		if rp != nil {
			return rp, nil
		}
		r, err := env.OpenRepo(ctx)
		if err != nil {
			return nil, err
		}
		cwd, _ := filepath.Abs(env.Dir)
		if real, err := filepath.EvalSymlinks(cwd); err == nil {
			cwd = real
		}
		p := &revParseRepo{r: r, cwd: cwd, work: r.WorkDir, gitDir: r.WorktreeGitDir}
		p.bareCfg, _, _ = r.ConfigGet("core.bare")
		if os.Getenv("GIT_DIR") == "" && os.Getenv("GIT_WORK_TREE") == "" {
			if b, ok := gitconfig.ParseBool(p.bareCfg, false); ok && b && p.bareCfg != "" {
				p.work = "" // discovered, but core.bare says there is no work tree
			}
		}
		if p.work != "" {
			if real, err := filepath.EvalSymlinks(p.work); err == nil {
				p.work = real
			}
		}
		if real, err := filepath.EvalSymlinks(p.gitDir); err == nil {
			p.gitDir = real
		}
		rp = p
		return p, nil
	}
	// printPath is git's print_path: as --path-format says, else as
	// given when unmodified, else relative to the current directory
	// when git would have it relative.
	printPath := func(p *revParseRepo, path string, relIfShared bool) {
		abs := path
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(p.cwd, path)
		}
		switch {
		case o.Absolute:
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				abs = real
			}
			fmt.Fprintln(out, filepath.Clean(abs))
		case o.Relative || relIfShared && !filepath.IsAbs(path):
			rel, err := filepath.Rel(p.cwd, abs)
			if err != nil {
				rel = abs
			}
			if rel == "." {
				rel = "./"
			}
			fmt.Fprintln(out, filepath.ToSlash(rel))
		default:
			fmt.Fprintln(out, path)
		}
	}
	// gitDirName is the git directory as git names it: $GIT_DIR as set,
	// "." inside it, ".git" at the top of the work tree, else absolute.
	gitDirName := func(p *revParseRepo) string {
		if gd := os.Getenv("GIT_DIR"); gd != "" {
			return gd
		}
		switch {
		case p.cwd == p.gitDir:
			return "."
		case p.work != "" && p.cwd == p.work && filepath.Join(p.work, ".git") == p.gitDir:
			return ".git"
		}
		return p.gitDir
	}
	var revs []string
	var revOpts []revParseOptions // the options in force where each revision was given
	addRev := func(a ...string) {
		revs = append(revs, a...)
		for range a {
			revOpts = append(revOpts, o)
		}
	}
	var dflt string
	dfltAt := 0 // revisions before --default: git drops it when one follows
	done := false
	endOfOptions := false // past --end-of-options: "-x" is a revision, "--" still ends them
	eooAt := -1           // where --end-of-options was, among revs
	for i := 0; i < len(args); i++ {
		a := args[i]
		if done || endOfOptions && a != "--" {
			addRev(a)
			continue
		}
		need := func() (*revParseRepo, error) { return open() }
		switch {
		case a == "--directory" && i+1 < len(args) && rp == nil:
			// The root's -C, which flag parsing left here.
			i++
			d := args[i]
			if !filepath.IsAbs(d) {
				d = filepath.Join(env.Dir, d)
			}
			if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
				return fmt.Errorf("cannot change to '%s': No such file or directory", args[i])
			}
			env.Dir = d
			continue
		case a == "--":
			done = true
			addRev(a)
			continue
		case a == "--end-of-options":
			endOfOptions, eooAt = true, len(revs)
		case a == "--verify":
			o.Verify = true
		case a == "-q" || a == "--quiet":
			o.Quiet = true
		case a == "--short":
			o.Short = -1
		case strings.HasPrefix(a, "--short="):
			n, err := strconv.Atoi(strings.TrimPrefix(a, "--short="))
			if err != nil {
				return &UsageError{Msg: "--short takes a number"}
			}
			o.Short = max(n, 4)
		case a == "--abbrev-ref" || a == "--abbrev-ref=strict" || a == "--abbrev-ref=loose":
			o.AbbrevRef = true
		case a == "--symbolic":
			o.Symbolic = true
		case a == "--symbolic-full-name":
			o.FullName = true
		case a == "--default":
			if i+1 >= len(args) {
				return &UsageError{Msg: "--default requires an argument"}
			}
			i++
			dflt, dfltAt = args[i], len(revs)
		case strings.HasPrefix(a, "--path-format="):
			switch v := strings.TrimPrefix(a, "--path-format="); v {
			case "absolute":
				o.Absolute, o.Relative = true, false
			case "relative":
				o.Absolute, o.Relative = false, true
			default:
				return fmt.Errorf("unknown argument to --path-format: %s", v)
			}
		case a == "--path-format":
			return fmt.Errorf("--path-format requires an argument")
		case a == "--local-env-vars":
			for _, v := range []string{"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
				"GIT_OBJECT_DIRECTORY", "GIT_DIR", "GIT_WORK_TREE", "GIT_IMPLICIT_WORK_TREE", "GIT_GRAFT_FILE", "GIT_INDEX_FILE",
				"GIT_NO_REPLACE_OBJECTS", "GIT_REPLACE_REF_BASE", "GIT_PREFIX", "GIT_INTERNAL_SUPER_PREFIX", "GIT_SHALLOW_FILE", "GIT_COMMON_DIR"} {
				fmt.Fprintln(out, v)
			}
		case strings.HasPrefix(a, "--since=") || strings.HasPrefix(a, "--after="):
			t, err := repo.ParseDate(a[strings.IndexByte(a, '=')+1:])
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "--max-age=%d\n", t.Unix())
		case strings.HasPrefix(a, "--until=") || strings.HasPrefix(a, "--before="):
			t, err := repo.ParseDate(a[strings.IndexByte(a, '=')+1:])
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "--min-age=%d\n", t.Unix())
		case a == "--show-object-format" || strings.HasPrefix(a, "--show-object-format="):
			if _, err := need(); err != nil {
				return err
			}
			switch v := strings.TrimPrefix(strings.TrimPrefix(a, "--show-object-format"), "="); v {
			case "", "storage", "input", "output":
				fmt.Fprintln(out, "sha1")
			default:
				return fmt.Errorf("unknown mode for --show-object-format: %s", v)
			}
		case a == "--is-shallow-repository":
			p, err := need()
			if err != nil {
				return err
			}
			_, serr := os.Stat(filepath.Join(p.r.GitDir, "shallow"))
			fmt.Fprintln(out, serr == nil)
		case a == "--is-bare-repository":
			p, err := need()
			if err != nil {
				return err
			}
			b, ok := gitconfig.ParseBool(p.bareCfg, false)
			fmt.Fprintln(out, (p.bareCfg == "" || !ok || b) && p.work == "")
		case a == "--is-inside-git-dir":
			p, err := need()
			if err != nil {
				return err
			}
			fmt.Fprintln(out, p.inside(p.gitDir))
		case a == "--is-inside-work-tree":
			p, err := need()
			if err != nil {
				return err
			}
			fmt.Fprintln(out, p.inside(p.work))
		case a == "--show-prefix":
			p, err := need()
			if err != nil {
				return err
			}
			fmt.Fprintln(out, p.prefix())
		case a == "--show-cdup":
			p, err := need()
			if err != nil {
				return err
			}
			fmt.Fprintln(out, strings.Repeat("../", strings.Count(p.prefix(), "/")))
		case a == "--show-toplevel":
			p, err := need()
			if err != nil {
				return err
			}
			if p.work == "" {
				return fmt.Errorf("this operation must be run in a work tree: %w", repo.ErrBareRepository)
			}
			printPath(p, p.work, false)
		case a == "--git-dir":
			p, err := need()
			if err != nil {
				return err
			}
			printPath(p, gitDirName(p), false)
		case a == "--absolute-git-dir":
			p, err := need()
			if err != nil {
				return err
			}
			fmt.Fprintln(out, p.gitDir)
		case a == "--git-common-dir" || a == "--git-path":
			p, err := need()
			if err != nil {
				return err
			}
			// git names the common directory relative to the top of the
			// work tree when it is .git there, absolute otherwise.
			name := p.r.GitDir
			if p.work != "" && filepath.Join(p.work, ".git") == p.r.GitDir && p.gitDir == p.r.GitDir {
				name = ".git"
				if rel, err := filepath.Rel(p.cwd, p.r.GitDir); err == nil && p.inside(p.work) {
					name = rel
				}
			} else if p.gitDir != p.r.GitDir && a == "--git-path" {
				name = gitDirName(p)
			}
			if a == "--git-path" {
				if i+1 >= len(args) {
					return &UsageError{Msg: "--git-path requires an argument"}
				}
				i++
				name = filepath.Join(name, args[i])
				if !filepath.IsAbs(name) {
					name = filepath.ToSlash(name)
				}
			}
			printPath(p, name, false)
		case a == "--show-superproject-working-tree":
			if _, err := need(); err != nil {
				return err
			}
			// Only a repository that is a submodule has one; easel
			// finds none to show.
		case strings.HasPrefix(a, "-") && a != "-":
			if o.Verify {
				return revParseError(&repo.RevisionError{Msg: "Needed a single revision"}, o)
			}
			fmt.Fprintln(out, a) // git passes options it does not know on
		default:
			addRev(a)
		}
	}
	if o.Verify {
		// git counts the revisions before "--" and takes --default only
		// when there is none.
		n := 0
		for _, rev := range revs {
			if rev == "--" {
				break
			}
			n++
		}
		if n == 0 && dflt != "" {
			revs, revOpts = append([]string{dflt}, revs...), append([]revParseOptions{o}, revOpts...)
			n, eooAt = 1, -1
		}
		if n != 1 {
			return revParseError(errNeedSingle, o)
		}
	} else if dflt != "" && len(revs) == dfltAt {
		addRev(dflt)
	}
	if len(revs) == 0 && eooAt < 0 {
		return nil
	}
	p, err := open()
	if err != nil {
		return err
	}
	r := p.r
	ab := r.NewAbbreviator()
	show := func(h plumbing.Hash, neg bool) {
		s := h.String()
		if o.Short < 0 {
			s = ab.ShortID(h)
		} else if o.Short > 0 {
			s = ab.Short(h, o.Short)
		}
		if neg {
			s = "^" + s
		}
		fmt.Fprintln(out, s)
	}
	// asIs is git's as_is: 1 after the first argument that is no
	// revision (the rest must be paths that exist), 2 after "--".
	asIs := 0
	dashdash := false
	for _, rev := range revs {
		dashdash = dashdash || rev == "--"
	}
	for i := 0; i <= len(revs); i++ {
		if i == eooAt && !o.Verify {
			fmt.Fprintln(out, "--end-of-options")
		}
		if i == len(revs) {
			break
		}
		rev := revs[i]
		cur := revOpts[i]
		o.Short, o.AbbrevRef, o.Symbolic, o.FullName = cur.Short, cur.AbbrevRef, cur.Symbolic, cur.FullName
		if asIs > 0 {
			if o.Verify {
				continue
			}
			fmt.Fprintln(out, rev)
			if asIs < 2 {
				if err := verifyFilename(p, rev, false); err != nil {
					return err
				}
			}
			continue
		}
		if rev == "--" {
			asIs = 2
			if !o.Verify {
				fmt.Fprintln(out, rev)
			}
			continue
		}
		resolved, err := relativeRevPath(rev, p)
		if err != nil {
			return err
		}
		colon := strings.IndexByte(resolved, ':')
		if dd := strings.Index(resolved, ".."); !o.Verify && resolved != ".." && dd >= 0 && (colon < 0 || dd < colon) && !o.AbbrevRef && !o.FullName && !o.Symbolic {
			left, right, sym := resolved, "", false
			if l, rr, ok := strings.Cut(resolved, "..."); ok {
				left, right, sym = l, rr, true
			} else {
				left, right, _ = strings.Cut(resolved, "..")
			}
			if err := revParseRange(ctx, r, left, right, sym, show); err == nil {
				continue
			}
		}
		name, neg := resolved, false
		if !o.Verify && strings.HasPrefix(name, "^") && len(name) > 1 {
			neg, name = true, name[1:]
		}
		h, err := r.ResolveRevision(ctx, name)
		if err == nil {
			if err := showRevision(ctx, out, r, rev, name, h, neg, o, show); err != nil {
				return revParseError(err, o)
			}
			continue
		}
		if !errors.Is(err, repo.ErrUnknownRevision) {
			return err
		}
		var re *repo.RevisionError
		if _, _, hasPath := strings.Cut(name, ":"); errors.As(err, &re) && !hasPath {
			// git dies inside the lookup itself ("log for 'main' only
			// has 3 entries"), whatever else was asked.
			return revParseError(err, o)
		}
		if o.Verify {
			return revParseError(errNeedSingle, o)
		}
		if dashdash {
			return &repo.RevisionError{Msg: fmt.Sprintf("bad revision '%s'", rev)}
		}
		// Not a revision: from here on the arguments are paths, and this
		// one must exist, or git says what is wrong with it.
		asIs = 1
		fmt.Fprintln(out, rev)
		if err := verifyFilename(p, rev, true); err != nil {
			// ":(icase)x" and the like are pathspec magic, not paths
			// in the index to diagnose.
			magic := rev[0] == ':' && len(rev) > 1 && !isAlnum(rev[1])
			if !strings.HasPrefix(rev, "-") && !magic {
				if derr := r.DiagnoseRevision(ctx, resolved, p.prefix()); derr != nil {
					return derr
				}
			}
			return err
		}
	}
	return nil
}

var errNeedSingle = &repo.RevisionError{Msg: "Needed a single revision"}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// showRevision prints a revision that resolved to h as the options in
// force say: its id (abbreviated with --short), the name as given
// (--symbolic), or the full or short name of the ref it names.
func showRevision(ctx context.Context, out io.Writer, r *repo.Repository, rev, name string, h plumbing.Hash, neg bool, o revParseOptions, show func(plumbing.Hash, bool)) error {
	caret := ""
	if neg {
		caret = "^"
	}
	switch {
	case o.AbbrevRef || o.FullName:
		full, err := symbolicFullName(r, name)
		if err != nil {
			return err
		}
		if full == "" {
			return nil // not a ref: git prints nothing
		}
		if o.AbbrevRef {
			full = shortRefName(full)
		}
		fmt.Fprintln(out, caret+full)
	case o.Symbolic:
		fmt.Fprintln(out, rev)
	default:
		show(h, neg)
	}
	return nil
}

// verifyFilename is git's verify_filename: an argument that is not a
// revision must be a path that exists (or a pathspec with wildcards);
// otherwise it is an option given too late or nothing git knows.
func verifyFilename(p *revParseRepo, arg string, diagnose bool) error {
	if strings.HasPrefix(arg, "-") {
		return &repo.RevisionError{Msg: fmt.Sprintf("option '%s' must come before non-option arguments", arg)}
	}
	if looksLikePathspec(arg) || checkFilename(p, arg) {
		return nil
	}
	if !diagnose {
		return &repo.RevisionError{Msg: fmt.Sprintf("%s: no such path in the working tree.\nUse 'git <command> -- <path>...' to specify paths that do not exist locally.", arg)}
	}
	return &repo.RevisionError{Msg: fmt.Sprintf("ambiguous argument '%s': unknown revision or path not in the working tree.\nUse '--' to separate paths from revisions, like this:\n'git <command> [<revision>...] -- [<file>...]'", arg)}
}

// looksLikePathspec: wildcards (unescaped *, ? or [) or long-form magic
// mean the user matches paths that need not exist.
func looksLikePathspec(arg string) bool {
	escaped := false
	for i := 0; i < len(arg); i++ {
		switch {
		case escaped:
			escaped = false
		case arg[i] == '\\':
			escaped = true
		case arg[i] == '*' || arg[i] == '?' || arg[i] == '[':
			return true
		}
	}
	return strings.HasPrefix(arg, ":(")
}

// checkFilename is git's check_filename: whether arg names an existing
// path, with ":/" (from the top) and ":!"/":^" (exclusion) understood.
func checkFilename(p *revParseRepo, arg string) bool {
	base := p.cwd
	if rest, ok := strings.CutPrefix(arg, ":/"); ok {
		if rest == "" {
			return true
		}
		arg = rest
		if p.work != "" {
			base = p.work
		}
	} else if rest, ok := strings.CutPrefix(arg, ":!"); ok {
		if rest == "" {
			return true
		}
		arg = rest
	} else if rest, ok := strings.CutPrefix(arg, ":^"); ok {
		if rest == "" {
			return true
		}
		arg = rest
	}
	_, err := os.Lstat(filepath.Join(base, arg))
	return err == nil
}

// revParseRange prints A..B as B ^A and A...B as B A ^base, as git does.
func revParseRange(ctx context.Context, r *repo.Repository, left, right string, sym bool, show func(plumbing.Hash, bool)) error {
	if left == "" {
		left = "HEAD"
	}
	if right == "" {
		right = "HEAD"
	}
	a, err := r.ResolveRevision(ctx, left)
	if err != nil {
		return err
	}
	b, err := r.ResolveRevision(ctx, right)
	if err != nil {
		return err
	}
	show(b, false)
	if !sym {
		show(a, true)
		return nil
	}
	show(a, false)
	base, err := r.StartPoint(ctx, left+"..."+right)
	if err != nil {
		return err
	}
	show(base, true)
	return nil
}

// symbolicFullName is the full name of the ref a revision names, as
// --symbolic-full-name prints it: @{-N}, @{u} and @{push} interpreted,
// symbolic refs followed, "" for what is no ref (an id, HEAD~2).
func symbolicFullName(r *repo.Repository, name string) (string, error) {
	s, ok, err := r.InterpretRevName(name)
	if err != nil {
		return "", err
	}
	if ok {
		name = s
	}
	full, n := r.DwimRef(name)
	if n > 1 {
		return "", fmt.Errorf("refname '%s' is ambiguous", name)
	}
	return full.String(), nil
}

// shortRefName drops the refs/heads/, refs/tags/ or refs/remotes/ prefix.
func shortRefName(full string) string {
	for _, p := range []string{"refs/heads/", "refs/tags/", "refs/remotes/"} {
		if rest, ok := strings.CutPrefix(full, p); ok {
			return rest
		}
	}
	return full
}

func revParseError(err error, o revParseOptions) error {
	if o.Verify && o.Quiet && errors.Is(err, repo.ErrUnknownRevision) {
		return &ExitError{Code: ExitUnknownRev}
	}
	return err
}

// relativeRevPath resolves a "./" or "../" path in "<rev>:<path>",
// ":<path>" or ":<n>:<path>" against the current directory below the top
// of the work tree, as git's resolve_relative_path does; other revisions
// are unchanged. Outside the work tree, or above its top, it is an error.
func relativeRevPath(rev string, p *revParseRepo) (string, error) {
	at := -1
	depth := 0
	for i := 0; i < len(rev) && at < 0; i++ {
		switch rev[i] {
		case '{':
			depth++
		case '}':
			depth--
		case ':':
			if depth <= 0 {
				at = i + 1
			}
		}
	}
	if at < 0 {
		return rev, nil
	}
	if at == 1 && len(rev) > 3 && rev[1] >= '0' && rev[1] <= '3' && rev[2] == ':' {
		at = 3
	}
	rel := rev[at:]
	if rel != "." && rel != ".." && !strings.HasPrefix(rel, "./") && !strings.HasPrefix(rel, "../") {
		return rev, nil
	}
	if strings.HasPrefix(rel, "./") || strings.HasPrefix(rel, "../") {
		if !p.inside(p.work) {
			return "", &repo.RevisionError{Msg: "relative path syntax can't be used outside working tree"}
		}
	}
	joined := path.Clean(p.prefix() + rel)
	if joined == ".." || strings.HasPrefix(joined, "../") {
		return "", &repo.RevisionError{Msg: fmt.Sprintf("'%s' is outside repository at '%s'", rel, p.work)}
	}
	if joined == "." {
		joined = ""
	}
	return rev[:at] + joined, nil
}
