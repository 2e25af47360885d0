package baseline_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
)

// The reference competitor in-process: the deterministic sim serves the
// OpenAI-compatible API on loopback, as janus's embedded target does, and
// keeps the streaming contract a trace checks.
func ExampleStart() {
	ctx := context.Background()
	url, stop, err := baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: baseline.Unpaced(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop(ctx)

	req := trace.ChatRequest{Model: "baseline", Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "What is 2+2?"}}}
	tr := (&trace.Client{BaseURL: url}).Do(ctx, req, nil)
	m := trace.ComputeMetrics(tr)
	fmt.Printf("HTTP %d, %s framing, finish %s, answered: %v, usage reported: %v\n",
		tr.Status, tr.Framing, tr.FinishReason, tr.Content != "", tr.Usage != nil)
	fmt.Println("violations:", len(trace.Violations(tr, m, trace.DefaultBudgets())))
	// Output:
	// HTTP 200, sse framing, finish stop, answered: true, usage reported: true
	// violations: 0
}
