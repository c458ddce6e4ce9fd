// Package reach finds what a repository keeps alive, as git's
// reachable.c and fsck do: the roots (every ref, loose and packed; HEAD
// of the main and of every linked work tree; both ids of every reflog
// entry of every work tree; the blobs and cache-tree trees of every work
// tree's index) and a walk from them over commits, trees, blobs and tags
// that holds ids only.
//
// It reads the git directory itself rather than through package repo,
// so that repo and the commands above it (gc, repack, prune, fsck) can
// all use it.
package reach

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/hashfile"
	"easel.dev/easel/repo/indexfile"
	"easel.dev/easel/repo/reflog"
	"easel.dev/easel/repo/refs"
)

// Kind is where a root comes from.
type Kind int

const (
	KindRef    Kind = iota // a ref under refs/, loose or packed
	KindHead               // HEAD of a work tree
	KindReflog             // an id of a reflog entry
	KindIndex              // an index entry or cache-tree tree
	KindState              // MERGE_HEAD, CHERRY_PICK_HEAD and the like
)

// Root is one id that keeps objects alive.
type Root struct {
	Kind Kind
	// Name is the ref (refs/heads/main, HEAD), the reflog's ref, or the
	// path of an index entry. Per-work-tree names of linked work trees
	// are spelled as git spells them: worktrees/<id>/HEAD.
	Name string
	// Symref is the ref a symbolic HEAD names (also when it is unborn).
	Symref string
	ID     plumbing.Hash // zero for an unborn HEAD
	// Type is what the id names when known (index entries); AnyObject
	// otherwise.
	Type plumbing.ObjectType
	// Worktree is the git directory the root belongs to (the common one
	// for shared refs).
	Worktree string
}

// Problem is a ref, reflog or index that could not be read.
type Problem struct {
	Name string // the ref or file
	Err  error
}

func (p Problem) Error() string { return p.Name + ": " + p.Err.Error() }

// Options say which roots to collect.
type Options struct {
	NoReflogs bool // leave reflog entries out (git fsck --no-reflogs)
	NoIndex   bool // leave the indexes out
	// StateRefs adds MERGE_HEAD, CHERRY_PICK_HEAD, REVERT_HEAD,
	// ORIG_HEAD, FETCH_HEAD's ids... of every work tree. git 2.39's
	// prune and fsck do not count them, so neither does the default.
	StateRefs bool
}

// StateRefNames are the pseudo-refs of operations in progress.
var StateRefNames = []string{"MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD", "ORIG_HEAD", "BISECT_HEAD", "REBASE_HEAD", "AUTO_MERGE"}

// Worktrees lists the git directories of the repository whose common
// directory is common: common itself, then each worktrees/<id> that has
// a HEAD, in name order.
func Worktrees(common string) []string {
	out := []string{common}
	ents, _ := os.ReadDir(filepath.Join(common, "worktrees"))
	for _, e := range ents {
		dir := filepath.Join(common, "worktrees", e.Name())
		if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil && e.IsDir() {
			out = append(out, dir)
		}
	}
	return out
}

// worktreePrefix is how git names a linked work tree's own refs:
// "worktrees/<id>/"; "" for the main one.
func worktreePrefix(common, wt string) string {
	if wt == common {
		return ""
	}
	return "worktrees/" + filepath.Base(wt) + "/"
}

// Collect returns the roots of the repository whose common git directory
// is common, and the problems met reading them (a ref whose file holds
// no id, an unreadable index). Lock files are ignored, as git ignores
// them.
func Collect(common string, opt Options) ([]Root, []Problem) {
	c := &collector{common: common}
	wts := Worktrees(common)

	// Refs: loose ones shadow packed ones of the same name; a linked work
	// tree adds its own (refs/bisect...).
	for _, wt := range wts {
		prefix := worktreePrefix(common, wt)
		st := refs.Store{Common: common, Worktree: wt}
		var found []refs.Ref
		if wt == common {
			l, err := st.List("refs/")
			if err != nil {
				c.problems = append(c.problems, Problem{Name: "refs", Err: err})
				continue
			}
			c.addProblems(prefix, l.Problems)
			found = l.Refs
		} else {
			for _, ns := range []string{"refs/bisect/", "refs/worktree/", "refs/rewritten/"} {
				l, err := st.List(ns)
				if err != nil {
					c.problems = append(c.problems, Problem{Name: prefix + ns, Err: err})
					continue
				}
				for _, p := range l.Problems {
					if p.Name != "packed-refs" {
						c.addProblems(prefix, []refs.Problem{p})
					}
				}
				for _, r := range l.Refs {
					if !r.Packed {
						found = append(found, r)
					}
				}
			}
		}
		for _, r := range found {
			if r.Symbolic() && r.ID.IsZero() {
				continue
			}
			c.roots = append(c.roots, Root{Kind: KindRef, Name: prefix + r.Name, ID: r.ID, Symref: r.Target, Worktree: wt})
		}
	}

	for _, wt := range wts {
		prefix := worktreePrefix(common, wt)
		head := Root{Kind: KindHead, Name: prefix + "HEAD", Worktree: wt}
		id, sym, err := refs.ReadFile(filepath.Join(wt, "HEAD"))
		switch {
		case err != nil:
			c.problems = append(c.problems, Problem{Name: head.Name, Err: err})
			continue
		case sym != "":
			head.Symref = sym
			head.ID, _ = refs.Store{Common: common, Worktree: wt}.Resolve(sym)
		default:
			head.ID = id
		}
		c.roots = append(c.roots, head)
		if opt.StateRefs {
			for _, name := range StateRefNames {
				if id, _, err := refs.ReadFile(filepath.Join(wt, name)); err == nil && !id.IsZero() {
					c.roots = append(c.roots, Root{Kind: KindState, Name: prefix + name, ID: id, Worktree: wt})
				}
			}
		}
	}
	if !opt.NoReflogs {
		for _, wt := range wts {
			c.reflogs(wt)
		}
	}
	if !opt.NoIndex {
		for _, wt := range wts {
			c.index(wt)
		}
	}
	return c.roots, c.problems
}

type collector struct {
	common   string
	roots    []Root
	problems []Problem
}

func (c *collector) addProblems(prefix string, ps []refs.Problem) {
	for _, p := range ps {
		c.problems = append(c.problems, Problem{Name: prefix + p.Name, Err: p.Err})
	}
}

// reflogs adds both ids of every entry of every reflog in wt's logs/.
func (c *collector) reflogs(wt string) {
	prefix := worktreePrefix(c.common, wt)
	logs := filepath.Join(wt, "logs")
	filepath.WalkDir(logs, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".lock") {
			return nil
		}
		rel, _ := filepath.Rel(logs, path)
		name := filepath.ToSlash(rel)
		if wt != c.common && name != "HEAD" && !refs.PerWorktree(name) {
			return nil
		}
		if wt == c.common && name != "HEAD" && !strings.HasPrefix(name, "refs/") {
			return nil
		}
		reflog.ForEachID(path, func(old, new plumbing.Hash) {
			for _, id := range []plumbing.Hash{old, new} {
				if !id.IsZero() {
					c.roots = append(c.roots, Root{Kind: KindReflog, Name: prefix + name, ID: id, Worktree: wt})
				}
			}
		})
		return nil
	})
}

// index adds the entries and cache-tree trees of wt's index (and of the
// shared index a split index names).
func (c *collector) index(wt string) {
	path := filepath.Join(wt, "index")
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	prefix := worktreePrefix(c.common, wt)
	add := func(id plumbing.Hash, typ plumbing.ObjectType, name string) {
		c.roots = append(c.roots, Root{Kind: KindIndex, Name: name, ID: id, Type: typ, Worktree: wt})
	}
	shared, err := ScanIndex(data, add)
	if err != nil {
		c.problems = append(c.problems, Problem{Name: prefix + "index", Err: err})
		return
	}
	if !shared.IsZero() {
		data, err := os.ReadFile(filepath.Join(wt, "sharedindex."+shared.String()))
		if err == nil {
			_, err = ScanIndex(data, add)
		}
		if err != nil {
			c.problems = append(c.problems, Problem{Name: prefix + "sharedindex." + shared.String(), Err: err})
		}
	}
}

// ScanIndex calls fn for every object an index file names: each entry's
// blob (gitlinks left out; a sparse index's directory entries are trees)
// and each valid cache-tree tree. It returns the shared index a split
// index names.
func ScanIndex(data []byte, fn func(id plumbing.Hash, typ plumbing.ObjectType, path string)) (plumbing.Hash, error) {
	var shared plumbing.Hash
	bad := fmt.Errorf("bad index file")
	if len(data) < 12+20 || string(data[:4]) != "DIRC" {
		return shared, bad
	}
	be := func(b []byte) uint32 { return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) }
	version := be(data[4:])
	if version < 2 || version > 4 {
		return shared, fmt.Errorf("bad index version %d", version)
	}
	n := int(be(data[8:]))
	end := len(data) - 20
	// A zero trailer is index.skipHash's: no checksum to verify.
	if trailer := data[end:]; !bytes.Equal(trailer, make([]byte, 20)) {
		if !hashfile.Valid(data) {
			return shared, fmt.Errorf("bad index file sha1 signature")
		}
	}
	p := 12
	prev := ""
	for i := 0; i < n; i++ {
		if p+62 > end {
			return shared, bad
		}
		mode := be(data[p+24:])
		var id plumbing.Hash
		copy(id[:], data[p+40:p+60])
		flags := uint16(data[p+60])<<8 | uint16(data[p+61])
		q := p + 62
		if version >= 3 && flags&0x4000 != 0 {
			q += 2
		}
		var name string
		if version == 4 {
			n, w, err := indexfile.V4Name(data[q:end], prev)
			if err != nil {
				return shared, bad
			}
			name = n
			q += w
		} else {
			nul := bytes.IndexByte(data[q:end], 0)
			if nul < 0 {
				return shared, bad
			}
			name = string(data[q : q+nul])
			// Entries are padded with 1 to 8 NULs to a multiple of 8.
			q = p + ((q+nul-p)+8)&^7
		}
		prev = name
		p = q
		switch mode & 0o170000 {
		case 0o160000:
		case 0o040000:
			fn(id, plumbing.TreeObject, name)
		default:
			fn(id, plumbing.BlobObject, name)
		}
	}
	for p+8 <= end {
		sig := string(data[p : p+4])
		size := int(be(data[p+4:]))
		p += 8
		if size < 0 || p+size > end {
			return shared, bad
		}
		ext := data[p : p+size]
		p += size
		switch sig {
		case "TREE":
			scanCacheTree(ext, "", fn)
		case "link":
			if len(ext) >= 20 {
				copy(shared[:], ext[:20])
			}
		}
	}
	return shared, nil
}

// scanCacheTree reads the TREE extension: "<path>\0<entries> <subtrees>\n"
// and, when entries >= 0, the tree's id, then its subtrees, recursively.
func scanCacheTree(b []byte, _ string, fn func(plumbing.Hash, plumbing.ObjectType, string)) {
	var walk func(dir string) bool
	walk = func(dir string) bool {
		nul := bytes.IndexByte(b, 0)
		if nul < 0 {
			return false
		}
		name := string(b[:nul])
		b = b[nul+1:]
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return false
		}
		var entries, subtrees int
		if _, err := fmt.Sscanf(string(b[:nl]), "%d %d", &entries, &subtrees); err != nil {
			return false
		}
		b = b[nl+1:]
		path := name
		if dir != "" {
			path = dir + "/" + name
		}
		if entries >= 0 {
			if len(b) < 20 {
				return false
			}
			var id plumbing.Hash
			copy(id[:], b[:20])
			b = b[20:]
			fn(id, plumbing.TreeObject, path)
		}
		for i := 0; i < subtrees; i++ {
			if !walk(path) {
				return false
			}
		}
		return true
	}
	walk("")
}
