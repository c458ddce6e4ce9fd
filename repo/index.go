package repo

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/lockfile"
)

// The index is read and written in git's format (version 2, or 3 when an
// entry carries extended flags) with go-git's types. easel has its own codec
// rather than go-git's Encoder because that encoder sorts entries by name
// only with an unstable sort, which can reorder the stages of a conflicted
// path (git requires name, then stage order), and it is slow on large
// indexes. Version 4 files are decoded with go-git's decoder.
//
// Extensions (cache tree, resolve-undo, untracked cache) are dropped when
// the index is read: easel never writes a cache tree that might be stale,
// and git rebuilds it on demand.

func (r *Repository) indexPath() string {
	// As git, GIT_INDEX_FILE names another index to work on.
	if p := os.Getenv("GIT_INDEX_FILE"); p != "" {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	return filepath.Join(r.GitDir, "index")
}

// indexMeta remembers, for an index returned by ReadIndex, which entries this
// process refreshed from the file system. WriteIndex uses it to decide which
// entries must be checked for the racy-git problem (see smudgeRacy).
var indexMeta sync.Map // *index.Index -> *indexState

type indexState struct {
	mu    sync.Mutex
	fresh map[*index.Entry]bool
}

func stateOf(idx *index.Index) *indexState {
	v, _ := indexMeta.LoadOrStore(idx, &indexState{fresh: map[*index.Entry]bool{}})
	return v.(*indexState)
}

// markFresh records that e's stat data was just taken from the file whose
// content e.Hash describes, so it needs no racy check when written.
func markFresh(idx *index.Index, e *index.Entry) {
	s := stateOf(idx)
	s.mu.Lock()
	s.fresh[e] = true
	s.mu.Unlock()
}

// ReadIndex reads .git/index; a repository without one has an empty
// version 2 index. Index.ModTime is the index file's modification time,
// which the racy-git rule compares entries against.
func (r *Repository) ReadIndex() (*index.Index, error) {
	f, err := os.Open(r.indexPath())
	if errors.Is(err, os.ErrNotExist) {
		return &index.Index{Version: 2}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// Read in one piece of the right size: the index of a large tree is
	// megabytes, and growing a buffer for it doubles the memory touched.
	data := make([]byte, fi.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("index: %w: %v", ErrCorruptObject, err)
	}
	idx, err := decodeIndex(data)
	if err != nil {
		return nil, fmt.Errorf("index: %w: %v", ErrCorruptObject, err)
	}
	idx.ModTime = fi.ModTime()
	return idx, nil
}

func decodeIndex(data []byte) (*index.Index, error) {
	if len(data) < 12+20 || string(data[:4]) != "DIRC" {
		return nil, errors.New("bad signature")
	}
	sum := sha1.Sum(data[:len(data)-20])
	if !bytes.Equal(sum[:], data[len(data)-20:]) {
		return nil, errors.New("bad index checksum")
	}
	version := binary.BigEndian.Uint32(data[4:8])
	if version == 4 {
		idx := &index.Index{}
		if err := index.NewDecoder(bytes.NewReader(data)).Decode(idx); err != nil {
			return nil, err
		}
		idx.Cache, idx.ResolveUndo, idx.EndOfIndexEntry = nil, nil, nil
		return idx, nil
	}
	if version != 2 && version != 3 {
		return nil, fmt.Errorf("unsupported index version %d", version)
	}
	n := int(binary.BigEndian.Uint32(data[8:12]))
	body := data[:len(data)-20]
	idx := &index.Index{Version: version, Entries: make([]*index.Entry, 0, n)}
	entries := make([]index.Entry, n)
	// Names are slices of one string holding the whole file: one
	// allocation instead of one per entry. data is not modified after.
	all := unsafe.String(unsafe.SliceData(data), len(data))
	off := 12
	for i := 0; i < n; i++ {
		if off+62 > len(body) {
			return nil, errors.New("truncated entry")
		}
		b := body[off:]
		e := &entries[i]
		e.CreatedAt = unixTime(b[0:4], b[4:8])
		e.ModifiedAt = unixTime(b[8:12], b[12:16])
		e.Dev = binary.BigEndian.Uint32(b[16:20])
		e.Inode = binary.BigEndian.Uint32(b[20:24])
		e.Mode = filemode.FileMode(binary.BigEndian.Uint32(b[24:28]))
		e.UID = binary.BigEndian.Uint32(b[28:32])
		e.GID = binary.BigEndian.Uint32(b[32:36])
		e.Size = binary.BigEndian.Uint32(b[36:40])
		copy(e.Hash[:], b[40:60])
		flags := binary.BigEndian.Uint16(b[60:62])
		e.Stage = index.Stage(flags >> 12 & 3)
		hdr := 62
		if flags&0x4000 != 0 {
			if version < 3 || off+64 > len(body) {
				return nil, errors.New("extended flags in a version 2 index")
			}
			ext := binary.BigEndian.Uint16(b[62:64])
			e.IntentToAdd = ext&0x2000 != 0
			e.SkipWorktree = ext&0x4000 != 0
			hdr = 64
		}
		nl := int(flags & 0xfff)
		var name []byte
		if nl < 0xfff {
			if off+hdr+nl > len(body) {
				return nil, errors.New("truncated entry name")
			}
			name = b[hdr : hdr+nl]
		} else {
			end := bytes.IndexByte(b[hdr:], 0)
			if end < 0 {
				return nil, errors.New("unterminated entry name")
			}
			name = b[hdr : hdr+end]
		}
		start := off + hdr
		e.Name = all[start : start+len(name)]
		off += (hdr + len(name) + 8) &^ 7
		idx.Entries = append(idx.Entries, e)
	}
	// Extensions: a lowercase signature means git requires it to
	// understand the index (split index, sparse directories).
	for off+8 <= len(body) {
		sig := body[off : off+4]
		size := int(binary.BigEndian.Uint32(body[off+4 : off+8]))
		if sig[0] >= 'a' && sig[0] <= 'z' {
			return nil, fmt.Errorf("unsupported index extension %q", sig)
		}
		off += 8 + size
	}
	return idx, nil
}

func unixTime(sec, nsec []byte) time.Time {
	s := binary.BigEndian.Uint32(sec)
	ns := binary.BigEndian.Uint32(nsec)
	if s == 0 && ns == 0 {
		return time.Time{}
	}
	return time.Unix(int64(s), int64(ns))
}

// sortIndex orders entries as git requires: by name bytes, then stage.
func sortIndex(idx *index.Index) {
	sort.SliceStable(idx.Entries, func(i, j int) bool {
		a, b := idx.Entries[i], idx.Entries[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Stage < b.Stage
	})
}

func encodeIndex(w io.Writer, idx *index.Index) error {
	sortIndex(idx)
	version := uint32(2)
	for _, e := range idx.Entries {
		if e.IntentToAdd || e.SkipWorktree {
			version = 3
		}
	}
	h := sha1.New()
	bw := bufio.NewWriterSize(io.MultiWriter(w, h), 64<<10)
	var hdr [12]byte
	copy(hdr[:], "DIRC")
	binary.BigEndian.PutUint32(hdr[4:], version)
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(idx.Entries)))
	bw.Write(hdr[:])
	var b [64]byte
	var zero [8]byte
	for i, e := range idx.Entries {
		if e.Name == "" || strings.Contains(e.Name, "\x00") {
			return fmt.Errorf("index entry %d: bad name %q", i, e.Name)
		}
		if i > 0 && idx.Entries[i-1].Name == e.Name && idx.Entries[i-1].Stage == e.Stage {
			return fmt.Errorf("index: duplicate entry %q", e.Name)
		}
		putTime(b[0:8], e.CreatedAt)
		putTime(b[8:16], e.ModifiedAt)
		binary.BigEndian.PutUint32(b[16:], e.Dev)
		binary.BigEndian.PutUint32(b[20:], e.Inode)
		binary.BigEndian.PutUint32(b[24:], uint32(e.Mode))
		binary.BigEndian.PutUint32(b[28:], e.UID)
		binary.BigEndian.PutUint32(b[32:], e.GID)
		binary.BigEndian.PutUint32(b[36:], e.Size)
		copy(b[40:60], e.Hash[:])
		flags := uint16(e.Stage&3) << 12
		if len(e.Name) < 0xfff {
			flags |= uint16(len(e.Name))
		} else {
			flags |= 0xfff
		}
		n := 62
		if e.IntentToAdd || e.SkipWorktree {
			flags |= 0x4000
			var ext uint16
			if e.IntentToAdd {
				ext |= 0x2000
			}
			if e.SkipWorktree {
				ext |= 0x4000
			}
			binary.BigEndian.PutUint16(b[62:], ext)
			n = 64
		}
		binary.BigEndian.PutUint16(b[60:], flags)
		bw.Write(b[:n])
		bw.WriteString(e.Name)
		pad := 8 - (n+len(e.Name))%8
		bw.Write(zero[:pad])
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	_, err := w.Write(h.Sum(nil))
	return err
}

func putTime(b []byte, t time.Time) {
	if t.IsZero() || t.Unix() < 0 {
		binary.BigEndian.PutUint64(b, 0)
		return
	}
	binary.BigEndian.PutUint32(b[0:], uint32(t.Unix()))
	binary.BigEndian.PutUint32(b[4:], uint32(t.Nanosecond()))
}

// WriteIndex replaces .git/index with idx atomically. Use LockIndex instead
// when the new index is derived from the current one.
func (r *Repository) WriteIndex(idx *index.Index) error {
	l, err := lockfile.Acquire(r.indexPath(), 0o644)
	if err != nil {
		return err
	}
	if err := r.writeIndexTo(l, idx); err != nil {
		l.Rollback()
		return err
	}
	return l.Commit()
}

func (r *Repository) writeIndexTo(w io.Writer, idx *index.Index) error {
	r.smudgeRacy(idx)
	var buf bytes.Buffer
	buf.Grow(len(idx.Entries) * 80)
	if err := encodeIndex(&buf, idx); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	indexMeta.Delete(idx)
	return err
}

// smudgeRacy implements git's racy-git protection when an index is written.
// An entry whose mtime is not older than the index it was read from may
// describe a file that changed again within the same timestamp tick after
// its stat data was taken; once the new index file has a later mtime that
// entry would be trusted. Such entries (other than the ones this process
// just refreshed) are compared by content, and if the file differs their
// size is set to 0 so that status can never take them for clean.
func (r *Repository) smudgeRacy(idx *index.Index) {
	if r.WorkDir == "" {
		return
	}
	s := stateOf(idx)
	for _, e := range idx.Entries {
		if e.Stage != 0 || s.fresh[e] || e.Size == 0 || !isRacy(e, idx.ModTime) {
			continue
		}
		fi, err := os.Lstat(filepath.Join(r.WorkDir, filepath.FromSlash(e.Name)))
		if err != nil || !statMatches(e, fi) {
			continue // the stat data already shows the change
		}
		if h, err := hashWorktreeFile(filepath.Join(r.WorkDir, filepath.FromSlash(e.Name)), fi); err != nil || h != e.Hash {
			e.Size = 0
		}
	}
}

// isRacy: the entry's mtime is not older than the index file's (in whole
// seconds, as git compares by default), so a later change within the same
// tick would not show in stat data.
func isRacy(e *index.Entry, indexTime time.Time) bool {
	if indexTime.IsZero() {
		return true
	}
	return e.ModifiedAt.Unix() >= indexTime.Unix()
}

// IndexLock holds .git/index.lock for a read-modify-write of the index.
type IndexLock struct {
	Index *index.Index
	r     *Repository
	lock  *lockfile.Lock
	done  bool
	// published: the lock file holds a draft (Publish) to be replaced.
	published bool
}

// LockIndex takes .git/index.lock and reads the current index. Call Commit
// to write Index back, or Rollback to leave the index as it was.
func (r *Repository) LockIndex() (*IndexLock, error) {
	l, err := lockfile.Acquire(r.indexPath(), 0o644)
	if err != nil {
		return nil, err
	}
	idx, err := r.ReadIndex()
	if err != nil {
		l.Rollback()
		return nil, err
	}
	return &IndexLock{Index: idx, r: r, lock: l}, nil
}

// refreshRacyIndex rewrites the index unchanged, if its lock is free: the
// new file is newer than every entry, so entries that were too recent to
// trust (and were checked by content meanwhile) become trusted; smudgeRacy
// still guards any that changed. Errors are ignored: it is an optimization.
func (r *Repository) refreshRacyIndex() {
	il, err := r.LockIndex()
	if err != nil {
		return
	}
	defer il.Rollback()
	il.Commit()
}

// UpdateIndex reads the index under its lock, lets change modify it, and
// writes it back, or leaves it untouched if change fails.
func (r *Repository) UpdateIndex(change func(idx *index.Index) error) error {
	il, err := r.LockIndex()
	if err != nil {
		return err
	}
	defer il.Rollback()
	if err := change(il.Index); err != nil {
		return err
	}
	return il.Commit()
}

// Publish writes Index into the lock file without releasing the lock and
// returns that file's path: the index a commit is about to record, which
// git's hooks see as $GIT_INDEX_FILE. Reload reads it back.
func (il *IndexLock) Publish() (string, error) {
	if err := il.lock.Reset(); err != nil {
		return "", err
	}
	if err := il.r.writeIndexTo(il.lock, il.Index); err != nil {
		return "", err
	}
	il.published = true
	return il.lock.File(), nil
}

// Reload replaces Index with the lock file's content, which a hook may
// have changed since Publish.
func (il *IndexLock) Reload() error {
	data, err := os.ReadFile(il.lock.File())
	if err != nil {
		return err
	}
	idx, err := decodeIndex(data)
	if err != nil {
		return fmt.Errorf("index: %w: %v", ErrCorruptObject, err)
	}
	il.Index = idx
	return nil
}

// Commit writes Index and releases the lock.
func (il *IndexLock) Commit() error {
	if il.done {
		return errors.New("index lock already released")
	}
	il.done = true
	if il.published {
		if err := il.lock.Reset(); err != nil {
			il.lock.Rollback()
			return err
		}
	}
	if err := il.r.writeIndexTo(il.lock, il.Index); err != nil {
		il.lock.Rollback()
		return err
	}
	return il.lock.Commit()
}

// Rollback releases the lock without changing the index. Safe to call after
// Commit (it then does nothing), so it can be deferred.
func (il *IndexLock) Rollback() {
	if il.done {
		return
	}
	il.done = true
	il.lock.Rollback()
	indexMeta.Delete(il.Index)
}

// indexEntryMap maps the stage-0 entries by path.
func indexEntryMap(idx *index.Index) map[string]*index.Entry {
	m := make(map[string]*index.Entry, len(idx.Entries))
	for _, e := range idx.Entries {
		if e.Stage == 0 {
			m[e.Name] = e
		}
	}
	return m
}

// unmergedPaths lists the paths with entries in stages 1-3.
func unmergedPaths(idx *index.Index) []string {
	var out []string
	seen := map[string]bool{}
	for _, e := range idx.Entries {
		if e.Stage != 0 && !seen[e.Name] {
			seen[e.Name] = true
			out = append(out, e.Name)
		}
	}
	sort.Strings(out)
	return out
}

// HasUnmerged reports whether the index holds conflicted entries.
func HasUnmerged(idx *index.Index) bool {
	for _, e := range idx.Entries {
		if e.Stage != 0 {
			return true
		}
	}
	return false
}

// setEntry puts a stage-0 entry for e.Name, replacing any entries (all
// stages) for that path, and removes entries that would clash with it as a
// directory/file conflict (a file "a" replaces "a/..." and vice versa).
func setEntry(idx *index.Index, e *index.Entry) {
	out := idx.Entries[:0]
	for _, o := range idx.Entries {
		if o.Name == e.Name || strings.HasPrefix(o.Name, e.Name+"/") || strings.HasPrefix(e.Name, o.Name+"/") {
			continue
		}
		out = append(out, o)
	}
	idx.Entries = append(out, e)
}

// removeEntries drops every entry (all stages) for which drop returns true.
func removeEntries(idx *index.Index, drop func(*index.Entry) bool) int {
	out := idx.Entries[:0]
	n := 0
	for _, e := range idx.Entries {
		if drop(e) {
			n++
			continue
		}
		out = append(out, e)
	}
	for i := len(out); i < len(idx.Entries); i++ {
		idx.Entries[i] = nil
	}
	idx.Entries = out
	return n
}

// blobEntry makes an index entry without stat data (size/times zero), as
// git does for entries that come from a tree rather than the work tree.
func blobEntry(name string, h plumbing.Hash, mode filemode.FileMode) *index.Entry {
	return &index.Entry{Name: name, Hash: h, Mode: mode}
}
