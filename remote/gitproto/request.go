package gitproto

import (
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
)

// Caps is a capability list as git sends it: "name" or "name=value".
type Caps []string

// ParseCaps splits a space-separated capability list.
func ParseCaps(s string) Caps { return Caps(strings.Fields(s)) }

// Has says whether the list holds name (with or without a value).
func (c Caps) Has(name string) bool {
	_, ok := c.Value(name)
	return ok
}

// Value is name's value ("" for a bare name); ok is false without it.
func (c Caps) Value(name string) (string, bool) {
	for _, x := range c {
		k, v, _ := strings.Cut(x, "=")
		if k == name {
			return v, true
		}
	}
	return "", false
}

// ParseID reads a full lower-case hexadecimal object id.
func ParseID(s string) (plumbing.Hash, error) {
	var h plumbing.Hash
	if len(s) != 40 || strings.ToLower(s) != s {
		return h, protoErr("%q is not an object id", s)
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, protoErr("%q is not an object id", s)
	}
	return h, nil
}

// Limits on what one request may list, so a request cannot make the
// server hold unbounded lists.
const (
	MaxWants    = 1 << 16
	MaxHaves    = 1 << 16
	MaxCommands = 1000
)

// UploadRequest is a fetch: what the client wants, has and accepts.
type UploadRequest struct {
	Wants []plumbing.Hash
	Haves []plumbing.Hash
	Done  bool // the client wants the pack now, no more negotiation
	// WantsOnly: a version 0 request that ends after its wants (git asks
	// this way for the shallow list of a deepening fetch first).
	WantsOnly bool
	Caps      Caps // version 0: from the first want; version 2: the fetch arguments that are flags
	Shallow   []plumbing.Hash

	Depth          int   // deepen N (0: none)
	DeepenSince    int64 // deepen-since T (0: none)
	DeepenNot      []string
	DeepenRelative bool
	Filter         string // filter spec ("" : none)
}

// Deepen says whether the request asks for a shallow history.
func (u *UploadRequest) Deepen() bool {
	return u.Depth > 0 || u.DeepenSince != 0 || len(u.DeepenNot) > 0
}

// parseUploadLine reads one line shared by versions 0 and 2 (everything
// but the capabilities). ok is false for a line it does not know.
func (u *UploadRequest) parseLine(line string) (ok bool, err error) {
	key, arg, _ := strings.Cut(line, " ")
	switch key {
	case "want":
		if len(u.Wants) >= MaxWants {
			return true, protoErr("more than %d wants", MaxWants)
		}
		h, err := ParseID(arg)
		u.Wants = append(u.Wants, h)
		return true, err
	case "have":
		if len(u.Haves) >= MaxHaves {
			return true, protoErr("more than %d haves", MaxHaves)
		}
		h, err := ParseID(arg)
		u.Haves = append(u.Haves, h)
		return true, err
	case "shallow":
		if len(u.Shallow) >= MaxHaves {
			return true, protoErr("more than %d shallow lines", MaxHaves)
		}
		h, err := ParseID(arg)
		u.Shallow = append(u.Shallow, h)
		return true, err
	case "deepen":
		n, err := strconv.Atoi(arg)
		if err != nil || n <= 0 {
			return true, protoErr("bad depth %q", arg)
		}
		u.Depth = n
		return true, nil
	case "deepen-since":
		t, err := strconv.ParseInt(arg, 10, 64)
		if err != nil {
			return true, protoErr("bad deepen-since %q", arg)
		}
		u.DeepenSince = t
		return true, nil
	case "deepen-not":
		if arg == "" {
			return true, protoErr("empty deepen-not")
		}
		u.DeepenNot = append(u.DeepenNot, arg)
		return true, nil
	case "deepen-relative":
		u.DeepenRelative = true
		return true, nil
	case "filter":
		if arg == "" {
			return true, protoErr("empty filter")
		}
		u.Filter = arg
		return true, nil
	case "done":
		u.Done = true
		return true, nil
	}
	return false, nil
}

// ParseUploadV0 reads a version 0/1 upload-pack request as git sends it
// over HTTP (stateless): want lines (the first carries the capabilities),
// shallow and deepen lines, a flush, then have lines ended by a flush or
// "done".
func ParseUploadV0(r *Reader) (*UploadRequest, error) {
	u := &UploadRequest{}
	for first := true; ; first = false {
		k, line, err := r.ReadLine()
		if err != nil {
			return nil, err
		}
		if k == Flush {
			break
		}
		if k != Data {
			return nil, protoErr("unexpected special packet among wants")
		}
		if first {
			if !strings.HasPrefix(line, "want ") {
				return nil, protoErr("a request starts with a want, not %q", trunc(line))
			}
			if len(line) > 45 {
				u.Caps = ParseCaps(line[45:])
				line = line[:45]
			}
		}
		ok, err := u.parseLine(line)
		if err != nil {
			return nil, err
		}
		if !ok || strings.HasPrefix(line, "have ") || line == "done" {
			return nil, protoErr("unexpected line among wants: %q", trunc(line))
		}
	}
	// In version 0 deepen-relative is a capability, not a line.
	u.DeepenRelative = u.DeepenRelative || u.Caps.Has("deepen-relative")
	if len(u.Wants) == 0 {
		return u, nil
	}
	for {
		k, p, err := r.Read()
		if err == io.EOF {
			u.WantsOnly = true // only wants: the shallow list is asked for
			return u, nil
		}
		if err != nil {
			return nil, err
		}
		if k == Flush {
			return u, nil
		}
		if k != Data {
			return nil, protoErr("unexpected special packet among haves")
		}
		line := strings.TrimSuffix(string(p), "\n")
		if !strings.HasPrefix(line, "have ") && line != "done" {
			return nil, protoErr("unexpected line among haves: %q", trunc(line))
		}
		if _, err := u.parseLine(line); err != nil {
			return nil, err
		}
		if u.Done {
			return u, nil
		}
	}
}

// CommandV2 is a protocol version 2 request: command=<name>, capabilities,
// then the command's arguments.
type CommandV2 struct {
	Name string
	Caps Caps
	Args []string
}

// ParseCommandV2 reads one version 2 request up to its flush.
func ParseCommandV2(r *Reader) (*CommandV2, error) {
	c := &CommandV2{}
	inArgs := false
	for {
		k, line, err := r.ReadLine()
		if err != nil {
			return nil, err
		}
		switch k {
		case Flush:
			if c.Name == "" {
				return nil, protoErr("no command")
			}
			return c, nil
		case Delim:
			if inArgs {
				return nil, protoErr("two delimiters")
			}
			inArgs = true
			continue
		case ResponseEnd:
			return nil, protoErr("unexpected response-end packet")
		}
		if inArgs {
			if len(c.Args) >= MaxWants+MaxHaves {
				return nil, protoErr("too many arguments")
			}
			c.Args = append(c.Args, line)
			continue
		}
		if name, ok := strings.CutPrefix(line, "command="); ok {
			if c.Name != "" {
				return nil, protoErr("two commands")
			}
			c.Name = name
			continue
		}
		if len(c.Caps) >= 100 {
			return nil, protoErr("too many capabilities")
		}
		c.Caps = append(c.Caps, line)
	}
}

// fetchFlags are the version 2 fetch arguments that are plain flags.
// Built on first use rather than when the program starts.
var fetchFlags = sync.OnceValue(func() map[string]bool {
	return map[string]bool{
		"thin-pack": true, "no-progress": true, "include-tag": true, "ofs-delta": true,
		"sideband-all": true, "wait-for-done": true,
	}
})

// ParseFetchV2 reads the arguments of a version 2 fetch.
func ParseFetchV2(args []string) (*UploadRequest, error) {
	u := &UploadRequest{}
	for _, a := range args {
		if fetchFlags()[a] {
			u.Caps = append(u.Caps, a)
			continue
		}
		ok, err := u.parseLine(a)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, protoErr("unknown fetch argument %q", trunc(a))
		}
	}
	return u, nil
}

// Command is one ref update of a push.
type Command struct {
	Old, New plumbing.Hash
	Ref      string
}

// ReceiveRequest is a push: ref updates, then (after the pkt-lines) a pack.
type ReceiveRequest struct {
	Commands []Command
	Caps     Caps
	Options  []string // push options, if the client sent any
}

// ParseReceive reads receive-pack's commands ("old new ref", the first
// with "\0capabilities") up to their flush, and the push options that
// follow when the client asked for push-options. The pack follows in
// r.Rest().
func ParseReceive(r *Reader) (*ReceiveRequest, error) {
	req := &ReceiveRequest{}
	for first := true; ; first = false {
		k, line, err := r.ReadLine()
		if err != nil {
			return nil, err
		}
		if k == Flush {
			break
		}
		if k != Data {
			return nil, protoErr("unexpected special packet among commands")
		}
		if first {
			if cmd, caps, ok := strings.Cut(line, "\x00"); ok {
				line = cmd
				req.Caps = ParseCaps(caps)
			}
		}
		if strings.HasPrefix(line, "shallow ") {
			return nil, protoErr("pushes from a shallow repository are not accepted")
		}
		if strings.HasPrefix(line, "push-cert") {
			return nil, protoErr("signed pushes are not supported")
		}
		f := strings.SplitN(line, " ", 3)
		if len(f) != 3 {
			return nil, protoErr("bad command %q", trunc(line))
		}
		old, err := ParseID(f[0])
		if err != nil {
			return nil, err
		}
		nw, err := ParseID(f[1])
		if err != nil {
			return nil, err
		}
		if len(req.Commands) >= MaxCommands {
			return nil, protoErr("more than %d ref updates", MaxCommands)
		}
		req.Commands = append(req.Commands, Command{Old: old, New: nw, Ref: f[2]})
	}
	if len(req.Commands) == 0 {
		return nil, protoErr("no commands")
	}
	if req.Caps.Has("push-options") {
		for {
			k, line, err := r.ReadLine()
			if err != nil {
				return nil, err
			}
			if k == Flush {
				break
			}
			if k != Data || len(req.Options) >= 100 {
				return nil, protoErr("bad push options")
			}
			req.Options = append(req.Options, line)
		}
	}
	return req, nil
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
