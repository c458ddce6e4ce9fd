package repo

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/convert"
	"easel.dev/easel/repo/statuswalk"
	"easel.dev/easel/repo/treecheck"
)

// Objects written by the index and commit code go to the object database
// (odb) as loose objects, or as one pack when there are many. An object
// that already exists (loose or packed) is not written again.

// smallFile is the size below which a file is read into memory once for
// both hashing and compression; larger files are streamed twice.
const smallFile = 1 << 20

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// objectHeader is git's "<type> <size>\x00" object prefix.
func objectHeader(t plumbing.ObjectType, size int64) []byte {
	return []byte(t.String() + " " + strconv.FormatInt(size, 10) + "\x00")
}

// hashObject computes an object id as git does.
func hashObject(t plumbing.ObjectType, data []byte) plumbing.Hash {
	h := sha1.New()
	h.Write(objectHeader(t, int64(len(data))))
	h.Write(data)
	var id plumbing.Hash
	copy(id[:], h.Sum(nil))
	return id
}

// hasObject reports whether the object exists, loose or packed.
func (r *Repository) hasObject(h plumbing.Hash) bool { return r.Objects.Contains(h) }

// writeObject stores an object given in full and returns its id.
func (r *Repository) writeObject(t plumbing.ObjectType, data []byte) (plumbing.Hash, error) {
	return r.Objects.Write(t, data)
}

// writeLoose writes the object id whose uncompressed bytes fill produces.
func (r *Repository) writeLoose(id plumbing.Hash, fill func(io.Writer) error) error {
	return r.Objects.WriteLooseWith(id, fill)
}

// hashWorktreeFile computes the blob id of a work tree file (the link
// target for a symbolic link) without storing it.
func (r *Repository) hashWorktreeFile(full string, fi os.FileInfo) (plumbing.Hash, error) {
	return r.blobFromFile(full, fi, false)
}

// writeWorktreeBlob hashes a work tree file and stores it as a blob.
func (r *Repository) writeWorktreeBlob(full string, fi os.FileInfo) (plumbing.Hash, error) {
	return r.blobFromFile(full, fi, true)
}

// blobFromFile hashes a work tree file as the blob git would make of it
// (after clean conversion, see content_filters.go), storing it if write.
func (r *Repository) blobFromFile(full string, fi os.FileInfo, write bool) (plumbing.Hash, error) {
	if fi.Mode()&os.ModeSymlink == 0 && r != nil && r.WorkDir != "" {
		rel := r.relPath(full)
		c, ok := r.conversion(rel)
		return r.blobFromFileConv(full, rel, fi, write, c, ok, nil)
	}
	return r.blobFromFileConv(full, "", fi, write, convert.Conversion{}, false, nil)
}

// blobFromFileConv is blobFromFile with the conversion of the file's
// repository path rel already looked up (conv false: none), so that a
// caller that needed it before pays for the attribute lookup once.
// indexHasCR says whether the index's blob for rel has a CR (git's
// has_crlf_in_index); nil looks the path up in the index file.
func (r *Repository) blobFromFileConv(full, rel string, fi os.FileInfo, write bool, c convert.Conversion, conv bool, indexHasCR func() bool) (plumbing.Hash, error) {
	var store *Repository
	if write {
		store = r
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		target, err := os.Readlink(full)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if store == nil {
			return hashObject(plumbing.BlobObject, []byte(target)), nil
		}
		return store.writeObject(plumbing.BlobObject, []byte(target))
	}
	if conv {
		// The file is read into a pooled buffer: the converted content
		// is hashed (or stored) before it goes back, and a walk over
		// many files allocates nothing per file for the reading.
		buf := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(buf)
		buf.Reset()
		data, err := readFileInto(buf.AvailableBuffer(), full, fi.Size())
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if cap(data) > buf.Cap() && cap(data) <= smallFile+1 {
			*buf = *bytes.NewBuffer(data[:0]) // keep the larger buffer in the pool
		}
		flags := convert.GitFlags{Write: write || r.filters.adding, Renormalize: r.filters.renormalize, Owned: true}
		if indexHasCR == nil {
			indexHasCR = func() bool { return r.indexBlobHasCR(rel) }
		}
		if data, err = c.ToGitFlags(rel, data, indexHasCR, flags); err != nil {
			return plumbing.ZeroHash, err
		}
		if store == nil {
			return hashObject(plumbing.BlobObject, data), nil
		}
		return store.writeObject(plumbing.BlobObject, data)
	}
	if fi.Size() <= smallFile {
		buf := bufPool.Get().(*bytes.Buffer)
		defer bufPool.Put(buf)
		buf.Reset()
		data, err := readFileInto(buf.AvailableBuffer(), full, fi.Size())
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if cap(data) > buf.Cap() {
			*buf = *bytes.NewBuffer(data[:0]) // keep the larger buffer in the pool
		}
		if store == nil {
			return hashObject(plumbing.BlobObject, data), nil
		}
		return store.writeObject(plumbing.BlobObject, data)
	}
	f, err := os.Open(full)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	defer f.Close()
	// Large file: stream it once to hash, and again to compress only if
	// the object is new.
	size := fi.Size()
	hh := sha1.New()
	hh.Write(objectHeader(plumbing.BlobObject, size))
	if _, err := io.CopyN(hh, f, size); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%s: file changed while being read: %w", full, err)
	}
	var id plumbing.Hash
	copy(id[:], hh.Sum(nil))
	if store == nil || store.hasObject(id) {
		return id, nil
	}
	err = store.writeLoose(id, func(w io.Writer) error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		w.Write(objectHeader(plumbing.BlobObject, size))
		_, err := io.CopyN(w, f, size)
		return err
	})
	return id, err
}

// worktreeChanged reports whether the work tree file differs from the
// index entry, rehashing only when stat data cannot vouch for it (changed
// stat data or a racily clean entry). fi is the file's lstat.
func (r *Repository) worktreeChanged(full string, e *index.Entry, fi os.FileInfo, indexTime time.Time) (bool, error) {
	return r.worktreeChangedBy(r.modeRules(), full, e, fi, indexTime)
}

// worktreeChangedBy is worktreeChanged with the mode rules read once by
// the caller: a walk over many files must not read the configuration
// files again for each one.
func (r *Repository) worktreeChangedBy(mr modeRules, full string, e *index.Entry, fi os.FileInfo, indexTime time.Time) (bool, error) {
	if e.Mode == filemode.Submodule {
		return false, nil
	}
	mode := mr.fromStat(worktreeMode(fi), e.Mode)
	if mode != e.Mode {
		return true, nil
	}
	if statMatches(e, fi) && !isRacy(e, indexTime) {
		// A smudged entry (size 0 for a non-empty blob) never gets here
		// unless the file is empty too; then compare by content below.
		if e.Size != 0 || e.Hash == emptyBlob {
			return false, nil
		}
	}
	if e.Size != 0 && uint32(fi.Size()) != e.Size && mode != filemode.Symlink {
		return true, nil
	}
	h, err := r.hashEntryFile(full, e, fi)
	if err != nil {
		return false, err
	}
	return h != e.Hash, nil
}

// hashEntryFile is hashWorktreeFile for the work tree file of index entry
// e: the blob that text=auto asks about (has_crlf_in_index) is e's own,
// which spares looking the path up in the index file again.
func (r *Repository) hashEntryFile(full string, e *index.Entry, fi os.FileInfo) (plumbing.Hash, error) {
	if e.Stage != 0 || !fi.Mode().IsRegular() || r == nil || r.WorkDir == "" {
		return r.hashWorktreeFile(full, fi)
	}
	c, ok := r.conversion(e.Name)
	blob := e.Hash
	return r.blobFromFileConv(full, e.Name, fi, false, c, ok, func() bool { return r.blobHasCR(blob) })
}

// emptyBlob is the id of the empty blob, e69de29bb2d1d6434b8b29ae775ad8c2e48c5391,
// spelled as bytes so that no code runs at start-up to compute it.
var emptyBlob = plumbing.Hash{0xe6, 0x9d, 0xe2, 0x9b, 0xb2, 0xd1, 0xd6, 0x43, 0x4b, 0x8b, 0x29, 0xae, 0x77, 0x5a, 0xd8, 0xc2, 0xe4, 0x8c, 0x53, 0x91}

// The stat data comparison lives with the status walk; these are its
// names in this package.
func worktreeMode(fi os.FileInfo) filemode.FileMode   { return statuswalk.Mode(fi) }
func fillStat(e *index.Entry, fi os.FileInfo)         { statuswalk.FillStat(e, fi) }
func statMatches(e *index.Entry, fi os.FileInfo) bool { return statuswalk.StatMatches(e, fi) }
func sameTime(idx, fs time.Time) bool                 { return statuswalk.SameTime(idx, fs) }
func isRacy(e *index.Entry, indexTime time.Time) bool { return statuswalk.IsRacy(e, indexTime) }

// safePath checks a repository-relative path and returns its absolute
// location in the work tree (ErrUnsafePath for "..", ".git", absolute paths
// and paths that pass through a symbolic link).
func (r *Repository) safePath(path string) (string, error) {
	full, err := treecheck.SafeJoinFor(r.WorkDir, path, r.protect())
	if err != nil {
		return "", fmt.Errorf("%s: %w: %v", path, ErrUnsafePath, err)
	}
	return full, nil
}

// WriteWorktreeFile writes blob to path in the work tree with mode
// (regular, executable or symbolic link), replacing what is there and
// creating leading directories. It does not touch the index.
func (r *Repository) WriteWorktreeFile(path string, blob plumbing.Hash, mode filemode.FileMode) error {
	_, err := r.writeWorktreeFile(path, blob, mode)
	return err
}

// writeWorktreeFile also returns the new file's lstat for the index.
func (r *Repository) writeWorktreeFile(path string, blob plumbing.Hash, mode filemode.FileMode) (os.FileInfo, error) {
	if r.WorkDir == "" {
		return nil, ErrBareRepository
	}
	full, err := r.safePath(path)
	if err != nil {
		return nil, err
	}
	if mode == filemode.Submodule {
		return nil, os.MkdirAll(full, 0o755)
	}
	if err := r.makeParents(path); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(full); err == nil {
		if fi.IsDir() {
			if err := os.Remove(full); err != nil {
				return nil, fmt.Errorf("%s: a directory is in the way: %w", path, err)
			}
		} else if err := os.Remove(full); err != nil {
			return nil, err
		}
	}
	obj, err := r.Storer.EncodedObject(plumbing.BlobObject, blob)
	if err != nil {
		return nil, fmt.Errorf("%s: blob %s: %w", path, blob, err)
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	if mode == filemode.Symlink {
		target, err := io.ReadAll(rd)
		if err != nil {
			return nil, err
		}
		if !r.modeRules().symlinks {
			// core.symlinks=false: a plain file holding the target,
			// as git writes it.
			if err := os.WriteFile(full, target, 0o644); err != nil {
				return nil, err
			}
			return os.Lstat(full)
		}
		if err := os.Symlink(string(target), full); err != nil {
			return nil, err
		}
		return os.Lstat(full)
	}
	perm := os.FileMode(0o644)
	if mode == filemode.Executable {
		perm = 0o755
	}
	var src io.Reader = rd
	if c, ok := r.conversion(path); ok {
		data, err := io.ReadAll(rd)
		if err != nil {
			return nil, err
		}
		data, delayed, err := c.ToWorkTreeMeta(path, data, blob.String(), &convert.Meta{Blob: blob.String()})
		if err != nil {
			return nil, err
		}
		if delayed {
			// A process filter hands the content over at the end of the
			// checkout (finishDelayedCheckout).
			r.noteDelayed(path, mode)
			return nil, nil
		}
		src = bytes.NewReader(data)
	}
	f, err := os.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, src); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return os.Lstat(full)
}

// makeParents creates the leading directories of path, replacing a file or
// symbolic link that stands where a directory must go (the caller has
// already decided such a file may be lost).
func (r *Repository) makeParents(path string) error {
	parts := strings.Split(path, "/")
	cur := r.WorkDir
	for _, p := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, p)
		fi, err := os.Lstat(cur)
		if err == nil && fi.IsDir() {
			continue
		}
		if err == nil {
			if err := os.Remove(cur); err != nil {
				return err
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if err := os.Mkdir(cur, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// removeWorktreeFile deletes a tracked file and then any directories that
// became empty, up to the top of the work tree.
func (r *Repository) removeWorktreeFile(path string) error {
	var te *treecheck.Error
	if _, err := treecheck.SafeJoinFor(r.WorkDir, path, r.protect()); errors.As(err, &te) && te.ID == "symlinkPath" {
		// Beyond a symbolic link is not ours: nothing of the entry's
		// is left in the work tree, as when its directory is gone.
		return nil
	}
	full, err := r.safePath(path)
	if err != nil {
		return err
	}
	fi, err := os.Lstat(full)
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// Gone already, or a leading directory became a file.
		r.pruneEmptyDirs(path)
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		// A gitlink or a directory now standing where a file was: leave
		// its contents alone, remove it only if empty.
		os.Remove(full)
	} else if err := os.Remove(full); err != nil {
		return err
	}
	r.pruneEmptyDirs(path)
	return nil
}

func (r *Repository) pruneEmptyDirs(path string) {
	for dir := parentDir(path); dir != ""; dir = parentDir(dir) {
		// rmdir, not remove: a file now standing where a directory
		// was is not ours to delete.
		if syscall.Rmdir(filepath.Join(r.WorkDir, filepath.FromSlash(dir))) != nil {
			return
		}
	}
}

func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// readBlob returns a blob's content.
func (r *Repository) readBlob(h plumbing.Hash) ([]byte, error) {
	obj, err := r.Storer.EncodedObject(plumbing.BlobObject, h)
	if err != nil {
		return nil, err
	}
	rd, err := obj.Reader()
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return io.ReadAll(rd)
}

// parallel runs fn(i) for i in [0,n) on a few goroutines and returns the
// first error.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	workers := parallelWorkers
	if n < 64 {
		workers = 1
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  int64
	)
	chunk := 64
	var nextMu sync.Mutex
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				nextMu.Lock()
				start := int(next)
				next += int64(chunk)
				nextMu.Unlock()
				if start >= n {
					return
				}
				if ctx.Err() != nil {
					return
				}
				end := min(start+chunk, n)
				for i := start; i < end; i++ {
					if err := fn(i); err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// parallelWorkers is how many goroutines parallel uses.
var parallelWorkers = 4

// protect is what look-alikes of .git the work tree refuses: git's
// core.protectNTFS (on by default everywhere, as in git since 2.24.1) and
// core.protectHFS (on by default on macOS).
func (r *Repository) protect() treecheck.Protect {
	return treecheck.Protect{
		NTFS: r.ConfigBool("core.protectNTFS", true),
		HFS:  r.ConfigBool("core.protectHFS", runtime.GOOS == "darwin"),
	}
}

// verifyPath is git's verify_path under the repository's settings.
func (r *Repository) verifyPath(path string) error {
	if err := treecheck.PathFor(path, r.protect()); err != nil {
		return fmt.Errorf("%s: %w: %v", path, ErrUnsafePath, err)
	}
	return nil
}

// modeRules are the settings that decide what mode the index records for
// a work tree file: core.symlinks and core.fileMode.
type modeRules struct{ symlinks, filemode bool }

func (r *Repository) modeRules() modeRules {
	return modeRules{symlinks: r.ConfigBool("core.symlinks", true), filemode: r.ConfigBool("core.filemode", true)}
}

// fromStat is git's ce_mode_from_stat: the mode to record for a file
// whose lstat says m, when the index had old (0: no entry). Without
// symbolic links, a plain file stays the link the index has; without a
// trusted executable bit, a file keeps the index's mode (new ones are
// regular).
func (mr modeRules) fromStat(m, old filemode.FileMode) filemode.FileMode {
	if m != filemode.Regular && m != filemode.Executable {
		return m
	}
	if !mr.symlinks && old == filemode.Symlink {
		return old
	}
	if !mr.filemode {
		if old == filemode.Regular || old == filemode.Executable {
			return old
		}
		return filemode.Regular
	}
	return m
}
