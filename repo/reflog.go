package repo

import (
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"easel.dev/easel/repo/reflog"
	"github.com/go-git/go-git/v5/plumbing"
)

// ReflogEntry is one line of a reflog: a ref moved from Old to New.
type ReflogEntry = reflog.Entry

func (r *Repository) reflogPath(name plumbing.ReferenceName) string {
	return r.gitPath("logs/" + name.String())
}

// Reflog reads name's reflog (a full ref name or HEAD), oldest entry
// first. A ref without a log has none; lines git could not parse either
// are skipped, as git skips them.
func (r *Repository) Reflog(name plumbing.ReferenceName) ([]ReflogEntry, error) {
	return reflog.Read(r.reflogPath(name))
}

// HasReflog reports whether name has a reflog file.
func (r *Repository) HasReflog(name plumbing.ReferenceName) bool {
	fi, err := os.Stat(r.reflogPath(name))
	return err == nil && fi.Mode().IsRegular()
}

// logAllRefUpdates is core.logAllRefUpdates: "always", "true" or "false";
// unset, true with a work tree and false in a bare repository, as git.
func (r *Repository) logAllRefUpdates() string {
	v, ok, err := r.ConfigGet("core.logAllRefUpdates")
	if err != nil || !ok {
		if r.IsBare() {
			return "false"
		}
		return "true"
	}
	switch strings.ToLower(v) {
	case "always":
		return "always"
	case "true", "yes", "on", "1", "":
		return "true"
	}
	return "false"
}

// reflogWriter appends the reflog lines of one ref update or transaction;
// the configuration and the committer identity are read once, and only
// when a line is written.
type reflogWriter struct {
	r     *Repository
	mode  string
	ident string
}

// autocreates reports whether a missing log of name is created: with
// core.logAllRefUpdates true only for branches, remote-tracking refs,
// notes and HEAD, as git.
func (w *reflogWriter) autocreates(name plumbing.ReferenceName) bool {
	if w.mode == "" {
		w.mode = w.r.logAllRefUpdates()
	}
	switch w.mode {
	case "always":
		return true
	case "true":
		s := name.String()
		return s == "HEAD" || strings.HasPrefix(s, "refs/heads/") || strings.HasPrefix(s, "refs/remotes/") || strings.HasPrefix(s, "refs/notes/")
	}
	return false
}

// append adds one line to name's log. A log that exists is always
// appended to; a missing one is created only where autocreates says.
func (w *reflogWriter) append(name plumbing.ReferenceName, old, new plumbing.Hash, msg string) error {
	path := w.r.reflogPath(name)
	flags := os.O_WRONLY | os.O_APPEND
	if w.autocreates(name) {
		flags |= os.O_CREATE
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("reflog of %s: %w", name, err)
		}
	}
	f, err := os.OpenFile(path, flags, 0o644)
	if errors.Is(err, os.ErrNotExist) && flags&os.O_CREATE == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reflog of %s: %w", name, err)
	}
	if w.ident == "" {
		w.ident = w.r.reflogIdent()
	}
	line := reflog.Line(old, new, w.ident, msg)
	// One write of the whole line: O_APPEND keeps concurrent appends
	// from interleaving.
	_, err = f.Write([]byte(line + "\n"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("reflog of %s: %w", name, err)
	}
	return nil
}

// reflogIdent is "Name <email> <unix> <+zone>" of the committer. A ref
// update never fails for want of an identity: like git, it falls back to
// the login name and user@host.
func (r *Repository) reflogIdent() string {
	sig, err := r.Identity("committer")
	if err != nil {
		sig.Name, sig.Email = strings.TrimSpace(sig.Name), strings.TrimSpace(sig.Email)
		if sig.Name == "" || sig.Email == "" {
			name, email := defaultIdent()
			if sig.Name == "" {
				sig.Name = name
			}
			if sig.Email == "" {
				sig.Email = email
			}
		}
		sig.Name = strings.NewReplacer("<", "", ">", "", "\n", "").Replace(sig.Name)
		sig.Email = strings.NewReplacer("<", "", ">", "", "\n", "").Replace(sig.Email)
		sig.When = time.Now()
		if d := os.Getenv("GIT_COMMITTER_DATE"); d != "" {
			if t, err := ParseDate(d); err == nil {
				sig.When = t
			}
		}
	}
	return fmt.Sprintf("%s <%s> %d %s", sig.Name, sig.Email, sig.When.Unix(), sig.When.Format("-0700"))
}

// defaultIdent is git's guess when no identity is configured: the
// account's full name (else its login) and login@hostname.
func defaultIdent() (string, string) {
	login, name := os.Getenv("USER"), ""
	if u, err := user.Current(); err == nil {
		login, name = u.Username, u.Name
	}
	if login == "" {
		login = "unknown"
	}
	if name == "" {
		name = login
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	if !strings.Contains(host, ".") {
		host += ".(none)"
	}
	return name, login + "@" + host
}

// removeReflog deletes name's log and the directories it leaves empty.
func (r *Repository) removeReflog(name plumbing.ReferenceName) error {
	path := r.reflogPath(name)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	r.removeEmptyLogDirs(filepath.Dir(path))
	return nil
}

// copyReflog copies from's log to to's, for a copied branch (git branch -c).
func (r *Repository) copyReflog(from, to plumbing.ReferenceName) error {
	data, err := os.ReadFile(r.reflogPath(from))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	dst := r.reflogPath(to)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// createReflog makes an empty log for name unless it has one, so that
// the update's line is written whatever core.logAllRefUpdates says.
func (r *Repository) createReflog(name plumbing.ReferenceName) error {
	path := r.reflogPath(name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("reflog of %s: %w", name, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("reflog of %s: %w", name, err)
	}
	return f.Close()
}

// renameReflog moves from's log to to (a branch rename keeps its history).
func (r *Repository) renameReflog(from, to plumbing.ReferenceName) error {
	src, dst := r.reflogPath(from), r.reflogPath(to)
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	r.removeEmptyLogDirs(filepath.Dir(src))
	return nil
}

// removeEmptyLogDirs removes dir and its parents while they are empty,
// up to logs/refs: a later ref whose name is such a directory's (branch
// "a" after "a/b") can then have its log.
func (r *Repository) removeEmptyLogDirs(dir string) {
	removeEmptyDirs(dir, filepath.Join(r.GitDir, "logs", "refs"))
}

// removeEmptyDirs removes dir and its parents below stop while they are
// empty.
func removeEmptyDirs(dir, stop string) {
	for strings.HasPrefix(dir, stop+string(filepath.Separator)) {
		if os.Remove(dir) != nil {
			return
		}
		dir = filepath.Dir(dir)
	}
}

// CheckoutMessage is the reflog message of moving HEAD to `to` (a branch
// name, or the revision as the user typed it): "checkout: moving from
// <branch or full id> to <to>", the line @{-N} is read from.
func (r *Repository) CheckoutMessage(to string) string {
	from := ""
	if b, _ := r.HeadBranch(); b != "" {
		from = b.Short()
	} else if h, err := r.Head(); err == nil {
		from = h.String()
	}
	return "checkout: moving from " + from + " to " + to
}

// PriorCheckout is what @{-n} names: the branch (or, when HEAD was
// detached, the commit id) checked out before the n-th most recent
// switch, read from HEAD's reflog.
func (r *Repository) PriorCheckout(n int) (string, error) {
	entries, err := r.Reflog(plumbing.HEAD)
	if err != nil {
		return "", err
	}
	left := n
	for i := len(entries) - 1; i >= 0; i-- {
		rest, ok := strings.CutPrefix(entries[i].Message, "checkout: moving from ")
		if !ok {
			continue
		}
		from, _, ok := strings.Cut(rest, " to ")
		if !ok {
			continue
		}
		if left--; left == 0 {
			return from, nil
		}
	}
	return "", &RevisionError{Msg: fmt.Sprintf("invalid reference: @{-%d}", n)}
}

// wanted reports whether an update of name may write a reflog line: its
// own log, or HEAD's when HEAD points at it.
func (w *reflogWriter) wanted(name, headTarget plumbing.ReferenceName) bool {
	if w.autocreates(name) || w.r.HasReflog(name) {
		return true
	}
	return name == headTarget && name != plumbing.HEAD && (w.autocreates(plumbing.HEAD) || w.r.HasReflog(plumbing.HEAD))
}

// record writes the reflog lines of update u of a ref whose value was
// cur, as git's ref transactions do: a deleted ref loses its log, an
// unchanged one gets no line, and when HEAD points at the ref HEAD's log
// gets the line too, even for an unchanged value ("reset: moving to HEAD").
func (w *reflogWriter) record(u RefUpdate, cur plumbing.Hash, headTarget plumbing.ReferenceName) error {
	var err error
	switch {
	case u.renamedFrom != "" || u.copiedFrom != "":
		// git's line for a rename has the branch's value on both sides.
		err = w.append(u.Name, u.New, u.New, u.Message)
	case u.New.IsZero():
		err = w.r.removeReflog(u.Name)
	case cur != u.New:
		err = w.append(u.Name, cur, u.New, u.Message)
	}
	if err != nil {
		return err
	}
	if u.Name == headTarget && u.Name != plumbing.HEAD {
		return w.append(plumbing.HEAD, cur, u.New, u.Message)
	}
	return nil
}

// ReflogRef is the ref whose reflog a name given on the command line
// means ("main", "origin/main", "HEAD"), in revision lookup order; ok is
// false when no such ref exists. A ref that exists without a log is
// returned too: its reflog is empty.
func (r *Repository) ReflogRef(name string) (plumbing.ReferenceName, bool) {
	if ref := r.dwimLog(name); ref != "" {
		return ref, true
	}
	for _, c := range []string{name, "refs/" + name, "refs/tags/" + name, "refs/heads/" + name, "refs/remotes/" + name, "refs/remotes/" + name + "/HEAD"} {
		if c == name && name != "HEAD" && !strings.HasPrefix(name, "refs/") {
			continue
		}
		if ValidateRefName(c) != nil {
			continue
		}
		if _, err := r.ResolveRef(plumbing.ReferenceName(c)); err == nil {
			return plumbing.ReferenceName(c), true
		}
	}
	return "", false
}
