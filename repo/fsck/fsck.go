// Package fsck checks a repository as git fsck does: every object's hash
// and format (with git's message ids and severities, from treecheck),
// the packs' checksums, the refs, and that everything reachable from the
// refs, HEADs, reflogs and indexes of every work tree is there; it
// reports dangling and unreachable objects. Messages and exit status
// bits are git's.
package fsck

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/reach"
	gitrefs "easel.dev/easel/repo/refs"
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
	NameObjects      bool // name objects by how they are reached (refs/tags/v1^:dir/)
	// Heads are the objects given on the command line; the refs and
	// indexes are the heads when there are none.
	Heads []plumbing.Hash
	// HeadsGiven: objects were named on the command line (some perhaps
	// unresolvable, BadArgs of them): the refs are not used instead.
	HeadsGiven bool
	BadArgs    int
	// VerifyCommitGraph checks the commit-graph file(s) when present
	// (core.commitGraph) and returns git's messages for what is wrong.
	VerifyCommitGraph func() []string
}

// Checker runs one fsck.
type Checker struct {
	DB     *odb.DB
	Common string // the common git directory
	Opt    Options
	Out    io.Writer // findings about objects: missing, dangling, broken links
	Err    io.Writer // errors, warnings, notices
	// Worktree is the git directory of the work tree fsck runs in:
	// per-work-tree names are spelled from it as git spells them (HEAD,
	// main-worktree/HEAD, worktrees/<id>/HEAD). Empty is the main one.
	Worktree string
	// Display spells an object store path as git prints it; nil keeps
	// it relative to the work tree top.
	Display func(path string) string

	errors  int
	has     *reach.Set // objects found well-formed (or just present, connectivity only)
	used    *reach.Set // objects something points to
	missing map[plumbing.Hash]plumbing.ObjectType
	lines   []finalLine
	names   map[plumbing.Hash]string // --name-objects

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
	if c.Opt.NameObjects {
		c.names = map[plumbing.Hash]string{}
	}
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
		if c.names != nil && o.Data != nil {
			c.nameLinks(o)
		}
		if o.Expected != plumbing.AnyObject && o.Expected != plumbing.InvalidObject && o.Type != o.Expected {
			fmt.Fprintf(c.Err, "error: object %s is a %s, not a %s\n", o.ID, typeName(o.Type), typeName(o.Expected))
			c.errors |= ErrorObject
		}
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
	if c.Opt.BadArgs > 0 {
		c.errors |= ErrorObject
	}
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
	if !c.Opt.HeadsGiven && len(c.Opt.Heads) == 0 {
		if err := c.defaultHeads(w, !c.Opt.NoReflogs); err != nil {
			return c.errors, err
		}
	} else if c.Opt.Cache {
		roots, problems := reach.Collect(c.Common, reach.Options{NoReflogs: true})
		if err := c.indexProblem(problems); err != nil {
			return c.errors, err
		}
		c.indexHeads(w, roots)
	}
	if err := w.Run(); err != nil {
		return c.errors, err
	}
	c.connectivity(w.Seen)
	if c.Opt.VerifyCommitGraph != nil {
		for _, msg := range c.Opt.VerifyCommitGraph() {
			fmt.Fprintf(c.Err, "error: %s\n", msg)
			c.errors |= ErrorCommitGraph
		}
	}
	return c.errors, nil
}

func (c *Checker) brokenLink(from plumbing.Hash, ft plumbing.ObjectType, to plumbing.Hash, tt plumbing.ObjectType) {
	fmt.Fprintf(c.Out, "broken link from %7s %s\n              to %7s %s\n", typeName(ft), c.describe(from), typeName(tt), c.describe(to))
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
	rel := c.Display
	if rel == nil {
		rel = func(p string) string {
			if r, err := filepath.Rel(filepath.Dir(c.Common), p); err == nil && !strings.HasPrefix(r, "..") {
				return r
			}
			return p
		}
	}
	odb.ForEachLooseFile(dir, func(id plumbing.Hash, path string) error {
		typ, data, ok := readLooseStrict(path)
		if !ok {
			c.looseProblem(id, path, rel(path))
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
		if f.Detail != "" {
			fmt.Fprintf(c.Err, "error: %s\n", f.Detail)
		}
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
// ErrIndexCorrupt is an index file fsck cannot read: git stops there.
var ErrIndexCorrupt = errors.New("index file corrupt")

func (c *Checker) indexProblem(problems []reach.Problem) error {
	for _, p := range problems {
		if strings.HasSuffix(p.Name, "index") {
			fmt.Fprintf(c.Err, "error: %v\n", p.Err)
			return ErrIndexCorrupt
		}
	}
	return nil
}

func (c *Checker) defaultHeads(w *reach.Walker, reflogs bool) error {
	roots, problems := reach.Collect(c.Common, reach.Options{NoReflogs: !reflogs})
	if err := c.indexProblem(problems); err != nil {
		return err
	}
	c.renameRoots(roots)
	refs := 0
	for _, p := range problems {
		if strings.HasSuffix(p.Name, "HEAD") {
			fmt.Fprintf(c.Err, "error: invalid %s\n", p.Name)
			c.errors |= ErrorRefs
		} else if errors.Is(p.Err, gitrefs.ErrBadContent) {
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
		c.name(id, name)
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
	return nil
}

// renameRoots spells per-work-tree names as seen from the work tree
// fsck runs in.
func (c *Checker) renameRoots(roots []reach.Root) {
	if c.Worktree == "" || filepath.Clean(c.Worktree) == filepath.Clean(c.Common) {
		return
	}
	own := "worktrees/" + filepath.Base(c.Worktree) + "/"
	for i := range roots {
		r := &roots[i]
		if r.Kind == reach.KindIndex || r.Kind == reach.KindRef && r.Worktree == c.Common {
			continue
		}
		switch {
		case strings.HasPrefix(r.Name, own):
			r.Name = strings.TrimPrefix(r.Name, own)
		case r.Worktree == c.Common:
			r.Name = "main-worktree/" + r.Name
		}
	}
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
		if r.Type == plumbing.TreeObject {
			c.name(r.ID, ":")
		} else {
			c.name(r.ID, ":"+r.Name)
		}
		w.Add(r.ID, r.Type, r.Name)
	}
}

// name records how an object was first reached (--name-objects).
func (c *Checker) name(id plumbing.Hash, name string) {
	if c.names == nil {
		return
	}
	if _, ok := c.names[id]; !ok {
		c.names[id] = name
	}
}

// describe is an id, followed by its name with --name-objects.
func (c *Checker) describe(id plumbing.Hash) string {
	if n, ok := c.names[id]; ok {
		return id.String() + " (" + n + ")"
	}
	return id.String()
}

// nameLinks names what an object links to from its own name, as git's
// fsck_walk does: a commit's tree "<name>:", its parents "<name>^",
// "<name>~<n>", "<name>^<k>"; a tree's entries "<name><path>" ("/" after
// a directory); a tag's object "<name>".
func (c *Checker) nameLinks(o reach.Object) {
	name, ok := c.names[o.ID]
	if !ok {
		return
	}
	switch o.Type {
	case plumbing.CommitObject:
		base, gen := name, 0
		if i := strings.LastIndexByte(name, '~'); i >= 0 {
			if n, err := strconv.Atoi(name[i+1:]); err == nil {
				base, gen = name[:i], n
			}
		} else if strings.HasSuffix(name, "^") {
			base, gen = name[:len(name)-1], 1
		}
		k := 0
		for _, line := range bytes.Split(headers(o.Data), []byte("\n")) {
			key, v, _ := bytes.Cut(line, []byte(" "))
			if len(v) != 40 {
				continue
			}
			id := plumbing.NewHash(string(v))
			switch string(key) {
			case "tree":
				c.name(id, name+":")
			case "parent":
				k++
				switch {
				case k > 1:
					c.name(id, fmt.Sprintf("%s^%d", name, k))
				case gen > 0:
					c.name(id, fmt.Sprintf("%s~%d", base, gen+1))
				default:
					c.name(id, name+"^")
				}
			}
		}
	case plumbing.TreeObject:
		reach.ScanTree(o.Data, func(mode, entry []byte, id plumbing.Hash) {
			if mode[0] == '4' {
				c.name(id, name+string(entry)+"/")
			} else {
				c.name(id, name+string(entry))
			}
		})
	case plumbing.TagObject:
		obj, _, _ := tagFields(o.Data)
		if len(obj) == 40 {
			c.name(plumbing.NewHash(obj), name)
		}
	}
}

// connectivity reports what is reachable but missing, and what exists
// but is not reachable (dangling: nothing points to it; unreachable with
// --unreachable).
func (c *Checker) connectivity(reachable *reach.Set) {
	for id, t := range c.missing {
		c.lines = append(c.lines, finalLine{id, fmt.Sprintf("missing %s %s", typeName(t), c.describe(id))})
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
			c.lines = append(c.lines, finalLine{id, fmt.Sprintf("unreachable %s %s", typeName(t), c.describe(id))})
		case !c.used.Has(id) && !c.Opt.NoDangling:
			c.lines = append(c.lines, finalLine{id, fmt.Sprintf("dangling %s %s", typeName(t), c.describe(id))})
		}
	}
	if len(c.missing) > 0 {
		c.errors |= ErrorReachable
	}
	// git prints these in the order of its object hash table: slots by
	// the first four bytes of the id read as a little-endian number,
	// modulo a table size that doubles from 32 while more than half full.
	n := c.has.Len() + len(c.missing)
	size := 32
	for size-1 <= 2*(n-1) {
		size *= 2
	}
	slot := func(id plumbing.Hash) uint32 { return binary.LittleEndian.Uint32(id[:4]) & uint32(size-1) }
	sort.Slice(c.lines, func(i, j int) bool {
		a, b := c.lines[i].id, c.lines[j].id
		if sa, sb := slot(a), slot(b); sa != sb {
			return sa < sb
		}
		return bytes.Compare(a[:], b[:]) < 0
	})
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

// readLooseStrict inflates a loose object as git's fsck reads it: the
// header must name a known type and the right size, and nothing may
// follow the zlib stream.
func readLooseStrict(path string) (plumbing.ObjectType, []byte, bool) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, false
	}
	br := bytes.NewReader(raw)
	z, err := zlib.NewReader(br)
	if err != nil {
		return 0, nil, false
	}
	full, err := io.ReadAll(z)
	if err != nil || br.Len() > 0 {
		return 0, nil, false
	}
	hdr, data, ok := bytes.Cut(full, []byte{0})
	name, size, _ := strings.Cut(string(hdr), " ")
	typ, err := plumbing.ParseObjectType(name)
	if !ok || err != nil || typ > plumbing.TagObject || size != strconv.Itoa(len(data)) {
		return 0, nil, false
	}
	return typ, data, true
}

// looseProblem explains, in git's words, why a loose object could not be
// read: no zlib stream, bytes after it, an unknown type (possibly also
// stored under the wrong name).
func (c *Checker) looseProblem(id plumbing.Hash, path, shown string) {
	c.errors |= ErrorObject
	corrupt := func() { fmt.Fprintf(c.Err, "error: %s: object corrupt or missing: %s\n", id, shown) }
	raw, err := os.ReadFile(path)
	if err != nil {
		corrupt()
		return
	}
	if len(raw) < 2 || raw[0]&0x0f != 8 || (uint(raw[0])<<8|uint(raw[1]))%31 != 0 {
		// What git's inflate says before giving up on the object.
		fmt.Fprintf(c.Err, "error: inflate: data stream error (incorrect header check)\nerror: unable to unpack header of %s\n", shown)
		corrupt()
		return
	}
	br := bytes.NewReader(raw)
	z, err := zlib.NewReader(br)
	if err != nil {
		corrupt()
		return
	}
	full, err := io.ReadAll(z)
	if err != nil {
		corrupt()
		return
	}
	if br.Len() > 0 {
		fmt.Fprintf(c.Err, "error: garbage at end of loose object '%s'\nerror: unable to unpack contents of %s\n", id, shown)
		corrupt()
		return
	}
	hdr, _, ok := bytes.Cut(full, []byte{0})
	typ, _, _ := strings.Cut(string(hdr), " ")
	if ok {
		if real := plumbing.Hash(sha1.Sum(full)); real != id {
			fmt.Fprintf(c.Err, "error: %s: hash-path mismatch, found at: %s\n", real, shown)
			id = real
		}
		if _, err := plumbing.ParseObjectType(typ); err != nil {
			fmt.Fprintf(c.Err, "error: %s: object is of unknown type '%s': %s\n", id, typ, shown)
			return
		}
	}
	corrupt()
}
