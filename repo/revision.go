package repo

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// ResolveRevision turns a revision as git spells it into an object id:
// full or abbreviated ids (at least 4 hex digits), ref names (HEAD, branch,
// tag, remote-tracking, FETCH_HEAD/ORIG_HEAD/MERGE_HEAD), "@" for HEAD, and
// the suffixes ~N, ^N, ^{commit}, ^{tree}, ^{}, plus "rev:path" for a tree or
// blob inside a commit. Tags are peeled to commits when a suffix needs a
// commit; a bare tag name returns the tag object itself, as git does, so
// use ResolveCommit where a commit is required.
func (r *Repository) ResolveRevision(ctx context.Context, rev string) (plumbing.Hash, error) {
	unknown := func() error {
		return fmt.Errorf("%s: %w", rev, ErrUnknownRevision)
	}
	if rev == "" {
		return plumbing.ZeroHash, unknown()
	}
	spec, path, hasPath := strings.Cut(rev, ":")
	if hasPath {
		if spec == "" {
			spec = "HEAD"
		}
		commit, err := r.ResolveCommit(ctx, spec)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		return r.pathInCommit(commit, path, rev)
	}
	base, suffix := splitRevision(spec)
	if base == "" || base == "@" {
		base = "HEAD"
	}
	h, err := r.resolveName(base)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	for suffix != "" {
		if err := ctx.Err(); err != nil {
			return plumbing.ZeroHash, err
		}
		switch {
		case strings.HasPrefix(suffix, "^{"):
			end := strings.IndexByte(suffix, '}')
			if end < 0 {
				return plumbing.ZeroHash, unknown()
			}
			kind := suffix[2:end]
			suffix = suffix[end+1:]
			h, err = r.peel(h, kind)
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("%s: %v: %w", rev, err, ErrUnknownRevision)
			}
		case suffix[0] == '^' || suffix[0] == '~':
			op := suffix[0]
			n, rest := leadingNumber(suffix[1:])
			suffix = rest
			c, err := r.commitOf(h)
			if err != nil {
				return plumbing.ZeroHash, fmt.Errorf("%s: %v: %w", rev, err, ErrUnknownRevision)
			}
			if op == '^' {
				if n == 0 {
					h = c.Hash
					continue
				}
				if n > len(c.ParentHashes) {
					return plumbing.ZeroHash, unknown()
				}
				h = c.ParentHashes[n-1]
				continue
			}
			for i := 0; i < n; i++ {
				if len(c.ParentHashes) == 0 {
					return plumbing.ZeroHash, unknown()
				}
				if c, err = r.commitOf(c.ParentHashes[0]); err != nil {
					return plumbing.ZeroHash, fmt.Errorf("%s: %v: %w", rev, err, ErrUnknownRevision)
				}
			}
			h = c.Hash
		default:
			return plumbing.ZeroHash, unknown()
		}
	}
	return h, nil
}

// ResolveCommit resolves rev and peels it to a commit.
func (r *Repository) ResolveCommit(ctx context.Context, rev string) (plumbing.Hash, error) {
	h, err := r.ResolveRevision(ctx, rev)
	if err != nil {
		return h, err
	}
	c, err := r.commitOf(h)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("%s: %v: %w", rev, err, ErrUnknownRevision)
	}
	return c.Hash, nil
}

// splitRevision separates "main~2^2" into "main" and "~2^2". A name may
// itself contain neither '~' nor '^' (check-ref-format forbids them).
func splitRevision(s string) (string, string) {
	i := strings.IndexAny(s, "~^")
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// leadingNumber parses the count after ~ or ^; a missing count means 1.
func leadingNumber(s string) (int, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 1, s
	}
	n, err := strconv.Atoi(s[:i])
	if err != nil {
		return 1 << 30, s[i:]
	}
	return n, s[i:]
}

// resolveName looks a name up in git's order (gitrevisions(7)): a file in
// the git directory, refs/, refs/tags/, refs/heads/, refs/remotes/,
// refs/remotes/<name>/HEAD; then a full or abbreviated object id.
func (r *Repository) resolveName(name string) (plumbing.Hash, error) {
	if len(name) == 40 && isHex(name) {
		h := plumbing.NewHash(name)
		if _, err := r.Storer.EncodedObject(plumbing.AnyObject, h); err != nil {
			return plumbing.ZeroHash, fmt.Errorf("%s: %w", name, ErrUnknownRevision)
		}
		return h, nil
	}
	candidates := []string{name, "refs/" + name, "refs/tags/" + name, "refs/heads/" + name, "refs/remotes/" + name, "refs/remotes/" + name + "/HEAD"}
	for _, c := range candidates {
		if c == name && name != "HEAD" && !strings.HasPrefix(name, "refs/") && !isSpecialHead(name) {
			continue
		}
		if ValidateRefName(c) != nil && !isSpecialHead(c) {
			continue
		}
		h, err := r.ResolveRef(plumbing.ReferenceName(c))
		if err == nil {
			return h, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return plumbing.ZeroHash, err
		}
	}
	if isSpecialHead(name) && name != "HEAD" {
		if h, ok := r.readSpecialHead(name); ok {
			return h, nil
		}
	}
	if len(name) >= 4 && len(name) < 40 && isHex(name) {
		return r.resolveAbbrev(name)
	}
	return plumbing.ZeroHash, fmt.Errorf("%s: %w", name, ErrUnknownRevision)
}

func isSpecialHead(name string) bool {
	switch name {
	case "HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD":
		return true
	}
	return false
}

// readSpecialHead reads files such as FETCH_HEAD whose first word is an id.
func (r *Repository) readSpecialHead(name string) (plumbing.Hash, bool) {
	data, err := os.ReadFile(filepath.Join(r.GitDir, name))
	if err != nil {
		return plumbing.ZeroHash, false
	}
	f := strings.Fields(string(data))
	if len(f) == 0 || len(f[0]) != 40 || !isHex(f[0]) {
		return plumbing.ZeroHash, false
	}
	return plumbing.NewHash(f[0]), true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// resolveAbbrev finds the one object whose id starts with prefix.
func (r *Repository) resolveAbbrev(prefix string) (plumbing.Hash, error) {
	prefix = strings.ToLower(prefix)
	raw, err := hex.DecodeString(prefix[:len(prefix)&^1])
	if err != nil {
		return plumbing.ZeroHash, err
	}
	hashes, err := r.Storer.HashesWithPrefix(raw)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	var found []plumbing.Hash
	for _, h := range hashes {
		if strings.HasPrefix(h.String(), prefix) {
			found = append(found, h)
		}
	}
	switch len(found) {
	case 0:
		return plumbing.ZeroHash, fmt.Errorf("%s: %w", prefix, ErrUnknownRevision)
	case 1:
		return found[0], nil
	}
	// Prefer the only commit among several matches, as git does for
	// revisions that need a commit.
	var commits []plumbing.Hash
	for _, h := range found {
		if o, err := r.Storer.EncodedObject(plumbing.AnyObject, h); err == nil && o.Type() == plumbing.CommitObject {
			commits = append(commits, h)
		}
	}
	if len(commits) == 1 {
		return commits[0], nil
	}
	return plumbing.ZeroHash, fmt.Errorf("short object id %s is ambiguous: %w", prefix, ErrUnknownRevision)
}

// commitOf peels tags until it reaches a commit.
func (r *Repository) commitOf(h plumbing.Hash) (*object.Commit, error) {
	for i := 0; i < 20; i++ {
		o, err := r.Storer.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return nil, err
		}
		switch o.Type() {
		case plumbing.CommitObject:
			return object.DecodeCommit(r.Storer, o)
		case plumbing.TagObject:
			t, err := object.DecodeTag(r.Storer, o)
			if err != nil {
				return nil, err
			}
			h = t.Target
		default:
			return nil, fmt.Errorf("%s is a %s, not a commit", h, o.Type())
		}
	}
	return nil, errors.New("tag chain too long")
}

// peel implements ^{kind}: "" peels tags completely, "commit" and "tree"
// peel to that type, "tag" and "blob" require that type.
func (r *Repository) peel(h plumbing.Hash, kind string) (plumbing.Hash, error) {
	for i := 0; i < 20; i++ {
		o, err := r.Storer.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		t := o.Type()
		if kind != "" && t.String() == kind {
			return h, nil
		}
		switch t {
		case plumbing.TagObject:
			tag, err := object.DecodeTag(r.Storer, o)
			if err != nil {
				return plumbing.ZeroHash, err
			}
			h = tag.Target
			continue
		case plumbing.CommitObject:
			if kind == "" {
				return h, nil
			}
			if kind == "tree" {
				c, err := object.DecodeCommit(r.Storer, o)
				if err != nil {
					return plumbing.ZeroHash, err
				}
				return c.TreeHash, nil
			}
		default:
			if kind == "" {
				return h, nil
			}
		}
		return plumbing.ZeroHash, fmt.Errorf("%s is a %s, not a %s", h, t, kind)
	}
	return plumbing.ZeroHash, errors.New("tag chain too long")
}

// pathInCommit finds the tree or blob at path inside commit's tree.
func (r *Repository) pathInCommit(commit plumbing.Hash, path, rev string) (plumbing.Hash, error) {
	c, err := r.commitOf(commit)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	path = strings.Trim(path, "/")
	if path == "" {
		return c.TreeHash, nil
	}
	tree, err := object.GetTree(r.Storer, c.TreeHash)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	e, err := tree.FindEntry(path)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("path '%s' does not exist in '%s': %w", path, strings.SplitN(rev, ":", 2)[0], ErrUnknownRevision)
	}
	return e.Hash, nil
}
