package repo

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"easel.dev/easel/repo/pathspec"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/convert"
	"easel.dev/easel/repo/statuswalk"
)

// ErrPathIgnored: a path named explicitly is ignored and was not forced.
var ErrPathIgnored = errors.New("the following paths are ignored by one of your .gitignore files")

// AddOptions modify Add.
type AddOptions struct {
	All    bool // -A: with no paths, the whole work tree
	Update bool // -u: only files already tracked (modified or deleted)
	Force  bool // -f: add ignored files too
	// Renormalize: stage every tracked file afresh through the clean
	// conversion (after a change of .gitattributes), as git add
	// --renormalize: untracked files are left alone.
	Renormalize bool
	// DryRun: work out what would change, store and write nothing.
	DryRun bool
	// IgnoreMissing (with DryRun): a pathspec matching nothing is no
	// error, unless it names an ignored path (then reported as one).
	IgnoreMissing bool
	// Refresh: only refresh the stat data of tracked entries whose
	// content is unchanged; nothing is staged.
	Refresh bool
	// Chmod '+' or '-': after staging, make the regular files the
	// pathspecs match executable or not in the index (never on disk).
	Chmod byte
}

// addFailedError is a path git add cannot add: git's error line, then
// its "adding files failed".
type addFailedError string

func (e addFailedError) Error() string {
	return "error: " + string(e) + "\nfatal: adding files failed"
}

// PlainMessage: the message carries its own prefixes.
func (e addFailedError) PlainMessage() bool { return true }

// AddChange is one path Add staged (or, Removed, dropped).
type AddChange struct {
	Path    string
	Removed bool
}

// IgnoredError: paths named on the command line were ignored (and not
// forced); the others were added all the same, as git does.
type IgnoredError struct{ Paths []string }

func (e *IgnoredError) Error() string {
	return ErrPathIgnored.Error() + ": " + strings.Join(e.Paths, ", ") + " (use -f to add them)"
}

func (e *IgnoredError) Unwrap() error { return ErrPathIgnored }

// AddResult says what Add changed (paths sorted).
type AddResult struct {
	Added   []string // new or modified content staged
	Removed []string // tracked files gone from the work tree, removed from the index
	// Embedded lists repositories inside the work tree, not known as
	// submodules before, that were added as gitlinks (git warns).
	Embedded []string
	// Order is Added and Removed as git reports them: tracked paths in
	// index order first, then new ones.
	Order []AddChange
	// Ignored lists the ignored paths named explicitly, not added (the
	// rest was): git's "paths are ignored" error.
	Ignored []string
	// ChmodRefused lists paths --chmod could not change (not regular
	// files); the others were changed.
	ChmodRefused []string

	refreshed int // entries whose stat data alone was updated
}

// Add stages the work tree's content for paths (repository-relative
// pathspecs; "." is everything), as git add does: new and modified files
// are hashed and stored, deleted tracked files are removed from the index.
// With Update, untracked files are left alone. No paths means the whole
// tree with All or Update, an error otherwise.
func (r *Repository) Add(ctx context.Context, paths []string, opts AddOptions) error {
	res, err := r.AddWithResult(ctx, paths, opts)
	if err == nil && len(res.Ignored) > 0 {
		err = &IgnoredError{Paths: res.Ignored}
	}
	return err
}

// AddWithResult is Add returning what it changed.
func (r *Repository) AddWithResult(ctx context.Context, paths []string, opts AddOptions) (*AddResult, error) {
	if r.WorkDir == "" {
		return nil, ErrBareRepository
	}
	if opts.Renormalize {
		opts.Update = true
		r.contentFilters().renormalize = true
		defer func() { r.filters.renormalize = false }()
	}
	if len(paths) == 0 && !opts.All && !opts.Update {
		return nil, &PathspecError{Msg: "nothing specified, nothing added"}
	}
	for _, p := range paths {
		if p != "." && p != "" {
			if err := checkPathspec(p); err != nil {
				return nil, err
			}
		}
	}
	il, err := r.LockIndex()
	if err != nil {
		return nil, err
	}
	defer il.Rollback()
	done := r.beginAdd()
	res, err := r.stageInto(ctx, il.Index, pathspec.New(paths), true, opts)
	done()
	if err != nil {
		return nil, err
	}
	if opts.DryRun || len(res.Added) == 0 && len(res.Removed) == 0 && res.refreshed == 0 {
		return res, nil
	}
	return res, il.Commit()
}

// checkPathspec refuses pathspecs that leave the work tree or name the
// repository's own directory.
func checkPathspec(p string) error {
	if strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../") {
		return fmt.Errorf("%s: %w: outside repository", p, ErrUnsafePath)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".git" {
			return fmt.Errorf("%s: %w: inside the repository directory", p, ErrUnsafePath)
		}
	}
	return nil
}

type stagedFile struct {
	path string
	fi   os.FileInfo
	old  *index.Entry // nil for a new file
	e    *index.Entry // result
	// isNew: the content is not stored yet.
	isNew bool
	// modeOf is the entry whose mode stands in for what the file
	// system cannot say (core.fileMode, core.symlinks false): old, or
	// for a conflicted path its stage 2 entry, else its first stage.
	modeOf *index.Entry
	// conv is how the content converts on its way in (when hasConv),
	// looked up once for the file.
	conv    convert.Conversion
	hasConv bool
}

// storeWorktreeBlobs stores the contents of the files marked new, once per
// distinct content: in one pack when there are many, loose otherwise.
func (r *Repository) storeWorktreeBlobs(ctx context.Context, work []*stagedFile) error {
	var todo []*stagedFile
	seen := map[plumbing.Hash]bool{}
	for _, w := range work {
		if w.isNew && !seen[w.e.Hash] {
			seen[w.e.Hash] = true
			todo = append(todo, w)
		}
	}
	open := func(w *stagedFile) (io.ReadCloser, int64, error) {
		full := filepath.Join(r.WorkDir, filepath.FromSlash(w.path))
		if w.fi.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(full)
			if err != nil {
				return nil, 0, err
			}
			return io.NopCloser(strings.NewReader(target)), int64(len(target)), nil
		}
		if w.hasConv {
			data, err := r.readWorktreeContent(full)
			if err != nil {
				return nil, 0, err
			}
			return io.NopCloser(bytes.NewReader(data)), int64(len(data)), nil
		}
		f, err := os.Open(full)
		return f, w.fi.Size(), err
	}
	if len(todo) < packThreshold {
		return parallel(ctx, len(todo), func(i int) error {
			w := todo[i]
			rc, size, err := open(w)
			if err != nil {
				return fmt.Errorf("%s: %w", w.path, err)
			}
			defer rc.Close()
			return r.writeLoose(w.e.Hash, func(dst io.Writer) error {
				h := sha1.New()
				dst.Write(objectHeader(plumbing.BlobObject, size))
				h.Write(objectHeader(plumbing.BlobObject, size))
				if _, err := io.CopyN(io.MultiWriter(dst, h), rc, size); err != nil {
					return fmt.Errorf("%s: file changed while being added: %w", w.path, err)
				}
				if !bytes.Equal(h.Sum(nil), w.e.Hash[:]) {
					return fmt.Errorf("%s: file changed while being added", w.path)
				}
				return nil
			})
		})
	}
	pw, err := r.Objects.NewPackWriter(len(todo))
	if err != nil {
		return err
	}
	for _, w := range todo {
		if ctx.Err() != nil {
			pw.Abort()
			return ctx.Err()
		}
		rc, size, err := open(w)
		if err != nil {
			pw.Abort()
			return fmt.Errorf("%s: %w", w.path, err)
		}
		err = pw.Add(w.e.Hash, plumbing.BlobObject, size, rc)
		rc.Close()
		if err != nil {
			pw.Abort()
			return fmt.Errorf("%s: %w", w.path, err)
		}
	}
	_, err = pw.Finish()
	return err
}

// stageInto updates idx from the work tree for the paths ps matches; with
// check, an item that matches nothing is an error, as in git add.
func (r *Repository) stageInto(ctx context.Context, idx *index.Index, ps pathspec.Pathspec, check bool, opts AddOptions) (*AddResult, error) {
	res := &AddResult{}
	var literal []pathspec.Item
	if check {
		literal = ps
	}
	matched := make([]bool, len(literal))
	for i, l := range literal {
		matched[i] = l.IsExclude() // never reported
	}
	markMatched := func(p string) {
		for i, l := range literal {
			if !matched[i] && l.Match(p) {
				matched[i] = true
			}
		}
	}

	var ignoredNamed []string
	// Tracked paths: modified, deleted or conflicted.
	byName := map[string][]*index.Entry{}
	var names []string
	for _, e := range idx.Entries {
		if !ps.Match(e.Name) {
			continue
		}
		if byName[e.Name] == nil {
			names = append(names, e.Name)
		}
		byName[e.Name] = append(byName[e.Name], e)
	}
	var work []*stagedFile
	removed := map[string]bool{}
	fis := make([]os.FileInfo, len(names))
	errs := make([]error, len(names))
	parallel(ctx, len(names), func(i int) error {
		fis[i], errs[i] = os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(names[i])))
		return nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, name := range names {
		markMatched(name)
		ents := byName[name]
		fi, err := fis[i], errs[i]
		gone := err != nil && (errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR))
		if err != nil && !gone {
			return nil, err
		}
		if gone || (fi.IsDir() && ents[0].Mode != filemode.Submodule) || worktreeMode(fi) == 0 {
			if !opts.Renormalize {
				removed[name] = true
			}
			continue
		}
		var cur *index.Entry
		if opts.Refresh && (len(ents) != 1 || ents[0].Stage != 0) {
			continue // refreshing leaves conflicts alone
		}
		if len(ents) == 1 && ents[0].Stage == 0 {
			cur = ents[0]
			if cur.Mode == filemode.Submodule {
				// A submodule is staged at the commit it has checked
				// out, never descended into.
				if e, err := r.gitlinkEntry(name); err != nil {
					return nil, err
				} else if e != nil && e.Hash != cur.Hash {
					work = append(work, &stagedFile{path: name, fi: fi, old: cur, e: e})
				}
				continue
			}
			if statMatches(cur, fi) && !isRacy(cur, idx.ModTime) && cur.Size != 0 && !opts.Renormalize {
				continue // clean by stat data
			}
		}
		modeOf := ents[0]
		for _, e := range ents {
			if e.Stage == 2 {
				modeOf = e
			}
		}
		work = append(work, &stagedFile{path: name, fi: fi, old: cur, modeOf: modeOf})
	}
	if opts.Refresh {
		removed = map[string]bool{}
	}

	// Untracked files.
	if !opts.Update && !opts.Refresh {
		uopts := StatusOptions{Untracked: UntrackedAll, Ignored: opts.Force}
		found, err := r.untracked(ctx, idx, uopts, ps)
		if err != nil {
			return nil, err
		}
		for _, u := range found {
			if dir, ok := strings.CutSuffix(u.Path, "/"); ok {
				// A nested repository is added as a gitlink at its
				// HEAD, as git adds an embedded repository; an
				// ignored directory is not descended.
				if u.Code != '?' || !IsNestedRepository(filepath.Join(r.WorkDir, filepath.FromSlash(dir))) {
					continue
				}
				e, err := r.gitlinkEntry(dir)
				if err != nil {
					return nil, err
				}
				if e == nil {
					return nil, addFailedError(fmt.Sprintf("'%s/' does not have a commit checked out", dir))
				}
				markMatched(dir)
				res.Embedded = append(res.Embedded, dir)
				work = append(work, &stagedFile{path: dir, e: e})
				continue
			}
			if u.Code == '!' && !opts.Force {
				continue
			}
			fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(u.Path)))
			if err != nil {
				continue // vanished meanwhile
			}
			markMatched(u.Path)
			work = append(work, &stagedFile{path: u.Path, fi: fi})
		}
		if r.ConfigBool("core.ignorecase", false) {
			// A literal path that is an indexed file or directory
			// spelt otherwise is neither untracked nor ignored: git
			// leaves it be.
			folded := newFoldedNames(idx)
			for i, l := range literal {
				f := statuswalk.FoldASCII(l.Pattern)
				if !matched[i] && !l.HasWildcard() && (folded.files[f] != "" || folded.dirs[f] != "") {
					matched[i] = true
				}
			}
		}
		// A literal path naming an ignored file is refused, as git does.
		if !opts.Force {
			for i, l := range literal {
				if matched[i] || l.HasWildcard() || l.Pattern == "" {
					continue
				}
				if _, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(l.Pattern))); err == nil {
					ignoredNamed = append(ignoredNamed, l.Pattern)
					matched[i] = true
				}
			}
		}
	}
	for i, l := range literal {
		if !matched[i] && l.Pattern != "" {
			if opts.IgnoreMissing && opts.DryRun {
				// git --ignore-missing: only an ignored path is told.
				if !opts.Force && r.isIgnoredPath(l.Pattern) {
					ignoredNamed = append(ignoredNamed, l.Pattern)
				}
				continue
			}
			return nil, &PathspecError{Pathspec: l.Original}
		}
	}
	res.Ignored = ignoredNamed

	// Files a process filter cleans go first, one by one in path order
	// as git does; the rest are hashed in parallel, then the new contents
	// stored.
	sort.SliceStable(work, func(i, j int) bool { return work[i].path < work[j].path })
	var seq, par []*stagedFile
	for _, w := range work {
		c, ok := r.conversion(w.path)
		w.conv, w.hasConv = c, ok
		if ok && c.Sequential() && w.e == nil {
			seq = append(seq, w)
		} else {
			par = append(par, w)
		}
	}
	for _, w := range seq {
		full := filepath.Join(r.WorkDir, filepath.FromSlash(w.path))
		if err := checkAddPath(w.path); err != nil {
			return nil, err
		}
		write := r.writeWorktreeBlob
		if opts.DryRun || opts.Refresh {
			write = r.hashWorktreeFile
		}
		h, err := write(full, w.fi)
		if err != nil {
			return nil, pathError(w.path, err)
		}
		w.e = &index.Entry{Name: w.path, Hash: h, Mode: worktreeMode(w.fi)}
		fillStat(w.e, w.fi)
	}
	err := parallel(ctx, len(par), func(i int) error {
		w := par[i]
		if err := checkAddPath(w.path); err != nil {
			return err
		}
		if w.e != nil {
			return nil // a gitlink: its commit is the submodule's
		}
		full := filepath.Join(r.WorkDir, filepath.FromSlash(w.path))
		if w.hasConv && w.conv.HasFilter() && w.fi.Mode().IsRegular() && !opts.DryRun && !opts.Refresh {
			// Filtered content is stored as it is hashed, so that a
			// filter (git-lfs) runs once per file; line-ending
			// conversion is cheap enough to do again when storing.
			h, err := r.writeWorktreeBlob(full, w.fi)
			if err != nil {
				return pathError(w.path, err)
			}
			w.e = &index.Entry{Name: w.path, Hash: h, Mode: worktreeMode(w.fi)}
			fillStat(w.e, w.fi)
			return nil
		}
		h, err := r.blobFromFileConv(full, w.path, w.fi, false, w.conv, w.hasConv && w.fi.Mode().IsRegular(), nil)
		if err != nil {
			return pathError(w.path, err)
		}
		e := &index.Entry{Name: w.path, Hash: h, Mode: worktreeMode(w.fi)}
		fillStat(e, w.fi)
		w.e = e
		w.isNew = !r.hasObject(h)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rules := r.modeRules()
	var folded *foldedNames
	if r.ConfigBool("core.ignorecase", false) {
		folded = newFoldedNames(idx)
	}
	for _, w := range work {
		old := filemode.FileMode(0)
		if w.old != nil {
			old = w.old.Mode
		} else if w.modeOf != nil {
			old = w.modeOf.Mode
		}
		w.e.Mode = rules.fromStat(w.e.Mode, old)
	}
	if opts.Refresh {
		// Only entries whose content is unchanged take the new stat
		// data; the rest stay as they are, as git's refresh leaves them.
		kept := work[:0]
		for _, w := range work {
			if w.old != nil && w.e.Hash == w.old.Hash && w.e.Mode == w.old.Mode {
				kept = append(kept, w)
			}
		}
		work = kept
	}
	if !opts.DryRun && !opts.Refresh {
		if err := r.storeWorktreeBlobs(ctx, work); err != nil {
			return nil, err
		}
	}
	if folded != nil {
		// A new file goes into the directories the index has, spelt as
		// the index spells them (git's adjust_dirname_case); its file
		// was read above by the name it has on disk.
		for _, w := range work {
			if w.old == nil {
				w.path = folded.adjustDirs(w.path)
				w.e.Name = w.path
			}
		}
	}

	// Merge the results into the index.
	replace := make(map[string]*index.Entry, len(work))
	for _, w := range work {
		replace[w.path] = w.e
		if w.old == nil || w.old.Hash != w.e.Hash || w.old.Mode != w.e.Mode {
			res.Added = append(res.Added, w.path)
		} else {
			res.refreshed++
		}
	}
	newDirs := map[string]bool{}
	for p := range replace {
		for d := parentDir(p); d != ""; d = parentDir(d) {
			newDirs[d] = true
		}
	}
	out := idx.Entries[:0]
	for _, e := range idx.Entries {
		switch {
		case removed[e.Name]:
			continue
		case replace[e.Name] != nil:
			continue
		case newDirs[e.Name]:
			continue // a file replaced by a directory
		}
		if replace[dirPrefixIn(e.Name, replace)] != nil {
			continue // a directory replaced by a file
		}
		out = append(out, e)
	}
	idx.Entries = out
	for _, w := range work {
		idx.Entries = append(idx.Entries, w.e)
		markFresh(idx, w.e)
	}
	for p := range removed {
		res.Removed = append(res.Removed, p)
	}
	added := make(map[string]bool, len(res.Added))
	for _, p := range res.Added {
		added[p] = true
	}
	for _, name := range names {
		switch {
		case removed[name]:
			res.Order = append(res.Order, AddChange{Path: name, Removed: true})
		case added[name]:
			res.Order = append(res.Order, AddChange{Path: name})
			delete(added, name)
		}
	}
	for _, p := range res.Added {
		if added[p] {
			res.Order = append(res.Order, AddChange{Path: p})
		}
	}
	sort.Strings(res.Added)
	sort.Strings(res.Removed)
	sortIndex(idx)
	if opts.Chmod != 0 && len(ps) > 0 {
		r.chmodEntries(idx, ps, opts.Chmod, opts.DryRun, res)
	}
	return res, nil
}

// chmodEntries is git add --chmod: every stage-0 entry ps matches gets
// the executable bit set ('+') or cleared ('-') in the index; entries
// that are not regular files are listed as refused.
func (r *Repository) chmodEntries(idx *index.Index, ps pathspec.Pathspec, op byte, dryRun bool, res *AddResult) {
	for _, e := range idx.Entries {
		if e.Stage != 0 || !ps.Match(e.Name) {
			continue
		}
		if e.Mode != filemode.Regular && e.Mode != filemode.Executable {
			res.ChmodRefused = append(res.ChmodRefused, e.Name)
			continue
		}
		want := filemode.Regular
		if op == '+' {
			want = filemode.Executable
		}
		if dryRun || e.Mode == want {
			continue
		}
		e.Mode = want
		res.refreshed++ // the index changed
	}
}

// isIgnoredPath reports whether the ignore rules exclude path (or one
// of its leading directories), whether or not it exists.
func (r *Repository) isIgnoredPath(path string) bool {
	rules := r.baseIgnore()
	parts := strings.Split(path, "/")
	for i := range parts {
		dir := strings.Join(parts[:i], "/")
		if data, err := os.ReadFile(filepath.Join(r.WorkDir, filepath.FromSlash(dir), ".gitignore")); err == nil {
			rules = rules.child(dir, data)
		}
		sub := strings.Join(parts[:i+1], "/")
		if rules.ignored(sub, i < len(parts)-1) {
			return true
		}
	}
	return false
}

// dirPrefixIn returns the leading directory of p that is a key of m, or "".
func dirPrefixIn(p string, m map[string]*index.Entry) string {
	for d := parentDir(p); d != ""; d = parentDir(d) {
		if m[d] != nil {
			return d
		}
	}
	return ""
}

// checkAddPath refuses to record a path git would reject in a tree.
func checkAddPath(p string) error {
	if err := checkPathspec(p); err != nil {
		return err
	}
	for _, part := range strings.Split(p, "/") {
		if part == "" || part == "." || part == ".." || strings.EqualFold(part, ".git") {
			return fmt.Errorf("%s: %w", p, ErrUnsafePath)
		}
	}
	return nil
}

// pathError prefixes an error with the path it concerns, unless it is a
// conversion's own message, which names the path as git's does.
func pathError(path string, err error) error {
	var ce *convert.Error
	if errors.As(err, &ce) {
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}

// foldedNames maps the index's paths folded by statuswalk.FoldASCII to
// their spelling in the index (core.ignoreCase): files and the
// directories holding them.
type foldedNames struct {
	files, dirs map[string]string
}

func newFoldedNames(idx *index.Index) *foldedNames {
	f := &foldedNames{files: make(map[string]string, len(idx.Entries)), dirs: map[string]string{}}
	for _, e := range idx.Entries {
		f.files[statuswalk.FoldASCII(e.Name)] = e.Name
		for d := parentDir(e.Name); d != ""; d = parentDir(d) {
			fd := statuswalk.FoldASCII(d)
			if _, ok := f.dirs[fd]; ok {
				break
			}
			f.dirs[fd] = d
		}
	}
	return f
}

// adjustDirs respells the leading directories of p that the index has
// under another case as the index has them.
func (f *foldedNames) adjustDirs(p string) string {
	dir := parentDir(p)
	for d := dir; d != ""; d = parentDir(d) {
		if spelt, ok := f.dirs[statuswalk.FoldASCII(d)]; ok {
			return spelt + p[len(d):]
		}
	}
	return p
}
