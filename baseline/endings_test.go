package baseline_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/internal/wire"
)

// TestOpenAIProviderEndings checks the openai provider's endings against
// fake upstreams on loopback: a stream that ends without [DONE] and a
// late error status are error endings (error chunk with code and status,
// finish_reason "error", the usage marked estimated when asked for,
// [DONE]), and a thread stores nothing of them.
func TestOpenAIProviderEndings(t *testing.T) {
	partial := `data: {"id":"u","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{"content":"partial"},"finish_reason":null}]}` + "\n\n"
	cases := []struct {
		name   string
		up     http.HandlerFunc
		status int
		code   string
	}{
		{"no [DONE]", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, partial)
		}, http.StatusBadGateway, "upstream_incomplete"},
		{"finish, no [DONE]", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			_, _ = io.WriteString(w, partial)
			_, _ = io.WriteString(w, `data: {"id":"u","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n")
		}, http.StatusBadGateway, "upstream_incomplete"},
		{"404 model_not_found", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"error":{"message":"no such model","type":"invalid_request_error","code":"model_not_found"}}`)
		}, http.StatusNotFound, "model_not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			up := httptest.NewServer(tc.up)
			t.Cleanup(up.Close)
			cfg := fast()
			cfg.ProviderName = baseline.ProviderOpenAI
			cfg.Upstream = baseline.UpstreamConfig{URL: up.URL + "/v1", Models: baseline.Models{Default: testModel}}
			cfg.DataDir = t.TempDir()
			ts := serve(t, cfg)
			req := wire.ChatRequest{Model: testModel, Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
				Messages: []openai.ChatCompletionMessage{user("hello")}}
			resp := post(t, context.Background(), ts.URL, req, map[string]string{threads.HeaderJanus: "t1"})
			frames := readFrames(t, resp.Body)
			resp.Body.Close()
			var data []string
			for _, f := range frames {
				if !f.isComment() {
					data = append(data, f.data)
				}
			}
			n := len(data)
			if n < 4 || data[n-1] != "[DONE]" {
				t.Fatalf("stream does not end with [DONE]: %q", data)
			}
			var errc, fin, use wire.Chunk
			for i, p := range []*wire.Chunk{&errc, &fin, &use} {
				if err := json.Unmarshal([]byte(data[n-4+i]), p); err != nil {
					t.Fatalf("closing frame %d %q: %v", i, data[n-4+i], err)
				}
			}
			if errc.Error == nil || errc.Error.Code != tc.code || errc.Status != tc.status || len(errc.Choices) != 0 {
				t.Errorf("error chunk %s, want code %s status %d", data[n-4], tc.code, tc.status)
			}
			if len(fin.Choices) != 1 || fin.Choices[0].FinishReason == nil || *fin.Choices[0].FinishReason != baseline.FinishError {
				t.Errorf("finish chunk %s, want finish_reason error", data[n-3])
			}
			if use.Usage == nil || !use.Usage.Estimated || use.Usage.PromptTokens == 0 || len(use.Choices) != 0 {
				t.Errorf("usage chunk %s, want estimated usage", data[n-2])
			}
			if strings.Count(strings.Join(data, "\n"), `"finish_reason":"`) != 1 {
				t.Errorf("want one finish_reason: %q", data)
			}
			st := openFileStore(t, cfg.DataDir)
			if got := threadMessages(t, st, "t1"); len(got) != 0 {
				t.Errorf("the failed turn was stored: %q", got)
			}
		})
	}
}

// TestOpenAIReasoningAndJanusRelay checks the fast path of the openai
// provider: the routing decision comes first as reasoning_content, and an
// upstream's delta.janus events reach the client instead of being dropped.
func TestOpenAIReasoningAndJanusRelay(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, `data: {"id":"u","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{"janus":{"event":"tool_start","payload":{"tool":"search"}}},"finish_reason":null}]}`+"\n\n")
		_, _ = io.WriteString(w, `data: {"id":"u","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}`+"\n\n")
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(up.Close)
	cfg := fast()
	cfg.ProviderName = baseline.ProviderOpenAI
	cfg.Upstream = baseline.UpstreamConfig{URL: up.URL + "/v1", Models: baseline.Models{Default: testModel}}
	ts := serve(t, cfg)
	got := stream(t, ts.URL, wire.ChatRequest{Model: testModel, Stream: true, Messages: []openai.ChatCompletionMessage{user("hello")}}, nil)
	if !strings.HasPrefix(got.reasoning, "Route: fast path") || got.content != "hi" || !got.doneLast {
		t.Errorf("reasoning %q content %q done %v", got.reasoning, got.content, got.doneLast)
	}
	relayed := false
	for _, c := range got.chunks {
		for _, ch := range c.Choices {
			if j := ch.Delta.Janus; j != nil && j.Event == "tool_start" && string(j.Payload) == `{"tool":"search"}` {
				relayed = true
			}
		}
	}
	if !relayed {
		t.Errorf("the upstream's tool_start event was not relayed: %+v", got.chunks)
	}
}
