package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/h1"
	"github.com/janus-bench/janus/internal/httpguard"
)

// TestStreamEndReusesUpstream: however a competitor ends its stream after
// [DONE] (in the same write as its chunked terminator, in a write of its
// own, or only once the client has its whole answer), the client gets the
// stream to its end and the competitor's connection goes back to the
// gateway's pool: consecutive streams use one upstream connection. The
// last case would deadlock, and the connection would be dropped after
// drainWait, if the gateway read the competitor's rest before ending the
// client's response.
func TestStreamEndReusesUpstream(t *testing.T) {
	for _, tc := range []struct {
		name   string
		flush  bool // [DONE] is flushed before the handler returns
		holdOn bool // the handler returns only once the client has read all
	}{
		{"done with the terminator", false, false},
		{"done then the terminator", true, false},
		{"terminator after the client's end", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opened, closed atomic.Int64
			clientDone := make(chan struct{}, 1)
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"object":"list","data":[]}`)) })
			mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				send(w, chunk("hi"))
				_, _ = w.Write([]byte("data: [DONE]\n\n"))
				if tc.flush {
					_ = http.NewResponseController(w).Flush()
				}
				if tc.holdOn {
					select {
					case <-clientDone:
					case <-time.After(5 * time.Second):
					}
				}
			})
			up := httptest.NewUnstartedServer(mux)
			up.Config.ConnState = func(_ net.Conn, st http.ConnState) {
				switch st {
				case http.StateNew:
					opened.Add(1)
				case http.StateClosed, http.StateHijacked:
					closed.Add(1)
				}
			}
			up.Start()
			t.Cleanup(up.Close)
			gw := startGateway(t, Options{Competitors: []string{"u=" + up.URL + ",default"}})
			tr, ok := gw.Server.reg.load().byID["u"].transport.(*h1.Transport)
			if !ok {
				t.Fatalf("competitor transport %T, want *h1.Transport", gw.Server.reg.load().byID["u"].transport)
			}
			const streams = 3
			for i := range streams {
				resp := post(t, context.Background(), gw.URL, chatBody("m", true, ""), nil)
				got := readAll(t, resp)
				clientDone <- struct{}{}
				if !bytes.Contains(got, []byte(`"hi"`)) || !bytes.HasSuffix(got, []byte("data: [DONE]\n\n")) {
					t.Fatalf("stream %d: %q", i, got)
				}
				// The rest is drained after the client's answer: wait
				// until every upstream connection is back in the pool,
				// which a dropped one never is.
				if !allIdle(tr, &opened, &closed) {
					t.Fatalf("stream %d: %d upstream connections opened, %d closed, %d idle in the pool",
						i, opened.Load(), closed.Load(), tr.Idle())
				}
				if !tc.holdOn {
					<-clientDone
				}
			}
			if n := closed.Load(); n != 0 {
				t.Fatalf("%d of %d upstream connections closed over %d streams, want none", n, opened.Load(), streams)
			}
		})
	}
}

// allIdle waits until every upstream connection opened and not closed is
// idle in tr's pool, and reports whether that happened within 5 s.
func allIdle(tr *h1.Transport, opened, closed *atomic.Int64) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if int64(tr.Idle()) == opened.Load()-closed.Load() {
			return true
		}
	}
	return false
}

// writeLog records the writes to a connection.
type writeLog struct {
	net.Conn
	mu     *sync.Mutex
	writes *[][]byte
}

func (c writeLog) Write(p []byte) (int, error) {
	c.mu.Lock()
	*c.writes = append(*c.writes, bytes.Clone(p))
	c.mu.Unlock()
	return c.Conn.Write(p)
}

type writeLogListener struct {
	net.Listener
	mu     *sync.Mutex
	writes *[][]byte
}

func (l writeLogListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return writeLog{c, l.mu, l.writes}, nil
}

// TestStreamEndOneWrite: [DONE] leaves in the same write as the chunked
// terminator that ends the client's response (or, for a stream read whole
// before anything was flushed, in the one write of the whole answer),
// whether or not the competitor's own terminator came with its [DONE].
func TestStreamEndOneWrite(t *testing.T) {
	for _, flush := range []bool{false, true} {
		t.Run(fmt.Sprintf("upstream flushes [DONE]=%v", flush), func(t *testing.T) {
			up := newUpstream(t, nil, func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				send(w, chunk("hi"))
				// Most often the gateway has relayed "hi" (and so begun
				// its chunked answer) by now; if not, its whole answer
				// goes in one write with a Content-Length.
				time.Sleep(20 * time.Millisecond)
				_, _ = w.Write([]byte("data: [DONE]\n\n"))
				if flush {
					_ = http.NewResponseController(w).Flush()
				}
			})
			s, err := New(Options{Competitors: []string{"u=" + up.URL + ",default"}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var writes [][]byte
			// Served as Start serves it, with httpguard's hooks.
			hs := &http.Server{Handler: s.Handler(), ConnContext: httpguard.ConnContext, ConnState: httpguard.ConnState}
			go func() { _ = hs.Serve(httpguard.Listener(writeLogListener{ln, &mu, &writes})) }()
			t.Cleanup(func() { _ = hs.Close() })
			resp := post(t, context.Background(), "http://"+ln.Addr().String()+"/v1", chatBody("m", true, ""), nil)
			if got := readAll(t, resp); !bytes.HasSuffix(got, []byte("data: [DONE]\n\n")) {
				t.Fatalf("stream %q", got)
			}
			mu.Lock()
			defer mu.Unlock()
			last := writes[len(writes)-1]
			whole := bytes.HasPrefix(last, []byte("HTTP/1.1 200")) && bytes.Contains(last, []byte("Content-Length:"))
			if !bytes.HasSuffix(last, []byte("data: [DONE]\n\n\r\n0\r\n\r\n")) && (!whole || !bytes.HasSuffix(last, []byte("data: [DONE]\n\n"))) {
				t.Fatalf("the last of %d writes to the client is %q, want [DONE] and the chunked terminator", len(writes), last)
			}
		})
	}
}
