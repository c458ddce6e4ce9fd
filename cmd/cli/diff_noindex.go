package cli

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"sort"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/patch"
)

// runDiffNoIndex compares two paths of the file system as git diff
// --no-index does: two files, or two directories file by file (a file
// and a directory: the file against the directory's file of that name).
// Differences make the exit status 1.
func runDiffNoIndex(ctx context.Context, env *Env, o diffOptions, r *repo.Repository) error {
	args := append(append([]string(nil), o.Args...), o.Paths...)
	if len(args) != 2 {
		return &UsageError{Msg: "usage: easel diff --no-index [<options>] <path> <path>"}
	}
	a, b := args[0], args[1]
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(env.Dir, p)
	}
	ai, aerr := os.Lstat(abs(a))
	bi, berr := os.Lstat(abs(b))
	if aerr != nil {
		return aerr
	}
	if berr != nil {
		return berr
	}
	switch {
	case ai.IsDir() && !bi.IsDir():
		a = filepath.Join(a, filepath.Base(b))
	case !ai.IsDir() && bi.IsDir():
		b = filepath.Join(b, filepath.Base(a))
	}
	var patches []patch.FilePatch
	if err := noIndexPair(a, b, true, true, abs, &patches); err != nil {
		return err
	}
	if !o.Quiet {
		out := bufio.NewWriterSize(env.IO.Out, 64<<10)
		if err := writePatches(out, env, r, patches, o.diffFormat, false); err != nil {
			return err
		}
		if err := out.Flush(); err != nil {
			return err
		}
	}
	changed, err := o.contentChanged(r, patches, false)
	if err != nil {
		return err
	}
	if changed {
		return &ExitError{Code: 1}
	}
	return nil
}

// noIndexPair adds the patch between a and b, or the patches between the
// files of two directories; a path absent on one side (present false)
// is compared with nothing.
func noIndexPair(a, b string, aPresent, bPresent bool, abs func(string) string, out *[]patch.FilePatch) error {
	isDir := func(p string, present bool) bool {
		if !present {
			return false
		}
		fi, err := os.Lstat(abs(p))
		return err == nil && fi.IsDir()
	}
	aDir, bDir := isDir(a, aPresent), isDir(b, bPresent)
	if aDir || bDir {
		names := map[string]bool{}
		for _, d := range []struct {
			path string
			dir  bool
		}{{a, aDir}, {b, bDir}} {
			if !d.dir {
				continue
			}
			entries, err := os.ReadDir(abs(d.path))
			if err != nil {
				return err
			}
			for _, e := range entries {
				names[e.Name()] = true
			}
		}
		sorted := make([]string, 0, len(names))
		for n := range names {
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		for _, n := range sorted {
			na, nb := filepath.Join(a, n), filepath.Join(b, n)
			_, ea := os.Lstat(abs(na))
			_, eb := os.Lstat(abs(nb))
			if err := noIndexPair(na, nb, aDir && ea == nil, bDir && eb == nil, abs, out); err != nil {
				return err
			}
		}
		return nil
	}
	var from, to patch.Side
	var err error
	if aPresent {
		if from, err = noIndexSide(a, abs); err != nil {
			return err
		}
	}
	if bPresent {
		if to, err = noIndexSide(b, abs); err != nil {
			return err
		}
	}
	if from.Exists() && to.Exists() && from.Hash == to.Hash && from.Mode == to.Mode {
		return nil
	}
	if !from.Exists() {
		from.Path = filepath.ToSlash(filepath.Clean(b))
	}
	if !to.Exists() {
		to.Path = filepath.ToSlash(filepath.Clean(a))
	}
	*out = append(*out, patch.FilePatch{From: from, To: to, Unrelated: true})
	return nil
}

// noIndexSide reads one file of the file system for --no-index.
func noIndexSide(p string, abs func(string) string) (patch.Side, error) {
	s := patch.Side{Path: filepath.ToSlash(filepath.Clean(p))}
	fi, err := os.Lstat(abs(p))
	if err != nil {
		return s, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(abs(p))
		if err != nil {
			return s, err
		}
		s.Mode, s.Data = filemode.Symlink, []byte(target)
	} else {
		data, err := os.ReadFile(abs(p))
		if err != nil {
			return s, err
		}
		s.Mode, s.Data = filemode.Regular, data
		if fi.Mode()&0o111 != 0 {
			s.Mode = filemode.Executable
		}
	}
	s.Hash = plumbing.ComputeHash(plumbing.BlobObject, s.Data)
	return s, nil
}
