package repo

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/refs"
)

// packedHeader is what git 2.39 writes first in packed-refs: every entry
// is sorted, and every tag has its fully peeled "^" line.
const packedHeader = "# pack-refs with: peeled fully-peeled sorted \n"

// PackRefs moves loose refs into packed-refs as git pack-refs does: tags
// always, every other ref with all (branches, remote-tracking refs...),
// never symbolic refs, per-work-tree refs or refs whose object is
// missing. packed-refs is written whole under its lock and renamed into
// place before any loose ref goes; each loose ref is then removed under
// its own lock only if it still holds the value packed (prune false
// keeps them). A crash at any point leaves every ref with its value.
func (r *Repository) PackRefs(all, prune bool) error {
	path := filepath.Join(r.GitDir, "packed-refs")
	lock, err := lockfile.Acquire(path, 0o644)
	if err != nil {
		return err
	}
	defer lock.Rollback()
	// Every ref packed-refs holds stays; loose ones replace theirs.
	st := refs.Dir(r.GitDir)
	old, err := refs.ReadPacked(r.GitDir)
	if err != nil {
		return err
	}
	packed := map[string]plumbing.Hash{}
	for _, ref := range old.Refs {
		packed[ref.Name] = ref.ID
	}
	listing, err := st.List("refs/")
	if err != nil {
		return err
	}
	type loose struct {
		name string
		id   plumbing.Hash
	}
	var moved []loose
	for _, ref := range listing.Refs {
		name := ref.Name
		if ref.Packed || ref.Symbolic() {
			continue
		}
		if !all && !strings.HasPrefix(name, "refs/tags/") {
			continue
		}
		if refs.PerWorktree(name) || ValidateRefName(name) != nil || !r.Objects.Has(ref.ID) {
			continue
		}
		packed[name] = ref.ID
		moved = append(moved, loose{name, ref.ID})
	}
	sorted := make([]string, 0, len(packed))
	for name := range packed {
		sorted = append(sorted, name)
	}
	sort.Strings(sorted)
	var buf bytes.Buffer
	buf.WriteString(packedHeader)
	for _, name := range sorted {
		id := packed[name]
		fmt.Fprintf(&buf, "%s %s\n", id, name)
		if peeled, ok := r.peelTag(id); ok {
			fmt.Fprintf(&buf, "^%s\n", peeled)
		}
	}
	if _, err := lock.Write(buf.Bytes()); err != nil {
		return err
	}
	if err := lock.Commit(); err != nil {
		return err
	}
	if !prune {
		return nil
	}
	for _, m := range moved {
		p := filepath.Join(r.GitDir, filepath.FromSlash(m.name))
		l, err := lockfile.Acquire(p, 0o644)
		if err != nil {
			continue // someone is updating it: it stays loose
		}
		if id, sym, err := refs.ReadFile(p); err == nil && sym == "" && id == m.id {
			os.Remove(p)
		}
		l.Rollback()
		removeEmptyRefDirs(filepath.Dir(p), r.GitDir)
	}
	return nil
}

// removeEmptyRefDirs removes the directories a ref leaves empty, up to
// and not including refs/<kind> (git keeps refs/heads and refs/tags).
func removeEmptyRefDirs(dir, gitDir string) {
	for {
		rel, err := filepath.Rel(gitDir, dir)
		if err != nil || strings.Count(filepath.ToSlash(rel), "/") < 2 {
			return
		}
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// peelTag follows an annotated tag to the object it finally names.
func (r *Repository) peelTag(id plumbing.Hash) (plumbing.Hash, bool) {
	t, data, err := r.Objects.Read(id)
	if err != nil || t != plumbing.TagObject {
		return plumbing.ZeroHash, false
	}
	for i := 0; i < 100 && t == plumbing.TagObject; i++ {
		line, _, _ := bytes.Cut(data, []byte("\n"))
		hexID, ok := bytes.CutPrefix(line, []byte("object "))
		if !ok {
			return plumbing.ZeroHash, false
		}
		id = plumbing.NewHash(string(hexID))
		if t, data, err = r.Objects.Read(id); err != nil {
			return plumbing.ZeroHash, false
		}
	}
	return id, true
}
