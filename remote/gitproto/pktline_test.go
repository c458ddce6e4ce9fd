package gitproto

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadPktLines(t *testing.T) {
	r := NewReader(strings.NewReader("0009hello0000000100020006a\n"))
	want := []struct {
		k Kind
		p string
	}{{Data, "hello"}, {Flush, ""}, {Delim, ""}, {ResponseEnd, ""}, {Data, "a\n"}}
	for _, w := range want {
		k, p, err := r.Read()
		if err != nil || k != w.k || string(p) != w.p {
			t.Fatalf("got %v %q %v, want %v %q", k, p, err, w.k, w.p)
		}
	}
	if _, _, err := r.Read(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	for _, bad := range []string{"00", "zzzz", "0003", "fff1", "0010short"} {
		_, _, err := NewReader(strings.NewReader(bad)).Read()
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("%q: %v, want a protocol error", bad, err)
		}
	}
}

func TestWriteAndSideband(t *testing.T) {
	var b bytes.Buffer
	w := NewWriter(&b)
	w.Line("ACK %s", "x")
	w.Flush()
	if b.String() != "000aACK x\n0000" {
		t.Fatalf("%q", b.String())
	}
	b.Reset()
	sb := NewSideband(w, false)
	data := bytes.Repeat([]byte("p"), 2000)
	if n, err := sb.Write(data); n != 2000 || err != nil {
		t.Fatal(n, err)
	}
	sb.Progress("50%\r")
	r := NewReader(&b)
	var got []byte
	for {
		k, p, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil || k != Data || len(p) > 1000-4 {
			t.Fatalf("%v %d %v", k, len(p), err)
		}
		switch p[0] {
		case BandData:
			got = append(got, p[1:]...)
		case BandProgress:
			if string(p[1:]) != "50%\r" {
				t.Fatalf("progress %q", p[1:])
			}
		}
	}
	if !bytes.Equal(got, data) {
		t.Fatal("side-band data differs")
	}
	if err := w.Data(make([]byte, MaxPktData+1)); err == nil {
		t.Fatal("an oversized pkt-line was written")
	}
}

func TestParseRequests(t *testing.T) {
	id := strings.Repeat("ab", 20)
	body := pl("want "+id+" side-band-64k deepen-relative\n") + pl("deepen 2\n") + "0000" + pl("have "+id+"\n") + pl("done\n")
	u, err := ParseUploadV0(NewReader(strings.NewReader(body)))
	if err != nil || len(u.Wants) != 1 || len(u.Haves) != 1 || !u.Done || u.Depth != 2 || !u.DeepenRelative || !u.Caps.Has("side-band-64k") {
		t.Fatalf("%+v %v", u, err)
	}
	c, err := ParseCommandV2(NewReader(strings.NewReader(pl("command=ls-refs\n") + pl("agent=git/2.39\n") + "0001" + pl("peel\n") + "0000")))
	if err != nil || c.Name != "ls-refs" || len(c.Caps) != 1 || len(c.Args) != 1 || c.Args[0] != "peel" {
		t.Fatalf("%+v %v", c, err)
	}
	zero := strings.Repeat("0", 40)
	rr := NewReader(strings.NewReader(pl(zero+" "+id+" refs/heads/main\x00report-status atomic\n") + "0000PACK"))
	req, err := ParseReceive(rr)
	if err != nil || len(req.Commands) != 1 || req.Commands[0].Ref != "refs/heads/main" || !req.Caps.Has("atomic") {
		t.Fatalf("%+v %v", req, err)
	}
	if rest, _ := io.ReadAll(rr.Rest()); string(rest) != "PACK" {
		t.Fatalf("after the commands: %q", rest)
	}
}

func pl(s string) string {
	var b bytes.Buffer
	w := NewWriter(&b)
	w.Data([]byte(s))
	return b.String()
}
