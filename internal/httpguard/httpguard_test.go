package httpguard

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingConn counts the read deadlines set on it at least far ahead of
// now: with a body timeout far longer than every other timeout of the
// server, those are ReadBody's.
type countingConn struct {
	net.Conn
	far   time.Duration
	count *atomic.Int64
}

func (c countingConn) SetReadDeadline(t time.Time) error {
	if time.Until(t) > c.far {
		c.count.Add(1)
	}
	return c.Conn.SetReadDeadline(t)
}

type countingListener struct {
	net.Listener
	far   time.Duration
	count *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return countingConn{c, l.far, l.count}, nil
}

// serve starts a server set up as the package doc says, whose handler
// reads the body with ReadBody and timeout, then runs after (if any) and
// answers the body's length. It returns the address and the count of
// body deadlines set.
func serve(t *testing.T, timeout time.Duration, after func(r *http.Request) string) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	count := new(atomic.Int64)
	hs := &http.Server{
		ReadHeaderTimeout: time.Second, ConnContext: ConnContext, ConnState: ConnState,
		Handler: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			data, _, verr := ReadBody(w, r, 1<<20, timeout)
			if verr != nil {
				w.WriteHeader(verr.Status)
				fmt.Fprint(w, verr.Message)
				return
			}
			extra := ""
			if after != nil {
				extra = after(r)
			}
			fmt.Fprintf(w, "%d%s", len(data), extra)
		})),
	}
	go func() { _ = hs.Serve(Listener(countingListener{ln, timeout / 2, count})) }()
	t.Cleanup(func() { _ = hs.Close() })
	return ln.Addr().String(), count
}

// head is a POST's head declaring a body of n bytes.
func head(n int) string {
	return "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(n) + "\r\n\r\n"
}

// answer reads one response from br: its status and body.
func answer(t *testing.T, br *bufio.Reader) (int, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestReadBodyDeadlineOnlyWhenWaiting: a body that arrives with its
// headers is read without a deadline on most requests (net/http's
// background read can race ReadBody to the socket and take one), and a
// body that has to be waited for gets one.
func TestReadBodyDeadlineOnlyWhenWaiting(t *testing.T) {
	addr, count := serve(t, time.Hour, nil)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	const n = 20
	body := strings.Repeat("b", 300)
	for range n {
		if _, err := io.WriteString(c, head(len(body))+body); err != nil {
			t.Fatal(err)
		}
		if st, got := answer(t, br); st != http.StatusOK || got != "300" {
			t.Fatalf("got %d %q", st, got)
		}
	}
	if got := count.Load(); got >= n {
		t.Fatalf("%d body deadlines for %d bodies that came with their headers", got, n)
	}
	before := count.Load()
	if _, err := io.WriteString(c, head(len(body))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the server wait in the body read
	if _, err := io.WriteString(c, body); err != nil {
		t.Fatal(err)
	}
	if st, got := answer(t, br); st != http.StatusOK || got != "300" {
		t.Fatalf("got %d %q", st, got)
	}
	if count.Load() == before {
		t.Fatal("a body the server waited for was read without a deadline")
	}
}

// TestReadBodySlowLoris: a body that stalls, or trickles a byte at a time
// (which a deadline per read would never cut off), is answered 408 once
// the body timeout has passed since ReadBody began.
func TestReadBodySlowLoris(t *testing.T) {
	const timeout = 300 * time.Millisecond
	for _, trickle := range []bool{false, true} {
		t.Run(fmt.Sprintf("trickle=%v", trickle), func(t *testing.T) {
			addr, _ := serve(t, timeout, nil)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := io.WriteString(c, head(10_000)+"{"); err != nil {
				t.Fatal(err)
			}
			stop := make(chan struct{})
			defer close(stop)
			if trickle {
				go func() {
					tick := time.NewTicker(20 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-stop:
							return
						case <-tick.C:
							if _, err := io.WriteString(c, "a"); err != nil {
								return
							}
						}
					}
				}()
			}
			st, got := answer(t, bufio.NewReader(c))
			if st != http.StatusRequestTimeout || !strings.Contains(got, "did not arrive within "+timeout.String()) {
				t.Fatalf("got %d %q", st, got)
			}
		})
	}
}

// TestReadBodyLongHandler: once the body is read, its deadline is gone
// whether or not it was put on the socket: a handler that runs past it
// keeps its context (net/http's background read would otherwise fail at
// the deadline and cancel it) and answers on the same connection.
func TestReadBodyLongHandler(t *testing.T) {
	const timeout = 100 * time.Millisecond
	addr, _ := serve(t, timeout, func(r *http.Request) string {
		// A real socket deadline is what is tested, over loopback TCP,
		// which a synctest bubble cannot host: the handler really runs past it.
		time.Sleep(4 * timeout)
		if err := r.Context().Err(); err != nil {
			return " " + err.Error()
		}
		return " alive"
	})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for _, split := range []bool{false, true, false} {
		msg := head(2)
		if !split {
			msg += "hi"
		}
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatal(err)
		}
		if split {
			// The rest of the body must arrive in a later socket read (real
			// TCP, which synctest cannot host), so that the deadline is applied.
			time.Sleep(timeout / 4)
			if _, err := io.WriteString(c, "hi"); err != nil {
				t.Fatal(err)
			}
		}
		if st, got := answer(t, br); st != http.StatusOK || got != "2 alive" {
			t.Fatalf("split=%v: got %d %q", split, st, got)
		}
	}
}

// TestAfterResponse: AfterResponse's work runs once the client has the
// whole response (the work here waits for the client to say so, which
// would deadlock if it ran before the response's end), before the next
// request on the connection is answered, and also when the connection
// closes after the response; without a guarded connection it refuses.
func TestAfterResponse(t *testing.T) {
	if AfterResponse(context.Background(), func() {}) {
		t.Fatal("AfterResponse accepted a context without a connection")
	}
	clientHas := make(chan struct{}, 1)
	var ran atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{ConnContext: ConnContext, ConnState: ConnState,
		Handler: Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "ran %d", ran.Load())
			if !AfterResponse(r.Context(), func() {
				select {
				case <-clientHas:
					ran.Add(1)
				case <-time.After(5 * time.Second):
				}
			}) {
				t.Error("AfterResponse refused a guarded connection")
			}
		}))}
	go func() { _ = hs.Serve(Listener(ln)) }()
	t.Cleanup(func() { _ = hs.Close() })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i, req := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"} {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		if st, got := answer(t, br); st != http.StatusOK || got != fmt.Sprintf("ran %d", i) {
			t.Fatalf("request %d: %d %q", i, st, got)
		}
		clientHas <- struct{}{}
	}
	for deadline := time.Now().Add(5 * time.Second); ran.Load() < 2 && time.Now().Before(deadline); {
		// The work runs on net/http's connection goroutine after the last
		// response, over real TCP that synctest cannot host: poll for it.
		time.Sleep(time.Millisecond)
	}
	if n := ran.Load(); n != 2 {
		t.Fatalf("the work ran %d times after its response, want 2", n)
	}
}
