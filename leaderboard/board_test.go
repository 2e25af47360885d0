package leaderboard

import (
	"reflect"
	"testing"
	"time"

	"github.com/janus-bench/janus/record"
)

// boardFixture stores runs across competitors, suite versions and splits.
func boardFixture(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	h := time.Hour
	type item struct {
		sp   spec
		comp Competitor
	}
	items := []item{
		// alpha: two runs of smoke 1.0.0; the best (80) counts.
		{spec{id: "a1", model: "ma", composite: 70, half: 2, quality: 70, speed: 50, cost: 0.02, at: t0.Add(2 * h)}, Competitor{Name: "alpha"}},
		{spec{id: "a2", model: "ma", composite: 80, half: 2, quality: 85, speed: 40, cost: 0.03, at: t0}, Competitor{Name: "alpha"}},
		// alpha on another suite version: its own group, never mixed.
		{spec{id: "a3", model: "ma", version: "2.0.0", composite: 50, half: 2, quality: 50, speed: 50, cost: 0.01, at: t0}, Competitor{Name: "alpha"}},
		// beta overlaps alpha's best.
		{spec{id: "b1", model: "mb", composite: 78, half: 5, quality: 75, speed: 90, cost: 0.01, at: t0.Add(h)}, Competitor{Name: "beta"}},
		// beta's interrupted run scores higher but is not completed.
		{spec{id: "b2", model: "mb", status: record.RunInterrupted, composite: 99, half: 1, quality: 99, speed: 99, cost: 0.01, at: t0.Add(3 * h)}, Competitor{Name: "beta"}},
		// gamma is the baseline, clearly last; no cost figures.
		{spec{id: "g1", model: "mg", composite: 40, half: 1, quality: 40, speed: 95, cost: -1, at: t0}, Competitor{Name: "gamma", Baseline: true}},
		// delta ran the public split only: its own group.
		{spec{id: "d1", model: "md", splits: []string{"public"}, composite: 90, half: 1, quality: 90, speed: 90, cost: 0.01, at: t0}, Competitor{Name: "delta"}},
	}
	for _, it := range items {
		if _, err := s.SaveReport(ctx, mkReport(it.sp), it.comp); err != nil {
			t.Fatal(err)
		}
	}
}

type row struct {
	comp, run, version, split string
	rank, lo, hi              int
	pCost, pSpeed             bool
}

func rowsOf(b *Board) []row {
	out := []row{}
	for _, e := range b.Rows {
		out = append(out, row{e.Competitor.Name, e.RunID, e.SuiteVersion, e.Split, e.Rank, e.RankLo, e.RankHi, e.ParetoCost, e.ParetoSpeed})
	}
	return out
}

func TestLeaderboardQuery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		boardFixture(t, s)
		// Group smoke@1.0.0 (all): alpha (best run a2: quality 85, speed
		// 40, $/correct 0.04) and beta (75, 90, 0.0133) overlap at 80±2 and
		// 78±5, so both rank 1–2; gamma is 3. Alpha has the top quality, so
		// it is on both frontiers; beta is cheaper and faster than alpha;
		// gamma has no cost figures (off the cost frontier) but is the
		// fastest.
		alpha := row{"alpha", "a2", "1.0.0", "", 1, 1, 2, true, true}
		beta := row{"beta", "b1", "1.0.0", "", 2, 1, 2, true, true}
		gamma := row{"gamma", "g1", "1.0.0", "", 3, 3, 3, false, true}
		alpha2 := row{"alpha", "a3", "2.0.0", "", 1, 1, 1, true, true}
		delta := row{"delta", "d1", "1.0.0", "public", 1, 1, 1, true, true}
		cases := []struct {
			name string
			q    Query
			want []row
		}{
			// Everything: three groups, ordered by suite, version, split;
			// the 2.0.0 run never mixes with the 1.0.0 ones.
			{"all", Query{}, []row{alpha, beta, gamma, delta, alpha2}},
			// One suite version.
			{"version 2", Query{SuiteVersion: "2.0.0"}, []row{alpha2}},
			// Runs limited to the public split, and runs over the whole suite.
			{"split public", Query{Split: "public"}, []row{delta}},
			{"split all", Query{Split: "all", SuiteVersion: "1.0.0"}, []row{alpha, beta, gamma}},
			// Baseline only: gamma alone, ranked 1.
			{"baseline only", Query{Baseline: BaselineOnly}, []row{{"gamma", "g1", "1.0.0", "", 1, 1, 1, false, true}}},
			// Baseline excluded: gamma gone, the others unchanged.
			{"baseline excluded", Query{Baseline: BaselineExclude, SuiteVersion: "1.0.0", Split: "all"}, []row{alpha, beta}},
			// Since t0+1h: alpha's best among those is a1 (70±2), now
			// disjoint from beta's 78±5; the interrupted b2 never counts.
			{"since", Query{Since: t0.Add(time.Hour)}, []row{
				{"beta", "b1", "1.0.0", "", 1, 1, 1, true, true},
				{"alpha", "a1", "1.0.0", "", 2, 2, 2, false, false}}},
		}
		for _, tc := range cases {
			b, err := s.Leaderboard(t.Context(), tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := rowsOf(b); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
			}
		}
		// The materialised path and the live one (Since long ago) agree.
		fast, _ := s.Leaderboard(t.Context(), Query{})
		live, _ := s.Leaderboard(t.Context(), Query{Since: t0.Add(-24 * time.Hour)})
		if !reflect.DeepEqual(fast, live) {
			t.Errorf("materialised and live boards differ:\n%+v\n%+v", rowsOf(fast), rowsOf(live))
		}
		// Deleting alpha's best falls back to its next best run.
		if err := s.DeleteRun(t.Context(), "a2"); err != nil {
			t.Fatal(err)
		}
		b, _ := s.Leaderboard(t.Context(), Query{SuiteVersion: "1.0.0", Split: "all"})
		if len(b.Rows) != 3 || b.Rows[1].RunID != "a1" {
			t.Errorf("after deleting a2: %+v", rowsOf(b))
		}
		if _, err := s.Leaderboard(t.Context(), Query{Baseline: "maybe"}); err == nil {
			t.Error("baseline filter \"maybe\" accepted")
		}
	})
}
