package remote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to one repository on an easel server.
type Client struct {
	BaseURL string // http://host:port/name or .../group/name, no trailing slash
	Token   string // sent as a bearer token when set
	HTTP    *http.Client
}

// NewClient checks rawURL (http or https, with a repository path).
func NewClient(rawURL, token string) (*Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", rawURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: only http:// and https:// remotes are supported: %w", rawURL, ErrRemote)
	}
	if u.Host == "" || strings.Trim(u.Path, "/") == "" {
		return nil, fmt.Errorf("%q: the URL needs a host and a repository path: %w", rawURL, ErrRemote)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q: put credentials in EASEL_TOKEN or remote.<name>.token, not in the URL: %w", u.Redacted(), ErrRemote)
	}
	u.Path = "/" + strings.Trim(u.Path, "/")
	u.RawQuery, u.Fragment = "", ""
	// No overall timeout: a clone may take long. The server bounds stalls.
	return &Client{BaseURL: u.String(), Token: token, HTTP: &http.Client{Transport: http.DefaultTransport}}, nil
}

func (c *Client) newRequest(ctx context.Context, method, action string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+"/"+action, body)
	if err != nil {
		return nil, err
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	req.Header.Set("User-Agent", "easel")
	return req, nil
}

// busyRetries is how often a request the server answered 503 (busy, or a
// ref locked for a moment) or 429 (this client has too many connections
// open) is sent again before the error is reported.
const busyRetries = 3

func (c *Client) do(req *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.HTTP.Do(req)
		if err != nil {
			if ctxErr := req.Context().Err(); ctxErr != nil {
				return nil, ctxErr
			}
			return nil, fmt.Errorf("%w: %v", ErrRemote, err)
		}
		if resp.StatusCode == http.StatusOK {
			return resp, nil
		}
		// Only a request whose body can be made again is retried:
		// a push streams its pack and is never sent twice.
		canRetry := req.Body == nil || req.GetBody != nil
		busy := resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusTooManyRequests
		if !busy || !canRetry || attempt >= busyRetries {
			defer resp.Body.Close()
			return nil, readProblem(resp)
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err := sleepCtx(req.Context(), retryAfter(resp)); err != nil {
			return nil, err
		}
		if req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
	}
}

// retryAfter reads a Retry-After in seconds, between 1 and 5.
func retryAfter(resp *http.Response) time.Duration {
	n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		n = 1
	}
	return time.Duration(min(n, 5)) * time.Second
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// readProblem turns an error response into a *Problem, inventing one when
// the body is not problem details (a proxy's error page, say).
func readProblem(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	p := &Problem{}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != MediaProblem || json.Unmarshal(data, p) != nil || p.Status == 0 {
		p = &Problem{Title: http.StatusText(resp.StatusCode), Status: resp.StatusCode, Detail: strings.TrimSpace(string(data))}
	}
	return p
}

// Refs lists the remote's refs and HEAD.
func (c *Client) Refs(ctx context.Context) (*RefsResponse, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "refs", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out RefsResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBytes)).Decode(&out); err != nil {
		return nil, fmt.Errorf("%w: bad refs listing: %v", ErrRemote, err)
	}
	return &out, nil
}

// FetchPack asks for the objects reachable from wants and not from haves
// and returns the packfile stream and the number of objects announced.
// caps are the client's capabilities (CapThinPack: the caller accepts a
// thin pack, see ReceiveThin).
func (c *Client) FetchPack(ctx context.Context, wants, haves []string, caps ...string) (io.ReadCloser, int, error) {
	body, err := json.Marshal(FetchRequest{Wants: wants, Haves: haves, Capabilities: caps})
	if err != nil {
		return nil, 0, err
	}
	req, err := c.newRequest(ctx, http.MethodPost, "fetch", bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", MediaJSON)
	resp, err := c.do(req)
	if err != nil {
		return nil, 0, err
	}
	n, _ := strconv.Atoi(resp.Header.Get("X-Easel-Objects"))
	return resp.Body, n, nil
}

// Push sends the ref commands and a packfile written by writePack. The
// pack is produced while it is sent (through a pipe), never held whole.
func (c *Client) Push(ctx context.Context, cmds []RefCommand, writePack func(io.Writer) error) (*PushResponse, error) {
	hdr, err := json.Marshal(PushHeader{Updates: cmds})
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, err := pw.Write(append(hdr, '\n'))
		if err == nil {
			err = writePack(pw)
		}
		pw.CloseWithError(err)
	}()
	req, err := c.newRequest(ctx, http.MethodPost, "push", pr)
	if err != nil {
		pr.Close()
		return nil, err
	}
	req.Header.Set("Content-Type", MediaPush)
	resp, err := c.do(req)
	// The server may answer before reading everything (a refusal): stop
	// the writer and wait, so the caller may close what it reads from.
	pr.CloseWithError(errors.New("request finished"))
	<-done
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out PushResponse
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxJSONBytes)).Decode(&out); err != nil {
		return nil, fmt.Errorf("%w: bad push response: %v", ErrRemote, err)
	}
	return &out, nil
}
