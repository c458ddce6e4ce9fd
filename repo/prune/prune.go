// Package prune removes what a repository no longer needs, as git prune
// and prune-packed do: loose objects nothing reaches that are older than
// the grace period, loose objects a pack also holds, and temporary files
// writers left behind. Each removal is one unlink of a file nothing
// reachable needs, so a process killed at any moment leaves a valid
// repository.
package prune

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/reach"
	"easel.dev/easel/repo/refs"
)

// Never is the expiry time that keeps every object (gc --prune=never).
var Never = time.Unix(0, 0)

// All is the expiry time that removes every unreachable object whatever
// its age (git prune's default).
var All = time.Unix(math.MaxInt64/2, 0)

// Options are git prune's.
type Options struct {
	DryRun  bool // -n: report, remove nothing
	Verbose bool // -v: report what is removed
	// Expire: unreachable loose objects and temporary files modified
	// after it are kept (and what recent objects reach). All removes
	// everything unreachable.
	Expire time.Time
	// Heads are extra objects to keep, with what they reach.
	Heads []plumbing.Hash
	// Err receives complaints (bad sha1 file); nil discards them.
	Err io.Writer
	// Display spells a path in reports (git's are relative to where it
	// runs); nil prints it as is.
	Display func(path string) string
}

func (o *Options) show(path string) string {
	if o.Display != nil {
		return o.Display(path)
	}
	return path
}

// Prune removes unreachable loose objects of the repository whose common
// git directory is common, then the loose objects packs also hold, and
// stale temporary files. Reports go to out in git's words: "<id> <type>"
// for each object pruned (with DryRun or Verbose), "Removing stale
// temporary file <path>", "rm -f <path>" for a dry run of prune-packed.
func Prune(db *odb.DB, common string, opt Options, out io.Writer) error {
	if opt.Expire.IsZero() {
		opt.Expire = All
	}
	keep, err := Keep(db, common, opt.Expire, opt.Heads)
	if err != nil {
		return err
	}
	objdir := db.Dir()
	show := opt.DryRun || opt.Verbose
	ents, _ := os.ReadDir(objdir)
	for _, d := range ents {
		if len(d.Name()) != 2 || !d.IsDir() {
			continue
		}
		sub := filepath.Join(objdir, d.Name())
		files, _ := os.ReadDir(sub)
		for _, f := range files {
			path := filepath.Join(sub, f.Name())
			id, ok := parseID(d.Name() + f.Name())
			if !ok {
				if strings.HasPrefix(f.Name(), "tmp_obj_") {
					pruneTmp(path, opt, out)
				} else {
					if opt.Err != nil {
						fmt.Fprintf(opt.Err, "bad sha1 file: %s\n", opt.show(path))
					}
				}
				continue
			}
			if keep.Has(id) {
				continue
			}
			fi, err := os.Lstat(path)
			if err != nil || fi.ModTime().After(opt.Expire) {
				continue
			}
			if show {
				t, _, err := odb.LooseInfoFile(path)
				name := "unknown"
				if err == nil {
					name = t.String()
				}
				fmt.Fprintf(out, "%s %s\n", id, name)
			}
			if !opt.DryRun {
				os.Remove(path)
			}
		}
		if !opt.DryRun {
			os.Remove(sub) // only when empty
		}
	}
	if err := PrunePacked(db, opt.DryRun, false, opt.Display, out); err != nil {
		return err
	}
	RemoveTempFiles(filepath.Join(objdir, "pack"), opt, out)
	return pruneShallow(common, keep, opt, out)
}

// pruneShallow drops from the shallow file the commits that are gone
// (no longer reachable), as git's prune_shallow does; the file goes when
// nothing is left in it.
func pruneShallow(common string, keep *reach.Set, opt Options, out io.Writer) error {
	path := filepath.Join(common, "shallow")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var kept []string
	changed := false
	for _, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		id, ok := parseID(line)
		if ok && !keep.Has(id) {
			changed = true
			if opt.DryRun || opt.Verbose {
				fmt.Fprintf(out, "Removing %s from .git/shallow\n", id)
			}
			continue
		}
		if line != "" {
			kept = append(kept, line)
		}
	}
	if !changed || opt.DryRun {
		return nil
	}
	l, err := lockfile.Acquire(path, 0o644)
	if err != nil {
		return err
	}
	defer l.Rollback()
	if len(kept) == 0 {
		return os.Remove(path)
	}
	if _, err := l.Write([]byte(strings.Join(kept, "\n") + "\n")); err != nil {
		return err
	}
	return l.Commit()
}

// Keep is the set of objects prune must keep: everything reachable from
// the repository's roots and heads, and, when expire is not All, every
// loose object or object of a pack modified after expire together with
// what it reaches (git's grace period protects an object written just
// now and what it needs, before a ref names it).
func Keep(db *odb.DB, common string, expire time.Time, heads []plumbing.Hash) (*reach.Set, error) {
	roots, problems := reach.Collect(common, reach.Options{})
	for _, p := range problems {
		// git stops rather than prune with a ref it cannot read: what that
		// ref names would look unreachable.
		if errors.Is(p.Err, refs.ErrBadContent) {
			return nil, fmt.Errorf("bad ref %s: refusing to prune", p.Name)
		}
		// Objects only an unreadable index names would look unreachable.
		if strings.HasSuffix(p.Name, "index") {
			return nil, fmt.Errorf("%s: %v: refusing to prune", p.Name, p.Err)
		}
	}
	w := &reach.Walker{DB: db, Blobs: reach.SkipBlobs, Shallow: reach.Shallow(common)}
	w.AddRoots(roots)
	for _, h := range heads {
		w.Add(h, plumbing.AnyObject, "")
	}
	if err := w.Run(); err != nil {
		return nil, err
	}
	if !expire.Equal(All) && expire.Before(All) {
		odb.ForEachLooseFile(db.Dir(), func(id plumbing.Hash, path string) error {
			if w.Seen.Has(id) {
				return nil
			}
			if fi, err := os.Lstat(path); err == nil && fi.ModTime().After(expire) {
				w.Add(id, plumbing.AnyObject, "")
			}
			return nil
		}, nil)
		for _, pf := range db.PackFiles(false) {
			fi, err := os.Stat(pf.Base + ".pack")
			if err != nil || !fi.ModTime().After(expire) {
				continue
			}
			pf.ForEachID(func(id plumbing.Hash) error {
				w.Add(id, plumbing.AnyObject, "")
				return nil
			})
		}
		if err := w.Run(); err != nil {
			return nil, err
		}
	}
	return w.Seen, nil
}

// PrunePacked removes loose objects that a pack of the repository (or
// of an alternate) also holds, as git prune-packed does; a dry run
// prints "rm -f <path>" for each instead; verbose prints "Removing
// <path>" for each removal, as git prune-packed -v does.
func PrunePacked(db *odb.DB, dryRun, verbose bool, display func(string) string, out io.Writer) error {
	show := display
	if show == nil {
		show = func(p string) string { return p }
	}
	packs := db.PackFiles(true)
	if len(packs) == 0 {
		return nil
	}
	objdir := db.Dir()
	return odb.ForEachLooseFile(objdir, func(id plumbing.Hash, path string) error {
		for _, pf := range packs {
			if pf.Has(id) {
				if dryRun {
					fmt.Fprintf(out, "rm -f %s\n", show(path))
				} else {
					if verbose {
						fmt.Fprintf(out, "Removing %s\n", show(path))
					}
					os.Remove(path)
					os.Remove(filepath.Dir(path))
				}
				break
			}
		}
		return nil
	}, nil)
}

func pruneTmp(path string, opt Options, out io.Writer) {
	fi, err := os.Lstat(path)
	if err != nil || fi.ModTime().After(opt.Expire) {
		return
	}
	if opt.DryRun || opt.Verbose {
		fmt.Fprintf(out, "Removing stale temporary file %s\n", opt.show(path))
	}
	if !opt.DryRun {
		os.Remove(path)
	}
}

// RemoveTempFiles removes the tmp_* files of a pack directory older than
// the expiry (packs and indexes being written when a writer died).
func RemoveTempFiles(dir string, opt Options, out io.Writer) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "tmp_") {
			pruneTmp(filepath.Join(dir, e.Name()), opt, out)
		}
	}
}

func parseID(s string) (plumbing.Hash, bool) {
	if len(s) != 40 {
		return plumbing.ZeroHash, false
	}
	for i := 0; i < 40; i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.NewHash(s), true
}
