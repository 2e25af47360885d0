package bench_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/suites"
)

// pong streams "pong" as an OpenAI-compatible chat completion, whatever
// it is asked: a role and content chunk, a finish chunk, the usage chunk
// and [DONE].
func pong(w http.ResponseWriter, _ *http.Request) {
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
}

// fixed is a suites.Loader that always gives the same suite.
type fixed struct{ s *suites.Suite }

func (l fixed) Load(context.Context, string) (*suites.Suite, error) { return l.s, nil }

// A benchmark run of a suite of one's own against a target, as a Go
// program embeds it: Run sends every task, scores the answers and writes
// the report. The target here answers "pong" to everything, so it passes
// the task that asks for pong and fails the other.
func ExampleRun() {
	srv := httptest.NewServer(http.HandlerFunc(pong))
	defer srv.Close()
	s, err := suites.LoadBytes([]byte(`
- id: ping
  category: quality/chat
  messages: [{role: user, content: "Reply with the word pong."}]
  expect: {checks: [{type: exact, value: pong}]}
  reference: {content: pong}
- id: capital
  category: quality/chat
  messages: [{role: user, content: "What is the capital of France? One word."}]
  expect: {checks: [{type: exact, value: Paris}]}
  reference: {content: Paris}
`), "mine.yaml", "example", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, err := os.MkdirTemp("", "janus-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	rep, err := bench.Run(context.Background(), bench.RunOptions{Target: srv.URL + "/v1", Model: "pong-1",
		Suite: "mine", Loader: fixed{s}, Out: filepath.Join(dir, "report.json")})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range rep.Tasks {
		fmt.Printf("%s: %s, score %.0f\n", t.ID, t.Status, t.Score)
	}
	q, _ := rep.Scores.Lookup("quality")
	fmt.Printf("quality %.0f, pass rate %d/%d\n", q.Value, rep.PassRate.Passed, rep.PassRate.N)
	again, err := record.Read(filepath.Join(dir, "report.json"))
	fmt.Println("report written:", err == nil && again.Run.ID == rep.Run.ID)
	// Output:
	// ping: ok, score 1
	// capital: ok, score 0
	// quality 50, pass rate 1/2
	// report written: true
}

// Comparing two stored runs on the tasks they share, as `janus bench
// compare` does: a paired bootstrap per dimension and a Wilcoxon test per
// metric, Holm-corrected. A run compared with itself changes nothing.
func ExampleCompare() {
	base, err := record.Read("report/testdata/smoke-run.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	next, err := record.Read("report/testdata/smoke-run.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := bench.Compare(base, next, bench.CompareOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d paired tasks, %d tests, %d regressions\n", c.Paired, c.Tests, len(c.Regressions()))
	fmt.Println(c.Rows[0].Name, c.Rows[0].Verdict)
	// Output:
	// 8 paired tasks, 13 tests, 0 regressions
	// composite no significant change
}
