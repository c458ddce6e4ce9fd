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
// instead of a handler and its buffers. Built on first use: only a server
// over its limit needs it, and every easel command would build it at start.
var refusedResponse = sync.OnceValue(func() []byte {
	return refusal(503, "Service Unavailable", "busy", "Too many connections",
		"the server has too many open connections; try again shortly")
})

// clientRefusedResponse is sent on a connection over the per-client limit:
// the client has too many open already (idle keep-alive connections
// count), and everyone else is still served.
var clientRefusedResponse = sync.OnceValue(func() []byte {
	return refusal(429, "Too Many Requests", "too-many-connections", "Too many connections from this client",
		"this client has too many connections open to the server; close some or try again shortly")
})

func refusal(status int, text, kind, title, detail string) []byte {
	body := `{"type":"` + ProblemBase + kind + `","title":"` + title + `","status":` + strconv.Itoa(status) + `,` +
		`"detail":"` + detail + `"}` + "\n"
	return []byte("HTTP/1.1 " + strconv.Itoa(status) + " " + text + "\r\n" +
		"Content-Type: " + MediaProblem + "\r\n" +
		"Retry-After: 1\r\n" +
		"Connection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n" +
		"\r\n" + body)
}

// limitListener refuses connections beyond max with a 503 instead of
// leaving them queued, and those beyond perClient from one client (one
// IPv4 address, or one IPv6 /64) with a 429: a client holding many idle
// connections then slows nobody but itself, and everyone else gets an
// answer at once rather than a hang (netutil.LimitListener would stop
// accepting instead).
type limitListener struct {
	net.Listener
	max       int64
	perClient int
	active    atomic.Int64
	refused   atomic.Int64
	// onBusy is called at most once a second while refusing, with why
	// ("server" or "client") and the refusals so far.
	onBusy func(why string, refused int64)

	clientsMu sync.Mutex
	clients   map[string]int // open connections by clientKey
	// answering counts refusals still being answered; past
	// maxAnswering a connection is closed without an answer, so a flood
	// cannot pile up goroutines either.
	answering atomic.Int64

	mu       sync.Mutex
	lastWarn time.Time
}

func newLimitListener(ln net.Listener, max, perClient int, onBusy func(string, int64)) *limitListener {
	return &limitListener{Listener: ln, max: int64(max), perClient: perClient, onBusy: onBusy, clients: map[string]int{}}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.active.Add(1) > l.max {
			l.active.Add(-1)
			l.refuse(c, "server", refusedResponse())
			continue
		}
		key := clientKey(c.RemoteAddr())
		if !l.takeClient(key) {
			l.active.Add(-1)
			l.refuse(c, "client", clientRefusedResponse())
			continue
		}
		return &countedConn{Conn: c, release: func() {
			l.releaseClient(key)
			l.active.Add(-1)
		}}, nil
	}
}

// takeClient counts one more connection for the client, if it may have
// one more.
func (l *limitListener) takeClient(key string) bool {
	l.clientsMu.Lock()
	defer l.clientsMu.Unlock()
	if l.clients[key] >= l.perClient {
		return false
	}
	l.clients[key]++
	return true
}

func (l *limitListener) releaseClient(key string) {
	l.clientsMu.Lock()
	defer l.clientsMu.Unlock()
	if l.clients[key]--; l.clients[key] <= 0 {
		delete(l.clients, key) // the map holds connected clients only
	}
}

// clientKey names the client a connection comes from: its IPv4 address,
// or the /64 of its IPv6 address (one host or site usually holds a whole
// /64, so a finer key would let it take every slot).
func clientKey(a net.Addr) string {
	var ip net.IP
	switch a := a.(type) {
	case *net.TCPAddr:
		ip = a.IP
	default:
		host, _, err := net.SplitHostPort(a.String())
		if err != nil {
			return a.String()
		}
		ip = net.ParseIP(host)
		if ip == nil {
			return host
		}
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

func (l *limitListener) refuse(c net.Conn, why string, answer []byte) {
	n := l.refused.Add(1)
	if l.answering.Add(1) > maxAnswering {
		l.answering.Add(-1)
		c.Close()
	} else {
		go l.answerBusy(c, answer)
	}
	l.mu.Lock()
	warn := time.Since(l.lastWarn) >= time.Second
	if warn {
		l.lastWarn = time.Now()
	}
	l.mu.Unlock()
	if warn && l.onBusy != nil {
		l.onBusy(why, n)
	}
}

// answerBusy answers one refused connection with answer.
func (l *limitListener) answerBusy(c net.Conn, answer []byte) {
	defer l.answering.Add(-1)
	defer c.Close()
	// The client may not read or send: nothing here may hold the
	// goroutine longer than a moment.
	c.SetDeadline(time.Now().Add(2 * time.Second))
	// Answer after the request's headers have arrived: an HTTP client
	// takes bytes that come before its request for a broken connection,
	// not for an answer.
	readHeaders(c, 64<<10)
	c.Write(answer)
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
