package repo

import (
	"errors"
	"strconv"
	"strings"
)

// InterpretRevName is git's interpret_branch_name, for the names
// rev-parse --symbolic-full-name and --abbrev-ref print: @{-N} is the
// branch checked out N switches ago, a lone "@" (also in @@{u}) is HEAD,
// and <branch>@{upstream}, @{u} and @{push} (any case) are the full name
// of the ref they stand for. ok is false when name uses none of these;
// err says why a mark cannot be followed (no upstream, no branch).
func (r *Repository) InterpretRevName(name string) (string, bool, error) {
	if rest, found := strings.CutPrefix(name, "@{-"); found {
		if end := strings.IndexByte(rest, '}'); end > 0 {
			if n, err := strconv.Atoi(rest[:end]); err == nil && n > 0 {
				prior, err := r.PriorCheckout(n)
				if err != nil {
					return "", false, err
				}
				if tail := rest[end+1:]; tail != "" {
					// git's reinterpret: @{-1}@{u} is <that branch>@{u}.
					if s, ok, err := r.InterpretRevName(prior + tail); ok || err != nil {
						return s, ok, err
					}
					return prior + tail, true, nil
				}
				return prior, true, nil
			}
		}
	}
	for at := strings.IndexByte(name, '@'); at >= 0; {
		if at == 0 && (len(name) == 1 || name[1] == '@' && strings.HasPrefix(name[1:], "@{")) {
			// interpret_empty_at: "@" alone, or "@" before "@{".
			if len(name) == 1 {
				return "HEAD", true, nil
			}
			if s, ok, err := r.InterpretRevName("HEAD" + name[1:]); ok || err != nil {
				return s, ok, err
			}
			return "HEAD" + name[1:], true, nil
		}
		if mark, ok := branchMark(name[at:]); ok && !strings.Contains(name[:at], ":") {
			branch := name[:at]
			if mark == "push" {
				ref, err := r.PushRefOf(branch)
				if err != nil {
					return "", false, err
				}
				return ref.String(), true, nil
			}
			if _, err := r.resolveUpstream(branch); err != nil && !isMissingTracking(err) {
				return "", false, err
			}
			if branch == "" || branch == "HEAD" {
				head, _ := r.HeadBranch()
				branch = head.Short()
			}
			ref, err := r.UpstreamRef(branch)
			if err != nil {
				return "", false, err
			}
			return ref.String(), true, nil
		}
		next := strings.IndexByte(name[at+1:], '@')
		if next < 0 {
			break
		}
		at += next + 1
	}
	return "", false, nil
}

// branchMark reports whether s is exactly "@{upstream}", "@{u}" or
// "@{push}" in any case, and which ("upstream" or "push").
func branchMark(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "@{u}", "@{upstream}":
		return "upstream", true
	case "@{push}":
		return "push", true
	}
	return "", false
}

// isMissingTracking is an upstream that is configured but whose
// remote-tracking ref does not exist yet: its name is still known.
func isMissingTracking(err error) bool {
	var re *RevisionError
	return errors.As(err, &re) && strings.HasPrefix(re.Msg, "upstream branch ") && strings.Contains(re.Msg, "does not exist")
}
