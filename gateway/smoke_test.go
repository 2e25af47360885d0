package gateway

import (
	"context"
	"fmt"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
	openai "github.com/sashabaranov/go-openai"
)

// TestSmokeBaseline relays one streamed and one plain answer from the
// reference competitor.
func TestSmokeBaseline(t *testing.T) {
	b := startBaseline(t, baseline.Config{})
	gw := startGateway(t, Options{Competitors: []string{"base=" + b + ",default"}})
	for i, stream := range []bool{true, false} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			req := wire.ChatRequest{Model: "x", Stream: stream, Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}}
			if stream {
				req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
			}
			tr := traceClient(gw.URL).Do(context.Background(), req, nil)
			m := trace.ComputeMetrics(tr)
			if tr.Err != nil || tr.Content == "" || len(trace.Violations(tr, m, trace.DefaultBudgets())) > 0 {
				t.Fatalf("stream=%v: err %v content %q violations %v", stream, tr.Err, tr.Content, trace.Violations(tr, m, trace.DefaultBudgets()))
			}
		})
	}
}
