package leaderboard

import (
	"testing"
)

// TestSeedHiddenUntilTheRunEnds: a running run's seed decides its tasks
// (janus-default is generated from it by public code), so no summary shows
// it before the run has ended; afterwards it is shown for reproduction.
func TestSeedHiddenUntilTheRunEnds(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		rep := mkReport(spec{id: "run-seed", model: "m1", composite: 70, half: 3, quality: 80, speed: 60, cost: 0.01})
		rep.Run.Seed = 424242
		id, err := s.BeginRun(ctx, rep.Run, Competitor{Name: "seeded"})
		if err != nil {
			t.Fatal(err)
		}
		read := func() (uint64, uint64) {
			d, err := s.GetRun(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			runs, err := s.ListRuns(ctx, RunFilter{Limit: 10})
			if err != nil || len(runs) != 1 {
				t.Fatalf("ListRuns: %d runs, %v", len(runs), err)
			}
			return d.Seed, runs[0].Seed
		}
		if one, list := read(); one != 0 || list != 0 {
			t.Fatalf("running run shows seed %d (GetRun) / %d (ListRuns), want hidden", one, list)
		}
		if err := s.FinishRun(ctx, id, rep, StatusCompleted); err != nil {
			t.Fatal(err)
		}
		if one, list := read(); one != 424242 || list != 424242 {
			t.Fatalf("ended run shows seed %d / %d, want 424242", one, list)
		}
	})
}
