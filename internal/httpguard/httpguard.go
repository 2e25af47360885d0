// Package httpguard holds the slow-client guards every janus server uses
// (the gateway and the reference baseline): a request body read within a
// size limit and a deadline, answered 413 or 408 in the OpenAI error
// envelope, and a listener that answers a request whose headers trickle
// past the server's ReadHeaderTimeout with 408 instead of a silent close.
//
// A server uses all of it by serving on Listener(ln) with
// http.Server{ReadHeaderTimeout: …, ConnContext: ConnContext, ConnState:
// ConnState}, wrapping its handler with Handler (or calling Handling at
// the start of each request), and reading bodies with ReadBody.
package httpguard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/janus-bench/janus/internal/chatreq"
	"github.com/janus-bench/janus/internal/wire"
)

// Defaults both servers use.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyReadTimeout   = time.Minute
)

// Reasons ReadBody gives for a refused body, for metrics.
const (
	ReasonTooLarge    = "too_large"
	ReasonBodyTimeout = "body_timeout"
	ReasonBadBody     = "bad_body"
)

// ReadBody reads r's body within max bytes and timeout. A declared
// Content-Length over max is refused before a byte of the body is read;
// after any refusal the response carries Connection: close, so the rest
// of the body is never read either. reason is "" on success, else one of
// the Reason constants; the error is a 413, a 408 or a 400.
//
// On a connection of Listener the deadline is put on the socket only if
// a read of the body has to wait for it there: a body that came with the
// headers, as most do, costs no deadline at all (setting one and clearing
// it again was 2% of the gateway's CPU). Elsewhere it is set and cleared
// around the read.
func ReadBody(w http.ResponseWriter, r *http.Request, max int64, timeout time.Duration) (data []byte, reason string, verr *chatreq.Error) {
	if r.ContentLength > max {
		w.Header().Set("Connection", "close")
		return nil, ReasonTooLarge, chatreq.TooLarge(max)
	}
	var err error
	if gc, ok := r.Context().Value(connKey{}).(*guardedConn); ok {
		gc.armBody(time.Now().Add(timeout))
		data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		gc.disarmBody()
	} else {
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(timeout))
		data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		_ = rc.SetReadDeadline(time.Time{})
	}
	if err == nil {
		return data, "", nil
	}
	w.Header().Set("Connection", "close")
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, ReasonTooLarge, chatreq.TooLarge(mbe.Limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, ReasonBodyTimeout, &chatreq.Error{Status: http.StatusRequestTimeout, Type: "invalid_request_error",
			Message: fmt.Sprintf("the request body did not arrive within %s", timeout)}
	}
	return nil, ReasonBadBody, chatreq.BadRequest("", "could not read the request body: %v", err)
}

// Listener wraps ln's connections so that a client that trickles its
// request headers past ReadHeaderTimeout gets an answer: net/http itself
// closes such a connection without a word, while the contract wants every
// rejection to be a status with an OpenAI error body.
func Listener(ln net.Listener) net.Listener { return guardedListener{ln} }

type guardedListener struct{ net.Listener }

// Accept wraps the next connection.
func (l guardedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardedConn{Conn: c}, nil
}

// Connection phases, as guardedConn tracks them.
const (
	phaseBetween  int32 = iota // no request being handled: bytes read are request headers
	phaseHandling              // a handler runs: bytes read are its body
)

// guardedConn notices a header read that timed out part-way and answers it
// with 408 before net/http closes the connection. A connection that was
// merely idle (no byte of a new request) is closed silently, as before.
type guardedConn struct {
	net.Conn
	phase    atomic.Int32
	partial  atomic.Bool
	answered atomic.Bool

	// While ReadBody reads a body (armed), a read that reaches the socket
	// first puts bodyDeadline on it (applied); disarmBody takes it off
	// again if so. net/http's background read, which starts when the body
	// ends, may also come while armed: the mutex keeps the deadline from
	// outliving disarmBody, which would cancel a long request's context.
	armed        atomic.Bool
	bodyMu       sync.Mutex
	bodyDeadline time.Time
	applied      bool

	afterMu sync.Mutex
	after   func() // AfterResponse's work, run by ConnState
}

// AfterResponse arranges for f to run once the response to the request of
// ctx has been written and flushed, on the connection's own goroutine
// (ConnState, before the next request is read, or as the connection
// closes), and reports whether it could: only a connection of Listener
// served with ConnContext and ConnState can. A handler uses it for work
// that must not delay its response's end yet must not outlive it by
// much, without a goroutine of its own (which on an idle process costs
// waking another thread).
func AfterResponse(ctx context.Context, f func()) bool {
	gc, ok := ctx.Value(connKey{}).(*guardedConn)
	if !ok {
		return false
	}
	gc.afterMu.Lock()
	defer gc.afterMu.Unlock()
	if gc.after != nil {
		return false
	}
	gc.after = f
	return true
}

// armBody makes the next socket read, if any, wait no later than dl.
func (c *guardedConn) armBody(dl time.Time) {
	c.bodyMu.Lock()
	c.bodyDeadline = dl
	c.armed.Store(true)
	c.bodyMu.Unlock()
}

// disarmBody ends armBody, clearing the deadline if a read applied it.
func (c *guardedConn) disarmBody() {
	c.bodyMu.Lock()
	c.armed.Store(false)
	if c.applied {
		c.applied = false
		_ = c.Conn.SetReadDeadline(time.Time{})
	}
	c.bodyMu.Unlock()
}

// applyBody puts the armed body deadline on the socket before a read.
func (c *guardedConn) applyBody() error {
	c.bodyMu.Lock()
	defer c.bodyMu.Unlock()
	if !c.armed.Load() || c.applied {
		return nil
	}
	c.applied = true
	return c.Conn.SetReadDeadline(c.bodyDeadline)
}

// Read implements net.Conn.
func (c *guardedConn) Read(p []byte) (int, error) {
	if c.armed.Load() {
		if err := c.applyBody(); err != nil {
			return 0, err
		}
	}
	n, err := c.Conn.Read(p)
	if n > 0 && c.phase.Load() == phaseBetween {
		c.partial.Store(true)
	}
	if err != nil && c.partial.Load() && c.phase.Load() == phaseBetween &&
		errors.Is(err, os.ErrDeadlineExceeded) && c.answered.CompareAndSwap(false, true) {
		_ = c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Conn.Write(headerTimeoutResponse)
	}
	return n, err
}

// CloseWrite lets net/http half-close a connection before closing it after
// an error answer (413 with the body unread), so that the client reads the
// answer instead of a TCP reset; without it the wrapper would hide the
// TCP connection's own CloseWrite.
func (c *guardedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// headerTimeoutResponse is the complete 408 answer to a slow header.
var headerTimeoutResponse = func() []byte {
	b, _ := json.Marshal(wire.NewError("invalid_request_error", "the request headers did not arrive in time", ""))
	b = append(b, '\n')
	return []byte("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(b)) + "\r\n\r\n" + string(b))
}()

type connKey struct{}

// ConnContext is an http.Server ConnContext: it remembers the connection
// of each request, for Handling.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// ConnState is an http.Server ConnState: it returns a connection to the
// header phase once its response is done, and runs AfterResponse's work.
func ConnState(c net.Conn, st http.ConnState) {
	gc, ok := c.(*guardedConn)
	if !ok {
		return
	}
	switch st {
	case http.StateIdle:
		gc.partial.Store(false)
		gc.phase.Store(phaseBetween)
	case http.StateClosed, http.StateHijacked:
	default:
		return
	}
	gc.afterMu.Lock()
	f := gc.after
	gc.after = nil
	gc.afterMu.Unlock()
	if f != nil {
		f()
	}
}

// Handling marks the request's connection as past its headers: bytes read
// from now on are its body, whose slowness ReadBody answers.
func Handling(ctx context.Context) {
	if gc, ok := ctx.Value(connKey{}).(*guardedConn); ok {
		gc.phase.Store(phaseHandling)
		gc.partial.Store(false)
	}
}

// Handler calls Handling before next.
func Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Handling(r.Context())
		next.ServeHTTP(w, r)
	})
}
