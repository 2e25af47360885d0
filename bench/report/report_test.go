package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestSummarizeNearestRank(t *testing.T) {
	cases := []struct {
		name string
		in   []float64
		want record.Summary
	}{
		// Empty input: all zero, n 0.
		{"empty", nil, record.Summary{}},
		// One value is every percentile.
		{"one", []float64{7}, record.Summary{P50: 7, P90: 7, P99: 7, Mean: 7, Min: 7, Max: 7, N: 1}},
		// Ten values 1..10 (unsorted): p50 is the 5th, p90 the 9th, p99 the 10th.
		{"ten", []float64{10, 1, 9, 2, 8, 3, 7, 4, 6, 5}, record.Summary{P50: 5, P90: 9, P99: 10, Mean: 5.5, Min: 1, Max: 10, N: 10}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Summarize(tc.in); got != tc.want {
				t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"http://user:secret@host:8000/v1?key=abc#x": "http://host:8000/v1",
		"https://api.example.com/v1":                "https://api.example.com/v1",
	}
	for in, want := range cases {
		t.Run(in, func(t *testing.T) {
			if got := RedactURL(in); got != want {
				t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func fixture() *record.Report {
	ttft, e2e := 150.0, 450.0
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	r := &record.Report{SchemaVersion: record.SchemaVersion, Weights: record.DefaultWeights(),
		Run: record.Run{ID: "run-1", Status: record.RunCompleted, StartedAt: at, FinishedAt: at.Add(1500 * time.Millisecond),
			Target: "http://127.0.0.1:8081/v1", Model: "m", Suite: record.SuiteRef{Name: "smoke", Version: "1.0.0", SHA256: strings.Repeat("ab", 32), Source: "builtin:smoke"},
			Concurrency: 4, Stream: true, Budgets: trace.DefaultBudgets(), TasksPlanned: 2, HarnessVersion: "test",
			Host: record.Host{OS: "linux", Arch: "amd64", CPUs: 2, GoVersion: "go1.26"}},
		Tasks: []record.TaskResult{
			{ID: "a", Category: "quality/chat", Status: "ok", Score: 1, Reason: "exact: answer is \"paris\"", Stream: true,
				Metrics: trace.Metrics{TTFTMs: &ttft, E2EMs: &e2e, OutputTokens: 1}, Violations: []trace.Violation{}, Budgets: trace.DefaultBudgets(),
				Shape: []string{trace.ShapeHeadersHeld, trace.ShapeUsageMerged}},
			{ID: "b", Category: "cost", Status: "timeout", Reason: "request failed: timeout_first_token", Stream: true,
				Violations: []trace.Violation{{Code: trace.VTimeout, Detail: "no token"}}, Budgets: trace.DefaultBudgets(),
				Error: &trace.Error{Class: trace.ErrTimeoutFirstToken, Message: "no token before the first-token timeout"}},
		},
	}
	r.Scores = scorer.Score(r.Tasks, r.Weights, record.DefaultTargets())
	r.Scoring = NewScoring(scorer.Options{Weights: r.Weights})
	Aggregate(r)
	return r
}

func TestTextGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Text(fixture())(&b); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "text.golden")
	if *update {
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Fatalf("text report differs from %s (rerun with -update if intended):\n%s", golden, b.String())
	}
}

func TestJSONValidatesAndBrokenOnesDoNot(t *testing.T) {
	var b bytes.Buffer
	if err := record.JSON(fixture())(&b); err != nil {
		t.Fatal(err)
	}
	if err := record.Validate(b.Bytes()); err != nil {
		t.Fatalf("fixture report invalid: %v", err)
	}
	breakers := []struct {
		name string
		mut  func(m map[string]any)
	}{
		// No composite score.
		{"no composite", func(m map[string]any) { delete(m["scores"].(map[string]any), "composite") }},
		// A status the schema does not know.
		{"bad status", func(m map[string]any) { m["run"].(map[string]any)["status"] = "done" }},
		// A score above 100.
		{"score range", func(m map[string]any) { m["scores"].(map[string]any)["quality"].(map[string]any)["value"] = 101 }},
		// A pass rate above 1.
		{"pass rate range", func(m map[string]any) { m["pass_rate"].(map[string]any)["value"] = 1.5 }},
		// A metric interval that is not a pair.
		{"metric ci", func(m map[string]any) {
			m["metrics"].(map[string]any)["ttft_ms"].(map[string]any)["ci95_p50"] = []any{1, 2, 3}
		}},
		// A scoring block with a field the schema does not know.
		{"scoring field", func(m map[string]any) { m["scoring"].(map[string]any)["seed"] = 1 }},
		// A bootstrap of zero resamples.
		{"resamples", func(m map[string]any) {
			m["scoring"].(map[string]any)["bootstrap"].(map[string]any)["resamples"] = 0
		}},
		// An unknown shape note, on a task and in the counts.
		{"bad task shape", func(m map[string]any) { m["tasks"].([]any)[0].(map[string]any)["shape"] = []any{"odd"} }},
		{"bad shape count", func(m map[string]any) { m["shape"] = map[string]any{"odd": 1} }},
		// An unknown violation code on a task.
		{"bad code", func(m map[string]any) {
			m["tasks"].([]any)[1].(map[string]any)["violations"].([]any)[0].(map[string]any)["code"] = "slow"
		}},
	}
	for _, bk := range breakers {
		t.Run(bk.name, func(t *testing.T) {
			var m map[string]any
			json.Unmarshal(b.Bytes(), &m)
			bk.mut(m)
			nb, _ := json.Marshal(m)
			if err := record.Validate(nb); err == nil {
				t.Errorf("%s: broken report validated", bk.name)
			}
		})
	}
}
