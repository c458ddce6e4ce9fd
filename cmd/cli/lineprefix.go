package cli

import (
	"bytes"
	"io"
)

// linePrefixWriter puts a prefix in front of every line written through
// it, as git's --line-prefix does to all that diff and log print.
type linePrefixWriter struct {
	w       io.Writer
	prefix  []byte
	midLine bool // the last byte written was not a newline
}

// withLinePrefix wraps w when prefix is not empty.
func withLinePrefix(w io.Writer, prefix string) io.Writer {
	if prefix == "" {
		return w
	}
	return &linePrefixWriter{w: w, prefix: []byte(prefix)}
}

func (p *linePrefixWriter) Write(b []byte) (int, error) {
	var out bytes.Buffer
	for rest := b; len(rest) > 0; {
		if !p.midLine {
			out.Write(p.prefix)
			p.midLine = true
		}
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			out.Write(rest)
			break
		}
		out.Write(rest[:i+1])
		rest = rest[i+1:]
		p.midLine = false
	}
	if _, err := p.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}
