package chat

import (
	"bytes"
	"context"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/gateway"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// Prompts the test sims know (their answers are in testSuite).
const (
	promptRich = "Show me everything you can do"
	promptXSS  = "Say something hostile"
	promptLong = "Tell me a very long story"
)

// xssAnswer is a model answer that tries to run script through the page.
const xssAnswer = `Hello <img src=x onerror="window.pwned=1"> and <script>window.pwned=2</script> ` +
	`[click](javascript:window.pwned=3) <a href="javascript:window.pwned=4">a</a> **bold**`

// testPNG is a small red PNG as a data URL.
func testPNG(t testing.TB) string {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{200, 40, 40, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())
}

// testSuite is the oracle of the test sims: prompts with reasoning,
// markdown, an image artifact, hostile markup and a long answer.
func testSuite(t testing.TB) *suites.Suite {
	task := func(id, prompt string, ref suites.Reference) suites.Task {
		return suites.Task{ID: id, Category: suites.CatChat, Reference: ref,
			Messages: []openai.ChatCompletionMessage{{Role: "user", Content: prompt}}}
	}
	rich := suites.Reference{
		ReasoningContent: "First I consider what the user wants, then I plan the answer step by step.",
		Content: "Here is **bold** text, `inline code` and a list:\n\n- one\n- two\n\n```go\nfmt.Println(\"hi\")\n```\n" +
			"That is all for now, thank you for asking such a friendly question today.",
		Artifacts: []wire.Artifact{{ID: "chart", Type: "image", MimeType: "image/png", DisplayName: "chart.png", URL: testPNG(t)}},
	}
	long := suites.Reference{Content: strings.Repeat("Once upon a time there was a patient benchmark. ", 60)}
	return &suites.Suite{Name: "chat-test", Version: "1", Tasks: []suites.Task{
		task("rich", promptRich, rich),
		task("xss", promptXSS, suites.Reference{Content: xssAnswer}),
		task("long", promptLong, long),
	}}
}

// stack is a real gateway over two baseline sims, and the chat pages in
// front of it, for one test.
type stack struct {
	chat     *httptest.Server
	gw       *gateway.Running
	dataDir  string
	clock    *atomic.Int64 // offset of the gateway's clock, ns
	cancels  chan string   // upstream paths whose request context ended
	handler  *Handler
	storeDSN string
	ids      *idLog
}

// chatIDs are the x-openwebui-chat-id values sent to the gateway so far.
func (s *stack) chatIDs() []string {
	s.ids.mu.Lock()
	defer s.ids.mu.Unlock()
	return append([]string(nil), s.ids.ids...)
}

// cancelWatch is a transport that reports when an upstream request's
// context ends, which is how the test sees the proxy cancel the gateway.
type cancelWatch struct {
	base http.RoundTripper
	ch   chan string
	ids  *idLog
}

// idLog keeps the thread ids the proxy sent upstream.
type idLog struct {
	mu  sync.Mutex
	ids []string
}

func (c cancelWatch) RoundTrip(r *http.Request) (*http.Response, error) {
	if id := r.Header.Get("x-openwebui-chat-id"); id != "" {
		c.ids.mu.Lock()
		c.ids.ids = append(c.ids.ids, id)
		c.ids.mu.Unlock()
	}
	ctx := r.Context()
	go func() {
		<-ctx.Done()
		select {
		case c.ch <- r.URL.Path:
		default:
		}
	}()
	return c.base.RoundTrip(r)
}

// testUser and the CSRF stub: the user comes from a cookie, the token is
// derived from it. The real session (package web) is wired by the service.
func testUser(r *http.Request) (string, bool) {
	c, err := r.Cookie("test_user")
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

func testCSRF() CSRF {
	token := func(r *http.Request) string {
		u, _ := testUser(r)
		return "tok-" + u
	}
	return CSRF{Token: func(_ http.ResponseWriter, r *http.Request) string { return token(r) }, Check: func(r *http.Request) bool {
		u, ok := testUser(r)
		return ok && r.Header.Get("X-CSRF-Token") == "tok-"+u
	}}
}

func startStack(t testing.TB, pace baseline.Pace, extra ...string) *stack {
	t.Helper()
	ctx := context.Background()
	suite := testSuite(t)
	comps := append([]string(nil), extra...)
	for _, name := range []string{"alpha", "beta"} {
		url, stop, err := baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: pace, Suites: []*suites.Suite{suite}, Model: name + "-model"})
		if err != nil {
			t.Fatalf("start baseline: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = stop(ctx)
		})
		comps = append(comps, name+"="+strings.TrimSuffix(url, "/v1"))
	}
	s := &stack{dataDir: t.TempDir(), clock: new(atomic.Int64), cancels: make(chan string, 16), ids: &idLog{}}
	gw, err := gateway.Start(ctx, gateway.Options{Listen: "127.0.0.1:0", Competitors: comps, DataDir: s.dataDir,
		KeepAlive: 200 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(time.Duration(s.clock.Load())) }})
	if err != nil {
		t.Fatalf("start gateway: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Stop(ctx)
	})
	s.gw = gw
	s.storeDSN = filepath.Join(t.TempDir(), "store.db")
	st, err := Open(ctx, s.storeDSN)
	if err != nil {
		t.Fatalf("open chat store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	client := defaultClient()
	client.Transport = cancelWatch{base: client.Transport, ch: s.cancels, ids: s.ids}
	h, err := New(Options{Gateway: gw.URL, User: testUser, CSRF: testCSRF(), Client: client}, st)
	if err != nil {
		t.Fatalf("new chat: %v", err)
	}
	s.handler = h
	mux := http.NewServeMux()
	h.Mount(mux.Handle)
	s.chat = httptest.NewServer(mux)
	t.Cleanup(s.chat.Close)
	return s
}

// waitCancel waits for the upstream request to path to be cancelled.
func (s *stack) waitCancel(t testing.TB, path string, within time.Duration) {
	t.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case p := <-s.cancels:
			if p == path {
				return
			}
		case <-timer.C:
			t.Fatalf("the upstream request to %s was not cancelled within %v", path, within)
		}
	}
}

// client is an HTTP client signed in as user.
type client struct {
	base, user string
}

func (c *client) do(t testing.TB, method, path, body string, csrf bool) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if c.user != "" {
		req.AddCookie(&http.Cookie{Name: "test_user", Value: c.user})
	}
	if csrf {
		req.Header.Set("X-CSRF-Token", "tok-"+c.user)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp, b.Bytes()
}

// scripted is a competitor that streams janus events and hostile
// artifact descriptors, which the sims do not send on a plain chat.
func scripted(t testing.TB) string {
	frames := []string{
		`{"choices":[{"index":0,"delta":{"role":"assistant"}}]}`,
		`{"choices":[{"index":0,"delta":{"janus":{"event":"tool_start","payload":{"name":"web_search"}}}}]}`,
		`{"choices":[{"index":0,"delta":{"janus":{"event":"tool_end","payload":{"name":"web_search"}}}}]}`,
		`{"choices":[{"index":0,"delta":{"janus":{"event":"sandbox_start","payload":{"language":"python"}}}}]}`,
		`{"choices":[{"index":0,"delta":{"janus":{"event":"sandbox_end"}}}]}`,
		`{"choices":[{"index":0,"delta":{"content":"Searched and ran code."}}]}`,
		`{"choices":[{"index":0,"delta":{"artifacts":[{"id":"x1","type":"image","url":"javascript:window.pwned=5"},{"id":"x2","type":"file","display_name":"notes.txt","url":"data:text/plain;base64,aGk="},{"id":"x3","type":"image","mime_type":"text/html","display_name":"page.html","url":"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="}]}}]}`,
		`{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"cost_usd":0.5}}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/models":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"object":"list","data":[{"id":"gamma-model","object":"model","owned_by":"gamma"}]}`))
		case "/v1/chat/completions":
			w.Header().Set("Content-Type", "text/event-stream")
			for _, f := range frames {
				_, _ = w.Write([]byte("data: " + f + "\n\n"))
			}
			_, _ = w.Write([]byte("data: [DONE]\n\n"))
		default:
			_, _ = w.Write([]byte(`{"status":"ok"}`))
		}
	}))
	t.Cleanup(srv.Close)
	return "gamma=" + srv.URL
}
