package remote

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/odb"
	"easel.dev/easel/repo/packobj"
	"easel.dev/easel/repo/reach"
	"easel.dev/easel/repo/wildmatch"
)

// The sparse:oid=<blob-ish> filter: the blob holds sparse-checkout
// patterns (gitignore syntax, not cone mode) and a blob is sent when a
// path it is reached by matches them, as git's filter_sparse decides.
// Every tree is sent. A path's match is that of the last pattern
// matching it; a path no pattern matches takes its directory's; the root
// directory's default is "not matched".

// sparsePattern is one line of the patterns, as git's parse_path_pattern
// reads it.
type sparsePattern struct {
	pattern  string
	negative bool // "!..."
	mustDir  bool // ".../": directories only
	noDir    bool // no '/': matched against the base name
	endsWith bool // "*literal": a suffix test
	literal  int  // the length of the prefix without wildcards
}

func parseSparsePatterns(data []byte) []sparsePattern {
	var out []sparsePattern
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || line[0] == '#' {
			continue
		}
		line = trimTrailingSpaces(line)
		if line == "" {
			continue
		}
		p := sparsePattern{}
		if line[0] == '!' {
			p.negative, line = true, line[1:]
		}
		if strings.HasSuffix(line, "/") {
			p.mustDir, line = true, strings.TrimSuffix(line, "/")
		}
		if !strings.Contains(line, "/") {
			p.noDir = true
		}
		p.pattern = line
		p.literal = strings.IndexAny(line, "*?[\\")
		if p.literal < 0 {
			p.literal = len(line)
		}
		if strings.HasPrefix(line, "*") && !strings.ContainsAny(line[1:], "*?[\\") {
			p.endsWith = true
		}
		out = append(out, p)
	}
	return out
}

// trimTrailingSpaces drops trailing spaces that a backslash does not
// escape (git's trim_trailing_spaces).
func trimTrailingSpaces(s string) string {
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		if end >= 2 && s[end-2] == '\\' {
			break
		}
		end--
	}
	return s[:end]
}

const (
	sparseUndecided = -1
	sparseNo        = 0
	sparseYes       = 1
)

// match is git's path_matches_pattern_list without cone mode.
func sparseMatch(ps []sparsePattern, path string, isDir bool) int {
	base := path[strings.LastIndexByte(path, '/')+1:]
	for i := len(ps) - 1; i >= 0; i-- {
		p := &ps[i]
		if p.mustDir && !isDir {
			continue
		}
		var ok bool
		if p.noDir {
			switch {
			case p.literal == len(p.pattern):
				ok = base == p.pattern
			case p.endsWith:
				ok = strings.HasSuffix(base, p.pattern[1:])
			default:
				ok = wildmatch.Match(p.pattern, base, 0)
			}
		} else {
			ok = matchPathname(p, path)
		}
		if ok {
			if p.negative {
				return sparseNo
			}
			return sparseYes
		}
	}
	return sparseUndecided
}

// matchPathname is git's match_pathname for patterns of the top
// directory.
func matchPathname(p *sparsePattern, path string) bool {
	pat, prefix := p.pattern, p.literal
	if strings.HasPrefix(pat, "/") {
		pat, prefix = pat[1:], prefix-1
	}
	if path == "" {
		return false
	}
	name := path
	if prefix > 0 {
		if prefix > len(name) || pat[:prefix] != name[:prefix] {
			return false
		}
		pat, name = pat[prefix:], name[prefix:]
		if pat == "" && name == "" {
			return true
		}
	}
	return wildmatch.Match(pat, name, wildmatch.PathName)
}

// resolveBlobish finds the blob a sparse:oid names: an id, or
// <rev>:<path> with <rev> an id or a ref (name, refs/name, a tag or a
// branch), as git's get_oid_with_context reads the common forms.
func resolveBlobish(dir string, db *odb.DB, spec string) (plumbing.Hash, error) {
	rev, path, hasPath := strings.Cut(spec, ":")
	id := plumbing.NewHash(rev)
	if !plumbing.IsHash(rev) {
		refs, head, err := readRefs(dir)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		found := false
		for _, pat := range []string{"%s", "refs/%s", "refs/tags/%s", "refs/heads/%s"} {
			if h, ok := refs[fmt.Sprintf(pat, rev)]; ok {
				id, found = h, true
				break
			}
		}
		if h, ok := refs[head]; !found && rev == "HEAD" && ok {
			id, found = h, true
		}
		if !found {
			return plumbing.ZeroHash, fmt.Errorf("unable to access sparse blob in '%s'", spec)
		}
	}
	if hasPath {
		// Peel to the commit's tree and follow the path.
		for i := 0; i < 10; i++ {
			t, data, err := db.Read(id)
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("unable to access sparse blob in '%s'", spec)
			}
			if t == plumbing.TreeObject {
				break
			}
			switch t {
			case plumbing.TagObject:
				id = tagTarget(data)
			case plumbing.CommitObject:
				h, err := commitwalk.ParseHeader(data)
				if err != nil {
					return plumbing.ZeroHash, err
				}
				id = h.Tree
			default:
				return plumbing.ZeroHash, fmt.Errorf("unable to access sparse blob in '%s'", spec)
			}
		}
		for _, name := range strings.Split(strings.Trim(path, "/"), "/") {
			_, data, err := db.Read(id)
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("unable to access sparse blob in '%s'", spec)
			}
			var next plumbing.Hash
			reach.ScanTree(data, func(_, n []byte, h plumbing.Hash) {
				if string(n) == name {
					next = h
				}
			})
			if next.IsZero() {
				return plumbing.ZeroHash, fmt.Errorf("unable to access sparse blob in '%s'", spec)
			}
			id = next
		}
	}
	if t, _, err := db.Info(id); err != nil || t != plumbing.BlobObject {
		return plumbing.ZeroHash, fmt.Errorf("unable to access sparse blob in '%s'", spec)
	}
	return id, nil
}

func tagTarget(data []byte) plumbing.Hash {
	line, _, _ := bytes.Cut(data, []byte{'\n'})
	return plumbing.NewHash(strings.TrimPrefix(string(line), "object "))
}

// sparseBlobs is, for sparse:oid, the blobs of the commits of objs that
// a path matches the patterns at. A tree is walked again at each path it
// is met at, unless every blob under it was kept the first time (git
// revisits such trees alike).
func sparseBlobs(ctx context.Context, dir string, db *odb.DB, spec string, objs []packobj.Object) (map[plumbing.Hash]bool, error) {
	id, err := resolveBlobish(dir, db, spec)
	if err != nil {
		return nil, err
	}
	_, data, err := db.Read(id)
	if err != nil {
		return nil, fmt.Errorf("unable to parse sparse filter data in %s", id)
	}
	ps := parseSparsePatterns(data)
	keep := map[plumbing.Hash]bool{}
	done := map[plumbing.Hash]bool{} // trees all of whose blobs were kept
	visited := map[string]bool{}     // tree id and path pairs walked
	var walk func(tree plumbing.Hash, path string, def int) (bool, error)
	walk = func(tree plumbing.Hash, path string, def int) (bool, error) {
		if done[tree] {
			return true, nil
		}
		key := string(tree[:]) + path
		if visited[key] {
			return false, nil
		}
		visited[key] = true
		if m := sparseMatch(ps, path, true); m != sparseUndecided {
			def = m
		}
		_, data, err := db.Read(tree)
		if err != nil {
			return false, fmt.Errorf("tree %s: %w", tree, err)
		}
		type sub struct {
			id   plumbing.Hash
			path string
		}
		var subs []sub
		all := true
		prefix := path
		if prefix != "" {
			prefix += "/"
		}
		err = reach.ScanTree(data, func(mode, name []byte, h plumbing.Hash) {
			p := prefix + string(name)
			switch {
			case string(mode) == "160000":
			case mode[0] == '4':
				subs = append(subs, sub{h, p})
			default:
				m := sparseMatch(ps, p, false)
				if m == sparseUndecided {
					m = def
				}
				if m == sparseYes {
					keep[h] = true
				} else {
					all = false
				}
			}
		})
		if err != nil {
			return false, fmt.Errorf("tree %s: %w", tree, err)
		}
		for _, s := range subs {
			ok, err := walk(s.id, s.path, def)
			if err != nil {
				return false, err
			}
			all = all && ok
		}
		if all {
			done[tree] = true
		}
		return all, nil
	}
	err = forEachCommitTree(ctx, db, objs, func(tree plumbing.Hash) error {
		_, err := walk(tree, "", sparseNo)
		return err
	})
	if err != nil {
		return nil, err
	}
	return keep, nil
}

// check fails as git's upload-pack does before it sends anything when a
// sparse:oid blob of the filter cannot be read.
func (f *objectFilter) check(dir string, db *odb.DB) error {
	if f.sparse != "" {
		if _, err := resolveBlobish(dir, db, f.sparse); err != nil {
			return err
		}
	}
	for _, sf := range f.subs {
		if err := sf.check(dir, db); err != nil {
			return err
		}
	}
	return nil
}
