// Package statuswalk compares the index with the work tree for status:
// one walk of the file system that finds the tracked files whose stat data
// or content changed and, on request, the untracked and ignored ones. The
// status porcelain (what to print, HEAD against the index) stays with the
// repository; this package only looks at files.
package statuswalk

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"easel.dev/easel/repo/pathspec"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
)

// Rules are the ignore rules in force in one directory.
type Rules interface {
	// Child returns the rules for directory dir (slash path) given the
	// contents of its .gitignore file.
	Child(dir string, data []byte) Rules
	// Ignored reports whether path (slash path from the top) is excluded.
	Ignored(path string, isDir bool) bool
}

// Untracked says how untracked files are listed.
type Untracked int

const (
	UntrackedNormal Untracked = iota // files, and untracked directories collapsed to "dir/"
	UntrackedNo                      // not at all
	UntrackedAll                     // every file
)

// Options is what a walk needs from the repository.
type Options struct {
	WorkDir   string
	Untracked Untracked
	Ignored   bool // also list ignored files ('!')
	Rules     Rules
	Pathspec  pathspec.Pathspec
	// Changed reports whether the work tree file full differs from the
	// entry, for entries whose stat data cannot vouch for them.
	Changed func(full string, e *index.Entry, fi os.FileInfo, indexTime time.Time) (bool, error)
	// Submodule says how the submodule at path differs from the gitlink
	// want (0: not at all); the caller's own flags.
	Submodule func(ctx context.Context, path string, want plumbing.Hash) (uint8, error)
	// IsRepo reports whether the directory at path, where the index has
	// a file, is a repository with a commit checked out: git reports a
	// type change to a gitlink there, not a deletion. Nil: never.
	IsRepo func(path string) bool
	// Trust is what lstat's mode bits are trusted for (core.symlinks,
	// core.fileMode).
	Trust Trust
	// IgnoreCase is core.ignoreCase: a file or directory whose name
	// differs from an indexed one only by case is that one, not an
	// untracked path (git's index_file_exists and
	// directory_exists_in_index with icase).
	IgnoreCase bool
	// Precompose is core.precomposeUnicode: names read from directories
	// are composed (NFC) before they are compared with the index or
	// reported.
	Precompose bool
	// InOrder: files are compared by content one at a time in index
	// order (a long-running filter process is configured, whose answers
	// may depend on what it was asked before).
	InOrder bool
}

// FoldASCII lowers ASCII letters, the case folding of git's name hash
// and of its case-insensitive comparisons.
func FoldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// foldedIndex holds the index's paths folded by FoldASCII: files (any
// stage) and the directories that hold them.
type foldedIndex struct {
	files, dirs map[string]bool
}

func newFoldedIndex(idx *index.Index) *foldedIndex {
	f := &foldedIndex{files: make(map[string]bool, len(idx.Entries)), dirs: map[string]bool{}}
	for _, e := range idx.Entries {
		n := FoldASCII(e.Name)
		f.files[n] = true
		for d := parentDir(n); d != "" && !f.dirs[d]; d = parentDir(d) {
			f.dirs[d] = true
		}
	}
	return f
}

// Trust says which of lstat's mode bits git believes: with
// core.fileMode=false the executable bit means nothing, and with
// core.symlinks=false a tracked symbolic link is a plain file holding its
// target.
type Trust struct {
	NoSymlinks bool
	NoFileMode bool
}

// Mode is the mode git records for a file whose lstat says fi when the
// index has old (git's ce_mode_from_stat).
func (t Trust) Mode(fi os.FileInfo, old filemode.FileMode) filemode.FileMode {
	m := Mode(fi)
	if m != filemode.Regular && m != filemode.Executable {
		return m
	}
	if t.NoSymlinks && old == filemode.Symlink {
		return old
	}
	if t.NoFileMode {
		if old == filemode.Regular || old == filemode.Executable {
			return old
		}
		return filemode.Regular
	}
	return m
}

// StatMatches is StatMatches with the entry's type and executable bit
// compared as git's ie_match_stat does under these rules.
func (t Trust) StatMatches(e *index.Entry, fi os.FileInfo) bool {
	if t == (Trust{}) {
		return StatMatches(e, fi)
	}
	if e.Mode != filemode.Submodule && t.Mode(fi, e.Mode) != e.Mode {
		return false
	}
	return statMatches(e, fi, false)
}

// Found is an untracked ('?') or ignored ('!') path; directories end in "/".
type Found struct {
	Path string
	Code byte
}

// Result is what a walk found.
type Result struct {
	Codes     []byte  // per tracked entry: 0 clean, 'M', 'T', 'D'
	Subs      []uint8 // per tracked entry: how a submodule differs
	Found     []Found
	RacyClean int // entries too recent to trust by stat data that proved clean
	// Refresh are the entries whose stat data changed but whose content
	// proved clean, with the stat data found: git status records it in
	// the index so that the next status trusts it again.
	Refresh []Refresh
}

// Refresh is a clean entry (an index into the tracked entries) and its
// file's current stat data.
type Refresh struct {
	Entry int
	FI    os.FileInfo
}

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
	rules   Rules
	ignored bool // the directory itself is excluded
	quiet   bool // reported as untracked already: list only ignored paths inside
}

// maxQueuedFDs bounds the descriptors held by directories waiting in the
// queue (well below the usual limit of 1024 open files).
const maxQueuedFDs = 128

type statusWalk struct {
	idx     *index.Index
	opts    Options
	ps      pathspec.Pathspec
	tracked []*index.Entry
	codes   []byte  // per tracked entry: 0 clean, 'M', 'T', 'D'
	subs    []uint8 // per tracked entry: how a submodule differs
	dirs    map[string]*dirIndex
	folded  *foldedIndex // with IgnoreCase
	list    bool         // report untracked/ignored files at all
	rootFD  dirHandle
	ctx     context.Context

	mu       sync.Mutex
	cond     sync.Cond
	queue    []walkDir // a stack: depth first keeps it short
	pending  int       // directories queued or being examined
	queuedFD int
	found    []Found
	first    error

	// byContent are the entries whose stat data cannot vouch for them.
	byContent []contentCheck

	// racyClean counts entries whose stat data matched but were too
	// recent to trust, and proved clean by content.
	racyClean int
	refresh   []Refresh
}

// contentCheck is a tracked entry to compare by content, with the stat
// data the walk found for its file.
type contentCheck struct {
	entry   int
	fi      os.FileInfo
	outcome contentOutcome // set by compareOne
}

// contentOutcome is what comparing by content found besides a change.
type contentOutcome uint8

const (
	contentSettled   contentOutcome = iota // changed, or clean with nothing to record
	contentRefresh                         // clean, stat data to record
	contentRacyClean                       // clean, stat data matched but too recent to trust
)

// compareContents compares the entries the walk could not settle by stat
// data with their files. With InOrder they are compared one at a time in
// index order as git refreshes them: a filter process is one process for
// the whole command, and what it is asked (and whether it gave up half
// way) must not depend on which directory a worker reached first.
// Otherwise each file's reading, conversion and hashing stands alone, and
// a few goroutines share the work; the results are gathered in index
// order all the same.
func (w *statusWalk) compareContents() error {
	slices.SortFunc(w.byContent, func(a, b contentCheck) int { return a.entry - b.entry })
	n := len(w.byContent)
	workers := min(contentWorkers(), (n+contentChunk-1)/contentChunk)
	if w.opts.InOrder || workers < 2 {
		for i := range w.byContent {
			if err := w.compareOne(i); err != nil {
				return err
			}
		}
		return w.gatherContents()
	}
	var (
		next    atomic.Int64
		wg      sync.WaitGroup
		errMu   sync.Mutex
		errAt   = n
		firstEr error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				start := int(next.Add(contentChunk)) - contentChunk
				if start >= n {
					return
				}
				for i := start; i < min(start+contentChunk, n); i++ {
					if err := w.compareOne(i); err != nil {
						errMu.Lock()
						if i < errAt {
							errAt, firstEr = i, err
						}
						errMu.Unlock()
						next.Store(int64(n)) // stop handing out work
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if firstEr != nil {
		return firstEr
	}
	return w.gatherContents()
}

// contentChunk is how many consecutive entries a worker takes at once:
// enough to keep the hand-over cheap, few enough to share a small tree.
const contentChunk = 32

// contentWorkers is how many goroutines compare contents: one per
// processor the runtime may use, at most four (reading and hashing small
// files gains nothing from more).
func contentWorkers() int { return min(runtime.GOMAXPROCS(0), 4) }

// compareOne compares byContent[i] with its file and records the outcome
// in the entry's code and in the check itself.
func (w *statusWalk) compareOne(i int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	c := &w.byContent[i]
	e := w.tracked[c.entry]
	changed, err := w.opts.Changed(filepath.Join(w.opts.WorkDir, filepath.FromSlash(e.Name)), e, c.fi, w.idx.ModTime)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			w.codes[c.entry] = 'D'
			return nil
		}
		return err
	}
	if !changed {
		switch {
		case !w.opts.Trust.StatMatches(e, c.fi):
			c.outcome = contentRefresh
		case IsRacy(e, w.idx.ModTime):
			c.outcome = contentRacyClean
		}
		return nil
	}
	w.codes[c.entry] = 'M'
	if TypeOf(w.opts.Trust.Mode(c.fi, e.Mode)) != TypeOf(e.Mode) {
		w.codes[c.entry] = 'T'
	}
	return nil
}

// gatherContents collects the clean entries whose stat data is to be
// recorded, in index order.
func (w *statusWalk) gatherContents() error {
	for _, c := range w.byContent {
		switch c.outcome {
		case contentRefresh:
			w.refresh = append(w.refresh, Refresh{Entry: c.entry, FI: c.fi})
		case contentRacyClean:
			w.racyClean++
		}
	}
	return nil
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

// Walk compares the tracked entries of idx with the work tree (Codes) and,
// when list is set, finds untracked and ignored files.
func Walk(ctx context.Context, idx *index.Index, tracked []*index.Entry, opts Options, list bool) (Result, error) {
	w := &statusWalk{
		idx: idx, opts: opts, ps: opts.Pathspec, tracked: tracked, list: list, ctx: ctx,
		codes: make([]byte, len(tracked)),
		subs:  make([]uint8, len(tracked)),
		dirs:  indexDirs(idx, tracked),
	}
	w.cond.L = &w.mu
	if opts.IgnoreCase && list {
		w.folded = newFoldedIndex(idx)
	}
	fd, err := openRootDir(opts.WorkDir)
	if err != nil {
		return Result{}, &os.PathError{Op: "open", Path: opts.WorkDir, Err: err}
	}
	w.rootFD = fd
	defer closeDir(fd)
	root, err := dupDir(fd)
	if err != nil {
		return Result{}, &os.PathError{Op: "dup", Path: opts.WorkDir, Err: err}
	}
	w.queue = append(w.queue, walkDir{path: "", fd: root, rules: opts.Rules})
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
	if w.first == nil {
		w.first = w.compareContents()
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
	return Result{Codes: w.codes, Subs: w.subs, Found: w.found, RacyClean: w.racyClean, Refresh: w.refresh}, w.first
}

// indexDirs groups the index by directory.
func indexDirs(idx *index.Index, tracked []*index.Entry) map[string]*dirIndex {
	dirs := map[string]*dirIndex{"": {}}
	// The index is sorted, so the files of a directory mostly follow
	// each other: the last directory met is tried before the map.
	var cur dirCursor
	for _, e := range idx.Entries {
		dir, d := cur.find(dirs, e.Name)
		if d == nil {
			d = &dirIndex{}
			dirs[dir] = d
			cur.d = d
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
	cur = dirCursor{}
	for i, e := range tracked {
		_, d := cur.find(dirs, e.Name)
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

// dirCursor remembers the directory of the last path looked up.
type dirCursor struct {
	dir string
	d   *dirIndex
}

// find returns the directory holding the file at path and what dirs
// has for it (nil when nothing yet). A path directly inside the last
// directory found needs neither the map nor a search from its end.
func (c *dirCursor) find(dirs map[string]*dirIndex, path string) (string, *dirIndex) {
	if c.d != nil {
		n := len(c.dir)
		if c.dir == "" {
			if strings.IndexByte(path, '/') < 0 {
				return "", c.d
			}
		} else if len(path) > n && path[n] == '/' && path[:n] == c.dir && strings.IndexByte(path[n+1:], '/') < 0 {
			return c.dir, c.d
		}
	}
	c.dir = parentDir(path)
	c.d = dirs[c.dir]
	return c.dir, c.d
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
func (w *statusWalk) push(parentFD dirHandle, p, name string, rules Rules, ignored, quiet bool) {
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
	w.found = append(w.found, Found{p, code})
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
			ch, err := w.opts.Submodule(w.ctx, e.Name, e.Hash)
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
			if w.opts.IsRepo != nil && w.opts.IsRepo(e.Name) {
				w.codes[i] = 'T'
			}
			continue
		}
		if w.opts.Trust.StatMatches(e, fi) && !IsRacy(e, w.idx.ModTime) && (e.Size != 0 || e.Hash == emptyBlob) {
			continue // the common case: the stat data vouches for the file
		}
		// The content decides; compared after the walk, in index order.
		w.mu.Lock()
		w.byContent = append(w.byContent, contentCheck{entry: i, fi: fi.snapshot()})
		w.mu.Unlock()
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
				if data, err := os.ReadFile(filepath.Join(w.opts.WorkDir, filepath.FromSlash(walkJoin(dir, ".gitignore")))); err == nil {
					rules = rules.Child(dir, data)
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
		// diskName opens a child directory; the composed name is the
		// path everywhere else.
		diskName := nameb
		if w.opts.Precompose {
			nameb = precomposeName(nameb)
		}
		isDir := de.isDir
		trackedDir := isDir && hasName(di.subdirs, nameb)
		if hasName(di.files, nameb) && (!isDir || hasName(di.links, nameb)) {
			continue // tracked (a file, or a submodule): examined above
		}
		// A directory where the index has a file: what is inside is
		// untracked (add -A adds it, -uall lists it), but the directory
		// as one entry is not listed, as git's status drops a
		// collapsed directory whose name is in the index
		// (index_name_is_other).
		shadowsFile := isDir && !trackedDir && hasName(di.files, nameb)
		addDir := func(p string, code byte) {
			if !shadowsFile {
				w.add(p, code)
			}
		}
		if !needList && !trackedDir {
			continue
		}
		name := string(nameb)
		p := walkJoin(dir, name)
		if w.folded != nil && !trackedDir {
			fp := FoldASCII(p)
			if w.folded.files[fp] && !isDir {
				continue // the indexed path, spelt otherwise
			}
			// (A directory where the index has a file, in any case,
			// holds untracked files, as above; git lists it as a whole
			// unless spelt as the file is.)
			if isDir && w.folded.dirs[fp] {
				// An indexed directory spelt otherwise: git lists
				// what is untracked inside it, never the directory
				// as a whole.
				if w.ps.MayContain(p) {
					ign := job.ignored || rules.Ignored(p, true)
					w.push(fd, p, string(diskName), rules, ign, false)
				}
				continue
			}
		}
		if trackedDir {
			if !w.ps.MayContain(p) {
				continue
			}
			ign := job.ignored || (needList && rules.Ignored(p, true))
			w.push(fd, p, string(diskName), rules, ign, false)
			continue
		}
		if isDir {
			if !w.ps.MayContain(p) {
				continue
			}
			if job.ignored || rules.Ignored(p, true) {
				switch {
				case !w.opts.Ignored:
				case w.opts.Untracked == UntrackedAll && !w.nestedRepo(p):
					// git lists every file of an ignored directory,
					// but a nested repository stays one entry.
					w.push(fd, p, string(diskName), rules, true, job.quiet)
				default:
					addDir(p+"/", '!')
				}
				continue
			}
			// A pathspec that names something below the directory but
			// not the directory itself ("dir/file", "dir/a*") has its
			// contents looked at one by one, as git's treat_directory
			// does for MATCHED_RECURSIVELY_LEADING_PATHSPEC; a nested
			// repository is then left out.
			leading := len(w.ps) > 0 && !w.ps.Match(p+"/")
			if leading || w.opts.Untracked == UntrackedAll {
				if w.nestedRepo(p) {
					if !job.quiet && !leading {
						addDir(p+"/", '?') // a nested repository stays one entry
					}
					continue
				}
				w.push(fd, p, string(diskName), rules, false, job.quiet)
				continue
			}
			has, err := HasUntrackedFile(w.opts.WorkDir, p, rules, w.ps)
			if err != nil {
				w.fail(err)
				return
			}
			switch {
			case has:
				// One entry for the directory; with --ignored, git
				// also lists the ignored paths inside it.
				if !job.quiet {
					addDir(p+"/", '?')
				}
				if w.opts.Ignored {
					w.push(fd, p, string(diskName), rules, false, true)
				}
			case w.opts.Ignored && dirHasFile(filepath.Join(w.opts.WorkDir, filepath.FromSlash(p))):
				// Only ignored files inside: git lists the directory
				// as ignored.
				addDir(p+"/", '!')
			}
			continue
		}
		if !w.ps.Match(p) {
			continue
		}
		if job.ignored || rules.Ignored(p, false) {
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

// nestedRepo reports whether the untracked directory p holds a
// repository of its own.
func (w *statusWalk) nestedRepo(p string) bool {
	_, err := os.Lstat(filepath.Join(w.opts.WorkDir, filepath.FromSlash(p), ".git"))
	return err == nil
}

func (ww *walkWorker) name(d direntRef) []byte { return ww.names[d.off : d.off+d.n] }

// walkWorkers bounds the directories examined at once. More than two buys
// nothing measurable (the work is system calls) and costs scheduler churn.
var walkWorkers = 2

// HasUntrackedFile reports whether an untracked directory holds at least
// one file that is not ignored (git does not show directories that are
// empty or hold only ignored files). A nested repository counts.
func HasUntrackedFile(workDir, dir string, rules Rules, ps pathspec.Pathspec) (bool, error) {
	ents, err := os.ReadDir(filepath.Join(workDir, filepath.FromSlash(dir)))
	if err != nil {
		return false, nil
	}
	for _, de := range ents {
		if de.Name() == ".gitignore" && de.Type().IsRegular() {
			if data, err := os.ReadFile(filepath.Join(workDir, filepath.FromSlash(dir), ".gitignore")); err == nil {
				rules = rules.Child(dir, data)
			}
		}
	}
	var subdirs []string
	for _, de := range ents {
		p := dir + "/" + de.Name()
		if de.Name() == ".git" {
			return true, nil
		}
		if de.IsDir() {
			if !rules.Ignored(p, true) {
				subdirs = append(subdirs, p)
			}
			continue
		}
		if ps.Match(p) && !rules.Ignored(p, false) {
			return true, nil
		}
	}
	for _, s := range subdirs {
		if has, err := HasUntrackedFile(workDir, s, rules, ps); err != nil || has {
			return has, err
		}
	}
	return false, nil
}

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

// emptyBlob is the id of the empty blob: an entry with size 0 is taken
// for clean by stat data only when its blob is empty (git's smudged
// entries have size 0 too). e69de29bb2d1d6434b8b29ae775ad8c2e48c5391, spelled
// as bytes so that no code runs (nor hashes) at start-up to compute it.
var emptyBlob = plumbing.Hash{0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b, 0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91}

func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// TypeOf groups modes by what the work tree holds: a file (regular or
// executable), a symbolic link or a submodule.
func TypeOf(m filemode.FileMode) int {
	switch m {
	case filemode.Symlink:
		return 1
	case filemode.Submodule:
		return 2
	}
	return 0
}
