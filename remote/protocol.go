// Package remote is easel's HTTP protocol: a server hosting many bare
// repositories (Server) and the client side used by clone, fetch, pull and
// push (Client). Metadata travels as JSON, objects as git packfiles; see
// docs/protocol.md for the wire format.
package remote

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// DefaultAddr is where `easel serve` listens unless told otherwise.
const DefaultAddr = "127.0.0.1:7420"

// Media types used on the wire.
const (
	MediaJSON    = "application/json"
	MediaProblem = "application/problem+json"
	MediaPack    = "application/x-git-packfile"
	MediaPush    = "application/x-easel-push" // one JSON line, then a packfile
)

// ProblemBase prefixes every problem type URI (RFC 9457 "type").
const ProblemBase = "https://easel.dev/problems/"

// Ref is one ref as the server lists it.
type Ref struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// RefsResponse is the body of GET /{repo}/refs.
type RefsResponse struct {
	// Head is the ref HEAD points at (refs/heads/main), even when that
	// branch does not exist yet.
	Head string `json:"head"`
	// HeadID is the commit HEAD resolves to ("" on an unborn branch).
	HeadID string `json:"head_id,omitempty"`
	Refs   []Ref  `json:"refs"`
	// Capabilities are what the server accepts beyond the first version
	// of the protocol: CapThinPack, a push's pack may be thin.
	Capabilities []string `json:"capabilities,omitempty"`
}

// FetchRequest is the body of POST /{repo}/fetch.
type FetchRequest struct {
	Wants []string `json:"wants"`
	Haves []string `json:"haves"`
	// Capabilities are what the client accepts: CapThinPack, the pack
	// sent back may be thin.
	Capabilities []string `json:"capabilities,omitempty"`
}

// CapThinPack says a pack may hold REF_DELTA entries against objects the
// receiver already has and the pack does not carry (git's thin packs).
// Each side sends one only to a peer that announced it, so either side may
// be older.
const CapThinPack = "thin-pack"

func hasCap(caps []string, c string) bool {
	for _, x := range caps {
		if x == c {
			return true
		}
	}
	return false
}

// RefCommand asks the server to move one ref from Old to New. A zero (all
// "0") Old means "must not exist" (create); a zero New deletes.
type RefCommand struct {
	Ref string `json:"ref"`
	Old string `json:"old"`
	New string `json:"new"`
}

// PushHeader is the JSON line that starts the body of POST /{repo}/push.
type PushHeader struct {
	Updates []RefCommand `json:"updates"`
}

// RefResult reports one applied update.
type RefResult struct {
	Ref string `json:"ref"`
	Old string `json:"old"`
	New string `json:"new"`
}

// PushResponse is the body of a successful push.
type PushResponse struct {
	Updated []RefResult `json:"updated"`
	Refs    []Ref       `json:"refs"`
	Objects int         `json:"objects"`
	Created bool        `json:"created,omitempty"` // the repository did not exist before
}

// Problem is an RFC 9457 problem details body, with easel's extensions for
// a refused ref update.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`

	Ref      string `json:"ref,omitempty"`
	Current  string `json:"current,omitempty"`
	Proposed string `json:"proposed,omitempty"`
	Hint     string `json:"hint,omitempty"`
}

func (p *Problem) Error() string {
	msg := p.Title
	if p.Detail != "" {
		msg += ": " + p.Detail
	}
	return fmt.Sprintf("%s (HTTP %d)", msg, p.Status)
}

// Unwrap lets callers test the kind of refusal with errors.Is.
func (p *Problem) Unwrap() error {
	switch {
	case p.Status == 409:
		return ErrRejected
	case p.Status == 401 || p.Status == 403:
		return ErrAuth
	case p.Status == 404:
		return ErrRepoNotFound
	}
	return ErrRemote
}

// Sentinel errors for the command line's exit codes.
var (
	ErrRejected     = errors.New("rejected: the remote has commits you do not have")
	ErrAuth         = errors.New("authentication failed")
	ErrRemote       = errors.New("remote error")
	ErrRepoNotFound = errors.New("repository not found")
	ErrBadRepoName  = errors.New("invalid repository name")
	ErrBadPack      = errors.New("invalid packfile")
	ErrMissing      = errors.New("missing object")
)

// repoComponent is compiled on first use, not at start-up: every easel
// command links this package.
var repoComponent = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`) })

// ValidateRepoName accepts "name" or "group/name" where each part starts
// with a letter or digit and uses only letters, digits, '.', '_' and '-'.
// Such a name cannot be absolute, contain "..", or leave the server root.
func ValidateRepoName(name string) error {
	parts := strings.Split(name, "/")
	if len(parts) < 1 || len(parts) > 2 {
		return fmt.Errorf("%q: use name or group/name: %w", name, ErrBadRepoName)
	}
	for _, p := range parts {
		if !repoComponent().MatchString(p) || strings.Contains(p, "..") || strings.HasSuffix(p, ".lock") {
			return fmt.Errorf("%q: letters, digits, '.', '_' and '-' only, starting with a letter or digit: %w", name, ErrBadRepoName)
		}
	}
	return nil
}
