package tui

import (
	"context"
	"fmt"
	"log/slog"
	"sort"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// StoreSource is the run store as the leaderboard screen sees it.
type StoreSource struct {
	Store *leaderboard.Store
	// Query filters the board (suite, version, split, baseline, since).
	Query leaderboard.Query
	// Logger receives store failures that do not stop a run.
	Logger *slog.Logger
}

var (
	_ Source   = StoreSource{}
	_ Recorder = StoreSource{}
)

// Board implements Source.
func (s StoreSource) Board(ctx context.Context) ([]BoardRow, error) {
	b, err := s.Store.Leaderboard(ctx, s.Query)
	if err != nil {
		return nil, err
	}
	return boardRows(b), nil
}

// boardRows converts the run store's (and the service API's) leaderboard
// into the screen's rows; the split, if any, goes with the version.
func boardRows(b *leaderboard.Board) []BoardRow {
	rows := make([]BoardRow, 0, len(b.Rows))
	for _, e := range b.Rows {
		r := BoardRow{Rank: e.Rank, RankLo: e.RankLo, RankHi: e.RankHi, Competitor: e.Competitor.Name,
			Suite: e.Suite, SuiteVersion: e.SuiteVersion, RunID: e.RunID, Composite: e.Composite.Value,
			CompositeCI: interval(e.Composite.CI95), ParetoCost: e.ParetoCost, ParetoSpeed: e.ParetoSpeed,
			Baseline: e.Competitor.Baseline}
		if e.Split != "" {
			r.SuiteVersion += "/" + e.Split
		}
		names := dimNames()
		r.Dims, r.DimsCI = make([]float64, len(names)), make([]Interval, len(names))
		for i, n := range names {
			if d := e.Dims[record.Dimension(n)]; d != nil {
				r.Dims[i], r.DimsCI[i] = d.Value, interval(d.CI95)
			}
		}
		rows = append(rows, r)
	}
	return rows
}

func interval(ci *[2]float64) Interval {
	if ci == nil {
		return Interval{}
	}
	return Interval{Lo: ci[0], Hi: ci[1]}
}

// Arena implements Source: Bradley-Terry with its interval next to Elo,
// best Bradley-Terry first.
func (s StoreSource) Arena(ctx context.Context) ([]ArenaRow, error) {
	votes, err := s.Store.Votes(ctx, leaderboard.VoteFilter{})
	if err != nil || len(votes) == 0 {
		return nil, err
	}
	bt, err := leaderboard.BradleyTerry(votes, leaderboard.BTOptions{})
	if err != nil {
		return nil, fmt.Errorf("bradley-terry: %w", err)
	}
	elo := map[string]float64{}
	for _, r := range leaderboard.Elo(votes, leaderboard.EloOptions{}) {
		elo[r.Competitor] = r.Rating
	}
	rows := make([]ArenaRow, 0, len(bt))
	for _, r := range bt {
		rows = append(rows, ArenaRow{Model: r.Competitor, Elo: elo[r.Competitor], BT: r.Rating, BTCI: interval(r.CI95), Votes: r.Matches})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].BT != rows[j].BT {
			return rows[i].BT > rows[j].BT
		}
		return rows[i].Model < rows[j].Model
	})
	return rows, nil
}

// Report implements Source.
func (s StoreSource) Report(ctx context.Context, runID string) (*record.Report, error) {
	d, err := s.Store.GetRun(ctx, runID)
	if err != nil {
		return nil, err
	}
	if d.Report == nil {
		return nil, fmt.Errorf("run %s has no report (status %s)", runID, d.Status)
	}
	return d.Report, nil
}

// Save implements Source; saving a report twice is a no-op.
func (s StoreSource) Save(ctx context.Context, rep *record.Report) error {
	_, err := s.Store.SaveReport(ctx, rep, leaderboard.CompetitorFromReport(rep))
	return err
}

// Record implements Recorder with leaderboard's Record, the way `bench run
// --save` records: the run is stored as running when it starts, each task
// as it finishes, and at the end as completed (a missed gate included),
// cancelled (interrupted) or failed, with its report when there is one.
func (s StoreSource) Record(run RunFunc) RunFunc {
	return func(ctx context.Context, o bench.RunOptions) (*record.Report, error) {
		return s.Store.Record(ctx, leaderboard.Competitor{}, s.Logger, func(h leaderboard.Hooks) (*record.Report, error) {
			prevStart, prevResult := o.OnStart, o.OnResult
			o.OnStart = func(r record.Run) error {
				if prevStart != nil {
					if err := prevStart(r); err != nil {
						return err
					}
				}
				return h.Start(r)
			}
			o.OnResult = func(r bench.Result) {
				h.Task(r.Task)
				if prevResult != nil {
					prevResult(r)
				}
			}
			return run(ctx, o)
		})
	}
}
