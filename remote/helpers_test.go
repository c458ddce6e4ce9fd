package remote

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5/plumbing"

	"easel.dev/easel/internal/gittest"
	"easel.dev/easel/repo"
)

// startServer runs a real server on 127.0.0.1 with an ephemeral port and
// returns its base URL.
func startServer(t *testing.T, cfg Config) (string, *Server) {
	t.Helper()
	if cfg.Root == "" {
		cfg.Root = filepath.Join(t.TempDir(), "srv")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String(), s
}

// git as the oracle, from the module's one set of helpers.
var (
	needGit    = gittest.Need
	git        = gittest.Git
	gitRun     = gittest.Try
	gitFails   = gittest.Fails
	objectList = gittest.Objects
)

// pinEnv fixes identity so that git and easel write commits without
// asking, keeps the user's git config out, and clears easel's token.
func pinEnv(t *testing.T) {
	t.Helper()
	gittest.Pin(t)
	t.Setenv("EASEL_TOKEN", "")
}

// newWorkRepo makes a repository with one commit per file given.
func newWorkRepo(t *testing.T, dir string, files ...string) *repo.Repository {
	t.Helper()
	r, err := repo.Init(context.Background(), dir, false, "main")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		commitFile(t, dir, f, f+"\n")
	}
	return r
}

func commitFile(t *testing.T, dir, name, content string) plumbing.Hash {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	git(t, dir, "add", name)
	git(t, dir, "commit", "-q", "-m", "add "+name)
	return plumbing.NewHash(git(t, dir, "rev-parse", "HEAD"))
}

func openRepo(t *testing.T, dir string) *repo.Repository {
	t.Helper()
	r, err := repo.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func addOrigin(t *testing.T, r *repo.Repository, url string) repo.Remote {
	t.Helper()
	if err := r.AddRemote(context.Background(), "origin", url); err != nil {
		t.Fatal(err)
	}
	rm, err := r.RemoteByName("origin")
	if err != nil {
		t.Fatal(err)
	}
	return rm
}

func client(t *testing.T, url, token string) *Client {
	t.Helper()
	c, err := NewClient(url, token)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func pushBranch(ctx context.Context, r *repo.Repository, rm repo.Remote, c *Client, branch string) (*PushResponse, error) {
	id, err := r.ResolveRef(plumbing.NewBranchReferenceName(branch))
	if err != nil {
		return nil, err
	}
	resp, _, err := Push(ctx, r, rm, c, []PushRef{{Local: id, Remote: plumbing.NewBranchReferenceName(branch)}}, Options{})
	return resp, err
}

// snapshot is what a refused push must leave unchanged: the refs and the
// list of files under objects/ (packs, loose objects, and no leftover
// quarantine).
func snapshot(t *testing.T, gitDir string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(git(t, gitDir, "for-each-ref", "--format=%(refname) %(objectname)"))
	b.WriteString("\n")
	filepath.Walk(filepath.Join(gitDir, "objects"), func(p string, fi os.FileInfo, err error) error {
		if err == nil {
			rel, _ := filepath.Rel(gitDir, p)
			b.WriteString(rel + "\n")
		}
		return nil
	})
	return b.String()
}

// testWriter sends the server's warnings and errors to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
