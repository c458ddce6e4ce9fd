package repo

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo/lockfile"
	"easel.dev/easel/repo/reach"
	wm "easel.dev/easel/repo/wildmatch"
)

// Expiry times as git's parse_expiry_date gives them: ExpireNever keeps
// everything ("never", "false"), ExpireAll expires everything ("all",
// "now").
var (
	ExpireNever = time.Unix(0, 0)
	ExpireAll   = time.Unix(1<<62, 0)
)

// ParseExpiry reads an expiry date as git's parse_expiry_date does.
func ParseExpiry(s string, now time.Time) (time.Time, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "never", "false":
		return ExpireNever, nil
	case "all", "now":
		return ExpireAll, nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 100000000 {
		return time.Unix(n, 0), nil
	}
	t, err := ParseApproxDate(s, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("malformed expiration date '%s'", s)
	}
	return t, nil
}

// ReflogExpireOptions are git reflog expire's.
type ReflogExpireOptions struct {
	// Expire and ExpireUnreachable, when not zero, override gc.reflogExpire
	// (90 days) and gc.reflogExpireUnreachable (30 days) and their
	// per-ref gc.<pattern>.* forms.
	Expire, ExpireUnreachable time.Time
	StaleFix                  bool // also drop entries naming commits that are gone or incomplete
	DryRun                    bool
	Verbose                   bool // print keep/prune for every entry
	Rewrite                   bool // make each kept entry's old id the previous kept entry's new id
	UpdateRef                 bool // set the ref to the last kept entry's new id
	Now                       time.Time
}

// expiry is the pair of cut-offs for one ref.
type expiry struct{ total, unreachable time.Time }

// reflogExpiry works out the cut-offs for ref as git's
// set_reflog_expiry_param does.
func (r *Repository) reflogExpiry(ref string, opt ReflogExpireOptions) expiry {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	def := expiry{now.AddDate(0, 0, -90), now.AddDate(0, 0, -30)}
	vals, _ := r.ConfigValues()
	get := func(key string) (time.Time, bool) {
		var v string
		found := false
		for _, cv := range vals {
			if strings.EqualFold(cv.Key, key) {
				v, found = cv.Value, true
			}
		}
		if !found {
			return time.Time{}, false
		}
		t, err := ParseExpiry(v, now)
		return t, err == nil
	}
	if t, ok := get("gc.reflogExpire"); ok {
		def.total = t
	}
	if t, ok := get("gc.reflogExpireUnreachable"); ok {
		def.unreachable = t
	}
	e := def
	matched := false
	for _, cv := range vals {
		k := cv.Key
		if len(k) < 4 || !strings.EqualFold(k[:3], "gc.") {
			continue
		}
		i := strings.LastIndexByte(k, '.')
		if i <= 3 {
			continue
		}
		pattern, name := k[3:i], strings.ToLower(k[i+1:])
		if name != "reflogexpire" && name != "reflogexpireunreachable" || !wm.Match(pattern, ref, 0) {
			continue
		}
		if t, err := ParseExpiry(cv.Value, now); err == nil {
			if !matched {
				e, matched = def, true
			}
			if name == "reflogexpire" {
				e.total = t
			} else {
				e.unreachable = t
			}
		}
	}
	if !matched && ref == "refs/stash" {
		e = expiry{ExpireNever, ExpireNever}
	}
	if !opt.Expire.IsZero() {
		e.total = opt.Expire
	}
	if !opt.ExpireUnreachable.IsZero() {
		e.unreachable = opt.ExpireUnreachable
	}
	return e
}

// ReflogNames lists the reflogs the current work tree sees: logs/HEAD
// and every logs/refs/... (shared ones from the common directory, its own
// per-work-tree ones from its directory).
func (r *Repository) ReflogNames() []plumbing.ReferenceName {
	var out []plumbing.ReferenceName
	if r.HasReflog(plumbing.HEAD) {
		out = append(out, plumbing.HEAD)
	}
	for _, dir := range []string{r.GitDir, r.WorktreeGitDir} {
		logs := filepath.Join(dir, "logs")
		filepath.WalkDir(filepath.Join(logs, "refs"), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(p, ".lock") {
				return nil
			}
			rel, _ := filepath.Rel(logs, p)
			name := filepath.ToSlash(rel)
			if (dir == r.GitDir) == isCommonPath("logs/"+name) || r.GitDir == r.WorktreeGitDir {
				out = append(out, plumbing.ReferenceName(name))
			}
			return nil
		})
		if r.GitDir == r.WorktreeGitDir {
			break
		}
	}
	return out
}

// ExpireReflog drops old entries from ref's reflog as git reflog expire
// does: entries older than the total cut-off, and entries older than the
// unreachable cut-off whose commits the ref's tip (for HEAD: any ref) no
// longer reaches. The ref is locked while its log is rewritten under the
// log's own lock and renamed into place.
func (r *Repository) ExpireReflog(ref plumbing.ReferenceName, opt ReflogExpireOptions, out io.Writer) error {
	path := r.reflogPath(ref)
	refLock, err := lockfile.Acquire(r.refPath(ref), 0o644)
	if err != nil {
		return fmt.Errorf("cannot lock ref '%s': %w", ref, err)
	}
	defer refLock.Rollback()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil // no reflog: nothing to expire
	}
	e := r.reflogExpiry(ref.String(), opt)
	var tips []plumbing.Hash
	if ref == plumbing.HEAD {
		roots, _ := reach.Collect(r.GitDir, reach.Options{NoReflogs: true, NoIndex: true})
		for _, rt := range roots {
			if rt.Kind == reach.KindRef {
				tips = append(tips, rt.ID)
			}
		}
	} else if id, err := r.ResolveRef(ref); err == nil {
		tips = append(tips, id)
	}
	var reachable map[plumbing.Hash]bool
	isReachable := func(id plumbing.Hash) bool {
		if id.IsZero() {
			return true
		}
		if t, _, err := r.Objects.Info(id); err != nil || t != plumbing.CommitObject {
			return true // not a commit: kept, as git keeps it
		}
		if reachable == nil {
			reachable = r.ancestors(tips)
		}
		return reachable[id]
	}
	complete := map[plumbing.Hash]bool{}
	isComplete := func(id plumbing.Hash) bool {
		if id.IsZero() {
			return true
		}
		ok, seen := complete[id]
		if !seen {
			ok = r.commitComplete(id)
			complete[id] = ok
		}
		return ok
	}
	var kept bytes.Buffer
	var prevNew, lastNew plumbing.Hash // the new ids of the entries kept so far
	changed := false
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if line == "" {
			continue
		}
		old, new, ts, msg, ok := splitReflogLine(line)
		if opt.Rewrite && ok {
			// git checks and writes the rewritten old id: the new id of
			// the entry kept before (null for the first).
			old = prevNew
		}
		expire := false
		switch {
		case !ok:
		case ts < e.total.Unix():
			expire = true
		case opt.StaleFix && (!isComplete(old) || !isComplete(new)):
			expire = true
		case ts < e.unreachable.Unix():
			if !e.unreachable.After(e.total) {
				expire = true
			} else if !isReachable(old) || !isReachable(new) {
				expire = true
			}
		}
		if opt.Verbose {
			switch {
			case !expire:
				fmt.Fprintf(out, "keep %s", msg)
			case opt.DryRun:
				fmt.Fprintf(out, "would prune %s", msg)
			default:
				fmt.Fprintf(out, "prune %s", msg)
			}
		}
		if expire {
			changed = true
			continue
		}
		if ok && !strings.Contains(line, "\t") {
			// git writes every kept entry anew, with the tab that
			// separates an empty message.
			line = strings.TrimSuffix(line, "\n") + "\t\n"
			changed = true
		}
		if opt.Rewrite && ok && line[:40] != old.String() {
			line = old.String() + line[40:]
			changed = true
		}
		if ok {
			prevNew, lastNew = new, new
		}
		kept.WriteString(line)
	}
	if opt.DryRun || !changed && !opt.UpdateRef {
		return nil
	}
	l, err := lockfile.Acquire(path, 0o644)
	if err != nil {
		return err
	}
	defer l.Rollback()
	if _, err := l.Write(kept.Bytes()); err != nil {
		return err
	}
	if err := l.Commit(); err != nil {
		return err
	}
	if opt.UpdateRef && !lastNew.IsZero() && ref != plumbing.HEAD {
		if _, err := fmt.Fprintf(refLock, "%s\n", lastNew); err != nil {
			return err
		}
		return refLock.Commit()
	}
	return nil
}

// splitReflogLine reads "<old> <new> <ident> <time> <zone>\t<message>".
func splitReflogLine(line string) (old, new plumbing.Hash, ts int64, msg string, ok bool) {
	if len(line) < 83 || line[40] != ' ' || line[81] != ' ' {
		return
	}
	old, new = plumbing.NewHash(line[:40]), plumbing.NewHash(line[41:81])
	head, m, _ := strings.Cut(line[82:], "\t")
	msg = m
	gt := strings.LastIndexByte(head, '>')
	if gt < 0 {
		return
	}
	fields := strings.Fields(head[gt+1:])
	if len(fields) < 1 {
		return
	}
	t, err := strconv.ParseInt(fields[0], 10, 64)
	if err != nil {
		return
	}
	return old, new, t, msg, true
}

// ancestors is every commit reachable from tips.
func (r *Repository) ancestors(tips []plumbing.Hash) map[plumbing.Hash]bool {
	seen := map[plumbing.Hash]bool{}
	stack := append([]plumbing.Hash(nil), tips...)
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[id] {
			continue
		}
		t, data, err := r.Objects.Read(id)
		for t == plumbing.TagObject && err == nil {
			line, _, _ := bytes.Cut(data, []byte("\n"))
			id = plumbing.NewHash(strings.TrimPrefix(string(line), "object "))
			t, data, err = r.Objects.Read(id)
		}
		if err != nil || t != plumbing.CommitObject || seen[id] {
			continue
		}
		seen[id] = true
		for _, line := range bytes.Split(data, []byte("\n")) {
			if len(line) == 0 {
				break
			}
			if p, ok := bytes.CutPrefix(line, []byte("parent ")); ok && len(p) == 40 {
				stack = append(stack, plumbing.NewHash(string(p)))
			}
		}
	}
	return seen
}

// commitComplete reports whether a commit and everything its tree holds
// are present (git's keep_entry for --stale-fix).
func (r *Repository) commitComplete(id plumbing.Hash) bool {
	t, data, err := r.Objects.Read(id)
	if err != nil || t != plumbing.CommitObject {
		return false
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	tree, ok := bytes.CutPrefix(line, []byte("tree "))
	if !ok {
		return false
	}
	complete := true
	w := &reach.Walker{DB: r.Objects, Blobs: reach.ExistBlobs,
		BadLink: func(plumbing.Hash, plumbing.ObjectType, plumbing.Hash, plumbing.ObjectType, error) error {
			complete = false
			return io.EOF
		}}
	w.Add(plumbing.NewHash(string(tree)), plumbing.TreeObject, "")
	w.Run()
	return complete
}
