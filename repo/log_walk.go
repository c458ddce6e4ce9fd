package repo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/wildmatch"
)

// This file is git log's walk as a whole (git's setup_revisions and
// get_revision): which commits it starts from (revisions, ranges, ref
// globs, --all, --reflog, --default), which it keeps (the commit filter,
// --since) and in what order and number it yields them (--no-walk,
// --simplify-by-decoration, -g, --reverse, -n). Log (log.go) is the
// history walk underneath.

// LogOptionError is a walk option that cannot be read: a bad pattern,
// date or --no-walk value, a mistake in the command line.
type LogOptionError struct{ Msg string }

func (e *LogOptionError) Error() string { return e.Msg }

// RefGlob is one of git log's --branches[=<pattern>] (Prefix refs/heads/),
// --tags[=<pattern>] (refs/tags/), --remotes[=<pattern>] (refs/remotes/)
// and --glob=<pattern> (refs/); Pattern "" names every ref under Prefix.
type RefGlob struct{ Prefix, Pattern string }

// RefGlobTips are the commits of the refs the globs name, with the names
// --source gives them, as git's for_each_glob_ref_in: a pattern without
// glob characters names the refs under it, one with them is matched whole
// (a "*" matching "/" too); without a pattern, every ref under the prefix.
// Refs to trees or blobs are left out.
func (r *Repository) RefGlobTips(ctx context.Context, globs []RefGlob) ([]plumbing.Hash, []string, error) {
	var hashes []plumbing.Hash
	var names []string
	for _, g := range globs {
		pattern := g.Pattern
		if g.Prefix == "refs/" && pattern != "" && !strings.HasPrefix(pattern, "refs/") {
			pattern = "refs/" + pattern
		} else if g.Prefix != "refs/" && pattern != "" {
			pattern = g.Prefix + pattern
		}
		if pattern != "" && !strings.ContainsAny(pattern, "*?[") {
			pattern = strings.TrimSuffix(pattern, "/") + "/*"
		}
		refs, err := r.ListRefs(g.Prefix)
		if err != nil {
			return nil, nil, err
		}
		for _, ref := range refs {
			if pattern != "" && !wildmatch.Match(pattern, ref.Name, 0) {
				continue
			}
			c, err := r.ResolveCommit(ctx, ref.Name)
			if err != nil {
				continue // refs to trees or blobs start no walk
			}
			hashes = append(hashes, c)
			// As git: --branches, --tags and --remotes name their refs
			// below the prefix, --glob whole.
			if g.Prefix == "refs/" {
				names = append(names, ref.Name)
			} else {
				names = append(names, strings.TrimPrefix(ref.Name, g.Prefix))
			}
		}
	}
	return hashes, names, nil
}

// LogStart is where git log's walk starts: the revisions given (ranges,
// "^rev"), the ref globs, --all and --reflog.
type LogStart struct {
	// Revs are the revisions and ranges ("a", "^a", "a..b", "a...b").
	Revs     []string
	RefGlobs []RefGlob
	// All starts from every ref and HEAD (--all); Reflog from every
	// commit the reflogs name (--reflog).
	All, Reflog bool
	// Default is where to start when no revision is given, instead of
	// HEAD (--default).
	Default string
	// IgnoreMissing leaves out revisions that do not resolve.
	IgnoreMissing bool

	// Include and Exclude are what ResolveLogStart made of the above: the
	// commits to start from and those whose history is hidden. Empty
	// says there is nothing to walk at all.
	Include, Exclude []plumbing.Hash
	Empty            bool
}

// ResolveLogStart resolves where the walk starts, as git's
// setup_revisions: --default stands in when no revision, glob or --all is
// given (a broken HEAD is reported all the same); --ignore-missing drops
// revisions that do not resolve, and when it drops them all nothing is
// walked; ref globs are revisions given, so HEAD is no default even when
// they name nothing; --all and --reflog add their commits, replacing the
// default HEAD. s.Revs is left as the walk takes it.
func (r *Repository) ResolveLogStart(ctx context.Context, s *LogStart) error {
	if s.Default != "" && len(s.Revs) == 0 && len(s.RefGlobs) == 0 && !s.All {
		if _, _, err := r.ResolveRange(ctx, nil); errors.Is(err, ErrBrokenHead) {
			return err
		}
		s.Revs = []string{s.Default}
	}
	if s.IgnoreMissing {
		var kept []string
		for _, rev := range s.Revs {
			if _, _, err := r.ResolveRange(ctx, []string{rev}); err == nil {
				kept = append(kept, rev)
			}
		}
		if len(kept) == 0 && len(s.Revs) > 0 {
			// As git: revisions were given, so HEAD is no default.
			s.Empty = true
			return nil
		}
		s.Revs = kept
	}
	globTips, _, err := r.RefGlobTips(ctx, s.RefGlobs)
	if err != nil {
		return err
	}
	var include, exclude []plumbing.Hash
	if len(s.Revs) > 0 || len(s.RefGlobs) == 0 {
		if include, exclude, err = r.ResolveRange(ctx, s.Revs); err != nil {
			return err
		}
	}
	include = append(include, globTips...)
	if len(include) == 0 && len(s.RefGlobs) > 0 && !s.All && !s.Reflog {
		s.Empty = true
		return nil
	}
	if s.All {
		tips, err := r.AllTips()
		if err != nil {
			return err
		}
		if len(s.Revs) == 0 {
			include = nil // not HEAD twice: it is among the tips
		}
		include = append(include, tips...)
	}
	if s.Reflog {
		tips, err := r.ReflogTips()
		if err != nil {
			return err
		}
		if len(s.Revs) == 0 && !s.All {
			include = nil // as git: the reflogs replace the default HEAD
		}
		include = append(include, tips...)
	}
	s.Include, s.Exclude = include, exclude
	return nil
}

// SourceNames names the commits the walk starts from as --source (and %S)
// shows them: as given (both ends of a symmetric range, the right end of
// a range), below the prefix for --branches, --tags and --remotes, full
// ref names for --glob and --all, HEAD by default. The first name given
// for a commit wins.
func (r *Repository) SourceNames(ctx context.Context, s *LogStart) (map[plumbing.Hash]string, error) {
	sources := map[plumbing.Hash]string{}
	add := func(name string) error {
		if name == "" {
			name = "HEAD"
		}
		h, err := r.ResolveCommit(ctx, name)
		if err != nil {
			return err
		}
		if _, ok := sources[h]; !ok {
			sources[h] = name
		}
		return nil
	}
	var names []string
	for _, rev := range s.Revs {
		switch {
		case strings.HasPrefix(rev, "^"):
		case strings.Contains(rev, "..."):
			left, right, _ := strings.Cut(rev, "...")
			names = append(names, left, right)
		case strings.Contains(rev, ".."):
			_, right, _ := strings.Cut(rev, "..")
			names = append(names, right)
		default:
			names = append(names, rev)
		}
	}
	if len(s.Revs) == 0 && !s.All && len(s.RefGlobs) == 0 {
		names = append(names, "HEAD")
	}
	for _, name := range names {
		if err := add(name); err != nil {
			return nil, err
		}
	}
	globTips, globNames, err := r.RefGlobTips(ctx, s.RefGlobs)
	if err != nil {
		return nil, err
	}
	for i, h := range globTips {
		if _, ok := sources[h]; !ok {
			sources[h] = globNames[i]
		}
	}
	if s.All {
		refs, err := r.ListRefs("refs/")
		if err != nil {
			return nil, err
		}
		for _, ref := range refs {
			if c, err := r.ResolveCommit(ctx, ref.Name); err == nil {
				if _, ok := sources[c]; !ok {
					sources[c] = ref.Name
				}
			}
		}
		if err := add("HEAD"); err != nil {
			return nil, err
		}
	}
	return sources, nil
}

// LogNext yields the next commit of a walk, io.EOF at the end.
type LogNext func(context.Context) (*gitobj.Commit, error)

// LogWalkOptions describes git log's walk after its start is resolved.
type LogWalkOptions struct {
	// Paths limits the walk to commits that change them (see
	// LogOptions.Paths); Follow, when set, follows one path instead:
	// it is given the walk, unlimited by paths, and keeps what it will.
	Paths  []string
	Follow func(LogNext) LogNext
	// Filter and Since are the commit limiting of NewLogFilter.
	Filter *CommitFilter
	Since  time.Time
	// Topo, DateOrder and FirstParent are as in LogOptions.
	Topo, DateOrder, FirstParent bool
	// SimplifyByDecoration keeps only the commits refs point at (as
	// Decorations chooses them), roots and the merges joining them.
	SimplifyByDecoration bool
	Decorations          DecorateOptions
	// WalkReflogs yields the commits of the reflogs of the revisions
	// given (HEAD by default), newest entry first, instead of history
	// (-g); LogIter.ReflogEntry tells the entry of each.
	WalkReflogs bool
	// NoWalk: "sorted" yields just the commits started from, newest
	// first by commit date, "unsorted" in the order given (--no-walk).
	NoWalk string
	// Max is how many commits are yielded at most (-1: all); Reverse
	// yields them oldest first (after Max has chosen the newest).
	Max     int
	Reverse bool
}

// LogIter yields the commits git log shows, in order.
type LogIter struct {
	r    *Repository
	w    *LogWalker
	rw   *reflogWalk
	next LogNext
	max  int
	n    int
	// sources, under TrackSources, names where each commit was reached
	// from; source is that of the commit Next returned last.
	sources map[plumbing.Hash]string
	source  string
}

// WalkLog starts git log's walk from s (resolved by ResolveLogStart).
func (r *Repository) WalkLog(ctx context.Context, s *LogStart, o LogWalkOptions) (*LogIter, error) {
	walkPaths := o.Paths
	if o.Follow != nil {
		// As git: the walk is not limited by the path, which changes.
		walkPaths = nil
	}
	walkFilter := o.Filter
	if o.SimplifyByDecoration {
		walkFilter = nil // applied after the simplification
	}
	w, err := r.Log(ctx, LogOptions{Include: s.Include, Exclude: s.Exclude, Paths: walkPaths,
		Topo: o.Topo || o.SimplifyByDecoration, DateOrder: o.DateOrder,
		Filter: walkFilter, Since: o.Since, FirstParent: o.FirstParent})
	if err != nil {
		return nil, err
	}
	it := &LogIter{r: r, w: w, next: w.Next, max: o.Max}
	if o.WalkReflogs {
		if it.rw, err = r.newReflogWalk(s.Revs, o.Filter); err != nil {
			return nil, err
		}
		it.next = it.rw.next
	}
	if o.Follow != nil {
		it.next = o.Follow(it.next)
	}
	if o.SimplifyByDecoration {
		decor, err := r.LoadDecorations(o.Decorations)
		if err != nil {
			return nil, err
		}
		if it.next, err = simplifyByDecoration(ctx, it.next, decor, o.Filter); err != nil {
			return nil, err
		}
	}
	switch o.NoWalk {
	case "":
	case "sorted", "unsorted":
		if it.next, err = r.noWalk(s.Include, o.Filter, o.NoWalk == "sorted"); err != nil {
			return nil, err
		}
	default:
		return nil, &LogOptionError{Msg: "invalid argument to --no-walk: " + o.NoWalk}
	}
	if o.Reverse {
		var list []*gitobj.Commit
		for n := 0; o.Max < 0 || n < o.Max; n++ {
			c, err := it.next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			list = append(list, c)
		}
		it.next = func(context.Context) (*gitobj.Commit, error) {
			if len(list) == 0 {
				return nil, io.EOF
			}
			c := list[len(list)-1]
			list = list[:len(list)-1]
			return c, nil
		}
		it.max = -1
	}
	return it, nil
}

// Keep hides, from then on, the commits keep rejects; they do not count
// towards Max. (log's -S, -G and --diff-filter, which look at the changes.)
func (it *LogIter) Keep(keep func(context.Context, *gitobj.Commit) (bool, error)) {
	next := it.next
	it.next = func(ctx context.Context) (*gitobj.Commit, error) {
		for {
			c, err := next(ctx)
			if err != nil {
				return c, err
			}
			ok, err := keep(ctx, c)
			if err != nil || ok {
				return c, err
			}
		}
	}
}

// Next returns the next commit to show, or io.EOF at the end.
func (it *LogIter) Next(ctx context.Context) (*gitobj.Commit, error) {
	if it.max >= 0 && it.n >= it.max {
		return nil, io.EOF
	}
	c, err := it.next(ctx)
	if err != nil {
		return c, err
	}
	it.n++
	if it.sources != nil {
		// As git: a commit's parents are reached from where it was,
		// unless an earlier commit reached them already.
		it.source = it.sources[c.Hash]
		for _, p := range c.ParentHashes {
			if _, ok := it.sources[p]; !ok {
				it.sources[p] = it.source
			}
		}
	}
	return c, nil
}

// TrackSources makes Source name, for each commit Next returns, the
// revision of s it was reached from (--source, %S; see SourceNames).
func (it *LogIter) TrackSources(ctx context.Context, s *LogStart) error {
	sources, err := it.r.SourceNames(ctx, s)
	if err != nil {
		return err
	}
	it.sources = sources
	return nil
}

// Source is, under TrackSources, the name of the revision the commit
// Next returned last was reached from.
func (it *LogIter) Source() string { return it.source }

// Shows reports whether the history walk shows commit h when it reaches
// it (LogWalker.Shows): the graph draws lines only to such parents.
func (it *LogIter) Shows(h plumbing.Hash) bool { return it.w.Shows(h) }

// ReflogEntry is, under WalkReflogs, the reflog entry of the commit Next
// returned last (nil otherwise).
func (it *LogIter) ReflogEntry() *LogReflogEntry {
	if it.rw == nil {
		return nil
	}
	return it.rw.cur
}

// noWalk yields just the given commits (git log --no-walk): newest first
// by commit date when sorted, else in the order given; the filter still
// applies.
func (r *Repository) noWalk(include []plumbing.Hash, filter *CommitFilter, sorted bool) (LogNext, error) {
	var list []*gitobj.Commit
	seen := map[plumbing.Hash]bool{}
	for _, h := range include {
		if seen[h] {
			continue
		}
		seen[h] = true
		c, err := r.CommitObject(h)
		if err != nil {
			return nil, err
		}
		if filter != nil && !filter.Match(c) {
			continue
		}
		list = append(list, c)
	}
	if sorted {
		sort.SliceStable(list, func(i, j int) bool { return list[i].Committer.When.After(list[j].Committer.When) })
	}
	return func(context.Context) (*gitobj.Commit, error) {
		if len(list) == 0 {
			return nil, io.EOF
		}
		c := list[0]
		list = list[1:]
		return c, nil
	}, nil
}

// LogMergeDiffs settles how merges' changes show: "" (not at all),
// "first-parent" or "separate", from mode (the last of -m, -c, --cc,
// --diff-merges and --no-diff-merges), else firstParent (--first-parent),
// else nothing; "on" (-m) is log.diffMerges, by default separate.
// Combined diffs are not made by easel.
func (r *Repository) LogMergeDiffs(mode string, firstParent bool) (string, error) {
	if mode == "" && firstParent {
		mode = "first-parent"
	}
	conf, set, _ := r.ConfigGet("log.diffMerges")
	confMode := "separate"
	if set {
		switch conf {
		case "off", "none", "1", "first", "first-parent", "separate", "m", "combined", "c", "dense-combined", "cc", "remerge", "r":
			confMode = conf
		default:
			return "", fmt.Errorf("unknown value for config 'log.diffMerges': %s", conf)
		}
	}
	if mode == "on" || mode == "m" {
		mode = confMode
	}
	switch mode {
	case "", "off", "none":
		return "", nil
	case "1", "first", "first-parent":
		return "first-parent", nil
	case "separate", "m":
		return "separate", nil
	case "combined", "c", "dense-combined", "cc", "remerge", "r":
		return "", &LogOptionError{Msg: fmt.Sprintf("--diff-merges=%s: easel does not make combined or remerge diffs of merges (first-parent and separate it does)", mode)}
	}
	return "", &LogOptionError{Msg: fmt.Sprintf("invalid value for '--diff-merges': '%s'", mode)}
}
