package leaderboard

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
	"github.com/janus-bench/janus/record"
)

// A store created at schema 5, with the dimensions as run columns, opens
// at the current schema with every stored score in run_scores: the runs,
// their summaries and the board read as they did, and the old columns are
// gone.
func TestMigrateDimensionColumns(t *testing.T) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.DSN(t)
			all := migrations
			migrations = all[:5]
			s, err := Open(t.Context(), dsn)
			migrations = all
			if err != nil {
				t.Fatal(err)
			}
			mustExec := func(q string, args ...any) {
				t.Helper()
				if err := s.db.Exec(q, args...).Error; err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			mustExec("INSERT INTO competitors (id, name, created_at) VALUES (1, 'old', ?)", t0)
			// old-0 has every dimension with an interval; old-1 has quality
			// without one and no other dimension (a run stored before they
			// existed).
			cols := `quality, quality_lo, quality_hi, speed, speed_lo, speed_hi, cost, cost_lo, cost_hi,
				streaming, streaming_lo, streaming_hi, multimodal, multimodal_lo, multimodal_hi`
			mustExec(`INSERT INTO runs (id, competitor_id, status, suite_name, suite_version, started_at, finished_at, heartbeat_at,
				composite, composite_lo, composite_hi, `+cols+`, tasks, passed)
				VALUES ('old-0', 1, 'completed', 'smoke', '1.0.0', ?, ?, ?, 80, 79, 81,
				11, 10, 12, 21, 20, 22, 31, 30, 32, 41, 40, 42, 51, 50, 52, 4, 3)`, t0, t0, t0)
			later := t0.Add(time.Minute)
			mustExec(`INSERT INTO runs (id, competitor_id, status, suite_name, suite_version, started_at, finished_at, heartbeat_at,
				composite, quality, tasks, passed) VALUES ('old-1', 1, 'completed', 'other', '1.0.0', ?, ?, ?, 60, 66, 4, 2)`,
				later, later, later)
			mustExec(`INSERT INTO board_best (suite_name, suite_version, split, board_scope, competitor_id, id, composite, ` + cols + `)
				SELECT suite_name, suite_version, split, board_scope, competitor_id, id, composite, ` + cols + ` FROM runs`)
			s.Close()

			s, err = Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			want := map[record.Dimension][3]float64{
				record.Quality: {11, 10, 12}, record.Speed: {21, 20, 22}, record.Cost: {31, 30, 32},
				record.Streaming: {41, 40, 42}, record.Multimodal: {51, 50, 52},
			}
			sum, err := s.GetRunSummary(t.Context(), "old-0")
			if err != nil {
				t.Fatal(err)
			}
			got := sum.Dims
			for d, w := range want {
				g := got[d]
				if g == nil || g.Value != w[0] || g.CI95 == nil || *g.CI95 != [2]float64{w[1], w[2]} {
					t.Errorf("old-0 %s after the upgrade: %+v, want %v", d, g, w)
				}
			}
			sum, err = s.GetRunSummary(t.Context(), "old-1")
			if err != nil {
				t.Fatal(err)
			}
			if q := sum.Dims[record.Quality]; q == nil || q.Value != 66 || q.CI95 != nil || len(sum.Dims) != 1 {
				t.Errorf("old-1 after the upgrade: %v, want quality 66 alone", sum.Dims)
			}
			board, err := s.Leaderboard(t.Context(), Query{Suite: "smoke"})
			if err != nil || len(board.Rows) != 1 || board.Rows[0].Dims[record.Streaming] == nil || board.Rows[0].Dims[record.Streaming].Value != 41 ||
				board.Rows[0].Composite.Value != 80 {
				t.Fatalf("board after the upgrade: %+v, %v", board, err)
			}
			var n int64
			if err := s.db.Raw("SELECT COUNT(*) FROM run_scores").Scan(&n).Error; err != nil || n != 6 {
				t.Errorf("run_scores holds %d rows (%v), want 6 (5 + 1)", n, err)
			}
			if err := s.db.Exec("SELECT quality FROM runs").Error; err == nil {
				t.Error("runs still has its quality column")
			}
		})
	}
}

// A dimension the scorer did not have when the store was made is stored
// and read back like the others: the store names no dimension.
func TestStoreNewDimension(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, _ string) {
		const sixth record.Dimension = "sixth"
		r := mkReport(spec{id: "r6", model: "m", composite: 70, quality: 80, speed: 60, cost: -1, half: 2})
		r.Scores[sixth] = record.Score{Value: 33, N: 4, CI95: &[2]float64{30, 36}}
		if _, err := s.SaveReport(t.Context(), r, Competitor{Name: "m"}); err != nil {
			t.Fatal(err)
		}
		row := runRow{ID: "r6"}
		if err := loadDims(s.db.WithContext(t.Context()), &row); err != nil {
			t.Fatal(err)
		}
		if len(row.Dims) != len(record.DefaultDimensions())+1 {
			t.Errorf("stored dimensions %v, want the %d defaults and %s", row.Dims, len(record.DefaultDimensions()), sixth)
		}
		if g := row.Dims[sixth]; g == nil || g.Value != 33 || g.CI95 == nil || *g.CI95 != [2]float64{30, 36} {
			t.Errorf("%s stored as %+v", sixth, g)
		}
		sum, err := s.GetRunSummary(t.Context(), "r6")
		if err != nil {
			t.Fatal(err)
		}
		if g := sum.Dims[sixth]; g == nil || g.Value != 33 || len(sum.Dims) != len(row.Dims) {
			t.Errorf("the summary's dimensions (from dims_json) %v, want run_scores' %v", sum.Dims, row.Dims)
		}
		d, err := s.GetRun(t.Context(), "r6")
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Report.Scores[sixth]; got.Value != 33 {
			t.Errorf("the stored report's %s: %+v", sixth, got)
		}
		if err := s.DeleteRun(t.Context(), "r6"); err != nil {
			t.Fatal(err)
		}
		var n int64
		if err := s.db.Raw("SELECT COUNT(*) FROM run_scores").Scan(&n).Error; err != nil || n != 0 {
			t.Errorf("%d run_scores rows outlive their run (%v)", n, err)
		}
	})
}

// oldSummary and oldEntry are RunSummary and Entry as they were when the
// dimensions were fields: their JSON is the API's, which Dims must keep.
type oldSummary struct {
	ID             string     `json:"id"`
	Competitor     Competitor `json:"competitor"`
	Status         string     `json:"status"`
	Model          string     `json:"model"`
	Target         string     `json:"target"`
	Suite          string     `json:"suite"`
	SuiteVersion   string     `json:"suite_version"`
	SuiteSHA256    string     `json:"suite_sha256,omitempty"`
	Split          string     `json:"split,omitempty"`
	Seed           uint64     `json:"seed"`
	Limit          int        `json:"limit,omitempty"`
	StartedAt      time.Time  `json:"started_at"`
	FinishedAt     *time.Time `json:"finished_at,omitempty"`
	HarnessVersion string     `json:"harness_version,omitempty"`
	Tasks          int        `json:"tasks"`
	TasksPlanned   int        `json:"tasks_planned"`
	Passed         int        `json:"passed"`
	Composite      *Score     `json:"composite,omitempty"`
	Quality        *Score     `json:"quality,omitempty"`
	Speed          *Score     `json:"speed,omitempty"`
	Cost           *Score     `json:"cost,omitempty"`
	Streaming      *Score     `json:"streaming,omitempty"`
	Multimodal     *Score     `json:"multimodal,omitempty"`
	CostUSD        *float64   `json:"cost_usd,omitempty"`
	CostPerCorrect *float64   `json:"cost_per_correct,omitempty"`
	Note           string     `json:"note,omitempty"`
}

type oldEntry struct {
	Rank           int        `json:"rank"`
	RankLo         int        `json:"rank_lo"`
	RankHi         int        `json:"rank_hi"`
	Competitor     Competitor `json:"competitor"`
	Suite          string     `json:"suite"`
	SuiteVersion   string     `json:"suite_version"`
	Split          string     `json:"split,omitempty"`
	Scope          string     `json:"scope,omitempty"`
	RunID          string     `json:"run_id"`
	Model          string     `json:"model"`
	FinishedAt     *time.Time `json:"finished_at,omitempty"`
	Tasks          int        `json:"tasks"`
	Passed         int        `json:"passed"`
	Composite      Score      `json:"composite"`
	Quality        *Score     `json:"quality,omitempty"`
	Speed          *Score     `json:"speed,omitempty"`
	Cost           *Score     `json:"cost,omitempty"`
	Streaming      *Score     `json:"streaming,omitempty"`
	Multimodal     *Score     `json:"multimodal,omitempty"`
	CostPerCorrect *float64   `json:"cost_per_correct,omitempty"`
	ParetoCost     bool       `json:"pareto_cost"`
	ParetoSpeed    bool       `json:"pareto_speed"`
}

// A summary, a run detail and a board entry write the JSON they wrote
// when the dimensions were fields, and read it back.
func TestDimsJSONUnchanged(t *testing.T) {
	sc := func(v float64) *Score { return &Score{Value: v, CI95: &[2]float64{v - 1, v + 1}} }
	cpc := 0.25
	fin := t0.Add(time.Minute)
	cases := []struct {
		name string
		dims Dims
		cpc  *float64
		note string
	}{
		{"every dimension", Dims{record.Quality: sc(1), record.Speed: sc(2), record.Cost: sc(3), record.Streaming: sc(4),
			record.Multimodal: sc(5)}, &cpc, "n"},
		{"some, nothing after", Dims{record.Speed: sc(2), record.Multimodal: {Value: 5}}, nil, ""},
		{"none", nil, &cpc, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			comp := Competitor{Name: `a "quoted", "cost_usd": name`, Team: "t"}
			s := RunSummary{ID: "r", Competitor: comp, Status: StatusCompleted, Suite: "smoke", StartedAt: t0,
				FinishedAt: &fin, Tasks: 4, Passed: 3, Composite: sc(9), Dims: c.dims, CostPerCorrect: c.cpc, Note: c.note}
			old := oldSummary{ID: "r", Competitor: comp, Status: StatusCompleted, Suite: "smoke", StartedAt: t0,
				FinishedAt: &fin, Tasks: 4, Passed: 3, Composite: sc(9), Quality: c.dims[record.Quality],
				Speed: c.dims[record.Speed], Cost: c.dims[record.Cost], Streaming: c.dims[record.Streaming],
				Multimodal: c.dims[record.Multimodal], CostPerCorrect: c.cpc, Note: c.note}
			sameJSON(t, s, old, &RunSummary{})
			d := RunDetail{RunSummary: s, Tasks: []record.TaskResult{}}
			oldD := struct {
				oldSummary
				Report *record.Report      `json:"report,omitempty"`
				Tasks  []record.TaskResult `json:"tasks"`
			}{oldSummary: old, Tasks: []record.TaskResult{}}
			sameJSON(t, d, oldD, &RunDetail{})

			e := Entry{Rank: 1, Competitor: comp, Suite: "smoke", RunID: "r", Composite: *sc(9), Dims: c.dims,
				CostPerCorrect: c.cpc, ParetoSpeed: true}
			oldE := oldEntry{Rank: 1, Competitor: comp, Suite: "smoke", RunID: "r", Composite: *sc(9),
				Quality: c.dims[record.Quality], Speed: c.dims[record.Speed], Cost: c.dims[record.Cost],
				Streaming: c.dims[record.Streaming], Multimodal: c.dims[record.Multimodal], CostPerCorrect: c.cpc, ParetoSpeed: true}
			sameJSON(t, e, oldE, &Entry{})
		})
	}
}

// sameJSON checks that v and old encode to the same bytes and that v's
// bytes decode into into and encode back unchanged.
func sameJSON(t *testing.T, v, old any, into any) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("JSON changed:\n got %s\nwant %s", got, want)
	}
	if err := json.Unmarshal(got, into); err != nil {
		t.Fatal(err)
	}
	back, err := json.Marshal(into)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, got) {
		t.Errorf("JSON does not read back:\n got %s\nwant %s", back, got)
	}
}
