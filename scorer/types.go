// Package scorer turns traces into scores: evaluators judge each task's
// answer against its suite checks, and one pure function per dimension
// (quality, speed, cost, streaming, multimodal) folds task results into a
// 0–100 value; the composite is their weighted sum. ScoreWith adds a 95%
// stratified bootstrap interval to each (stats.go); docs/SCORING.md
// defines every formula.
package scorer

// The records a run leaves (TaskResult, Scores, Weights and the report)
// are package record's: scorer fills them in.

// Verdict is an evaluator's judgement of one answer.
type Verdict struct {
	Score  float64 `json:"score"`
	Reason string  `json:"reason"`
}
