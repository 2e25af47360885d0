package leaderboard

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/record"
)

// TestBoardScopeAndNoise: runs over other task sets (a --limit subset, a
// --categories subset) form their own groups, and identical targets whose
// CIs happen to be disjoint still share a rank range.
func TestBoardScopeAndNoise(t *testing.T) {
	type item struct {
		sp    spec
		limit int
		seed  uint64
		cats  []string
		comp  string
	}
	cases := []struct {
		name  string
		items []item
		// want maps a run id to its [scope, rank lo, rank hi].
		want map[string]struct {
			scope  string
			lo, hi int
		}
	}{
		{"identical runs, disjoint CIs, overlap", []item{
			// Two runs of the same target: composites 0.6 apart, CIs ±0.2 (disjoint).
			{sp: spec{id: "x1", composite: 98.9, half: 0.2, quality: 100, speed: 100, cost: 0.001}, comp: "twin-a"},
			{sp: spec{id: "x2", composite: 98.3, half: 0.2, quality: 100, speed: 100, cost: 0.001}, comp: "twin-b"},
		}, map[string]struct {
			scope  string
			lo, hi int
		}{"x1": {"", 1, 2}, "x2": {"", 1, 2}}},
		{"a real difference stays ranked", []item{
			{sp: spec{id: "y1", composite: 98.9, half: 0.5, quality: 100, speed: 100, cost: 0.001}, comp: "good"},
			{sp: spec{id: "y2", composite: 90, half: 0.5, quality: 90, speed: 100, cost: 0.001}, comp: "worse"},
		}, map[string]struct {
			scope  string
			lo, hi int
		}{"y1": {"", 1, 1}, "y2": {"", 2, 2}}},
		{"a 50-task subset is not ranked with full runs", []item{
			{sp: spec{id: "f1", composite: 90, half: 1, quality: 90, speed: 90, cost: 0.001}, comp: "full"},
			{sp: spec{id: "l1", composite: 99.2, half: 1, quality: 99, speed: 99, cost: 0.001}, limit: 50, seed: 42, comp: "subset"},
			// The same competitor's subset run does not displace its full run either.
			{sp: spec{id: "l2", composite: 99.9, half: 1, quality: 99, speed: 99, cost: 0.001}, limit: 50, seed: 42, comp: "full"},
			{sp: spec{id: "c1", composite: 99.5, half: 1, quality: 99, speed: 99, cost: 0.001}, cats: []string{"quality", "cost"}, comp: "cats"},
			{sp: spec{id: "s1", composite: 99.0, half: 1, quality: 99, speed: 99, cost: 0.001}, limit: 50, seed: 7, comp: "seven"},
		}, map[string]struct {
			scope  string
			lo, hi int
		}{
			"f1": {"", 1, 1},
			"l1": {"limit=50 seed=42", 1, 2}, "l2": {"limit=50 seed=42", 1, 2},
			"c1": {"categories=cost,quality", 1, 1},
			"s1": {"limit=50 seed=7", 1, 1},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, s *Store, _ string) {
				for _, it := range tc.items {
					r := mkReport(it.sp)
					r.Run.Limit, r.Run.Seed, r.Run.Categories = it.limit, it.seed, it.cats
					if _, err := s.SaveReport(t.Context(), r, Competitor{Name: it.comp}); err != nil {
						t.Fatal(err)
					}
				}
				b, err := s.Leaderboard(t.Context(), Query{})
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]bool{}
				for _, e := range b.Rows {
					w, ok := tc.want[e.RunID]
					got[e.RunID] = true
					if !ok {
						t.Errorf("run %s on the board (scope %q)", e.RunID, e.Scope)
						continue
					}
					if e.Scope != w.scope || e.RankLo != w.lo || e.RankHi != w.hi {
						t.Errorf("%s: scope %q ranks %d–%d, want %q %d–%d", e.RunID, e.Scope, e.RankLo, e.RankHi, w.scope, w.lo, w.hi)
					}
				}
				for id := range tc.want {
					if !got[id] {
						t.Errorf("run %s missing from the board", id)
					}
				}
			})
		})
	}
}

// TestIdenticalSimRunsOverlap: two runs of the same sim, stored as two
// competitors, get overlapping rank ranges whatever their bootstrap CIs
// say, and a --limit run of it lands in a group of its own.
func TestIdenticalSimRunsOverlap(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "janus.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := func(name string, limit int) *record.Report {
		r, err := bench.Run(context.Background(), bench.RunOptions{Out: filepath.Join(t.TempDir(), name+".json"), Start: quickStart,
			Concurrency: 4, Limit: limit, Seed: 3})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := s.SaveReport(t.Context(), r, Competitor{Name: name}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := run("twin-a", 0), run("twin-b", 0)
	run("subset", 3)
	board, err := s.Leaderboard(t.Context(), Query{})
	if err != nil {
		t.Fatal(err)
	}
	ranks := map[string][2]int{}
	scopes := map[string]string{}
	for _, e := range board.Rows {
		ranks[e.Competitor.Name] = [2]int{e.RankLo, e.RankHi}
		scopes[e.Competitor.Name] = e.Scope
	}
	ra, rb := ranks["twin-a"], ranks["twin-b"]
	if ra[0] > rb[1] || rb[0] > ra[1] {
		t.Errorf("identical sim runs (composites %.2f, %.2f) got disjoint rank ranges %v and %v",
			a.Scores[record.Composite].Value, b.Scores[record.Composite].Value, ra, rb)
	}
	if scopes["subset"] == "" || scopes["subset"] == scopes["twin-a"] || ranks["subset"] != [2]int{1, 1} {
		t.Errorf("subset run: scope %q, ranks %v; want its own group", scopes["subset"], ranks["subset"])
	}
}
