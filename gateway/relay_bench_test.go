package gateway

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// memUpstream answers every chat request at once from memory: the instant
// upstream of issue 17 item 5 without sockets, so a benchmark's
// allocations and CPU are the gateway's own (its handler, its logging and
// the net/http client code it drives), not a loopback server's.
type memUpstream struct {
	body        []byte
	contentType string
}

func (m memUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	h := http.Header{"Content-Type": {m.contentType}}
	// Hidden behind a plain Reader as a real response body is (no WriteTo).
	body := io.NopCloser(struct{ io.Reader }{bytes.NewReader(m.body)})
	return &http.Response{StatusCode: http.StatusOK, Header: h, Body: body,
		ContentLength: int64(len(m.body)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

// sinkWriter is a ResponseWriter that keeps nothing but its header map,
// which is cleared and reused between requests as net/http's own is not:
// the benchmark then counts the gateway's allocations, not a recorder's.
type sinkWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *sinkWriter) Header() http.Header         { return w.h }
func (w *sinkWriter) WriteHeader(code int)        { w.status = code }
func (w *sinkWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }
func (w *sinkWriter) FlushError() error           { return nil }

// SetReadDeadline and SetWriteDeadline succeed as net/http's own writer's
// do; without them each ResponseController call would count an error.
func (w *sinkWriter) SetReadDeadline(time.Time) error  { return nil }
func (w *sinkWriter) SetWriteDeadline(time.Time) error { return nil }

// benchStreamBody is an instant upstream's answer to a streamed request:
// a role chunk, n content chunks, a finish chunk, a usage chunk and [DONE],
// shaped like OpenAI's (usage:null on every chunk, as include_usage sends).
func benchStreamBody(n int) []byte {
	var b strings.Builder
	head := `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","service_tier":"default","system_fingerprint":"fp","choices":[{"index":0,"delta":`
	b.WriteString(head + `{"role":"assistant","content":""},"finish_reason":null}],"usage":null}` + "\n\n")
	for i := range n {
		b.WriteString(head + `{"content":"tok` + strconv.Itoa(i) + `"},"finish_reason":null}],"usage":null}` + "\n\n")
	}
	b.WriteString(head + `{},"finish_reason":"stop"}],"usage":null}` + "\n\n")
	b.WriteString(`data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":` + strconv.Itoa(n) + `,"total_tokens":` + strconv.Itoa(n+9) + `}}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String())
}

const benchCompletion = `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Paris"},"finish_reason":"stop"}],"usage":{"prompt_tokens":14,"completion_tokens":1,"total_tokens":15}}`

// relayServer is a gateway whose one competitor is up in memory, logging
// through h (nil: discarded).
func relayServer(b testing.TB, up memUpstream, h slog.Handler) *Server {
	b.Helper()
	opts := Options{Competitors: []string{"sim=http://127.0.0.1:1,default"}}
	if h != nil {
		opts.Logger = slog.New(h)
	}
	s, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	for _, c := range s.reg.load().byID {
		c.rt = up
	}
	return s
}

// BenchmarkGatewayRelay is one request through the gateway's handler
// (middleware, validation, routing, the upstream call through net/http's
// client, the relay and the request's log line) against an in-memory
// upstream that answers at once. allocs/op and B/op are what a relayed
// request costs the gateway; ns/op its CPU on one core. The log cases
// write the info-level access line to io.Discard through slog's text
// handler, so they count formatting, not the terminal.
func BenchmarkGatewayRelay(b *testing.B) {
	cases := []struct {
		name   string
		stream bool
		log    bool
	}{
		{"completion", false, false},
		{"completion/log=info", false, true},
		{"stream48", true, false},
		{"stream48/log=info", true, true},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			up := memUpstream{body: []byte(benchCompletion), contentType: "application/json"}
			body := `{"model":"m","messages":[{"role":"user","content":"What is the capital of France?"}],"max_tokens":16}`
			if tc.stream {
				up = memUpstream{body: benchStreamBody(48), contentType: "text/event-stream"}
				body = `{"model":"m","messages":[{"role":"user","content":"What is the capital of France?"}],"stream":true,"stream_options":{"include_usage":true}}`
			}
			var h slog.Handler
			if tc.log {
				h = slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo})
			}
			s := relayServer(b, up, h)
			w := &sinkWriter{h: http.Header{}}
			req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/v1/chat/completions", nil)
			req.RemoteAddr = "127.0.0.1:40000"
			rd := strings.NewReader(body)
			b.ReportAllocs()
			for b.Loop() {
				rd.Reset(body)
				req.Body = io.NopCloser(rd)
				req.ContentLength = int64(len(body))
				clear(w.h)
				w.status, w.n = 0, 0
				s.Handler().ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
			}
		})
	}
}
