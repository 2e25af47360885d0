package trace

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// streamBody is a typical OpenAI-style stream: a role chunk, n content
// chunks (some with escapes), a finish chunk, usage and [DONE].
func streamBody(n int) []byte {
	var b strings.Builder
	chunk := func(delta, finish string) {
		fmt.Fprintf(&b, `data: {"id":"chatcmpl-3yepkafp2flquct32tuefwnnub","object":"chat.completion.chunk","created":1795470705,"model":"janus-baseline-sim","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}`+"\n\n", delta, finish)
	}
	chunk(`{"role":"assistant"}`, "null")
	for i := range n {
		text := " tick"
		if i%10 == 9 {
			text = `\n\"tick\"`
		}
		chunk(`{"content":"`+text+`"}`, "null")
	}
	chunk(`{}`, `"stop"`)
	b.WriteString(`data: {"id":"chatcmpl-3yepkafp2flquct32tuefwnnub","object":"chat.completion.chunk","created":1795470705,"model":"janus-baseline-sim","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":40,"total_tokens":50}}` + "\n\n")
	b.WriteString("data: [DONE]\n\n")
	return []byte(b.String())
}

// BenchmarkReadStream parses a 1,000-event stream as the client does on
// the hot path and reports allocations per event (see docs/PERFORMANCE.md).
func BenchmarkReadStream(b *testing.B) {
	const n = 1000
	body := streamBody(n)
	c := &Client{}
	clock := time.Now
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	for b.Loop() {
		t := newTrace()
		t.Status, t.ContentType, t.Stream, t.Start = 200, "text/event-stream", true, clock()
		ctx, cancel := context.WithCancelCause(context.Background())
		timer := time.NewTimer(time.Hour)
		c.readBody(context.Background(), ctx, cancel, t, true, bytes.NewReader(body), clock, timer)
		timer.Stop()
		cancel(nil)
		if t.Err != nil || len(t.Events) != n+4 {
			b.Fatalf("err %v, %d events", t.Err, len(t.Events))
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/n, "allocs/event")
}
