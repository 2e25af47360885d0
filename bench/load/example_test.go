package load_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
)

// tick streams "tick", the answer of load.Synthetic's task, as an
// OpenAI-compatible chat completion.
func tick(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	const head = `data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"tick-1",`
	for _, chunk := range []string{
		head + `"choices":[{"index":0,"delta":{"role":"assistant","content":"tick"},"finish_reason":null}]}`,
		head + `"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
		head + `"choices":[],"usage":{"prompt_tokens":20,"completion_tokens":1,"total_tokens":21}}`,
		"data: [DONE]",
	} {
		io.WriteString(w, chunk+"\n\n")
		w.(http.Flusher).Flush()
	}
}

// A closed-loop concurrency sweep against a target, as `janus bench load
// --profile closed:c=1,4` sends it, each step capped at 20 requests. The
// counts are the same on every run; latencies and rates are not, so this
// prints counts and whether each step met the streaming budgets.
func ExampleSweep() {
	srv := httptest.NewServer(http.HandlerFunc(tick))
	defer srv.Close()

	steps, err := load.ParseProfile("closed:c=1,4")
	if err != nil {
		fmt.Println(err)
		return
	}
	client := &trace.Client{BaseURL: srv.URL + "/v1"}
	w := &load.Workload{Tasks: load.Synthetic(10, 1).Tasks, Model: "tick-1", Stream: true}
	o := &load.Options{Duration: time.Minute, MaxRequests: 20, MaxInflight: 4, Budgets: trace.DefaultBudgets(),
		Logger: slog.New(slog.DiscardHandler)}
	res := load.Sweep(context.Background(), client, steps, w, o, load.SweepHooks{})
	for _, s := range res.Steps {
		fmt.Printf("%s: %d requests, %d ok, %d errors, %d passed, budgets met: %v\n", s.Label, s.Requests, s.OK, s.Errors, s.Passed, s.MeetsBudgets)
	}
	// Output:
	// c=1: 20 requests, 20 ok, 0 errors, 20 passed, budgets met: true
	// c=4: 20 requests, 20 ok, 0 errors, 20 passed, budgets met: true
}
