package repo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"
	"golang.org/x/sys/unix"
)

// The work tree is walked once per status: every directory that holds
// tracked files (or may hold untracked ones) is opened exactly once,
// relative to its parent's descriptor and without following symbolic
// links, and everything in it is examined through that descriptor: the
// directory listing for untracked files and fstatat for tracked ones. Path
// lookups stay one component long however deep the tree is, which is most
// of the cost of a status on a large clean tree. Directories are handled
// by a few goroutines in parallel.

// statFI is an os.FileInfo over a raw stat result.
type statFI struct {
	name string
	st   syscall.Stat_t
}

func (s *statFI) Name() string       { return s.name }
func (s *statFI) Size() int64        { return s.st.Size }
func (s *statFI) ModTime() time.Time { return time.Unix(int64(s.st.Mtim.Sec), int64(s.st.Mtim.Nsec)) }
func (s *statFI) IsDir() bool        { return s.st.Mode&syscall.S_IFMT == syscall.S_IFDIR }
func (s *statFI) Sys() any           { return &s.st }
func (s *statFI) Mode() os.FileMode {
	m := os.FileMode(s.st.Mode & 0o777)
	switch s.st.Mode & syscall.S_IFMT {
	case syscall.S_IFDIR:
		m |= os.ModeDir
	case syscall.S_IFLNK:
		m |= os.ModeSymlink
	case syscall.S_IFREG:
	case syscall.S_IFIFO:
		m |= os.ModeNamedPipe
	case syscall.S_IFSOCK:
		m |= os.ModeSocket
	default:
		m |= os.ModeDevice
	}
	return m
}

type statusWalk struct {
	r       *Repository
	idx     *index.Index
	opts    StatusOptions
	ps      pathMatcher
	tracked []*index.Entry
	codes   []byte           // per tracked entry: 0 clean, 'M', 'T', 'D'
	groups  map[string][]int // directory -> indexes into tracked
	files   map[string]bool  // every indexed path (all stages)
	dirs    map[string]bool  // every directory holding indexed paths
	parents map[string]bool  // directories with such directories below them
	list    bool             // report untracked/ignored files at all

	mu      sync.Mutex
	visited map[string]bool
	found   []untrackedFile
	first   error
	wg      sync.WaitGroup
	sem     chan struct{}
	ctx     context.Context
}

// walkStatus compares the tracked entries with the work tree (codes) and,
// when list is set, finds untracked and ignored files.
func (r *Repository) walkStatus(ctx context.Context, idx *index.Index, tracked []*index.Entry, opts StatusOptions, ps pathMatcher, list bool) ([]byte, []untrackedFile, error) {
	w := &statusWalk{
		r: r, idx: idx, opts: opts, ps: ps, tracked: tracked, list: list, ctx: ctx,
		codes:   make([]byte, len(tracked)),
		groups:  map[string][]int{},
		files:   make(map[string]bool, len(idx.Entries)),
		dirs:    map[string]bool{"": true},
		parents: map[string]bool{},
		visited: map[string]bool{},
		sem:     make(chan struct{}, walkWorkers),
	}
	for i, e := range tracked {
		d := parentDir(e.Name)
		w.groups[d] = append(w.groups[d], i)
	}
	for _, e := range idx.Entries {
		w.files[e.Name] = true
		for d := parentDir(e.Name); d != "" && !w.dirs[d]; d = parentDir(d) {
			w.dirs[d] = true
			w.parents[parentDir(d)] = true
		}
	}
	fd, err := syscall.Open(r.WorkDir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, &os.PathError{Op: "open", Path: r.WorkDir, Err: err}
	}
	w.wg.Add(1)
	w.visit("", fd, r.baseIgnore(), false)
	w.wg.Wait()
	if w.first == nil {
		w.first = ctx.Err()
	}
	// Tracked files in directories that are gone (or are no longer
	// directories) are deleted.
	for d, is := range w.groups {
		if !w.visited[d] {
			for _, i := range is {
				w.codes[i] = 'D'
			}
		}
	}
	return w.codes, w.found, w.first
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

// visit examines one directory through its open descriptor fd (closed
// here). dirIgnored: the directory itself is excluded.
func (w *statusWalk) visit(dir string, fd int, rules *ignoreRules, dirIgnored bool) {
	defer w.wg.Done()
	w.sem <- struct{}{}
	released := false
	release := func() {
		if !released {
			released = true
			<-w.sem
		}
	}
	defer func() {
		syscall.Close(fd)
		release()
	}()
	if w.ctx.Err() != nil {
		return
	}
	w.mu.Lock()
	w.visited[dir] = true
	w.mu.Unlock()

	// Tracked files in this directory.
	for _, i := range w.groups[dir] {
		e := w.tracked[i]
		name := e.Name[len(dir):]
		if dir != "" {
			name = name[1:]
		}
		fi := &statFI{name: name}
		if err := fstatat(fd, name, &fi.st); err != nil {
			if err == syscall.ENOENT || err == syscall.ENOTDIR {
				w.codes[i] = 'D'
				continue
			}
			w.fail(&os.PathError{Op: "lstat", Path: e.Name, Err: err})
			return
		}
		if fi.IsDir() && e.Mode != filemode.Submodule {
			w.codes[i] = 'D'
			continue
		}
		var changed bool
		var err error
		if statMatches(e, fi) && !isRacy(e, w.idx.ModTime) && (e.Size != 0 || e.Hash == emptyBlob) {
			changed = false // the common case, without building the path
		} else {
			changed, err = worktreeChanged(filepath.Join(w.r.WorkDir, filepath.FromSlash(e.Name)), e, fi, w.idx.ModTime)
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

	needList := w.list && (!dirIgnored || w.opts.Ignored)
	if !needList && !w.parents[dir] {
		return
	}
	ents, err := readDirFD(fd)
	if err != nil {
		w.fail(&os.PathError{Op: "readdir", Path: dir, Err: err})
		return
	}
	if needList {
		for _, de := range ents {
			if de.name == ".gitignore" && !de.isDir {
				if data, err := os.ReadFile(filepath.Join(w.r.WorkDir, filepath.FromSlash(walkJoin(dir, ".gitignore")))); err == nil {
					rules = rules.child(dir, data)
				}
				break
			}
		}
	}
	for _, de := range ents {
		name := de.name
		if name == ".git" {
			continue
		}
		p := walkJoin(dir, name)
		isDir := de.isDir
		if w.files[p] && !isDir {
			continue
		}
		if isDir && w.dirs[p] {
			if !w.ps.mayContain(p) {
				continue
			}
			ign := dirIgnored || (needList && rules.ignored(p, true))
			w.spawn(fd, p, name, rules, ign)
			continue
		}
		if !needList {
			continue
		}
		if isDir {
			if !w.ps.mayContain(p) {
				continue
			}
			if dirIgnored || rules.ignored(p, true) {
				if w.opts.Ignored {
					w.add(p+"/", '!')
				}
				continue
			}
			if w.opts.Untracked == UntrackedNo {
				continue
			}
			if w.opts.Untracked == UntrackedAll {
				if _, err := os.Lstat(filepath.Join(w.r.WorkDir, filepath.FromSlash(p), ".git")); err == nil {
					w.add(p+"/", '?') // a nested repository stays one entry
					continue
				}
				w.spawn(fd, p, name, rules, false)
				continue
			}
			has, err := w.r.hasUntrackedFile(p, rules, w.ps)
			if err != nil {
				w.fail(err)
				return
			}
			if has {
				w.add(p+"/", '?')
			} else if w.opts.Ignored && dirHasFile(filepath.Join(w.r.WorkDir, filepath.FromSlash(p))) {
				// Only ignored files inside: git lists the directory
				// as ignored.
				w.add(p+"/", '!')
			}
			continue
		}
		if !w.ps.match(p) {
			continue
		}
		if dirIgnored || rules.ignored(p, false) {
			if w.opts.Ignored {
				w.add(p, '!')
			}
			continue
		}
		if w.opts.Untracked != UntrackedNo {
			w.add(p, '?')
		}
	}
	// Children are opened above while this descriptor is still open;
	// release the slot before waiting on nothing further.
	release()
}

// spawn opens child directory name below parent fd and visits it
// concurrently. A child that is not a directory any more (or a symbolic
// link) is skipped: its tracked files come out as deleted.
func (w *statusWalk) spawn(parent int, p, name string, rules *ignoreRules, ignored bool) {
	cfd, err := syscall.Openat(parent, name, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		if err != syscall.ENOENT && err != syscall.ENOTDIR && err != syscall.ELOOP {
			w.fail(&os.PathError{Op: "open", Path: p, Err: err})
		}
		return
	}
	w.wg.Add(1)
	go w.visit(p, cfd, rules, ignored)
}

// fstatat is lstat of name relative to the directory open as dirfd.
func fstatat(dirfd int, name string, st *syscall.Stat_t) error {
	var ust unix.Stat_t
	if err := unix.Fstatat(dirfd, name, &ust, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return err
	}
	*st = syscall.Stat_t{
		Dev: ust.Dev, Ino: ust.Ino, Mode: ust.Mode, Uid: ust.Uid, Gid: ust.Gid, Size: ust.Size,
		Mtim: syscall.Timespec{Sec: ust.Mtim.Sec, Nsec: ust.Mtim.Nsec},
		Ctim: syscall.Timespec{Sec: ust.Ctim.Sec, Nsec: ust.Ctim.Nsec},
	}
	return nil
}

// walkWorkers bounds the directories examined at once. More than two buys
// nothing measurable (the work is system calls) and costs scheduler churn.
var walkWorkers = 2

type dirent struct {
	name  string
	isDir bool
}

// readDirFD lists a directory from its descriptor with getdents, without
// wrapping it in an *os.File (which costs extra system calls per
// directory). Entries of unknown type are resolved with fstatat.
func readDirFD(fd int) ([]dirent, error) {
	var out []dirent
	buf := make([]byte, 32<<10)
	for {
		n, err := syscall.ReadDirent(fd, buf)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return out, nil
		}
		b := buf[:n]
		for len(b) >= 19 {
			reclen := int(b[16]) | int(b[17])<<8
			if reclen < 19 || reclen > len(b) {
				return nil, syscall.EINVAL
			}
			typ := b[18]
			nameb := b[19:reclen]
			if i := indexNUL(nameb); i >= 0 {
				nameb = nameb[:i]
			}
			name := string(nameb)
			b = b[reclen:]
			if name == "." || name == ".." {
				continue
			}
			d := dirent{name: name, isDir: typ == syscall.DT_DIR}
			if typ == syscall.DT_UNKNOWN {
				var st syscall.Stat_t
				if fstatat(fd, name, &st) == nil {
					d.isDir = st.Mode&syscall.S_IFMT == syscall.S_IFDIR
				}
			}
			out = append(out, d)
		}
	}
}

func indexNUL(b []byte) int {
	for i, c := range b {
		if c == 0 {
			return i
		}
	}
	return -1
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
