package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestIDShape: a fresh request id is 26 characters of the lower-case
// base32 alphabet, as strings.ToLower(crypto/rand.Text()) was, and two ids
// differ.
func TestRequestIDShape(t *testing.T) {
	a, b := requestID(""), requestID("")
	for _, id := range []string{a, b} {
		if len(id) != 26 || strings.Trim(id, lowerBase32) != "" {
			t.Errorf("request id %q: want 26 characters of %q", id, lowerBase32)
		}
	}
	if a == b {
		t.Errorf("two fresh ids are both %q", a)
	}
}

// TestStreamRelayAllocsPerEvent: relaying an OpenAI-shaped include_usage
// stream (usage:null on every chunk) costs a few allocations per stream,
// not per event. Before the in-place member scan each event cost ~35.
func TestStreamRelayAllocsPerEvent(t *testing.T) {
	const events = 48
	up := benchStreamBody(events)
	s := relayServer(t, memUpstream{body: up, contentType: "text/event-stream"}, nil)
	body := `{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}`
	w := &sinkWriter{h: http.Header{}}
	req := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/v1/chat/completions", nil)
	rd := strings.NewReader(body)
	n := testing.AllocsPerRun(20, func() {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		clear(w.h)
		w.status, w.n = 0, 0
		s.Handler().ServeHTTP(w, req)
		if w.status != http.StatusOK || w.n < len(up) {
			t.Fatalf("status %d, %d bytes relayed", w.status, w.n)
		}
	})
	// The bound leaves room for the request's own ~90 allocations and for
	// -race, under which sync.Pool drops some of what it is given.
	if perEvent := n / events; perEvent > 4 {
		t.Errorf("%.0f allocations for a %d-event stream (%.1f per event), want at most 4 per event", n, events, perEvent)
	}
}
