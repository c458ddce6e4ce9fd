package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
)

func init() { register(newDescribeCmd) }

type describeOptions struct {
	Revs        []string
	Tags        bool
	All         bool
	Always      bool
	Long        bool
	NoLong      bool
	Dirty       string
	Broken      string
	Abbrev      int
	Candidates  int
	ExactMatch  bool
	FirstParent bool
	Match       []string
	NoMatch     bool
	Exclude     []string
	NoExclude   bool
	Contains    bool
}

func newDescribeCmd(env *Env) *cobra.Command {
	o := describeOptions{Abbrev: -1}
	cmd := &cobra.Command{
		Use:   "describe [options] [<commit-ish>...]",
		Short: "Name a commit after the nearest tag",
		Long: `Describe names a commit (default HEAD) as git describe does: the tag itself
when it is tagged, else <tag>-<n>-g<id>, <n> being the commits since the tag,
found with git's walk (the nearest of up to --candidates tags reachable).
Only annotated tags count unless --tags; --all counts every branch and
remote-tracking branch too (named heads/..., remotes/..., tags/...).
--match/--exclude <glob> keep or drop names; --first-parent follows first
parents only; --long always prints the <n> and id; --exact-match names only
a tagged commit. --always falls back to the abbreviated id when no tag
describes the commit; --dirty appends -dirty (or the mark given) when
tracked files differ from HEAD. A blob (<commit>:<path>) is described by
the first commit that has it, and its path there.`,
		Example: `  easel describe
  easel describe --tags --always --dirty
  easel describe --abbrev=12 v1.0~3
  easel describe --abbrev=0 --tags      # the tag name alone
  easel describe --all --match 'release/*' HEAD~2
  easel describe HEAD:README.md`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Revs = args
			fl := cmd.Flags()
			if o.NoMatch {
				o.Match = nil
			}
			if o.NoExclude {
				o.Exclude = nil
			}
			if o.NoLong {
				o.Long = false
			}
			if o.ExactMatch {
				o.Candidates = 0
			}
			return runDescribe(cmd.Context(), env, o, fl.Changed("dirty"), fl.Changed("broken"))
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.Tags, "tags", false, "lightweight tags count too")
	f.BoolVar(&o.All, "all", false, "any ref counts: branches, remote-tracking branches, tags")
	f.BoolVar(&o.Always, "always", false, "the abbreviated id when no tag describes the commit")
	f.BoolVar(&o.Long, "long", false, "always print <tag>-<n>-g<id>, even on a tagged commit")
	f.BoolVar(&o.NoLong, "no-long", false, "drop --long")
	f.StringVar(&o.Dirty, "dirty", "", "append -dirty (or this mark) when the work tree has changes")
	f.Lookup("dirty").NoOptDefVal = "-dirty"
	f.StringVar(&o.Broken, "broken", "", "as --dirty, and -broken (or this mark) when the status cannot be read")
	f.Lookup("broken").NoOptDefVal = "-broken"
	f.IntVar(&o.Abbrev, "abbrev", -1, "hex digits of the id (0: the tag name alone)")
	f.IntVar(&o.Candidates, "candidates", 10, "how many tags to consider (0: exact matches only)")
	f.BoolVar(&o.ExactMatch, "exact-match", false, "only a name on the commit itself")
	f.BoolVar(&o.FirstParent, "first-parent", false, "follow only the first parent of merges")
	f.StringArrayVar(&o.Match, "match", nil, "only names matching `<glob>` (repeatable)")
	f.BoolVar(&o.NoMatch, "no-match", false, "forget the --match patterns given before")
	f.StringArrayVar(&o.Exclude, "exclude", nil, "no names matching `<glob>` (repeatable)")
	f.BoolVar(&o.NoExclude, "no-exclude", false, "forget the --exclude patterns given before")
	f.BoolVar(&o.Contains, "contains", false, "name the commit after the first tag that contains it (v1.0~3), as git name-rev")
	return cmd
}

func runDescribe(ctx context.Context, env *Env, o describeOptions, dirty, broken bool) error {
	r, err := env.OpenRepo(ctx)
	if err != nil {
		return err
	}
	if o.Long && o.Abbrev == 0 {
		return fmt.Errorf("options '--long' and '--abbrev=0' cannot be used together")
	}
	if o.Contains {
		return describeContains(ctx, env, r, o)
	}
	if len(o.Revs) > 0 && (dirty || broken) {
		opt := "--dirty"
		if broken {
			opt = "--broken"
		}
		return fmt.Errorf("option '%s' and commit-ishes cannot be used together", opt)
	}
	opts := repo.DescribeOptions{Tags: o.Tags, All: o.All, Candidates: o.Candidates, FirstParent: o.FirstParent,
		Match: o.Match, Exclude: o.Exclude}
	names, err := r.DescribeNames(opts)
	if err != nil {
		return err
	}
	if len(names) == 0 && !o.Always {
		return fmt.Errorf("No names found, cannot describe anything.%w", noName)
	}
	revs := o.Revs
	suffix := ""
	if len(revs) == 0 {
		revs = []string{"HEAD"}
		if dirty || broken {
			mark := o.Dirty
			if broken {
				mark = o.Broken
			}
			st, err := r.Status(ctx, repo.StatusOptions{Untracked: repo.UntrackedNo})
			switch {
			case err != nil && broken:
				suffix = mark
			case err != nil:
				return err
			case !st.Clean():
				suffix = mark
				if broken && o.Dirty == "" {
					suffix = "-dirty"
				}
			}
		}
	}
	ab := r.NewAbbreviator()
	abbrev := func(h plumbing.Hash) string {
		if o.Abbrev == 0 {
			return h.String() // git: no digits asked, the whole id
		}
		return ab.Short(h, max(o.Abbrev, 0))
	}
	for _, rev := range revs {
		id, err := r.ResolveRevision(ctx, rev)
		if err != nil {
			return fmt.Errorf("Not a valid object name %s: %w", rev, repo.ErrUnknownRevision)
		}
		c, cerr := r.ResolveCommit(ctx, id.String())
		var d repo.Description
		path := ""
		if cerr == nil {
			d, err = r.Describe(ctx, c, opts)
		} else if r.IsBlob(id) {
			var found bool
			d, c, path, found, err = r.DescribeBlob(ctx, id, opts)
			if err == nil && !found {
				fmt.Fprintln(env.IO.Out)
				continue
			}
		} else {
			return fmt.Errorf("%s is neither a commit nor blob", rev)
		}
		if d.Warning != "" {
			fmt.Fprintln(env.IO.Err, "warning: "+d.Warning)
		}
		switch {
		case errors.Is(err, repo.ErrNoExactMatch):
			return fmt.Errorf("no tag exactly matches '%s'%w", c, noName)
		case errors.Is(err, repo.ErrNoTags) && o.Always:
			fmt.Fprintln(env.IO.Out, ab.Short(c, max(o.Abbrev, 0))+suffix)
			continue
		case errors.Is(err, repo.ErrNoTags) && d.Unannotated:
			return fmt.Errorf("No annotated tags can describe '%s'.\nHowever, there were unannotated tags: try --tags.%w", c, noName)
		case errors.Is(err, repo.ErrNoTags):
			return fmt.Errorf("No tags can describe '%s'.\nTry --always, or create some tags.%w", c, noName)
		case err != nil:
			return err
		}
		name := d.Name
		if d.Misnamed || o.Long || d.Depth > 0 && o.Abbrev != 0 {
			name = fmt.Sprintf("%s-%d-g%s", d.Name, d.Depth, abbrev(c))
		}
		if path != "" {
			name += ":" + path
		}
		fmt.Fprintln(env.IO.Out, name+suffix)
	}
	return nil
}

// noName wraps describe's "nothing names it" failures: git's message
// alone, easel's exit code for a revision it cannot name (4).
var noName = silentErr{repo.ErrUnknownRevision}

// silentErr adds its error's kind to a message without its text.
type silentErr struct{ err error }

func (e silentErr) Error() string { return "" }
func (e silentErr) Unwrap() error { return e.err }

// describeContains is git describe --contains: git name-rev --peel-tag
// --name-only --no-undefined, over tags only unless --all, the --match
// and --exclude globs applied under refs/tags/.
func describeContains(ctx context.Context, env *Env, r *repo.Repository, o describeOptions) error {
	no := repo.NameRevOptions{TagsOnly: !o.All}
	if !o.All {
		for _, m := range o.Match {
			no.Refs = append(no.Refs, "refs/tags/"+m)
		}
		for _, x := range o.Exclude {
			no.Exclude = append(no.Exclude, "refs/tags/"+x)
		}
	}
	revs := o.Revs
	if len(revs) == 0 {
		revs = []string{"HEAD"}
	}
	var commits []plumbing.Hash
	for _, rev := range revs {
		id, err := r.ResolveRevision(ctx, rev)
		if err != nil {
			fmt.Fprintf(env.IO.Err, "Could not get sha1 for %s. Skipping.\n", rev)
			continue
		}
		c, err := r.ResolveCommit(ctx, id.String())
		if err != nil {
			fmt.Fprintf(env.IO.Err, "Could not get commit for %s. Skipping.\n", rev)
			continue
		}
		commits = append(commits, c)
	}
	names, err := r.NameRevs(ctx, commits, no)
	if err != nil {
		return err
	}
	ab := r.NewAbbreviator()
	for i, n := range names {
		switch {
		case n != "":
			fmt.Fprintln(env.IO.Out, n)
		case o.Always:
			fmt.Fprintln(env.IO.Out, ab.ShortID(commits[i]))
		default:
			return fmt.Errorf("cannot describe '%s'%w", commits[i], noName)
		}
	}
	return nil
}

// formatDescriber answers the %(describe[:options]) placeholder of log's
// formats as git, which runs git describe for it: the options are tags
// (tags=<bool>), abbrev=<n>, match=<glob> and exclude=<glob>, separated
// by commas; a commit nothing describes expands to nothing. The names of
// each set of options are loaded once.
func formatDescriber(ctx context.Context, r *repo.Repository) func(plumbing.Hash, string) (string, bool) {
	type loaded struct {
		opts   repo.DescribeOptions
		abbrev int
		desc   func(context.Context, plumbing.Hash) (repo.Description, error)
		err    error
	}
	cache := map[string]*loaded{}
	ab := r.NewAbbreviator()
	return func(c plumbing.Hash, options string) (string, bool) {
		l := cache[options]
		if l == nil {
			l = &loaded{abbrev: -1}
			for _, opt := range strings.Split(options, ",") {
				key, val, hasVal := strings.Cut(opt, "=")
				switch key {
				case "tags":
					l.opts.Tags = true
					if hasVal {
						l.opts.Tags, _ = parseBoolWord(val)
					}
				case "abbrev":
					if n, err := strconv.Atoi(val); err == nil {
						l.abbrev = n
					}
				case "match":
					l.opts.Match = append(l.opts.Match, val)
				case "exclude":
					l.opts.Exclude = append(l.opts.Exclude, val)
				}
			}
			l.opts.Candidates = 10
			l.desc, l.err = r.Describer(l.opts)
			cache[options] = l
		}
		if l.err != nil || l.desc == nil {
			return "", false
		}
		d, err := l.desc(ctx, c)
		if err != nil {
			return "", false
		}
		if d.Misnamed || d.Depth > 0 && l.abbrev != 0 {
			id := c.String()
			if l.abbrev != 0 {
				id = ab.Short(c, max(l.abbrev, 0))
			}
			return fmt.Sprintf("%s-%d-g%s", d.Name, d.Depth, id), true
		}
		return d.Name, true
	}
}
