package main

import (
	"context"
	"net"
	"strconv"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"easel.dev/easel/remote"
)

// cmdServeBG starts an easel server in the background for the rest of the
// script, on 127.0.0.1 with an ephemeral port, serving $WORK/srv, and sets
// $URL to its address. It stops when the script ends.
//
//	serve-bg [--token-file FILE] [--private] [--max-push-bytes N]
func cmdServeBG(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: serve-bg [--token-file FILE] [--private] [--max-push-bytes N]")
	}
	cfg := remote.Config{Root: ts.MkAbs("srv")}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--private":
			cfg.Private = true
		case "--token-file", "--max-push-bytes":
			if i+1 >= len(args) {
				ts.Fatalf("serve-bg: %s needs a value", args[i])
			}
			if args[i] == "--token-file" {
				toks, err := remote.LoadTokens(ts.MkAbs(args[i+1]))
				ts.Check(err)
				cfg.Tokens = toks
			} else {
				n, err := strconv.ParseInt(args[i+1], 10, 64)
				ts.Check(err)
				cfg.MaxPushBytes = n
			}
			i++
		default:
			ts.Fatalf("serve-bg: unknown argument %q", args[i])
		}
	}
	srv, err := remote.NewServer(cfg)
	ts.Check(err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln, 5*time.Second) }()
	ts.Setenv("URL", "http://"+ln.Addr().String())
	ts.Defer(func() {
		cancel()
		<-done
	})
}
