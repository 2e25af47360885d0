// Package scorer turns traces into scores: evaluators judge each task's
// answer against its suite checks, and one pure function per dimension
// (quality, speed, cost, streaming, multimodal) folds task results into a
// 0–100 value; the composite is their weighted sum. ScoreWith adds a 95%
// stratified bootstrap interval to each (stats.go); docs/SCORING.md
// defines every formula.
package scorer

import (
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

// Dimension is one score with its sample size. CI95 is its 95% bootstrap
// interval (Score and ScoreWith fill it; the per-dimension functions do
// not); Coverage is the share of tasks that had the data the dimension
// needs (cost without usage figures, say).
type Dimension struct {
	Value    float64     `json:"value"`
	N        int         `json:"n"`
	CI95     *[2]float64 `json:"ci95,omitempty"`
	Coverage *float64    `json:"coverage,omitempty"`
	Note     string      `json:"note,omitempty"`
}

// Scores are the five dimensions and the composite.
type Scores struct {
	Composite  Dimension `json:"composite"`
	Quality    Dimension `json:"quality"`
	Speed      Dimension `json:"speed"`
	Cost       Dimension `json:"cost"`
	Streaming  Dimension `json:"streaming"`
	Multimodal Dimension `json:"multimodal"`
}

// Weights of the composite, in percent.
type Weights struct {
	Quality    float64 `json:"quality"`
	Speed      float64 `json:"speed"`
	Cost       float64 `json:"cost"`
	Streaming  float64 `json:"streaming"`
	Multimodal float64 `json:"multimodal"`
}

// DefaultWeights are the Janus competition's 40/20/15/15/10.
func DefaultWeights() Weights {
	return Weights{Quality: 40, Speed: 20, Cost: 15, Streaming: 15, Multimodal: 10}
}

// Verdict is an evaluator's judgement of one answer.
type Verdict struct {
	Score  float64 `json:"score"`
	Reason string  `json:"reason"`
}
