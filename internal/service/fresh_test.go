package service

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/record"
)

// TestFreshSeedSecretUntilTheRunEnds: a janus-default submission without a
// seed gets a secret one at submit; nobody reading the run sees it while
// it is queued; the worker generates the tasks from it and the report
// says "fresh"; once the run has ended the seed is shown and regenerates
// exactly the run's tasks.
func TestFreshSeedSecretUntilTheRunEnds(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "janus.db")
	target := startSim(t, baseline.Unpaced())
	cfg := Config{Store: dsn, Workers: 0, AllowTargets: []string{"127.0.0.1"}, PublicRead: true, Open: true,
		PollInterval: 20 * time.Millisecond, WorkDir: t.TempDir()}
	s, cl := startServer(t, cfg)
	ctx := t.Context()
	r, err := cl.Submit(ctx, SubmitRequest{Target: target.URL, Suite: bench.GeneratedSuite, Limit: 3, Competitor: "fresh"})
	if err != nil {
		t.Fatal(err)
	}
	var queued Run
	getJSON(t, cl.Base+"/api/v1/runs/"+r.ID, &queued)
	if r.Seed != 0 || queued.Seed != 0 || queued.TasksPlanned != 3 {
		t.Fatalf("queued run shows seed %d / %d (want hidden), %d tasks planned", r.Seed, queued.Seed, queued.TasksPlanned)
	}
	cfg.Workers = 1
	startServer(t, cfg)
	d := waitDone(t, s.st, r.ID, 2*time.Minute)
	if d.Report == nil || d.Report.Run.SeedPolicy != record.SeedFresh || d.Report.Run.Seed == 0 {
		t.Fatalf("finished run: report %v", d.Report != nil)
	}
	var done Run
	getJSON(t, cl.Base+"/api/v1/runs/"+r.ID, &done)
	if done.Seed != d.Report.Run.Seed {
		t.Fatalf("ended run shows seed %d, report %d", done.Seed, d.Report.Run.Seed)
	}
	suite, err := suitegen.Fresh(done.Seed)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, task := range suite.Tasks {
		ids[task.ID] = true
	}
	if len(d.Tasks) != 3 {
		t.Fatalf("%d tasks stored, want 3", len(d.Tasks))
	}
	for _, task := range d.Tasks {
		if !ids[task.ID] {
			t.Errorf("task %s is not in the suite its seed generates", task.ID)
		}
	}
}
