package loadapp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/internal/app"
)

// TestLoadNeverFollowsRedirectOffTarget: a target whose chat endpoint
// 307s to another origin (a canary on another loopback port that would
// answer well) gets every request counted as a redirect violation through
// the lean transport, and the canary sees no request.
func TestLoadNeverFollowsRedirectOffTarget(t *testing.T) {
	var canaryHits atomic.Int64
	canary := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		canaryHits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}`)
	}))
	defer canary.Close()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/models" {
			io.WriteString(w, `{"data":[{"id":"m"}]}`)
			return
		}
		io.Copy(io.Discard, r.Body)
		http.Redirect(w, r, canary.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer target.Close()
	rep, err := simMount.Run(context.Background(), app.LoadOptions{Options: load.Options{Target: target.URL + "/v1", Model: "m", Profile: "closed:c=2",
		Duration: 300 * time.Millisecond, MaxRequests: 20, PromptTokens: 10, OutputTokens: 5, NoStream: true,
		FollowRedirects: true}, Out: filepath.Join(t.TempDir(), "r.json")})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	s := rep.Steps[0]
	if s.Requests == 0 || s.Errors != s.Requests || s.ViolationsBy["redirect"] != s.Requests {
		t.Fatalf("%d requests, %d errors, violations %v; want every request a redirect violation", s.Requests, s.Errors, s.ViolationsBy)
	}
	if n := canaryHits.Load(); n != 0 {
		t.Fatalf("the other origin got %d request(s)", n)
	}
}
