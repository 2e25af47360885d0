package leaderboard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
	"github.com/janus-bench/janus/record"
)

func TestRunLifecycle(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		rep := mkReport(spec{id: "run-a", model: "m1", composite: 70, half: 3, quality: 80, speed: 60, cost: 0.01})
		c := Competitor{Name: "alpha", Team: "t", Image: "img:1"}
		id, err := s.BeginRun(ctx, rep.Run, c)
		if err != nil || id != "run-a" {
			t.Fatalf("BeginRun = %q, %v", id, err)
		}
		for _, tr := range rep.Tasks[:2] {
			if err := s.AddTask(ctx, id, tr); err != nil {
				t.Fatal(err)
			}
		}
		d, err := s.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != StatusRunning || len(d.Tasks) != 2 || d.Report != nil || d.Competitor.Image != "img:1" {
			t.Fatalf("running run: status %s, %d tasks, report %v, competitor %+v", d.Status, len(d.Tasks), d.Report != nil, d.Competitor)
		}
		// A running run is not on the board.
		b, err := s.Leaderboard(ctx, Query{})
		if err != nil || len(b.Rows) != 0 {
			t.Fatalf("board while running: %+v, %v", b, err)
		}
		if err := s.FinishRun(ctx, id, rep, StatusCompleted); err != nil {
			t.Fatal(err)
		}
		d, err = s.GetRun(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != StatusCompleted || len(d.Tasks) != len(rep.Tasks) || d.Report == nil || d.Report.Run.ID != id {
			t.Fatalf("finished run: status %s, %d tasks, report %v", d.Status, len(d.Tasks), d.Report != nil)
		}
		if !reflect.DeepEqual(d.Tasks, rep.Tasks) {
			t.Errorf("stored tasks differ from the report's:\n got %+v\nwant %+v", d.Tasks, rep.Tasks)
		}
		if d.Composite == nil || d.Composite.Value != 70 || d.Composite.CI95 == nil || d.Composite.CI95[0] != 67 {
			t.Errorf("composite %+v, want 70 [67, 73]", d.Composite)
		}
		if d.CostPerCorrect == nil || abs(*d.CostPerCorrect-0.04/3) > 1e-12 {
			t.Errorf("cost per correct %v, want %v", d.CostPerCorrect, 0.04/3)
		}
		b, err = s.Leaderboard(ctx, Query{})
		if err != nil || len(b.Rows) != 1 || b.Rows[0].RunID != id || b.Rows[0].Competitor.Name != "alpha" {
			t.Fatalf("board: %+v, %v", b, err)
		}
		list, err := s.ListRuns(ctx, RunFilter{Competitor: "alpha"})
		if err != nil || len(list) != 1 || list[0].Tasks != 4 || list[0].Passed != 3 {
			t.Fatalf("ListRuns = %+v, %v", list, err)
		}
		if err := s.FinishRun(ctx, id, nil, "done"); err == nil {
			t.Error("FinishRun accepted status \"done\"")
		}
		if err := s.AddTask(ctx, "nope", rep.Tasks[0]); !errors.Is(err, ErrNotFound) {
			t.Errorf("AddTask to a missing run: %v, want ErrNotFound", err)
		}
		if err := s.DeleteRun(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetRun(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetRun after delete: %v", err)
		}
		if err := s.DeleteRun(ctx, id); !errors.Is(err, ErrNotFound) {
			t.Errorf("second delete: %v", err)
		}
		if n := orphans(t, s); n != 0 {
			t.Errorf("%d orphan rows", n)
		}
		b, _ = s.Leaderboard(ctx, Query{})
		if len(b.Rows) != 0 {
			t.Errorf("deleted run still on the board: %+v", b.Rows)
		}
	})
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestSaveReportIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		rep := mkReport(spec{id: "imp-1", model: "m", composite: 55, quality: 50, speed: 40, cost: -1})
		c := CompetitorFromReport(rep)
		for i := range 3 {
			id, created, err := s.saveReport(ctx, rep, c)
			if err != nil || id != "imp-1" || created != (i == 0) {
				t.Fatalf("import %d: id %q created %v err %v", i, id, created, err)
			}
		}
		list, err := s.ListRuns(ctx, RunFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("runs after 3 imports: %d, %v", len(list), err)
		}
		var n int64
		s.db.Table("task_results").Count(&n)
		if n != int64(len(rep.Tasks)) {
			t.Errorf("%d task rows, want %d", n, len(rep.Tasks))
		}
		// An interrupted report is stored cancelled and not ranked.
		r2 := mkReport(spec{id: "imp-2", model: "m", status: record.RunInterrupted, composite: 99, quality: 99, speed: 99, cost: -1})
		if _, err := s.SaveReport(ctx, r2, c); err != nil {
			t.Fatal(err)
		}
		d, _ := s.GetRun(ctx, "imp-2")
		if d.Status != StatusCancelled {
			t.Errorf("interrupted report stored as %s", d.Status)
		}
		b, _ := s.Leaderboard(ctx, Query{})
		if len(b.Rows) != 1 || b.Rows[0].RunID != "imp-1" {
			t.Errorf("board ranks %+v, want only imp-1", b.Rows)
		}
	})
}

// A resumed run (same id) is running again, keeps its tasks, and leaves
// the board until it finishes.
func TestBeginRunResume(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		rep := mkReport(spec{id: "res", model: "m", composite: 60, quality: 60, speed: 60, cost: -1})
		c := Competitor{Name: "m"}
		if _, err := s.SaveReport(ctx, rep, c); err != nil {
			t.Fatal(err)
		}
		if _, err := s.BeginRun(ctx, rep.Run, c); err != nil {
			t.Fatal(err)
		}
		d, _ := s.GetRun(ctx, "res")
		if d.Status != StatusRunning || len(d.Tasks) != len(rep.Tasks) {
			t.Fatalf("resumed: %s with %d tasks", d.Status, len(d.Tasks))
		}
		if b, _ := s.Leaderboard(ctx, Query{}); len(b.Rows) != 0 {
			t.Errorf("a running run is on the board")
		}
		// SaveReport of a running run finishes it.
		if _, created, err := s.saveReport(ctx, rep, c); err != nil || !created {
			t.Fatalf("save over running: %v %v", created, err)
		}
		if b, _ := s.Leaderboard(ctx, Query{}); len(b.Rows) != 1 {
			t.Errorf("finished run missing from the board")
		}
	})
}

// Migrations are recorded once and are safe to run again and from several
// openers at the same time.
func TestMigrateConcurrent(t *testing.T) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			const n = 4
			var wg sync.WaitGroup
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					s, err := Open(t.Context(), dsn)
					if err == nil {
						err = s.Close()
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("opener %d: %v", i, err)
				}
			}
			s, err := Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			var versions []int
			if err := s.db.Raw("SELECT version FROM schema_migrations ORDER BY version").Scan(&versions).Error; err != nil {
				t.Fatal(err)
			}
			if len(versions) != len(migrations) || versions[len(versions)-1] != SchemaVersion() {
				t.Errorf("schema_migrations %v, want %d versions up to %d", versions, len(migrations), SchemaVersion())
			}
		})
	}
}

func TestDefaultDSN(t *testing.T) {
	cases := []struct {
		name, store, xdg, home, want string
	}{
		// JANUS_STORE wins.
		{"env", "postgres://x/y", "/xdg", "/home/u", "postgres://x/y"},
		// XDG_DATA_HOME next.
		{"xdg", "", "/xdg", "/home/u", "/xdg/janus/janus.db"},
		// A relative XDG_DATA_HOME is ignored, as the spec says.
		{"relative xdg", "", "rel", "/home/u", "/home/u/.local/share/janus/janus.db"},
		// Else ~/.local/share.
		{"home", "", "", "/home/u", "/home/u/.local/share/janus/janus.db"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("JANUS_STORE", tc.store)
			t.Setenv("XDG_DATA_HOME", tc.xdg)
			t.Setenv("HOME", tc.home)
			if got := DefaultDSN(); got != filepath.FromSlash(tc.want) && got != tc.want {
				t.Errorf("DefaultDSN() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestVotesIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		ctx := t.Context()
		votes := simVotes([]float64{0, 1, 2}, 50, 3)
		n, err := s.AddVotes(ctx, votes[:30])
		if err != nil || n != 30 {
			t.Fatalf("first add: %d, %v", n, err)
		}
		n, err = s.AddVotes(ctx, votes)
		if err != nil || n != 20 {
			t.Fatalf("second add: %d new, %v; want 20", n, err)
		}
		got, err := s.Votes(ctx, VoteFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, votes) {
			t.Errorf("votes do not round-trip: first %+v vs %+v", got[0], votes[0])
		}
		got, _ = s.Votes(ctx, VoteFilter{Since: t0.Add(40 * time.Second), Competitor: "m01"})
		for _, v := range got {
			if v.VotedAt.Before(t0.Add(40*time.Second)) || (v.CompetitorA != "m01" && v.CompetitorB != "m01") {
				t.Errorf("filter let through %+v", v)
			}
		}
		bad := votes[0]
		bad.ID, bad.Winner = "bad", "C"
		if _, err := s.AddVotes(ctx, []Vote{bad}); err == nil {
			t.Error("a vote with winner C was accepted")
		}
	})
}

// A store created at schema 1 with runs in it upgrades to the current
// schema on Open and its leaderboard is rebuilt from the runs.
func TestMigrateUpgrade(t *testing.T) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			all := migrations
			migrations = all[:1]
			s, err := Open(t.Context(), dsn)
			migrations = all
			if err != nil {
				t.Fatal(err)
			}
			db := s.db
			mustExec := func(q string, args ...any) {
				t.Helper()
				if err := db.Exec(q, args...).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			mustExec("INSERT INTO competitors (id, name, created_at) VALUES (1, 'old', ?)", t0)
			for i, comp := range []float64{60, 75, 70} {
				fin := t0.Add(time.Duration(i) * time.Minute)
				mustExec(`INSERT INTO runs (id, competitor_id, status, suite_name, suite_version, started_at, finished_at, heartbeat_at,
					composite, composite_lo, composite_hi, quality, tasks, passed) VALUES (?, 1, 'completed', 'smoke', '1.0.0', ?, ?, ?, ?, ?, ?, 50, 4, 3)`,
					fmt.Sprintf("old-%d", i), t0, fin, fin, comp, comp-1, comp+1)
			}
			mustExec("INSERT INTO board_best (suite_name, suite_version, split, competitor_id, run_id, composite) VALUES ('smoke', '1.0.0', '', 1, 'old-1', 75)")
			s.Close()

			s, err = Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			board, err := s.Leaderboard(t.Context(), Query{})
			if err != nil || len(board.Rows) != 1 || board.Rows[0].RunID != "old-1" || board.Rows[0].Composite.Value != 75 ||
				board.Rows[0].Composite.CI95 == nil || board.Rows[0].Passed != 3 {
				t.Fatalf("board after upgrade: %+v, %v", board, err)
			}
			// And it stays maintained: a better import takes the place.
			if _, err := s.SaveReport(t.Context(), mkReport(spec{id: "new", model: "m", composite: 90, quality: 90, speed: 1, cost: -1}),
				Competitor{Name: "old"}); err != nil {
				t.Fatal(err)
			}
			board, _ = s.Leaderboard(t.Context(), Query{})
			if len(board.Rows) != 1 || board.Rows[0].RunID != "new" {
				t.Errorf("board after import: %+v", rowsOf(board))
			}
		})
	}
}

// Open resolves runs left running: by pid on this host, by heartbeat
// anywhere; live ones are left alone.
func TestRecoverAbandoned(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, dsn string) {
		ctx := t.Context()
		now := time.Now().UTC()
		cases := []struct {
			id, host string
			pid      int
			beat     time.Time
			want     string
		}{
			// Another host, heartbeat two hours old: failed.
			{"stale-remote", "elsewhere", 1, now.Add(-2 * time.Hour), StatusFailed},
			// Another host, heartbeat a minute old: still running.
			{"live-remote", "elsewhere", 1, now.Add(-time.Minute), StatusRunning},
			// This host, a pid that cannot exist: failed at once.
			{"dead-local", s.host, 1 << 30, now, StatusFailed},
			// This host, a live process (this one's parent): running.
			{"live-local", s.host, os.Getppid(), now, StatusRunning},
		}
		for _, tc := range cases {
			if _, err := s.BeginRun(ctx, mkReport(spec{id: tc.id, model: "m"}).Run, Competitor{Name: "m"}); err != nil {
				t.Fatal(err)
			}
			if err := s.db.Exec("UPDATE runs SET owner_host = ?, owner_pid = ?, heartbeat_at = ? WHERE id = ?",
				tc.host, tc.pid, tc.beat, tc.id).Error; err != nil {
				t.Fatal(err)
			}
		}
		s2, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer s2.Close()
		for _, tc := range cases {
			d, err := s2.GetRun(ctx, tc.id)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tc.want || (tc.want == StatusFailed) != strings.Contains(d.Note, "abandoned") {
				t.Errorf("%s: %s (%q), want %s", tc.id, d.Status, d.Note, tc.want)
			}
		}
	})
}
