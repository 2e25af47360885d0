package tui

import (
	"context"

	"github.com/janus-bench/janus/record"
)

// Source is what the leaderboard screen reads and where TUI-driven runs
// are saved. The run store (package leaderboard) provides one; tests use
// fixtures.
type Source interface {
	// Board returns the leaderboard rows, best first.
	Board(ctx context.Context) ([]BoardRow, error)
	// Arena returns the arena ratings, best first.
	Arena(ctx context.Context) ([]ArenaRow, error)
	// Report loads the stored report of one run (for `c`, compare).
	Report(ctx context.Context, runID string) (*record.Report, error)
	// Save stores a finished or interrupted run.
	Save(ctx context.Context, rep *record.Report) error
}

// Recorder is a Source that records a run while it goes (running, each
// task, then its final status), so that a TUI killed mid-run leaves a run
// the store's recovery closes instead of no trace at all. Record wraps a
// RunFunc; a TUI-driven run then skips Save.
type Recorder interface {
	Record(run RunFunc) RunFunc
}

// Interval is a 95% confidence interval; a zero Interval means none.
type Interval struct{ Lo, Hi float64 }

// BoardRow is one competitor's best run on one suite version.
type BoardRow struct {
	Rank, RankLo, RankHi int
	Competitor           string
	Suite, SuiteVersion  string
	RunID                string
	Composite            float64
	CompositeCI          Interval
	// Dims are the dimensions' scores in report order (dimNames).
	Dims   []float64
	DimsCI []Interval
	// ParetoCost and ParetoSpeed mark the frontiers of quality against
	// cost per correct answer and against speed.
	ParetoCost, ParetoSpeed bool
	Baseline                bool
}

// ArenaRow is one model's arena rating.
type ArenaRow struct {
	Model string
	Elo   float64
	BT    float64
	BTCI  Interval
	Votes int
}

// dimNames are the dimensions in report order.
func dimNames() []string {
	var out []string
	for _, d := range record.DefaultDimensions() {
		out = append(out, string(d))
	}
	return out
}
