package baseline_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/baseline/threads/redistest"
	"github.com/janus-bench/janus/internal/wire"
)

// TestApplyJangarEnv checks that Jangar's variables fill what no flag set,
// with the seed's defaults, and that flags win.
func TestApplyJangarEnv(t *testing.T) {
	env := map[string]string{baseline.EnvJangarModels: "alpha, beta", baseline.EnvJangarDefaultModel: "beta",
		baseline.EnvJangarRedisURL: "redis://r:6379/1", baseline.EnvJangarChatKeyPrefix: "jg:chat"}
	cases := []struct {
		name  string
		env   map[string]string
		flags map[string]bool
		check func(t *testing.T, c baseline.Config)
	}{
		{"env only", env, nil, func(t *testing.T, c baseline.Config) {
			if !slices.Equal(c.Models, []string{"alpha", "beta"}) || c.Model != "beta" || c.RedisURL != "redis://r:6379/1" ||
				c.ThreadKeyPrefix != "jg:chat" || !c.StreamingOnly {
				t.Errorf("config %+v", c)
			}
		}},
		{"flags win", env, map[string]bool{"models": true, "model": true, "redis": true, "thread-key-prefix": true, "streaming-only": true},
			func(t *testing.T, c baseline.Config) {
				if !slices.Equal(c.Models, []string{"flag"}) || c.Model != "flagged" || c.RedisURL != "" || c.ThreadKeyPrefix != "flag:p" || c.StreamingOnly {
					t.Errorf("config %+v", c)
				}
			}},
		{"seed defaults", map[string]string{}, nil, func(t *testing.T, c baseline.Config) {
			if c.ThreadKeyPrefix != "openwebui:chat" || !c.StreamingOnly {
				t.Errorf("config %+v", c)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseline.Config{}
			if tc.flags != nil {
				cfg = baseline.Config{Models: []string{"flag"}, Model: "flagged", ThreadKeyPrefix: "flag:p"}
			}
			baseline.ApplyJangarEnv(&cfg, func(k string) string { return tc.env[k] }, func(f string) bool { return tc.flags[f] })
			tc.check(t, cfg)
		})
	}
}

// TestJangarRoute serves a Jangar-mode baseline configured from Jangar's
// variables (threads in a real Redis under JANGAR_CHAT_KEY_PREFIX) and
// talks to it on the seed's route, /openai/v1/chat/completions.
func TestJangarRoute(t *testing.T) {
	srv := redistest.Connect(t)
	env := map[string]string{baseline.EnvJangarModels: "alpha,beta", baseline.EnvJangarRedisURL: srv.URL,
		baseline.EnvJangarChatKeyPrefix: srv.Prefix}
	cfg := fast()
	cfg.Model = ""
	baseline.ApplyJangarEnv(&cfg, func(k string) string { return env[k] }, func(string) bool { return false })
	ts := serve(t, cfg)
	do := func(req wire.ChatRequest, hdr map[string]string) (*http.Response, string) {
		b, _ := json.Marshal(req)
		r, _ := http.NewRequest(http.MethodPost, ts.URL+baseline.JangarChatPath, strings.NewReader(string(b)))
		r.Header.Set("Content-Type", "application/json")
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, string(body)
	}
	msgs := []openai.ChatCompletionMessage{user("hello")}
	resp, body := do(wire.ChatRequest{Model: "beta", Stream: true, Messages: msgs}, map[string]string{threads.HeaderOpenWebUI: "c1"})
	if resp.StatusCode != http.StatusOK || !strings.HasSuffix(body, "data: [DONE]\n\n") {
		t.Fatalf("stream on %s: %d %s", baseline.JangarChatPath, resp.StatusCode, body)
	}
	if n, err := srv.Client.LLen(context.Background(), srv.Prefix+":c1:messages").Result(); err != nil || n != 2 {
		t.Errorf("redis list %s:c1:messages has %d messages (%v), want 2", srv.Prefix, n, err)
	}
	if resp, body := do(wire.ChatRequest{Model: "beta", Messages: msgs}, nil); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("non-streamed request: %d %s, want 400 (Jangar is streaming-only)", resp.StatusCode, body)
	}
	if resp, body := do(wire.ChatRequest{Model: "gamma", Stream: true, Messages: msgs}, nil); resp.StatusCode != http.StatusNotFound ||
		!strings.Contains(body, `"code":"model_not_found"`) {
		t.Errorf("unlisted model: %d %s, want 404 model_not_found", resp.StatusCode, body)
	}
}
