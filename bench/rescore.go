package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/tokens"
	"github.com/janus-bench/janus/internal/wire"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/suites"
)

// RescoreOptions say how to score again. Zero values keep what the report
// was scored with (its weights and its recorded scoring options: targets,
// prices, category weights, bootstrap) and fall back to the defaults for
// what it did not record.
type RescoreOptions struct {
	Weights record.Weights
	Targets record.Targets
	// Prices replaces the report's price table (--prices).
	Prices *pricing.Prices
}

// ReadReport reads a janus JSON report and checks it against the published
// schema, so that a re-score or a comparison never rests on a file that
// only looks like a report.
func ReadReport(path string) (*record.Report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{Op: "read report", Err: err}
	}
	return ParseReport(b, path)
}

// ParseReport decodes and validates a JSON report (record.Parse); name is
// used in errors.
func ParseReport(b []byte, name string) (*record.Report, error) {
	r, err := record.Parse(b)
	if err != nil {
		return nil, &InputError{Op: "read report " + name, Err: err}
	}
	return r, nil
}

// Rescore scores a stored report's tasks again with the current dimension
// formulas and the given weights, without calling the target: a report
// keeps every input the formulas read (metrics, violations, verdicts,
// usage), so old runs can be put on today's scale. Answers are not judged
// again, because a report holds at most an excerpt of them (its tasks'
// detail; `janus bench replay` judges again from a recording). The input is not modified.
func Rescore(in *record.Report, o RescoreOptions) *record.Report {
	out := *in
	out.Tasks = append([]record.TaskResult(nil), in.Tasks...)
	w := o.Weights
	if w.IsZero() {
		w = in.Weights
	}
	if w.IsZero() {
		w = record.DefaultWeights()
	}
	opts := report.ScoringOptions(in.Scoring, w, in.Run.Model)
	if o.Targets != (record.Targets{}) {
		opts.Targets = o.Targets
	}
	if o.Prices != nil {
		opts.Prices = o.Prices
		// New compute prices re-price the container's recorded use.
		if in.Resources != nil {
			r := *in.Resources
			out.Resources = &r
			r.ComputeCostUSD = o.Prices.ComputeCost(r.CPUSeconds, r.GBSeconds)
			opts.ComputeUSD = r.ComputeCostUSD
		}
	}
	out.Weights = w
	out.Scores = scorer.ScoreWith(out.Tasks, opts)
	out.Scoring = report.NewScoring(opts)
	report.Aggregate(&out)
	return &out
}

// The Janus PoC bench result format (fstandhartinger/janus-poc,
// bench/janus_bench/models.py, BenchmarkReport): only the fields janus
// reads. Times are seconds; every per-task score is 0–1.
type pocReport struct {
	RunID       string             `json:"run_id"`
	Suite       string             `json:"suite"`
	TargetURL   string             `json:"target_url"`
	Model       string             `json:"model"`
	StartedAt   string             `json:"started_at"`
	CompletedAt string             `json:"completed_at"`
	Composite   *float64           `json:"composite_score"`
	Quality     *float64           `json:"quality_score"`
	Speed       *float64           `json:"speed_score"`
	Cost        *float64           `json:"cost_score"`
	Streaming   *float64           `json:"streaming_score"`
	Multimodal  *float64           `json:"multimodal_score"`
	TotalTasks  int                `json:"total_tasks"`
	Results     []pocResult        `json:"results"`
	Weights     map[string]float64 `json:"weights"`
}

type pocResult struct {
	TaskID           string         `json:"task_id"`
	TaskType         string         `json:"task_type"`
	Success          bool           `json:"success"`
	ResponseText     *string        `json:"response_text"`
	Error            *string        `json:"error"`
	LatencySeconds   float64        `json:"latency_seconds"`
	Streaming        *pocStreaming  `json:"streaming_metrics"`
	PromptTokens     *int           `json:"prompt_tokens"`
	CompletionTokens *int           `json:"completion_tokens"`
	TotalTokens      *int           `json:"total_tokens"`
	CostUSD          *float64       `json:"cost_usd"`
	SandboxSeconds   *float64       `json:"sandbox_seconds"`
	QualityScore     float64        `json:"quality_score"`
	MultimodalScore  float64        `json:"multimodal_score"`
	Metadata         map[string]any `json:"metadata"`
}

type pocStreaming struct {
	TTFTSeconds    float64  `json:"ttft_seconds"`
	MaxGapSeconds  float64  `json:"max_gap_seconds"`
	TotalChunks    int      `json:"total_chunks"`
	KeepAliveCount int      `json:"keep_alive_count"`
	TotalTokens    *int     `json:"total_tokens"`
	ContinuityCV   *float64 `json:"continuity_coefficient_of_variation"`
}

// pocCategories maps the PoC's task types onto janus categories.
var pocCategories = map[string]string{
	"chat_quality": suites.CatChat,
	"research":     suites.CatResearch,
	"coding":       suites.CatCode,
	"tool_use":     suites.CatTools,
	"streaming":    suites.CatStreaming,
	"multimodal":   suites.CatMultimodal,
	"cost":         suites.CatCost,
}

// PoCResult is a Janus PoC result file scored by janus: the janus report
// built from it and the scores the PoC gave itself, for a side-by-side.
type PoCResult struct {
	Report *record.Report
	// PoC holds the PoC's own 0–100 scores by dimension name (composite,
	// quality, …); a dimension the file lacks is absent.
	PoC map[string]float64
}

// pocTimeLayouts are the timestamp forms Python's datetime.isoformat writes.
var pocTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02T15:04:05"}

func parsePoCTime(s string) time.Time {
	for _, l := range pocTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// FromJanusPoC reads a Janus PoC bench result (BenchmarkReport JSON) and
// scores it with janus's formulas, so that a user of the old tool can put
// its runs beside janus runs. The PoC keeps per-task timings, token counts,
// usage and its own verdict, but no event timeline and no answer checks;
// docs/SCORING.md ("Compare and calibrate") lists how each field maps and
// what cannot be carried over. name is the file's name for the report's
// suite source.
func FromJanusPoC(r io.Reader, name string, o RescoreOptions) (*PoCResult, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, &InputError{Op: "read janus-poc result " + name, Err: err}
	}
	var p pocReport
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&p); err != nil {
		return nil, &InputError{Op: "read janus-poc result " + name, Err: err}
	}
	if p.Results == nil {
		return nil, &InputError{Op: "read janus-poc result " + name, Err: fmt.Errorf("no \"results\" array: not a janus-poc BenchmarkReport")}
	}
	sum := sha256.Sum256(b)
	budgets := trace.DefaultBudgets()
	rep := &record.Report{SchemaVersion: record.SchemaVersion}
	started, finished := parsePoCTime(p.StartedAt), parsePoCTime(p.CompletedAt)
	suiteName := p.Suite
	if suiteName == "" {
		suiteName = "janus-poc"
	}
	rep.Run = record.Run{
		ID: "janus-poc-" + p.RunID, Status: record.RunCompleted, StartedAt: started, FinishedAt: finished,
		Target: report.RedactURL(p.TargetURL), Model: p.Model,
		Suite:       record.SuiteRef{Name: suiteName, Version: "janus-poc", SHA256: hex.EncodeToString(sum[:]), Source: "janus-poc:" + name},
		Concurrency: 1, Budgets: budgets, TasksPlanned: max(p.TotalTasks, len(p.Results)),
		HarnessVersion: HarnessVersion(),
		Host:           record.Host{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), GoVersion: runtime.Version()},
	}
	if p.RunID == "" {
		rep.Run.ID = "janus-poc"
	}
	seen := map[string]int{}
	for _, pr := range p.Results {
		t := pocTask(pr, budgets)
		seen[t.ID]++
		if k := seen[t.ID]; k > 1 {
			t.ID = fmt.Sprintf("%s#%d", t.ID, k)
		}
		rep.Run.Stream = rep.Run.Stream || t.Stream
		rep.Tasks = append(rep.Tasks, t)
	}
	if rep.Tasks == nil {
		rep.Tasks = []record.TaskResult{}
	}
	rep.Weights = o.Weights
	out := Rescore(rep, o)
	// The gaps behind continuity are reconstructed (see pocTask), not
	// measured: they must not pass for an inter-token latency figure.
	delete(out.Metrics, "itl_ms")
	res := &PoCResult{Report: out, PoC: map[string]float64{}}
	for name, v := range map[string]*float64{"composite": p.Composite, "quality": p.Quality, "speed": p.Speed,
		"cost": p.Cost, "streaming": p.Streaming, "multimodal": p.Multimodal} {
		if v != nil {
			res.PoC[name] = *v
		}
	}
	return res, nil
}

// pocTask turns one PoC result into the task result janus would have
// recorded, computing janus's metrics from the PoC's raw figures and
// judging the contract with janus's own rules on a trace rebuilt from
// them.
func pocTask(pr pocResult, b trace.Budgets) record.TaskResult {
	cat := pocCategory(pr.TaskType)
	id := pr.TaskID
	if id == "" {
		id = "task"
	}
	t := record.TaskResult{ID: id, Category: cat, Status: record.StatusOK, Stream: pr.Streaming != nil, Budgets: b}
	verdict := pr.QualityScore
	if cat == suites.CatMultimodal {
		verdict = pr.MultimodalScore
	}
	t.Score = clamp01(verdict)
	t.Reason = fmt.Sprintf("janus-poc verdict %.2f", t.Score)
	if pr.Error != nil {
		pocFailure(&t, *pr.Error)
	}
	u := pocUsage(pr)
	t.Usage = u
	text := ""
	if pr.ResponseText != nil {
		text = *pr.ResponseText
	}
	failed := t.Status != record.StatusOK
	pocMetrics(&t, pr, u, failed)

	tr := &trace.Trace{Stream: t.Stream, WantUsage: t.Stream, Usage: u, Content: text, Err: t.Error,
		SentNs: 0, HeadersNs: -1, FirstByteNs: -1, FirstEventNs: -1, FirstReasoningNs: -1, FirstContentNs: -1,
		FirstTokenNs: -1, DoneNs: -1, EndNs: -1}
	if !failed {
		tr.Status = 200
		tr.ContentType = "application/json"
		if t.Stream {
			tr.ContentType = "text/event-stream"
			tr.DoneNs = 0 // the PoC keeps no [DONE]; janus cannot fault what it cannot see
		}
	}
	t.Violations = trace.Violations(tr, t.Metrics, b)
	if t.Violations == nil {
		t.Violations = []trace.Violation{}
	}
	return t
}

// pocCategory is the janus category of a PoC task type; an unknown type
// keeps its own name ("unknown" when empty).
func pocCategory(taskType string) string {
	if cat, ok := pocCategories[taskType]; ok {
		return cat
	}
	if taskType == "" {
		return "unknown"
	}
	return taskType
}

// pocFailure marks t failed with the PoC's error message: a timeout when
// the message says so, else a request error; the task scores 0.
func pocFailure(t *record.TaskResult, msg string) {
	class := trace.ErrRequest
	if low := strings.ToLower(msg); strings.Contains(low, "timeout") || strings.Contains(low, "timed out") {
		class, t.Status = trace.ErrTimeoutTotal, record.StatusTimeout
	} else {
		t.Status = record.StatusError
	}
	t.Error = &trace.Error{Class: class, Message: "janus-poc: " + msg}
	t.Score, t.Reason = 0, "request failed: "+string(class)
}

// pocUsage is the usage the PoC result reports, nil when it reports none;
// a missing total is the sum of the parts.
func pocUsage(pr pocResult) *wire.Usage {
	if pr.PromptTokens == nil && pr.CompletionTokens == nil && pr.TotalTokens == nil && pr.CostUSD == nil && pr.SandboxSeconds == nil {
		return nil
	}
	u := &wire.Usage{CostUSD: pr.CostUSD, SandboxSeconds: pr.SandboxSeconds}
	if pr.PromptTokens != nil {
		u.PromptTokens = *pr.PromptTokens
	}
	if pr.CompletionTokens != nil {
		u.CompletionTokens = *pr.CompletionTokens
	}
	if pr.TotalTokens != nil {
		u.TotalTokens = *pr.TotalTokens
	} else {
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
	}
	return u
}

// pocMetrics computes janus's metrics of t from the PoC's raw figures:
// output tokens, end-to-end and first-token times, and the decode rates
// and inter-token gaps derived from them.
func pocMetrics(t *record.TaskResult, pr pocResult, u *wire.Usage, failed bool) {
	m := &t.Metrics
	switch {
	case pr.ResponseText != nil:
		m.OutputTokens = tokens.Count(*pr.ResponseText)
	case pr.Streaming != nil && pr.Streaming.TotalTokens != nil:
		m.OutputTokens = *pr.Streaming.TotalTokens
	case pr.CompletionTokens != nil:
		m.OutputTokens = *pr.CompletionTokens
	}
	if u != nil {
		n := u.CompletionTokens
		m.ReportedCompletionTokens = &n
	}
	if !failed {
		m.E2EMs = pocMs(pr.LatencySeconds)
	}
	if s := pr.Streaming; s != nil {
		m.Keepalives, m.Events = max(s.KeepAliveCount, 0), max(s.TotalChunks, 0)
		m.MaxGapMs = pocMs(s.MaxGapSeconds)
		// The PoC writes the whole latency as TTFT when no token came;
		// its metadata says whether one did.
		gotToken := m.OutputTokens > 0
		if v, ok := pr.Metadata["first_token_received"].(bool); ok {
			gotToken = v
		}
		if gotToken {
			m.TTFTMs = pocMs(s.TTFTSeconds)
			m.TTFBMs = m.TTFTMs
		}
	}
	pocDecode(t, pr.Streaming)
	if m.E2EMs != nil && *m.E2EMs > 0 && m.OutputTokens > 0 {
		v := float64(m.OutputTokens) / (*m.E2EMs / 1000)
		m.E2ETPS = &v
	}
}

// pocDecode derives the time per output token, the decode rate and two
// stand-in inter-token gaps from the end-to-end and first-token times.
func pocDecode(t *record.TaskResult, s *pocStreaming) {
	m := &t.Metrics
	if m.E2EMs == nil || m.TTFTMs == nil {
		return
	}
	decode := *m.E2EMs - *m.TTFTMs
	if m.OutputTokens < 2 || !(decode > 0) {
		return
	}
	tpot, tps := decode/float64(m.OutputTokens-1), float64(m.OutputTokens)/(decode/1000)
	m.TPOTMs, m.OutputTPS = &tpot, &tps
	// Continuity needs the inter-token gaps, which the PoC does not
	// keep. Two gaps with the PoC's mean and coefficient of
	// variation, spanning first token to end, give janus's formula
	// exactly the evenness and coverage the PoC measured.
	if s != nil && s.ContinuityCV != nil && *s.ContinuityCV >= 0 {
		cv := math.Min(*s.ContinuityCV, 1)
		half := decode / 2
		t.ITLs = []float64{half * (1 - cv), half * (1 + cv)}
	}
}

// pocMs is seconds s in milliseconds, nil when s is negative or not a
// number (the PoC's marker for "not measured").
func pocMs(s float64) *float64 {
	v := s * 1000
	if !(v >= 0) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func clamp01(x float64) float64 {
	if !(x > 0) {
		return 0
	}
	return math.Min(x, 1)
}
