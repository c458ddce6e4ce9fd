package convert

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"sync"
)

// This file is git's long-running filter protocol (filter.<name>.process,
// gitattributes(5) "Long Running Filter Process"): one process per
// command line for the whole easel command, spoken to in pkt-lines.
// git-lfs is the filter that real projects use it for.

// maxPacket is the largest pkt-line payload (git's LARGE_PACKET_DATA_MAX).
const maxPacket = 65520 - 4

// Meta is what git tells a smudge filter about where content comes from.
type Meta struct {
	Ref, Treeish, Blob string
}

// process is one running filter process.
type process struct {
	mu   sync.Mutex
	cmd  *exec.Cmd
	in   io.WriteCloser
	w    *bufio.Writer
	r    *bufio.Reader
	caps map[string]bool
}

// processes are the running filters by command line, as git's
// subprocess map: started on first use, stopped by StopProcesses.
var processes = struct {
	sync.Mutex
	m map[string]*process
}{m: map[string]*process{}}

// errDelayed is the filter's answer "status=delayed" to a smudge that
// may be delayed.
var errDelayed = errors.New("delayed")

// StopProcesses closes every filter process's input and waits for it to
// exit, as git does when it exits.
func StopProcesses() {
	processes.Lock()
	defer processes.Unlock()
	for k, p := range processes.m {
		p.stop()
		delete(processes.m, k)
	}
}

func (p *process) stop() {
	p.in.Close()
	p.cmd.Wait()
}

// getProcess returns the running process for command, starting it (and
// doing the handshake) when there is none.
func getProcess(command, dir string) (*process, error) {
	processes.Lock()
	defer processes.Unlock()
	if p, ok := processes.m[command]; ok {
		return p, nil
	}
	p, err := startProcess(command, dir)
	if err != nil {
		return nil, err
	}
	processes.m[command] = p
	return p, nil
}

// dropProcess stops a process that broke the protocol; the next file
// starts a new one, as git does.
func dropProcess(command string, p *process) {
	processes.Lock()
	if processes.m[command] == p {
		delete(processes.m, command)
	}
	processes.Unlock()
	p.stop()
}

func startProcess(command, dir string) (*process, error) {
	cmd := exec.Command("sh", "-c", command)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot fork to run subprocess '%s'", command)
	}
	p := &process{cmd: cmd, in: in, w: bufio.NewWriterSize(in, 65536), r: bufio.NewReaderSize(out, 65536)}
	if err := p.handshake(); err != nil {
		p.stop()
		return nil, fmt.Errorf("initialization for subprocess '%s' failed: %w", command, err)
	}
	return p, nil
}

func (p *process) handshake() error {
	p.writeText("git-filter-client", "version=2")
	p.flush()
	if err := p.w.Flush(); err != nil {
		return err
	}
	lines, err := p.readList()
	if err != nil {
		return err
	}
	if len(lines) == 0 || lines[0] != "git-filter-server" {
		return fmt.Errorf("unexpected line '%s', expected git-filter-server", strings.Join(lines, " "))
	}
	ok := false
	for _, l := range lines[1:] {
		ok = ok || l == "version=2"
	}
	if !ok {
		return errors.New("protocol error: version 2 not offered")
	}
	p.writeText("capability=clean", "capability=smudge", "capability=delay")
	p.flush()
	if err := p.w.Flush(); err != nil {
		return err
	}
	if lines, err = p.readList(); err != nil {
		return err
	}
	p.caps = map[string]bool{}
	for _, l := range lines {
		if c, ok := strings.CutPrefix(l, "capability="); ok {
			p.caps[c] = true
		}
	}
	return nil
}

func (p *process) writePacket(b []byte) {
	fmt.Fprintf(p.w, "%04x", len(b)+4)
	p.w.Write(b)
}

func (p *process) writeText(lines ...string) {
	for _, l := range lines {
		p.writePacket([]byte(l + "\n"))
	}
}

func (p *process) flush() { p.w.WriteString("0000") }

func (p *process) writeContent(data []byte) {
	for len(data) > 0 {
		n := min(len(data), maxPacket)
		p.writePacket(data[:n])
		data = data[n:]
	}
	p.flush()
}

// readPacket returns a packet's payload, nil for a flush packet.
func (p *process) readPacket() ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(p.r, hdr[:]); err != nil {
		return nil, err
	}
	var n int
	if _, err := fmt.Sscanf(string(hdr[:]), "%04x", &n); err != nil {
		return nil, fmt.Errorf("protocol error: bad line length character: %q", hdr[:])
	}
	if n == 0 {
		return nil, nil
	}
	if n < 4 || n-4 > maxPacket {
		return nil, fmt.Errorf("protocol error: bad line length %d", n)
	}
	b := make([]byte, n-4)
	_, err := io.ReadFull(p.r, b)
	return b, err
}

// readList reads text packets up to a flush.
func (p *process) readList() ([]string, error) {
	var out []string
	for {
		b, err := p.readPacket()
		if err != nil {
			return nil, err
		}
		if b == nil {
			return out, nil
		}
		out = append(out, strings.TrimSuffix(string(b), "\n"))
	}
}

// readStatus reads a list and returns its last status=, or prev when it
// has none (an empty list keeps the status, as git's
// subprocess_read_status).
func (p *process) readStatus(prev string) (string, error) {
	lines, err := p.readList()
	if err != nil {
		return "", err
	}
	for _, l := range lines {
		if s, ok := strings.CutPrefix(l, "status="); ok {
			prev = s
		}
	}
	return prev, nil
}

func (p *process) readContent() ([]byte, error) {
	var out bytes.Buffer
	for {
		b, err := p.readPacket()
		if err != nil {
			return nil, err
		}
		if b == nil {
			return out.Bytes(), nil
		}
		out.Write(b)
	}
}

// request is one clean or smudge of one file. It returns errDelayed when
// the filter delays the file (only when canDelay), and errFilterStatus
// for "error" and "abort".
func (p *process) request(kind, path string, data []byte, meta *Meta, canDelay bool) ([]byte, string, error) {
	if len(path) > maxPacket-len("pathname=\n") {
		return nil, "", errors.New("path name too long for external filter")
	}
	p.writeText("command="+kind, "pathname="+path)
	if meta != nil {
		if meta.Ref != "" {
			p.writeText("ref=" + meta.Ref)
		}
		if meta.Treeish != "" {
			p.writeText("treeish=" + meta.Treeish)
		}
		if meta.Blob != "" {
			p.writeText("blob=" + meta.Blob)
		}
	}
	if canDelay {
		p.writeText("can-delay=1")
	}
	p.flush()
	p.writeContent(data)
	if err := p.w.Flush(); err != nil {
		return nil, "", err
	}
	status, err := p.readStatus("")
	if err != nil {
		return nil, "", err
	}
	if canDelay && status == "delayed" {
		return nil, status, errDelayed
	}
	if status != "success" {
		return nil, status, nil
	}
	out, err := p.readContent()
	if err != nil {
		return nil, "", err
	}
	if status, err = p.readStatus(status); err != nil {
		return nil, "", err
	}
	return out, status, nil
}

// listAvailable asks a filter which delayed files it has ready.
func (p *process) listAvailable() ([]string, error) {
	p.writeText("command=list_available_blobs")
	p.flush()
	if err := p.w.Flush(); err != nil {
		return nil, err
	}
	lines, err := p.readList()
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, l := range lines {
		if s, ok := strings.CutPrefix(l, "pathname="); ok {
			paths = append(paths, s)
		}
	}
	status, err := p.readStatus("")
	if err != nil {
		return nil, err
	}
	if status != "success" {
		return nil, fmt.Errorf("status %q", status)
	}
	return paths, nil
}

// runProcess filters data through the process filter command for kind
// ("clean" or "smudge"). ok is false when the filter did not filter (it
// lacks the capability, answered error or abort, or failed), as git's
// apply_multi_file_filter returns 0; delayed reports a delayed smudge.
func runProcess(command, dir, kind, path string, data []byte, meta *Meta, canDelay bool) (out []byte, ok, delayed bool) {
	p, err := getProcess(command, dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		return nil, false, false
	}
	p.mu.Lock()
	if !p.caps[kind] {
		p.mu.Unlock()
		return nil, false, false
	}
	canDelay = canDelay && p.caps["delay"]
	out, status, err := p.request(kind, path, data, meta, canDelay)
	switch {
	case err == errDelayed:
		p.mu.Unlock()
		return nil, true, true
	case err != nil:
		p.mu.Unlock()
		fmt.Fprintf(os.Stderr, "error: external filter '%s' failed\n", command)
		dropProcess(command, p)
		return nil, false, false
	case status == "success":
		p.mu.Unlock()
		return out, true, false
	case status == "abort":
		// A permanent problem: ask this filter nothing more of this kind.
		delete(p.caps, kind)
	case status == "error":
		// A problem with this one file.
	default:
		p.mu.Unlock()
		fmt.Fprintf(os.Stderr, "error: external filter '%s' failed\n", command)
		dropProcess(command, p)
		return nil, false, false
	}
	p.mu.Unlock()
	return nil, false, false
}

// DelayedCheckout collects the files that process filters delayed during
// one checkout (git's delayed_checkout).
type DelayedCheckout struct {
	mu      sync.Mutex
	filters []string        // commands with delayed files, in first-use order
	paths   map[string]bool // delayed paths not yet written
}

func (d *DelayedCheckout) add(command, path string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.paths == nil {
		d.paths = map[string]bool{}
	}
	if !slices.Contains(d.filters, command) {
		d.filters = append(d.filters, command)
	}
	d.paths[path] = true
}

// Finish asks each filter for its delayed files until it has none left,
// handing each file's content to write, as git's finish_delayed_checkout.
// Files a filter never hands over are an error.
func (d *DelayedCheckout) Finish(write func(path string, data []byte) error) error {
	if d == nil {
		return nil
	}
	var errs []string
	for len(d.filters) > 0 {
		command := d.filters[0]
		p, err := getProcess(command, "")
		var avail []string
		if err == nil {
			p.mu.Lock()
			avail, err = p.listAvailable()
			p.mu.Unlock()
		}
		if err != nil || len(avail) == 0 {
			d.filters = d.filters[1:]
			continue
		}
		for _, path := range avail {
			if !d.paths[path] {
				errs = append(errs, fmt.Sprintf("external filter '%s' signaled that '%s' is now available although it has not been delayed earlier", command, path))
				continue
			}
			p.mu.Lock()
			out, status, err := p.request("smudge", path, nil, nil, false)
			p.mu.Unlock()
			delete(d.paths, path)
			if err != nil || status != "success" {
				errs = append(errs, fmt.Sprintf("%s: smudge filter failed", path))
				continue
			}
			if err := write(path, out); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	left := make([]string, 0, len(d.paths))
	for p := range d.paths {
		left = append(left, p)
	}
	sort.Strings(left)
	for _, p := range left {
		errs = append(errs, fmt.Sprintf("'%s' was not filtered properly", p))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}
