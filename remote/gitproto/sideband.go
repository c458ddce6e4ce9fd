package gitproto

import "io"

// Side-band channels of a pack response.
const (
	BandData     = 1
	BandProgress = 2
	BandError    = 3
)

// Sideband multiplexes a stream into pkt-lines of one band: the pack on
// band 1, progress text on band 2, a fatal message on band 3.
type Sideband struct {
	w   *Writer
	max int // data bytes per pkt-line, the band byte excluded
	buf []byte
}

// NewSideband writes to w; large (side-band-64k, and always in protocol
// version 2) allows 65515 bytes per packet, otherwise 995 (side-band).
func NewSideband(w *Writer, large bool) *Sideband {
	max := 1000 - 5
	if large {
		max = MaxPktData - 1
	}
	return &Sideband{w: w, max: max, buf: make([]byte, 0, max+1)}
}

// Write sends p on band 1, cut into packets.
func (s *Sideband) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := min(len(p), s.max)
		if err := s.send(BandData, p[:c]); err != nil {
			return n, err
		}
		n += c
		p = p[c:]
	}
	return n, nil
}

func (s *Sideband) send(band byte, p []byte) error {
	s.buf = append(s.buf[:0], band)
	s.buf = append(s.buf, p...)
	return s.w.Data(s.buf)
}

// Progress sends msg on band 2 (git prints it as "remote: msg").
func (s *Sideband) Progress(msg string) error {
	return s.send(BandProgress, []byte(msg))
}

// Fatal sends msg on band 3: git stops and prints it as the error.
func (s *Sideband) Fatal(msg string) error {
	return s.send(BandError, []byte(msg))
}

var _ io.Writer = (*Sideband)(nil)
