package trace_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/sashabaranov/go-openai"

	"github.com/janus-bench/janus/bench/trace"
)

// pong streams "pong" as an OpenAI-compatible chat completion: a role and
// content chunk, a finish chunk, the usage chunk and [DONE].
func pong(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	const head = `data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"pong-1",`
	for _, chunk := range []string{
		head + `"choices":[{"index":0,"delta":{"role":"assistant","content":"pong"},"finish_reason":null}]}`,
		head + `"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
		head + `"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}`,
		"data: [DONE]",
	} {
		io.WriteString(w, chunk+"\n\n")
		w.(http.Flusher).Flush()
	}
}

// One request traced: the answer, how the stream was framed, and whether
// it kept the streaming contract. Timings vary run to run; verdicts do not.
func ExampleClient_Do() {
	srv := httptest.NewServer(http.HandlerFunc(pong))
	defer srv.Close()

	req := trace.ChatRequest{Model: "pong-1", Stream: true,
		Messages: []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Say pong."}}}
	c := &trace.Client{BaseURL: srv.URL + "/v1"}
	tr := c.Do(context.Background(), req, nil)
	m := trace.ComputeMetrics(tr)
	fmt.Printf("HTTP %d, %s framing, answer %q, finish %s\n", tr.Status, tr.Framing, tr.Content, tr.FinishReason)
	fmt.Printf("usage %d completion tokens, %d counted\n", tr.Usage.CompletionTokens, m.OutputTokens)
	fmt.Println("violations:", len(trace.Violations(tr, m, trace.DefaultBudgets())))
	// Output:
	// HTTP 200, sse framing, answer "pong", finish stop
	// usage 1 completion tokens, 1 counted
	// violations: 0
}
