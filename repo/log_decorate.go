package repo

import (
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/pretty"
	wm "easel.dev/easel/repo/wildmatch"
)

// DecorateOptions choose which refs decorate commits and how they are
// named (git's --decorate, --decorate-refs, --decorate-refs-exclude,
// log.excludeDecoration and --clear-decorations).
type DecorateOptions struct {
	// Full names refs in full ("refs/heads/main") rather than short.
	Full bool
	// Include and Exclude are the --decorate-refs and
	// --decorate-refs-exclude patterns, ConfigExclude log.excludeDecoration;
	// a pattern not starting with "refs/" is taken under it, one without
	// glob characters matches that ref and those below it.
	Include, Exclude, ConfigExclude []string
	// All: no default filter (--clear-decorations). Without it and
	// without patterns, only HEAD, branches, remote-tracking branches,
	// tags, the stash and replace refs decorate, as in git.
	All bool
}

// DecorateRefOp is one of --decorate-refs (Kind '+'),
// --decorate-refs-exclude ('-') and --clear-decorations ('0'), kept in
// command-line order since a clear forgets the patterns before it.
type DecorateRefOp struct {
	Kind    byte
	Pattern string
}

// LogDecorateOptions are the DecorateOptions of git log's ops and of
// log.excludeDecoration and log.initialDecorationSet; full names refs in
// full.
func (r *Repository) LogDecorateOptions(ops []DecorateRefOp, full bool) (DecorateOptions, error) {
	d := DecorateOptions{Full: full}
	for _, op := range ops {
		switch op.Kind {
		case '+':
			d.Include = append(d.Include, op.Pattern)
		case '-':
			d.Exclude = append(d.Exclude, op.Pattern)
		case '0':
			d.Include, d.Exclude, d.All = nil, nil, true
		}
	}
	excl, err := r.ConfigGetAll("log.excludeDecoration")
	if err != nil {
		return d, err
	}
	d.ConfigExclude = excl
	if v, ok, _ := r.ConfigGet("log.initialDecorationSet"); ok && v == "all" {
		d.All = true
	}
	return d, nil
}

// decorationNamespaces are the refs git decorates by default.
var decorationNamespaces = []string{"HEAD", "refs/heads/", "refs/tags/", "refs/remotes/", "refs/stash", "refs/replace/"}

// decoratePattern is a normalised --decorate-refs pattern.
type decoratePattern struct {
	pattern string
	prefix  bool // no glob: matches the ref and refs below it
}

func normalizeDecoratePatterns(list []string) []decoratePattern {
	out := make([]decoratePattern, 0, len(list))
	for _, p := range list {
		n := p
		if !strings.HasPrefix(p, "refs/") && p != "HEAD" {
			n = "refs/" + p
		}
		n = strings.TrimSuffix(n, "/")
		out = append(out, decoratePattern{pattern: n, prefix: !strings.ContainsAny(p, "*?[\\")})
	}
	return out
}

func (d decoratePattern) match(ref string) bool {
	if d.prefix {
		rest, ok := strings.CutPrefix(ref, d.pattern)
		return ok && (rest == "" || rest[0] == '/')
	}
	return wm.Match(d.pattern, ref, 0)
}

// decorateFilter is git's ref_filter_match for decorations.
type decorateFilter struct {
	include, exclude, configExclude []decoratePattern
}

func (f decorateFilter) match(ref string) bool {
	for _, x := range f.exclude {
		if x.match(ref) {
			return false
		}
	}
	if len(f.include) > 0 {
		for _, x := range f.include {
			if x.match(ref) {
				return true
			}
		}
		return false
	}
	for _, x := range f.configExclude {
		if x.match(ref) {
			return false
		}
	}
	return true
}

// LoadDecorations lists which refs point at which commits, for decorated
// log output: "HEAD -> main" for the current branch, "tag: v1" for tags,
// filtered and named as o says.
func (r *Repository) LoadDecorations(o DecorateOptions) (pretty.Decorations, error) {
	f := decorateFilter{
		include:       normalizeDecoratePatterns(o.Include),
		exclude:       normalizeDecoratePatterns(o.Exclude),
		configExclude: normalizeDecoratePatterns(o.ConfigExclude),
	}
	if !o.All && len(f.include)+len(f.exclude)+len(f.configExclude) == 0 {
		for _, ns := range decorationNamespaces {
			f.include = append(f.include, decoratePattern{pattern: strings.TrimSuffix(ns, "/"), prefix: true})
		}
	}
	name := func(n plumbing.ReferenceName) string {
		if o.Full {
			return n.String()
		}
		return shortRefName(n)
	}
	d := pretty.Decorations{}
	head, _ := r.Head()
	headBranch, _ := r.HeadBranch()
	all, err := r.ListRefs("refs/")
	if err != nil {
		return nil, err
	}
	type item struct {
		h    plumbing.Hash
		ref  string
		name string
	}
	var items []item
	headShown := false
	for _, ref := range all {
		if ref.ID.IsZero() {
			continue // a symbolic ref to nothing; git decorates the others
		}
		n := plumbing.ReferenceName(ref.Name)
		if !f.match(n.String()) {
			continue
		}
		if n == headBranch && headBranch != "" {
			headShown = true
			continue
		}
		h := ref.ID
		label := name(n)
		if n.IsTag() {
			if c, err := r.commitOf(h); err == nil {
				h = c.Hash
			}
			label = "tag: " + label
		}
		items = append(items, item{h, n.String(), label})
	}
	if !head.IsZero() && f.match("HEAD") {
		switch {
		case headBranch != "" && headShown:
			d[head] = append(d[head], "HEAD -> "+name(headBranch))
		default:
			// Detached, or its branch filtered out: HEAD alone.
			d[head] = append(d[head], "HEAD")
		}
	} else if headShown {
		items = append(items, item{head, headBranch.String(), name(headBranch)})
	}
	// git adds each ref in name order before the one added earlier, so
	// they are listed in reverse name order after HEAD.
	sort.Slice(items, func(i, j int) bool { return items[i].ref > items[j].ref })
	for _, it := range items {
		d[it.h] = append(d[it.h], it.name)
	}
	return d, nil
}
