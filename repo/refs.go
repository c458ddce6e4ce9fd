package repo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/refs"
)

// RefUpdate is one compare-and-swap on a ref. With CheckOld set, the ref must
// currently be Old (plumbing.ZeroHash: must not exist). A zero New deletes.
type RefUpdate struct {
	Name     plumbing.ReferenceName
	Old      plumbing.Hash
	New      plumbing.Hash
	CheckOld bool
	// Message is the reflog message ("commit: <subject>", "reset: moving
	// to HEAD~1"), as git writes it.
	Message string
	// NoDeref updates a symbolic ref itself rather than what it points at
	// (a renamed branch replacing a dangling symbolic one).
	NoDeref bool
	// CreateReflog starts the ref's log even where core.logAllRefUpdates
	// would not (git's --create-reflog).
	CreateReflog bool
	// renamedFrom: the ref is a renamed branch; its log moves here first.
	renamedFrom plumbing.ReferenceName
	// copiedFrom: the ref is a copied branch; its log is copied here first.
	copiedFrom plumbing.ReferenceName
}

// RefConflictError says which ref did not hold the expected value.
type RefConflictError struct {
	Name     plumbing.ReferenceName
	Expected plumbing.Hash
	Actual   plumbing.Hash
}

func (e *RefConflictError) Error() string {
	return fmt.Sprintf("ref %s is at %s, expected %s", e.Name, short(e.Actual), short(e.Expected))
}

func (e *RefConflictError) Unwrap() error { return ErrRefChanged }

func short(h plumbing.Hash) string {
	if h.IsZero() {
		return "(none)"
	}
	return h.String()[:12]
}

// RefStore is the repository's refs as package refs reads them, from
// this work tree.
func (r *Repository) RefStore() refs.Store { return r.Storer.refs }

// ListRefs lists the refs under refs/ whose name starts with prefix,
// sorted by name, loose over packed, symbolic ones resolved. A ref that
// another process is writing (its lock file) does not disturb it; broken
// refs are left out, as git's "ignoring broken ref".
func (r *Repository) ListRefs(prefix string) ([]refs.Ref, error) {
	l, err := r.Storer.refs.List(prefix)
	if err != nil {
		return nil, err
	}
	return l.Refs, nil
}

// ResolveRef follows symbolic refs from name and returns the commit id it
// names; the zero hash and ErrNotFound when it does not exist (an unborn
// branch, for instance).
func (r *Repository) ResolveRef(name plumbing.ReferenceName) (plumbing.Hash, error) {
	for i := 0; i < 10; i++ {
		ref, err := r.Storer.Reference(name)
		if err != nil {
			if errors.Is(err, plumbing.ErrReferenceNotFound) {
				return plumbing.ZeroHash, fmt.Errorf("%s: %w", name, ErrNotFound)
			}
			return plumbing.ZeroHash, err
		}
		if ref.Type() == plumbing.HashReference {
			return ref.Hash(), nil
		}
		name = ref.Target()
	}
	return plumbing.ZeroHash, fmt.Errorf("%s: symbolic ref loop", name)
}

// HeadBranch is the branch HEAD points at ("" when HEAD is detached).
func (r *Repository) HeadBranch() (plumbing.ReferenceName, error) {
	ref, err := r.Storer.Reference(plumbing.HEAD)
	if err != nil {
		return "", err
	}
	if ref.Type() == plumbing.SymbolicReference {
		return ref.Target(), nil
	}
	return "", nil
}

// Head returns HEAD's commit (zero on an unborn branch).
func (r *Repository) Head() (plumbing.Hash, error) {
	h, err := r.ResolveRef(plumbing.HEAD)
	if errors.Is(err, ErrNotFound) {
		return plumbing.ZeroHash, nil
	}
	return h, err
}

// SetSymbolicRef points name (usually HEAD) at target, under a lock. With
// a message, name's reflog records the move from what name pointed at to
// target's commit ("checkout: moving from main to topic"); as git, nothing
// is logged when target does not exist yet (an unborn branch).
func (r *Repository) SetSymbolicRef(name, target plumbing.ReferenceName, msg string) error {
	if err := ValidateRefName(target.String()); err != nil {
		return err
	}
	l, err := lockfile.Acquire(r.refPath(name), 0o644)
	if err != nil {
		return err
	}
	defer l.Rollback()
	if _, err := l.Write([]byte("ref: " + target.String() + "\n")); err != nil {
		return err
	}
	if msg != "" {
		old, _ := r.ResolveRef(name)
		if to, err := r.ResolveRef(target); err == nil {
			w := reflogWriter{r: r}
			if err := w.append(name, old, to, msg); err != nil {
				return err
			}
		}
	}
	return l.Commit()
}

// UpdateRef is UpdateRefs for a single ref.
func (r *Repository) UpdateRef(ctx context.Context, u RefUpdate) error {
	return r.UpdateRefs(ctx, []RefUpdate{u})
}

// UpdateRefs applies all updates or none, as git's ref transactions do: every
// ref is locked first, then each expected old value is checked, then the new
// values are renamed into place. A symbolic ref (HEAD pointing at a branch) is
// updated through its target. Another writer holding a lock makes the whole
// transaction fail with ErrLocked before anything changes.
func (r *Repository) UpdateRefs(ctx context.Context, updates []RefUpdate) error {
	type pending struct {
		u    RefUpdate
		lock *lockfile.Lock
		cur  plumbing.Hash // the value before the update, for the reflog
	}
	var locks []*pending
	defer func() {
		for _, p := range locks {
			p.lock.Rollback()
		}
	}()
	seen := map[plumbing.ReferenceName]bool{}
	// HEAD's reflog also records updates of the branch it points at.
	headTarget := r.followSymbolic(plumbing.HEAD)
	// Lock in a fixed order so that two transactions over the same refs
	// cannot each hold one lock the other wants.
	sorted := append([]RefUpdate(nil), updates...)
	for i := range sorted {
		if !sorted[i].NoDeref {
			sorted[i].Name = r.followSymbolic(sorted[i].Name)
		}
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	needPacked := false
	for _, u := range sorted {
		if err := ValidateRefName(u.Name.String()); err != nil {
			return err
		}
		if seen[u.Name] {
			return fmt.Errorf("ref %s updated twice in one transaction", u.Name)
		}
		seen[u.Name] = true
		l, err := lockfile.Acquire(r.refPath(u.Name), 0o644)
		if err != nil {
			return err
		}
		locks = append(locks, &pending{u: u, lock: l})
		if u.New.IsZero() {
			needPacked = true
		}
	}
	logs := reflogWriter{r: r}
	for _, p := range locks {
		if !p.u.CheckOld && !logs.wanted(p.u.Name, headTarget) {
			continue
		}
		cur, err := r.ResolveRef(p.u.Name)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if p.u.CheckOld && cur != p.u.Old {
			return &RefConflictError{Name: p.u.Name, Expected: p.u.Old, Actual: cur}
		}
		p.cur = cur
	}
	var packedLock *lockfile.Lock
	if needPacked {
		l, err := lockfile.Acquire(filepath.Join(r.GitDir, "packed-refs"), 0o644)
		if err != nil {
			return err
		}
		packedLock = l
		defer packedLock.Rollback()
	}
	for _, p := range locks {
		if p.u.New.IsZero() {
			continue
		}
		if _, err := fmt.Fprintf(p.lock, "%s\n", p.u.New); err != nil {
			return err
		}
	}
	// Every check has passed: write the reflogs while the locks are held,
	// then commit each lock. Renamed logs move before any other is
	// written or removed.
	for _, p := range locks {
		if p.u.renamedFrom != "" {
			if err := r.renameReflog(p.u.renamedFrom, p.u.Name); err != nil {
				return err
			}
		}
		if p.u.copiedFrom != "" {
			if err := r.copyReflog(p.u.copiedFrom, p.u.Name); err != nil {
				return err
			}
		}
		if p.u.CreateReflog && !p.u.New.IsZero() {
			if err := r.createReflog(p.u.Name); err != nil {
				return err
			}
		}
	}
	for _, p := range locks {
		if err := logs.record(p.u, p.cur, headTarget); err != nil {
			return err
		}
	}
	for _, p := range locks {
		if p.u.New.IsZero() {
			// Remove the loose ref while still holding its lock, so no
			// writer can slip a new value in between.
			err := os.Remove(r.refPath(p.u.Name))
			p.lock.Rollback()
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			// As git: directories the ref leaves empty go, so that
			// branch "a" can follow a deleted "a/b".
			removeEmptyDirs(filepath.Dir(r.refPath(p.u.Name)), filepath.Join(r.GitDir, "refs"))
			continue
		}
		if err := p.lock.Commit(); err != nil {
			return err
		}
	}
	if packedLock != nil {
		deleted := map[string]bool{}
		for _, p := range locks {
			if p.u.New.IsZero() {
				deleted[p.u.Name.String()] = true
			}
		}
		return rewritePackedRefs(filepath.Join(r.GitDir, "packed-refs"), packedLock, deleted)
	}
	return nil
}

// followSymbolic returns the ref a symbolic ref finally points at, so that
// updating HEAD moves the current branch.
func (r *Repository) followSymbolic(name plumbing.ReferenceName) plumbing.ReferenceName {
	for i := 0; i < 10; i++ {
		ref, err := r.Storer.Reference(name)
		if err != nil || ref.Type() != plumbing.SymbolicReference {
			if name == plumbing.HEAD {
				if data, err := os.ReadFile(r.refPath(name)); err == nil && bytes.HasPrefix(data, []byte("ref: ")) {
					return plumbing.ReferenceName(strings.TrimSpace(string(data[5:])))
				}
			}
			return name
		}
		name = ref.Target()
	}
	return name
}

func (r *Repository) refPath(name plumbing.ReferenceName) string {
	return r.gitPath(name.String())
}

// rewritePackedRefs drops deleted refs (and their peeled lines) from
// packed-refs through the already-held lock.
func rewritePackedRefs(path string, l *lockfile.Lock, deleted map[string]bool) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		l.Rollback()
		return nil
	}
	if err != nil {
		return err
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	skipPeeled := false
	changed := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "^") {
			if skipPeeled {
				continue
			}
		} else if fields := strings.Fields(line); len(fields) == 2 && !strings.HasPrefix(line, "#") && deleted[fields[1]] {
			skipPeeled = true
			changed = true
			continue
		}
		skipPeeled = false
		out.WriteString(line)
		out.WriteByte('\n')
	}
	if !changed {
		l.Rollback()
		return nil
	}
	if _, err := l.Write(out.Bytes()); err != nil {
		return err
	}
	return l.Commit()
}

// ValidateRefName applies git's check-ref-format rules to a full ref name
// ("HEAD" or "refs/...").
func ValidateRefName(name string) error {
	bad := func(why string) error { return fmt.Errorf("%q: %s: %w", name, why, ErrInvalidRefName) }
	if name == "HEAD" {
		return nil
	}
	if name == "" || name == "@" {
		return bad("empty or '@'")
	}
	if !strings.HasPrefix(name, "refs/") {
		return bad("must start with refs/")
	}
	if strings.HasSuffix(name, "/") || strings.HasSuffix(name, ".") {
		return bad("ends with '/' or '.'")
	}
	if strings.Contains(name, "..") || strings.Contains(name, "@{") || strings.Contains(name, "//") {
		return bad("contains '..', '@{' or '//'")
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || strings.ContainsRune(" ~^:?*[\\", c) {
			return bad("contains a forbidden character")
		}
	}
	for _, comp := range strings.Split(name, "/") {
		if comp == "" || strings.HasPrefix(comp, ".") || strings.HasSuffix(comp, ".lock") {
			return bad("has an empty component, one starting with '.', or one ending in '.lock'")
		}
	}
	return nil
}

// DetachHead points HEAD straight at commit h (a detached HEAD), written
// under HEAD's lock like any other ref; msg goes to HEAD's reflog unless
// HEAD already was detached at h.
func (r *Repository) DetachHead(h plumbing.Hash, msg string) error {
	l, err := lockfile.Acquire(r.refPath(plumbing.HEAD), 0o644)
	if err != nil {
		return err
	}
	defer l.Rollback()
	if _, err := l.Write([]byte(h.String() + "\n")); err != nil {
		return err
	}
	old, _ := r.Head()
	if branch, _ := r.HeadBranch(); branch != "" || old != h {
		w := reflogWriter{r: r}
		if err := w.append(plumbing.HEAD, old, h, msg); err != nil {
			return err
		}
	}
	return l.Commit()
}
