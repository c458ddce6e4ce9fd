package attr

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
)

// builtin is git's own macro, at the lowest precedence; parsed when
// attributes are first looked up rather than at every start.
var builtin = sync.OnceValue(func() *File { return Parse([]byte("[attr]binary -diff -merge -text\n"), "", true) })

// Options say where a Checker finds attributes files.
type Options struct {
	// InfoFile, GlobalFile and SystemFile are read when they exist.
	InfoFile, GlobalFile, SystemFile string
	// ReadDir returns the .gitattributes of a directory of the work tree
	// ("" for the top), or fs.ErrNotExist. When nil the Checker has no
	// per-directory files (a bare repository).
	ReadDir func(dir string) ([]byte, error)
	// IgnoreCase is core.ignorecase.
	IgnoreCase bool
}

// Checker answers attribute questions for many paths, reading each file
// once. It is safe for concurrent use.
type Checker struct {
	opts                 Options
	info, global, system *File

	mu   sync.Mutex
	dirs map[string]*File
	// stacks caches, per directory, the files that apply to its paths and
	// the macros they define: every path of a directory shares them, and
	// a walk over many files must not rebuild them for each one.
	stacks map[string]*dirStack
}

// dirStack is what applies to every path of one directory.
type dirStack struct {
	files  []*File
	macros map[string][]assignment
	// answers are the attributes of the paths that match the lines a
	// key lists (see check).
	answers map[string]Attrs
}

// WorkTreeReader reads .gitattributes files from a work tree.
func WorkTreeReader(workDir string) func(dir string) ([]byte, error) {
	return func(dir string) ([]byte, error) {
		return readLimited(filepath.Join(workDir, filepath.FromSlash(dir), ".gitattributes"))
	}
}

// New returns a Checker; missing files count as empty.
func New(opts Options) (*Checker, error) {
	c := &Checker{opts: opts, dirs: map[string]*File{}, stacks: map[string]*dirStack{}}
	var err error
	if c.info, err = readOptional(opts.InfoFile); err != nil {
		return nil, err
	}
	if c.global, err = readOptional(opts.GlobalFile); err != nil {
		return nil, err
	}
	if c.system, err = readOptional(opts.SystemFile); err != nil {
		return nil, err
	}
	return c, nil
}

func readOptional(name string) (*File, error) {
	if name == "" {
		return nil, nil
	}
	data, err := readLimited(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(data, "", true), nil
}

// readLimited reads a file unless it is larger than git would read; a
// directory or an unreadable path counts as absent.
func readLimited(name string) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > MaxFileSize {
		return nil, fs.ErrNotExist
	}
	return os.ReadFile(name)
}

func (c *Checker) dirFile(dir string) (*File, error) {
	if c.opts.ReadDir == nil {
		return nil, nil
	}
	c.mu.Lock()
	f, ok := c.dirs[dir]
	c.mu.Unlock()
	if ok {
		return f, nil
	}
	data, err := c.opts.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f = nil
	case err != nil:
		return nil, err
	default:
		f = Parse(data, dir, dir == "")
	}
	c.mu.Lock()
	c.dirs[dir] = f
	c.mu.Unlock()
	return f, nil
}

// stack lists the files that apply to path, highest precedence first.
func (c *Checker) stack(p string) ([]*File, error) {
	var files []*File
	if c.info != nil {
		files = append(files, c.info)
	}
	for dir := path.Dir(p); ; dir = path.Dir(dir) {
		if dir == "." || dir == "/" {
			dir = ""
		}
		f, err := c.dirFile(dir)
		if err != nil {
			return nil, err
		}
		if f != nil {
			files = append(files, f)
		}
		if dir == "" {
			break
		}
	}
	for _, f := range []*File{c.global, c.system, builtin()} {
		if f != nil {
			files = append(files, f)
		}
	}
	return files, nil
}

// Attrs is every attribute assigned to one path.
type Attrs map[string]Value

// Get returns an attribute's value (Unspecified when nothing assigns it).
func (a Attrs) Get(name string) Value { return a[name] }

// Check returns the attributes of a path of the work tree (slash-separated).
// The map may be shared with other paths: callers must not change it.
func (c *Checker) Check(p string) (Attrs, error) { return c.check(p, false) }

// CheckDir is Check for a directory (patterns with a trailing slash apply).
func (c *Checker) CheckDir(p string) (Attrs, error) { return c.check(p, true) }

// dirStack returns the files and macros for the paths of p's directory.
func (c *Checker) dirStack(p string) (*dirStack, error) {
	dir := path.Dir(p)
	c.mu.Lock()
	ds, ok := c.stacks[dir]
	c.mu.Unlock()
	if ok {
		return ds, nil
	}
	files, err := c.stack(p)
	if err != nil {
		return nil, err
	}
	// Macros: the definition from the highest source wins.
	macros := map[string][]assignment{}
	for _, f := range files {
		for i := len(f.lines) - 1; i >= 0; i-- {
			l := &f.lines[i]
			if l.macro != "" {
				if _, ok := macros[l.macro]; !ok {
					macros[l.macro] = l.assigns
				}
			}
		}
	}
	ds = &dirStack{files: files, macros: macros, answers: map[string]Attrs{}}
	c.mu.Lock()
	c.stacks[dir] = ds
	c.mu.Unlock()
	return ds, nil
}

func (c *Checker) check(p string, isDir bool) (Attrs, error) {
	ds, err := c.dirStack(p)
	if err != nil {
		return nil, err
	}
	files, macros := ds.files, ds.macros
	out := Attrs{}
	var fill func(assigns []assignment, depth int)
	fill = func(assigns []assignment, depth int) {
		for i := len(assigns) - 1; i >= 0; i-- {
			a := assigns[i]
			if _, done := out[a.name]; done {
				continue
			}
			out[a.name] = a.value
			if m, ok := macros[a.name]; ok && a.value.State == Set && depth < 64 {
				fill(m, depth+1)
			}
		}
	}
	// The answer depends only on which lines match: paths that match
	// the same lines (every file under `* text=auto`) share one answer,
	// remembered per directory, so that a walk over many files builds
	// few maps. Callers only read what Check returns.
	var keyBuf [64]byte
	key := keyBuf[:0]
	for fi, f := range files {
		for i := len(f.lines) - 1; i >= 0; i-- {
			l := &f.lines[i]
			if l.macro == "" && l.matches(p, isDir, f.base, c.opts.IgnoreCase) {
				key = binary.AppendUvarint(key, uint64(fi))
				key = binary.AppendUvarint(key, uint64(i))
			}
		}
	}
	c.mu.Lock()
	cached, ok := ds.answers[string(key)]
	c.mu.Unlock()
	if ok {
		return cached, nil
	}
	for rest := key; len(rest) > 0; {
		fi, n := binary.Uvarint(rest)
		rest = rest[n:]
		i, n := binary.Uvarint(rest)
		rest = rest[n:]
		fill(files[fi].lines[i].assigns, 0)
	}
	for name, v := range out {
		if v.State == Unspecified {
			delete(out, name) // "!attr" reads as never assigned
		}
	}
	c.mu.Lock()
	if len(ds.answers) < maxAnswers {
		ds.answers[string(key)] = out
	}
	c.mu.Unlock()
	return out, nil
}

// maxAnswers bounds the answers remembered per directory: patterns that
// single out files one by one must not grow the cache with the tree.
const maxAnswers = 64

// Forget drops the .gitattributes files read so far, so that the next
// questions read them again (after a checkout changed them).
func (c *Checker) Forget() {
	c.mu.Lock()
	c.dirs = map[string]*File{}
	c.stacks = map[string]*dirStack{}
	c.mu.Unlock()
}
