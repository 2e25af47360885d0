package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
)

// startGateway runs a gateway on loopback for the test.
func startGateway(t testing.TB, opts Options) *Running {
	t.Helper()
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	rn, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("start gateway: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rn.Stop(ctx); err != nil {
			t.Errorf("stop gateway: %v", err)
		}
	})
	return rn
}

// startBaseline runs the reference competitor, unpaced unless cfg says
// otherwise.
func startBaseline(t testing.TB, cfg baseline.Config) string {
	t.Helper()
	if cfg.Pace == (baseline.Pace{}) {
		cfg.Pace = baseline.Unpaced()
	}
	url, stop, err := baseline.Start(context.Background(), "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("start baseline: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = stop(ctx)
	})
	return strings.TrimSuffix(url, "/v1")
}

// upstream is a scripted competitor that records what it received.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

// seen is one request an upstream received.
type seen struct {
	header http.Header
	body   []byte
}

// newUpstream serves h at /v1/chat/completions, answers /health and
// /v1/models, and records every chat request.
func newUpstream(t testing.TB, models []string, h http.HandlerFunc) *upstream {
	t.Helper()
	u := &upstream{}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, seen{header: r.Header.Clone(), body: b})
		u.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		h(w, r)
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, `{"status":"ok"}`) })
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		ml := wire.ModelList{Object: "list", Data: []wire.Model{}}
		for _, m := range models {
			ml.Data = append(ml.Data, wire.Model{ID: m, Object: "model", Created: 7, OwnedBy: "upstream"})
		}
		_ = json.NewEncoder(w).Encode(ml)
	})
	u.Server = httptest.NewServer(mux)
	t.Cleanup(u.Close)
	return u
}

// received returns a copy of the requests seen so far.
func (u *upstream) received() []seen {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seen(nil), u.reqs...)
}

// sseHeaders starts an event stream response.
func sseHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	http.NewResponseController(w).Flush()
}

// send writes raw bytes and flushes them.
func send(w http.ResponseWriter, s string) {
	_, _ = io.WriteString(w, s)
	_ = http.NewResponseController(w).Flush()
}

// chunk renders a content chunk event.
func chunk(content string) string {
	b, _ := json.Marshal(wire.ContentChunk("chatcmpl-x", "m", 1, wire.Delta{Content: content}))
	return "data: " + string(b) + "\n\n"
}

// chatBody is a minimal request body.
func chatBody(model string, stream bool, extra string) string {
	s := `{"model":` + strconvQuote(model) + `,"messages":[{"role":"user","content":"hello there"}],"stream":` +
		map[bool]string{true: "true", false: "false"}[stream]
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// post sends a chat completion request to a gateway.
func post(t testing.TB, ctx context.Context, base, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	return resp
}

// readAll reads and closes a response body.
func readAll(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return b
}

// errorEnvelope checks status and decodes an OpenAI error body.
func errorEnvelope(t testing.TB, resp *http.Response, status int) wire.ErrorEnvelope {
	t.Helper()
	b := readAll(t, resp)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, b)
	}
	var env wire.ErrorEnvelope
	if err := json.Unmarshal(b, &env); err != nil || env.Error.Message == "" || env.Error.Type == "" {
		t.Fatalf("not an OpenAI error envelope: %s (%v)", b, err)
	}
	return env
}

// traceClient is the harness client pointed at a gateway.
func traceClient(base string) *trace.Client {
	return &trace.Client{BaseURL: base, Timeout: time.Minute, TTFTTimeout: time.Minute}
}

// testLogger discards logs unless the test runs verbose with -args -log.
func testLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
