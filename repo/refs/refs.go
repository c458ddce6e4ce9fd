// Package refs reads the refs of a git directory as git's files backend
// stores them: loose files under refs/, packed-refs (with its peeled
// "^" lines) and symbolic refs.
//
// It is the one ref lister of easel. go-git's reference iterator also
// opens the "<ref>.lock" files of a ref transaction in progress and fails
// on them while they are still empty, so a branch listing, a log
// --decorate or a server's ref advertisement would fail whenever another
// process updates a ref. This package skips lock files, ignores refs that
// vanish while it reads, and reads loose refs before packed-refs (as git
// does) so that a concurrent pack-refs cannot hide a ref.
//
// It imports nothing of easel's, so that repo, its subpackages (reach,
// fsck, prune) and remote can all use it.
package refs

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing"
)

// Ref is one ref.
type Ref struct {
	Name string
	// ID is what the ref holds; for a symbolic ref, what its target
	// finally resolves to (zero when the target does not exist).
	ID plumbing.Hash
	// Target is what a symbolic ref points at ("" for a plain ref).
	Target string
	// Peeled is what packed-refs says the ref's tag finally names (zero
	// when it says nothing); PeeledKnown says its silence is an answer
	// too: the ref is no tag (git's "fully-peeled" trait).
	Peeled      plumbing.Hash
	PeeledKnown bool
	// Packed: the value comes from packed-refs (no loose file shadows it).
	Packed bool
}

// Symbolic reports whether the ref points at another ref.
func (r Ref) Symbolic() bool { return r.Target != "" }

// Reference is the ref as go-git's type.
func (r Ref) Reference() *plumbing.Reference {
	if r.Target != "" {
		return plumbing.NewSymbolicReference(plumbing.ReferenceName(r.Name), plumbing.ReferenceName(r.Target))
	}
	return plumbing.NewHashReference(plumbing.ReferenceName(r.Name), r.ID)
}

// ErrBadContent is a ref file that holds neither an id nor "ref: ".
var ErrBadContent = errors.New("badRefContent")

// ReadFile reads a loose ref or HEAD: its id, or the ref a symbolic ref
// names.
func ReadFile(path string) (id plumbing.Hash, target string, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return plumbing.ZeroHash, "", err
	}
	return ParseContent(data)
}

// ParseContent parses what a loose ref file holds, as git's
// parse_loose_ref_contents: "ref: <name>" or an id, optionally followed
// by white space and anything.
func ParseContent(data []byte) (plumbing.Hash, string, error) {
	s := strings.TrimRight(string(data), "\r\n\t ")
	if sym, ok := strings.CutPrefix(s, "ref:"); ok {
		return plumbing.ZeroHash, strings.TrimSpace(sym), nil
	}
	if len(s) >= 40 {
		if id, ok := ParseID(s[:40]); ok && (len(s) == 40 || s[40] == ' ' || s[40] == '\t') {
			return id, "", nil
		}
	}
	return plumbing.ZeroHash, "", ErrBadContent
}

// ParseID parses a full hexadecimal object id.
func ParseID(s string) (plumbing.Hash, bool) {
	var h plumbing.Hash
	if len(s) != 2*len(h) {
		return h, false
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, false
	}
	return h, true
}

// PerWorktree reports whether a ref lives in each work tree's own
// directory (git's refs/bisect, refs/worktree, refs/rewritten).
func PerWorktree(name string) bool {
	return strings.HasPrefix(name, "refs/bisect/") || strings.HasPrefix(name, "refs/worktree/") || strings.HasPrefix(name, "refs/rewritten/")
}

// Packed is the content of a packed-refs file.
type Packed struct {
	// Refs in file order (git writes them sorted), each with its peeled
	// line.
	Refs []Ref
	// Traits of the "# pack-refs with:" header ("peeled", "fully-peeled",
	// "sorted").
	Traits []string
	byName map[string]int
}

// Lookup returns the packed ref name.
func (p *Packed) Lookup(name string) (Ref, bool) {
	if p == nil {
		return Ref{}, false
	}
	i, ok := p.byName[name]
	if !ok {
		return Ref{}, false
	}
	return p.Refs[i], true
}

// HasTrait reports whether the header names trait.
func (p *Packed) HasTrait(trait string) bool {
	for _, t := range p.Traits {
		if t == trait {
			return true
		}
	}
	return false
}

// BadLineError is a packed-refs line that is neither a header, a ref nor
// a peeled line (git: "unexpected line in packed-refs").
type BadLineError struct{ Line string }

func (e *BadLineError) Error() string {
	return fmt.Sprintf("unexpected line in packed-refs: %q", e.Line)
}

// ReadPacked reads gitDir/packed-refs; a missing file is empty. A
// malformed line gives a *BadLineError together with every good line, so
// that a reader that tolerates it (fsck, a server) loses nothing.
func ReadPacked(gitDir string) (*Packed, error) {
	p := &Packed{byName: map[string]int{}}
	data, err := os.ReadFile(filepath.Join(gitDir, "packed-refs"))
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	return p, p.parse(data)
}

// ParsePacked parses the content of a packed-refs file, as ReadPacked.
func ParsePacked(data []byte) (*Packed, error) {
	p := &Packed{byName: map[string]int{}}
	return p, p.parse(data)
}

func (p *Packed) parse(data []byte) error {
	var bad error
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	last := -1
	for first := true; sc.Scan(); first = false {
		line := strings.TrimSuffix(sc.Text(), "\r")
		switch {
		case line == "":
			continue
		case line[0] == '#':
			if t, ok := strings.CutPrefix(line, "# pack-refs with:"); ok && first {
				p.Traits = strings.Fields(t)
			}
			continue
		case line[0] == '^':
			if id, ok := ParseID(line[1:]); ok && last >= 0 {
				p.Refs[last].Peeled = id
				continue
			}
		default:
			hexID, name, ok := strings.Cut(line, " ")
			if id, good := ParseID(hexID); ok && good && name != "" {
				last = len(p.Refs)
				p.byName[name] = last
				p.Refs = append(p.Refs, Ref{Name: name, ID: id, Packed: true})
				continue
			}
		}
		last = -1
		if bad == nil {
			bad = &BadLineError{Line: line}
		}
	}
	fully, peeled := p.HasTrait("fully-peeled"), p.HasTrait("peeled")
	for i := range p.Refs {
		p.Refs[i].PeeledKnown = fully || (peeled && strings.HasPrefix(p.Refs[i].Name, "refs/tags/"))
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return bad
}

// Problem is a loose ref that could not be read (git: "ignoring broken
// ref").
type Problem struct {
	Name string
	Err  error
}

func (p Problem) Error() string { return p.Name + ": " + p.Err.Error() }

// Store is the refs of one git directory as seen from one work tree: its
// shared refs in Common, its per-work-tree refs (PerWorktree) in
// Worktree, which is Common for the main work tree.
type Store struct {
	Common   string
	Worktree string
}

// Dir is the store of a repository's main work tree.
func Dir(gitDir string) Store { return Store{Common: gitDir, Worktree: gitDir} }

func (s Store) wt() string {
	if s.Worktree == "" {
		return s.Common
	}
	return s.Worktree
}

// Listing is what List found.
type Listing struct {
	Refs   []Ref // sorted by name
	Packed *Packed
	// Problems are loose refs whose file holds no ref (left out of
	// Refs), and a malformed packed-refs.
	Problems []Problem
}

// List lists the refs under refs/ whose name starts with prefix ("" for
// all): loose ones over packed ones, symbolic ones resolved, lock files
// skipped, sorted by name. Only an unreadable directory or packed-refs
// is an error; broken refs are left out and reported in Problems.
func (s Store) List(prefix string) (*Listing, error) {
	l := &Listing{}
	// Loose refs first, then packed-refs: a pack-refs running meanwhile
	// moves a ref into packed-refs before it removes the loose file, so
	// this order sees every ref in one of the two (git's files backend
	// reads in this order for the same reason).
	loose := map[string]Ref{}
	dirs := []string{s.Common}
	if s.wt() != s.Common {
		dirs = append(dirs, s.wt())
	}
	for _, dir := range dirs {
		err := walkLoose(dir, prefix, func(name string) {
			if PerWorktree(name) != (dir == s.wt()) && len(dirs) > 1 {
				return // a shared ref in a work tree's directory or the reverse
			}
			id, target, err := ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
			switch {
			case notFound(err):
				// deleted (or packed and pruned) while we walked
			case err != nil:
				l.Problems = append(l.Problems, Problem{Name: name, Err: err})
			default:
				loose[name] = Ref{Name: name, ID: id, Target: target}
			}
		})
		if err != nil {
			return nil, err
		}
	}
	packed, err := ReadPacked(s.Common)
	if packed == nil {
		return nil, err
	}
	if err != nil {
		l.Problems = append(l.Problems, Problem{Name: "packed-refs", Err: err})
	}
	l.Packed = packed
	for _, r := range packed.Refs {
		if _, ok := loose[r.Name]; !ok && strings.HasPrefix(r.Name, prefix) && strings.HasPrefix(r.Name, "refs/") {
			l.Refs = append(l.Refs, r)
		}
	}
	for _, r := range loose {
		if r.Target != "" {
			r.ID, _ = s.resolve(r.Target, packed, 1)
		}
		l.Refs = append(l.Refs, r)
	}
	sort.Slice(l.Refs, func(i, j int) bool { return l.Refs[i].Name < l.Refs[j].Name })
	return l, nil
}

// walkLoose calls fn with the name of every file below dir/refs that may
// hold a ref under prefix, lock files left out.
func walkLoose(dir, prefix string, fn func(name string)) error {
	// Start as deep as the prefix allows: listing refs/heads/ need not
	// read refs/tags.
	start := "refs"
	if i := strings.LastIndexByte(prefix, '/'); i > 0 && strings.HasPrefix(prefix, "refs/") {
		start = prefix[:i]
	}
	root := filepath.Join(dir, filepath.FromSlash(start))
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if notFound(err) {
				return nil // removed while we walked, or a ref where a directory would be
			}
			return err
		}
		if d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return nil
		}
		if name := filepath.ToSlash(rel); strings.HasPrefix(name, prefix) {
			fn(name)
		}
		return nil
	})
	if notFound(err) {
		return nil
	}
	return err
}

// notFound: no such file, or a ref file where a directory of the path
// would be (refs/heads/m/m while refs/heads/m is a branch).
func notFound(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// Path is the loose file of the ref name: HEAD, pseudo-refs and the
// per-work-tree refs in the work tree's directory, the rest in the common
// one.
func (s Store) Path(name string) string {
	dir := s.Common
	if PerWorktree(name) || !strings.HasPrefix(name, "refs/") {
		dir = s.wt()
	}
	return filepath.Join(dir, filepath.FromSlash(name))
}

// Read returns the ref name (HEAD, a pseudo-ref or a ref under refs/)
// without following it: the loose file, else packed-refs. fs.ErrNotExist
// when there is neither.
func (s Store) Read(name string) (Ref, error) {
	id, target, err := ReadFile(s.Path(name))
	if err == nil {
		return Ref{Name: name, ID: id, Target: target}, nil
	}
	if !notFound(err) && !isDirErr(err) {
		return Ref{}, fmt.Errorf("%s: %w", name, err)
	}
	if strings.HasPrefix(name, "refs/") {
		packed, perr := ReadPacked(s.Common)
		if r, ok := packed.Lookup(name); ok {
			return r, nil
		}
		if perr != nil && packed == nil {
			return Ref{}, perr
		}
	}
	return Ref{}, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
}

// isDirErr: a directory where the ref's file would be (refs/heads/a when
// refs/heads/a/b exists) means no such loose ref.
func isDirErr(err error) bool {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if fi, serr := os.Stat(pe.Path); serr == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

// Resolve follows name through symbolic refs to an id (zero and
// fs.ErrNotExist for an unborn branch).
func (s Store) Resolve(name string) (plumbing.Hash, error) {
	return s.resolve(name, nil, 0)
}

func (s Store) resolve(name string, packed *Packed, depth int) (plumbing.Hash, error) {
	if depth > 5 {
		return plumbing.ZeroHash, fmt.Errorf("%s: symbolic ref loop", name)
	}
	id, target, err := ReadFile(s.Path(name))
	if err == nil {
		if target != "" {
			return s.resolve(target, packed, depth+1)
		}
		return id, nil
	}
	if packed == nil {
		packed, _ = ReadPacked(s.Common)
	}
	if r, ok := packed.Lookup(name); ok {
		return r.ID, nil
	}
	return plumbing.ZeroHash, err
}

// Head reads HEAD of the store's work tree: the branch it names ("" when
// detached) and its id (zero when unborn).
func (s Store) Head() (branch string, id plumbing.Hash, err error) {
	id, branch, err = ReadFile(filepath.Join(s.wt(), "HEAD"))
	if err != nil {
		return "", plumbing.ZeroHash, err
	}
	if branch != "" {
		id, _ = s.resolve(branch, nil, 1)
	}
	return branch, id, nil
}
