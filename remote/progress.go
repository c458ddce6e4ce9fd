package remote

import (
	"fmt"
	"io"
	"time"
)

// progress prints "Receiving objects: 1234 objects, 12.3 MiB" on one
// terminal line, at most a few times a second.
type progress struct {
	w     io.Writer
	verb  string
	total int
	n     int64
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, verb string, total int) *progress {
	return &progress{w: w, verb: verb, total: total, start: time.Now()}
}

func (p *progress) add(n int) {
	p.n += int64(n)
	if p.w == nil {
		return
	}
	if now := time.Now(); now.Sub(p.last) > 200*time.Millisecond {
		p.last = now
		fmt.Fprintf(p.w, "\r%s: %d objects, %s", p.verb, p.total, human(p.n))
	}
}

func (p *progress) done() {
	if p.w == nil {
		return
	}
	secs := time.Since(p.start).Seconds()
	rate := ""
	if secs > 0.05 {
		rate = fmt.Sprintf(" | %s/s", human(int64(float64(p.n)/secs)))
	}
	fmt.Fprintf(p.w, "\r%s: %d objects, %s%s, done.\n", p.verb, p.total, human(p.n), rate)
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

type progressReader struct {
	r io.Reader
	p *progress
}

func (p *progress) reader(r io.Reader) io.Reader { return &progressReader{r, p} }

func (pr *progressReader) Read(b []byte) (int, error) {
	n, err := pr.r.Read(b)
	pr.p.add(n)
	return n, err
}

type progressWriter struct {
	w io.Writer
	p *progress
}

func (p *progress) writer(w io.Writer) io.Writer { return &progressWriter{w, p} }

func (pw *progressWriter) Write(b []byte) (int, error) {
	n, err := pw.w.Write(b)
	pw.p.add(n)
	return n, err
}
