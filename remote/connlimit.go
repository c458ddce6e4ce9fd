package remote

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxConnections is Config.MaxConnections's default: far above what
// a team's server sees, far below what exhausts descriptors or memory
// (each open connection holds a goroutine and its buffers).
const DefaultMaxConnections = 1024

// maxAnswering caps the refused connections being answered at once.
const maxAnswering = 256

// refusedResponse is sent on a connection over the limit. It is written by
// hand once the request's headers are in (the body is never read), so a
// flood costs a short-lived goroutine and one small write per connection
// instead of a handler and its buffers.
var refusedResponse = func() []byte {
	body := `{"type":"` + ProblemBase + `busy","title":"Too many connections","status":503,` +
		`"detail":"the server has too many open connections; try again shortly"}` + "\n"
	return []byte("HTTP/1.1 503 Service Unavailable\r\n" +
		"Content-Type: " + MediaProblem + "\r\n" +
		"Retry-After: 1\r\n" +
		"Connection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"\r\n" + body)
}()

// limitListener refuses connections beyond max with a 503 instead of
// leaving them queued: a client holding many idle connections then slows
// nobody but itself, and everyone else gets an answer at once rather than
// a hang (netutil.LimitListener would stop accepting instead).
type limitListener struct {
	net.Listener
	max     int64
	active  atomic.Int64
	refused atomic.Int64
	onBusy  func(refused int64) // called at most once a second while refusing
	// answering counts refusals still being answered; past
	// maxAnswering a connection is closed without an answer, so a flood
	// cannot pile up goroutines either.
	answering atomic.Int64

	mu       sync.Mutex
	lastWarn time.Time
}

func newLimitListener(ln net.Listener, max int, onBusy func(int64)) *limitListener {
	return &limitListener{Listener: ln, max: int64(max), onBusy: onBusy}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.active.Add(1) <= l.max {
			return &countedConn{Conn: c, release: func() { l.active.Add(-1) }}, nil
		}
		l.active.Add(-1)
		l.refuse(c)
	}
}

func (l *limitListener) refuse(c net.Conn) {
	n := l.refused.Add(1)
	if l.answering.Add(1) > maxAnswering {
		l.answering.Add(-1)
		c.Close()
	} else {
		go l.answerBusy(c)
	}
	l.mu.Lock()
	warn := time.Since(l.lastWarn) >= time.Second
	if warn {
		l.lastWarn = time.Now()
	}
	l.mu.Unlock()
	if warn && l.onBusy != nil {
		l.onBusy(n)
	}
}

// answerBusy answers one refused connection with refusedResponse.
func (l *limitListener) answerBusy(c net.Conn) {
	defer l.answering.Add(-1)
	defer c.Close()
	// The client may not read or send: nothing here may hold the
	// goroutine longer than a moment.
	c.SetDeadline(time.Now().Add(2 * time.Second))
	// Answer after the request's headers have arrived: an HTTP client
	// takes bytes that come before its request for a broken connection,
	// not for an answer.
	readHeaders(c, 64<<10)
	c.Write(refusedResponse)
	// Close only after what the client sent has been read (or the
	// deadline has passed): closing with data unread resets the
	// connection, and the client may lose the answer.
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		tc.CloseWrite()
		io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}
}

// readHeaders reads from c until the blank line that ends a request's
// headers, at most limit bytes, or until the deadline.
func readHeaders(c net.Conn, limit int) {
	buf := make([]byte, 4096)
	var tail []byte
	for n := 0; n < limit; {
		k, err := c.Read(buf)
		n += k
		tail = append(tail, buf[:k]...)
		if bytes.Contains(tail, []byte("\r\n\r\n")) || err != nil {
			return
		}
		if len(tail) > 3 {
			tail = tail[len(tail)-3:]
		}
	}
}

// countedConn gives its slot back once, however often it is closed.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
