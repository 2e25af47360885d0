package trace

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/internal/wire"
)

// memTransport answers every request with one stream from memory, so the
// benchmark measures the clients, not a loopback server.
type memTransport struct{ body []byte }

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"text/event-stream"}},
		Body:    io.NopCloser(bytes.NewReader(m.body)),
		Request: req}, nil
}

// providerStream builds a long stream of a corpus file's shape: every
// token-bearing chunk (content, reasoning, a tool call's argument pieces)
// repeated until the stream has about n data events, the other chunks
// (role, finish, usage — also a token chunk that carries usage, as
// Gemini's last one does —, [DONE], comments) once.
func providerStream(f *corpusFile, n int) ([]byte, int) {
	payloads := corpusPayloads(f)
	repeat := func(d []byte) bool {
		t := newTrace()
		kind, _, _ := t.apply(d, map[int]int{}, &textAcc{})
		// A tool call's first chunk (with its id) opens the call, and a
		// chunk with usage ends the stream: once each.
		return kind.TokenBearing() && !bytes.Contains(d, []byte(`"id":"call_`)) && t.Usage == nil
	}
	tokens := 0
	for _, d := range payloads {
		if repeat(d) {
			tokens++
		}
	}
	rep := max(1, n/max(tokens, 1))
	var b bytes.Buffer
	events := 0
	for _, d := range payloads {
		k := 1
		if repeat(d) {
			k = rep
		}
		for range k {
			b.WriteString("data: ")
			b.Write(d)
			b.WriteString("\n\n")
			events++
		}
	}
	b.WriteString("data: [DONE]\n\n")
	return b.Bytes(), events
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkProviderShapes reads every conformant provider shape of the
// corpus (about 2,000 data events per stream) with janus's trace client
// and with go-openai's Recv, side by side in one run, over the same
// in-memory transport. It reports data events per CPU-second of the whole
// process and heap allocations per event (docs/PERFORMANCE.md).
func BenchmarkProviderShapes(b *testing.B) {
	files := corpusFiles(&testing.T{})
	for _, f := range files {
		if f.violations != nil || !f.stream {
			continue
		}
		body, events := providerStream(f, 2000)
		name := strings.TrimSuffix(f.name, ".sse")
		b.Run(name+"/janus", func(b *testing.B) {
			c := &Client{BaseURL: "http://mem/v1", HTTP: &http.Client{Transport: memTransport{body}}}
			req := wire.ChatRequest{Model: "m", Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: f.wantUsage},
				Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
			measureShape(b, events, len(body), func() int {
				tr := c.Do(context.Background(), req, nil)
				if tr.Err != nil {
					b.Fatal(tr.Err)
				}
				n := 0
				for _, e := range tr.Events {
					if e.Kind != KindKeepAlive && e.Kind != KindDone {
						n++
					}
				}
				return n
			})
		})
		b.Run(name+"/go-openai", func(b *testing.B) {
			cfg := openai.DefaultConfig("k")
			cfg.BaseURL = "http://mem/v1"
			cfg.HTTPClient = &http.Client{Transport: memTransport{body}}
			cl := openai.NewClientWithConfig(cfg)
			req := openai.ChatCompletionRequest{Model: "m", Stream: true,
				Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
			measureShape(b, events, len(body), func() int {
				st, err := cl.CreateChatCompletionStream(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				defer st.Close()
				n := 0
				for {
					_, err := st.Recv()
					if errors.Is(err, io.EOF) {
						return n
					}
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
			})
		})
	}
}

func measureShape(b *testing.B, events, size int, stream func() int) {
	b.ReportAllocs()
	b.SetBytes(int64(size))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0 := cpuTime()
	total := 0
	for b.Loop() {
		if n := stream(); n != events {
			b.Fatalf("read %d data events, want %d", n, events)
		}
		total += events
	}
	cpu := cpuTime() - cpu0
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(total)/cpu.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(total), "allocs/event")
}
