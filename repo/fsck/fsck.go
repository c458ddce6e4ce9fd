// Package fsck checks a repository as git fsck does: every object's hash
// and format (with git's message ids and severities, from treecheck),
// the packs' checksums, the refs, and that everything reachable from the
// refs, HEADs, reflogs and indexes of every work tree is there; it
// reports dangling and unreachable objects. Messages and exit status
// bits are git's.
package fsck

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/reach"
	"easel.dev/easel/repo/treecheck"
)

// Exit status bits, git's errors_found.
const (
	ErrorObject      = 1
	ErrorReachable   = 2
	ErrorPack        = 4
	ErrorRefs        = 8
	ErrorCommitGraph = 16
)

// Options are git fsck's.
type Options struct {
	Policy           treecheck.Policy // --strict and fsck.<msg-id>
	NoFull           bool             // --no-full: packed objects are not checked
	ConnectivityOnly bool
	NoDangling       bool
	Unreachable      bool
	Root             bool
	Tags             bool
	NoReflogs        bool
	Cache            bool // --cache: the index is a head even with objects given
	// Heads are the objects given on the command line; the refs and
	// indexes are the heads when there are none.
	Heads []plumbing.Hash
	// VerifyCommitGraph checks the commit-graph file(s) when present
	// (core.commitGraph).
	VerifyCommitGraph func() error
}

// Checker runs one fsck.
type Checker struct {
	DB     *odb.DB
	Common string // the common git directory
	Opt    Options
	Out    io.Writer // findings about objects: missing, dangling, broken links
	Err    io.Writer // errors, warnings, notices

	errors  int
	has     *reach.Set // objects found well-formed (or just present, connectivity only)
	used    *reach.Set // objects something points to
	missing map[plumbing.Hash]plumbing.ObjectType
	lines   []finalLine
}

type finalLine struct {
	id   plumbing.Hash
	text string
}

// Run checks and returns git's exit status bits.
func (c *Checker) Run() (int, error) {
	c.has = reach.NewSet(1 << 16)
	c.used = reach.NewSet(1 << 12)
	c.missing = map[plumbing.Hash]plumbing.ObjectType{}
	packedUnchecked := c.Opt.ConnectivityOnly || c.Opt.NoFull
	if c.Opt.ConnectivityOnly {
		for _, dir := range c.DB.ObjectDirs() {
			odb.ForEachLooseFile(dir, func(id plumbing.Hash, _ string) error { c.has.Add(id); return nil }, nil)
		}
	} else {
		for _, dir := range c.DB.ObjectDirs() {
			c.scanLoose(dir)
		}
		if !c.Opt.NoFull {
			for _, pf := range c.DB.PackFiles(true) {
				c.scanPack(pf)
			}
		}
	}
	if packedUnchecked {
		for _, pf := range c.DB.PackFiles(true) {
			pf.ForEachID(func(id plumbing.Hash) error { c.has.Add(id); return nil })
		}
	}

	w := &reach.Walker{DB: c.DB, Blobs: reach.SkipBlobs, Shallow: reach.Shallow(c.Common)}
	w.Visit = func(o reach.Object) error {
		if !c.has.Has(o.ID) {
			if !o.From.IsZero() && !c.DB.Contains(o.ID) {
				c.brokenLink(o.From, o.FromType, o.ID, o.Type)
			}
			c.missing[o.ID] = o.Type
		}
		return nil
	}
	w.BadLink = func(from plumbing.Hash, ft plumbing.ObjectType, to plumbing.Hash, tt plumbing.ObjectType, err error) error {
		if !from.IsZero() && !c.DB.Contains(to) {
			c.brokenLink(from, ft, to, tt)
		}
		c.missing[to] = tt
		return nil
	}

	heads := 0
	for _, id := range c.Opt.Heads {
		if !c.has.Has(id) {
			fmt.Fprintf(c.Err, "error: %s: object missing\n", id)
			c.errors |= ErrorObject
			continue
		}
		c.used.Add(id)
		w.Add(id, plumbing.AnyObject, "")
		heads++
	}
	if heads == 0 && len(c.Opt.Heads) == 0 {
		c.defaultHeads(w, !c.Opt.NoReflogs)
	} else if c.Opt.Cache {
		roots, _ := reach.Collect(c.Common, reach.Options{NoReflogs: true})
		c.indexHeads(w, roots)
	}
	if err := w.Run(); err != nil {
		return c.errors, err
	}
	c.connectivity(w.Seen)
	if c.Opt.VerifyCommitGraph != nil {
		if err := c.Opt.VerifyCommitGraph(); err != nil {
			fmt.Fprintf(c.Err, "error: %v\n", err)
			c.errors |= ErrorCommitGraph
		}
	}
	return c.errors, nil
}

func (c *Checker) brokenLink(from plumbing.Hash, ft plumbing.ObjectType, to plumbing.Hash, tt plumbing.ObjectType) {
	fmt.Fprintf(c.Out, "broken link from %7s %s\n              to %7s %s\n", typeName(ft), from, typeName(tt), to)
	c.errors |= ErrorReachable
}

func typeName(t plumbing.ObjectType) string {
	switch t {
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
		return t.String()
	}
	return "unknown"
}

// scanLoose checks every loose object of an objects directory.
func (c *Checker) scanLoose(dir string) {
	rel := func(p string) string {
		if r, err := filepath.Rel(filepath.Dir(c.Common), p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
		return p
	}
	odb.ForEachLooseFile(dir, func(id plumbing.Hash, path string) error {
		typ, data, err := odb.ReadLooseFile(path)
		if err != nil {
			if !zlibHeader(path) {
				// What git's inflate says before giving up on the object.
				fmt.Fprintf(c.Err, "error: inflate: data stream error (incorrect header check)\nerror: unable to unpack header of %s\n", rel(path))
			}
			fmt.Fprintf(c.Err, "error: %s: object corrupt or missing: %s\n", id, rel(path))
			c.errors |= ErrorObject
			return nil
		}
		if real := plumbing.ComputeHash(typ, data); real != id {
			fmt.Fprintf(c.Err, "error: %s: hash-path mismatch, found at: %s\n", real, rel(path))
			c.errors |= ErrorObject
			return nil
		}
		if c.checkObject(id, typ, data) {
			c.errors |= ErrorObject
		}
		return nil
	}, func(path string) error {
		if !strings.HasPrefix(filepath.Base(path), "tmp_obj_") {
			fmt.Fprintf(c.Err, "bad sha1 file: %s\n", rel(path))
		}
		return nil
	})
}

// scanPack verifies a pack's checksums and every object in it.
func (c *Checker) scanPack(pf odb.PackFile) {
	if err := pf.VerifyChecksums(); err != nil {
		fmt.Fprintf(c.Err, "error: %v\n", err)
		c.errors |= ErrorPack
		return
	}
	name := pf.Base + ".pack"
	pf.ForEachObject(func(id plumbing.Hash, typ plumbing.ObjectType, data []byte, err error) error {
		if c.has.Has(id) {
			return nil
		}
		if err != nil {
			fmt.Fprintf(c.Err, "error: cannot unpack %s from %s: %v\n", id, name, err)
			c.errors |= ErrorPack
			return nil
		}
		if plumbing.ComputeHash(typ, data) != id {
			fmt.Fprintf(c.Err, "error: packed %s from %s is corrupt\n", id, name)
			c.errors |= ErrorPack
			return nil
		}
		if c.checkObject(id, typ, data) {
			c.errors |= ErrorObject
		}
		return nil
	})
}

// checkObject runs git's format checks on one object whose hash is
// right, records it as present and reports --root and --tags lines. It
// returns true when an error was found.
func (c *Checker) checkObject(id plumbing.Hash, typ plumbing.ObjectType, data []byte) bool {
	var findings []treecheck.Finding
	switch typ {
	case plumbing.CommitObject:
		findings = treecheck.CheckCommit(data, c.Opt.Policy)
	case plumbing.TreeObject:
		findings = treecheck.CheckTree(data, c.Opt.Policy)
	case plumbing.TagObject:
		findings = treecheck.CheckTag(data, c.Opt.Policy)
	}
	bad := false
	for _, f := range findings {
		kind := "warning"
		if c.Opt.Policy.SeverityOf(f.ID) >= treecheck.SevError {
			kind, bad = "error", true
		}
		fmt.Fprintf(c.Err, "%s in %s %s: %s\n", kind, typ, id, f)
	}
	c.has.Add(id)
	if bad {
		return true
	}
	switch typ {
	case plumbing.CommitObject:
		if c.Opt.Root && !bytes.Contains(headers(data), []byte("\nparent ")) {
			fmt.Fprintf(c.Out, "root %s\n", id)
		}
	case plumbing.TagObject:
		if c.Opt.Tags {
			obj, typ, name := tagFields(data)
			if obj != "" {
				fmt.Fprintf(c.Out, "tagged %s %s (%s) in %s\n", typ, obj, name, id)
			}
		}
	}
	return false
}

func headers(data []byte) []byte {
	if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		return data[:i+1]
	}
	return data
}

func tagFields(data []byte) (obj, typ, name string) {
	for _, line := range strings.Split(string(headers(data)), "\n") {
		k, v, _ := strings.Cut(line, " ")
		switch k {
		case "object":
			obj = v
		case "type":
			typ = v
		case "tag":
			name = v
		}
	}
	return
}

// defaultHeads marks what the refs, HEADs, reflogs and indexes of every
// work tree keep, with git's errors for what they name but is not there.
func (c *Checker) defaultHeads(w *reach.Walker, reflogs bool) {
	roots, problems := reach.Collect(c.Common, reach.Options{NoReflogs: !reflogs})
	refs := 0
	for _, p := range problems {
		if strings.HasSuffix(p.Name, "HEAD") {
			fmt.Fprintf(c.Err, "error: invalid %s\n", p.Name)
			c.errors |= ErrorRefs
		} else if p.Err == reach.ErrBadRefContent {
			fmt.Fprintf(c.Err, "error: %s: invalid sha1 pointer %s\n", p.Name, plumbing.ZeroHash)
			c.errors |= ErrorReachable
		}
	}
	handleRef := func(name string, id plumbing.Hash) {
		if !c.has.Has(id) {
			fmt.Fprintf(c.Err, "error: %s: invalid sha1 pointer %s\n", name, id)
			c.errors |= ErrorReachable
			return
		}
		if strings.HasPrefix(name, "refs/heads/") {
			if t, _, err := c.DB.Info(id); err == nil && t != plumbing.CommitObject {
				fmt.Fprintf(c.Err, "error: %s: not a commit\n", name)
				c.errors |= ErrorRefs
			}
		}
		refs++
		c.used.Add(id)
		w.Add(id, plumbing.AnyObject, "")
	}
	for _, r := range roots {
		if r.Kind == reach.KindRef {
			handleRef(r.Name, r.ID)
		}
	}
	for _, r := range roots {
		switch r.Kind {
		case reach.KindHead:
			switch {
			case r.Symref != "" && !strings.HasPrefix(r.Symref, "refs/heads/"):
				fmt.Fprintf(c.Err, "error: %s points to something strange (%s)\n", r.Name, r.Symref)
				c.errors |= ErrorRefs
			case r.Symref == "" && r.ID.IsZero():
				fmt.Fprintf(c.Err, "error: %s: detached HEAD points at nothing\n", r.Name)
				c.errors |= ErrorRefs
			case r.ID.IsZero():
				fmt.Fprintf(c.Err, "notice: %s points to an unborn branch (%s)\n", r.Name, strings.TrimPrefix(r.Symref, "refs/heads/"))
			default:
				handleRef(r.Name, r.ID)
			}
		case reach.KindReflog:
			if !c.has.Has(r.ID) {
				fmt.Fprintf(c.Err, "error: %s: invalid reflog entry %s\n", r.Name, r.ID)
				c.errors |= ErrorReachable
				continue
			}
			c.used.Add(r.ID)
			w.Add(r.ID, plumbing.AnyObject, "")
		}
	}
	if refs == 0 {
		fmt.Fprintf(c.Err, "notice: No default references\n")
		c.Opt.Unreachable = false
	}
	c.indexHeads(w, roots)
}

func (c *Checker) indexHeads(w *reach.Walker, roots []reach.Root) {
	for _, r := range roots {
		if r.Kind != reach.KindIndex {
			continue
		}
		if r.Type == plumbing.TreeObject {
			if !c.has.Has(r.ID) && !c.DB.Contains(r.ID) {
				fmt.Fprintf(c.Err, "error: %s: invalid sha1 pointer in cache-tree of %s\n", r.ID, filepath.Join(r.Worktree, "index"))
				c.errors |= ErrorRefs
				continue
			}
		}
		c.used.Add(r.ID)
		w.Add(r.ID, r.Type, r.Name)
	}
}

// connectivity reports what is reachable but missing, and what exists
// but is not reachable (dangling: nothing points to it; unreachable with
// --unreachable).
func (c *Checker) connectivity(reachable *reach.Set) {
	for id, t := range c.missing {
		c.lines = append(c.lines, finalLine{id, fmt.Sprintf("missing %s %s", typeName(t), id)})
	}
	// What unreachable objects point to is not dangling: only the tips
	// of lost history are.
	var unreachable []plumbing.Hash
	c.has.ForEach(func(id plumbing.Hash) error {
		if !reachable.Has(id) {
			unreachable = append(unreachable, id)
		}
		return nil
	})
	types := make(map[plumbing.Hash]plumbing.ObjectType, len(unreachable))
	for _, id := range unreachable {
		t, data, err := c.DB.Read(id)
		if err != nil {
			continue
		}
		types[id] = t
		markLinks(t, data, c.used)
	}
	for _, id := range unreachable {
		t, ok := types[id]
		if !ok {
			continue
		}
		switch {
		case c.Opt.Unreachable:
			c.lines = append(c.lines, finalLine{id, fmt.Sprintf("unreachable %s %s", typeName(t), id)})
		case !c.used.Has(id) && !c.Opt.NoDangling:
			c.lines = append(c.lines, finalLine{id, fmt.Sprintf("dangling %s %s", typeName(t), id)})
		}
	}
	if len(c.missing) > 0 {
		c.errors |= ErrorReachable
	}
	sort.Slice(c.lines, func(i, j int) bool { return bytes.Compare(c.lines[i].id[:], c.lines[j].id[:]) < 0 })
	for _, l := range c.lines {
		fmt.Fprintln(c.Out, l.text)
	}
}

// markLinks adds what an object points to to set.
func markLinks(t plumbing.ObjectType, data []byte, set *reach.Set) {
	switch t {
	case plumbing.TreeObject:
		reach.ScanTree(data, func(mode, _ []byte, id plumbing.Hash) {
			if string(mode) != "160000" {
				set.Add(id)
			}
		})
	case plumbing.CommitObject, plumbing.TagObject:
		for _, line := range bytes.Split(headers(data), []byte("\n")) {
			k, v, _ := bytes.Cut(line, []byte(" "))
			switch string(k) {
			case "tree", "parent", "object":
				if len(v) == 40 {
					set.Add(plumbing.NewHash(string(v)))
				}
			}
		}
	}
}

// zlibHeader reports whether a file starts with a valid zlib header.
func zlibHeader(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [2]byte
	if _, err := io.ReadFull(f, b[:]); err != nil {
		return false
	}
	return b[0]&0x0f == 8 && (uint(b[0])<<8|uint(b[1]))%31 == 0
}
