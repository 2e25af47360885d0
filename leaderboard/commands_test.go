package leaderboard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

var update = flag.Bool("update", false, "rewrite golden files")

var quickPace = baseline.Pace{TTFT: time.Millisecond, PerToken: time.Millisecond}

// quickStart is the embedded reference target at quickPace.
var quickStart = reference.Starter(baseline.Config{Pace: quickPace})

// A real bench run against the embedded target, recorded as it goes: the
// store ends with the run completed, the same tasks as the report, and the
// run on the board.
func TestRecordRunBench(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, dsn string) {
		ctx := t.Context()
		out := filepath.Join(t.TempDir(), "r.json")
		var during []string
		rep, err := RecordRun(ctx, dsn, Competitor{Team: "house"}, true, nil, func(h Hooks) (*record.Report, error) {
			return bench.Run(ctx, bench.RunOptions{Out: out, Start: quickStart, Limit: 4, Seed: 2, Concurrency: 2,
				OnStart: h.Start,
				OnResult: func(r bench.Result) {
					h.Task(r.Task)
					// The store sees the run running while tasks arrive.
					list, _ := s.ListRuns(ctx, RunFilter{Status: StatusRunning})
					for _, r := range list {
						during = append(during, r.ID)
					}
				}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(during) == 0 || during[0] != rep.Run.ID {
			t.Errorf("run not visible as running during the run: %v", during)
		}
		d, err := s.GetRun(ctx, rep.Run.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != StatusCompleted || !d.Competitor.Baseline || d.Competitor.Team != "house" || d.Competitor.Name != rep.Run.Model {
			t.Errorf("stored run %+v", d.RunSummary)
		}
		// Compared as JSON: what a report holds (in-memory-only fields such
		// as the raw ITL slice are not part of it).
		gotJ, _ := json.Marshal(d.Tasks)
		wantJ, _ := json.Marshal(rep.Tasks)
		if !bytes.Equal(gotJ, wantJ) || d.Report == nil || d.Report.Scores[record.Composite].Value != rep.Scores[record.Composite].Value {
			t.Errorf("stored tasks/report differ from the run's")
		}
		b, err := s.Leaderboard(ctx, Query{})
		if err != nil || len(b.Rows) != 1 || b.Rows[0].RunID != rep.Run.ID {
			t.Errorf("board %+v, %v", b, err)
		}
	})
}

// Ctrl-C mid-run stores the run cancelled with its partial report; a run
// that fails after starting is stored failed; save=false touches nothing.
func TestRecordRunEndings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, dsn string) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		rep, err := RecordRun(ctx, dsn, Competitor{Name: "c"}, true, nil, func(h Hooks) (*record.Report, error) {
			return bench.Run(ctx, bench.RunOptions{Out: filepath.Join(t.TempDir(), "r.json"), Start: quickStart, Concurrency: 1,
				OnStart: h.Start, OnResult: func(r bench.Result) { h.Task(r.Task); cancel() }})
		})
		if !errors.Is(err, bench.ErrInterrupted) || rep == nil {
			t.Fatalf("interrupted run: %v", err)
		}
		d, err := s.GetRun(t.Context(), rep.Run.ID)
		if err != nil || d.Status != StatusCancelled || len(d.Tasks) != len(rep.Tasks) || len(rep.Tasks) == 0 {
			t.Fatalf("interrupted run stored as %+v, %v", d, err)
		}

		boom := errors.New("boom")
		run := mkReport(spec{id: "dies", model: "m"}).Run
		_, err = RecordRun(t.Context(), dsn, Competitor{Name: "c"}, true, nil, func(h Hooks) (*record.Report, error) {
			if err := h.Start(run); err != nil {
				return nil, err
			}
			h.Task(task("t1", "quality/chat", 1, 0))
			return nil, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("error %v, want boom", err)
		}
		d, err = s.GetRun(t.Context(), "dies")
		if err != nil || d.Status != StatusFailed || len(d.Tasks) != 1 || d.FinishedAt == nil {
			t.Fatalf("failed run stored as %+v, %v", d, err)
		}

		_, err = RecordRun(t.Context(), dsn, Competitor{}, false, nil, func(h Hooks) (*record.Report, error) {
			other := run
			other.ID = "unsaved"
			return nil, h.Start(other)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetRun(t.Context(), "unsaved"); !errors.Is(err, ErrNotFound) {
			t.Errorf("save=false stored the run: %v", err)
		}
	})
}

func writeReport(t *testing.T, dir string, r *record.Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := record.JSON(r)(&b); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, r.Run.ID+".json")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (-update to accept):\n%s", name, got)
	}
}

// The store commands end to end on files: import twice (idempotent), the
// board as text (golden) and JSON, bad input as InputError.
func TestCommands(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Store, dsn string) {
		ctx := t.Context()
		dir := t.TempDir()
		var files []string
		for _, sp := range []spec{
			{id: "r-alpha", model: "alpha", composite: 81.5, half: 2, quality: 85, speed: 40, cost: 0.03},
			{id: "r-beta", model: "beta", composite: 78.25, half: 5, quality: 75, speed: 90, cost: 0.01},
			{id: "r-gamma", model: "gamma", composite: 40, half: 1, quality: 40, speed: 95, cost: -1},
		} {
			r := mkReport(sp)
			r.Scoring = report.NewScoring(scorer.Options{Weights: r.Weights})
			report.Aggregate(r)
			files = append(files, writeReport(t, dir, r))
		}
		var out bytes.Buffer
		if err := ImportReports(ctx, dsn, files, Competitor{}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "3 imported, 0 already stored") {
			t.Errorf("first import: %s", out.String())
		}
		out.Reset()
		if err := ImportReports(ctx, dsn, files[:1], Competitor{}, &out); err != nil || !strings.Contains(out.String(), "0 imported, 1 already stored") {
			t.Errorf("second import: %s %v", out.String(), err)
		}
		out.Reset()
		if err := PrintLeaderboard(ctx, dsn, Query{}, false, &out); err != nil {
			t.Fatal(err)
		}
		golden(t, "leaderboard.golden", out.Bytes())
		out.Reset()
		if err := PrintLeaderboard(ctx, dsn, Query{}, true, &out); err != nil {
			t.Fatal(err)
		}
		var b Board
		if err := json.Unmarshal(out.Bytes(), &b); err != nil || len(b.Rows) != 3 || b.Rows[0].Competitor.Name != "alpha" {
			t.Errorf("JSON board: %v %+v", err, b)
		}

		bad := filepath.Join(dir, "bad.json")
		os.WriteFile(bad, []byte(`{"schema_version":"janus.report/v1"}`), 0o644)
		var ie *InputError
		if err := ImportReports(ctx, dsn, []string{bad}, Competitor{}, &out); !errors.As(err, &ie) {
			t.Errorf("bad report: %v, want InputError", err)
		}
		if err := ShowRunTo(ctx, dsn, "nope", false, &out); !errors.As(err, &ie) {
			t.Errorf("unknown run: %v, want InputError", err)
		}
		if err := DeleteRuns(ctx, dsn, []string{"r-gamma", "nope"}, &out); !errors.As(err, &ie) || !strings.Contains(out.String(), "deleted r-gamma") {
			t.Errorf("delete with one unknown: %v", err)
		}
		if err := PrintLeaderboard(ctx, dsn, Query{Baseline: "x"}, false, &out); !errors.As(err, &ie) {
			t.Errorf("bad baseline: %v", err)
		}
		out.Reset()
		if err := ShowRunTo(ctx, dsn, "r-alpha", false, &out); err != nil || !strings.Contains(out.String(), "81.5 [79.5–83.5]") {
			t.Errorf("show: %v\n%s", err, out.String())
		}
		out.Reset()
		if err := ListRunsTo(ctx, dsn, RunFilter{}, true, &out); err != nil {
			t.Fatal(err)
		}
		var runs []RunSummary
		if err := json.Unmarshal(out.Bytes(), &runs); err != nil || len(runs) != 2 {
			t.Errorf("runs list --json: %v, %d runs", err, len(runs))
		}

		// Votes: import twice, ratings as JSON.
		vf := filepath.Join(dir, "votes.jsonl")
		var vb bytes.Buffer
		for _, v := range simVotes([]float64{0, 1, 2}, 300, 9) {
			line, _ := json.Marshal(v)
			vb.Write(append(line, '\n'))
		}
		os.WriteFile(vf, vb.Bytes(), 0o644)
		out.Reset()
		if err := ImportVotes(ctx, dsn, []string{vf, vf}, &out); err != nil || !strings.Contains(out.String(), "600 votes read, 300 new, 300 already stored") {
			t.Errorf("arena import: %v %s", err, out.String())
		}
		for _, m := range []string{"bt", "elo"} {
			out.Reset()
			if err := PrintRatings(ctx, dsn, RatingsOptions{Method: m, JSON: true, BT: BTOptions{Bootstrap: 30}}, &out); err != nil {
				t.Fatal(err)
			}
			var rr RatingsReport
			if err := json.Unmarshal(out.Bytes(), &rr); err != nil || rr.Votes != 300 || len(rr.Ratings) != 3 || rr.Ratings[0].Competitor != "m02" {
				t.Errorf("%s ratings: %v %+v", m, err, rr)
			}
		}
		if err := PrintRatings(ctx, dsn, RatingsOptions{Method: "glicko"}, &out); !errors.As(err, &ie) {
			t.Errorf("unknown method: %v", err)
		}
		os.WriteFile(vf, []byte("{\n"), 0o644)
		if err := ImportVotes(ctx, dsn, []string{vf}, &out); !errors.As(err, &ie) || !strings.Contains(err.Error(), "votes.jsonl:1") {
			t.Errorf("bad votes file: %v", err)
		}
	})
}
