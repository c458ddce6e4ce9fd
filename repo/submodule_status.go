package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/gitconfig"
	"easel.dev/easel/repo/pretty"
)

// What status and diff say of submodules follows git's ignore modes:
// "none" reports new commits, modified and untracked content; "untracked"
// leaves untracked content out; "dirty" reports only new commits; "all"
// says nothing of the submodule's work tree.
const (
	SubmoduleIgnoreNone      = "none"
	SubmoduleIgnoreUntracked = "untracked"
	SubmoduleIgnoreDirty     = "dirty"
	SubmoduleIgnoreAll       = "all"
)

// ValidSubmoduleIgnore reports whether mode is one of git's ignore modes.
func ValidSubmoduleIgnore(mode string) bool {
	switch mode {
	case SubmoduleIgnoreNone, SubmoduleIgnoreUntracked, SubmoduleIgnoreDirty, SubmoduleIgnoreAll:
		return true
	}
	return false
}

// gitmodule is one submodule section of .gitmodules.
type gitmodule struct {
	name, ignore string
}

// gitmodulesByPath reads the work tree's .gitmodules, keyed by path, as
// git's submodule config does for status. A missing or unreadable file is
// no submodules.
func (r *Repository) gitmodulesByPath() map[string]gitmodule {
	out := map[string]gitmodule{}
	if r.WorkDir == "" {
		return out
	}
	vals, err := gitconfig.ReadFile(filepath.Join(r.WorkDir, ".gitmodules"), ".gitmodules", "", nil)
	if err != nil {
		return out
	}
	byName := map[string]*gitmodule{}
	paths := map[string]string{}
	for _, v := range vals {
		rest, ok := strings.CutPrefix(v.Key, "submodule.")
		if !ok {
			continue
		}
		i := strings.LastIndexByte(rest, '.')
		if i < 0 {
			continue
		}
		name, key := rest[:i], rest[i+1:]
		m := byName[name]
		if m == nil {
			m = &gitmodule{name: name}
			byName[name] = m
		}
		switch key {
		case "path":
			paths[name] = v.Value
		case "ignore":
			m.ignore = v.Value
		}
	}
	for name, p := range paths {
		out[p] = *byName[name]
	}
	return out
}

// SubmoduleIgnoreMode returns, for the submodules of the index, the
// ignore mode status applies to their work trees: override (the
// command line's --ignore-submodules) when given, else
// submodule.<name>.ignore from the configuration, else from .gitmodules,
// else diff.ignoreSubmodules.
func (r *Repository) SubmoduleIgnoreMode(override string) func(path string) string {
	if override != "" {
		return func(string) string { return override }
	}
	def := SubmoduleIgnoreNone
	if v, ok, _ := r.ConfigGet("diff.ignoreSubmodules"); ok && ValidSubmoduleIgnore(v) {
		def = v
	}
	var mods map[string]gitmodule
	return func(path string) string {
		if mods == nil {
			mods = r.gitmodulesByPath()
		}
		m, ok := mods[path]
		if !ok {
			return def
		}
		if v, ok, _ := r.ConfigGet("submodule." + m.name + ".ignore"); ok && ValidSubmoduleIgnore(v) {
			return v
		}
		if ValidSubmoduleIgnore(m.ignore) {
			return m.ignore
		}
		return def
	}
}

// filterSubmoduleChange applies an ignore mode to what the walk found in
// a submodule's work tree.
func filterSubmoduleChange(c SubmoduleChange, mode string) SubmoduleChange {
	switch mode {
	case SubmoduleIgnoreAll:
		return 0
	case SubmoduleIgnoreDirty:
		return c & SubmoduleNewCommits
	case SubmoduleIgnoreUntracked:
		return c &^ SubmoduleUntracked
	}
	return c
}

// SubmoduleSummary is one submodule of git's "submodule summary" as
// status shows it (status.submoduleSummary): the gitlink before and
// after, and the commits between them.
type SubmoduleSummary struct {
	Path             string
	Status           byte // 'A', 'M', 'D' or 'T'
	SrcMode, DstMode filemode.FileMode
	Src, Dst         plumbing.Hash
	// Total is the number of first-parent commits between Src and Dst;
	// -1 when the submodule's repository is not there to count them.
	Total int
	// Lines are git log's "  > subject" (commits Dst has) and
	// "  < subject" (commits only Src has), newest first.
	Lines []string
	// Missing holds the commits the submodule's repository lacks
	// (then there are no Lines).
	Missing []plumbing.Hash
}

// SubmoduleSummaries is git's "submodule summary --for-status": with
// cached, the gitlinks staged against HEAD (st must be a status with
// Details); otherwise the gitlinks whose submodule has another commit
// checked out than the index records. limit caps the log lines of each
// (0 or less: no cap). Submodules configured with ignore=all are left out
// unless newly added, as git does.
func (r *Repository) SubmoduleSummaries(ctx context.Context, st *Status, cached bool, limit int) ([]SubmoduleSummary, error) {
	var out []SubmoduleSummary
	ignore := r.SubmoduleIgnoreMode("")
	var entries map[string]*index.Entry
	for _, f := range st.Files {
		var s SubmoduleSummary
		s.Path, s.Total = f.Path, -1
		if cached {
			d := f.Details
			if d == nil || f.Staged == ' ' || f.Staged == '?' || f.Staged == '!' || f.Unmerged != "" || f.From != "" {
				continue
			}
			if d.HeadMode != filemode.Submodule && d.IndexMode != filemode.Submodule {
				continue
			}
			s.Status, s.SrcMode, s.DstMode, s.Src, s.Dst = f.Staged, d.HeadMode, d.IndexMode, d.HeadHash, d.IndexHash
		} else {
			if f.Unstaged != 'M' && f.Unstaged != 'D' || f.Unmerged != "" {
				continue
			}
			if f.Unstaged == 'M' && f.Submodule&SubmoduleNewCommits == 0 {
				continue
			}
			if entries == nil {
				idx, err := r.ReadIndex()
				if err != nil {
					return nil, err
				}
				entries = indexEntryMap(idx)
			}
			e := entries[f.Path]
			var err error
			if e == nil || e.Mode != filemode.Submodule {
				continue
			}
			s.Status, s.SrcMode, s.Src = f.Unstaged, e.Mode, e.Hash
			if f.Unstaged == 'M' {
				s.DstMode = filemode.Submodule
				if s.Dst, err = r.submoduleHead(f.Path); err != nil {
					return nil, err
				}
			}
		}
		if s.Status != 'D' && s.Status != 'T' {
			if s.Status != 'A' && ignore(s.Path) == SubmoduleIgnoreAll {
				continue
			}
			if fi, err := os.Stat(filepath.Join(r.WorkDir, filepath.FromSlash(s.Path))); err != nil || !fi.IsDir() {
				continue // git asks the directory for its repository
			}
		}
		if err := r.summarise(&s, limit); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// summarise counts and lists the commits between s.Src and s.Dst in the
// submodule's own repository, as git's submodule summary runs
// "rev-list --first-parent" and "log --first-parent" there.
func (r *Repository) summarise(s *SubmoduleSummary, limit int) error {
	sub, ok, err := r.openSubmodule(s.Path)
	if err != nil || !ok {
		return err
	}
	defer sub.Close()
	has := func(h plumbing.Hash) bool {
		_, err := sub.CommitObject(h)
		return err == nil
	}
	srcLink, dstLink := s.SrcMode == filemode.Submodule, s.DstMode == filemode.Submodule
	if srcLink && !has(s.Src) {
		s.Missing = append(s.Missing, s.Src)
	}
	if dstLink && !has(s.Dst) {
		s.Missing = append(s.Missing, s.Dst)
	}
	if len(s.Missing) > 0 {
		if !srcLink {
			s.Missing = nil // git warns only when the old side was a submodule
		}
		return nil
	}
	switch {
	case srcLink && dstLink:
		left, right, err := sub.firstParentSides(s.Src, s.Dst)
		if err != nil {
			return err
		}
		s.Total = len(left) + len(right)
		all := append(append([]sideCommit{}, left...), right...)
		sort.SliceStable(all, func(i, j int) bool { return all[i].when > all[j].when })
		for i, c := range all {
			if limit > 0 && i == limit {
				break
			}
			s.Lines = append(s.Lines, "  "+c.mark+" "+c.subject)
		}
	case dstLink:
		n, subj, err := sub.firstParentCount(s.Dst)
		if err != nil {
			return err
		}
		s.Total, s.Lines = n, []string{"  > " + subj}
	case srcLink:
		n, subj, err := sub.firstParentCount(s.Src)
		if err != nil {
			return err
		}
		s.Total, s.Lines = n, []string{"  < " + subj}
	}
	return nil
}

type sideCommit struct {
	when          int64
	mark, subject string
}

// firstParentCount is the length of h's first-parent chain and h's
// subject.
func (r *Repository) firstParentCount(h plumbing.Hash) (int, string, error) {
	c, err := r.CommitObject(h)
	if err != nil {
		return 0, "", err
	}
	subject := pretty.Subject(c.Message)
	n := 0
	for {
		n++
		if len(c.ParentHashes) == 0 {
			return n, subject, nil
		}
		if c, err = r.CommitObject(c.ParentHashes[0]); err != nil {
			return 0, "", err
		}
	}
}

// firstParentSides walks "src...dst --first-parent": the commits on each
// tip's first-parent chain that the other tip does not contain.
func (r *Repository) firstParentSides(src, dst plumbing.Hash) (left, right []sideCommit, err error) {
	ancSrc, err := r.ancestorSet(src)
	if err != nil {
		return nil, nil, err
	}
	ancDst, err := r.ancestorSet(dst)
	if err != nil {
		return nil, nil, err
	}
	chain := func(tip plumbing.Hash, other map[plumbing.Hash]bool, mark string) ([]sideCommit, error) {
		var out []sideCommit
		for h := tip; !h.IsZero() && !other[h]; {
			c, err := r.CommitObject(h)
			if err != nil {
				return nil, err
			}
			out = append(out, sideCommit{when: c.Committer.When.Unix(), mark: mark, subject: pretty.Subject(c.Message)})
			h = plumbing.ZeroHash
			if len(c.ParentHashes) > 0 {
				h = c.ParentHashes[0]
			}
		}
		return out, nil
	}
	if left, err = chain(src, ancDst, "<"); err != nil {
		return nil, nil, err
	}
	right, err = chain(dst, ancSrc, ">")
	return left, right, err
}

// ancestorSet is every commit reachable from h, h included.
func (r *Repository) ancestorSet(h plumbing.Hash) (map[plumbing.Hash]bool, error) {
	seen := map[plumbing.Hash]bool{}
	stack := []plumbing.Hash{h}
	for len(stack) > 0 {
		h := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[h] {
			continue
		}
		seen[h] = true
		c, err := r.CommitObject(h)
		if err != nil {
			if errors.Is(err, plumbing.ErrObjectNotFound) {
				continue
			}
			return nil, err
		}
		stack = append(stack, c.ParentHashes...)
	}
	return seen, nil
}
