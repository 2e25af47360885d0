package baseline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/wire"
)

// bodies records the request bodies an upstream received.
type bodies struct {
	mu  sync.Mutex
	all []string
}

func (b *bodies) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			raw, _ := io.ReadAll(r.Body)
			b.mu.Lock()
			b.all = append(b.all, string(raw))
			b.mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(raw))
		}
		h.ServeHTTP(w, r)
	})
}

func (b *bodies) last() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.all) == 0 {
		return ""
	}
	return b.all[len(b.all)-1]
}

// simUpstream is another baseline (sim provider) on loopback: the upstream
// of the openai provider under test.
func simUpstream(t *testing.T) (http.Handler, *httptest.Server, *bodies) {
	s, err := baseline.New(fast())
	if err != nil {
		t.Fatal(err)
	}
	rec := &bodies{}
	ts := httptest.NewServer(rec.wrap(s.Handler()))
	t.Cleanup(ts.Close)
	return s.Handler(), ts, rec
}

// front is a baseline with the openai provider pointed at upstreamURL.
func front(t *testing.T, upstreamURL string) *httptest.Server {
	cfg := fast()
	cfg.ProviderName = baseline.ProviderOpenAI
	cfg.Upstream = baseline.UpstreamConfig{URL: upstreamURL + "/v1", Models: baseline.Models{Default: testModel}}
	return serve(t, cfg)
}

// TestOpenAIProviderEndToEnd runs the openai provider (real go-openai
// client) against a sim baseline upstream: oracle answers, client tools
// and local tools through upstream function calling, streamed and not.
func TestOpenAIProviderEndToEnd(t *testing.T) {
	_, up, rec := simUpstream(t)
	ts := front(t, up.URL)
	capital := task(t, "smoke-chat-capital")
	weather := task(t, "smoke-tool-weather")
	for i, streamed := range []bool{true, false} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			// The oracle's answer passes through unchanged, with the upstream's usage.
			req := capital.ChatRequest(testModel, streamed)
			got := answer(t, ts.URL, req)
			if got.content != capital.Reference.Content || got.finish != "stop" || got.usage == nil ||
				got.usage.PromptTokens != promptTokens(req) {
				t.Errorf("stream=%v capital: %+v", streamed, got)
			}
			// Client tools: the upstream's tool call is handed to the client.
			req = weather.ChatRequest(testModel, streamed)
			got = answer(t, ts.URL, req)
			if got.finish != "tool_calls" || len(got.calls) != 1 || got.calls[0].Function.Name != weather.Reference.ToolCalls[0].Name ||
				got.calls[0].Function.Arguments != weather.Reference.ToolCalls[0].Arguments {
				t.Errorf("stream=%v weather: %+v", streamed, got)
			}
			if !strings.Contains(rec.last(), `"tools":[`) {
				t.Errorf("stream=%v: tools not sent upstream: %s", streamed, rec.last())
			}
			// Local tools: the upstream calls the front's calculator by function
			// calling, the front runs it and sends the result back.
			req = agentReq("What is 17*23+4?", streamed, nil)
			got = answer(t, ts.URL, req)
			if !strings.Contains(got.content, "395") || got.finish != "stop" || got.route != baseline.PathAgent {
				t.Errorf("stream=%v calculator: %+v", streamed, got)
			}
			if streamed && !strings.Contains(got.events, "tool_start,tool_end") {
				t.Errorf("calculator events %q", got.events)
			}
			if !strings.Contains(rec.last(), `"role":"tool"`) || !strings.Contains(rec.last(), `"content":"395"`) {
				t.Errorf("stream=%v: tool result not sent upstream: %s", streamed, rec.last())
			}
		})
	}
	// temperature 0 survives go-openai's omitempty; stream_options go upstream.
	req := agentReq("hello", true, nil)
	zero := 0.0
	req.Temperature = &zero
	answer(t, ts.URL, req)
	if b := rec.last(); !strings.Contains(b, `"temperature":0`) || !strings.Contains(b, `"stream_options":{"include_usage":true}`) {
		t.Errorf("upstream body %s", b)
	}
	half := 0.5
	req.Temperature = &half
	answer(t, ts.URL, req)
	if b := rec.last(); !strings.Contains(b, `"temperature":0.5`) || strings.Count(b, "temperature") != 1 {
		t.Errorf("upstream body %s", b)
	}
	// /health names the provider.
	var h struct {
		Provider string `json:"provider"`
	}
	getJSON(t, ts.URL+"/health", &h)
	if h.Provider != baseline.ProviderOpenAI {
		t.Errorf("health provider %q", h.Provider)
	}
}

// result is a streamed or whole answer, reduced to what tests compare.
type result struct {
	content, finish, route, events string
	calls                          []openai.ToolCall
	usage                          *wire.Usage
	errChunk                       string
	done                           bool
}

func answer(t *testing.T, base string, req wire.ChatRequest) result {
	t.Helper()
	if req.Stream {
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
		s := stream(t, base, req, nil)
		r := result{content: s.content, finish: s.finish, route: s.header.Get(baseline.HeaderRoute),
			events: eventNames(janusEvents(s)), done: s.doneLast}
		for i := range s.names {
			r.calls = append(r.calls, openai.ToolCall{ID: s.ids[i], Function: openai.FunctionCall{Name: s.names[i], Arguments: s.args[i]}})
		}
		if len(s.usage) > 0 {
			r.usage = s.usage[len(s.usage)-1]
		}
		for _, c := range s.chunks {
			if c.Error != nil {
				r.errChunk = c.Error.Message
			}
		}
		return r
	}
	resp := post(t, context.Background(), base, req, nil)
	defer resp.Body.Close()
	var c wire.Completion
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != 200 || len(c.Choices) != 1 {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	return result{content: c.Choices[0].Message.Content, finish: c.Choices[0].FinishReason, calls: c.Choices[0].Message.ToolCalls,
		usage: c.Usage, route: resp.Header.Get(baseline.HeaderRoute)}
}

// TestUsageAfterUpstreamError cuts the upstream mid-stream (an error event,
// and a reset connection): the client still gets an error chunk,
// finish_reason, the usage chunk and [DONE].
func TestUsageAfterUpstreamError(t *testing.T) {
	h, _, _ := simUpstream(t)
	for _, tc := range []struct {
		name string
		up   *httptest.Server
	}{
		// An OpenAI error event after three frames.
		{"error event", errorUpstream(t, h, 3)},
		// The connection dies after three frames.
		{"connection reset", hijackAfter(t, h, 3)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := front(t, tc.up.URL)
			got := answer(t, ts.URL, task(t, "smoke-chat-capital").ChatRequest(testModel, true))
			if got.errChunk == "" || got.finish != baseline.FinishError || !got.done {
				t.Errorf("%s: error %q finish %q done %v", tc.name, got.errChunk, got.finish, got.done)
			}
			if got.usage == nil || got.usage.PromptTokens == 0 || got.usage.CompletionTokens == 0 || got.usage.CostUSD == nil {
				t.Errorf("%s: usage %+v (content %q)", tc.name, got.usage, got.content)
			}
		})
	}
}

// TestProbe checks the local-server probe: the first URL that answers
// /v1/models wins; none answering falls back to the sim.
func TestProbe(t *testing.T) {
	_, up, _ := simUpstream(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	notOpenAI := httptest.NewServer(http.NotFoundHandler())
	defer notOpenAI.Close()

	cfg := fast()
	cfg.ProviderName = baseline.ProviderOpenAI
	cfg.Upstream.ProbeURLs = []string{closed, notOpenAI.URL + "/v1", up.URL + "/v1"}
	ts := serve(t, cfg)
	var h struct {
		Provider string `json:"provider"`
	}
	getJSON(t, ts.URL+"/health", &h)
	if h.Provider != baseline.ProviderOpenAI {
		t.Errorf("with a local server: provider %q", h.Provider)
	}
	// The probed server's first model is used.
	got := answer(t, ts.URL, task(t, "smoke-chat-capital").ChatRequest(testModel, true))
	if got.content != task(t, "smoke-chat-capital").Reference.Content {
		t.Errorf("probed upstream answered %q", got.content)
	}

	var logs bytes.Buffer
	cfg.Upstream.ProbeURLs = []string{closed}
	cfg.Logger = slogTo(&logs)
	ts2 := serve(t, cfg)
	getJSON(t, ts2.URL+"/health", &h)
	if h.Provider != baseline.ProviderSim || !strings.Contains(logs.String(), "falling back to the sim") {
		t.Errorf("without a local server: provider %q, logs %q", h.Provider, logs.String())
	}
}

// slogTo is a text logger writing to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// TestOpenAIModelsPerPath checks which upstream model each path calls:
// fast, agent, vision, and a model pinned by metadata.routing_decision.
func TestOpenAIModelsPerPath(t *testing.T) {
	_, up, rec := simUpstream(t)
	cfg := fast()
	cfg.ProviderName = baseline.ProviderOpenAI
	cfg.Upstream = baseline.UpstreamConfig{URL: up.URL + "/v1",
		Models: baseline.Models{Default: "m-default", Fast: "m-fast", Agent: "m-agent", Vision: "m-vision"}}
	ts := serve(t, cfg)
	vision := task(t, "smoke-vision-color").ChatRequest(testModel, true)
	cases := []struct {
		req   wire.ChatRequest
		model string
	}{
		// A greeting: the fast model.
		{agentReq("hello", true, nil), "m-fast"},
		// Arithmetic: the agent model.
		{agentReq("What is 2+2?", true, nil), "m-agent"},
		// An image question: the vision model.
		{vision, "m-vision"},
		// A pinned model wins.
		{agentReq("hello", true, map[string]any{"routing_decision": map[string]any{"path": "fast", "model": "m-pinned"}}), "m-pinned"},
	}
	for _, tc := range cases {
		t.Run(tc.model, func(t *testing.T) {
			s := stream(t, ts.URL, tc.req, nil)
			if got := s.header.Get(baseline.HeaderRouteModel); got != tc.model || routingOf(t, s).Model != tc.model {
				t.Errorf("%q: route model %q", wire.LastUser(tc.req.Messages), got)
			}
			if !strings.Contains(rec.last(), `"model":"`+tc.model+`"`) {
				t.Errorf("%q: upstream got %s", wire.LastUser(tc.req.Messages), rec.last())
			}
		})
	}
}

// TestOpenAIRelaysUpstreamArtifacts: artifacts a Janus-aware upstream
// sends (which go-openai's types drop) reach the client, streamed and not.
// The front is pinned to its fast path so that the upstream, not the front,
// runs the image tool.
func TestOpenAIRelaysUpstreamArtifacts(t *testing.T) {
	_, up, _ := simUpstream(t)
	ts := front(t, up.URL)
	pin := map[string]any{"routing_decision": "fast"}
	s := stream(t, ts.URL, agentReq("Draw a bar chart of sales: north 10, south 25", true, pin), nil)
	arts := artifactsOf(s)
	if len(arts) != 1 || !strings.HasPrefix(arts[0].URL, up.URL) || !s.doneLast {
		t.Fatalf("streamed artifacts %+v", arts)
	}
	checkArtifact(t, arts[0], "image/png")
	resp := post(t, context.Background(), ts.URL, agentReq("Draw a bar chart of sales: north 10, south 25", false, pin), nil)
	defer resp.Body.Close()
	var c wire.Completion
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || len(c.Choices) != 1 || len(c.Choices[0].Message.Artifacts) != 1 {
		t.Fatalf("completion %+v: %v", c, err)
	}
	checkArtifact(t, c.Choices[0].Message.Artifacts[0], "image/png")
}

// TestOpenAIUpstreamWithoutTools: a model that refuses function calling
// (Ollama answers 400 "does not support tools") still answers agent-path
// requests, without the local tools, streamed and not.
func TestOpenAIUpstreamWithoutTools(t *testing.T) {
	h, _, _ := simUpstream(t)
	noTools := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		if strings.Contains(string(raw), `"tools":[`) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"registry.ollama.ai/library/tiny does not support tools","type":"api_error"}}`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		h.ServeHTTP(w, r)
	}))
	defer noTools.Close()
	ts := front(t, noTools.URL)
	for i, streamed := range []bool{true, false} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got := answer(t, ts.URL, agentReq("Search for the latest Go release", streamed, nil))
			if got.route != baseline.PathAgent || got.finish != "stop" || got.content == "" || got.errChunk != "" {
				t.Errorf("stream=%v: %+v", streamed, got)
			}
		})
	}
}
