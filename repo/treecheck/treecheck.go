// Package treecheck refuses tree entries and paths that git's fsck refuses,
// and that would let a tree written into a work tree reach outside it or
// into .git: "..", ".git" in any spelling a file system may fold to it,
// absolute paths, duplicate or unsorted entries, zero-padded modes.
//
// It is used on both sides of the wire: the server checks every tree of a
// push before it is accepted, and checkout checks every path before it
// writes a file.
package treecheck

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// ErrBadTree is wrapped by every error this package returns.
var ErrBadTree = errors.New("unsafe or malformed tree")

// Error names the fsck message id git uses for the same problem.
type Error struct {
	ID   string // git fsck message id: hasDotgit, hasDotdot, badTree, ...
	Name string
	Why  string
}

func (e *Error) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("%s: %s", e.ID, e.Why)
	}
	return fmt.Sprintf("%s: %q: %s", e.ID, e.Name, e.Why)
}

func (e *Error) Unwrap() error { return ErrBadTree }

func fail(id, name, why string) error { return &Error{ID: id, Name: name, Why: why} }

// Name checks one tree entry name.
func Name(name string) error {
	switch {
	case name == "":
		return fail("emptyName", name, "empty entry name")
	case name == ".":
		return fail("hasDot", name, "entry named '.'")
	case name == "..":
		return fail("hasDotdot", name, "entry named '..'")
	case strings.ContainsRune(name, '/'):
		return fail("fullPathname", name, "entry name contains '/'")
	case strings.IndexByte(name, 0) >= 0:
		return fail("badTree", name, "entry name contains NUL")
	case strings.ContainsRune(name, '\\'):
		// A backslash is a separator on Windows: "a\..\.git" would escape there.
		if isDotGitWindowsPath(name) {
			return fail("hasDotgit", name, "entry name reaches .git through '\\'")
		}
	}
	if IsDotGit(name) {
		return fail("hasDotgit", name, "entry named .git (or a name a file system folds to it)")
	}
	return nil
}

// IsDotGit reports whether name is ".git" as some file system would see it:
// any case, trailing dots or spaces (Windows), the 8.3 short name "git~1",
// and with the Unicode code points HFS+ ignores.
func IsDotGit(name string) bool {
	n := strings.ToLower(stripHFSIgnorable(name))
	n = strings.TrimRight(n, ". ")
	if n == ".git" || n == "git~1" {
		return true
	}
	// NTFS alternate data streams: ".git::$INDEX_ALLOCATION" is the directory.
	if i := strings.IndexByte(n, ':'); i >= 0 && strings.TrimRight(n[:i], ". ") == ".git" {
		return true
	}
	return false
}

func isDotGitWindowsPath(name string) bool {
	for _, part := range strings.Split(name, "\\") {
		if part == ".." || IsDotGit(part) {
			return true
		}
	}
	return false
}

// stripHFSIgnorable drops the zero-width code points that HFS+ ignores when
// comparing names (git's is_hfs_dotgit list).
func stripHFSIgnorable(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e,
			0x206a, 0x206b, 0x206c, 0x206d, 0x206e, 0x206f, 0xfeff:
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hasDriveLetter reports whether path starts as a Windows drive ("C:"):
// harmless here, but the same tree checked out on Windows would land
// outside the work tree, so it is refused everywhere.
func hasDriveLetter(path string) bool {
	if len(path) < 2 || path[1] != ':' {
		return false
	}
	c := path[0] | 0x20
	return 'a' <= c && c <= 'z'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Path checks a slash-separated path relative to a work tree root,
// refusing every look-alike of .git that some file system folds to it.
func Path(path string) error { return PathFor(path, Protect{NTFS: true, HFS: true}) }

// Protect says which file systems' look-alikes of ".git" a checkout
// refuses (git's core.protectNTFS and core.protectHFS).
type Protect struct {
	NTFS bool // "GIT~1", ".git.", ".git::$INDEX_ALLOCATION", "a\.git", drive letters
	HFS  bool // ".git" with code points HFS+ ignores (".g\u200cit")
}

// PathFor is git's verify_path: a path the work tree may hold. Empty
// components, ".", "..", and ".git" in any case are always refused; the
// look-alikes only as p asks.
func PathFor(path string, p Protect) error {
	if path == "" {
		return fail("emptyName", path, "empty path")
	}
	if strings.HasPrefix(path, "/") || filepath.IsAbs(path) || (p.NTFS && hasDriveLetter(path)) {
		return fail("fullPathname", path, "absolute path")
	}
	for _, part := range strings.Split(path, "/") {
		if err := nameFor(part, p); err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Name = path
			}
			return err
		}
	}
	return nil
}

func nameFor(name string, p Protect) error {
	if p.NTFS && p.HFS {
		return Name(name)
	}
	switch {
	case name == "":
		return fail("emptyName", name, "empty entry name")
	case name == ".":
		return fail("hasDot", name, "entry named '.'")
	case name == "..":
		return fail("hasDotdot", name, "entry named '..'")
	case strings.IndexByte(name, 0) >= 0:
		return fail("badTree", name, "entry name contains NUL")
	case strings.EqualFold(name, ".git"):
		return fail("hasDotgit", name, "entry named .git")
	case p.HFS && strings.ToLower(stripHFSIgnorable(name)) == ".git":
		return fail("hasDotgit", name, "entry named .git as HFS+ reads it")
	case p.NTFS && (IsDotGit(name) && isNTFSDotGit(name) || strings.ContainsRune(name, '\\') && isDotGitWindowsPath(name)):
		return fail("hasDotgit", name, "entry named .git as NTFS reads it")
	}
	return nil
}

// isNTFSDotGit is IsDotGit without the HFS+ folding.
func isNTFSDotGit(name string) bool { return stripHFSIgnorable(name) == name }

// SafeJoin returns root/path after checking the path and that no directory
// on the way is a symbolic link (which a crafted tree could have checked out
// earlier so that a later path escapes the work tree).
func SafeJoin(root, path string) (string, error) {
	return SafeJoinFor(root, path, Protect{NTFS: true, HFS: true})
}

// SafeJoinFor is SafeJoin checking the path with p.
func SafeJoinFor(root, path string, p Protect) (string, error) {
	if err := PathFor(path, p); err != nil {
		return "", err
	}
	parts := strings.Split(path, "/")
	cur := root
	for _, part := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, part)
		fi, err := os.Lstat(cur)
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return "", fail("symlinkPath", path, "a leading directory is a symbolic link")
		}
	}
	return filepath.Join(root, filepath.FromSlash(path)), nil
}

// Entry is one parsed entry of a raw tree object.
type Entry struct {
	Mode string // as written, e.g. "100644", "40000"
	Name string
	Hash [20]byte
}

// IsDir reports whether the entry is a subtree ("40000", or a
// zero-padded "040000" as some old tools wrote it: git reads the mode as
// an octal number).
func (e Entry) IsDir() bool { return e.octal()&0o170000 == 0o040000 }

// IsSubmodule reports whether the entry is a gitlink (a commit of another
// repository, never present in this one).
func (e Entry) IsSubmodule() bool { return e.octal()&0o170000 == 0o160000 }

// IsSymlink reports whether the entry is a symbolic link.
func (e Entry) IsSymlink() bool { return e.octal()&0o170000 == 0o120000 }

func (e Entry) octal() uint32 {
	var m uint32
	for i := 0; i < len(e.Mode); i++ {
		c := e.Mode[i]
		if c < '0' || c > '7' {
			return 0
		}
		m = m<<3 | uint32(c-'0')
	}
	return m
}

// Warning reports whether err is a finding git's fsck reports as a
// warning, not an error: modes old versions of git wrote (100664, or
// zero-padded) are in real histories, and git accepts them on receive
// (they are errors only under fsck --strict). Everything else this
// package reports, the unsafe names included, is refused.
func Warning(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.ID == "badFilemode" || e.ID == "zeroPaddedFilemode"
}

// ParseTree parses a raw tree object and checks it as `git fsck --strict`
// does: every name safe, modes well formed (no zero padding, known values),
// entries sorted in git's order, no duplicates, well-formed framing.
func ParseTree(data []byte) ([]Entry, error) {
	entries, warnings, err := ParseTreeWarn(data)
	if err == nil && len(warnings) > 0 {
		err = warnings[0]
	}
	return entries, err
}

// ParseTreeWarn is ParseTree with git's severities: what git's fsck
// reports as a warning (see Warning) is returned in warnings and does not
// stop the parse; err is the first error.
func ParseTreeWarn(data []byte) (entries []Entry, warnings []error, err error) {
	warnings, err = ScanTree(data, func(e Entry) error {
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, warnings, err
	}
	return entries, warnings, nil
}

// ScanTree checks a raw tree as ParseTreeWarn does and calls fn with each
// entry in order, keeping none: for trees of hundreds of thousands of
// entries, where a slice of them would be the largest thing in memory.
// An error of fn stops the scan and is returned.
func ScanTree(data []byte, fn func(Entry) error) (warnings []error, err error) {
	var prev Entry
	// Files whose name may still come back as a directory's: in git's
	// order a file "a" and a directory "a" are apart ("a" < "a-b" <
	// "a/"), with only names starting "a" between them.
	var files []string
	first := true
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		if sp <= 0 {
			return warnings, fail("badTree", "", "malformed mode")
		}
		mode := data[:sp]
		data = data[sp+1:]
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || len(data) < nul+1+20 {
			return warnings, fail("badTree", "", "truncated entry")
		}
		var e Entry
		e.Mode, e.Name = internMode(mode), string(data[:nul])
		name := e.Name
		copy(e.Hash[:], data[nul+1:nul+21])
		data = data[nul+21:]
		if e.octal() == 0 {
			// Not an octal number: git cannot even read the tree.
			return warnings, fail("badTree", name, "malformed mode "+e.Mode)
		}
		if err := checkMode(e.Mode, name); err != nil {
			if !Warning(err) {
				return warnings, err
			}
			warnings = append(warnings, err)
		}
		if err := Name(name); err != nil {
			return warnings, err
		}
		// .gitmodules as a symlink would let a checkout read outside.
		if e.IsSymlink() && IsDotGitmodules(name) {
			return warnings, fail("gitmodulesSymlink", name, ".gitmodules is a symbolic link")
		}
		if !first {
			if prev.Name == e.Name {
				return warnings, fail("duplicateEntries", name, "duplicate entry")
			}
			if compareEntries(prev, e) > 0 {
				return warnings, fail("treeNotSorted", name, "entries not in git's order")
			}
		}
		for len(files) > 0 && !strings.HasPrefix(name, files[len(files)-1]) {
			files = files[:len(files)-1]
		}
		if e.IsDir() {
			for _, f := range files {
				if f == name {
					return warnings, fail("duplicateEntries", name, "duplicate entry")
				}
			}
		} else {
			files = append(files, name)
		}
		if err := fn(e); err != nil {
			return warnings, err
		}
		prev, first = e, false
	}
	return warnings, nil
}

// internMode returns the common modes without allocating.
func internMode(m []byte) string {
	switch string(m) {
	case "100644":
		return "100644"
	case "40000":
		return "40000"
	case "100755":
		return "100755"
	case "120000":
		return "120000"
	case "160000":
		return "160000"
	}
	return string(m)
}

func checkMode(mode, name string) error {
	if len(mode) > 1 && mode[0] == '0' {
		return fail("zeroPaddedFilemode", name, "mode "+mode+" is zero-padded")
	}
	switch mode {
	case "100644", "100755", "120000", "40000", "160000":
		return nil
	case "100664":
		// Old git wrote these; fsck --strict reports them as badFilemode.
		return fail("badFilemode", name, "mode 100664")
	}
	return fail("badFilemode", name, "unknown mode "+mode)
}

// compareEntries orders entries as git sorts trees: by name, with a
// directory compared as if its name ended in '/'.
func compareEntries(a, b Entry) int {
	an, bn := a.Name, b.Name
	if a.IsDir() {
		an += "/"
	}
	if b.IsDir() {
		bn += "/"
	}
	return strings.Compare(an, bn)
}

// IsDotGitmodules reports whether a tree entry name is ".gitmodules" as
// git's fsck sees it (is_hfs_dotgitmodules, is_ntfs_dotgitmodules): in
// any case, with the code points HFS+ ignores, with trailing dots and
// spaces or an NTFS stream (":..."), and as the NTFS short names
// "gitmod~1" to "gitmod~4" and the hashed fall-back "gi7eba~N". A blob
// at such a name is what a checkout on that file system reads as
// .gitmodules, so its content is checked like .gitmodules itself.
func IsDotGitmodules(name string) bool {
	if strings.ToLower(stripHFSIgnorable(name)) == ".gitmodules" {
		return true
	}
	return isNTFSDotGeneric(name, "gitmodules", "gi7eba")
}

// isNTFSDotGeneric is git's is_ntfs_dot_generic (path.c).
func isNTFSDotGeneric(name, dotName, shortPrefix string) bool {
	at := func(i int) byte {
		if i < len(name) {
			return name[i]
		}
		return 0
	}
	onlySpacesAndPeriods := func(i int) bool {
		for ; ; i++ {
			c := at(i)
			if c == 0 || c == ':' {
				return true
			}
			if c != ' ' && c != '.' {
				return false
			}
		}
	}
	n := len(dotName)
	if at(0) == '.' && len(name) >= 1+n && strings.EqualFold(name[1:1+n], dotName) {
		return onlySpacesAndPeriods(n + 1)
	}
	if len(name) >= 8 && strings.EqualFold(name[:6], dotName[:6]) && name[6] == '~' && name[7] >= '1' && name[7] <= '4' {
		return onlySpacesAndPeriods(8)
	}
	sawTilde := false
	i := 0
	for ; i < 8; i++ {
		c := at(i)
		switch {
		case c == 0:
			return false
		case sawTilde:
			if c < '0' || c > '9' {
				return false
			}
		case c == '~':
			i++
			if c := at(i); c < '1' || c > '9' {
				return false
			}
			sawTilde = true
		case i >= 6:
			return false
		case lowerASCII(c) != shortPrefix[i]:
			return false
		}
	}
	return onlySpacesAndPeriods(i)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Gitmodules checks the content of a .gitmodules blob: submodule names and
// paths may not climb out with "..", and URLs may not start with '-' (which
// a later `git clone` would read as an option).
func Gitmodules(data []byte) error {
	for _, raw := range strings.Split(string(data), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "[submodule") {
			name := strings.Trim(strings.TrimSuffix(strings.TrimPrefix(line, "[submodule"), "]"), " \"")
			for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '/' || r == '\\' }) {
				if part == ".." {
					return fail("gitmodulesName", name, "submodule name climbs out with '..'")
				}
			}
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		key = strings.ToLower(strings.TrimSpace(key))
		value = strings.Trim(strings.TrimSpace(value), "\"")
		switch key {
		case "path":
			if strings.HasPrefix(value, "-") {
				return fail("gitmodulesPath", value, "submodule path starts with '-'")
			}
			if err := Path(value); err != nil {
				return fail("gitmodulesPath", value, "submodule path is unsafe")
			}
		case "url":
			if strings.HasPrefix(value, "-") {
				return fail("gitmodulesUrl", value, "submodule url starts with '-'")
			}
		}
	}
	return nil
}
