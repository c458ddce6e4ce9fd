package repo

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge"
	"easel.dev/easel/merge/commitwalk"
)

// Merge strategies git merge -s knows. recursive and subtree run the same
// engine as ort here (git 2.39's recursive and ort agree on the merges
// its tests make); resolve is the engine without rename detection, as
// git's read-tree based resolve has none.
const (
	StrategyOrt       = "ort"
	StrategyRecursive = "recursive"
	StrategyResolve   = "resolve"
	StrategyOctopus   = "octopus"
	StrategyOurs      = "ours"
	StrategySubtree   = "subtree"
)

// MergeStrategies are the strategy names git merge -s accepts, in the
// order git lists them when refusing an unknown one (its git-merge-*
// programs; ort is built in and not listed).
var MergeStrategies = []string{StrategyOctopus, StrategyOurs, StrategyRecursive, StrategyResolve, StrategySubtree}

// KnownStrategy is whether name is a merge strategy easel runs.
func KnownStrategy(name string) bool {
	if name == StrategyOrt {
		return true
	}
	for _, s := range MergeStrategies {
		if s == name {
			return true
		}
	}
	return false
}

// noFastForward: git never fast-forwards with these strategies.
func noFastForward(s string) bool { return s == StrategyOurs || s == StrategySubtree }

// MergeHead is one commit being merged, as named on the command line.
type MergeHead struct {
	Hash plumbing.Hash
	// Name is as the user gave it; it names the side in conflict
	// markers, messages and the merge commit's title.
	Name string
	// Kind is how git's message names it: "branch", "remote-tracking
	// branch", "tag" or "commit".
	Kind string
}

// StrategyError is a merge no strategy could handle (git's exit code 2):
// the index and work tree are as before; Output holds what the strategy
// printed on standard output before giving up.
type StrategyError struct {
	Strategies []string
	Output     []string
	// Stderr holds the strategy's error lines ("ERROR: content conflict
	// in f"), printed before git's closing line.
	Stderr []string
}

func (e *StrategyError) Error() string {
	if len(e.Strategies) > 1 {
		return "No merge strategy handled the merge."
	}
	return fmt.Sprintf("Merge with strategy %s failed.", e.Strategies[0])
}

// strategyResult is what one strategy made of a merge, before anything
// was written to the index or work tree.
type strategyResult struct {
	res *merge.Result
	// out are the lines git prints on standard output while the strategy
	// runs; errOut its error lines.
	out, errOut []string
	// failed: the strategy does not handle this merge (git's exit 2).
	failed bool
	// external: a git-merge-<name> program left the result in the index
	// and the work tree.
	external bool
}

// conflictCount is what git's evaluate_result counts to choose among
// strategies that all left conflicts.
func (s *strategyResult) conflictCount() int {
	n := 0
	for _, c := range s.res.Conflicts {
		for _, e := range []*merge.Entry{c.Base, c.Ours, c.Theirs} {
			if e != nil {
				n++
			}
		}
	}
	return n
}

// defaultStrategies are git's choice when -s is not given: pull.twohead
// for one head, pull.octopus for several, else ort and octopus.
func (r *Repository) defaultStrategies(heads int) []string {
	key, def := "pull.twohead", StrategyOrt
	if heads > 1 {
		key, def = "pull.octopus", StrategyOctopus
	}
	if v, ok, err := r.ConfigGet(key); err == nil && ok {
		if f := strings.Fields(v); len(f) > 0 {
			return f
		}
	}
	return []string{def}
}

// reduceHeads is git's reduce_heads: the commits of list that no other
// commit of the list contains, duplicates dropped, in their order.
func reduceHeads(ctx context.Context, st merge.Store, list []plumbing.Hash) ([]plumbing.Hash, error) {
	var uniq []plumbing.Hash
	seen := map[plumbing.Hash]bool{}
	for _, h := range list {
		if !seen[h] {
			seen[h] = true
			uniq = append(uniq, h)
		}
	}
	g := commitwalk.For(st)
	var out []plumbing.Hash
	for i, a := range uniq {
		redundant := false
		for j, b := range uniq {
			if i == j {
				continue
			}
			anc, err := g.IsAncestor(ctx, a, b)
			if err != nil {
				return nil, err
			}
			if anc {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, a)
		}
	}
	return out, nil
}

// mergeTitle is git's fmt-merge-msg title for heads merged from this
// repository: "Merge branch 'a'", "Merge branches 'a', 'b' and 'c'",
// "Merge branch 'a', tag 'v1' and commit 'x'", then " into <branch>"
// unless the branch is main or master.
func (r *Repository) mergeTitle(heads []MergeHead) string {
	groups := map[string][]string{}
	for _, h := range heads {
		kind := h.Kind
		if kind == "" {
			kind = "branch"
		}
		groups[kind] = append(groups[kind], "'"+h.Name+"'")
	}
	var b strings.Builder
	b.WriteString("Merge ")
	sep := ""
	for _, k := range []struct{ kind, plural string }{
		{"branch", "branches"}, {"remote-tracking branch", "remote-tracking branches"},
		{"tag", "tags"}, {"commit", "commits"},
	} {
		names := groups[k.kind]
		if len(names) == 0 {
			continue
		}
		b.WriteString(sep)
		sep = ", "
		if len(names) == 1 {
			b.WriteString(k.kind + " " + names[0])
			continue
		}
		b.WriteString(k.plural + " " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1])
	}
	if br, err := r.HeadBranch(); err == nil {
		short := br.Short()
		if br == "" {
			short = "HEAD" // detached
		}
		if short != "main" && short != "master" {
			b.WriteString(" into " + short)
		}
	}
	return b.String() + "\n"
}

// runStrategy runs one strategy on the heads, in memory.
func (r *Repository) runStrategy(ctx context.Context, name string, head plumbing.Hash, heads []MergeHead, o MergeOptions) (*strategyResult, error) {
	opt := merge.Options{
		OursName: "HEAD", ConflictStyle: o.ConflictStyle, Favor: o.Favor, NoRenames: o.NoRenames,
		SubmoduleFastForward: r.submoduleFastForward, PathMerge: r.pathMerge,
		DirRenames: r.mergeDirRenames(),
	}
	switch name {
	case StrategyOurs:
		tree, err := r.commitTree(head)
		if err != nil {
			return nil, err
		}
		return &strategyResult{res: &merge.Result{Tree: tree, Clean: true}}, nil
	case StrategyOctopus:
		return r.octopus(ctx, head, heads, opt)
	}
	if len(heads) > 1 {
		// git's two-head strategies refuse an octopus.
		s := &strategyResult{failed: true}
		if name != StrategyResolve {
			s.errOut = []string{"error: Not handling anything other than two heads merge."}
		}
		return s, nil
	}
	opt.TheirsName = heads[0].Name
	switch name {
	case StrategyResolve:
		opt.NoRenames = true
		bases, err := merge.MergeBases(ctx, r.Storer, head, heads[0].Hash)
		if err != nil {
			return nil, err
		}
		if len(bases) == 0 {
			return &strategyResult{failed: true}, nil
		}
		res, _, err := merge.MergeCommits(ctx, r.Storer, head, heads[0].Hash, opt)
		if err != nil {
			return nil, err
		}
		s := &strategyResult{res: res, out: []string{"Trying simple merge."}}
		s.oneFileMessages(res, "Simple merge failed, trying Automatic merge.")
		return s, nil
	case StrategySubtree:
		return r.subtreeMerge(ctx, head, heads[0], opt, o.SubtreeShift)
	}
	if o.SubtreeShift != "" {
		return r.subtreeMerge(ctx, head, heads[0], opt, o.SubtreeShift)
	}
	res, _, err := merge.MergeCommits(ctx, r.Storer, head, heads[0].Hash, opt)
	if err != nil {
		return nil, err
	}
	return &strategyResult{res: res, out: res.Messages}, nil
}

// oneFileMessages prints what git's merge-one-file says for the paths the
// engine had to merge by content, after the strategy's line saying the
// simple (tree-level) merge was not enough.
func (s *strategyResult) oneFileMessages(res *merge.Result, intro string) {
	var out []string
	for _, m := range res.Messages {
		switch {
		case strings.HasPrefix(m, "Auto-merging "):
			out = append(out, m)
		case strings.HasPrefix(m, "CONFLICT (content): Merge conflict in "):
			s.errOut = append(s.errOut, "ERROR: content conflict in "+strings.TrimPrefix(m, "CONFLICT (content): Merge conflict in "))
		case strings.HasPrefix(m, "CONFLICT"):
			out = append(out, m)
		}
	}
	if len(out) > 0 || len(s.errOut) > 0 || len(res.Conflicts) > 0 {
		s.out = append(s.out, intro)
		s.out = append(s.out, out...)
	}
	if len(s.errOut) > 0 {
		s.errOut = append(s.errOut, "fatal: merge program failed")
	}
}

// octopus is git's merge-octopus: the heads are merged one after another
// into the running result; a head the result already contains is
// skipped, a first head that fast-forwards is taken as it is, and only
// the last head may leave conflicts for the user.
func (r *Repository) octopus(ctx context.Context, head plumbing.Hash, heads []MergeHead, opt merge.Options) (*strategyResult, error) {
	s := &strategyResult{}
	if len(heads) < 2 {
		s.failed = true // resolve's job
		return s, nil
	}
	g := commitwalk.For(r.Storer)
	mrc := []plumbing.Hash{head}
	mrt, err := r.commitTree(head)
	if err != nil {
		return nil, err
	}
	nonFF, failure := false, false
	var last *merge.Result
	for _, h := range heads {
		if failure {
			s.out = append(s.out, "Automated merge did not work.", "Should not be doing an octopus.")
			s.failed = true
			return s, nil
		}
		common, err := r.octopusBases(ctx, g, h.Hash, mrc)
		if err != nil {
			return nil, err
		}
		if len(common) == 0 {
			return nil, fmt.Errorf("Unable to find common commit with %s", h.Name)
		}
		if containsHash(common, h.Hash) {
			s.out = append(s.out, "Already up to date with "+h.Name)
			continue
		}
		theirsTree, err := r.commitTree(h.Hash)
		if err != nil {
			return nil, err
		}
		if !nonFF && len(common) == 1 && len(mrc) == 1 && common[0] == mrc[0] {
			s.out = append(s.out, "Fast-forwarding to: "+h.Name)
			mrc, mrt = []plumbing.Hash{h.Hash}, theirsTree
			continue
		}
		nonFF = true
		s.out = append(s.out, "Trying simple merge with "+h.Name)
		baseTree, err := r.commitTree(common[0])
		if err != nil {
			return nil, err
		}
		o := opt
		o.TheirsName = h.Name
		o.NoRenames = true // read-tree and merge-one-file follow no renames
		o.BaseName = common[0].String()[:7]
		res, err := merge.MergeTrees(ctx, r.Storer, baseTree, mrt, theirsTree, o)
		if err != nil {
			return nil, err
		}
		s.oneFileMessages(res, "Simple merge did not work, trying automatic merge.")
		if !res.Clean {
			failure = true
		}
		last = res
		mrc = append(mrc, h.Hash)
		mrt = res.Tree
	}
	if last == nil || last.Tree != mrt {
		last = &merge.Result{Tree: mrt, Clean: true}
	}
	if len(s.errOut) > 0 && !failure {
		s.errOut = nil
	}
	s.res = last
	return s, nil
}

// octopusBases is git merge-base --all one mrc...: the best common
// ancestors of one and any of the commits merged so far.
func (r *Repository) octopusBases(ctx context.Context, g *commitwalk.Walker, one plumbing.Hash, mrc []plumbing.Hash) ([]plumbing.Hash, error) {
	a, err := g.Get(one)
	if err != nil {
		return nil, err
	}
	nodes := make([]*commitwalk.Node, len(mrc))
	for i, h := range mrc {
		if nodes[i], err = g.Get(h); err != nil {
			return nil, err
		}
	}
	b := nodes[0]
	if len(nodes) > 1 {
		b = g.Virtual(plumbing.ZeroHash, nodes...)
	}
	bases, err := g.Bases(ctx, a, b)
	if err != nil {
		return nil, err
	}
	out := make([]plumbing.Hash, len(bases))
	for i, n := range bases {
		out[i] = n.ID
	}
	return out, nil
}

func containsHash(list []plumbing.Hash, h plumbing.Hash) bool {
	for _, x := range list {
		if x == h {
			return true
		}
	}
	return false
}

// allowTrivial is false when a strategy is one git marks NO_TRIVIAL:
// only resolve and octopus let it try an in-index merge first.
func allowTrivial(strategies []string) bool {
	for _, s := range strategies {
		if s != StrategyResolve && s != StrategyOctopus {
			return false
		}
	}
	return true
}

// trivialMerge is git's read_tree_trivial: with a single merge base and
// no path changed differently on both sides, the merge needs no strategy.
// It returns nil (after git's "Nope.") when some path needs merging.
func (r *Repository) trivialMerge(ctx context.Context, head, headTree, theirsTree plumbing.Hash, out *MergeOutcome) (*strategyResult, error) {
	theirs := out.Heads[0].Hash
	bases, err := merge.MergeBases(ctx, r.Storer, head, theirs)
	if err != nil || len(bases) != 1 {
		return nil, err
	}
	baseTree, err := r.commitTree(bases[0])
	if err != nil {
		return nil, err
	}
	out.Messages = append(out.Messages, "Trying really trivial in-index merge...")
	res, err := merge.MergeTrees(ctx, r.Storer, baseTree, headTree, theirsTree, merge.Options{NoRenames: true})
	if err != nil {
		return nil, err
	}
	trivial := res.Clean
	for _, m := range res.Messages {
		if strings.HasPrefix(m, "Auto-merging ") {
			trivial = false
		}
	}
	if !trivial {
		out.Messages = append(out.Messages, "Nope.")
		out.ErrMessages = append(out.ErrMessages, "error: Merge requires file-level merging")
		return nil, nil
	}
	out.Messages = append(out.Messages, "Wonderful.")
	return &strategyResult{res: res}, nil
}
