package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// filterProc is a filter.<name>.process driver for the scripts, speaking
// git's long-running filter protocol (version 2) on its standard streams:
// rot13 for clean and smudge, so that content visibly passes through it.
//
//	filterproc [-log FILE] [-delay] CAPABILITY...
//
// Its behaviour for special paths lets the scripts exercise git's error
// handling: a path containing "error" gets status=error, "abort" gets
// status=abort, "crash" makes the process exit in the middle of a reply.
// With -delay every smudge that may be delayed is, and list_available_blobs
// hands them all back. Every process start and request goes to the log.
func filterProc() int {
	args := os.Args[1:]
	var logf io.Writer = io.Discard
	delay := false
	caps := map[string]bool{}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "-log":
			f, err := os.OpenFile(args[i+1], os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer f.Close()
			logf = f
			i++
		case "-delay":
			delay = true
		default:
			caps[args[i]] = true
		}
	}
	fmt.Fprintln(logf, "start")
	r := bufio.NewReader(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	readList := func() ([]string, bool) {
		var out []string
		for {
			p, ok := readPkt(r)
			if !ok {
				return nil, false
			}
			if p == nil {
				return out, true
			}
			out = append(out, strings.TrimSuffix(string(p), "\n"))
		}
	}
	hello, ok := readList()
	if !ok || len(hello) < 2 || hello[0] != "git-filter-client" {
		return 1
	}
	writeText(w, "git-filter-server", "version=2")
	flushPkt(w)
	w.Flush()
	offered, ok := readList()
	if !ok {
		return 1
	}
	for _, o := range offered {
		if c, ok := strings.CutPrefix(o, "capability="); ok && caps[c] {
			writeText(w, o)
		}
	}
	flushPkt(w)
	w.Flush()
	var delayed []string
	done := map[string]bool{}
	for {
		hdr, ok := readList()
		if !ok {
			fmt.Fprintln(logf, "stop")
			return 0
		}
		kv := map[string]string{}
		for _, l := range hdr {
			k, v, _ := strings.Cut(l, "=")
			kv[k] = v
		}
		cmd, path := kv["command"], kv["pathname"]
		if cmd == "list_available_blobs" {
			fmt.Fprintln(logf, "list", len(delayed))
			for _, p := range delayed {
				writeText(w, "pathname="+p)
				done[p] = true
			}
			delayed = nil
			flushPkt(w)
			writeText(w, "status=success")
			flushPkt(w)
			w.Flush()
			continue
		}
		var content []byte
		for {
			p, ok := readPkt(r)
			if !ok {
				return 1
			}
			if p == nil {
				break
			}
			content = append(content, p...)
		}
		fmt.Fprintln(logf, cmd, path)
		switch {
		case strings.Contains(path, "crash"):
			writeText(w, "status=success")
			flushPkt(w)
			w.Flush()
			return 1
		case strings.Contains(path, "error"):
			writeText(w, "status=error")
			flushPkt(w)
		case strings.Contains(path, "abort"):
			writeText(w, "status=abort")
			flushPkt(w)
		case delay && cmd == "smudge" && kv["can-delay"] == "1":
			delayed = append(delayed, path)
			pending[path] = content
			writeText(w, "status=delayed")
			flushPkt(w)
		default:
			if done[path] {
				// git sends no content when it asks for a delayed file.
				content = pending[path]
			}
			writeText(w, "status=success")
			flushPkt(w)
			out := rot13(content)
			for len(out) > 0 {
				n := min(len(out), 65516)
				writePkt(w, out[:n])
				out = out[n:]
			}
			flushPkt(w)
			flushPkt(w) // the status stays success
		}
		w.Flush()
	}
}

var pending = map[string][]byte{}

func rot13(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z':
			c = 'a' + (c-'a'+13)%26
		case c >= 'A' && c <= 'Z':
			c = 'A' + (c-'A'+13)%26
		}
		out[i] = c
	}
	return out
}

func readPkt(r *bufio.Reader) ([]byte, bool) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, false
	}
	var n int
	if _, err := fmt.Sscanf(string(hdr[:]), "%04x", &n); err != nil {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	b := make([]byte, n-4)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, false
	}
	return b, true
}

func writePkt(w io.Writer, b []byte) { fmt.Fprintf(w, "%04x%s", len(b)+4, b) }

func writeText(w io.Writer, lines ...string) {
	for _, l := range lines {
		writePkt(w, []byte(l+"\n"))
	}
}

func flushPkt(w io.Writer) { io.WriteString(w, "0000") }
