package cli

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/spf13/cobra"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/gitobj"
	"easel.dev/easel/repo/patch"
	"easel.dev/easel/repo/pathspec"
)

// changeFilter selects the changes shown (git's --diff-filter and the
// pickaxe -S/-G). log shows only the commits that keep at least one.
type changeFilter struct {
	DiffFilter []string
	PickS      string
	PickG      string
	// PickaxeRegex reads -S as a regular expression; PickaxeAll keeps
	// every change of a commit when one of them matches.
	PickaxeRegex, PickaxeAll bool

	statuses map[byte]bool // the letters kept, nil for all
	aon      bool          // "*": all or none
	// explicit: some kind was named in upper case (or "*"). Without it
	// git's log computes no diffs at all and so shows no commit.
	explicit bool
	re       *regexp.Regexp
	settled  bool
}

func (c *changeFilter) addFlags(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&c.DiffFilter, "diff-filter", nil, "only changes of these kinds: A C D M R T U X B, lower case to leave them out")
	fl.StringVarP(&c.PickS, "pickaxe-string", "S", "", "only changes that alter the number of occurrences of `<string>`")
	fl.StringVarP(&c.PickG, "pickaxe-grep", "G", "", "only changes whose added or removed lines match `<regex>`")
	fl.BoolVar(&c.PickaxeRegex, "pickaxe-regex", false, "read -S's string as a regular expression")
	fl.BoolVar(&c.PickaxeAll, "pickaxe-all", false, "show all changes of a commit that -S or -G selects")
	_ = fl.MarkHidden("pickaxe-string")
	_ = fl.MarkHidden("pickaxe-grep")
}

// active says whether any filter was asked for.
func (c *changeFilter) active() bool {
	return len(c.DiffFilter) > 0 || c.PickS != "" || c.PickG != ""
}

// settle reads the filter values as git's diff_opt_diff_filter does: a
// lower-case letter in the first value starts from every kind.
func (c *changeFilter) settle() error {
	if c.settled {
		return nil
	}
	c.settled = true
	// As git's diff_opt_diff_filter and diff_setup_done: upper-case
	// letters of every value are kept, lower-case ones left out, and
	// with none kept explicitly all kinds but those are.
	const all = "ACDMRTUXB"
	include, exclude := map[byte]bool{}, map[byte]bool{}
	for _, v := range c.DiffFilter {
		for j := 0; j < len(v); j++ {
			ch := v[j]
			if ch == '*' {
				c.aon, c.explicit = true, true
				continue
			}
			up := ch &^ 0x20
			if !strings.ContainsRune(all, rune(up)) || ch < 'A' || ch > 'Z' && ch < 'a' {
				return &UsageError{Msg: fmt.Sprintf("unknown change class '%c' in --diff-filter=%s", ch, v)}
			}
			if ch == up {
				include[up], c.explicit = true, true
			} else {
				exclude[up] = true
			}
		}
	}
	if len(c.DiffFilter) > 0 {
		c.statuses = include
		if len(include) == 0 && !c.aon {
			for j := 0; j < len(all); j++ {
				c.statuses[all[j]] = true
			}
		}
		for k := range exclude {
			delete(c.statuses, k)
		}
	}
	switch {
	case c.PickG != "":
		re, err := regexp.Compile(c.PickG)
		if err != nil {
			return &UsageError{Msg: fmt.Sprintf("invalid regex given to -G: '%s'", c.PickG)}
		}
		c.re = re
	case c.PickS != "" && c.PickaxeRegex:
		re, err := regexp.Compile(c.PickS)
		if err != nil {
			return &UsageError{Msg: fmt.Sprintf("invalid regex given to -S: '%s'", c.PickS)}
		}
		c.re = re
	}
	return nil
}

// filter keeps the changes that pass, loading contents for the pickaxe.
func (c *changeFilter) filter(r *repo.Repository, patches []patch.FilePatch, toWorktree bool) ([]patch.FilePatch, error) {
	if !c.active() {
		return patches, nil
	}
	if err := c.settle(); err != nil {
		return nil, err
	}
	if c.PickS != "" || c.PickG != "" {
		// As git's diffcore_pickaxe: without --pickaxe-all only the
		// matching changes stay, with it all of them when one matches.
		var kept []patch.FilePatch
		for i := range patches {
			p := patches[i]
			if r != nil {
				if err := r.LoadPatchText(&p, toWorktree); err != nil {
					return nil, err
				}
			}
			if c.pickaxe(p) {
				kept = append(kept, patches[i])
			}
		}
		if !c.PickaxeAll || len(kept) == 0 {
			patches = kept
		}
	}
	if c.statuses != nil {
		var kept []patch.FilePatch
		for _, p := range patches {
			if c.statuses[p.Status()] {
				kept = append(kept, p)
			}
		}
		if !c.aon || len(kept) == 0 {
			patches = kept
		}
	}
	return patches, nil
}

// pickaxe says whether one change matches -S or -G; binary files never do.
func (c *changeFilter) pickaxe(p patch.FilePatch) bool {
	if p.From.Binary || p.To.Binary || bytes.IndexByte(p.From.Data, 0) >= 0 || bytes.IndexByte(p.To.Data, 0) >= 0 {
		return false
	}
	if c.PickG != "" {
		var b strings.Builder
		if err := patch.WriteUnified(&b, p, patch.Options{Context: 0}); err != nil {
			return false
		}
		for _, l := range strings.Split(b.String(), "\n") {
			if (strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++ ")) || (strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "--- ")) {
				if c.re.MatchString(l[1:]) {
					return true
				}
			}
		}
		return false
	}
	count := func(data []byte) int {
		if c.re != nil {
			return len(c.re.FindAllIndex(data, -1))
		}
		return bytes.Count(data, []byte(c.PickS))
	}
	return count(p.From.Data) != count(p.To.Data)
}

// commitMatches says whether c's changes against its first parent, to
// paths, keep any change through the filter; merges have none, as git
// log shows them without -m.
func (c *changeFilter) commitMatches(ctx context.Context, r *repo.Repository, cm *gitobj.Commit, renames *repo.RenameOptions, paths pathspec.Pathspec) (bool, error) {
	if len(cm.ParentHashes) > 1 || c.PickS == "" && c.PickG == "" && !c.explicit {
		return false, nil
	}
	var parentTree plumbing.Hash
	if len(cm.ParentHashes) == 1 {
		pt, err := r.TreeOf(cm.ParentHashes[0])
		if err != nil {
			return false, err
		}
		parentTree = pt
	}
	patches, err := r.TreeDiff(ctx, parentTree, cm.TreeHash, paths, renames, false)
	if err != nil {
		return false, err
	}
	kept, err := c.filter(r, patches, false)
	return len(kept) > 0, err
}
