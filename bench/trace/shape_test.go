package trace

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// usageChunk renders a usage chunk: on a finish chunk when merged, with
// the given created and model.
func usageChunk(merged bool, created int, model string) string {
	choices := "[]"
	if merged {
		choices = `[{"index":0,"delta":{},"finish_reason":"stop"}]`
	}
	return fmt.Sprintf(`data: {"id":"c","object":"chat.completion.chunk","created":%d,"model":%q,"choices":%s,`+
		`"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`+"\n\n", created, model, choices)
}

// TestShapeNotes runs one stream per shape note through the client, as
// bench run and probe do: each departure from OpenAI's shape is named in
// the trace, once, and none is a violation (real providers make them by
// design; conform holds competitors to the strict shape). The cases run in
// a synctest bubble, so "held" is exact on the fake clock.
func TestShapeNotes(t *testing.T) {
	cases := []struct {
		name      string
		wantUsage bool
		handler   func(w http.ResponseWriter)
		want      []string
	}{
		{"openai shape", true, func(w http.ResponseWriter) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.raw(usageChunk(false, 1, "m"))
			f.done()
		}, nil},
		{"usage merged into the finish chunk", true, func(w http.ResponseWriter) {
			sseHeaders(w)
			f := frames{w}
			f.role()
			f.content("Hello")
			f.content(" world")
			f.raw(usageChunk(true, 1, "m"))
			f.done()
		}, []string{ShapeUsageMerged}},
		{"usage chunk created 0", true, func(w http.ResponseWriter) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.raw(usageChunk(false, 0, "m"))
			f.done()
		}, []string{ShapeUsageCreatedZero}},
		{"usage chunk model empty", true, func(w http.ResponseWriter) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.raw(usageChunk(false, 1, ""))
			f.done()
		}, []string{ShapeUsageModelEmpty}},
		{"usage without include_usage", false, func(w http.ResponseWriter) {
			sseHeaders(w)
			f := frames{w}
			hello(f)
			f.raw(usageChunk(false, 1, "m"))
			f.done()
		}, []string{ShapeUsageUnrequested}},
		{"usage chunk rewritten by a gateway", true, func(w http.ResponseWriter) {
			sseHeaders(w)
			f := frames{w}
			f.role()
			f.content("Hello world")
			f.raw(usageChunk(true, 0, ""))
			f.done()
		}, []string{ShapeUsageMerged, ShapeUsageCreatedZero, ShapeUsageModelEmpty}},
		{"headers held until the first event", true, func(w http.ResponseWriter) {
			// On the fake clock: a proxy holding the head back, then
			// sending it with the first event in one write.
			time.Sleep(300 * time.Millisecond)
			w.Header().Set("Content-Type", "text/event-stream")
			f := frames{w}
			f.role()
			f.content("Hello world")
			f.raw(usageChunk(false, 1, "m"))
			f.done()
		}, []string{ShapeHeadersHeld}},
		{"headers early, first event late", true, func(w http.ResponseWriter) {
			sseHeaders(w)
			// On the fake clock: a slow model behind an honest server.
			time.Sleep(300 * time.Millisecond)
			f := frames{w}
			hello(f)
			f.raw(usageChunk(false, 1, "m"))
			f.done()
		}, nil},
		{"usage notes come once per stream", true, func(w http.ResponseWriter) {
			sseHeaders(w)
			f := frames{w}
			f.role()
			f.content("Hello world")
			f.raw(usageChunk(true, 0, "m"))
			f.raw(usageChunk(true, 0, "m"))
			f.done()
		}, []string{ShapeUsageMerged, ShapeUsageCreatedZero}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { tc.handler(w) })
				c := &Client{BaseURL: "http://target.test/v1", Timeout: 10 * time.Second, DoneGrace: 50 * time.Millisecond,
					HTTP: &http.Client{Transport: handlerTransport{h}}}
				tr := c.Do(context.Background(), shapeRequest(tc.wantUsage), nil)
				if !slices.Equal(tr.Shape, tc.want) {
					t.Errorf("shape notes %v, want %v", tr.Shape, tc.want)
				}
				if vs := Violations(tr, ComputeMetrics(tr), DefaultBudgets()); len(vs) > 0 || tr.Err != nil {
					t.Errorf("violations %v, err %v: a shape note is not a violation", vs, tr.Err)
				}
			})
		})
	}
}

func shapeRequest(wantUsage bool) wire.ChatRequest {
	req := wire.ChatRequest{Model: "m", Stream: true, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
	if wantUsage {
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return req
}

// TestResetIsOneFailure resets a real loopback connection (RST, not a
// clean close) at each point of a stream: whatever the stream had not sent
// yet ([DONE], usage, content) follows from the reset and is not reported
// again, so each case has the one violation stream_aborted. The server
// resets only once the client has read everything sent (a reset discards
// what the client's socket had not read yet, which would move the point).
func TestResetIsOneFailure(t *testing.T) {
	cases := []struct {
		name string
		sent func(f frames)
	}{
		{"after the headers", func(frames) {}},
		{"after the role chunk", func(f frames) { f.role() }},
		{"between content events", func(f frames) { f.role(); f.content("Hello") }},
		{"inside an event", func(f frames) { f.role(); f.content("Hello"); f.raw(`data: {"id":"c","obj`) }},
		{"before the usage chunk", func(f frames) { hello(f) }},
		{"before done", func(f frames) { hello(f); f.usage(2) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gate := &readGate{read: make(chan struct{}, 1)}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				sseHeaders(w)
				http.NewResponseController(w).Flush()
				cw := &countingWriter{ResponseWriter: w}
				tc.sent(frames{cw})
				gate.wait(r.Context(), cw.n)
				resetConn(w)
			}))
			defer srv.Close()
			c := &Client{BaseURL: srv.URL + "/v1", Timeout: time.Minute, DoneGrace: 50 * time.Millisecond}
			tr := c.Do(context.Background(), shapeRequest(true), gate)
			var got []string
			for _, v := range Violations(tr, ComputeMetrics(tr), DefaultBudgets()) {
				got = append(got, v.Code)
			}
			if strings.Join(got, ",") != VStreamAborted {
				t.Fatalf("violations %v, want only %s (err %v)", got, VStreamAborted, tr.Err)
			}
		})
	}
}

// countingWriter counts the body bytes a handler wrote.
type countingWriter struct {
	http.ResponseWriter
	n int
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.n += n
	return n, err
}

func (c *countingWriter) Flush() { http.NewResponseController(c.ResponseWriter).Flush() }

// readGate is a Recorder that tells the server how much of the response
// the client has read.
type readGate struct {
	mu      sync.Mutex
	headers bool
	n       int
	read    chan struct{} // a nudge after each read (capacity 1)
}

func (g *readGate) RecordHeaders(int, http.Header, time.Duration) { g.add(true, 0) }
func (g *readGate) RecordRead(b []byte, _ time.Duration)          { g.add(false, len(b)) }

func (g *readGate) add(headers bool, n int) {
	g.mu.Lock()
	g.headers = g.headers || headers
	g.n += n
	g.mu.Unlock()
	select {
	case g.read <- struct{}{}:
	default:
	}
}

// wait returns once the client has read the headers and n body bytes.
func (g *readGate) wait(ctx context.Context, n int) {
	for {
		g.mu.Lock()
		done := g.headers && g.n >= n
		g.mu.Unlock()
		if done {
			return
		}
		select {
		case <-g.read:
		case <-ctx.Done():
			return
		}
	}
}

// resetConn ends the response's connection with a TCP reset: linger 0
// makes Close send RST instead of FIN.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
