package repo

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/merge/commitwalk"
	"easel.dev/easel/repo/gitobj"
)

// ResolveRevision turns a revision as git spells it into an object id:
// full or abbreviated ids (at least 4 hex digits), ref names (HEAD, branch,
// tag, remote-tracking, FETCH_HEAD/ORIG_HEAD/MERGE_HEAD), "@" for HEAD,
// the reflog forms <ref>@{N}, @{N} and @{-N}, <branch>@{upstream} (@{u}),
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
	spec, path, hasPath := cutPath(rev)
	if hasPath && spec == "" {
		// ":path" and ":N:path": the index entry (stage 0 unless named).
		stage := 0
		if spec == "" && len(path) > 2 && path[0] >= '0' && path[0] <= '3' && path[1] == ':' {
			stage, path = int(path[0]-'0'), path[2:]
		}
		return r.indexEntry(path, stage)
	}
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
	h, err := r.resolveBase(base)
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
			// First parents through the commit walk: from the
			// commit-graph, or the commits' headers, not decoded commits.
			h = c.Hash
			if n > 0 {
				cw := commitwalk.For(r.Storer)
				cw.Transient = true
				for i := 0; i < n; i++ {
					node, err := cw.Get(h)
					if err != nil {
						return plumbing.ZeroHash, fmt.Errorf("%s: %v: %w", rev, err, ErrUnknownRevision)
					}
					ps := cw.ParentIDs(node)
					if len(ps) == 0 {
						return plumbing.ZeroHash, unknown()
					}
					h = ps[0]
				}
			}
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

// resolveBase resolves a revision without its ~ and ^ suffixes: a name,
// optionally with git's @{...} forms. @{-N} at the start stands for the
// branch checked out N switches ago; a trailing @{N} is the N-th prior
// value from the reflog (@{0}: the latest), @{u} or @{upstream} the
// branch's upstream. Nothing before the @{ means the current branch.
func (r *Repository) resolveBase(name string) (plumbing.Hash, error) {
	rev := name
	if rest, ok := strings.CutPrefix(name, "@{-"); ok {
		end := strings.IndexByte(rest, '}')
		n, err := strconv.Atoi(rest[:max(end, 0)])
		if end <= 0 || err != nil || n < 1 {
			return plumbing.ZeroHash, fmt.Errorf("%s: %w", rev, ErrUnknownRevision)
		}
		prior, err := r.PriorCheckout(n)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		name = prior + rest[end+1:]
	}
	at := strings.LastIndex(name, "@{")
	if at < 0 || !strings.HasSuffix(name, "}") {
		return r.resolveName(name)
	}
	ref, sel := name[:at], name[at+2:len(name)-1]
	if ref == "@" {
		ref = "HEAD" // git's interpret_empty_at: @@{u} is HEAD@{u}
	}
	if strings.HasPrefix(sel, "-") {
		// @{-N} anywhere but at the start is nonsense to git, never a
		// date (get_oid_basic).
		return plumbing.ZeroHash, fmt.Errorf("%s: %w", rev, ErrUnknownRevision)
	}
	switch strings.ToLower(sel) {
	case "u", "upstream":
		return r.resolveUpstream(ref)
	case "push":
		return r.resolvePush(ref)
	}
	n, err := strconv.Atoi(sel)
	if err != nil || n < 0 || strings.TrimLeft(sel, "0123456789") != "" {
		at, derr := ParseApproxDate(sel, time.Now())
		if derr != nil {
			return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("%s: unknown revision (@{<n>}, @{<date>}, @{-<n>} and @{upstream} are known)", rev)}
		}
		return r.resolveAt(rev, ref, at)
	}
	return r.resolveNth(rev, ref, n)
}

// cutPath splits "rev:path" at the first colon outside braces, as git
// does, so that HEAD@{2024-05-01 10:00}:file is a file at a date.
func cutPath(rev string) (spec, path string, found bool) {
	depth := 0
	for i := 0; i < len(rev); i++ {
		switch rev[i] {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth == 0 {
				return rev[:i], rev[i+1:], true
			}
		}
	}
	return rev, "", false
}

// reflogOf reads the reflog <ref>@{...} refers to: the current branch's
// (HEAD's when detached) for an empty ref.
func (r *Repository) reflogOf(rev, ref string) (entries []ReflogEntry, logName plumbing.ReferenceName, display string, err error) {
	display = ref
	if ref == "" {
		logName, display = plumbing.HEAD, "HEAD"
		if b, _ := r.HeadBranch(); b != "" {
			logName, display = b, b.Short()
		}
	} else {
		logName = r.dwimLog(ref)
		if logName == "" {
			return nil, "", "", fmt.Errorf("%s: %w", rev, ErrUnknownRevision)
		}
	}
	entries, err = r.Reflog(logName)
	if err != nil {
		return nil, "", "", err
	}
	if len(entries) == 0 {
		return nil, "", "", &emptyReflogError{RevisionError{Msg: fmt.Sprintf("log for %s is empty", logName)}, logName}
	}
	return entries, logName, display, nil
}

// emptyReflogError is a log that exists but holds no entry; @{0} of it
// still names the ref.
type emptyReflogError struct {
	RevisionError
	name plumbing.ReferenceName
}

func (e *emptyReflogError) Unwrap() error { return &e.RevisionError }

// resolveAt is <ref>@{<date>} as git reads it: the ref's value at that
// time, from the newest entry made no later than it; before the log's
// first entry, the value that entry replaced (its new value when it
// created the ref).
func (r *Repository) resolveAt(rev, ref string, at time.Time) (plumbing.Hash, error) {
	entries, _, _, err := r.reflogOf(rev, ref)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if !entries[i].When.After(at) {
			return entries[i].New, nil
		}
	}
	if first := entries[0]; !first.Old.IsZero() {
		return first.Old, nil
	}
	return entries[0].New, nil
}

// resolveNth is <ref>@{n} as git reads it: @{0} is the newest entry's new
// value; for n > 0, the old value of the n-th newest entry, or of the
// first older one whose old value is not zero (a log restarting at a
// creation).
func (r *Repository) resolveNth(rev, ref string, n int) (plumbing.Hash, error) {
	entries, _, display, err := r.reflogOf(rev, ref)
	var empty *emptyReflogError
	if n == 0 && errors.As(err, &empty) {
		// git's read_ref_at: @{0} of a log that is there but empty
		// (expired) is the ref's own value.
		return r.ResolveRef(empty.name)
	}
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if n == 0 {
		return entries[len(entries)-1].New, nil
	}
	cnt := n
	for i := len(entries) - 1; i >= 0; i-- {
		if cnt > 0 {
			cnt--
		}
		if cnt == 0 && !entries[i].Old.IsZero() {
			return entries[i].Old, nil
		}
	}
	return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("log for '%s' only has %d entries", display, len(entries))}
}

// dwimLog finds the reflog a short name means, in resolveName's order:
// the first candidate ref that exists and has a log ("" for none).
func (r *Repository) dwimLog(name string) plumbing.ReferenceName {
	for _, c := range []string{name, "refs/" + name, "refs/tags/" + name, "refs/heads/" + name, "refs/remotes/" + name, "refs/remotes/" + name + "/HEAD"} {
		if c == name && name != "HEAD" && !strings.HasPrefix(name, "refs/") {
			continue
		}
		if ValidateRefName(c) != nil {
			continue
		}
		ref := plumbing.ReferenceName(c)
		if _, err := r.ResolveRef(ref); err != nil {
			continue
		}
		if r.HasReflog(ref) {
			return ref
		}
		if c == "HEAD" {
			if b, _ := r.HeadBranch(); b != "" && r.HasReflog(b) {
				return b
			}
		}
	}
	return ""
}

// resolveUpstream is <branch>@{upstream}: the remote-tracking ref that
// branch.<name>.remote and branch.<name>.merge name (the current branch's
// when branch is empty or HEAD).
func (r *Repository) resolveUpstream(branch string) (plumbing.Hash, error) {
	head, _ := r.HeadBranch()
	if branch == "" || branch == "HEAD" {
		if head == "" {
			return plumbing.ZeroHash, &RevisionError{Msg: "HEAD does not point to a branch"}
		}
		branch = head.Short()
	} else if _, err := r.ResolveRef(plumbing.NewBranchReferenceName(branch)); err != nil && head.Short() != branch {
		return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("no such branch: '%s'", branch)}
	}
	remote, merge, err := r.Upstream(branch)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if remote == "" || merge == "" {
		return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("no upstream configured for branch '%s'", branch)}
	}
	up, err := r.upstreamRef(remote, merge)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if up == "" {
		return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("upstream branch '%s' not stored as a remote-tracking branch", merge)}
	}
	h, err := r.ResolveRef(up)
	if err != nil {
		return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("upstream branch %s of '%s' does not exist", up.Short(), branch)}
	}
	return h, nil
}

// resolvePush is <branch>@{push}: the remote-tracking ref of where git
// push would push branch (the current one when branch is empty or HEAD).
func (r *Repository) resolvePush(branch string) (plumbing.Hash, error) {
	up, err := r.PushRefOf(branch)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	h, err := r.ResolveRef(up)
	if err != nil {
		return plumbing.ZeroHash, &RevisionError{Msg: fmt.Sprintf("%s: unknown revision", up.Short())}
	}
	return h, nil
}

// PushRefOf is PushRef of a branch as a revision names it: "" and HEAD
// for the current branch.
func (r *Repository) PushRefOf(branch string) (plumbing.ReferenceName, error) {
	if branch == "" || branch == "HEAD" {
		head, _ := r.HeadBranch()
		if head == "" {
			return "", &RevisionError{Msg: "HEAD does not point to a branch"}
		}
		branch = head.Short()
	}
	return r.PushRef(branch)
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
	case "HEAD", "FETCH_HEAD", "ORIG_HEAD", "MERGE_HEAD", "CHERRY_PICK_HEAD", "BISECT_HEAD", "BISECT_EXPECTED_REV":
		return true
	}
	return false
}

// readSpecialHead reads files such as FETCH_HEAD whose first word is an id.
func (r *Repository) readSpecialHead(name string) (plumbing.Hash, bool) {
	data, err := os.ReadFile(r.gitPath(name))
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
func (r *Repository) commitOf(h plumbing.Hash) (*gitobj.Commit, error) {
	for i := 0; i < 20; i++ {
		o, err := r.Storer.EncodedObject(plumbing.AnyObject, h)
		if err != nil {
			return nil, err
		}
		switch o.Type() {
		case plumbing.CommitObject:
			return gitobj.DecodeEncodedCommit(o)
		case plumbing.TagObject:
			t, err := gitobj.DecodeEncodedTag(o)
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
			tag, err := gitobj.DecodeEncodedTag(o)
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
				c, err := gitobj.DecodeEncodedCommit(o)
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
	tree, err := gitobj.GetTree(r.Storer, c.TreeHash)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	e, err := tree.FindEntry(path)
	if err != nil {
		spec, _, _ := cutPath(rev)
		return plumbing.ZeroHash, r.diagnoseTreePath(tree, spec, "", path)
	}
	return e.Hash, nil
}

// indexEntry is ":N:path": the blob the index holds at path in stage N.
func (r *Repository) indexEntry(path string, stage int) (plumbing.Hash, error) {
	idx, err := r.ReadIndex()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	path = strings.TrimPrefix(path, "./")
	for _, e := range idx.Entries {
		if e.Name == path && int(e.Stage) == stage {
			return e.Hash, nil
		}
	}
	return plumbing.ZeroHash, r.diagnoseIndexPath(idx, stage, "", path)
}
