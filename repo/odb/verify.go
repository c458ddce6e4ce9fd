package odb

import (
	"bufio"
	"bytes"
	"crypto/sha1"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/hashfile"
)

// What fsck, prune and count-objects need to see of the database: the
// object directories, each loose file by path, and each pack as a file
// with checksums.

// ObjectDirs is the repository's objects directory followed by its
// alternates.
func (db *DB) ObjectDirs() []string {
	var out []string
	for _, od := range db.dirs() {
		out = append(out, od.dir)
	}
	return out
}

// ForEachLooseFile calls obj for every file of objdir/xx/ named as an
// object (id and path), and other for every other file there (git's
// "garbage": temporary files of writers, stray names).
func ForEachLooseFile(objdir string, obj func(id plumbing.Hash, path string) error, other func(path string) error) error {
	dirs, err := os.ReadDir(objdir)
	if err != nil {
		return nil
	}
	for _, d := range dirs {
		if len(d.Name()) != 2 || !d.IsDir() || !isHex(d.Name()) {
			continue
		}
		sub := filepath.Join(objdir, d.Name())
		ents, _ := os.ReadDir(sub)
		for _, e := range ents {
			path := filepath.Join(sub, e.Name())
			if h, ok := parseHex(d.Name() + e.Name()); ok && !e.IsDir() {
				if obj != nil {
					if err := obj(h, path); err != nil {
						return err
					}
				}
			} else if other != nil {
				if err := other(path); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ReadLooseFile inflates the loose object file at path: its type and
// content, errors for a bad header, truncation or trailing garbage.
func ReadLooseFile(path string) (plumbing.ObjectType, []byte, error) {
	od := &objDir{dir: filepath.Dir(filepath.Dir(path))}
	h, ok := parseHex(filepath.Base(filepath.Dir(path)) + filepath.Base(path))
	if !ok {
		return 0, nil, fmt.Errorf("%s: not an object file", path)
	}
	return od.readLoose(h)
}

// LooseInfoFile reads only the header of the loose object at path.
func LooseInfoFile(path string) (plumbing.ObjectType, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	z, err := zlibReader(bufio.NewReader(f))
	if err != nil {
		return 0, 0, errCorruptLoose
	}
	defer zlibReaders.Put(z)
	return parseLooseHeader(bufio.NewReaderSize(z, 64))
}

// PackFile is one pack of an objects directory.
type PackFile struct {
	Base string // path without ".pack"/".idx"
	db   *DB
	p    *pack
}

// PackFiles lists the packs of the repository's own objects directory,
// and of its alternates too when alternates is true.
func (db *DB) PackFiles(alternates bool) []PackFile {
	db.rescan()
	dirs := db.dirs()
	if !alternates {
		dirs = dirs[:1]
	}
	var out []PackFile
	for _, od := range dirs {
		for _, p := range od.packList() {
			out = append(out, PackFile{Base: p.base, db: db, p: p})
		}
	}
	return out
}

// Count is the number of objects the pack's index lists.
func (pf PackFile) Count() (int, error) {
	ix, err := pf.p.index()
	if err != nil {
		return 0, err
	}
	return ix.n, nil
}

// Has reports whether the pack's index lists id.
func (pf PackFile) Has(id plumbing.Hash) bool {
	ix, err := pf.p.index()
	if err != nil {
		return false
	}
	_, ok := ix.find(id)
	return ok
}

// VerifyChecksums checks the pack's trailing checksum, the index's own,
// and that the index was made for this pack, as git's verify_pack does
// before it looks at objects.
func (pf PackFile) VerifyChecksums() error {
	ix, err := pf.p.index()
	if err != nil {
		return err
	}
	if !hashfile.Valid(ix.data) {
		return fmt.Errorf("%s.idx: SHA1 checksum mismatch", pf.Base)
	}
	f, err := os.Open(pf.Base + ".pack")
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < 32 {
		return fmt.Errorf("%s.pack: too short", pf.Base)
	}
	h := sha1.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, 0, fi.Size()-20)); err != nil {
		return err
	}
	var trailer [20]byte
	if _, err := f.ReadAt(trailer[:], fi.Size()-20); err != nil {
		return err
	}
	if !bytes.Equal(h.Sum(nil), trailer[:]) {
		return fmt.Errorf("%s.pack: SHA1 checksum mismatch", pf.Base)
	}
	if !bytes.Equal(trailer[:], ix.data[len(ix.data)-40:len(ix.data)-20]) {
		return fmt.Errorf("packfile %s.pack does not match index", pf.Base)
	}
	return nil
}

// ForEachObject calls fn for every object of the pack in pack order (so
// that delta bases are met before their deltas and stay in the cache),
// with its content resolved; err is set for an object that cannot be
// read. data is shared with the cache: fn must not keep or modify it.
func (pf PackFile) ForEachObject(fn func(id plumbing.Hash, typ plumbing.ObjectType, data []byte, err error) error) error {
	ix, err := pf.p.index()
	if err != nil {
		return err
	}
	order, err := ix.reverse()
	if err != nil {
		return err
	}
	for _, pos := range order {
		id := ix.id(int(pos))
		off, err := ix.offset(int(pos))
		var typ plumbing.ObjectType
		var data []byte
		if err == nil {
			typ, data, err = pf.db.readPacked(pf.p, off)
		}
		if err := fn(id, typ, data, err); err != nil {
			return err
		}
	}
	return nil
}

// ForEachID calls fn with every id the pack's index lists, in id order.
func (pf PackFile) ForEachID(fn func(plumbing.Hash) error) error {
	ix, err := pf.p.index()
	if err != nil {
		return err
	}
	for i := 0; i < ix.n; i++ {
		if err := fn(ix.id(i)); err != nil {
			return err
		}
	}
	return nil
}

// IsPackFileName reports whether name (a file of objects/pack) belongs
// to a pack: pack-<hex>.{pack,idx,rev,keep,promisor,mtimes,bitmap}.
func IsPackFileName(name string) bool {
	base, ext, ok := strings.Cut(name, ".")
	if !ok || !strings.HasPrefix(base, "pack-") {
		return false
	}
	switch ext {
	case "pack", "idx", "rev", "keep", "promisor", "mtimes", "bitmap":
		return true
	}
	return false
}
