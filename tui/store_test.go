package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
)

// TestStoreSource saves two runs through the real SQLite store and reads
// them back the way the leaderboard screen does.
func TestStoreSource(t *testing.T) {
	ctx := context.Background()
	st, err := leaderboard.Open(ctx, filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	f := newFixture(t)
	src := StoreSource{Store: st}
	a := *f.rep
	b := *reportOf(f.run, f.rep.Tasks[:5]) // another model, fewer tasks answered
	b.Run.ID, b.Run.Model = "20260102T050000Z-0f0f0f", "other-model"
	if err := src.Save(ctx, &a); err != nil {
		t.Fatalf("save: %v", err)
	}
	if err := src.Save(ctx, &a); err != nil { // the same report again: no duplicate
		t.Fatalf("save twice: %v", err)
	}
	if err := src.Save(ctx, &b); err != nil {
		t.Fatalf("save b: %v", err)
	}
	rows, err := src.Board(ctx)
	if err != nil {
		t.Fatalf("board: %v", err)
	}
	if len(rows) != 2 {
		t.Fatalf("board has %d rows, want 2: %+v", len(rows), rows)
	}
	if rows[0].Composite < rows[1].Composite || rows[0].Rank != 1 {
		t.Errorf("rows not ranked by composite: %+v", rows)
	}
	for _, r := range rows {
		want := a.Scores[record.Composite].Value
		if r.RunID == b.Run.ID {
			want = b.Scores[record.Composite].Value
		}
		if r.Composite != want || r.Suite != "smoke" || r.CompositeCI == (Interval{}) {
			t.Errorf("row %s: composite %v (want %v), suite %q, ci %v", r.RunID, r.Composite, want, r.Suite, r.CompositeCI)
		}
	}
	got, err := src.Report(ctx, a.Run.ID)
	if err != nil || got.Run.ID != a.Run.ID || len(got.Tasks) != len(a.Tasks) {
		t.Fatalf("report round trip: %v %+v", err, got)
	}
	if _, err := src.Report(ctx, "no-such-run"); err == nil {
		t.Error("a missing run loaded without error")
	}
	if ar, err := src.Arena(ctx); err != nil || len(ar) != 0 {
		t.Errorf("arena without votes: %v %v", ar, err)
	}
}

// TestStoreSourceArena rates stored votes: the competitor that wins most
// leads on both Bradley-Terry and Elo, and every row has its interval.
func TestStoreSourceArena(t *testing.T) {
	ctx := context.Background()
	st, err := leaderboard.Open(ctx, filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	// strong beats mid 3 of 4, mid beats weak 3 of 4, strong beats weak 4 of 4.
	games := []struct {
		a, b string
		wins int
	}{{"strong", "mid", 3}, {"mid", "weak", 3}, {"strong", "weak", 4}}
	var votes []leaderboard.Vote
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, g := range games {
		t.Run(g.a, func(t *testing.T) {
			for i := 0; i < 4; i++ {
				w := leaderboard.WinnerB
				if i < g.wins {
					w = leaderboard.WinnerA
				}
				at = at.Add(time.Minute)
				votes = append(votes, leaderboard.Vote{ID: fmt.Sprintf("%s-%s-%d", g.a, g.b, i), PromptID: "p", PromptHash: "h",
					CompetitorA: g.a, CompetitorB: g.b, Winner: w, Voter: "v", CreatedAt: at, VotedAt: at})
			}
		})
	}
	if _, err := st.AddVotes(ctx, votes); err != nil {
		t.Fatalf("add votes: %v", err)
	}
	rows, err := StoreSource{Store: st}.Arena(ctx)
	if err != nil || len(rows) != 3 {
		t.Fatalf("arena: %v %+v", err, rows)
	}
	for i, want := range []string{"strong", "mid", "weak"} {
		t.Run(want, func(t *testing.T) {
			r := rows[i]
			if r.Model != want || r.Votes != 8 || r.BTCI == (Interval{}) {
				t.Errorf("row %d: %+v, want %s with 8 votes and an interval", i, r, want)
			}
		})
	}
	if !(rows[0].Elo > rows[1].Elo && rows[1].Elo > rows[2].Elo) {
		t.Errorf("Elo order: %+v", rows)
	}
}
