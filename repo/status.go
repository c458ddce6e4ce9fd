package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/merge/rename"
	"easel.dev/easel/repo/pathspec"
	"easel.dev/easel/repo/statuswalk"
)

// FileStatus is one path's state, in git's porcelain XY codes: Staged is
// HEAD against the index, Unstaged the index against the work tree
// (' ', 'M', 'A', 'D', 'R', 'T' for a type change, '?' untracked, '!'
// ignored, 'U' on a conflicted side). Unmerged names the conflict kind.
type FileStatus struct {
	Path     string
	From     string // for a staged rename: the old path
	Staged   byte
	Unstaged byte
	Unmerged string
	// Submodule says how a submodule's work tree differs from its
	// gitlink when Unstaged is 'M' on one.
	Submodule SubmoduleChange
	// Details, filled when StatusOptions.Details asks (for git's
	// porcelain v2): modes and ids on each side, the rename score in
	// percent, and for conflicts the three stages.
	Details *StatusDetails
}

// StatusDetails are the columns of git's porcelain v2 lines. A side where
// the path is absent has mode 0 and the zero id.
type StatusDetails struct {
	HeadMode, IndexMode, WorkMode filemode.FileMode
	HeadHash, IndexHash           plumbing.Hash
	Score                         int
	StageModes                    [3]filemode.FileMode
	StageHashes                   [3]plumbing.Hash
}

// Status is the state of the whole work tree.
type Status struct {
	Branch string        // current branch short name; "" when detached
	Head   plumbing.Hash // zero on an unborn branch
	Files  []FileStatus  // sorted by path
	// Sparse is the line git's long status gives a sparse checkout
	// ("You are in a sparse checkout..."); "" outside one.
	Sparse string
}

// UntrackedMode says how untracked files are listed.
type UntrackedMode string

const (
	UntrackedNormal UntrackedMode = ""    // files, and untracked directories collapsed to "dir/"
	UntrackedNo     UntrackedMode = "no"  // not at all
	UntrackedAll    UntrackedMode = "all" // every file
)

// StatusOptions selects what Status reports.
type StatusOptions struct {
	Untracked UntrackedMode
	Ignored   bool     // also list ignored files ('!')
	Paths     []string // limit to these (repository-relative) pathspecs
	// Details fills FileStatus.Details of tracked paths.
	Details bool
	// IgnoreSubmodules is --ignore-submodules: "none", "untracked",
	// "dirty" or "all" for every submodule; "" takes each submodule's
	// configured mode (submodule.<name>.ignore, .gitmodules,
	// diff.ignoreSubmodules).
	IgnoreSubmodules string
}

// Clean reports whether nothing is staged, modified or conflicted
// (untracked and ignored files do not count).
func (s *Status) Clean() bool {
	for _, f := range s.Files {
		if f.Staged != '?' && f.Staged != '!' {
			return false
		}
	}
	return true
}

// HasStaged reports whether a commit would record anything.
func (s *Status) HasStaged() bool {
	for _, f := range s.Files {
		if f.Staged != ' ' && f.Staged != '?' && f.Staged != '!' {
			return true
		}
	}
	return false
}

// unmergedKinds maps which stages exist (bit 0: base, 1: ours, 2: theirs)
// to git's description and XY code. An array rather than a map: static
// data, with nothing to build when the program starts.
var unmergedKinds = [8]struct {
	kind string
	xy   string
}{
	7: {"both modified", "UU"},
	3: {"deleted by them", "UD"},
	5: {"deleted by us", "DU"},
	6: {"both added", "AA"},
	2: {"added by us", "AU"},
	4: {"added by them", "UA"},
	1: {"both deleted", "DD"},
}

// Status compares HEAD, the index and the work tree. It trusts the stat data
// in the index as git does and rehashes only files whose stat data changed
// or which are racily clean; it does not write the index.
func (r *Repository) Status(ctx context.Context, opts StatusOptions) (*Status, error) {
	if r.WorkDir == "" {
		return nil, ErrBareRepository
	}
	// Everything status allocates is proportional to the index and dies
	// with it; collecting garbage along the way only costs time.
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	st := &Status{}
	if b, err := r.HeadBranch(); err == nil {
		st.Branch = b.Short()
	}
	head, err := r.Head()
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	st.Head = head
	idx, idxRead, err := r.ReadIndexStamped()
	if err != nil {
		return nil, err
	}
	forms := r.indexForms()
	st.Sparse = r.sparseCheckoutLine(idx, forms)
	// core.splitIndex asks for the other form than the index has: git
	// status writes the index in it.
	reform := forms.splitSet && forms.split != stateOf(idx).split
	ps := pathspec.New(opts.Paths)
	files := map[string]*FileStatus{}
	get := func(p string) *FileStatus {
		f := files[p]
		if f == nil {
			f = &FileStatus{Path: p, Staged: ' ', Unstaged: ' '}
			files[p] = f
		}
		return f
	}

	// Conflicts.
	stages := map[string]int{}
	for _, e := range idx.Entries {
		if e.Stage != 0 {
			stages[e.Name] |= 1 << (e.Stage - 1)
		}
	}
	for p, bits := range stages {
		if !ps.Match(p) {
			continue
		}
		k := unmergedKinds[bits]
		f := get(p)
		f.Unmerged, f.Staged, f.Unstaged = k.kind, k.xy[0], k.xy[1]
	}

	// HEAD against the index.
	headTree, err := r.commitTree(head)
	if err != nil {
		return nil, err
	}
	// When git's cache-tree in the index file says the entries make
	// HEAD's tree, nothing is staged and the index need not be hashed
	// into trees (as git status does).
	var changes []treeChange
	if root, ok := cachedTreeRoot(idx); !ok || root != headTree {
		it, err := r.buildIndexTrees(idx, false)
		if err != nil {
			return nil, err
		}
		changes, err = diffTrees(ctx, headTree, r.storedSource(), it.hash[""], it.source(), ps)
		if err != nil {
			return nil, err
		}
	}
	renamedFrom, err := r.stagedRenames(changes, stages, ps)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if stages[c.path] != 0 || !ps.Match(c.path) {
			continue
		}
		if opts.IgnoreSubmodules == SubmoduleIgnoreAll && (c.fromMode == filemode.Submodule || c.toMode == filemode.Submodule) {
			// Only the command line hides staged gitlinks: git shows
			// them whatever the configuration says, so that a staged
			// submodule is never committed unseen.
			continue
		}
		f := get(c.path)
		if from, ok := renamedFrom[c.path]; ok {
			f.Staged, f.From = 'R', from.path
			continue
		}
		switch {
		case c.fromMode == 0:
			f.Staged = 'A'
		case c.toMode == 0:
			f.Staged = 'D'
		case typeOf(c.fromMode) != typeOf(c.toMode):
			f.Staged = 'T'
		default:
			f.Staged = 'M'
		}
	}
	for _, e := range idx.Entries {
		if e.IntentToAdd && e.Stage == 0 && ps.Match(e.Name) {
			get(e.Name).Unstaged = 'A'
		}
	}

	// The index against the work tree.
	tracked := make([]*index.Entry, 0, len(idx.Entries))
	for _, e := range idx.Entries {
		if e.Stage == 0 && !e.IntentToAdd && !e.SkipWorktree && ps.Match(e.Name) {
			tracked = append(tracked, e)
		}
	}
	// git lists neither untracked nor ignored files with -uno, even with --ignored.
	list := opts.Untracked != UntrackedNo
	res, err := r.walkStatus(ctx, idx, tracked, opts, ps, list)
	if err != nil {
		return nil, err
	}
	if res.RacyClean > 0 || len(res.Refresh) > 0 || reform {
		// As git status does: write the index again with the stat data
		// of files that proved clean, so that entries too recent to
		// trust stop being so and the next status need not read those
		// files. Skipped when another process holds the index; failing
		// changes nothing.
		clean := make([]*index.Entry, len(res.Refresh))
		fis := make([]os.FileInfo, len(res.Refresh))
		for i, f := range res.Refresh {
			clean[i], fis[i] = tracked[f.Entry], f.FI
		}
		r.refreshReadIndex(idx, idxRead, clean, fis)
	}
	ignoreMode := r.SubmoduleIgnoreMode(opts.IgnoreSubmodules)
	for i, c := range res.Codes {
		if c == 0 {
			continue
		}
		sub := SubmoduleChange(res.Subs[i])
		if tracked[i].Mode == filemode.Submodule && c == 'M' && sub != 0 {
			if opts.Untracked == UntrackedNo {
				// As git: -uno does not look for untracked files in
				// submodules either.
				sub &^= SubmoduleUntracked
			}
			if sub = filterSubmoduleChange(sub, ignoreMode(tracked[i].Name)); sub == 0 {
				continue
			}
		}
		if c == 'T' && tracked[i].Mode != filemode.Submodule {
			if _, ok := r.nestedRepoHead(tracked[i].Name); ok {
				// A file became a repository: its commit is new
				// to the index (git's "SC.." in porcelain v2).
				sub = SubmoduleNewCommits
			}
		}
		f := get(tracked[i].Name)
		f.Unstaged, f.Submodule = c, sub
	}

	// Untracked and ignored files.
	var extra []FileStatus
	{
		for _, u := range res.Found {
			if files[u.Path] != nil {
				// A staged deletion with a new untracked file in its
				// place: git lists both.
				extra = append(extra, FileStatus{Path: u.Path, Staged: u.Code, Unstaged: u.Code})
				continue
			}
			files[u.Path] = &FileStatus{Path: u.Path, Staged: u.Code, Unstaged: u.Code}
		}
	}

	for _, p := range renamedFrom {
		if f := files[p.path]; f != nil && f.Staged == 'D' {
			delete(files, p.path)
		}
	}
	if opts.Details {
		r.statusDetails(idx, files, changes, renamedFrom)
	}
	st.Files = make([]FileStatus, 0, len(files))
	for _, f := range files {
		if f.Staged == ' ' && f.Unstaged == ' ' {
			continue
		}
		st.Files = append(st.Files, *f)
	}
	st.Files = append(st.Files, extra...)
	sort.SliceStable(st.Files, func(i, j int) bool { return st.Files[i].Path < st.Files[j].Path })
	return st, nil
}

// stagedRenames pairs the staged deletions and additions among changes as
// git status does (status.renames and diff.renames, their limits),
// returning the old path of each renamed new one.
func (r *Repository) stagedRenames(changes []treeChange, stages map[string]int, ps pathspec.Pathspec) (map[string]renamedPath, error) {
	var srcs, dsts []rename.File
	for _, c := range changes {
		if stages[c.path] != 0 || !ps.Match(c.path) {
			continue
		}
		switch {
		case c.toMode == 0:
			srcs = append(srcs, rename.File{Path: c.path, Hash: c.from, Mode: c.fromMode})
		case c.fromMode == 0:
			dsts = append(dsts, rename.File{Path: c.path, Hash: c.to, Mode: c.toMode})
		}
	}
	if len(srcs) == 0 || len(dsts) == 0 {
		return nil, nil
	}
	o := r.RenameConfig("status")
	if o.Off {
		return nil, nil
	}
	pairs, err := r.findRenames(srcs, dsts, o, false)
	if err != nil {
		return nil, err
	}
	out := make(map[string]renamedPath, len(pairs))
	for _, p := range pairs {
		out[dsts[p.Dst].Path] = renamedPath{srcs[p.Src].Path, rename.Percent(p.Score)}
	}
	return out, nil
}

// renamedPath is the old path of a staged rename and its similarity.
type renamedPath struct {
	path  string
	score int
}

// statusDetails fills the Details of the tracked entries of files as
// git's porcelain v2 prints them: a side that did not change shows the
// columns of the side it equals (HEAD the index's, the work tree the
// index's mode).
func (r *Repository) statusDetails(idx *index.Index, files map[string]*FileStatus, changes []treeChange, renamed map[string]renamedPath) {
	for _, f := range files {
		if f.Staged != '?' && f.Staged != '!' {
			f.Details = &StatusDetails{}
		}
	}
	for _, e := range idx.Entries {
		f := files[e.Name]
		if f == nil || f.Details == nil {
			continue
		}
		d := f.Details
		switch {
		case e.Stage != 0:
			d.StageModes[e.Stage-1], d.StageHashes[e.Stage-1] = e.Mode, e.Hash
		case !e.IntentToAdd:
			d.IndexMode, d.IndexHash = e.Mode, e.Hash
		}
	}
	byPath := make(map[string]*treeChange, len(changes))
	for i := range changes {
		byPath[changes[i].path] = &changes[i]
	}
	for _, f := range files {
		d := f.Details
		if d == nil {
			continue
		}
		if f.Unmerged != "" {
			// git prints the work tree's mode of a conflicted path.
			d.WorkMode = r.worktreeMode(f.Path, d.StageModes[1])
			continue
		}
		if f.Staged == ' ' {
			d.HeadMode, d.HeadHash = d.IndexMode, d.IndexHash
		} else {
			from := f.Path
			if rn, ok := renamed[f.Path]; ok {
				from, d.Score = rn.path, rn.score
			}
			if c := byPath[from]; c != nil {
				d.HeadMode, d.HeadHash = c.fromMode, c.from
			}
		}
		switch f.Unstaged {
		case ' ':
			d.WorkMode = d.IndexMode
		case 'D':
		default:
			d.WorkMode = r.worktreeMode(f.Path, d.IndexMode)
		}
	}
}

// worktreeMode is the mode git records for the file at p: a symbolic link,
// a gitlink for a directory, otherwise a regular file, executable when
// its bits say so and core.fileMode trusts them (else like the index's).
func (r *Repository) worktreeMode(p string, indexMode filemode.FileMode) filemode.FileMode {
	fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(p)))
	if err != nil {
		return 0
	}
	if fi.IsDir() {
		return filemode.Submodule
	}
	return r.modeRules().fromStat(worktreeMode(fi), indexMode)
}

func typeOf(m filemode.FileMode) int { return statuswalk.TypeOf(m) }

// untracked lists untracked (and with opts.Ignored, ignored) files.
func (r *Repository) untracked(ctx context.Context, idx *index.Index, opts StatusOptions, ps pathspec.Pathspec) ([]statuswalk.Found, error) {
	res, err := r.walkStatus(ctx, idx, nil, opts, ps, true)
	return res.Found, err
}

// walkStatus compares the tracked entries with the work tree and, when
// list is set, finds untracked and ignored files (see statuswalk).
func (r *Repository) walkStatus(ctx context.Context, idx *index.Index, tracked []*index.Entry, opts StatusOptions, ps pathspec.Pathspec, list bool) (statuswalk.Result, error) {
	u := statuswalk.UntrackedNormal
	switch opts.Untracked {
	case UntrackedNo:
		u = statuswalk.UntrackedNo
	case UntrackedAll:
		u = statuswalk.UntrackedAll
	}
	mr := r.modeRules()
	return statuswalk.Walk(ctx, idx, tracked, statuswalk.Options{
		WorkDir: r.WorkDir, Untracked: u, Ignored: opts.Ignored,
		Rules: walkRules{r.baseIgnore()}, Pathspec: ps,
		Changed: func(full string, e *index.Entry, fi os.FileInfo, indexTime time.Time) (bool, error) {
			return r.worktreeChangedBy(mr, full, e, fi, indexTime)
		},
		Submodule: func(ctx context.Context, path string, want plumbing.Hash) (uint8, error) {
			ch, err := r.submoduleChange(ctx, path, want)
			return uint8(ch), err
		},
		IsRepo:     func(path string) bool { _, ok := r.nestedRepoHead(path); return ok },
		Trust:      statuswalk.Trust{NoSymlinks: !mr.symlinks, NoFileMode: !mr.filemode},
		IgnoreCase: r.ConfigBool("core.ignorecase", false),
		Precompose: r.PrecomposeUnicode(),
		InOrder:    r.hasProcessFilter(),
	}, list)
}

// walkRules gives the walk the ignore rules.
type walkRules struct{ *ignoreRules }

func (w walkRules) Child(dir string, data []byte) statuswalk.Rules {
	return walkRules{w.ignoreRules.child(dir, data)}
}

// Ignored is asked of paths whose leading directories the walk has found
// not excluded (it does not ask inside an excluded one).
func (w walkRules) Ignored(path string, isDir bool) bool { return w.ignoreRules.match(path, isDir) }
