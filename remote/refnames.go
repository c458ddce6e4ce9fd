package remote

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/repo"
)

// Limits on the names of pushed refs. Each ref is a file under refs/, each
// component a folder or that file, written through "<component>.lock": a
// component whose lock file name is longer than a file name may be (255
// bytes on every common file system) failed only when the ref was written,
// and a long name of one-letter components made a folder per component.
// Git has no such limits; no name a person types comes near them.
const (
	maxRefNameBytes      = 1024
	maxRefComponentBytes = 255 - len(".lock")
	maxRefDepth          = 32 // components, "refs" and "heads" included
)

// validatePushRef checks a ref name a push may create, update or delete:
// git's check-ref-format rules (repo.ValidateRefName), a branch or tag, the
// limits above, and none of the names git refuses for branches and tags
// or warns about when they are used:
//
//   - "HEAD" (refs/heads/HEAD, refs/tags/HEAD) and names starting with '-'
//     (they read as an option), which git branch and git tag refuse;
//   - "@", which git refuses as a branch name;
//   - 40 hexadecimal digits, which git warns is ambiguous with an object
//     id ("Git normally never creates a ref that ends with 40 hex
//     characters");
//   - invisible characters: controls, format characters (bidirectional
//     overrides and isolates, zero-width joiners, the byte order mark),
//     separators other than the ASCII space git already refuses,
//     private-use characters and U+FFFD (what JSON decoding leaves of
//     bytes that are not UTF-8). They make one name look like another.
func validatePushRef(name string) error {
	if err := repo.ValidateRefName(name); err != nil {
		return err
	}
	short, ok := strings.CutPrefix(name, "refs/heads/")
	if !ok {
		if short, ok = strings.CutPrefix(name, "refs/tags/"); !ok {
			return fmt.Errorf("%s: only refs/heads/ and refs/tags/ can be pushed", name)
		}
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%q: %s: %w", name, fmt.Sprintf(format, args...), repo.ErrInvalidRefName)
	}
	if len(name) > maxRefNameBytes {
		return bad("longer than %d bytes", maxRefNameBytes)
	}
	comps := strings.Split(name, "/")
	if len(comps) > maxRefDepth {
		return bad("more than %d components", maxRefDepth)
	}
	for _, c := range comps {
		if len(c) > maxRefComponentBytes {
			return bad("a component is longer than %d bytes", maxRefComponentBytes)
		}
	}
	if !utf8.ValidString(name) {
		return bad("not UTF-8")
	}
	for _, r := range name {
		if r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Zs, unicode.Zl, unicode.Zp) {
			return bad("contains the invisible or control character U+%04X", r)
		}
	}
	switch {
	case short == "HEAD":
		return bad("HEAD is not a branch or tag name")
	case short == "@":
		return bad("'@' is not a branch or tag name")
	case strings.HasPrefix(short, "-"):
		return bad("a branch or tag name cannot start with '-'")
	case isHexID(short):
		return bad("40 hexadecimal digits read as an object id")
	}
	return nil
}

func isHexID(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// refNameConflict finds a name that would have to be both a file and a
// folder under refs/: refs/heads/q/r and refs/heads/q in the same push, or
// a pushed ref inside or above an existing one (refs/heads/main/sub while
// refs/heads/main exists). Git refuses these ("'refs/heads/main' exists;
// cannot create 'refs/heads/main/sub'"); writing one fails half way and
// leaves folders behind. existing may be nil (a new repository).
func refNameConflict(updates []pushUpdate, existing map[string]plumbing.Hash) *Problem {
	conflict := func(name, other, why string) *Problem {
		return &Problem{Type: ProblemBase + "ref-name-conflict", Title: "Ref name conflict", Status: 422, Ref: name,
			Detail: fmt.Sprintf("%s: %s %s; a ref cannot be both a file and a folder", name, other, why),
			Hint:   "delete the other ref first, or choose another name"}
	}
	// Every folder the pushed names need, with a name that needs it.
	pushed := map[string]bool{}
	folders := map[string]string{}
	for _, u := range updates {
		n := u.name.String()
		pushed[n] = true
		forFolders(n, func(f string) {
			if _, ok := folders[f]; !ok {
				folders[f] = n
			}
		})
	}
	for _, u := range updates {
		if other, ok := folders[u.name.String()]; ok {
			return conflict(other, u.name.String(), "is pushed too")
		}
	}
	if len(existing) == 0 {
		return nil
	}
	// An existing ref where a pushed name needs a folder. (One of the
	// pushed names is an existing ref's folder: that ref cannot exist.)
	existingFolders := map[string]string{}
	for e := range existing {
		if other, ok := folders[e]; ok && !pushed[e] {
			return conflict(other, e, "exists")
		}
		forFolders(e, func(f string) { existingFolders[f] = e })
	}
	// A pushed name that is an existing ref's folder.
	for _, u := range updates {
		if e, ok := existingFolders[u.name.String()]; ok {
			return conflict(u.name.String(), e, "exists")
		}
	}
	return nil
}

// forFolders calls f with each folder of the ref name n: "refs",
// "refs/heads", ... (not n itself).
func forFolders(n string, f func(string)) {
	for i := 0; i < len(n); i++ {
		if n[i] == '/' {
			f(n[:i])
		}
	}
}
