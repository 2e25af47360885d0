package loadapp

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// TestScoreKeepsTheScorersVerdict: the engine's form of a verdict has the
// JSON bench.Score's result has (a trace file's "result" is unchanged by
// the split), and OK and Passed are the scorer's status and pass rule,
// for an answer that passes, one that fails its check and an error.
func TestScoreKeepsTheScorersVerdict(t *testing.T) {
	syn := load.Synthetic(10, 3)
	url, stop, err := baseline.Start(t.Context(), "127.0.0.1:0", baseline.Config{Pace: baseline.Unpaced(), Suites: []*suites.Suite{syn}})
	if err != nil {
		t.Fatal(err)
	}
	defer stop(context.Background())
	good := syn.Tasks[0]
	wrong := good
	wrong.Reference.Content = "tock"
	wrong.Expect.Checks = append(wrong.Expect.Checks[:0:0], wrong.Expect.Checks...)
	wrong.Expect.Checks[0].Pattern = `\btock\b`
	cases := []struct {
		name   string
		target string
	}{
		{"passes", url},
		{"fails its check", url},
		{"connection refused", "http://127.0.0.1:1/v1"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			task := &good
			if i == 1 {
				task = &wrong
			}
			client := &trace.Client{BaseURL: c.target, HTTP: &http.Client{}}
			tr := client.Do(t.Context(), task.ChatRequest("janus-baseline-sim", true), nil)
			b := trace.DefaultBudgets()
			want := bench.Score(task, tr, b)
			got := score(task, tr, b, nil)
			wj, _ := json.Marshal(want)
			gj, _ := json.Marshal(got)
			if !bytes.Equal(wj, gj) {
				t.Errorf("JSON differs:\nscorer %s\nload   %s", wj, gj)
			}
			if got.OK != (want.Status == record.StatusOK) || got.Passed != scorer.Passed(want) {
				t.Errorf("OK %v Passed %v; scorer status %q passed %v", got.OK, got.Passed, want.Status, scorer.Passed(want))
			}
			if wantPass := i == 0; got.Passed != wantPass {
				t.Errorf("passed %v, want %v (status %q, score %v, reason %q)", got.Passed, wantPass, got.Status, got.Score, got.Reason)
			}
		})
	}
}
