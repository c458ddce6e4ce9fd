package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"easel.dev/easel/repo/pathspec"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// The work tree is walked once per status: every directory that holds
// tracked files (or may hold untracked ones) is opened exactly once,
// relative to its parent's descriptor and without following symbolic
// links, and everything in it is examined through that descriptor: the
// directory listing for untracked files and fstatat for tracked ones. Path
// lookups stay one component long however deep the tree is, which is most
// of the cost of a status on a large clean tree. Directories are handled
// by a few workers in parallel, each with its own scratch buffers, so the
// walk allocates little beyond the names it reports.

// dirIndex is what the index says about one directory.
type dirIndex struct {
	tracked []int    // indexes into statusWalk.tracked of files directly here
	files   []string // names of indexed files directly here (any stage), sorted
	links   []string // the gitlinks (submodules) among files, sorted
	subdirs []string // names of child directories holding indexed paths, sorted
	visited bool     // the walk opened it (written by one worker, read after the walk)
}

// walkDir is a directory waiting to be examined. fd is its descriptor when
// the parent opened it (one path component to look up), or -1: then it is
// opened from the work tree root by its whole path, which keeps the number
// of open descriptors bounded however wide the tree is.
type walkDir struct {
	path    string
	fd      dirHandle
	rules   *ignoreRules
	ignored bool // the directory itself is excluded
	quiet   bool // reported as untracked already: list only ignored paths inside
}

// maxQueuedFDs bounds the descriptors held by directories waiting in the
// queue (well below the usual limit of 1024 open files).
const maxQueuedFDs = 128

type statusWalk struct {
	r       *Repository
	idx     *index.Index
	opts    StatusOptions
	ps      pathspec.Pathspec
	tracked []*index.Entry
	codes   []byte            // per tracked entry: 0 clean, 'M', 'T', 'D'
	subs    []SubmoduleChange // per tracked entry: how a submodule differs
	dirs    map[string]*dirIndex
	list    bool // report untracked/ignored files at all
	rootFD  dirHandle
	ctx     context.Context

	mu       sync.Mutex
	cond     sync.Cond
	queue    []walkDir // a stack: depth first keeps it short
	pending  int       // directories queued or being examined
	queuedFD int
	found    []untrackedFile
	first    error

	// racyClean counts entries whose stat data matched but were too
	// recent to trust, and proved clean by content.
	racyClean atomic.Int64
}

// walkWorker is one goroutine's reusable scratch space, so that examining
// a directory allocates next to nothing.
type walkWorker struct {
	buf   []byte // directory listing buffer
	names []byte // names of the current directory, back to back
	ents  []direntRef
	fi    statFI
	path  []byte // scratch for building child paths
}

type direntRef struct {
	off, n int32
	isDir  bool
}

// walkStatus compares the tracked entries with the work tree (codes) and,
// when list is set, finds untracked and ignored files.
func (r *Repository) walkStatus(ctx context.Context, idx *index.Index, tracked []*index.Entry, opts StatusOptions, ps pathspec.Pathspec, list bool) ([]byte, []SubmoduleChange, []untrackedFile, int, error) {
	w := &statusWalk{
		r: r, idx: idx, opts: opts, ps: ps, tracked: tracked, list: list, ctx: ctx,
		codes: make([]byte, len(tracked)),
		subs:  make([]SubmoduleChange, len(tracked)),
		dirs:  indexDirs(idx, tracked),
	}
	w.cond.L = &w.mu
	fd, err := openRootDir(r.WorkDir)
	if err != nil {
		return nil, nil, nil, 0, &os.PathError{Op: "open", Path: r.WorkDir, Err: err}
	}
	w.rootFD = fd
	defer closeDir(fd)
	root, err := dupDir(fd)
	if err != nil {
		return nil, nil, nil, 0, &os.PathError{Op: "dup", Path: r.WorkDir, Err: err}
	}
	w.queue = append(w.queue, walkDir{path: "", fd: root, rules: r.baseIgnore()})
	w.pending, w.queuedFD = 1, 1
	var wg sync.WaitGroup
	for i := 1; i < walkWorkers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.work()
		}()
	}
	w.work()
	wg.Wait()
	if w.first == nil {
		w.first = ctx.Err()
	}
	// Tracked files in directories that are gone (or are no longer
	// directories) are deleted.
	for _, d := range w.dirs {
		if !d.visited {
			for _, i := range d.tracked {
				w.codes[i] = 'D'
			}
		}
	}
	return w.codes, w.subs, w.found, int(w.racyClean.Load()), w.first
}

// indexDirs groups the index by directory.
func indexDirs(idx *index.Index, tracked []*index.Entry) map[string]*dirIndex {
	dirs := map[string]*dirIndex{"": {}}
	for _, e := range idx.Entries {
		dir := parentDir(e.Name)
		d := dirs[dir]
		if d == nil {
			d = &dirIndex{}
			dirs[dir] = d
			// Register the new directory with its parents, up to the
			// first one already known.
			for child := dir; child != ""; {
				parent := parentDir(child)
				pd := dirs[parent]
				known := pd != nil
				if !known {
					pd = &dirIndex{}
					dirs[parent] = pd
				}
				pd.subdirs = append(pd.subdirs, child[len(parent)+len("/")*boolInt(parent != ""):])
				if known {
					break
				}
				child = parent
			}
		}
		name := e.Name[len(dir)+len("/")*boolInt(dir != ""):]
		if n := len(d.files); n == 0 || d.files[n-1] != name {
			d.files = append(d.files, name)
		}
		if e.Mode == filemode.Submodule {
			if n := len(d.links); n == 0 || d.links[n-1] != name {
				d.links = append(d.links, name)
			}
		}
	}
	for i, e := range tracked {
		d := dirs[parentDir(e.Name)]
		d.tracked = append(d.tracked, i)
	}
	// "a/b-c/x" sorts before "a/b/x" in the index, so child directories
	// are not necessarily met in name order.
	for _, d := range dirs {
		if !slices.IsSorted(d.subdirs) {
			slices.Sort(d.subdirs)
		}
		if !slices.IsSorted(d.files) {
			slices.Sort(d.files)
		}
		if !slices.IsSorted(d.links) {
			slices.Sort(d.links)
		}
	}
	return dirs
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// hasName reports whether the sorted names hold name, without converting
// name to a string.
func hasName(sorted []string, name []byte) bool {
	lo, hi := 0, len(sorted)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if sorted[m] < string(name) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo < len(sorted) && sorted[lo] == string(name)
}

// work examines queued directories until none is left anywhere.
func (w *statusWalk) work() {
	ww := &walkWorker{buf: make([]byte, 32<<10)}
	w.mu.Lock()
	for {
		for len(w.queue) == 0 && w.pending > 0 {
			w.cond.Wait()
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			return
		}
		d := w.queue[len(w.queue)-1]
		w.queue = w.queue[:len(w.queue)-1]
		if d.fd != noDir {
			w.queuedFD--
		}
		w.mu.Unlock()

		w.visit(ww, d)

		w.mu.Lock()
		w.pending--
		if w.pending == 0 {
			w.cond.Broadcast()
		}
	}
}

// push queues a child directory of parent (open as fd), opening it now
// while few descriptors are held by the queue.
func (w *statusWalk) push(parentFD dirHandle, p, name string, rules *ignoreRules, ignored, quiet bool) {
	d := walkDir{path: p, fd: noDir, rules: rules, ignored: ignored, quiet: quiet}
	w.mu.Lock()
	open := w.queuedFD < maxQueuedFDs
	if open {
		w.queuedFD++ // reserved before opening, so the bound holds
	}
	w.mu.Unlock()
	if open {
		fd, err := openDirAt(parentFD, name)
		if err != nil {
			w.mu.Lock()
			w.queuedFD--
			w.mu.Unlock()
			if !dirGone(err) {
				w.fail(&os.PathError{Op: "open", Path: p, Err: err})
			}
			return
		}
		d.fd = fd
	}
	w.mu.Lock()
	w.queue = append(w.queue, d)
	w.pending++
	w.cond.Signal()
	w.mu.Unlock()
}

func (w *statusWalk) fail(err error) {
	w.mu.Lock()
	if w.first == nil {
		w.first = err
	}
	w.mu.Unlock()
}

func (w *statusWalk) add(p string, code byte) {
	w.mu.Lock()
	w.found = append(w.found, untrackedFile{p, code})
	w.mu.Unlock()
}

func walkJoin(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// visit examines one directory.
func (w *statusWalk) visit(ww *walkWorker, job walkDir) {
	if w.ctx.Err() != nil {
		if job.fd != noDir {
			closeDir(job.fd)
		}
		return
	}
	dir, fd := job.path, job.fd
	if fd == noDir {
		var err error
		fd, err = openDirAt(w.rootFD, dir)
		if err != nil {
			if !dirGone(err) {
				w.fail(&os.PathError{Op: "open", Path: dir, Err: err})
			}
			return
		}
	}
	defer closeDir(fd)
	di := w.dirs[dir]
	if di == nil {
		di = &dirIndex{} // untracked directory listed with -uall
	} else {
		di.visited = true
	}

	// Tracked files in this directory.
	fi := &ww.fi
	for _, i := range di.tracked {
		e := w.tracked[i]
		name := e.Name[len(dir):]
		if dir != "" {
			name = name[1:]
		}
		fi.name = name
		if err := fi.statAt(fd, name); err != nil {
			if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				w.codes[i] = 'D'
				continue
			}
			w.fail(&os.PathError{Op: "lstat", Path: e.Name, Err: err})
			return
		}
		if e.Mode == filemode.Submodule {
			// A gitlink: the submodule's own repository says whether
			// it moved or has changes; its files are not ours.
			if !fi.IsDir() {
				w.codes[i] = 'T'
				continue
			}
			ch, err := w.r.submoduleChange(w.ctx, e.Name, e.Hash)
			if err != nil {
				w.fail(err)
				return
			}
			if ch != 0 {
				w.codes[i], w.subs[i] = 'M', ch
			}
			continue
		}
		if fi.IsDir() {
			w.codes[i] = 'D'
			continue
		}
		var changed bool
		var err error
		matches := statMatches(e, fi)
		racy := isRacy(e, w.idx.ModTime)
		if matches && !racy && (e.Size != 0 || e.Hash == emptyBlob) {
			changed = false // the common case, without building the path
		} else {
			changed, err = w.r.worktreeChanged(filepath.Join(w.r.WorkDir, filepath.FromSlash(e.Name)), e, fi, w.idx.ModTime)
			if err == nil && !changed && matches && racy {
				w.racyClean.Add(1)
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				w.codes[i] = 'D'
				continue
			}
			w.fail(err)
			return
		}
		if changed {
			w.codes[i] = 'M'
			if typeOf(worktreeMode(fi)) != typeOf(e.Mode) {
				w.codes[i] = 'T'
			}
		}
	}

	needList := w.list && (!job.ignored || w.opts.Ignored)
	if !needList && len(di.subdirs) == 0 {
		return
	}
	if err := ww.readDir(fd); err != nil {
		w.fail(&os.PathError{Op: "readdir", Path: dir, Err: err})
		return
	}
	rules := job.rules
	if needList {
		for _, de := range ww.ents {
			if !de.isDir && string(ww.name(de)) == ".gitignore" {
				if data, err := os.ReadFile(filepath.Join(w.r.WorkDir, filepath.FromSlash(walkJoin(dir, ".gitignore")))); err == nil {
					rules = rules.child(dir, data)
				}
				break
			}
		}
	}
	for _, de := range ww.ents {
		nameb := ww.name(de)
		if string(nameb) == ".git" {
			continue
		}
		isDir := de.isDir
		if hasName(di.files, nameb) && (!isDir || hasName(di.links, nameb)) {
			continue // tracked (a file, or a submodule): examined above
		}
		trackedDir := isDir && hasName(di.subdirs, nameb)
		if !needList && !trackedDir {
			continue
		}
		name := string(nameb)
		p := walkJoin(dir, name)
		if trackedDir {
			if !w.ps.MayContain(p) {
				continue
			}
			ign := job.ignored || (needList && rules.ignored(p, true))
			w.push(fd, p, name, rules, ign, false)
			continue
		}
		if isDir {
			if !w.ps.MayContain(p) {
				continue
			}
			if job.ignored || rules.ignored(p, true) {
				switch {
				case !w.opts.Ignored:
				case w.opts.Untracked == UntrackedAll:
					// git lists every file of an ignored directory.
					w.push(fd, p, name, rules, true, job.quiet)
				default:
					w.add(p+"/", '!')
				}
				continue
			}
			if w.opts.Untracked == UntrackedAll {
				if _, err := os.Lstat(filepath.Join(w.r.WorkDir, filepath.FromSlash(p), ".git")); err == nil {
					if !job.quiet {
						w.add(p+"/", '?') // a nested repository stays one entry
					}
					continue
				}
				w.push(fd, p, name, rules, false, job.quiet)
				continue
			}
			has, err := w.r.hasUntrackedFile(p, rules, w.ps)
			if err != nil {
				w.fail(err)
				return
			}
			switch {
			case has:
				// One entry for the directory; with --ignored, git
				// also lists the ignored paths inside it.
				if !job.quiet {
					w.add(p+"/", '?')
				}
				if w.opts.Ignored {
					w.push(fd, p, name, rules, false, true)
				}
			case w.opts.Ignored && dirHasFile(filepath.Join(w.r.WorkDir, filepath.FromSlash(p))):
				// Only ignored files inside: git lists the directory
				// as ignored.
				w.add(p+"/", '!')
			}
			continue
		}
		if !w.ps.Match(p) {
			continue
		}
		if job.ignored || rules.ignored(p, false) {
			if w.opts.Ignored {
				w.add(p, '!')
			}
			continue
		}
		if w.opts.Untracked != UntrackedNo && !job.quiet {
			w.add(p, '?')
		}
	}
}

func (ww *walkWorker) name(d direntRef) []byte { return ww.names[d.off : d.off+d.n] }

// walkWorkers bounds the directories examined at once. More than two buys
// nothing measurable (the work is system calls) and costs scheduler churn.
var walkWorkers = 2

// dirHasFile reports whether a directory holds any file at any depth.
func dirHasFile(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
