package baseline_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/suites"
)

// testModel is the model id the test servers serve.
const testModel = "sim-under-test"

// fast is a config that never waits, so tests run at loopback speed.
func fast() baseline.Config {
	return baseline.Config{Model: testModel, Pace: baseline.Unpaced()}
}

// serve runs a baseline server on a real loopback socket for one test.
func serve(t *testing.T, cfg baseline.Config) *httptest.Server {
	t.Helper()
	s, err := baseline.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return ts
}

// smoke loads the embedded smoke suite.
func smoke(t *testing.T) *suites.Suite {
	t.Helper()
	s, err := suites.Load(context.Background(), "smoke")
	if err != nil {
		t.Fatalf("load smoke suite: %v", err)
	}
	return s
}

// task finds a smoke task by id.
func task(t *testing.T, id string) *suites.Task {
	t.Helper()
	s := smoke(t)
	for i := range s.Tasks {
		if s.Tasks[i].ID == id {
			return &s.Tasks[i]
		}
	}
	t.Fatalf("no smoke task %s", id)
	return nil
}

// frame is one SSE frame as a raw client sees it.
type frame struct {
	comment string // text of a ": …" comment frame
	data    string // joined data lines of an event
}

func (f frame) isComment() bool { return f.data == "" && f.comment != "" }

// readFrames parses an event stream line by line until EOF.
func readFrames(t *testing.T, r io.Reader) []frame {
	t.Helper()
	var out []frame
	var data []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 8<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data != nil {
				out = append(out, frame{data: strings.Join(data, "\n")})
				data = nil
			}
		case strings.HasPrefix(line, ":"):
			out = append(out, frame{comment: strings.TrimSpace(line[1:])})
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		default:
			t.Errorf("unexpected SSE line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read stream: %v", err)
	}
	if data != nil {
		t.Errorf("stream ended inside an event: %q", data)
	}
	return out
}

// post sends body (marshalled unless it is a string) to the chat endpoint.
func post(t *testing.T, ctx context.Context, base string, body any, hdr map[string]string) *http.Response {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatalf("marshal request: %v", err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/chat/completions", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	return resp
}

// streamed is a stream assembled the way a client assembles it.
type streamed struct {
	frames    []frame
	chunks    []wire.Chunk // every data frame but [DONE], in order
	content   string
	reasoning string
	names     []string
	args      []string
	ids       []string
	finish    string
	usage     []*wire.Usage
	comments  int
	doneLast  bool
	header    http.Header
}

// stream posts req and assembles the stream, failing on anything that is
// not a well-formed OpenAI chunk.
func stream(t *testing.T, base string, req any, hdr map[string]string) *streamed {
	t.Helper()
	return readStreamed(t, post(t, context.Background(), base, req, hdr))
}

// streamInMemory is stream without a socket: the handler of a baseline
// built from cfg answers into a recorder, so a synctest bubble can host
// the whole exchange and its pacing runs on the bubble's fake clock.
func streamInMemory(t *testing.T, cfg baseline.Config, req any) *streamed {
	t.Helper()
	srv, err := baseline.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("marshal request: %v", err)
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, r)
	return readStreamed(t, w.Result())
}

// streamPipe serves req with a baseline built from cfg and returns the
// response body as it is written, through an in-memory pipe: the client
// sees each write when the handler makes it, as over TCP, and a synctest
// bubble can host both ends (its fake clock then times the stream).
func streamPipe(t *testing.T, cfg baseline.Config, req any) io.ReadCloser {
	t.Helper()
	srv, err := baseline.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("marshal request: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/v1/chat/completions", bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Handler().ServeHTTP(&pipeWriter{header: http.Header{}, w: pw}, r)
		pw.Close()
	}()
	return &pipeBody{PipeReader: pr, stop: func() { cancel(); pr.Close(); <-done }}
}

// pipeWriter is an http.ResponseWriter (and Flusher) writing into a pipe.
type pipeWriter struct {
	header http.Header
	w      *io.PipeWriter
}

func (p *pipeWriter) Header() http.Header         { return p.header }
func (p *pipeWriter) WriteHeader(int)             {}
func (p *pipeWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p *pipeWriter) Flush()                      {}

// pipeBody is the client's end; Close cancels the request as a client
// hanging up would, and waits for the handler to return.
type pipeBody struct {
	*io.PipeReader
	stop func()
}

func (b *pipeBody) Close() error { b.stop(); return nil }

// readStreamed assembles a streamed response as a client would.
func readStreamed(t *testing.T, resp *http.Response) *streamed {
	t.Helper()
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("Cache-Control = %q", cc)
	}
	s := &streamed{frames: readFrames(t, resp.Body), header: resp.Header}
	for i, f := range s.frames {
		if f.isComment() {
			s.comments++
			continue
		}
		if f.data == "[DONE]" {
			s.doneLast = i == len(s.frames)-1
			continue
		}
		var c wire.Chunk
		if err := json.Unmarshal([]byte(f.data), &c); err != nil {
			t.Fatalf("frame %d: bad chunk %q: %v", i, f.data, err)
		}
		if c.Object != wire.ObjectChunk || c.Model != testModel || c.ID == "" {
			t.Errorf("frame %d: envelope %+v", i, c)
		}
		s.chunks = append(s.chunks, c)
		if c.Usage != nil {
			s.usage = append(s.usage, c.Usage)
		}
		for _, ch := range c.Choices {
			s.content += ch.Delta.Content
			s.reasoning += ch.Delta.ReasoningContent
			if ch.FinishReason != nil {
				s.finish = *ch.FinishReason
			}
			for _, tc := range ch.Delta.ToolCalls {
				if tc.Index == nil {
					t.Fatalf("frame %d: tool call delta without index", i)
				}
				for len(s.names) <= *tc.Index {
					s.names, s.args, s.ids = append(s.names, ""), append(s.args, ""), append(s.ids, "")
				}
				s.names[*tc.Index] += tc.Function.Name
				s.args[*tc.Index] += tc.Function.Arguments
				if tc.ID != "" {
					s.ids[*tc.Index] = tc.ID
				}
			}
		}
	}
	return s
}

// output is what the harness counts as output tokens.
func output(reasoning, content string, names, args []string) string {
	s := reasoning + content
	for i := range names {
		s += names[i] + args[i]
	}
	return s
}

// promptTokens is the prompt token count the sim must report.
func promptTokens(req wire.ChatRequest) int {
	n := 0
	for _, m := range req.Messages {
		n += tokens.Count(wire.TextOf(m))
	}
	return n
}

// observed is an EventObserver that records frames.
type observed struct {
	mu     sync.Mutex
	events []obsEvent
	notify chan obsEvent
}

type obsEvent struct {
	rid  string
	seq  int
	kind string
	at   time.Time
}

func newObserved() *observed { return &observed{notify: make(chan obsEvent, 1<<12)} }

func (o *observed) observe(rid string, seq int, kind string, at time.Time) {
	ev := obsEvent{rid, seq, kind, at}
	o.mu.Lock()
	o.events = append(o.events, ev)
	o.mu.Unlock()
	select {
	case o.notify <- ev:
	default:
	}
}

func (o *observed) snapshot() []obsEvent {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]obsEvent(nil), o.events...)
}
