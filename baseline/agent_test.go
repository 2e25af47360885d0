package baseline_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/agenttools"
	"github.com/janus-bench/janus/internal/wire"
)

// agentReq is a streamed chat request with include_usage.
func agentReq(prompt string, stream bool, meta map[string]any) wire.ChatRequest {
	r := wire.ChatRequest{Model: testModel, Stream: stream, Metadata: meta,
		Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}}}
	if stream {
		r.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	}
	return r
}

// janusEvents collects the delta.janus events of a stream in order.
func janusEvents(s *streamed) []wire.JanusEvent {
	var evs []wire.JanusEvent
	for _, c := range s.chunks {
		for _, ch := range c.Choices {
			if ch.Delta.Janus != nil {
				evs = append(evs, *ch.Delta.Janus)
			}
		}
	}
	return evs
}

func eventNames(evs []wire.JanusEvent) string {
	var ns []string
	for _, e := range evs {
		ns = append(ns, e.Event)
	}
	return strings.Join(ns, ",")
}

func artifactsOf(s *streamed) []wire.Artifact {
	var as []wire.Artifact
	for _, c := range s.chunks {
		for _, ch := range c.Choices {
			as = append(as, ch.Delta.Artifacts...)
		}
	}
	return as
}

// routingOf reads the routing decision from the first chunk's metadata.
func routingOf(t *testing.T, s *streamed) baseline.RoutingDecision {
	t.Helper()
	if len(s.chunks) == 0 {
		t.Fatal("no chunks")
	}
	b, _ := json.Marshal(s.chunks[0].Metadata[baseline.MetaRouting])
	var d baseline.RoutingDecision
	if err := json.Unmarshal(b, &d); err != nil || d.Path == "" {
		t.Fatalf("first chunk metadata %v: no routing_decision", s.chunks[0].Metadata)
	}
	return d
}

// TestAgentPathSim runs the sim's scripted agent through each local tool
// and checks the stream: routing, janus events, artifacts, answer, usage.
func TestAgentPathSim(t *testing.T) {
	cfg := fast()
	cfg.EnableCodeTool = true
	ts := serve(t, cfg)
	cases := []struct {
		prompt, tool, want string
		sandbox            bool
		artifact           string // artifact MIME type, "" for none
	}{
		// Arithmetic goes to the calculator.
		{"What is 17*23+4?", agenttools.NameCalculator, "The result is 395.", false, ""},
		// A search request is answered from the local corpus.
		{"Search the docs for BM25 ranking parameters", agenttools.NameSearch, "docs.janus.local/bm25", false, ""},
		// A URL is fetched from the corpus.
		{"Summarise https://docs.janus.local/speed-of-light", agenttools.NameFetch, "299,792,458", false, ""},
		// A code block runs in the sandbox.
		{"Run this:\n```js\nconsole.log(6*7)\n```", agenttools.NameRunCode, "42", true, ""},
		// A chart request draws a PNG artifact.
		{"Draw a bar chart of sales: north 10, south 25, east 5", agenttools.NameImage, "bar chart of 3 values", false, "image/png"},
		// A file request produces a file artifact.
		{"Export as CSV: a,b\n1,2", agenttools.NameWriteFile, "wrote output.csv", false, "text/csv; charset=utf-8"},
	}
	for _, tc := range cases {
		t.Run(tc.prompt, func(t *testing.T) {
			s := stream(t, ts.URL, agentReq(tc.prompt, true, nil), nil)
			if s.header.Get(baseline.HeaderRoute) != baseline.PathAgent {
				t.Errorf("%s: route header %q", tc.tool, s.header.Get(baseline.HeaderRoute))
			}
			if d := routingOf(t, s); d.Path != baseline.PathAgent || d.Reason == "" || d.Model != testModel {
				t.Errorf("%s: routing %+v", tc.tool, d)
			}
			evs := janusEvents(s)
			want := "tool_start,tool_end"
			if tc.sandbox {
				want = "tool_start,sandbox_start,sandbox_end,tool_end"
			}
			if got := eventNames(evs); got != want {
				t.Errorf("%s: events %s, want %s", tc.tool, got, want)
			}
			if len(evs) > 0 {
				var p struct {
					Name string `json:"name"`
				}
				if err := json.Unmarshal(evs[0].Payload, &p); err != nil || p.Name != tc.tool {
					t.Errorf("%s: tool_start payload %s", tc.tool, evs[0].Payload)
				}
			}
			if !strings.Contains(s.content, tc.want) {
				t.Errorf("%s: content %q, want %q", tc.tool, s.content, tc.want)
			}
			if !strings.Contains(s.reasoning, "Calling "+tc.tool) {
				t.Errorf("%s: reasoning %q", tc.tool, s.reasoning)
			}
			if s.finish != "stop" || !s.doneLast || len(s.usage) != 1 {
				t.Fatalf("%s: finish %q done %v usage %d", tc.tool, s.finish, s.doneLast, len(s.usage))
			}
			u := s.usage[0]
			if u.PromptTokens <= 0 || u.CompletionTokens <= 0 || u.TotalTokens != u.PromptTokens+u.CompletionTokens ||
				u.CostUSD == nil || *u.CostUSD <= 0 || u.SandboxSeconds == nil || (tc.sandbox != (*u.SandboxSeconds > 0)) {
				t.Errorf("%s: usage %+v", tc.tool, u)
			}
			arts := artifactsOf(s)
			if tc.artifact == "" {
				if len(arts) != 0 {
					t.Errorf("%s: unexpected artifacts %+v", tc.tool, arts)
				}
				return
			}
			if len(arts) != 1 {
				t.Fatalf("%s: %d artifacts", tc.tool, len(arts))
			}
			checkArtifact(t, arts[0], tc.artifact)
		})
	}
}

// checkArtifact downloads a and checks its descriptor against the bytes.
func checkArtifact(t *testing.T, a wire.Artifact, mime string) {
	t.Helper()
	if a.MimeType != mime || len(a.ID) < 30 || a.CreatedAt == "" || a.TTLSeconds <= 0 || a.DisplayName == "" {
		t.Errorf("descriptor %+v", a)
	}
	resp, err := http.Get(a.URL)
	if err != nil {
		t.Fatalf("GET %s: %v", a.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	sum := sha256.Sum256(b)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != mime || int64(len(b)) != a.SizeBytes ||
		hex.EncodeToString(sum[:]) != a.SHA256 {
		t.Errorf("GET %s: %d %s %d bytes (descriptor %+v)", a.URL, resp.StatusCode, resp.Header.Get("Content-Type"), len(b), a)
	}
	// A guessed id is not found.
	r2, err := http.Get(strings.Replace(a.URL, a.ID, "art_00000000000000000000000000000000", 1))
	if err == nil {
		r2.Body.Close()
		if r2.StatusCode != http.StatusNotFound {
			t.Errorf("guessed artifact id: status %d", r2.StatusCode)
		}
	}
}

// TestAgentNonStream checks message.artifacts and metadata on a whole
// completion, and that the fast path is reported too.
func TestAgentNonStream(t *testing.T) {
	ts := serve(t, fast())
	resp := post(t, context.Background(), ts.URL, agentReq("Draw a diagram: client -> gateway -> competitor", false, nil), nil)
	defer resp.Body.Close()
	var c wire.Completion
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, err)
	}
	m := c.Choices[0].Message
	if len(m.Artifacts) != 1 || !strings.Contains(m.Content, "3 boxes") || c.Usage == nil || c.Usage.SandboxSeconds == nil {
		t.Fatalf("completion %+v", c)
	}
	checkArtifact(t, m.Artifacts[0], "image/png")
	if rd, ok := c.Metadata[baseline.MetaRouting].(map[string]any); !ok || rd["path"] != baseline.PathAgent {
		t.Errorf("metadata %v", c.Metadata)
	}
	s := stream(t, ts.URL, agentReq("hello", true, nil), nil)
	if s.header.Get(baseline.HeaderRoute) != baseline.PathFast || routingOf(t, s).Path != baseline.PathFast ||
		len(janusEvents(s)) != 0 {
		t.Errorf("greeting: route %q events %d", s.header.Get(baseline.HeaderRoute), len(janusEvents(s)))
	}
}

// TestAgentDebugEvents checks that debug: true adds debug events.
func TestAgentDebugEvents(t *testing.T) {
	ts := serve(t, fast())
	req := agentReq("What is 2^10?", true, nil)
	req.Debug = true
	s := stream(t, ts.URL, req, nil)
	if got := eventNames(janusEvents(s)); got != "debug,tool_start,tool_end,debug" {
		t.Errorf("events %s", got)
	}
	// The fast path (the sim's own script) gets one debug event too, and
	// the answer is unchanged.
	hello := agentReq("hello", true, nil)
	hello.Debug = true
	dbg, plainHello := stream(t, ts.URL, hello, nil), stream(t, ts.URL, agentReq("hello", true, nil), nil)
	if eventNames(janusEvents(dbg)) != "debug" || dbg.content != plainHello.content {
		t.Errorf("fast path debug: events %q, content %q vs %q", eventNames(janusEvents(dbg)), dbg.content, plainHello.content)
	}
	plain := stream(t, ts.URL, agentReq("What is 2^10?", true, nil), nil)
	if strings.Contains(eventNames(janusEvents(plain)), "debug") {
		t.Error("debug events without debug: true")
	}
}

// TestToolPanicStillDone injects a panicking tool: the stream reports the
// failure in tool_end and still ends with finish_reason, usage and [DONE].
func TestToolPanicStillDone(t *testing.T) {
	cfg := fast()
	cfg.Tools = agenttools.Default().With(agenttools.Tool{Name: "boom", Description: "panics",
		Parameters: json.RawMessage(`{"type":"object"}`),
		Run:        func(context.Context, *agenttools.Env, json.RawMessage) (agenttools.Result, error) { panic("kaboom") }})
	ts := serve(t, cfg)
	s := stream(t, ts.URL, agentReq("hi", true, map[string]any{"routing_decision": "agent", baseline.MetaSimTool: "boom"}), nil)
	if !s.doneLast || s.finish == "" || len(s.usage) != 1 {
		t.Fatalf("done %v finish %q usage %d", s.doneLast, s.finish, len(s.usage))
	}
	evs := janusEvents(s)
	if eventNames(evs) != "tool_start,tool_end" || !strings.Contains(string(evs[1].Payload), "kaboom") ||
		!strings.Contains(string(evs[1].Payload), `"ok":false`) {
		t.Errorf("events %s %s", eventNames(evs), evs)
	}
}

// panicProvider panics inside Run, after the stream began.
type panicProvider struct{ fakeProvider }

func (p *panicProvider) Open(context.Context, *baseline.Request) (baseline.Generation, error) {
	return p, nil
}
func (p *panicProvider) Run(ctx context.Context, sink baseline.Sink) (baseline.Outcome, error) {
	if err := sink.Emit(ctx, content("partial")); err != nil {
		return baseline.Outcome{}, err
	}
	panic("provider bug")
}

// TestProviderPanicStillDone: a panic in the provider itself becomes an
// error chunk, finish_reason "error", a counted usage chunk and [DONE].
func TestProviderPanicStillDone(t *testing.T) {
	cfg := fast()
	cfg.Provider = &panicProvider{}
	ts := serve(t, cfg)
	s := stream(t, ts.URL, agentReq("hi", true, nil), nil)
	if !s.doneLast || s.finish != baseline.FinishError || len(s.usage) != 1 || s.usage[0].CompletionTokens == 0 {
		t.Fatalf("done %v finish %q usage %+v", s.doneLast, s.finish, s.usage)
	}
	var sawErr bool
	for _, c := range s.chunks {
		sawErr = sawErr || (c.Error != nil && strings.Contains(c.Error.Message, "provider bug"))
	}
	if !sawErr {
		t.Error("no error chunk naming the panic")
	}
}

// TestKeepAliveDuringSlowTool runs a 5 s tool and measures, on the client,
// the longest silence between frames: keep-alives must fill it to the
// contract's 1 s (DefaultKeepAlive is 750 ms). It runs in a synctest
// bubble, the response streamed through an in-memory pipe, so the figure
// is exact on the fake clock and needs no margin for a loaded machine;
// TestKeepAliveGapOneSecond (make test-long) measures the same over real
// TCP in real time.
func TestKeepAliveDuringSlowTool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		body := streamPipe(t, slowToolConfig(), slowToolRequest())
		defer body.Close()
		checkKeepAliveGaps(t, body, time.Second)
	})
}

// keepAliveDuringSlowTool streams a request whose tool takes 5 s over real
// TCP and fails when the client saw a silence longer than limit.
func keepAliveDuringSlowTool(t *testing.T, limit time.Duration) {
	ts := serve(t, slowToolConfig())
	resp := post(t, context.Background(), ts.URL, slowToolRequest(), nil)
	defer resp.Body.Close()
	checkKeepAliveGaps(t, resp.Body, limit)
}

// slowToolConfig is a baseline whose "slow" tool takes 5 s, with the
// default keep-alive period.
func slowToolConfig() baseline.Config {
	cfg := fast()
	cfg.KeepAlive = 0 // the default
	cfg.Tools = agenttools.Default().With(agenttools.Tool{Name: "slow", Description: "takes 5 s",
		Parameters: json.RawMessage(`{"type":"object"}`),
		Run: func(ctx context.Context, _ *agenttools.Env, _ json.RawMessage) (agenttools.Result, error) {
			select {
			case <-time.After(5 * time.Second):
				return agenttools.Result{Output: "done"}, nil
			case <-ctx.Done():
				return agenttools.Result{}, ctx.Err()
			}
		}})
	return cfg
}

func slowToolRequest() any {
	return agentReq("hi", true, map[string]any{"routing_decision": "agent", baseline.MetaSimTool: "slow"})
}

// checkKeepAliveGaps reads a stream to its end and fails when a silence
// between reads was longer than limit or fewer than four keep-alives came.
func checkKeepAliveGaps(t *testing.T, r io.Reader, limit time.Duration) {
	t.Helper()
	var gaps []time.Duration
	last := time.Now()
	var body bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			now := time.Now()
			gaps = append(gaps, now.Sub(last))
			last = now
			body.Write(buf[:n])
		}
		if err != nil {
			break
		}
	}
	var worst time.Duration
	for _, g := range gaps {
		worst = max(worst, g)
	}
	pings := strings.Count(body.String(), ": ping")
	t.Logf("longest gap %v over %d reads, %d keep-alives", worst, len(gaps), pings)
	if worst > limit || pings < 4 {
		t.Errorf("longest gap %v (want ≤ %v), %d keep-alives (want ≥ 4 during 5 s)", worst, limit, pings)
	}
	if !strings.HasSuffix(body.String(), "data: [DONE]\n\n") {
		t.Error("no [DONE] at the end")
	}
}

// abortRecorder is a ResponseWriter that records everything the handler wrote
// and cancels the request when it sees trigger: it observes the server's
// side of a client abort, frames the client no longer reads included.
type abortRecorder struct {
	mu      sync.Mutex
	hdr     http.Header
	body    bytes.Buffer
	trigger string
	cancel  context.CancelFunc
}

func (r *abortRecorder) Header() http.Header { return r.hdr }
func (r *abortRecorder) WriteHeader(int)     {}
func (r *abortRecorder) Flush()              {}
func (r *abortRecorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.body.Write(b)
	if r.trigger != "" && strings.Contains(r.body.String(), r.trigger) {
		r.cancel()
	}
	return len(b), nil
}

// TestUsageAfterClientAbort aborts a stream after its first content token
// and checks what the server wrote: the usage chunk (empty choices), a
// finish_reason and [DONE], on both the sim fast path and the agent path.
func TestUsageAfterClientAbort(t *testing.T) {
	cfg := fast()
	cfg.Pace = baseline.Pace{TTFT: -1, PerToken: time.Hour}
	cfg.KeepAlive = -1
	cfg.Tools = agenttools.Default().With(agenttools.Tool{Name: "wait", Description: "waits for cancel",
		Parameters: json.RawMessage(`{"type":"object"}`),
		Run: func(ctx context.Context, _ *agenttools.Env, _ json.RawMessage) (agenttools.Result, error) {
			<-ctx.Done()
			return agenttools.Result{}, ctx.Err()
		}})
	sim, err := baseline.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The openai provider in front of a sim upstream that paces an hour per
	// token: the abort happens while go-openai is reading the upstream.
	slow := fast()
	slow.Pace = baseline.Pace{TTFT: -1, PerToken: time.Hour}
	up := serve(t, slow)
	ocfg := fast()
	ocfg.KeepAlive = -1
	ocfg.ProviderName = baseline.ProviderOpenAI
	ocfg.Upstream = baseline.UpstreamConfig{URL: up.URL + "/v1", Models: baseline.Models{Default: testModel}}
	oa, err := baseline.New(ocfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		s       *baseline.Server
		req     wire.ChatRequest
		trigger string
	}{
		// Fast path (sim script paced an hour per token): abort after the first token.
		{"fast", sim, task(t, "smoke-stream-count").ChatRequest(testModel, true), `"content":"1"`},
		// Agent path: abort while the tool runs.
		{"agent", sim, agentReq("go", true, map[string]any{"routing_decision": "agent", baseline.MetaSimTool: "wait"}), `"event":"tool_start"`},
		// openai provider: abort mid-upstream-stream.
		{"openai", oa, task(t, "smoke-stream-count").ChatRequest(testModel, true), `"content":"1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
			body, _ := json.Marshal(tc.req)
			ctx, cancel := context.WithCancel(context.Background())
			rec := &abortRecorder{hdr: http.Header{}, trigger: tc.trigger, cancel: cancel}
			r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(body)).WithContext(ctx)
			done := make(chan struct{})
			go func() { defer close(done); tc.s.Handler().ServeHTTP(rec, r) }()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatalf("%s: handler still running 20 s after the abort", tc.name)
			}
			cancel()
			out := rec.body.String()
			var usage *wire.Usage
			for _, line := range strings.Split(out, "\n") {
				if !strings.HasPrefix(line, "data: {") {
					continue
				}
				var c wire.Chunk
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &c) == nil && c.Usage != nil && len(c.Choices) == 0 {
					usage = c.Usage
				}
			}
			if usage == nil || usage.PromptTokens == 0 || usage.TotalTokens < usage.PromptTokens {
				t.Errorf("%s: no usage chunk after the abort in %q", tc.name, out)
			}
			if !strings.Contains(out, `"finish_reason":"`) || !strings.HasSuffix(out, "data: [DONE]\n\n") {
				t.Errorf("%s: stream not closed properly: %q", tc.name, out)
			}
		})
	}
}

// hijackAfter is an upstream that relays a sim baseline but cuts the
// connection after n data frames, like a crashed model server.
func hijackAfter(t *testing.T, upstream http.Handler, n int) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			upstream.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		upstream.ServeHTTP(rec, r)
		frames := strings.SplitAfter(rec.Body.String(), "\n\n")
		conn, bw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		defer conn.Close()
		bw.WriteString("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
		for i := 0; i < n && i < len(frames); i++ {
			bw.WriteString(frames[i])
		}
		bw.Flush()
		// Not a clean EOF: reset the connection mid-stream.
		if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
			_ = tc.SetLinger(0)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

// errorUpstream sends n frames then an OpenAI error event, as vLLM and
// OpenAI do when a generation fails mid-stream.
func errorUpstream(t *testing.T, upstream http.Handler, n int) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			upstream.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		upstream.ServeHTTP(rec, r)
		frames := strings.SplitAfter(rec.Body.String(), "\n\n")
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 0; i < n && i < len(frames); i++ {
			io.WriteString(w, frames[i])
		}
		io.WriteString(w, `data: {"error":{"message":"model crashed","type":"server_error"}}`+"\n\n")
	}))
	t.Cleanup(ts.Close)
	return ts
}

// TestSimHonoursRequiredToolChoice: an unknown prompt with tool_choice
// "required" (or naming the function) gets a call of the client's tool
// with schema-shaped arguments, not prose.
func TestSimHonoursRequiredToolChoice(t *testing.T) {
	ts := serve(t, fast())
	tool := openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "get_weather",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city","days"]}`)}}
	for i, choice := range []any{"required", map[string]any{"type": "function", "function": map[string]any{"name": "get_weather"}}} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			for _, streamed := range []bool{true, false} {
				req := agentReq("What is the weather in Paris for 3 days", streamed, nil)
				req.Tools, req.ToolChoice = []openai.Tool{tool}, choice
				got := answer(t, ts.URL, req)
				if got.finish != "tool_calls" || len(got.calls) != 1 || got.calls[0].Function.Name != "get_weather" ||
					got.calls[0].Function.Arguments != `{"city":"Paris","days":3}` {
					t.Errorf("choice %v stream %v: %+v", choice, streamed, got)
				}
			}
		})
	}
	// "auto" leaves the sim free to answer in prose.
	req := agentReq("What is the weather in Paris", true, nil)
	req.Tools, req.ToolChoice = []openai.Tool{tool}, "auto"
	if got := answer(t, ts.URL, req); got.finish != "stop" || len(got.calls) != 0 {
		t.Errorf("auto: %+v", got)
	}
}
