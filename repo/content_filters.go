package repo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/repo/attr"
	"easel.dev/easel/repo/convert"
)

// contentFilters holds what the repository knows about converting content
// between the work tree and the object store: its attributes files and
// the conversion settings, read once per process on first use.
type contentFilters struct {
	once    sync.Once
	checker *attr.Checker
	cfg     convert.Config
	err     error

	mu      sync.Mutex
	filters map[string]*convert.Filter
	// indexBlobs are the index's stage-0 blobs, for indexBlobHasCR.
	indexStamp string
	indexBlobs map[string]plumbing.Hash
	// adding: add is hashing files it stores (safecrlf and encoding
	// checks apply); warnings wait in warnings to print in path order.
	adding   bool
	warnings []string
	// renormalize: add --renormalize is hashing (CRs in the index's
	// blobs do not keep text=auto from converting).
	renormalize bool
	// delayed are the modes of files a process filter delayed in the
	// current checkout.
	delayed map[string]filemode.FileMode
}

// attributesFile is core.attributesFile, or git's default in
// $XDG_CONFIG_HOME.
func (r *Repository) attributesFile() string {
	if v, ok, _ := r.ConfigGet("core.attributesFile"); ok && v != "" {
		return expandHome(v)
	}
	return filepath.Join(xdgConfigHome(), "git", "attributes")
}

func (r *Repository) contentFilters() *contentFilters {
	cf := &r.filters
	cf.once.Do(func() {
		opts := attr.Options{
			InfoFile:   filepath.Join(r.GitDir, "info", "attributes"),
			GlobalFile: r.attributesFile(),
		}
		if !r.IsBare() {
			opts.ReadDir = attr.WorkTreeReader(r.WorkDir)
		}
		if r.ConfigBool("core.ignorecase", false) {
			opts.IgnoreCase = true
		}
		cf.checker, cf.err = attr.New(opts)
		cf.cfg.Dir = r.WorkDir
		autocrlf, _, _ := r.ConfigGet("core.autocrlf")
		switch strings.ToLower(autocrlf) {
		case "true", "yes", "on", "1":
			cf.cfg.AutoCRLF = "true"
		case "input":
			cf.cfg.AutoCRLF = "input"
		}
		cf.cfg.SafeCRLF = "warn"
		if v, ok, _ := r.ConfigGet("core.safecrlf"); ok {
			switch strings.ToLower(v) {
			case "warn":
			case "true", "yes", "on", "1", "":
				cf.cfg.SafeCRLF = "true"
			default:
				cf.cfg.SafeCRLF = "false"
			}
		}
		cf.cfg.Warn = func(msg string) {
			cf.mu.Lock()
			defer cf.mu.Unlock()
			if cf.adding {
				cf.warnings = append(cf.warnings, msg)
				return
			}
			fmt.Fprintln(os.Stderr, msg)
		}
		cf.cfg.EOL, _, _ = r.ConfigGet("core.eol")
		cf.cfg.EOL = strings.ToLower(cf.cfg.EOL)
		cf.filters = map[string]*convert.Filter{}
		cf.cfg.Filter = func(name string) (convert.Filter, bool) {
			cf.mu.Lock()
			defer cf.mu.Unlock()
			if f, ok := cf.filters[name]; ok {
				if f == nil {
					return convert.Filter{}, false
				}
				return *f, true
			}
			var f convert.Filter
			var any bool
			if v, ok, _ := r.ConfigGet("filter." + name + ".clean"); ok {
				f.Clean, any = v, true
			}
			if v, ok, _ := r.ConfigGet("filter." + name + ".smudge"); ok {
				f.Smudge, any = v, true
			}
			if v, ok, _ := r.ConfigGet("filter." + name + ".process"); ok {
				f.Process, any = v, true
			}
			f.Required = r.ConfigBool("filter."+name+".required", false)
			any = any || f.Required
			if !any {
				cf.filters[name] = nil
				return f, false
			}
			cf.filters[name] = &f
			return f, true
		}
	})
	return cf
}

// hasProcessFilter reports whether any filter.<driver>.process is
// configured: files such a filter may clean must then be compared one
// after another in index order, as git does.
func (r *Repository) hasProcessFilter() bool {
	vals, err := r.ConfigValues()
	if err != nil {
		return true
	}
	for _, v := range vals {
		if strings.HasPrefix(v.Key, "filter.") && strings.HasSuffix(v.Key, ".process") {
			return true
		}
	}
	return false
}

// Attributes returns the gitattributes of a path of the work tree.
func (r *Repository) Attributes(path string) (attr.Attrs, error) {
	cf := r.contentFilters()
	if cf.err != nil {
		return nil, cf.err
	}
	return cf.checker.Check(path)
}

// conversion is how content of path moves between the work tree and the
// object store; ok is false when it moves unchanged (the common case,
// where callers stream).
func (r *Repository) conversion(path string) (convert.Conversion, bool) {
	cf := r.contentFilters()
	if cf.err != nil {
		return convert.Conversion{}, false
	}
	a, err := cf.checker.Check(path)
	if err != nil {
		return convert.Conversion{}, false
	}
	c := convert.For(a, &cf.cfg)
	return c, !c.Identity()
}

// relPath turns a path inside the work tree into a slash-separated
// repository path.
func (r *Repository) relPath(full string) string {
	rel, err := filepath.Rel(r.WorkDir, full)
	if err != nil {
		return filepath.ToSlash(full)
	}
	return filepath.ToSlash(rel)
}

// cleanContent converts work tree content of path for the object store.
func (r *Repository) cleanContent(path string, data []byte) ([]byte, error) {
	c, ok := r.conversion(path)
	if !ok {
		return data, nil
	}
	// No Write flag: add has checked (and warned) when it hashed.
	return c.ToGitFlags(path, data, func() bool { return r.indexBlobHasCR(path) }, convert.GitFlags{Renormalize: r.filters.renormalize})
}

// smudgeContent converts blob content of path for the work tree.
func (r *Repository) smudgeContent(path string, data []byte, id plumbing.Hash) ([]byte, error) {
	c, ok := r.conversion(path)
	if !ok {
		return data, nil
	}
	return c.ToWorkTree(path, data, id.String())
}

// indexBlobHasCR reports whether the blob the index holds for path has a
// CR, git's has_crlf_in_index: text=auto leaves such a file's line
// endings alone. The index's entries are read again only when its file
// has changed, so that many files cost one read.
func (r *Repository) indexBlobHasCR(path string) bool {
	cf := r.contentFilters()
	var stamp string
	if fi, err := os.Stat(r.indexPath()); err == nil {
		stamp = fmt.Sprint(fi.Size(), fi.ModTime().UnixNano())
	}
	cf.mu.Lock()
	if cf.indexBlobs == nil || cf.indexStamp != stamp {
		cf.indexStamp = stamp
		cf.indexBlobs = map[string]plumbing.Hash{}
		if idx, err := r.ReadIndex(); err == nil && idx != nil {
			for _, e := range idx.Entries {
				if e.Stage == 0 {
					cf.indexBlobs[e.Name] = e.Hash
				}
			}
		}
	}
	h, ok := cf.indexBlobs[path]
	cf.mu.Unlock()
	return ok && r.blobHasCR(h)
}

// blobHasCR reports whether a stored blob has a CR. The blob is built in
// a pooled buffer: a status after every file's stat data changed asks
// this of each CRLF file, and would otherwise leave a copy of each blob
// behind.
func (r *Repository) blobHasCR(h plumbing.Hash) bool {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	t, data, owned, err := r.Objects.ReadTo(h, buf.AvailableBuffer())
	if err != nil || t != plumbing.BlobObject {
		return false
	}
	if owned && cap(data) > buf.Cap() && cap(data) <= smallFile+1 {
		*buf = *bytes.NewBuffer(data[:0]) // keep the larger buffer in the pool
	}
	return bytes.IndexByte(data, '\r') >= 0
}

// readWorktreeContent reads a regular file as the object store would hold
// it (after clean conversion).
func (r *Repository) readWorktreeContent(full string) ([]byte, error) {
	data, err := os.ReadFile(full)
	if err != nil {
		return nil, err
	}
	return r.cleanContent(r.relPath(full), data)
}

// beginDelayedCheckout lets process filters delay the files of the
// checkout that follows (git-lfs fetches them meanwhile); the caller must
// call finishDelayedCheckout once every file is written or delayed.
func (r *Repository) beginDelayedCheckout() {
	cf := r.contentFilters()
	cf.mu.Lock()
	defer cf.mu.Unlock()
	cf.cfg.Delay = &convert.DelayedCheckout{}
	cf.delayed = map[string]filemode.FileMode{}
}

// finishDelayedCheckout writes the files the filters delayed and returns
// their file information for the index.
func (r *Repository) finishDelayedCheckout() (map[string]os.FileInfo, error) {
	cf := r.contentFilters()
	cf.mu.Lock()
	d, modes := cf.cfg.Delay, cf.delayed
	cf.cfg.Delay, cf.delayed = nil, nil
	cf.mu.Unlock()
	if d == nil {
		return nil, nil
	}
	stats := map[string]os.FileInfo{}
	err := d.Finish(func(path string, data []byte) error {
		mode, ok := modes[path]
		if !ok {
			return fmt.Errorf("%s: was not delayed", path)
		}
		perm := os.FileMode(0o644)
		if mode == filemode.Executable {
			perm = 0o755
		}
		full := filepath.Join(r.WorkDir, filepath.FromSlash(path))
		if err := os.WriteFile(full, data, perm); err != nil {
			return err
		}
		fi, err := os.Lstat(full)
		if err != nil {
			return err
		}
		stats[path] = fi
		return nil
	})
	return stats, err
}

// noteDelayed records the mode of a file a filter delayed.
func (r *Repository) noteDelayed(path string, mode filemode.FileMode) {
	cf := r.contentFilters()
	cf.mu.Lock()
	cf.delayed[path] = mode
	cf.mu.Unlock()
}

// StopFilterProcesses ends the long-running filter processes this process
// started, waiting for each to exit.
func StopFilterProcesses() { convert.StopProcesses() }

// checkoutAttributes makes the attributes of the checkout that follows
// come from the index being checked out, as git's GIT_ATTR_CHECKOUT: the
// .gitattributes blobs of the new index (blobs, by directory), and the
// work tree's files for directories that have none there. So a checkout
// that brings a new .gitattributes converts the other files by it. The
// returned function restores the work tree's attributes.
func (r *Repository) checkoutAttributes(blobs map[string]plumbing.Hash) func() {
	cf := r.contentFilters()
	if cf.err != nil || r.IsBare() {
		return func() {}
	}
	old := cf.checker
	fromDisk := attr.WorkTreeReader(r.WorkDir)
	opts := attr.Options{
		InfoFile:   filepath.Join(r.GitDir, "info", "attributes"),
		GlobalFile: r.attributesFile(),
		IgnoreCase: r.ConfigBool("core.ignorecase", false),
		ReadDir: func(dir string) ([]byte, error) {
			if h, ok := blobs[dir]; ok {
				return r.readBlob(h)
			}
			return fromDisk(dir)
		},
	}
	c, err := attr.New(opts)
	if err != nil {
		return func() {}
	}
	cf.checker = c
	return func() {
		old.Forget()
		cf.checker = old
	}
}

// beginAdd makes conversion checks of add apply while it hashes files in
// parallel, holding their warnings back; the returned function prints
// them in path order, as git's one-by-one add does.
func (r *Repository) beginAdd() func() {
	cf := r.contentFilters()
	cf.mu.Lock()
	cf.adding = true
	cf.mu.Unlock()
	return func() {
		cf.mu.Lock()
		w := cf.warnings
		cf.adding, cf.warnings = false, nil
		cf.mu.Unlock()
		sort.Strings(w)
		for _, m := range w {
			fmt.Fprintln(os.Stderr, m)
		}
	}
}
