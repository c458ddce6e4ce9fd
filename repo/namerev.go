package repo

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/refformat"
	"easel.dev/easel/repo/wildmatch"
)

// NameRevOptions are the git name-rev options describe --contains uses.
type NameRevOptions struct {
	TagsOnly bool     // only refs/tags/ (--tags)
	Refs     []string // globs a ref (or a tail of it after a '/') must match (--refs)
	Exclude  []string // globs that drop a ref (--exclude)
}

// revName is git's rev_name: the tip a commit is named after and how it
// is reached.
type revName struct {
	tip        string
	taggerdate int64
	generation int
	distance   int
	fromTag    bool
}

// mergeTraversalWeight is git's: a step to a second parent counts as this
// many first-parent steps.
const mergeTraversalWeight = 65535

func (n *revName) worseThan(taggerdate int64, distance int, fromTag bool) bool {
	if fromTag && n.fromTag {
		// Between tags, the older tag wins, even if farther away.
		return n.taggerdate > taggerdate || n.taggerdate == taggerdate && n.distance > distance
	}
	if n.fromTag != fromTag {
		return fromTag
	}
	if n.distance != distance {
		return n.distance > distance
	}
	return n.taggerdate > taggerdate
}

// NameRevs names each of commits as git name-rev --name-only does:
// "v1.0~3", "v2.0^0", "main~2^2"; "" where no ref reaches it.
func (r *Repository) NameRevs(ctx context.Context, commits []plumbing.Hash, o NameRevOptions) ([]string, error) {
	refs, err := r.listRefs("refs/", false)
	if err != nil {
		return nil, err
	}
	type tip struct {
		name       string
		commit     *gitobj.Commit
		taggerdate int64
		fromTag    bool
		deref      bool
	}
	var tips []tip
	src := r.RefFormatSource(ctx)
	for _, ref := range refs {
		path := ref.Name().String()
		if o.TagsOnly && !strings.HasPrefix(path, "refs/tags/") {
			continue
		}
		if anySubpath(o.Exclude, path) >= 0 {
			continue
		}
		abbreviate := o.TagsOnly
		if len(o.Refs) > 0 {
			matched := false
			for _, p := range o.Refs {
				switch at := anySubpath([]string{p}, path); {
				case at == 0:
					matched = true
				case at > 0:
					matched, abbreviate = true, true
				}
			}
			if !matched {
				continue
			}
		}
		t := tip{taggerdate: math.MaxInt64}
		id := ref.Hash()
		for {
			tg, err := r.tagObject(id)
			if err != nil || tg == nil {
				break
			}
			id, t.deref, t.taggerdate = tg.Target, true, tg.Tagger.When.Unix()
		}
		c, err := r.commitOf(id)
		if err != nil {
			continue
		}
		t.commit, t.fromTag = c, strings.HasPrefix(path, "refs/tags/")
		if t.taggerdate == math.MaxInt64 {
			t.taggerdate = c.Committer.When.Unix()
		}
		switch {
		case abbreviate:
			t.name = refformat.Shorten(src, path)
		case strings.HasPrefix(path, "refs/heads/"):
			t.name = path[len("refs/heads/"):]
		default:
			t.name = path[len("refs/"):]
		}
		tips = append(tips, t)
	}
	// Tags first, older first, as git's cmp_by_tag_and_age.
	sort.SliceStable(tips, func(i, j int) bool {
		if tips[i].fromTag != tips[j].fromTag {
			return tips[i].fromTag
		}
		return tips[i].taggerdate < tips[j].taggerdate
	})
	// As git: commits a day older than the oldest one asked about cannot
	// lead to it (up to clock skew), so walks stop there.
	cutoff := int64(math.MaxInt64)
	for _, h := range commits {
		if c, err := r.commitOf(h); err == nil {
			cutoff = min(cutoff, c.Committer.When.Unix()-86400)
		}
	}
	names := map[plumbing.Hash]*revName{}
	update := func(h plumbing.Hash, taggerdate int64, generation, distance int, fromTag bool) *revName {
		n := names[h]
		if n == nil {
			n = &revName{}
			names[h] = n
		} else if !n.worseThan(taggerdate, distance, fromTag) {
			return nil
		}
		n.taggerdate, n.generation, n.distance, n.fromTag = taggerdate, generation, distance, fromTag
		return n
	}
	for _, t := range tips {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if t.commit.Committer.When.Unix() < cutoff {
			continue
		}
		start := update(t.commit.Hash, t.taggerdate, 0, 0, t.fromTag)
		if start == nil {
			continue
		}
		start.tip = t.name
		if t.deref {
			start.tip += "^0"
		}
		// git walks with a stack, first parents coming out first.
		stack := []*gitobj.Commit{t.commit}
		for len(stack) > 0 {
			c := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			name := names[c.Hash]
			var queue []*gitobj.Commit
			for i, ph := range c.ParentHashes {
				p, err := r.commitOf(ph)
				if err != nil || p.Committer.When.Unix() < cutoff {
					continue
				}
				generation, distance := name.generation+1, name.distance+1
				if i > 0 {
					generation, distance = 0, name.distance+mergeTraversalWeight
				}
				pn := update(ph, t.taggerdate, generation, distance, t.fromTag)
				if pn == nil {
					continue
				}
				if i > 0 {
					base := strings.TrimSuffix(name.tip, "^0")
					if name.generation > 0 {
						pn.tip = fmt.Sprintf("%s~%d^%d", base, name.generation, i+1)
					} else {
						pn.tip = fmt.Sprintf("%s^%d", base, i+1)
					}
				} else {
					pn.tip = name.tip
				}
				queue = append(queue, p)
			}
			for i := len(queue) - 1; i >= 0; i-- {
				stack = append(stack, queue[i])
			}
		}
	}
	out := make([]string, len(commits))
	for i, h := range commits {
		n := names[h]
		switch {
		case n == nil:
		case n.generation == 0:
			out[i] = n.tip
		default:
			out[i] = fmt.Sprintf("%s~%d", strings.TrimSuffix(n.tip, "^0"), n.generation)
		}
	}
	return out, nil
}

// anySubpath is git's subpath_matches over several patterns: the offset
// of the first tail of path (whole, then after each '/') a pattern
// matches, -1 if none does.
func anySubpath(patterns []string, path string) int {
	for _, p := range patterns {
		for at := 0; ; {
			if wildmatch.Match(p, path[at:], 0) {
				return at
			}
			i := strings.IndexByte(path[at:], '/')
			if i < 0 {
				break
			}
			at += i + 1
		}
	}
	return -1
}
