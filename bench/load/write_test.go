package load

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
)

var update = flag.Bool("update", false, "rewrite the golden files")

// fixedReport is a two-step sweep with every figure set by hand.
func fixedReport() *Report {
	ci := func(a, b float64) *[2]float64 { return &[2]float64{a, b} }
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	r := &Report{Schema: SchemaVersion, Run: RunInfo{ID: "r1", Status: "completed", StartedAt: at, FinishedAt: at.Add(time.Minute),
		Target: "http://127.0.0.1:8081/v1", Model: "sim", Suite: "smoke", Tasks: 8, Profile: "closed:c=8,16",
		DurationS: 10, WarmupS: 2, Stream: true, Budgets: trace.Budgets{TTFTMs: 300, GapMs: 1000}, RSSPeakMB: 42},
		Steps: []StepSummary{
			{Index: 0, Step: Step{Kind: KindClosed, Concurrency: 8}, Label: "c=8", Requests: 280, OK: 280, Passed: 280, Good: 280,
				WindowS: 10, SendRate: 28, Throughput: 28, Goodput: 28, TTFT: Latency{N: 280, P50: 101, P99: 118, P99CI: ci(112, 125)},
				E2E: Latency{P99: 290}, MaxGap: Latency{Max: 25}, Lag: Latency{P99: 0.02}, TTFTWithinBudget: 1, MeetsBudgets: true, PeakInflight: 8, CPUShare: 0.03},
			{Index: 1, Step: Step{Kind: KindClosed, Concurrency: 16}, Label: "c=16", Requests: 300, OK: 297, Errors: 3, ErrorRate: 0.01,
				Violating: 150, ViolationRate: 0.5, Passed: 297, Good: 150, WindowS: 10, SendRate: 30, Throughput: 29.7, Goodput: 15,
				TTFT: Latency{N: 297, P50: 250, P99: 410, P99CI: ci(395, 430)}, E2E: Latency{P99: 600}, MaxGap: Latency{Max: 30}, Lag: Latency{P99: 0.03},
				TTFTWithinBudget: 0.5, PeakInflight: 16, CPUShare: 0.05},
		},
		Knee: &Knee{Index: 0, Label: "c=8", Load: 8, Throughput: 28, Goodput: 28},
		Harness: Overhead{SchedLagP50Ms: 0.001, SchedLagP99Ms: 0.03, SchedLagMaxMs: 0.2, SelftestConcurrency: 16, SelftestStreams: 16,
			TimingErrP50Ms: 0.1, TimingErrP99Ms: 0.6, TimingMeasured: true, SelftestSource: "measured after the steps", CPUShare: 0.04, MaxStepCPUShare: 0.05},
	}
	return r
}

func TestWritersGolden(t *testing.T) {
	for _, f := range Formats {
		var b bytes.Buffer
		if err := Writer(f, fixedReport())(&b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		path := filepath.Join("testdata", "report."+f+".golden")
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(b.Bytes(), want) {
			t.Errorf("%s report differs from %s (go test -update to accept):\n%s", f, path, b.String())
		}
	}
	// The JSON report round-trips.
	var b bytes.Buffer
	_ = JSON(fixedReport())(&b)
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.Knee == nil || back.Knee.Label != "c=8" || len(back.Steps) != 2 {
		t.Errorf("JSON round trip: %v %+v", err, back.Knee)
	}
}

func TestFindKnee(t *testing.T) {
	mk := func(load float64, meets bool) StepSummary {
		return StepSummary{Step: Step{Kind: KindPoisson, Rate: load}, MeetsBudgets: meets}
	}
	tests := []struct {
		name  string
		steps []StepSummary
		want  int
	}{
		// The last passing step of a rising sweep.
		{"rising", []StepSummary{mk(1, true), mk(2, true), mk(4, false)}, 1},
		// None passes.
		{"none", []StepSummary{mk(1, false), mk(2, false)}, -1},
		// The highest load that passed, whatever the order given.
		{"unordered", []StepSummary{mk(8, true), mk(2, true), mk(16, false)}, 0},
		// A noisy step that failed below a passing one does not hide it.
		{"gap", []StepSummary{mk(1, true), mk(2, false), mk(4, true), mk(8, false)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FindKnee(tt.steps); got != tt.want {
				t.Errorf("%s: knee %d, want %d", tt.name, got, tt.want)
			}
		})
	}
}

// TestAccumulator folds hand-made records and checks the counts, the
// goodput rule and that the percentile CIs bracket the percentile.
func TestAccumulator(t *testing.T) {
	b := trace.Budgets{TTFTMs: 100, GapMs: 500}
	acc := NewStepAccumulator(0, Step{Kind: KindClosed, Concurrency: 2}, b, true)
	start := time.Now()

	for i := range 100 {
		ttft := float64(i + 1) // 1..100 ms, all within budget
		r := Record{Seq: uint64(i), LagNs: int64(i) * 1000,
			Trace:  &trace.Trace{Start: start.Add(time.Duration(i) * 10 * time.Millisecond), EndNs: int64(200 * time.Millisecond), Stream: true},
			Result: resultWith(ttft, 50, 1, b)}
		acc.Add(&r)
	}
	// Cancelled and warmup records do not count.
	acc.Add(&Record{Warmup: true, Trace: &trace.Trace{Start: start}, Result: resultWith(1, 1, 1, b)})
	acc.Add(&Record{Trace: &trace.Trace{Start: start, Err: &trace.Error{Class: trace.ErrCancelled}}, Result: resultWith(1, 1, 1, b)})
	// Correct but over the gap budget: passed, not good.
	acc.Add(&Record{Trace: &trace.Trace{Start: start, EndNs: 1, Stream: true}, Result: resultWith(10, 900, 1, b)})
	// Wrong answer within budgets: neither.
	acc.Add(&Record{Trace: &trace.Trace{Start: start, EndNs: 1, Stream: true}, Result: resultWith(10, 10, 0, b)})
	s := acc.Close()
	if s.Requests != 102 || s.Passed != 101 || s.Good != 100 || len(s.Exact) != 102 {
		t.Fatalf("requests %d passed %d good %d exact %d", s.Requests, s.Passed, s.Good, len(s.Exact))
	}
	if s.MeetsBudgets { // one request had a 900 ms gap
		t.Error("a 900 ms gap met a 500 ms budget")
	}
	if s.TTFT.P99CI == nil || s.TTFT.P99CI[0] > s.TTFT.P99 || s.TTFT.P99CI[1] < s.TTFT.P99 ||
		s.TTFT.P50CI[0] > s.TTFT.P50 || s.TTFT.P50CI[1] < s.TTFT.P50 {
		t.Errorf("CIs do not bracket: p50 %v %v, p99 %v %v", s.TTFT.P50, s.TTFT.P50CI, s.TTFT.P99, s.TTFT.P99CI)
	}
	if d := s.TTFT.P50 - 50; d < -1 || d > 1 {
		t.Errorf("ttft p50 %.2f, want ~50 of 1..100 (and two 10s)", s.TTFT.P50)
	}
	if s.Goodput <= 0 || s.Goodput >= s.Throughput {
		t.Errorf("goodput %.2f vs throughput %.2f", s.Goodput, s.Throughput)
	}

}

// resultWith is an answered response; score ≥ 0.5 passes (the scorer's
// PassScore, which the ScoreFunc applies).
func resultWith(ttft, gap, score float64, b trace.Budgets) Result {
	return Result{TaskResult: record.TaskResult{Status: "ok", Score: score, Budgets: b, Metrics: trace.Metrics{TTFTMs: &ttft, MaxGapMs: &gap, E2EMs: &ttft}},
		OK: true, Passed: score >= 0.5}
}

// TestReadReport reads back what JSON writes and refuses what is not a
// load report.
func TestReadReport(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, path, err string
	}{
		// The golden JSON report: every field as written.
		{"golden", filepath.Join("testdata", "report.json.golden"), ""},
		// A bench run report has another schema.
		{"run report", write("run.json", `{"schema":"janus.report/v1","run":{}}`), `schema "janus.report/v1"`},
		// Not JSON at all.
		{"garbage", write("bad.json", `{"schema":`), "read load report"},
		// No such file.
		{"missing", filepath.Join(dir, "none.json"), "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := ReadReport(c.path)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := JSON(r)(&b); err != nil {
				t.Fatal(err)
			}
			want, _ := os.ReadFile(c.path)
			if !bytes.Equal(b.Bytes(), want) || r.Path != c.path || r.Knee == nil || r.Knee.Label != "c=8" {
				t.Errorf("read back differs (path %q, knee %+v):\n%s", r.Path, r.Knee, b.String())
			}
		})
	}
}
