package repo

import (
	"os"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// HeadDescription is what git branch lists for a detached HEAD (git's
// get_head_description): "(HEAD detached at v1.0)" while HEAD is where the
// last checkout left it, "(HEAD detached from 3f2a9c1)" after it moved,
// "(no branch, rebasing topic)" during a rebase, "(no branch, bisect
// started on main)" during a bisect, "(no branch)" without a reflog.
func (r *Repository) HeadDescription() string {
	ab := r.NewAbbreviator()
	if r.RebaseInProgress() {
		if b := r.rebaseHeadName(); b != "" {
			return "(no branch, rebasing " + b + ")"
		}
		from, _ := r.detachedFrom(ab)
		return "(no branch, rebasing detached HEAD " + from + ")"
	}
	if data, err := os.ReadFile(r.gitPath("BISECT_START")); err == nil {
		return "(no branch, bisect started on " + strings.TrimSpace(string(data)) + ")"
	}
	from, at := r.detachedFrom(ab)
	switch {
	case from == "":
		return "(no branch)"
	case at:
		return "(HEAD detached at " + from + ")"
	}
	return "(HEAD detached from " + from + ")"
}

// rebaseHeadName is the branch a rebase in progress works on, "" when it
// started detached.
func (r *Repository) rebaseHeadName() string {
	for _, d := range []string{rebaseDir, "rebase-apply"} {
		data, err := os.ReadFile(r.gitPath(d + "/head-name"))
		if err != nil {
			continue
		}
		b := strings.TrimSpace(string(data))
		if b == "detached HEAD" {
			return ""
		}
		return strings.TrimPrefix(b, "refs/heads/")
	}
	return ""
}

// detachedFrom is git's wt_status_get_detached_from: the target of the
// last "checkout: moving from A to B" in HEAD's reflog, named as B when B
// still names the commit it moved to (tags and remote-tracking branches
// short), its abbreviated id otherwise; at reports whether HEAD is still
// there.
func (r *Repository) detachedFrom(ab *Abbreviator) (from string, at bool) {
	log, err := r.Reflog(plumbing.HEAD)
	if err != nil {
		return "", false
	}
	for i := len(log) - 1; i >= 0; i-- {
		msg, ok := strings.CutPrefix(log[i].Message, "checkout: moving from ")
		if !ok {
			continue
		}
		_, target, ok := strings.Cut(msg, " to ")
		if !ok {
			continue
		}
		target, _, _ = strings.Cut(target, "\n")
		moved := log[i].New
		from = ab.ShortID(moved)
		if target != "HEAD" {
			if ref, n := r.dwimRef(target); n == 1 {
				if id, err := r.ResolveRef(ref); err == nil {
					c, cerr := r.commitOf(id)
					if id == moved || cerr == nil && c.Hash == moved {
						from = ref.String()
						if f, ok := strings.CutPrefix(from, "refs/tags/"); ok {
							from = f
						} else if f, ok := strings.CutPrefix(from, "refs/remotes/"); ok {
							from = f
						}
					}
				}
			}
		}
		head, err := r.Head()
		return from, err == nil && head == moved
	}
	return "", false
}
