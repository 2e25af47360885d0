package baseline_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/janstore"
	"github.com/janus-bench/janus/baseline/threads"
	"github.com/janus-bench/janus/baseline/threads/redistest"
	"github.com/janus-bench/janus/internal/wire"
)

// threadRecorder is a provider that remembers what each request looked like
// after Jangar mode prepared it, and answers "reply to: <last user text>".
type threadRecorder struct {
	mu   sync.Mutex
	seen []wire.ChatRequest
	// fail makes Run fail after one content delta.
	fail bool
}

func (p *threadRecorder) Name() string       { return "threadRecorder" }
func (p *threadRecorder) Features() []string { return nil }

func (p *threadRecorder) Open(_ context.Context, req *baseline.Request) (baseline.Generation, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := *req.Chat
	c.Messages = slices.Clone(c.Messages)
	p.seen = append(p.seen, c)
	return &turnRun{p: p, answer: "reply to: " + wire.LastUser(c.Messages)}, nil
}

// last is the last request the provider saw.
func (p *threadRecorder) last(t *testing.T) wire.ChatRequest {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.seen) == 0 {
		t.Fatal("the provider saw no request")
	}
	return p.seen[len(p.seen)-1]
}

type turnRun struct {
	p      *threadRecorder
	answer string
}

func (g *turnRun) Run(ctx context.Context, sink baseline.Sink) (baseline.Outcome, error) {
	half := len(g.answer) / 2
	if err := sink.Emit(ctx, content(g.answer[:half])); err != nil {
		return baseline.Outcome{}, err
	}
	if g.p.fail {
		return baseline.Outcome{}, errors.New("upstream broke")
	}
	if err := sink.Emit(ctx, content(g.answer[half:])); err != nil {
		return baseline.Outcome{}, err
	}
	return baseline.Outcome{FinishReason: "stop", Usage: wire.Usage{PromptTokens: 1, CompletionTokens: 1, TotalTokens: 2}}, nil
}

// jangarServer serves a threadRecorder with a fresh data dir, plus cfg's
// settings.
func jangarServer(t *testing.T, mod func(*baseline.Config)) (base, dataDir string, rec *threadRecorder) {
	t.Helper()
	rec = &threadRecorder{}
	cfg := fast()
	cfg.Provider = rec
	cfg.DataDir = t.TempDir()
	if mod != nil {
		mod(&cfg)
	}
	return serve(t, cfg).URL, cfg.DataDir, rec
}

// headerTransport adds headers to every request of a real client.
type headerTransport map[string]string

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// client is a real go-openai client that sends hdr with every request.
func client(base string, hdr map[string]string) *openai.Client {
	cfg := openai.DefaultConfig("unused")
	cfg.BaseURL = base + "/v1"
	cfg.HTTPClient = &http.Client{Transport: headerTransport(hdr)}
	return openai.NewClientWithConfig(cfg)
}

// chatOnce sends one user message with a real client, streamed or not, and
// returns the answer text.
func chatOnce(t *testing.T, c *openai.Client, model string, stream bool, msgs ...openai.ChatCompletionMessage) string {
	t.Helper()
	ctx := context.Background()
	req := openai.ChatCompletionRequest{Model: model, Messages: msgs, Stream: stream}
	if !stream {
		resp, err := c.CreateChatCompletion(ctx, req)
		if err != nil {
			t.Fatalf("chat: %v", err)
		}
		return resp.Choices[0].Message.Content
	}
	st, err := c.CreateChatCompletionStream(ctx, req)
	if err != nil {
		t.Fatalf("chat stream: %v", err)
	}
	defer st.Close()
	var b strings.Builder
	for {
		ch, err := st.Recv()
		if errors.Is(err, io.EOF) {
			return b.String()
		}
		if err != nil {
			t.Fatalf("chat stream: %v", err)
		}
		for _, c := range ch.Choices {
			b.WriteString(c.Delta.Content)
		}
	}
}

func user(s string) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: s}
}

// texts is "role:text" of each message.
func texts(msgs []openai.ChatCompletionMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Role+":"+wire.TextOf(m))
	}
	return out
}

// threadMessages reads a thread's stored messages from the store itself.
func threadMessages(t *testing.T, st threads.Store, id string) []string {
	t.Helper()
	th, err := st.Load(context.Background(), id)
	if err != nil {
		t.Fatalf("load thread %s: %v", id, err)
	}
	var out []string
	for _, m := range th.Messages {
		out = append(out, m.Role+":"+m.Content)
	}
	return out
}

// TestThreadPersistence sends two turns of one thread, each with only its
// new message, through a real go-openai client, for both stores: the
// second turn's provider sees the whole conversation, and the store keeps
// all four messages. A third request that resends the whole conversation
// (as OpenWebUI does) is not doubled.
func TestThreadPersistence(t *testing.T) {
	for _, kind := range []string{"file", "redis"} {
		t.Run(kind, func(t *testing.T) {
			var store threads.Store
			base, dir, rec := jangarServer(t, func(c *baseline.Config) {
				if kind == "redis" {
					rs := redistest.Connect(t).Store(t)
					c.Threads, store = rs, rs
				}
			})
			if store == nil {
				store = openFileStore(t, dir)
			}
			// The two headers name the same thread.
			first := client(base, map[string]string{threads.HeaderOpenWebUI: "chat-1"})
			second := client(base, map[string]string{threads.HeaderJanus: "chat-1"})
			if got := chatOnce(t, first, testModel, true, user("my name is Ada")); got != "reply to: my name is Ada" {
				t.Fatalf("first answer %q", got)
			}
			if got := chatOnce(t, second, testModel, false, user("what is my name?")); got != "reply to: what is my name?" {
				t.Fatalf("second answer %q", got)
			}
			want := []string{"user:my name is Ada", "assistant:reply to: my name is Ada", "user:what is my name?"}
			if got := texts(rec.last(t).Messages); !slices.Equal(got, want) {
				t.Errorf("second turn's provider saw %q, want %q", got, want)
			}
			stored := append(want, "assistant:reply to: what is my name?")
			if got := threadMessages(t, store, "chat-1"); !slices.Equal(got, stored) {
				t.Errorf("stored %q, want %q", got, stored)
			}
			// The whole conversation resent, plus a system prompt: only the
			// last message is new, and the system prompt is not stored.
			full := []openai.ChatCompletionMessage{{Role: "system", Content: "be nice"}, user("my name is Ada"),
				{Role: "assistant", Content: "reply to: my name is Ada"}, user("what is my name?"),
				{Role: "assistant", Content: "reply to: what is my name?"}, user("thanks")}
			chatOnce(t, first, testModel, true, full...)
			if got := texts(rec.last(t).Messages); !slices.Equal(got, texts(full)) {
				t.Errorf("resent conversation: provider saw %q, want %q", got, texts(full))
			}
			if got := threadMessages(t, store, "chat-1"); len(got) != 6 || got[4] != "user:thanks" {
				t.Errorf("after the resent conversation: %q", got)
			}
			// Another thread knows nothing of this one.
			chatOnce(t, client(base, map[string]string{threads.HeaderJanus: "chat-2"}), testModel, true, user("hi"))
			if got := texts(rec.last(t).Messages); !slices.Equal(got, []string{"user:hi"}) {
				t.Errorf("other thread: provider saw %q", got)
			}
		})
	}
}

func openFileStore(t *testing.T, dir string) threads.Store {
	t.Helper()
	st, err := janstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestStreamingOnly checks Jangar's rule: a non-streamed request is a 400
// naming "stream", a streamed one is served.
func TestStreamingOnly(t *testing.T) {
	base, _, _ := jangarServer(t, func(c *baseline.Config) { c.StreamingOnly = true })
	req := wire.ChatRequest{Model: testModel, Messages: []openai.ChatCompletionMessage{user("hi")}}
	resp := post(t, context.Background(), base, req, nil)
	var env wire.ErrorEnvelope
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err := json.Unmarshal(b, &env); err != nil || resp.StatusCode != http.StatusBadRequest ||
		env.Error.Param == nil || *env.Error.Param != "stream" || env.Error.Type != "invalid_request_error" ||
		!strings.Contains(env.Error.Message, "streaming-only") {
		t.Errorf("non-stream: %d %s", resp.StatusCode, b)
	}
	req.Stream = true
	if s := stream(t, base, req, nil); s.content != "reply to: hi" || !s.doneLast {
		t.Errorf("stream: %q done=%v", s.content, s.doneLast)
	}
	var h struct{ Features []string }
	getJSON(t, base+"/health", &h)
	if !slices.Contains(h.Features, "streaming_only") || !slices.Contains(h.Features, "threads_file") {
		t.Errorf("health features %v", h.Features)
	}
}

// TestModelList checks --models: GET /v1/models lists them (the default
// first), the data dir's models and assistants too, and an unknown model is
// a 404 on both endpoints.
func TestModelList(t *testing.T) {
	base, dir, _ := jangarServer(t, func(c *baseline.Config) { c.Model, c.Models = "", []string{"alpha", "beta"} })
	writeData(t, dir, map[string]string{"models/local-7b/model.json": `{"id":"local-7b"}`,
		"assistants/helper/assistant.json": `{"id":"helper","object":"assistant"}`})
	var list wire.ModelList
	getJSON(t, base+"/v1/models", &list)
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
	}
	if want := []string{"alpha", "beta", "local-7b", "assistant:helper"}; !slices.Equal(ids, want) {
		t.Errorf("models %q, want %q", ids, want)
	}
	for _, tc := range []struct {
		model  string
		status int
	}{
		{"alpha", 200},            // the default
		{"beta", 200},             // listed
		{"local-7b", 200},         // a data dir model
		{"assistant:helper", 200}, // an assistant
		{"gamma", 404},            // unknown
		{"assistant:ghost", 404},  // unknown assistant
	} {
		t.Run(tc.model, func(t *testing.T) {
			resp, err := http.Get(base + "/v1/models/" + tc.model)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("GET /v1/models/%s: %d, want %d", tc.model, resp.StatusCode, tc.status)
			}
			resp = post(t, context.Background(), base, wire.ChatRequest{Model: tc.model,
				Messages: []openai.ChatCompletionMessage{user("hi")}}, nil)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("chat with %s: %d %s, want %d", tc.model, resp.StatusCode, b, tc.status)
			}
		})
	}
}

// writeData writes files under a data dir.
func writeData(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for rel, c := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSettingsReachProvider checks that the merged settings (model <
// assistant < thread) are what the provider gets, and that what the
// request states itself wins over every file.
func TestSettingsReachProvider(t *testing.T) {
	base, dir, rec := jangarServer(t, nil)
	writeData(t, dir, map[string]string{
		"models/m1/model.json":             `{"id":"m1","system_prompt":"model","parameters":{"temperature":0.1,"top_p":0.2,"max_tokens":30}}`,
		"assistants/helper/assistant.json": `{"id":"helper","object":"assistant","model":"m1","instructions":"assistant"}`,
		"assistants/helper/model.json":     `{"parameters":{"temperature":0.5}}`,
		"threads/t1/thread.json":           `{"id":"t1","object":"thread","assistant_id":"helper"}`,
		"threads/t1/model.json":            `{"parameters":{"max_tokens":7}}`,
	})
	hdr := map[string]string{threads.HeaderJanus: "t1"}
	stream(t, base, wire.ChatRequest{Model: "assistant:helper", Stream: true,
		Messages: []openai.ChatCompletionMessage{user("hi")}}, hdr)
	got := rec.last(t)
	if got.Model != "m1" || *got.Temperature != 0.5 || *got.TopP != 0.2 || *got.MaxTokens != 7 ||
		got.Messages[0].Role != "system" || got.Messages[0].Content != "assistant" {
		t.Errorf("provider got model %q temp %v top_p %v max %v messages %q", got.Model, *got.Temperature,
			*got.TopP, *got.MaxTokens, texts(got.Messages))
	}
	// The request's own temperature and system prompt win.
	temp := 1.25
	stream(t, base, wire.ChatRequest{Model: "assistant:helper", Stream: true, Temperature: &temp,
		Messages: []openai.ChatCompletionMessage{{Role: "system", Content: "mine"}, user("again")}}, hdr)
	got = rec.last(t)
	if *got.Temperature != 1.25 || got.Messages[0].Content != "mine" || slices.Contains(texts(got.Messages), "system:assistant") {
		t.Errorf("explicit request values lost: temp %v messages %q", *got.Temperature, texts(got.Messages))
	}
}

// TestLockedThreadHTTP checks the lock over HTTP: after the first message
// another assistant is a 409 and stores nothing; a plain model keeps
// talking to the thread's assistant.
func TestLockedThreadHTTP(t *testing.T) {
	base, dir, rec := jangarServer(t, nil)
	writeData(t, dir, map[string]string{
		"assistants/a/assistant.json": `{"id":"a","object":"assistant","instructions":"I am A"}`,
		"assistants/b/assistant.json": `{"id":"b","object":"assistant","instructions":"I am B"}`,
	})
	hdr := map[string]string{threads.HeaderOpenWebUI: "locked"}
	say := func(model, text string) (int, string) {
		resp := post(t, context.Background(), base, wire.ChatRequest{Model: model, Stream: true,
			Messages: []openai.ChatCompletionMessage{user(text)}}, hdr)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, b := say("assistant:a", "hello"); st != 200 {
		t.Fatalf("first turn: %d %s", st, b)
	}
	// An assistant naming no model runs on the default model.
	if got := rec.last(t).Model; got != testModel {
		t.Errorf("assistant without a model: provider got model %q, want %q", got, testModel)
	}
	if st, b := say("assistant:b", "switch"); st != http.StatusConflict || !strings.Contains(b, "locked") {
		t.Errorf("other assistant: %d %s", st, b)
	}
	if st, b := say(testModel, "plain"); st != 200 {
		t.Errorf("plain model: %d %s", st, b)
	}
	if got := rec.last(t).Messages[0]; got.Content != "I am A" {
		t.Errorf("plain model on a thread of a: system prompt %q", got.Content)
	}

	var ms struct{ Data []threads.Message }
	getJSON(t, base+"/v1/threads/locked/messages", &ms)
	if len(ms.Data) != 4 || ms.Data[1].AssistantID != "a" || ms.Data[2].Content != "plain" {
		t.Errorf("stored %+v", ms.Data)
	}
	// A thread of no assistant is locked too.
	hdr[threads.HeaderOpenWebUI] = "plain-thread"
	say(testModel, "hi")
	if st, b := say("assistant:a", "now a"); st != http.StatusConflict {
		t.Errorf("assistant on a plain thread: %d %s", st, b)
	}
}

// TestDeletedAssistantReadOnly checks that a thread whose assistant was
// deleted can be read but not chatted on.
func TestDeletedAssistantReadOnly(t *testing.T) {
	base, dir, _ := jangarServer(t, nil)
	writeData(t, dir, map[string]string{"assistants/a/assistant.json": `{"id":"a","object":"assistant"}`})
	hdr := map[string]string{threads.HeaderJanus: "t"}
	stream(t, base, wire.ChatRequest{Model: "assistant:a", Stream: true, Messages: []openai.ChatCompletionMessage{user("hi")}}, hdr)
	req, _ := http.NewRequest(http.MethodDelete, base+"/v1/assistants/a", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("delete: %v %v", resp, err)
	}
	resp.Body.Close()
	for _, model := range []string{"assistant:a", testModel} {
		t.Run(model, func(t *testing.T) {
			resp = post(t, context.Background(), base, wire.ChatRequest{Model: model, Stream: true,
				Messages: []openai.ChatCompletionMessage{user("still there?")}}, hdr)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusConflict || !strings.Contains(string(b), "read-only") {
				t.Errorf("chat with %s after delete: %d %s", model, resp.StatusCode, b)
			}
		})
	}
	var ms struct{ Data []threads.Message }
	getJSON(t, base+"/v1/threads/t/messages", &ms)
	if len(ms.Data) != 2 {
		t.Errorf("messages after delete: %+v", ms.Data)
	}
}

// TestConcurrentTurns sends 50 turns to one thread at once, for both
// stores: all 100 messages are kept, each reply right after its question.
func TestConcurrentTurns(t *testing.T) {
	for _, kind := range []string{"file", "redis"} {
		t.Run(kind, func(t *testing.T) {
			var store threads.Store
			base, dir, _ := jangarServer(t, func(c *baseline.Config) {
				if kind == "redis" {
					rs := redistest.Connect(t).Store(t)
					c.Threads, store = rs, rs
				}
			})
			if store == nil {
				store = openFileStore(t, dir)
			}
			const n = 50
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					resp := post(t, context.Background(), base, wire.ChatRequest{Model: testModel, Stream: i%2 == 0,
						Messages: []openai.ChatCompletionMessage{user(fmt.Sprintf("q%d", i))}},
						map[string]string{threads.HeaderJanus: "busy"})
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || strings.Contains(string(b), `"error"`) {
						t.Errorf("turn %d: %d %s", i, resp.StatusCode, b)
					}
				})
			}
			wg.Wait()
			got := threadMessages(t, store, "busy")
			if len(got) != 2*n {
				t.Fatalf("%d messages stored, want %d", len(got), 2*n)
			}
			seen := map[string]bool{}
			for i := 0; i < len(got); i += 2 {
				q, _ := strings.CutPrefix(got[i], "user:")
				if got[i+1] != "assistant:reply to: "+q || seen[q] {
					t.Fatalf("pair %d = %q, %q", i/2, got[i], got[i+1])
				}
				seen[q] = true
			}
		})
	}
}

// TestCorruptThreadHTTP checks that a corrupt thread.json fails the turn
// with a 500 naming the file, and leaves the file as it was.
func TestCorruptThreadHTTP(t *testing.T) {
	base, dir, _ := jangarServer(t, nil)
	const bad = `{"id":"t","object":`
	writeData(t, dir, map[string]string{"threads/t/thread.json": bad})
	resp := post(t, context.Background(), base, wire.ChatRequest{Model: testModel, Stream: true,
		Messages: []openai.ChatCompletionMessage{user("hi")}}, map[string]string{threads.HeaderJanus: "t"})
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	path := filepath.Join(dir, "threads", "t", "thread.json")
	var env wire.ErrorEnvelope
	if err := json.Unmarshal(b, &env); err != nil || resp.StatusCode != 500 || !strings.Contains(env.Error.Message, path) {
		t.Errorf("status %d body %s; want 500 naming %s", resp.StatusCode, b, path)
	}
	if c, _ := os.ReadFile(path); string(c) != bad {
		t.Errorf("thread.json changed to %q", c)
	}
}

// TestFailedTurnNotStored checks that a turn whose provider fails keeps
// nothing: the client saw an error, so the thread does not pretend
// otherwise.
func TestFailedTurnNotStored(t *testing.T) {
	base, dir, rec := jangarServer(t, nil)
	rec.fail = true
	hdr := map[string]string{threads.HeaderJanus: "t"}
	resp := post(t, context.Background(), base, wire.ChatRequest{Model: testModel, Stream: true,
		Messages: []openai.ChatCompletionMessage{user("hi")}}, hdr)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// How the stream ends after an error is the handler's business; what
	// matters here is that the client was told.
	if !strings.Contains(string(b), "upstream broke") {
		t.Errorf("failed stream: %s", b)
	}
	if got := threadMessages(t, openFileStore(t, dir), "t"); len(got) != 0 {
		t.Errorf("failed turn stored %q", got)
	}
}

// TestThreadWithSim checks thread memory with the real sim provider: the
// stored reply is exactly what was streamed, and the stream still meets
// the contract.
func TestThreadWithSim(t *testing.T) {
	cfg := fast()
	cfg.DataDir = t.TempDir()
	base := serve(t, cfg).URL
	hdr := map[string]string{threads.HeaderJanus: "sim-thread"}
	s := stream(t, base, wire.ChatRequest{Model: testModel, Stream: true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages:      []openai.ChatCompletionMessage{user("tell me something")}}, hdr)
	if !s.doneLast || len(s.usage) != 1 || s.content == "" || s.header.Get(threads.HeaderJanus) != "sim-thread" {
		t.Errorf("stream: done=%v usage=%d content=%q header=%q", s.doneLast, len(s.usage), s.content, s.header.Get(threads.HeaderJanus))
	}
	got := threadMessages(t, openFileStore(t, cfg.DataDir), "sim-thread")
	if len(got) != 2 || got[1] != "assistant:"+s.content {
		t.Errorf("stored %q, streamed %q", got, s.content)
	}
}

// TestBadThreadHeader checks that an unusable thread id is a 400 naming the
// header.
func TestBadThreadHeader(t *testing.T) {
	base, _, _ := jangarServer(t, nil)
	resp := post(t, context.Background(), base, wire.ChatRequest{Model: testModel, Stream: true,
		Messages: []openai.ChatCompletionMessage{user("hi")}}, map[string]string{threads.HeaderOpenWebUI: "../../etc"})
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), threads.HeaderOpenWebUI) {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}

// TestThreadStoreConfig checks the configuration errors are ConfigErrors.
func TestThreadStoreConfig(t *testing.T) {
	for i, cfg := range []baseline.Config{
		{ThreadStore: "mongo"},                   // unknown kind
		{ThreadStore: baseline.ThreadStoreRedis}, // redis without a URL
		{ThreadStore: baseline.ThreadStoreFile},  // file without a data dir
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			_, err := baseline.New(cfg)
			var ce *baseline.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("%+v: %v", cfg, err)
			}
		})
	}
}

// TestProfilesThroughThreads checks that the sim's profiles misbehave the
// same on a thread: the recorder in front of the stream hides nothing.
func TestProfilesThroughThreads(t *testing.T) {
	cfg := fast()
	cfg.DataDir, cfg.TimeScale = t.TempDir(), 0.01
	base := serve(t, cfg).URL
	for _, tc := range []struct {
		profile    string
		usage, bad int
		done       bool
	}{
		{baseline.ProfileBrokenSSE, 1, 1, false}, // one non-JSON frame, no [DONE]
		{baseline.ProfileNoUsage, 0, 0, true},    // no usage chunk although asked for
		{baseline.ProfileOracle, 1, 0, true},     // the control
	} {
		t.Run(tc.profile, func(t *testing.T) {
			req := task(t, "smoke-stream-count").ChatRequest("m", true)
			req.Metadata = map[string]any{baseline.MetaProfile: tc.profile}
			id := "prof-" + tc.profile
			resp := post(t, context.Background(), base, req, map[string]string{threads.HeaderJanus: id})
			fs := readFrames(t, resp.Body)
			resp.Body.Close()
			c, usage, done, bad := assemble(fs)
			if usage != tc.usage || bad != tc.bad || done != tc.done {
				t.Errorf("%s: usage %d bad %d done %v", tc.profile, usage, bad, done)
			}
			got := threadMessages(t, openFileStore(t, cfg.DataDir), id)
			if len(got) != 2 || got[1] != "assistant:"+c {
				t.Errorf("%s: stored %q, streamed %q", tc.profile, got, c)
			}
		})
	}
}
