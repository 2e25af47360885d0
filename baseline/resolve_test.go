package baseline_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

// modelUpstream is a fake OpenAI server that lists models (after failing
// notReady times) and records the model of every chat request.
type modelUpstream struct {
	*httptest.Server
	notReady int32
	lists    atomic.Int32
	mu       sync.Mutex
	models   []string
}

func newModelUpstream(t *testing.T, notReady int32, ids ...string) *modelUpstream {
	u := &modelUpstream{notReady: notReady}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/models", func(w http.ResponseWriter, r *http.Request) {
		if u.lists.Add(1) <= u.notReady {
			http.Error(w, `{"error":{"message":"loading","type":"server_error"}}`, http.StatusServiceUnavailable)
			return
		}
		ml := wire.ModelList{Object: "list"}
		for _, id := range ids {
			ml.Data = append(ml.Data, wire.Model{ID: id, Object: "model"})
		}
		_ = json.NewEncoder(w).Encode(ml)
	})
	mux.HandleFunc("/v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &req)
		u.mu.Lock()
		u.models = append(u.models, req.Model)
		u.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, `data: {"id":"u","object":"chat.completion.chunk","created":1,"model":"x","choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}`+"\n\n")
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	})
	u.Server = httptest.NewServer(mux)
	t.Cleanup(u.Close)
	return u
}

func (u *modelUpstream) last() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.models) == 0 {
		return ""
	}
	return u.models[len(u.models)-1]
}

// TestOpenAIModelResolution checks the order the openai provider resolves
// the upstream model in: a listed request model, a model.json id, the
// routing pin, then the default.
func TestOpenAIModelResolution(t *testing.T) {
	up := newModelUpstream(t, 0, "big", "small")
	dir := t.TempDir()
	writeData(t, dir, map[string]string{"models/jan-local/model.json": `{"id":"jan-local"}`})
	cfg := fast()
	cfg.ProviderName = baseline.ProviderOpenAI
	cfg.Upstream = baseline.UpstreamConfig{URL: up.URL + "/v1", Models: baseline.Models{Default: "small"}}
	cfg.DataDir = dir
	ts := serve(t, cfg)
	cases := []struct {
		name, model string
		meta        map[string]any
		want        string
	}{
		{"listed upstream model", "big", nil, "big"},
		{"model.json id", "jan-local", nil, "jan-local"},
		{"routing pin", testModel, map[string]any{"routing_decision": map[string]any{"path": "fast", "model": "pinned"}}, "pinned"},
		{"listed model beats the pin", "big", map[string]any{"routing_decision": map[string]any{"path": "fast", "model": "pinned"}}, "big"},
		{"default", testModel, nil, "small"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := wire.ChatRequest{Model: tc.model, Stream: true, Metadata: tc.meta,
				Messages: []openai.ChatCompletionMessage{user("hello")}}
			resp := post(t, context.Background(), ts.URL, req, nil)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "data: [DONE]") {
				t.Fatalf("status %d: %s", resp.StatusCode, b)
			}
			if got := up.last(); got != tc.want {
				t.Errorf("upstream got model %q, want %q", got, tc.want)
			}
			if got := resp.Header.Get(baseline.HeaderRouteModel); got != tc.want {
				t.Errorf("%s = %q, want %q", baseline.HeaderRouteModel, got, tc.want)
			}
		})
	}
}

// TestOpenAIWaitsForUpstream checks that a provider without a default
// model waits (with backoff) for an upstream that is still loading, and
// gives up with a clear error when the wait is spent.
func TestOpenAIWaitsForUpstream(t *testing.T) {
	up := newModelUpstream(t, 3, "late-model")
	cfg := fast()
	cfg.ProviderName = baseline.ProviderOpenAI
	cfg.Upstream = baseline.UpstreamConfig{URL: up.URL + "/v1", WaitBase: 1}
	ts := serve(t, cfg)
	if n := up.lists.Load(); n != 4 {
		t.Errorf("%d model list requests, want 4 (3 refused, then the list)", n)
	}
	resp := post(t, context.Background(), ts.URL, wire.ChatRequest{Model: testModel, Stream: true,
		Messages: []openai.ChatCompletionMessage{user("hello")}}, nil)
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := up.last(); got != "late-model" {
		t.Errorf("upstream got model %q, want the first listed, late-model", got)
	}

	never := newModelUpstream(t, 1<<30, "x")
	cfg.Upstream = baseline.UpstreamConfig{URL: never.URL + "/v1", WaitBase: 1, WaitTimeout: 20 * 1e6}
	_, err := baseline.New(cfg)
	if err == nil || !strings.Contains(err.Error(), "not ready after") || !strings.Contains(err.Error(), baseline.EnvUpstreamModel) {
		t.Fatalf("New against an upstream that never comes up: %v", err)
	}
}

// TestUnknownModelCode checks that a 404 for an unknown model carries
// code model_not_found, as OpenAI's does.
func TestUnknownModelCode(t *testing.T) {
	cfg := fast()
	cfg.Models = []string{"alpha"}
	ts := serve(t, cfg)
	resp := post(t, context.Background(), ts.URL, wire.ChatRequest{Model: "nope", Stream: true,
		Messages: []openai.ChatCompletionMessage{user("hello")}}, nil)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var env wire.ErrorEnvelope
	if resp.StatusCode != http.StatusNotFound || json.Unmarshal(b, &env) != nil || env.Error.Code != "model_not_found" {
		t.Fatalf("status %d body %s, want 404 with code model_not_found", resp.StatusCode, b)
	}
}
