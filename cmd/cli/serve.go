package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"easel.dev/easel/remote"
	"easel.dev/easel/repo/lockfile"
)

func init() { register(newServeCmd) }

type serveOptions struct {
	Root         string
	Addr         string
	TokenFile    string
	Private      bool
	MaxPushBytes int64
	MaxObjBytes  int64
	MaxObjects   int64
	MaxInflated  int64
	Timeout      time.Duration
	Grace        time.Duration
	MaxConns     int
	MaxClient    int
	AnyWant      bool
	LogJSON      bool
	Maintenance  int
}

func newServeCmd(env *Env) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Host repositories over HTTP",
		Long: `Serve the bare repositories under --root over HTTP (protocol: docs/protocol.md).
A repository is named 'name' or 'group/name' and lives in <root>/<name>; create one
with 'easel init --bare <root>/<name>' or by pushing to a new name. A push never
creates a repository where a folder or file already is, or inside a repository.
git clients use the same URLs (git's smart HTTP protocol: git clone, fetch, push,
ls-remote) under the same rules.

A fetch gets only what branches and tags lead to (--allow-any-want: any stored
object by id).

Tokens: --token-file names a file with one token per line. A line 'ro:TOKEN' is a
read-only token; 'rw:TOKEN' or a bare 'TOKEN' may push. Blank lines and lines
starting with '#' are ignored. With tokens, pushing needs a read-write token
(Authorization: Bearer TOKEN, or for git the token as the password of HTTP Basic,
any user name); reading is open to anyone unless --private.
Without --token-file anyone who can reach the server can push.

Logs go to stderr, one line per request. SIGINT or SIGTERM stops accepting new
requests and lets those in flight finish (up to --shutdown-grace).`,
		Example: `  easel serve
  easel serve --root /srv/easel --addr 0.0.0.0:7420 --token-file /etc/easel/tokens
  easel serve --private --token-file tokens --max-push-bytes 104857600`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !filepath.IsAbs(o.Root) {
				o.Root = filepath.Join(env.Dir, o.Root)
			}
			if o.TokenFile != "" && !filepath.IsAbs(o.TokenFile) {
				o.TokenFile = filepath.Join(env.Dir, o.TokenFile)
			}
			if o.Private && o.TokenFile == "" {
				return &UsageError{Msg: "--private needs --token-file"}
			}
			return runServe(cmd.Context(), env, o)
		},
	}
	cmd.Flags().StringVar(&o.Root, "root", "easel-data", "directory holding the repositories (created if missing)")
	cmd.Flags().StringVar(&o.Addr, "addr", remote.DefaultAddr, "address to listen on")
	cmd.Flags().StringVar(&o.TokenFile, "token-file", "", "file of access tokens, one per line ('ro:' prefix: read-only)")
	cmd.Flags().BoolVar(&o.Private, "private", false, "require a token for reading too")
	cmd.Flags().Int64Var(&o.MaxPushBytes, "max-push-bytes", remote.DefaultMaxPushBytes, "largest push accepted, in bytes")
	cmd.Flags().Int64Var(&o.MaxObjBytes, "max-object-bytes", remote.DefaultMaxObjectBytes, "largest object (file) accepted in a push, in bytes, inflated")
	cmd.Flags().Int64Var(&o.MaxObjects, "max-push-objects", remote.DefaultMaxObjects, "most objects accepted in one push")
	cmd.Flags().Int64Var(&o.MaxInflated, "max-inflated-bytes", remote.DefaultMaxInflatedBytes, "most bytes one push may expand to, inflated and with deltas applied (also at most 200 times its size, 256 MiB at least)")
	cmd.Flags().DurationVar(&o.Timeout, "timeout", remote.DefaultIOTimeout, "longest a client may stall while sending or receiving")
	cmd.Flags().DurationVar(&o.Grace, "shutdown-grace", 30*time.Second, "how long to wait for requests in flight when stopping")
	cmd.Flags().IntVar(&o.MaxConns, "max-connections", remote.DefaultMaxConnections, "connections open at once; more are answered 503 and closed")
	cmd.Flags().IntVar(&o.MaxClient, "max-client-connections", 0, "connections open at once from one client (IPv4 address or IPv6 /64); more are answered 429 (0: a quarter of --max-connections)")
	cmd.Flags().BoolVar(&o.AnyWant, "allow-any-want", false, "let a fetch ask for any stored object by id, not only what branches and tags lead to")
	cmd.Flags().IntVar(&o.Maintenance, "maintenance-packs", remote.MaxPacks, "packs a repository may gather from pushes before it is repacked in the background, with delta compression (negative: never)")
	cmd.Flags().BoolVar(&o.LogJSON, "log-json", false, "log as JSON lines instead of text")
	return cmd
}

func runServe(ctx context.Context, env *Env, o serveOptions) error {
	var h slog.Handler = slog.NewTextHandler(env.IO.Err, nil)
	if o.LogJSON {
		h = slog.NewJSONHandler(env.IO.Err, nil)
	}
	logger := slog.New(h)
	cfg := remote.Config{Root: o.Root, Private: o.Private, MaxPushBytes: o.MaxPushBytes, MaxObjectBytes: o.MaxObjBytes, MaxPushObjects: o.MaxObjects, MaxInflatedBytes: o.MaxInflated, IOTimeout: o.Timeout, MaxConnections: o.MaxConns,
		MaxClientConnections: o.MaxClient, AllowAnyWant: o.AnyWant, Logger: logger, MaintenancePacks: o.Maintenance}
	if o.TokenFile != "" {
		toks, err := remote.LoadTokens(o.TokenFile)
		if err != nil {
			return err
		}
		cfg.Tokens = toks
	}
	srv, err := remote.NewServer(cfg)
	if err != nil {
		return err
	}
	// The server must be the only writer of its repositories (see
	// docs/reliability.md): the root lock keeps a second server out, and
	// then what a killed predecessor left behind can safely be removed.
	lockPath := filepath.Join(cfg.Root, ".easel-serve.lock")
	release, err := lockfile.Exclusive(lockPath)
	if err != nil {
		return fmt.Errorf("another easel serve is already serving %s: %w", cfg.Root, err)
	}
	defer release()
	removed, err := remote.Recover(cfg.Root)
	for _, p := range removed {
		logger.Warn("removed leftover of an interrupted push", "path", p)
	}
	if err != nil {
		return fmt.Errorf("cleaning up after an interrupted server: %w", err)
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.IO.Err, "easel serve: listening on http://%s, repositories in %s\n", ln.Addr(), cfg.Root)
	if len(cfg.Tokens) == 0 {
		fmt.Fprintln(env.IO.Err, "easel serve: warning: no --token-file: anyone who can reach this address can push")
	}
	return srv.Serve(ctx, ln, o.Grace)
}
