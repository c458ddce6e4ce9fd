//go:build unix

// Command githttpbackend serves git's own smart HTTP (git http-backend,
// run as CGI) for the repositories under -root, on 127.0.0.1, so that
// bench/gitclone.sh can compare easel serve with git's server over the
// same transport. After each request it logs the peak memory of the
// largest git process it ran (RUSAGE_CHILDREN); the CPU time of git's
// processes is the cutime/cstime of this process in /proc.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

func main() {
	root := flag.String("root", "", "directory of the repositories served")
	flag.Parse()
	if *root == "" {
		log.Fatal("githttpbackend: -root is required")
	}
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		log.Fatalf("githttpbackend: git --exec-path: %v", err)
	}
	h := &cgi.Handler{
		Path: filepath.Join(strings.TrimSpace(string(out)), "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + *root, "GIT_HTTP_EXPORT_ALL=1"},
		// git http-backend reads the protocol version from this header.
		InheritEnv: []string{"PATH", "HOME", "GIT_CONFIG_NOSYSTEM"},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "listening on http://%s, serving %s\n", ln.Addr(), *root)
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) == nil {
			fmt.Fprintf(os.Stderr, "children maxrss %d KB\n", ru.Maxrss)
		}
	})))
}
