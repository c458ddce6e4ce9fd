package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo"
	"easel.dev/easel/repo/refspec"
)

// Options are shared by Fetch, Push and Clone.
type Options struct {
	Progress io.Writer // progress lines go here; nil prints nothing
	// ReflogAction starts the reflog message of each ref a fetch moves,
	// as git's: "fetch origin: fast-forward". Empty: "fetch"; git pull's
	// is "pull".
	ReflogAction string
	// reflogMessage, when set, is every fetched ref's whole message
	// (a clone's "clone: from <url>").
	reflogMessage string
	// Prune deletes remote-tracking refs whose branch the remote no
	// longer has (git fetch --prune). Tags are never pruned.
	Prune bool
	// Branch is the branch Clone checks out instead of the remote's
	// HEAD (clone -b); Origin names the remote instead of "origin".
	Branch, Origin string
}

// remoteSpecs is rm's fetch refspecs; git's default mapping when it has
// none that parse.
func remoteSpecs(rm repo.Remote) refspec.List {
	out := refspec.ParseList(rm.Fetch)
	for _, s := range out {
		if !s.Negative {
			return out
		}
	}
	return append(out, refspec.Spec{Src: "refs/heads/*", Dst: "refs/remotes/" + rm.Name + "/*", Force: true})
}

// TrackingRef is where a fetch from rm stores the remote's ref name
// ("" when no refspec covers it).
func TrackingRef(rm repo.Remote, name string) string {
	dst, _ := remoteSpecs(rm).Expand(name)
	return dst
}

// RefChange is one local ref a fetch or push moved.
type RefChange struct {
	Local  string        `json:"local"`
	Remote string        `json:"remote"`
	Old    plumbing.Hash `json:"old"`
	New    plumbing.Hash `json:"new"`
}

// FetchResult reports a fetch.
type FetchResult struct {
	Remote  *RefsResponse
	Changes []RefChange
	// Pruned are the remote-tracking refs deleted by Prune (New zero).
	Pruned  []RefChange
	Objects int
	Bytes   int64
}

// Fetch brings rm's branches into their remote-tracking refs and its new
// tags into refs/tags. Only objects the repository lacks are sent: every
// local ref is offered as a "have".
func Fetch(ctx context.Context, r *repo.Repository, rm repo.Remote, c *Client, o Options) (*FetchResult, error) {
	refs, err := c.Refs(ctx)
	if err != nil {
		return nil, err
	}
	return fetchRefs(ctx, r, rm, c, refs, o)
}

func fetchRefs(ctx context.Context, r *repo.Repository, rm repo.Remote, c *Client, refs *RefsResponse, o Options) (*FetchResult, error) {
	res := &FetchResult{Remote: refs}
	type plan struct {
		local, remote string
		id            plumbing.Hash
	}
	var plans []plan
	for _, ref := range refs.Refs {
		id, err := parseID(ref.ID)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrRemote, ref.Name, err)
		}
		if dst := TrackingRef(rm, ref.Name); dst != "" {
			if repo.ValidateRefName(dst) == nil {
				plans = append(plans, plan{dst, ref.Name, id})
			}
			continue
		}
		if strings.HasPrefix(ref.Name, "refs/tags/") && repo.ValidateRefName(ref.Name) == nil {
			// Tags are fetched once and never moved by a fetch, as git does.
			if _, err := r.ResolveRef(plumbing.ReferenceName(ref.Name)); errors.Is(err, repo.ErrNotFound) {
				plans = append(plans, plan{ref.Name, ref.Name, id})
			}
		}
	}
	store := OpenObjectStore(r.GitDir)
	defer store.Close()
	var wants []string
	var wantIDs []plumbing.Hash
	wanted := map[plumbing.Hash]bool{}
	for _, p := range plans {
		if !wanted[p.id] && store.HasEncodedObject(p.id) != nil {
			wanted[p.id] = true
			wants = append(wants, p.id.String())
			wantIDs = append(wantIDs, p.id)
		}
	}
	if len(wants) > 0 {
		haves, err := localHaves(r, rm.Name)
		if err != nil {
			return nil, err
		}
		body, n, err := c.FetchPack(ctx, wants, haves, CapThinPack)
		if err != nil {
			return nil, err
		}
		pr := newProgress(o.Progress, "Receiving objects", n)
		// The pack may be thin: its external bases come from store.
		// A client takes what the server it chose sends: no cap on the
		// number of objects (the expansion budget still holds).
		q, err := ReceiveThin(ctx, filepath.Join(r.GitDir, "objects"), pr.reader(body), PackLimits{MaxObjects: math.MaxUint32}, store)
		body.Close()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("%w: receiving the pack: %v", ErrRemote, err)
		}
		pr.done()
		res.Objects, res.Bytes = q.Objects, q.Bytes
		localRefs, err := refValues(r.GitDir)
		if err != nil {
			q.Discard()
			return nil, err
		}
		if err := q.Verify(ctx, store, wantIDs, localRefs); err != nil {
			q.Discard()
			return nil, fmt.Errorf("%w: the server sent a bad pack: %v", ErrRemote, err)
		}
		if _, err := q.Accept(r.GitDir); err != nil {
			return nil, err
		}
		// Make the new pack visible to this process's object database.
		r.Objects.Refresh()
	}
	var txn []repo.RefUpdate
	for _, p := range plans {
		old, _ := r.ResolveRef(plumbing.ReferenceName(p.local))
		if old == p.id {
			continue
		}
		msg := o.reflogMessage
		if msg == "" {
			msg = fetchReflogMessage(ctx, r, o.ReflogAction, p.remote, old, p.id)
		}
		txn = append(txn, repo.RefUpdate{Name: plumbing.ReferenceName(p.local), Old: old, New: p.id, CheckOld: true, Message: msg})
		res.Changes = append(res.Changes, RefChange{Local: p.local, Remote: p.remote, Old: old, New: p.id})
	}
	if o.Prune {
		stale, err := staleTrackingRefs(r, rm, refs)
		if err != nil {
			return nil, err
		}
		for _, st := range stale {
			txn = append(txn, repo.RefUpdate{Name: plumbing.ReferenceName(st.Local), Old: st.Old, CheckOld: true})
		}
		res.Pruned = stale
	}
	if len(txn) > 0 {
		if err := r.UpdateRefs(ctx, txn); err != nil {
			return nil, err
		}
	}
	// Each fetch adds a pack; keep their number bounded as git's
	// gc --auto does. The fetch has succeeded whatever happens here.
	// Another easel command reading this repository at this very moment
	// could miss objects of the packs removed here; git's gc --auto has
	// the same window. extensions.preciousObjects forbids deleting packs.
	if r.PreciousObjects() {
		return res, nil
	}
	if old, err := ConsolidatePacks(ctx, r.GitDir, MaxPacks); err == nil && len(old) > 0 {
		RemovePacks(old)
		r.Objects.Refresh()
	}
	return res, nil
}

// staleTrackingRefs lists the local refs rm's refspecs map remote refs
// into whose remote ref no longer exists, as git fetch --prune finds them.
func staleTrackingRefs(r *repo.Repository, rm repo.Remote, refs *RefsResponse) ([]RefChange, error) {
	onRemote := map[string]bool{}
	for _, ref := range refs.Refs {
		onRemote[ref.Name] = true
	}
	all, err := r.ListRefs("refs/")
	if err != nil {
		return nil, err
	}
	specs := remoteSpecs(rm)
	var out []RefChange
	for _, ref := range all {
		if ref.Symbolic() {
			continue
		}
		if src, ok := specs.Reverse(ref.Name); ok && !onRemote[src] {
			out = append(out, RefChange{Local: ref.Name, Remote: src, Old: ref.ID})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Local < out[j].Local })
	return out, err
}

// fetchReflogMessage is git fetch's reflog message for one ref: the
// action, then what happened to it ("storing head", "fast-forward",
// "forced-update").
func fetchReflogMessage(ctx context.Context, r *repo.Repository, action, remoteRef string, old, new plumbing.Hash) string {
	if action == "" {
		action = "fetch"
	}
	what := "forced-update"
	switch {
	case old.IsZero() && strings.HasPrefix(remoteRef, "refs/tags/"):
		what = "storing tag"
	case old.IsZero() && strings.HasPrefix(remoteRef, "refs/heads/"):
		what = "storing head"
	case old.IsZero():
		what = "storing ref"
	case strings.HasPrefix(remoteRef, "refs/tags/"):
		what = "updating tag"
	default:
		if ff, err := r.IsAncestor(ctx, old, new); err == nil && ff {
			what = "fast-forward"
		}
	}
	return action + ": " + what
}

// localHaves is every object a local ref points at, the most useful
// first (a server reads only so many): what was last fetched from rm, then
// local branches, then the rest (tags, other remotes).
func localHaves(r *repo.Repository, remote string) ([]string, error) {
	refs, _, err := readRefs(r.GitDir)
	if err != nil {
		return nil, err
	}
	rank := func(name string) int {
		switch {
		case strings.HasPrefix(name, "refs/remotes/"+remote+"/"):
			return 0
		case strings.HasPrefix(name, "refs/heads/"):
			return 1
		}
		return 2
	}
	names := make([]string, 0, len(refs))
	for n := range refs {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if ri, rj := rank(names[i]), rank(names[j]); ri != rj {
			return ri < rj
		}
		return names[i] < names[j]
	})
	seen := map[plumbing.Hash]bool{}
	var out []string
	for _, n := range names {
		if h := refs[n]; !seen[h] {
			seen[h] = true
			out = append(out, h.String())
		}
	}
	return out, nil
}

// PushRef asks to set the remote's ref Remote to Local (zero: delete it).
type PushRef struct {
	Local  plumbing.Hash
	Remote plumbing.ReferenceName
}

// Push sends updates to rm. The expected old value of each remote ref is
// the one the server lists right now, so the server's compare-and-swap
// refuses (409, ErrRejected) if another push lands in between, and its
// fast-forward check refuses if the remote has commits this repository
// lacks. Only objects the remote lacks are sent. On success the
// remote-tracking refs follow.
func Push(ctx context.Context, r *repo.Repository, rm repo.Remote, c *Client, updates []PushRef, o Options) (*PushResponse, []RefChange, error) {
	refs, err := c.Refs(ctx)
	if errors.Is(err, ErrRepoNotFound) {
		refs, err = &RefsResponse{}, nil // the first push creates it
	}
	if err != nil {
		return nil, nil, err
	}
	current := map[string]plumbing.Hash{}
	for _, ref := range refs.Refs {
		if id, err := parseID(ref.ID); err == nil {
			current[ref.Name] = id
		}
	}
	store := OpenObjectStore(r.GitDir)
	defer store.Close()
	var cmds []RefCommand
	var news []plumbing.Hash
	for _, u := range updates {
		old := current[u.Remote.String()]
		if u.Local.IsZero() && old.IsZero() {
			return nil, nil, fmt.Errorf("%s: %w", u.Remote, repo.ErrNotFound)
		}
		cmds = append(cmds, RefCommand{Ref: u.Remote.String(), Old: old.String(), New: u.Local.String()})
		if !u.Local.IsZero() {
			news = append(news, u.Local)
		}
	}
	upToDate := true
	for _, cmd := range cmds {
		upToDate = upToDate && cmd.Old == cmd.New
	}
	if upToDate {
		var changes []RefChange
		for _, u := range updates {
			changes = append(changes, RefChange{Remote: u.Remote.String(), Old: u.Local, New: u.Local})
		}
		return &PushResponse{Refs: refs.Refs}, changes, nil
	}
	// What the remote surely has: the ids it lists that exist here, and
	// what we last fetched from it.
	var haves []plumbing.Hash
	for _, id := range current {
		haves = append(haves, id)
	}
	if local, _, err := readRefs(r.GitDir); err == nil {
		prefix := "refs/remotes/" + rm.Name + "/"
		for name, h := range local {
			if strings.HasPrefix(name, prefix) {
				haves = append(haves, h)
			}
		}
	}
	hashes, err := MissingObjects(ctx, store, news, haves)
	if err != nil {
		return nil, nil, err
	}
	// A server that takes thin packs gets blobs as deltas against the
	// same paths in what it holds for sure: the current values of the
	// refs pushed, then its HEAD (not what we last fetched: it may be
	// gone from the server).
	var bases map[plumbing.Hash]plumbing.Hash
	if hasCap(refs.Capabilities, CapThinPack) {
		var theirs []plumbing.Hash
		for _, u := range updates {
			if old := current[u.Remote.String()]; !old.IsZero() {
				theirs = append(theirs, old)
			}
		}
		if head, err := parseID(refs.HeadID); err == nil {
			theirs = append(theirs, head)
		}
		if bases, err = thinBases(ctx, store, news, theirs, hashes); err != nil {
			return nil, nil, err
		}
	}
	pw := newProgress(o.Progress, "Writing objects", len(hashes))
	resp, err := c.Push(ctx, cmds, func(w io.Writer) error {
		_, err := WriteThinPack(ctx, pw.writer(w), store, hashes, bases)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	pw.done()
	var txn []repo.RefUpdate
	var changes []RefChange
	for _, u := range updates {
		changes = append(changes, RefChange{Remote: u.Remote.String(), Old: current[u.Remote.String()], New: u.Local})
		dst := TrackingRef(rm, u.Remote.String())
		if dst == "" || repo.ValidateRefName(dst) != nil {
			continue
		}
		changes[len(changes)-1].Local = dst
		txn = append(txn, repo.RefUpdate{Name: plumbing.ReferenceName(dst), New: u.Local, Message: "update by push"})
	}
	if len(txn) > 0 {
		if err := r.UpdateRefs(ctx, txn); err != nil {
			return resp, changes, fmt.Errorf("pushed, but updating remote-tracking refs failed: %w", err)
		}
	}
	return resp, changes, nil
}

// CloneResult reports a clone.
type CloneResult struct {
	Repo   *repo.Repository
	Branch string // the branch checked out
	Empty  bool   // the remote has no commits (or does not exist yet)
	Fetch  *FetchResult
}

// Clone creates dir (which must not exist or be empty), fetches everything
// from url as remote "origin", checks out the remote's default branch and
// makes it track origin. A remote that does not exist yet gives an empty
// repository ready to push to. On failure nothing is left behind.
func Clone(ctx context.Context, rawURL, dir, token string, o Options) (res *CloneResult, err error) {
	c, err := NewClient(rawURL, token)
	if err != nil {
		return nil, err
	}
	refs, err := c.Refs(ctx)
	empty := false
	if errors.Is(err, ErrRepoNotFound) {
		refs, err, empty = &RefsResponse{Head: "refs/heads/" + repo.DefaultBranch}, nil, true
	}
	if err != nil {
		return nil, err
	}
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("destination path '%s' already exists and is not an empty directory: %w", dir, repo.ErrAlreadyExists)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, statErr := os.Stat(dir)
	created := errors.Is(statErr, os.ErrNotExist)
	defer func() {
		if err != nil {
			if created {
				os.RemoveAll(dir)
			} else {
				os.RemoveAll(filepath.Join(dir, ".git"))
			}
		}
	}()
	branch, ok := strings.CutPrefix(refs.Head, "refs/heads/")
	if !ok || repo.ValidateRefName(refs.Head) != nil {
		branch = repo.DefaultBranch
	}
	headID := refs.HeadID
	origin := o.Origin
	if origin == "" {
		origin = "origin"
	}
	if o.Branch != "" {
		want := plumbing.NewBranchReferenceName(o.Branch).String()
		found := false
		for _, ref := range refs.Refs {
			if ref.Name == want {
				branch, headID, found = o.Branch, ref.ID, true
			}
		}
		if !found && !empty {
			return nil, fmt.Errorf("remote branch %s not found in upstream %s: %w", o.Branch, origin, repo.ErrUnknownRevision)
		}
		branch = o.Branch
	}
	r, err := repo.Init(ctx, dir, false, branch)
	if err != nil {
		return nil, err
	}
	if err := r.AddRemote(ctx, origin, c.BaseURL); err != nil {
		return nil, err
	}
	rm, err := r.RemoteByName(origin)
	if err != nil {
		return nil, err
	}
	res = &CloneResult{Repo: r, Branch: branch, Empty: empty || len(refs.Refs) == 0}
	logMsg := "clone: from " + anonymizeURL(rawURL)
	o.reflogMessage = logMsg
	if !res.Empty {
		if res.Fetch, err = fetchRefs(ctx, r, rm, c, refs, o); err != nil {
			return nil, err
		}
	}
	if headID != "" {
		tip, err := parseID(headID)
		if err != nil {
			return nil, fmt.Errorf("%w: HEAD: %v", ErrRemote, err)
		}
		name := plumbing.NewBranchReferenceName(branch)
		if err := r.UpdateRef(ctx, repo.RefUpdate{Name: name, New: tip, CheckOld: true, Message: logMsg}); err != nil {
			return nil, err
		}
		if err := r.Checkout(ctx, plumbing.ZeroHash, tip); err != nil {
			return nil, err
		}
	}
	if err := r.SetUpstream(ctx, branch, origin, plumbing.NewBranchReferenceName(branch)); err != nil {
		return nil, err
	}
	return res, nil
}

// anonymizeURL drops the user and password from a URL, as git does before
// writing it to a reflog.
func anonymizeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}
