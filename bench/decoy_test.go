package bench

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

func timed(ttft, e2e float64) record.TaskResult {
	return record.TaskResult{ID: "t", Category: "quality/chat", Status: "ok", Score: 1, Stream: true,
		Metrics: scorerMetrics(ttft, e2e)}
}

func TestJudgeDecoys(t *testing.T) {
	suite := []record.TaskResult{timed(100, 400), timed(120, 500), timed(90, 450)}
	cases := []struct {
		name      string
		decoys    []record.TaskResult
		slower    bool
		speedDrop bool
	}{
		{"as fast", []record.TaskResult{timed(110, 420), timed(95, 480)}, false, false},
		{"slow first token", []record.TaskResult{timed(9000, 9500), timed(8000, 8600)}, true, true},
		{"slow end only", []record.TaskResult{timed(100, 9000), timed(100, 8000)}, true, true},
		{"twice as slow but within the floor", []record.TaskResult{timed(250, 800), timed(260, 850)}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := scorer.Options{}.WithDefaults()
			scores := scorer.ScoreWith(suite, o)
			before := scores[record.Speed].Value
			d := judgeDecoys(c.decoys, suite, &scores, o)
			if d.Slower != c.slower || d.Sent != len(c.decoys) {
				t.Fatalf("slower %v (want %v), %+v", d.Slower, c.slower, d)
			}
			if dropped := scores[record.Speed].Value < before; dropped != c.speedDrop {
				t.Fatalf("speed %.1f → %.1f, want a drop: %v", before, scores[record.Speed].Value, c.speedDrop)
			}
			if c.speedDrop && scores[record.Composite].Value >= scorer.ScoreWith(suite, o)[record.Composite].Value {
				t.Fatal("the composite kept the suite's speed")
			}
		})
	}
}

func TestRunWithDecoys(t *testing.T) {
	var text strings.Builder
	rep, err := Run(t.Context(), RunOptions{Evaluator: testEval, Suite: "smoke", Decoys: 3, Start: quickStart, Stdout: &text, Out: filepath.Join(t.TempDir(), "r.json")})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Decoys == nil || rep.Decoys.Sent != 3 || len(rep.Tasks) != smokeTasks || rep.Decoys.Slower {
		t.Fatalf("decoys %+v, %d tasks", rep.Decoys, len(rep.Tasks))
	}
	if !strings.Contains(text.String(), "decoys  3 ordinary prompts") {
		t.Fatalf("no decoys line:\n%s", text.String())
	}
}

func scorerMetrics(ttft, e2e float64) trace.Metrics {
	tps := 20 / ((e2e - ttft) / 1000)
	return trace.Metrics{TTFTMs: &ttft, E2EMs: &e2e, OutputTokens: 20, OutputTPS: &tps}
}
