package gateway_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/gateway"
)

// The reference gateway in front of one competitor (here the baseline sim,
// registered as the default): a request for any model is routed to it and
// its stream relayed without buffering, with the gateway's keep-alives.
func ExampleStart() {
	ctx := context.Background()
	quiet := slog.New(slog.DiscardHandler)
	sim, stop, err := baseline.Start(ctx, "127.0.0.1:0", baseline.Config{Pace: baseline.Unpaced(), Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop(ctx)
	gw, err := gateway.Start(ctx, gateway.Options{Listen: "127.0.0.1:0", Logger: quiet,
		Competitors: []string{"sim=" + strings.TrimSuffix(sim, "/v1") + ",default"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer gw.Stop(ctx)

	req := trace.ChatRequest{Model: "any-model", Stream: true, StreamOptions: &openai.StreamOptions{IncludeUsage: true},
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "What is 2+2?"}}}
	tr := (&trace.Client{BaseURL: gw.URL}).Do(ctx, req, nil)
	m := trace.ComputeMetrics(tr)
	fmt.Printf("HTTP %d through the gateway, %s framing, finish %s, answered: %v\n", tr.Status, tr.Framing, tr.FinishReason, tr.Content != "")
	fmt.Println("violations:", len(trace.Violations(tr, m, trace.DefaultBudgets())))
	// Output:
	// HTTP 200 through the gateway, sse framing, finish stop, answered: true
	// violations: 0
}
