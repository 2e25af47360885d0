package sse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"
)

// The benchmark stream: benchEvents OpenAI chat.completion.chunk events, a
// ": ping" keep-alive before every benchPingEvery-th of them, and the
// "data: [DONE]" terminator. events/s counts only the chunk events, in every
// benchmark, so that the figures compare directly.
const (
	benchChunk     = `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"tok"},"finish_reason":null}]}` + "\n\n"
	benchEvents    = 1000
	benchPingEvery = 50
)

var (
	benchStream = buildBenchStream()
	doneData    = []byte("[DONE]")
)

func buildBenchStream() []byte {
	var b bytes.Buffer
	for i := range benchEvents {
		if i%benchPingEvery == 0 {
			b.WriteString(": ping\n\n")
		}
		b.WriteString(benchChunk)
	}
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes()
}

// measure runs one stream per iteration; stream returns how many chunk
// events it saw. It reports events/s and allocs/event (all heap allocations
// in the process during the loop, the loopback server's included, divided
// by chunk events).
func measure(b *testing.B, stream func() int) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(int64(len(benchStream)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	events := 0
	for b.Loop() {
		if n := stream(); n != benchEvents {
			b.Fatalf("read %d chunk events, want %d", n, benchEvents)
		}
		events += benchEvents
	}
	elapsed := b.Elapsed()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(events)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events), "allocs/event")
}

// readAll reads one stream with our reader up to "[DONE]", optionally
// decoding each chunk the way go-openai's Recv does.
func readAll(b *testing.B, body io.Reader, decode bool) int {
	rd := NewReader(body)
	n := 0
	for {
		e, err := rd.Next()
		if err != nil {
			b.Fatalf("next: %v", err)
		}
		if e.Kind != KindEvent {
			continue
		}
		if bytes.Equal(e.Data, doneData) {
			return n
		}
		if decode {
			var resp openai.ChatCompletionStreamResponse
			if err := json.Unmarshal(e.Data, &resp); err != nil {
				b.Fatalf("decode: %v", err)
			}
		}
		n++
	}
}

func BenchmarkReader(b *testing.B) {
	measure(b, func() int { return readAll(b, bytes.NewReader(benchStream), false) })
}

func BenchmarkReaderDecode(b *testing.B) {
	measure(b, func() int { return readAll(b, bytes.NewReader(benchStream), true) })
}

// BenchmarkReaderSteadyState reads an endless repetition of the stream with
// one Reader, so each op is one Next (event or comment) and setup costs
// vanish: allocs/op here is allocations per item.
func BenchmarkReaderSteadyState(b *testing.B) {
	rd := NewReader(&cycle{data: benchStream})
	items := 0
	b.ReportAllocs()
	b.SetBytes(int64(len(benchStream)) / (benchEvents + benchEvents/benchPingEvery + 1))
	for b.Loop() {
		if _, err := rd.Next(); err != nil {
			b.Fatal(err)
		}
		items++
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
}

// drainingTransport makes closing a response body read it to the end first,
// so that the HTTP client can reuse the connection for both readers; without
// it, go-openai's stream (which stops reading at "[DONE]") would pay a new
// TCP connection per stream and the comparison would measure that instead.
type drainingTransport struct{ next http.RoundTripper }

func (t drainingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = drainCloser{resp.Body}
	return resp, nil
}

type drainCloser struct{ io.ReadCloser }

func (d drainCloser) Close() error {
	_, _ = io.Copy(io.Discard, d.ReadCloser)
	return d.ReadCloser.Close()
}

// memTransport answers every request with the benchmark stream from memory:
// the same client code paths without the loopback server, whose goroutines
// would otherwise share the two cores with the reader being measured.
type memTransport struct{}

func (memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{"Content-Type": {"text/event-stream"}},
		Body:       io.NopCloser(bytes.NewReader(benchStream)),
		Request:    req,
	}, nil
}

// newStreamServer serves the benchmark stream as text/event-stream on
// loopback.
func newStreamServer(b *testing.B) (*httptest.Server, *http.Client) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(benchStream)
	}))
	b.Cleanup(srv.Close)
	hc := srv.Client()
	hc.Transport = drainingTransport{hc.Transport}
	return srv, hc
}

const benchRequestBody = `{"model":"m","messages":[{"role":"user","content":"hi"}],"stream":true}`

// ourStream posts to url with hc and reads the response with our reader.
func ourStream(b *testing.B, hc *http.Client, url string, decode bool) int {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, strings.NewReader(benchRequestBody))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	return readAll(b, resp.Body, decode)
}

// openaiStream reads one stream through go-openai's own stream reader: Recv
// (which JSON-decodes every chunk) or RecvRaw (its line parser alone).
func openaiStream(b *testing.B, client *openai.Client, decode bool) int {
	stream, err := client.CreateChatCompletionStream(context.Background(), openai.ChatCompletionRequest{
		Model:    "m",
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer stream.Close()
	n := 0
	for {
		var err error
		if decode {
			_, err = stream.Recv()
		} else {
			_, err = stream.RecvRaw()
		}
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			b.Fatalf("recv: %v", err)
		}
		n++
	}
}

func newOpenAIClient(baseURL string, hc *http.Client) *openai.Client {
	cfg := openai.DefaultConfig("test-key")
	cfg.BaseURL = baseURL
	cfg.HTTPClient = hc
	return openai.NewClientWithConfig(cfg)
}

func BenchmarkReaderHTTP(b *testing.B) {
	srv, hc := newStreamServer(b)
	url := srv.URL + "/v1/chat/completions"
	b.Run("raw", func(b *testing.B) { measure(b, func() int { return ourStream(b, hc, url, false) }) })
	b.Run("decode", func(b *testing.B) { measure(b, func() int { return ourStream(b, hc, url, true) }) })
}

func BenchmarkGoOpenAIStream(b *testing.B) {
	srv, hc := newStreamServer(b)
	client := newOpenAIClient(srv.URL+"/v1", hc)
	b.Run("raw", func(b *testing.B) { measure(b, func() int { return openaiStream(b, client, false) }) })
	b.Run("decode", func(b *testing.B) { measure(b, func() int { return openaiStream(b, client, true) }) })
}

func BenchmarkReaderMem(b *testing.B) {
	hc := &http.Client{Transport: memTransport{}}
	url := "http://mem.invalid/v1/chat/completions"
	b.Run("raw", func(b *testing.B) { measure(b, func() int { return ourStream(b, hc, url, false) }) })
	b.Run("decode", func(b *testing.B) { measure(b, func() int { return ourStream(b, hc, url, true) }) })
}

func BenchmarkGoOpenAIStreamMem(b *testing.B) {
	client := newOpenAIClient("http://mem.invalid/v1", &http.Client{Transport: memTransport{}})
	b.Run("raw", func(b *testing.B) { measure(b, func() int { return openaiStream(b, client, false) }) })
	b.Run("decode", func(b *testing.B) { measure(b, func() int { return openaiStream(b, client, true) }) })
}
