// Package gitproto reads and writes the framing of git's wire protocol:
// pkt-lines, side-band channels and capability lists, and parses the
// requests of upload-pack (versions 0 and 2) and receive-pack. It knows
// nothing of repositories; the HTTP handlers in package remote use it.
package gitproto

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrProtocol marks a request that does not follow git's protocol: a bad
// length prefix, a line in the wrong place, a truncated body. Handlers
// answer it with 400.
var ErrProtocol = errors.New("git protocol error")

func protoErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrProtocol}, a...)...)
}

// MaxPktLen is the longest pkt-line, its 4-byte length included.
const MaxPktLen = 65520

// MaxPktData is the most data one pkt-line carries.
const MaxPktData = MaxPktLen - 4

// Kind says what a pkt-line is: data or one of the special packets.
type Kind int

const (
	Data        Kind = iota
	Flush            // 0000: end of a list or message
	Delim            // 0001: end of a section (version 2)
	ResponseEnd      // 0002: end of a response (version 2, stateless)
)

// Reader reads pkt-lines.
type Reader struct {
	br  *bufio.Reader
	buf [MaxPktLen]byte
}

// NewReader reads pkt-lines from r. Use Buffered to get at the bytes that
// follow the last pkt-line read (a pack, after receive-pack's commands).
func NewReader(r io.Reader) *Reader {
	if br, ok := r.(*bufio.Reader); ok {
		return &Reader{br: br}
	}
	return &Reader{br: bufio.NewReaderSize(r, 64<<10)}
}

// Rest is the reader positioned after the last pkt-line read.
func (r *Reader) Rest() *bufio.Reader { return r.br }

// Read returns the next pkt-line. The returned slice is valid until the
// next call. At the very end of input it returns io.EOF; input that stops
// inside a pkt-line is io.ErrUnexpectedEOF (wrapped in ErrProtocol).
func (r *Reader) Read() (Kind, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r.br, hdr[:]); err != nil {
		if err == io.EOF {
			return 0, nil, io.EOF
		}
		if err == io.ErrUnexpectedEOF {
			return 0, nil, protoErr("truncated pkt-line length")
		}
		return 0, nil, err
	}
	n := 0
	for _, c := range hdr {
		var v byte
		switch {
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return 0, nil, protoErr("bad pkt-line length %q", hdr[:])
		}
		n = n<<4 | int(v)
	}
	switch {
	case n == 0:
		return Flush, nil, nil
	case n == 1:
		return Delim, nil, nil
	case n == 2:
		return ResponseEnd, nil, nil
	case n < 4 || n > MaxPktLen:
		return 0, nil, protoErr("bad pkt-line length %d", n)
	}
	p := r.buf[:n-4]
	if _, err := io.ReadFull(r.br, p); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return 0, nil, protoErr("truncated pkt-line")
		}
		return 0, nil, err
	}
	return Data, p, nil
}

// ReadLine is Read for text lines: the data without its trailing newline.
// The end of input is an error here (a request must end with a flush).
func (r *Reader) ReadLine() (Kind, string, error) {
	k, p, err := r.Read()
	if err == io.EOF {
		return 0, "", protoErr("request ends without a flush packet")
	}
	if err != nil {
		return 0, "", err
	}
	return k, strings.TrimSuffix(string(p), "\n"), nil
}

// Writer writes pkt-lines. Errors stick: after the first, writes do
// nothing and Err reports it.
type Writer struct {
	w   io.Writer
	err error
}

func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

func (w *Writer) Err() error { return w.err }

func (w *Writer) write(p []byte) {
	if w.err == nil {
		_, w.err = w.w.Write(p)
	}
}

// Data writes p as one pkt-line (p must be at most MaxPktData bytes).
func (w *Writer) Data(p []byte) error {
	if len(p) > MaxPktData {
		w.err = fmt.Errorf("pkt-line of %d bytes", len(p))
		return w.err
	}
	w.write([]byte(fmt.Sprintf("%04x", len(p)+4)))
	w.write(p)
	return w.err
}

// Line writes a text pkt-line, adding the newline.
func (w *Writer) Line(format string, a ...any) error {
	return w.Data([]byte(fmt.Sprintf(format, a...) + "\n"))
}

func (w *Writer) Flush() error       { w.write([]byte("0000")); return w.err }
func (w *Writer) Delim() error       { w.write([]byte("0001")); return w.err }
func (w *Writer) ResponseEnd() error { w.write([]byte("0002")); return w.err }
