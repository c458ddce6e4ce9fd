package repo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/repo/pathspec"
)

// GrepSource is one file git grep searches: a blob, or a file of the work
// tree (Hash zero).
type GrepSource struct {
	Path string // repository path: attributes, and the name shown
	Hash plumbing.Hash
	File string // the work tree file (or, for --no-index, the file) to read
}

// GrepLoad reads the source's contents, a work tree file into buf's
// space (buf[:0]); ok is false for a work tree file that is gone or is no
// longer a regular file, which git skips silently.
func (r *Repository) GrepLoad(s GrepSource, buf []byte) ([]byte, bool, error) {
	if s.Hash.IsZero() {
		fi, err := os.Lstat(s.File)
		if err != nil || !fi.Mode().IsRegular() {
			return nil, false, nil
		}
		data, err := readFileInto(buf[:0], s.File, fi.Size())
		if err != nil {
			return nil, false, fmt.Errorf("'%s': %v", s.File, err)
		}
		return data, true, nil
	}
	data, err := r.ReadBlob(s.Hash)
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

// withinDepth is --max-depth: a path lies at most depth directories below
// the pathspec item it matched (or the top, without pathspecs).
func withinDepth(ps pathspec.Pathspec, p string, depth int) bool {
	if depth < 0 {
		return true
	}
	if ps.Empty() {
		return strings.Count(p, "/") <= depth
	}
	for _, it := range ps {
		if it.IsExclude() || !it.Match(p) {
			continue
		}
		if it.HasWildcard() {
			return true
		}
		rest := strings.TrimPrefix(strings.TrimPrefix(p, strings.TrimSuffix(it.Pattern, "/")), "/")
		if strings.Count(rest, "/") <= depth {
			return true
		}
	}
	return false
}

// GrepIndexSources lists the tracked files git grep searches: the index's
// regular files among ps, read from the work tree, or from their blobs
// with cached (and always for skip-worktree and assume-unchanged
// entries). An unmerged path is searched once, in the work tree.
func (r *Repository) GrepIndexSources(ps pathspec.Pathspec, cached bool, maxDepth int) ([]GrepSource, error) {
	idx, err := r.ReadIndex()
	if err != nil {
		return nil, err
	}
	var assumed map[string]bool
	if !cached {
		assumed = r.assumeUnchanged()
	}
	var out []GrepSource
	for i := 0; i < len(idx.Entries); i++ {
		e := idx.Entries[i]
		if e.Mode != filemode.Regular && e.Mode != filemode.Executable {
			continue
		}
		if !ps.Match(e.Name) || !withinDepth(ps, e.Name, maxDepth) {
			continue
		}
		if cached || e.SkipWorktree || assumed[e.Name] {
			if e.Stage != 0 || e.IntentToAdd {
				continue
			}
			out = append(out, GrepSource{Path: e.Name, Hash: e.Hash})
			continue
		}
		if e.Stage != 0 {
			for i+1 < len(idx.Entries) && idx.Entries[i+1].Name == e.Name {
				i++
			}
		}
		out = append(out, GrepSource{Path: e.Name, File: filepath.Join(r.WorkDir, filepath.FromSlash(e.Name))})
	}
	return out, nil
}

// GrepObject resolves a <tree-ish> or blob of git grep's command line:
// its files among ps, named name:path (File holds the "name:" prefix).
func (r *Repository) GrepObject(ctx context.Context, name string, ps pathspec.Pathspec, maxDepth int) ([]GrepSource, error) {
	h, err := r.ResolveRevision(ctx, name)
	if err != nil {
		return nil, err
	}
	obj, err := r.Storer.EncodedObject(plumbing.AnyObject, h)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, ErrUnknownRevision)
	}
	if obj.Type() == plumbing.BlobObject {
		return []GrepSource{{Path: name, Hash: h}}, nil
	}
	tree, err := r.TreeOf(h)
	if err != nil {
		return nil, err
	}
	base := name + ":"
	var out []GrepSource
	var walk func(dir string, t plumbing.Hash) error
	walk = func(dir string, t plumbing.Hash) error {
		ents, err := r.readTreeEntries(t)
		if err != nil {
			return err
		}
		for _, e := range ents {
			p := dir + e.name
			switch {
			case e.mode == filemode.Dir:
				if ps.MayContain(p) {
					if err := walk(p+"/", e.hash); err != nil {
						return err
					}
				}
			case e.mode == filemode.Regular || e.mode == filemode.Executable:
				if ps.Match(p) && withinDepth(ps, p, maxDepth) {
					out = append(out, GrepSource{Path: p, Hash: e.hash})
				}
			}
		}
		return nil
	}
	if err := walk("", tree); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].File = base
	}
	return out, nil
}

// GrepUntracked lists the untracked files among ps (with ignored ones too
// unless exclude), for --untracked.
func (r *Repository) GrepUntracked(ctx context.Context, ps pathspec.Pathspec, exclude bool, maxDepth int) ([]GrepSource, error) {
	st, err := r.Status(ctx, StatusOptions{Untracked: UntrackedAll, Ignored: !exclude})
	if err != nil {
		return nil, err
	}
	var out []GrepSource
	for _, f := range st.Files {
		if f.Staged != '?' && f.Staged != '!' {
			continue
		}
		if strings.HasSuffix(f.Path, "/") || !ps.Match(f.Path) || !withinDepth(ps, f.Path, maxDepth) {
			continue
		}
		out = append(out, GrepSource{Path: f.Path, File: filepath.Join(r.WorkDir, filepath.FromSlash(f.Path))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// GrepDriver is what a path's diff attribute tells git grep: binary is 1
// or -1 when the driver decides (-diff, diff, diff.<name>.binary), 0 when
// the contents do; isFunc the driver's function-line rule (nil: git's
// default); textconv the driver's command.
type GrepDriver struct {
	Binary   int
	IsFunc   func(string) bool
	Textconv string
}

// GrepDrivers looks up the drivers of paths for one search, building each
// named driver once (its configuration is read once).
type GrepDrivers struct {
	r      *Repository
	mu     sync.Mutex
	byName map[string]GrepDriver
}

// NewGrepDrivers starts the driver look-ups of a search.
func (r *Repository) NewGrepDrivers() *GrepDrivers {
	return &GrepDrivers{r: r, byName: map[string]GrepDriver{}}
}

// For looks up the driver of a path; safe for concurrent use.
func (gd *GrepDrivers) For(p string) (GrepDriver, error) {
	gd.mu.Lock()
	defer gd.mu.Unlock()
	r := gd.r
	var g GrepDriver
	a, err := r.Attributes(p)
	if err != nil {
		return g, err
	}
	v := a.Get("diff")
	switch {
	case v.IsUnset():
		g.Binary = 1
		return g, nil
	case v.IsSet():
		g.Binary = -1
		return g, nil
	case v.Text == "":
		return g, nil
	}
	if d, ok := gd.byName[v.Text]; ok {
		return d, nil
	}
	d, err := r.diffDriverFor(p)
	if err != nil {
		return g, err
	}
	if d != nil {
		g.Binary = d.binary
		if d.funcName != nil {
			m := d.funcName
			g.IsFunc = func(line string) bool { _, ok := m.Match(line); return ok }
		}
		g.Textconv = d.textconv
	}
	gd.byName[v.Text] = g
	return g, nil
}

// GrepTextconv runs a textconv command over data.
func (r *Repository) GrepTextconv(command, name string, data []byte) ([]byte, error) {
	return r.runTextconv(command, name, data)
}
