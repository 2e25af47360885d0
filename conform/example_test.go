package conform_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/conform"
)

// pong streams "pong" as an OpenAI-compatible chat completion, whatever
// it is asked, and lists one model: a target that gets the stream right
// and much else wrong.
func pong() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/models", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"object":"list","data":[{"id":"pong-1","object":"model","created":1700000000,"owned_by":"example"}]}`)
	})
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		const head = `data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"pong-1",`
		for _, chunk := range []string{
			head + `"choices":[{"index":0,"delta":{"role":"assistant","content":"pong"},"finish_reason":null}]}`,
			head + `"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
			head + `"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13}}`,
			"data: [DONE]",
		} {
			io.WriteString(w, chunk+"\n\n")
			w.(http.Flusher).Flush()
		}
	})
	return mux
}

// Checking a target against the streaming contract before a benchmark,
// as `janus conform` does: each rule is one named check with a verdict
// and its evidence, and a failed required check is a *bench.ThresholdError
// returned with the full report.
func ExampleRun() {
	srv := httptest.NewServer(pong())
	defer srv.Close()

	rep, err := conform.Run(context.Background(), conform.Options{Target: srv.URL + "/v1"})
	var te *bench.ThresholdError
	if err != nil && !errors.As(err, &te) {
		fmt.Println(err)
		return
	}
	fmt.Println("model:", rep.Model, "conformant:", rep.Summary.OK)
	fmt.Println("required checks failed:", rep.Summary.RequiredFailed)
	for _, id := range []string{"models.list", "stream.done", "stream.usage", "chat.nonstream"} {
		r, _ := rep.Result(id)
		fmt.Printf("%-15s %s\n", id, r.Status)
	}
	// Output:
	// model: pong-1 conformant: false
	// required checks failed: [chat.nonstream stream.no_usage errors.malformed]
	// models.list     PASS
	// stream.done     PASS
	// stream.usage    PASS
	// chat.nonstream  FAIL
}
