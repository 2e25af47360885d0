// Package report is the janus report model (schema janus.report/v1) and its
// writers. The model carries json tags so the JSON report is one encode;
// every writer is a func(io.Writer) error.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/url"
	"sort"
	"time"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/scorer"
)

// SchemaVersion names the report format; it changes only with the schema.
const SchemaVersion = "janus.report/v1"

// Run statuses.
const (
	RunCompleted   = "completed"
	RunInterrupted = "interrupted"
)

// Report is one benchmark run.
type Report struct {
	SchemaVersion string              `json:"schema_version"`
	Run           Run                 `json:"run"`
	Scores        scorer.Scores       `json:"scores"`
	Weights       scorer.Weights      `json:"weights"`
	Metrics       map[string]Summary  `json:"metrics"`
	Violations    map[string]int      `json:"violations"`
	Tasks         []scorer.TaskResult `json:"tasks"`
	Harness       *Harness            `json:"harness,omitempty"`
}

// Run describes what was run, where and how.
type Run struct {
	ID             string        `json:"id"`
	Status         string        `json:"status"`
	StartedAt      time.Time     `json:"started_at"`
	FinishedAt     time.Time     `json:"finished_at"`
	Target         string        `json:"target"`
	EmbeddedTarget bool          `json:"embedded_target"`
	Model          string        `json:"model"`
	Suite          SuiteRef      `json:"suite"`
	Seed           uint64        `json:"seed"`
	Limit          int           `json:"limit"`
	Concurrency    int           `json:"concurrency"`
	Stream         bool          `json:"stream"`
	Budgets        trace.Budgets `json:"budgets"`
	TasksPlanned   int           `json:"tasks_planned"`
	HarnessVersion string        `json:"harness_version"`
	Host           Host          `json:"host"`
}

// SuiteRef identifies the suite exactly.
type SuiteRef struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
	Source  string `json:"source"`
}

// Host is the machine the harness ran on.
type Host struct {
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go_version"`
}

// Summary aggregates one metric over tasks (nearest-rank percentiles).
type Summary struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Mean float64 `json:"mean"`
	Min  float64 `json:"min"`
	Max  float64 `json:"max"`
	N    int     `json:"n"`
}

// Harness states the harness's own measurement error, from the last
// `janus bench selftest` on this machine, so a reader can tell a real 1 ms
// difference from noise.
type Harness struct {
	SelftestAt   time.Time `json:"selftest_at"`
	Concurrency  int       `json:"concurrency"`
	TTFTErrP50Ms float64   `json:"ttft_err_p50_ms"`
	TTFTErrP99Ms float64   `json:"ttft_err_p99_ms"`
	GapErrP50Ms  float64   `json:"gap_err_p50_ms"`
	GapErrP99Ms  float64   `json:"gap_err_p99_ms"`
}

// RedactURL drops credentials and query strings from a target URL: a report
// is shared, the key that reached the target is not.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// Summarize computes nearest-rank percentiles of values (which it sorts).
func Summarize(values []float64) Summary {
	if len(values) == 0 {
		return Summary{}
	}
	v := append([]float64(nil), values...)
	sort.Float64s(v)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p/100*float64(len(v)))) - 1
		if i < 0 {
			i = 0
		}
		return v[i]
	}
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return Summary{P50: rank(50), P90: rank(90), P99: rank(99), Mean: sum / float64(len(v)),
		Min: v[0], Max: v[len(v)-1], N: len(v)}
}

// Aggregate fills Metrics and Violations from Tasks. Inter-token latency
// pools every gap of every task, not each task's mean.
func (r *Report) Aggregate() {
	series := map[string][]float64{}
	add := func(name string, p *float64) {
		if p != nil {
			series[name] = append(series[name], *p)
		}
	}
	r.Violations = map[string]int{}
	for _, code := range trace.ViolationCodes {
		r.Violations[code] = 0
	}
	for _, t := range r.Tasks {
		m := t.Metrics
		add("headers_ms", m.HeadersMs)
		add("ttfb_ms", m.TTFBMs)
		add("ttft_ms", m.TTFTMs)
		add("ttft_content_ms", m.TTFTContentMs)
		add("tpot_ms", m.TPOTMs)
		add("e2e_ms", m.E2EMs)
		add("output_tps", m.OutputTPS)
		add("e2e_tps", m.E2ETPS)
		add("max_gap_ms", m.MaxGapMs)
		add("max_token_gap_ms", m.MaxTokenGapMs)
		series["itl_ms"] = append(series["itl_ms"], t.ITLs...)
		series["output_tokens"] = append(series["output_tokens"], float64(m.OutputTokens))
		series["keepalives"] = append(series["keepalives"], float64(m.Keepalives))
		if m.ReportedCompletionTokens != nil {
			series["reported_completion_tokens"] = append(series["reported_completion_tokens"], float64(*m.ReportedCompletionTokens))
		}
		for _, v := range t.Violations {
			r.Violations[v.Code]++
		}
	}
	r.Metrics = map[string]Summary{}
	for name, vals := range series {
		r.Metrics[name] = Summarize(vals)
	}
}

// JSON writes the report as indented JSON.
func JSON(r *Report) func(io.Writer) error {
	return func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write json report: %w", err)
		}
		return nil
	}
}
