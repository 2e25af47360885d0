package leaderboard

import (
	"context"
	"testing"
)

// TestListCompetitorsFields: every field of a listed competitor is filled
// (the scan once left them all empty).
func TestListCompetitorsFields(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		ctx := context.Background()
		c := Competitor{Name: "acme", Team: "red", Image: "acme:1", TargetURL: "http://127.0.0.1:9/v1"}
		if err := s.RegisterCompetitor(ctx, c, "alice"); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListCompetitors(ctx, CompetitorFilter{Name: "acme"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Competitor != c || got[0].Owner != "alice" || got[0].CreatedAt.IsZero() {
			t.Fatalf("listed %+v, want %+v owned by alice with a creation time", got, c)
		}
	})
}
