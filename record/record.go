// Package record is what a janus run leaves: the report (Report, Run), each
// task's result (TaskResult) and the scores (Scores, Weights), with their
// JSON form (schema janus.report/v1). It is a leaf: every reader of a
// report (the store, the web pages, the TUI, compare) depends on it and
// not on the evaluator that filled it in (package scorer, which imports
// record), so reading a report links no judge, sandbox or interpreter.
package record

import (
	"math"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/internal/wire"
)

// Task statuses.
const (
	StatusOK      = "ok"
	StatusError   = "error"
	StatusTimeout = "timeout"
)

// TaskResult is one task's outcome: what the report lists per task and
// what the dimension formulas read.
type TaskResult struct {
	ID         string            `json:"id"`
	Category   string            `json:"category"`
	Status     string            `json:"status"`
	Score      float64           `json:"score"`
	Reason     string            `json:"reason"`
	Stream     bool              `json:"stream"`
	Metrics    trace.Metrics     `json:"metrics"`
	ITLs       []float64         `json:"itl_list_ms,omitempty"`
	Violations []trace.Violation `json:"violations"`
	Error      *trace.Error      `json:"error,omitempty"`
	Usage      *wire.Usage       `json:"usage,omitempty"`
	Budgets    trace.Budgets     `json:"budgets"`

	// Shape lists how the task's streams departed from OpenAI's own
	// shape (trace.Trace.Shape of every turn, each note once): notes, not
	// violations, so that bench run names what conform would flag.
	Shape []string `json:"shape,omitempty"`

	// TurnMetrics are the follow-up turns' metrics of a multi-turn task
	// (Metrics are the first turn's): speed, streaming and cost read every
	// turn, so a target cannot be fast on the first turn only.
	TurnMetrics []trace.Metrics `json:"turn_metrics,omitempty"`

	// Detail holds bounded excerpts of the request, answer and reference
	// and the stream's events, for people (the web task page); nil in
	// reports from before it. No score reads it.
	Detail *TaskDetail `json:"detail,omitempty"`
}

// Score is one dimension's score with its sample size. CI95 is its 95%
// bootstrap interval (Score and ScoreWith fill it; the per-dimension
// functions do not); Coverage is the share of tasks that had the data the
// dimension needs (cost without usage figures, say).
type Score struct {
	Value    float64     `json:"value"`
	N        int         `json:"n"`
	CI95     *[2]float64 `json:"ci95,omitempty"`
	Coverage *float64    `json:"coverage,omitempty"`
	Note     string      `json:"note,omitempty"`
}

// TaskDetail is what a person needs to look at one task after the run:
// excerpts of the request, the answer and the reference, and the stream's
// events on a time axis. It is optional (reports from before it, and
// results built outside a run, have none) and bounded (scorer's Max* consts).
// It is never an input to a score.
type TaskDetail struct {
	// Request is the last user message of the first request (its text
	// parts joined), at most scorer.MaxRequestExcerpt bytes.
	Request          string `json:"request,omitempty"`
	RequestTruncated bool   `json:"request_truncated,omitempty"`
	// Answer is the final answer's content, followed by one
	// "name(arguments)" line per tool call, at most scorer.MaxAnswerExcerpt
	// bytes; AnswerTruncated is set when it was cut here or the trace
	// itself stopped keeping text (its size caps).
	Answer          string `json:"answer,omitempty"`
	AnswerTruncated bool   `json:"answer_truncated,omitempty"`
	// Reference is the task's text reference (its content and tool calls
	// in the answer's form, or a judge check's reference answer), at most
	// MaxReferenceExcerpt bytes.
	Reference          string `json:"reference,omitempty"`
	ReferenceTruncated bool   `json:"reference_truncated,omitempty"`
	// Events are the first request's stream events in order (at most
	// MaxDetailEvents); EventsDropped counts the later ones and those
	// the trace itself did not keep.
	Events        []StreamEvent `json:"events,omitempty"`
	EventsDropped int           `json:"events_dropped,omitempty"`
}

// StreamEvent is one stream event of a TaskDetail: its kind (one of
// content, reasoning, tool_call, keepalive, usage, done, other) and when
// it was read, in ms from the request (µs resolution).
type StreamEvent struct {
	Kind trace.Kind `json:"k"`
	AtMs float64    `json:"ms"`
}

// Rate is a proportion with its Wilson interval.
type Rate struct {
	// Value is Passed / N in [0, 1] (0 when N is 0).
	Value  float64    `json:"value"`
	Passed int        `json:"passed"`
	N      int        `json:"n"`
	CI95   [2]float64 `json:"ci95"`
}

// Targets are the values at which a task earns full marks on speed and
// cost. They are run options rather than constants because what counts as
// fast or cheap depends on the deployment being benchmarked; a report
// records the targets it was scored with (its "scoring" block).
type Targets struct {
	TTFTMs float64 `json:"ttft_ms"`
	TPS    float64 `json:"tps"`
	E2EMs  float64 `json:"e2e_ms"`
	GapMs  float64 `json:"gap_ms"`
	// CostPerTaskUSD is the target spend per correct answer: what one task
	// answered fully right may cost (the name predates the normalisation
	// by quality and is kept for compatibility).
	CostPerTaskUSD float64 `json:"cost_per_task_usd"`
}

// DefaultTargets are the Janus competition's expectations: first token
// within 2 s, 10 tokens/s, a whole answer within 8 s, no silence over 2 s,
// and a cent per correct answer.
func DefaultTargets() Targets {
	return Targets{TTFTMs: 2000, TPS: 10, E2EMs: 8000, GapMs: 2000, CostPerTaskUSD: 0.01}
}

// WithDefaults replaces every non-positive (or non-finite) target by its
// default, so a half-filled Targets cannot divide by zero.
func (tg Targets) WithDefaults() Targets {
	d := DefaultTargets()
	fix := func(v *float64, def float64) {
		if !(*v > 0) || math.IsInf(*v, 0) {
			*v = def
		}
	}
	fix(&tg.TTFTMs, d.TTFTMs)
	fix(&tg.TPS, d.TPS)
	fix(&tg.E2EMs, d.E2EMs)
	fix(&tg.GapMs, d.GapMs)
	fix(&tg.CostPerTaskUSD, d.CostPerTaskUSD)
	return tg
}

// Bootstrap defaults.
const (
	// DefaultResamples is how many bootstrap resamples an interval rests
	// on: enough for the 2.5th and 97.5th percentiles to move by well under
	// a point between seeds.
	DefaultResamples = 2000
	// DefaultBootstrapSeed seeds the resampling when no seed is given, so
	// that an interval is a pure function of the task results.
	DefaultBootstrapSeed uint64 = 0x6a616e7573 // "janus"
)

// Bootstrap configures the stratified bootstrap behind every confidence
// interval: tasks are resampled with replacement within their stratum
// (their category; see scorer.StratumOf),
// Resamples times, from a PCG (math/rand/v2) seeded with Seed. Zero fields
// mean DefaultResamples and DefaultBootstrapSeed.
type Bootstrap struct {
	Resamples int    `json:"resamples"`
	Seed      uint64 `json:"seed"`
}

// DefaultBootstrap is 2,000 resamples from DefaultBootstrapSeed.
func DefaultBootstrap() Bootstrap {
	return Bootstrap{Resamples: DefaultResamples, Seed: DefaultBootstrapSeed}
}

// WithDefaults fills b's zero fields with DefaultResamples and
// DefaultBootstrapSeed.
func (b Bootstrap) WithDefaults() Bootstrap {
	if b.Resamples <= 0 {
		b.Resamples = DefaultResamples
	}
	if b.Seed == 0 {
		b.Seed = DefaultBootstrapSeed
	}
	return b
}
