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
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/format/index"

	"easel.dev/easel/repo/lockfile"
)

// The index is read and written in git's format, versions 2, 3 and 4, with
// go-git's types. easel has its own codec rather than go-git's Encoder
// because that encoder sorts entries by name only with an unstable sort,
// which can reorder the stages of a conflicted path (git requires name,
// then stage order), and it is slow on large indexes. An index keeps its
// version when written, as git keeps it: 2 and 3 are chosen by whether an
// entry has extended flags, 4 (prefix-compressed names) stays 4; a new
// index takes GIT_INDEX_VERSION or index.version, else 2.
//
// Optional extensions (cache tree, resolve-undo, untracked cache, fsmonitor,
// end of index, offset table) are dropped when the index is read, which is
// what git does with an optional extension it does not maintain: a cache
// tree easel does not update would be stale, and git rebuilds each of them
// on demand. A mandatory extension (lowercase signature) changes what the
// entries mean: a split index ("link") keeps most entries in another file,
// a sparse index ("sdir") has directory entries. easel refuses those with
// ErrUnsupportedRepository rather than misread the index.

func (r *Repository) indexPath() string {
	// As git, GIT_INDEX_FILE names another index to work on.
	if p := os.Getenv("GIT_INDEX_FILE"); p != "" {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
		return p
	}
	return r.gitPath("index")
}

// indexMeta remembers, for an index returned by ReadIndex, which entries this
// process refreshed from the file system. WriteIndex uses it to decide which
// entries must be checked for the racy-git problem (see smudgeRacy).
var indexMeta sync.Map // *index.Index -> *indexState

type indexState struct {
	mu    sync.Mutex
	fresh map[*index.Entry]bool
	// treeRoot is the root tree id of the file's cache-tree extension
	// (TREE) when git marked it valid: the tree the entries as read
	// make, without hashing them. It says nothing of entries changed
	// since; only a reader that changes none may use it.
	treeRoot plumbing.Hash
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
		return &index.Index{Version: r.newIndexVersion()}, nil
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
	var ue *UnsupportedRepositoryError
	if errors.As(err, &ue) {
		ue.Path = r.indexPath()
		return nil, err
	}
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
	if version < 2 || version > 4 {
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
	prev := "" // version 4: the previous name, which the next one edits
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
		if version == 4 {
			name, n, err := v4Name(body[off+hdr:], prev)
			if err != nil {
				return nil, err
			}
			if nl < 0xfff && len(name) != nl {
				return nil, errors.New("entry name length mismatch")
			}
			e.Name, prev = name, name
			off += hdr + n
			idx.Entries = append(idx.Entries, e)
			continue
		}
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
			return nil, mandatoryExtension(string(sig))
		}
		if string(sig) == "TREE" && off+8+size <= len(body) {
			if root, ok := cacheTreeRoot(body[off+8:off+8+size], len(idx.Entries)); ok {
				stateOf(idx).treeRoot = root
			}
		}
		off += 8 + size
	}
	return idx, nil
}

// cacheTreeRoot reads the root of a cache-tree extension: an empty path,
// NUL, the number of entries it covers (-1: invalidated), a space, the
// number of subtrees, a newline, then the tree id when valid. The root
// counts only when it covers all n entries (git invalidates it for
// conflicts; intent-to-add entries, left out of trees, make it differ).
func cacheTreeRoot(ext []byte, n int) (plumbing.Hash, bool) {
	if len(ext) == 0 || ext[0] != 0 {
		return plumbing.ZeroHash, false
	}
	nl := bytes.IndexByte(ext, '\n')
	if nl < 0 {
		return plumbing.ZeroHash, false
	}
	count, _, ok := strings.Cut(string(ext[1:nl]), " ")
	if !ok || count != strconv.Itoa(n) || n == 0 || len(ext) < nl+1+20 {
		return plumbing.ZeroHash, false
	}
	var h plumbing.Hash
	copy(h[:], ext[nl+1:])
	return h, true
}

// cachedTreeRoot is the tree the entries of idx make, from the index
// file's cache-tree, when idx is as read from the file and git left the
// root valid.
func cachedTreeRoot(idx *index.Index) (plumbing.Hash, bool) {
	v, ok := indexMeta.Load(idx)
	if !ok {
		return plumbing.ZeroHash, false
	}
	h := v.(*indexState).treeRoot
	return h, !h.IsZero()
}

// mandatoryExtension is the refusal of an index extension git requires a
// reader to understand.
func mandatoryExtension(sig string) error {
	reason := fmt.Sprintf("index extension %q is required to read the index and easel does not know it", sig)
	switch sig {
	case "link":
		reason = "the index is split (core.splitIndex); run 'git update-index --no-split-index' to use easel here"
	case "sdir":
		reason = "the index is sparse (index.sparse); run 'git sparse-checkout disable' or set index.sparse=false to use easel here"
	}
	return &UnsupportedRepositoryError{Reason: reason}
}

// v4Name decodes a version 4 entry name from b: a varint saying how many
// bytes to drop from the end of the previous name, then the bytes to
// append, NUL-terminated. It returns the name and the bytes consumed.
func v4Name(b []byte, prev string) (string, int, error) {
	strip, n := 0, 0
	for {
		if n >= len(b) || n > 8 {
			return "", 0, errors.New("bad name prefix length")
		}
		c := b[n]
		n++
		strip = strip<<7 | int(c&0x7f)
		if c&0x80 == 0 {
			break
		}
		strip++
	}
	if strip > len(prev) {
		return "", 0, errors.New("name prefix longer than the previous name")
	}
	end := bytes.IndexByte(b[n:], 0)
	if end < 0 {
		return "", 0, errors.New("unterminated entry name")
	}
	return prev[:len(prev)-strip] + string(b[n:n+end]), n + end + 1, nil
}

// putV4Name appends the version 4 encoding of name after prev to buf.
func putV4Name(buf []byte, name, prev string) []byte {
	common := 0
	for common < len(name) && common < len(prev) && name[common] == prev[common] {
		common++
	}
	// git's encode_varint: base-128, most significant group first, each
	// continuation group biased by one.
	var v [16]byte
	pos := len(v) - 1
	strip := uint64(len(prev) - common)
	v[pos] = byte(strip & 127)
	for strip >>= 7; strip != 0; strip >>= 7 {
		strip--
		pos--
		v[pos] = 128 | byte(strip&127)
	}
	buf = append(buf, v[pos:]...)
	buf = append(buf, name[common:]...)
	return append(buf, 0)
}

// newIndexVersion is the version of an index made from nothing: git's
// GIT_INDEX_VERSION, then index.version, else 2.
func (r *Repository) newIndexVersion() uint32 {
	v := os.Getenv("GIT_INDEX_VERSION")
	if v == "" {
		v, _, _ = r.ConfigGet("index.version")
	}
	switch strings.TrimSpace(v) {
	case "3":
		return 3
	case "4":
		return 4
	}
	return 2
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
	if idx.Version == 4 {
		version = 4
	} else {
		for _, e := range idx.Entries {
			if e.IntentToAdd || e.SkipWorktree {
				version = 3
			}
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
	var name []byte // version 4 name scratch
	prev := ""
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
		if version == 4 {
			name = putV4Name(name[:0], e.Name, prev)
			bw.Write(name)
			prev = e.Name
			continue
		}
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
		if h, err := r.hashWorktreeFile(filepath.Join(r.WorkDir, filepath.FromSlash(e.Name)), fi); err != nil || h != e.Hash {
			e.Size = 0
		}
	}
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
func (r *Repository) refreshRacyIndex() { r.refreshIndex(nil) }

// refreshStat is what a refresh records for a stage-0 entry proved clean
// by content: the stat data of its file, if the entry still has the blob
// and mode it had when compared.
type refreshStat struct {
	hash plumbing.Hash
	mode filemode.FileMode
	fi   os.FileInfo
}

// refreshIndex is refreshRacyIndex that also records the stat data of
// entries whose files changed only in their stat data (git's
// refresh_index): the next command trusts them without reading them.
func (r *Repository) refreshIndex(clean map[string]refreshStat) {
	il, err := r.LockIndex()
	if err != nil {
		return
	}
	defer il.Rollback()
	if len(clean) > 0 {
		for _, e := range il.Index.Entries {
			if c, ok := clean[e.Name]; ok && e.Stage == 0 && e.Hash == c.hash && e.Mode == c.mode {
				fillStat(e, c.fi)
			}
		}
	}
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
