// Package h1 is a lean HTTP/1.1 client transport for plain-http targets:
// each exchange runs on the caller's goroutine, and the heads of a plain
// request and response are written and parsed without most of net/http's
// allocations (anything unusual goes to net/http's own writer and reader).
// The load client (bench/load) and the gateway's upstream side share it.
package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Transport is an HTTP/1.1 RoundTripper for plain-http targets that
// runs each exchange on the caller's goroutine: the request is written and
// the response head read inside RoundTrip, and the body is read by
// whoever reads resp.Body. net/http's Transport keeps a reader and a
// writer goroutine per connection besides the caller; at 5,000 streams
// those 10,000 goroutines' stacks alone are some 80 MiB. Connections are
// kept alive and reused (a body read to its end hands its connection
// back); a connection is closed when its context ends, when the body is
// closed early, or when the server asks.
//
// The heads of a chat request and of a plain response are written and
// parsed here (writeRequest, readResponse), as Request.Write and
// http.ReadResponse would, minus most of their allocations; anything
// else goes to those, so unusual framing is the standard library's.
type Transport struct {
	dialer   net.Dialer
	maxIdle  int
	bufBytes int
	// headerTimeout, maxHeader and idleTimeout are Options'.
	headerTimeout time.Duration
	maxHeader     int64
	idleTimeout   time.Duration

	mu   sync.Mutex
	idle map[string][]*leanConn
	// closed is set by CloseIdleConnections' callers at the end of a run;
	// connections handed back afterwards are closed instead of kept.
	closed bool
}

type leanConn struct {
	net.Conn
	// lr is what br reads from: the connection, with a budget while a
	// response head is being read (Options.MaxHeaderBytes).
	lr *limitedConn
	br *bufio.Reader
	bw *bufio.Writer
	// raw peeks at the socket without Go's poller (see alive); nil when
	// the connection has no file descriptor.
	raw syscall.RawConn
	// idleSince is when the connection was handed back (put).
	idleSince time.Time
}

// limitedConn reads from a connection; while left is positive it counts
// down, and a read that finds it spent fails, so that a hostile server
// cannot grow a response head without bound.
type limitedConn struct {
	net.Conn
	left  int64 // ≤ 0: no budget set
	limit int64
}

func (l *limitedConn) Read(p []byte) (int, error) {
	if l.limit <= 0 {
		return l.Conn.Read(p)
	}
	if l.left <= 0 {
		return 0, fmt.Errorf("net/http: server response headers exceeded %d bytes; aborted", l.limit)
	}
	p = p[:min(int64(len(p)), l.left)]
	n, err := l.Conn.Read(p)
	l.left -= int64(n)
	return n, err
}

// alive reports whether a kept connection can carry another request: the
// server has not closed or reset it, and it holds no stray bytes. net/http
// learns this from a reader goroutine per idle connection; the lean
// transport has none, so it asks the kernel, without blocking, just before
// reuse. A connection the server closes after this check fails its
// request (as net/http's would: a POST that was written is not sent again).
func (c *leanConn) alive() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	if c.raw == nil {
		return true
	}
	var buf [1]byte
	var rerr error
	if err := c.raw.Read(func(fd uintptr) bool {
		_, _, rerr = syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return true
	}); err != nil {
		return false
	}
	// Only EAGAIN means idle and open: no error is a FIN (0 bytes) or a
	// stray byte, and any other error a reset or worse.
	return errors.Is(rerr, syscall.EAGAIN)
}

// Options configure a Transport; the zero value of each field picks its
// default.
type Options struct {
	// MaxIdle is how many idle connections are kept per host; default 64.
	MaxIdle int
	// BufBytes sizes each connection's read and write buffers; default
	// 4 KiB. A response head that does not fit is read by net/http's
	// reader.
	BufBytes int
	// DialTimeout bounds one TCP connect; default 10s.
	DialTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response head after
	// the request was written, as http.Transport's; 0: none.
	ResponseHeaderTimeout time.Duration
	// MaxHeaderBytes bounds a response head (interim ones included), as
	// http.Transport's MaxResponseHeaderBytes; default 10 MiB.
	MaxHeaderBytes int64
	// IdleTimeout drops a kept connection idle for longer before reuse;
	// 0: kept until the server closes it.
	IdleTimeout time.Duration
}

// New returns a transport configured by o.
func New(o Options) *Transport {
	if o.MaxIdle <= 0 {
		o.MaxIdle = 64
	}
	if o.BufBytes <= 0 {
		o.BufBytes = 4 << 10
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 10 << 20
	}
	return &Transport{dialer: net.Dialer{Timeout: o.DialTimeout, KeepAlive: 30 * time.Second},
		maxIdle: o.MaxIdle, bufBytes: o.BufBytes, headerTimeout: o.ResponseHeaderTimeout,
		maxHeader: o.MaxHeaderBytes, idleTimeout: o.IdleTimeout, idle: map[string][]*leanConn{}}
}

// Direct marks the lean transport as one the trace client may call
// without http.Client's redirect and header-copy layer.
func (*Transport) Direct() {}

func (t *Transport) get(ctx context.Context, addr string, fresh bool) (*leanConn, bool, error) {
	for !fresh {
		t.mu.Lock()
		l := t.idle[addr]
		if len(l) == 0 {
			t.mu.Unlock()
			break
		}
		c := l[len(l)-1]
		t.idle[addr] = l[:len(l)-1]
		t.mu.Unlock()
		if (t.idleTimeout <= 0 || time.Since(c.idleSince) <= t.idleTimeout) && c.alive() {
			return c, true, nil
		}
		c.Close()
	}
	nc, err := t.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, false, err
	}
	lr := &limitedConn{Conn: nc}
	c := &leanConn{Conn: nc, lr: lr, br: bufio.NewReaderSize(lr, t.bufBytes), bw: bufio.NewWriterSize(nc, t.bufBytes)}
	if sc, ok := nc.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	return c, false, nil
}

// hostAddr is the host:port a plain-http URL's requests go to.
func hostAddr(u *url.URL) string {
	if u.Port() == "" {
		return net.JoinHostPort(u.Hostname(), "80")
	}
	return u.Host
}

// Predial opens connections to baseURL's host until n are idle, a few
// dials at a time, and returns how many it opened. It stops at the first
// failed dial or when ctx ends: a request then dials as it always did.
func (t *Transport) Predial(ctx context.Context, baseURL string, n int) int {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "http" {
		return 0
	}
	addr := hostAddr(u)
	t.mu.Lock()
	need := min(n, t.maxIdle) - len(t.idle[addr])
	t.mu.Unlock()
	if need <= 0 {
		return 0
	}
	var dialled atomic.Int64
	todo := make(chan struct{}, need)
	for range need {
		todo <- struct{}{}
	}
	close(todo)
	var wg sync.WaitGroup
	for range min(need, 16) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range todo {
				if ctx.Err() != nil {
					return
				}
				c, _, err := t.get(ctx, addr, true)
				if err != nil {
					return
				}
				dialled.Add(1)
				t.put(addr, c)
			}
		}()
	}
	wg.Wait()
	return int(dialled.Load())
}

// put keeps c idle for addr, or closes it when the pool is full or
// closed. With an idle timeout, it also closes the host's connections
// idle for longer: the list is in the order they were handed back and
// get takes from its end, so those are at its front, where get would
// reach them only when every newer one is in use.
func (t *Transport) put(addr string, c *leanConn) {
	var stale []*leanConn
	t.mu.Lock()
	if t.closed || len(t.idle[addr]) >= t.maxIdle {
		t.mu.Unlock()
		c.Close()
		return
	}
	l := t.idle[addr]
	if t.idleTimeout > 0 {
		c.idleSince = time.Now()
		n := 0
		for n < len(l) && c.idleSince.Sub(l[n].idleSince) > t.idleTimeout {
			n++
		}
		stale, l = l[:n:n], l[n:]
	}
	t.idle[addr] = append(l, c)
	t.mu.Unlock()
	for _, s := range stale {
		s.Close()
	}
}

// Idle is how many connections are kept idle, over all hosts.
func (t *Transport) Idle() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, l := range t.idle {
		n += len(l)
	}
	return n
}

// CloseIdleConnections closes every kept connection; the transport keeps
// working (new connections are dialled) but keeps none from now on.
func (t *Transport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle, t.closed = map[string][]*leanConn{}, true
	t.mu.Unlock()
	for _, l := range idle {
		for _, c := range l {
			c.Close()
		}
	}
}

// RoundTrip sends req on a kept or new connection. A kept connection found
// dead before use is dropped (get). One that fails while the request is
// being written is retried once on a newly dialled connection: the server
// had gone before it could read the request, and chat requests carry
// their body as bytes, so it can be sent again. A failure after the request
// was written is the request's error, never a retry, or a target that took
// the request and then dropped the connection would see it twice and the
// failure would not be counted.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		return nil, fmt.Errorf("h1 transport: scheme %q not supported", req.URL.Scheme)
	}
	addr := hostAddr(req.URL)
	for attempt := 0; ; attempt++ {
		c, reused, err := t.get(req.Context(), addr, attempt > 0)
		if err != nil {
			// The dialer's own *net.OpError, as net/http returns it;
			// anything else is made one, so callers tell a refused
			// connection (safe to retry) from a failed request.
			if oe := (*net.OpError)(nil); errors.As(err, &oe) && oe.Op == "dial" {
				return nil, err
			}
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: err}
		}
		resp, err := t.exchange(req, addr, c)
		if err == nil {
			return resp, nil
		}
		c.Close()
		var we *writeError
		if !errors.As(err, &we) {
			return nil, err
		}
		err = we.err
		if !reused || attempt > 0 || !staleConn(err) || req.Context().Err() != nil || (req.Body != nil && req.GetBody == nil) {
			return nil, err
		}
		if req.GetBody != nil {
			if req.Body, err = req.GetBody(); err != nil {
				return nil, err
			}
		}
	}
}

func (t *Transport) exchange(req *http.Request, addr string, c *leanConn) (*http.Response, error) {
	ctx := req.Context()
	// Closing the connection is how a cancelled context interrupts a
	// blocked read or write; AfterFunc starts no goroutine until then.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	if err := writeRequest(c.bw, req); err != nil {
		stop()
		return nil, &writeError{ctxErr(ctx, err)}
	}
	if err := c.bw.Flush(); err != nil {
		stop()
		return nil, &writeError{ctxErr(ctx, err)}
	}
	if ct := httptrace.ContextClientTrace(ctx); ct != nil && ct.WroteRequest != nil {
		ct.WroteRequest(httptrace.WroteRequestInfo{})
	}
	resp, err := t.readHead(c, req)
	if err != nil {
		stop()
		return nil, ctxErr(ctx, err)
	}
	// 101 hands the connection to another protocol: never reuse it.
	resp.Body = &leanBody{rc: resp.Body, t: t, addr: addr, c: c, stop: stop, ctx: ctx,
		keep: !resp.Close && !req.Close && resp.StatusCode != http.StatusSwitchingProtocols}
	return resp, nil
}

// errHeaderTimeout is http.Transport's error for ResponseHeaderTimeout.
var errHeaderTimeout = errors.New("net/http: timeout awaiting response headers")

// readHead reads the response head within the header budget and the
// header timeout; the timer closes the connection, which ends the read.
func (t *Transport) readHead(c *leanConn, req *http.Request) (*http.Response, error) {
	c.lr.left, c.lr.limit = t.maxHeader, t.maxHeader
	defer func() { c.lr.left, c.lr.limit = 0, 0 }()
	if t.headerTimeout <= 0 {
		return readResponse(c.br, req)
	}
	var fired atomic.Bool
	timer := time.AfterFunc(t.headerTimeout, func() { fired.Store(true); c.Close() })
	resp, err := readResponse(c.br, req)
	if !timer.Stop() && fired.Load() {
		if err == nil {
			resp.Body.Close()
		}
		return nil, errHeaderTimeout
	}
	return resp, err
}

// writeError marks a failure while the request was being written: the
// only kind RoundTrip may retry.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// writeRequest writes req as Request.Write does, without its
// allocations (a transfer writer, a header sorter, formatted lines: a
// tenth of a request's), for the requests the trace client makes: a body
// of known length, at most 8 header keys, values that need no cleaning.
// Anything else goes to Request.Write. Headers go out in sorted key order,
// as Request.Write sends them.
func writeRequest(w *bufio.Writer, req *http.Request) error {
	var keys [8]string
	n := 0
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	simple := req.ContentLength > 0 && req.Body != nil && req.Body != http.NoBody && !req.Close &&
		req.Method != "" && plainHost(host) && req.URL.Opaque == "" &&
		len(req.TransferEncoding) == 0 && req.Trailer == nil && len(req.Header) <= len(keys)
	for k, vs := range req.Header {
		if !simple {
			break
		}
		switch k {
		case "Host", "User-Agent", "Content-Length", "Transfer-Encoding", "Trailer":
			simple = k == "User-Agent" && len(vs) == 1 && cleanValue(vs[0])
			continue
		}
		for _, v := range vs {
			simple = simple && cleanValue(v)
		}
		keys[n] = k
		n++
	}
	if !simple {
		return req.Write(w)
	}
	slices.Sort(keys[:n])
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(host)
	ua := "Go-http-client/1.1"
	if vs, ok := req.Header["User-Agent"]; ok {
		ua = vs[0]
	}
	if ua != "" {
		w.WriteString("\r\nUser-Agent: ")
		w.WriteString(ua)
	}
	w.WriteString("\r\nContent-Length: ")
	writeInt(w, req.ContentLength)
	w.WriteString("\r\n")
	for _, k := range keys[:n] {
		for _, v := range req.Header[k] {
			w.WriteString(k)
			w.WriteString(": ")
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	w.WriteString("\r\n")
	sent, err := io.CopyN(w, req.Body, req.ContentLength)
	req.Body.Close()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("http: ContentLength=%d with Body length %d", req.ContentLength, sent)
		}
		return err
	}
	return nil
}

// writeInt writes a positive n in decimal (strconv would allocate a
// string, or a buffer that escapes through bufio.Writer.Write).
func writeInt(w *bufio.Writer, n int64) {
	if n >= 10 {
		writeInt(w, n/10)
	}
	w.WriteByte(byte('0' + n%10))
}

// plainHost reports whether a Host header goes out as it is (no
// punycode, no zone to remove).
func plainHost(h string) bool {
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == ':', c == '[', c == ']', c == '_':
		default:
			return false
		}
	}
	return h != ""
}

// cleanValue reports whether a header value goes out as it is:
// Request.Write turns line breaks into spaces and trims the ends.
func cleanValue(v string) bool {
	if strings.ContainsAny(v, "\r\n") {
		return false
	}
	return v == "" || (v[0] != ' ' && v[0] != '\t' && v[len(v)-1] != ' ' && v[len(v)-1] != '\t')
}

// staleConn says whether err is what a kept connection the server has
// closed gives on reuse: the write fails or the response never starts.
func staleConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// ctxErr prefers the context's error when the connection was closed
// because the context ended, as net/http does.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// leanBody hands the connection back when the body was read to its end,
// and closes it otherwise.
type leanBody struct {
	rc   io.ReadCloser
	t    *Transport
	addr string
	c    *leanConn
	stop func() bool
	ctx  context.Context
	keep bool
	eof  bool
	done bool
}

func (b *leanBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if errors.Is(err, io.EOF) {
		b.eof = true
	} else if err != nil {
		err = ctxErr(b.ctx, err)
	}
	return n, err
}

func (b *leanBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	if !b.eof {
		// Closed early: close the connection first, or a body from
		// http.ReadResponse would read the rest of the answer (a whole
		// stream) before its Close returns.
		b.stop()
		b.c.Close()
		b.rc.Close()
		return nil
	}
	err := b.rc.Close()
	// stop reports false when the context already ended and closed the
	// connection.
	if b.stop() && b.keep && b.eof && err == nil && b.c.br.Buffered() == 0 {
		b.t.put(b.addr, b.c)
		return nil
	}
	b.c.Close()
	return nil
}
