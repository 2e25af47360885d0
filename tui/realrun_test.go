package tui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/baseline/reference"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/leaderboard"
)

// TestRealRunSavedToStore drives the real runner against the embedded
// reference target: set-up → run → results → leaderboard, with the run
// saved in a real SQLite store and its report written.
func TestRealRunSavedToStore(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	ctx := context.Background()
	st, err := leaderboard.Open(ctx, filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	out := filepath.Join(t.TempDir(), "runs")
	cfg := filepath.Join(t.TempDir(), "cfg")
	o := Options{NoColor: true, Tick: -1, ConfigDir: cfg, OutDir: out, Source: StoreSource{Store: st},
		Base: bench.RunOptions{Start: reference.Starter(baseline.Config{Pace: baseline.Pace{TTFT: time.Millisecond, PerToken: time.Millisecond}})}}
	tm := teatest.NewTestModel(t, New(o, io.Discard), teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "(10 tasks)")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "worst tasks")
	tm.Send(keyMsg("L"))
	waitFor(t, tm, "janus-baseline-sim")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(Model)
	if fm.results == nil || len(fm.results.rep.Tasks) != 10 || fm.results.rep.Run.Status != "completed" {
		t.Fatalf("results: %+v", fm.results)
	}
	if v := fm.View(); !strings.Contains(v, "1     janus-baseline-sim") {
		t.Errorf("the saved run is not ranked first on the board:\n%s", v)
	}
	runs, err := st.ListRuns(ctx, leaderboard.RunFilter{})
	if err != nil || len(runs) != 1 || runs[0].ID != fm.results.rep.Run.ID || runs[0].Status != leaderboard.StatusCompleted {
		t.Fatalf("store runs %+v, %v", runs, err)
	}
	// Recorded as it went: every task has its row, and the report is kept.
	d, err := st.GetRun(ctx, runs[0].ID)
	if err != nil || len(d.Tasks) != 10 || d.Report == nil {
		t.Fatalf("stored run: %d tasks, report %v, err %v", len(d.Tasks), d.Report != nil, err)
	}
	reports, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(reports) != 1 {
		t.Errorf("reports written: %v", reports)
	}
	// The choices are remembered for next time.
	if b, err := os.ReadFile(filepath.Join(cfg, prefsFile)); err != nil || !strings.Contains(string(b), `"suite": "smoke"`) {
		t.Errorf("remembered set-up: %s %v", b, err)
	}
}

// TestRealRunStopped: `q` mid-run cancels it; the partial report is shown
// and the store holds the run as cancelled with the tasks that finished.
func TestRealRunStopped(t *testing.T) {
	t.Setenv("JANUS_SELFTEST_FILE", filepath.Join(t.TempDir(), "none.json"))
	ctx := context.Background()
	st, err := leaderboard.Open(ctx, filepath.Join(t.TempDir(), "runs.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	o := Options{NoColor: true, Tick: -1, ConfigDir: "-", OutDir: filepath.Join(t.TempDir(), "runs"), Source: StoreSource{Store: st},
		Base: bench.RunOptions{Start: reference.Starter(baseline.Config{Pace: baseline.Pace{TTFT: 100 * time.Millisecond, PerToken: 50 * time.Millisecond}})}}
	tm := teatest.NewTestModel(t, New(o, io.Discard), teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, "(10 tasks)")
	// Concurrency 1, so that most of the suite is still queued.
	for _, k := range []string{"down", "down", "down", "down", "left", "left", "left"} {
		t.Run(k, func(t *testing.T) {
			tm.Send(keyMsg(k))
		})
	}
	waitFor(t, tm, "‹ 1 ›")
	tm.Send(keyMsg("enter"))
	waitFor(t, tm, "1/10")
	tm.Send(keyMsg("q"))
	waitFor(t, tm, "interrupted")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(15*time.Second)).(Model)
	if fm.results == nil || fm.results.rep.Run.Status != "interrupted" {
		t.Fatalf("results after q: %+v", fm.results)
	}
	n := len(fm.results.rep.Tasks)
	if n == 0 || n >= 8 {
		t.Fatalf("%d tasks in the partial report, want some but not all", n)
	}
	runs, err := st.ListRuns(ctx, leaderboard.RunFilter{})
	if err != nil || len(runs) != 1 || runs[0].Status != leaderboard.StatusCancelled {
		t.Fatalf("store runs %+v, %v", runs, err)
	}
	d, err := st.GetRun(ctx, runs[0].ID)
	if err != nil || len(d.Tasks) != n {
		t.Fatalf("stored %d tasks, the report has %d (err %v)", len(d.Tasks), n, err)
	}
}
