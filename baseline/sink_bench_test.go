package baseline

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/janus-bench/janus/internal/wire"
)

// discardWriter is a flushable http.ResponseWriter that drops everything,
// so the benchmark measures the sink and not a socket.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return io.Discard.Write(b) }
func (d *discardWriter) WriteHeader(int)             {}
func (d *discardWriter) Flush()                      {}

// BenchmarkStreamSinkEmit measures the per-token cost of the streaming
// path: one content event encoded, framed and flushed.
func BenchmarkStreamSinkEmit(b *testing.B) {
	s := newStreamSink(&discardWriter{h: http.Header{}}, "bench", "chatcmpl-bench", "m", 0, nil)
	defer s.close()
	ev := Event{Kind: KindContent, Delta: wire.Delta{Content: " token"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Emit(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}
