package memory_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/memory"
	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
	"github.com/janus-bench/janus/internal/wire"
)

// recorder is a baseline provider that answers "ok" and keeps the
// messages each request reached it with.
type recorder struct {
	mu   sync.Mutex
	seen [][]string
}

func (p *recorder) Name() string       { return "recorder" }
func (p *recorder) Features() []string { return nil }
func (p *recorder) Open(ctx context.Context, req *baseline.Request) (baseline.Generation, error) {
	var texts []string
	for _, m := range req.Chat.Messages {
		texts = append(texts, m.Role+": "+wire.TextOf(m))
	}
	p.mu.Lock()
	p.seen = append(p.seen, texts)
	p.mu.Unlock()
	return okGen{}, nil
}

type okGen struct{}

func (okGen) Run(ctx context.Context, sink baseline.Sink) (baseline.Outcome, error) {
	err := sink.Emit(ctx, baseline.Event{Kind: baseline.KindContent, Delta: wire.Delta{Content: "ok"}})
	return baseline.Outcome{FinishReason: "stop"}, err
}

// TestBaselineRemembers: the baseline with --memory-url extracts after a
// turn (in the background: the stream ends while the extraction is still
// held) and recalls the fact into a later, separate conversation.
func TestBaselineRemembers(t *testing.T) {
	svc, err := memory.New(context.Background(), memory.Config{DSN: sqltest.Backends(t)[0].DSN(t), LLMURL: simLLM(t), LLMModel: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	release, extracted := make(chan struct{}), make(chan int, 4)
	inner := svc.Handler()
	msrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/memories/extract" {
			inner.ServeHTTP(w, r)
			return
		}
		<-release
		rec := httptest.NewRecorder()
		inner.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		extracted <- rec.Code
	}))
	defer msrv.Close()
	prov := &recorder{}
	burl, stop, err := baseline.Start(context.Background(), "127.0.0.1:0", baseline.Config{Provider: prov, Pace: baseline.Unpaced(), MemoryURL: msrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	chat := func(user, text string) string {
		body := `{"model":"m","stream":true,"messages":[{"role":"user","content":` + quote(text) + `}]}`
		req, _ := http.NewRequest("POST", burl+"/chat/completions", strings.NewReader(body))
		req.Header.Set(baseline.HeaderUserID, user)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if out := chat("dana", "Hello! My dog is called Juniper and I walk her every morning."); !strings.Contains(out, "[DONE]") {
		t.Fatalf("first turn did not finish while its extraction was held: %s", out)
	}
	close(release)
	if code := <-extracted; code != 200 {
		t.Fatalf("background extraction: HTTP %d", code)
	}
	chat("dana", "What is my dog's name?")
	chat("erin", "What is my dog's name?")
	prov.mu.Lock()
	defer prov.mu.Unlock()
	if len(prov.seen) != 3 {
		t.Fatalf("provider saw %d requests", len(prov.seen))
	}
	if got := strings.Join(prov.seen[1], "\n"); !strings.Contains(got, "system: What you remember about this user") || !strings.Contains(got, "Juniper") {
		t.Fatalf("second conversation without the recalled fact:\n%s", got)
	}
	if got := strings.Join(prov.seen[2], "\n"); strings.Contains(got, "Juniper") {
		t.Fatalf("another user got dana's memory:\n%s", got)
	}
	<-extracted
	<-extracted
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
