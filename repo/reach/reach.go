package reach

import (
	"bufio"
	"os"
	"path/filepath"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/refs"
)

// Shallow reads the repository's shallow file: the commits whose parents
// it does not have. Nil when there is none.
func Shallow(common string) *Set {
	f, err := os.Open(filepath.Join(common, "shallow"))
	if err != nil {
		return nil
	}
	defer f.Close()
	s := NewSet(16)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if id, ok := refs.ParseID(sc.Text()); ok {
			s.Add(id)
		}
	}
	return s
}

// AddRoots queues every root on the walker; index entries with their path
// and type, so that name hashes and blob checks are right.
func (w *Walker) AddRoots(roots []Root) {
	for _, r := range roots {
		typ, path := plumbing.AnyObject, ""
		if r.Kind == KindIndex {
			typ, path = r.Type, r.Name
		}
		w.Add(r.ID, typ, path)
	}
}

// Reachable returns the ids of every object reachable from the
// repository's roots (as git's prune and repack -a count them), and the
// problems met reading the roots. Objects that are missing are left out
// (repack and prune do not fail on them; fsck reports them itself).
func Reachable(db *odb.DB, common string, opt Options) (*Set, []Problem, error) {
	roots, problems := Collect(common, opt)
	w := &Walker{DB: db, Blobs: SkipBlobs, Shallow: Shallow(common)}
	w.AddRoots(roots)
	err := w.Run()
	return w.Seen, problems, err
}
