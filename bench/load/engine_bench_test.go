package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench/trace"
)

// benchServer answers every chat request with a canned answer the
// synthetic task passes ("tick" ten times): one JSON completion, or a
// stream of a role chunk, ten content chunks, a finish chunk with usage
// and [DONE]. Canned bytes keep the server's share of the benchmark small
// and the same before and after a change to the engine.
func benchServer(b *testing.B) *httptest.Server {
	const words = 10
	completion := `{"id":"chatcmpl-bench","object":"chat.completion","created":1795470705,"model":"bench",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"` + strings.TrimSpace(strings.Repeat(" tick", words)) +
		`"},"finish_reason":"stop"}],"usage":{"prompt_tokens":20,"completion_tokens":10,"total_tokens":30}}`
	var sb strings.Builder
	chunk := func(delta, finish, usage string) {
		sb.WriteString(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1795470705,"model":"bench","choices":[{"index":0,"delta":` +
			delta + `,"finish_reason":` + finish + `}]` + usage + "}\n\n")
	}
	chunk(`{"role":"assistant"}`, "null", "")
	for i := range words {
		text := " tick"
		if i == 0 {
			text = "tick"
		}
		chunk(`{"content":"`+text+`"}`, "null", "")
	}
	chunk(`{}`, `"stop"`, `,"usage":{"prompt_tokens":20,"completion_tokens":10,"total_tokens":30}`)
	sb.WriteString("data: [DONE]\n\n")
	stream := sb.String()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if strings.Contains(string(body), `"stream":true`) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, stream)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, completion)
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkOpenLoopRequest sends b.N requests through the engine's open
// loop (pacer, workers, lean transport, trace client, scorers) against a
// loopback server and reports the cost per request: ns/op is wall time
// per request with a few in flight, allocs/op and B/op count the whole
// process, the httptest server's share included. Every answer is scored
// and must pass. The schedule is far ahead of what one machine can send,
// so the engine runs flat out; its scheduling lag means nothing here.
func BenchmarkOpenLoopRequest(b *testing.B) {
	for _, v := range []struct {
		name   string
		stream bool
	}{{"nonstream", false}, {"stream", true}} {
		b.Run(v.name, func(b *testing.B) {
			srv := benchServer(b)
			client := &trace.Client{BaseURL: srv.URL + "/v1", StreamBufferBytes: 1 << 10,
				HTTP: &http.Client{Transport: newLeanTransport(64)}}
			defer client.HTTP.CloseIdleConnections()
			w := &Workload{Tasks: Synthetic(20, 10).Tasks, Model: "bench", Stream: v.stream}
			step := Step{Kind: KindConstant, Rate: 1e7}
			// One round outside the timer: connections, workers and the
			// scorer's lazily built state exist before counting starts.
			run := func(n int) int {
				e := New(client, WithMaxInflight(8), WithMaxRequests(n))
				got := 0
				for r := range e.Run(context.Background(), 0, step, time.Hour, w) {
					if r.Trace.Err != nil || r.Result.Score != 1 {
						b.Fatalf("request %d: err %v, score %v (%s)", r.Seq, r.Trace.Err, r.Result.Score, r.Result.Reason)
					}
					got++
				}
				return got
			}
			run(64)
			b.ReportAllocs()
			b.ResetTimer()
			if got := run(b.N); got != b.N {
				b.Fatalf("%d records for %d requests", got, b.N)
			}
		})
	}
}
