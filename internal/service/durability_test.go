package service

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/janus-bench/janus/baseline"
	"github.com/janus-bench/janus/internal/sqlstore/sqltest"
	"github.com/janus-bench/janus/internal/suitegen"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/suites"
)

// A worker process killed with SIGKILL mid-run loses nothing: the queue
// rescues the job, another worker takes the run's lapsed lease and resumes
// from the stored tasks, and every task is stored exactly once. The
// competitor sees at most the killed worker's in-flight requests again.
func TestKill9WorkerResumes(t *testing.T) {
	for _, b := range sqltest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			dsn := b.DSN(t)
			target := startSim(t, baseline.Pace{TTFT: 150 * time.Millisecond, PerToken: 5 * time.Millisecond})
			api, cl := startServer(t, Config{Store: dsn, Workers: 0, AllowTargets: []string{"127.0.0.1"}, Open: true})
			ref, err := cl.Submit(t.Context(), SubmitRequest{Target: target.URL, Concurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			w1 := startChild(t, dsn, 1)
			// Kill the worker once a few tasks are stored.
			deadline := time.Now().Add(time.Minute)
			for {
				evs, err := api.st.TasksAfter(context.Background(), ref.ID, -1, 100)
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) >= 3 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the worker stored %d tasks within a minute", len(evs))
				}
				// Polled (bounded): the worker is a child process writing to
				// the shared store; no synctest bubble can wait on it.
				time.Sleep(20 * time.Millisecond)
			}
			if err := w1.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_ = w1.Wait()
			before, _ := api.st.StoredTasks(context.Background(), ref.ID)
			sentBefore := target.chats.Load()
			startChild(t, dsn, 1)
			d := waitDone(t, api.st, ref.ID, 3*time.Minute)
			if d.Status != leaderboard.StatusCompleted {
				t.Fatalf("run %s after kill -9: %s (%s)", ref.ID, d.Status, d.Note)
			}
			exactlyOnce(t, d)
			// Tasks stored before the kill are kept as they were, not rerun.
			after := map[string]float64{}
			for _, x := range d.Tasks {
				after[x.ID] = x.Score
			}
			for _, x := range before {
				if _, ok := after[x.ID]; !ok {
					t.Errorf("task %s stored before the kill is gone", x.ID)
				}
			}
			// The second worker asked only for what was not stored, plus at
			// most the killed worker's in-flight tasks (concurrency 2): each
			// at most two requests (smoke's multi-turn task has two turns),
			// and the resumed run's warm-up.
			resent := target.chats.Load() - sentBefore
			left := int64(d.TasksPlanned - len(before))
			if resent < left || resent > 2*(left+2) {
				t.Errorf("after the kill the competitor got %d requests for %d unfinished tasks", resent, left)
			}
			t.Logf("killed after %d of %d tasks; %d requests after the kill", len(before), d.TasksPlanned, resent)
		})
	}
}

// Three worker processes drain 30 queued runs with no run executed twice:
// the competitor receives exactly 30 times the requests of one run.
func TestThreeWorkersDrainQueue(t *testing.T) {
	// Its own store, sim and server: it overlaps the other slow tests of
	// the package (the drain test mostly waits on its workers).
	t.Parallel()
	dsn := postgresDSN(t)
	target := startSim(t, baseline.Unpaced())
	api, cl := startServer(t, Config{Store: dsn, Workers: 0, AllowTargets: []string{"127.0.0.1"}, Open: true})
	req := SubmitRequest{Target: target.URL, Limit: 4, Seed: 3}
	// The default suite generated from seed 3: its tasks' requests are
	// counted, the runs' warm-ups (unmarked, other tasks) apart.
	target.expect(uniqueTasks(t, 3, 4))
	// One run alone first: how many requests a run makes.
	w := startChildLease(t, dsn, 2, 30*time.Second)
	one, err := cl.Submit(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, api.st, one.ID, time.Minute)
	perRun := target.chats.Load()
	_ = w.Process.Signal(syscall.SIGTERM)
	_ = w.Wait()
	target.chats.Store(0)
	var ids []string
	for range 30 {
		r, err := cl.Submit(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	for range 3 {
		startChildLease(t, dsn, 2, 30*time.Second)
	}
	for _, id := range ids {
		d := waitDone(t, api.st, id, 3*time.Minute)
		if d.Status != leaderboard.StatusCompleted {
			t.Errorf("run %s: %s (%s)", id, d.Status, d.Note)
		}
		exactlyOnce(t, d)
	}
	if got := target.chats.Load(); got != 30*perRun {
		t.Errorf("the competitor got %d task requests for 30 runs of %d (and %d warm-ups): some run was executed twice", got, perRun, target.warmups.Load())
	}
}

// uniqueTasks is the tasks a run of the default suite with seed and limit
// scores, less those whose opening another seed's smoke also has (a
// family with a fixed opening): a warm-up, drawn from a secret seed, can
// open like those, and would be counted as a task request.
func uniqueTasks(t *testing.T, seed uint64, limit int) *suites.Suite {
	t.Helper()
	smoke, err := suitegen.FreshSmoke(seed)
	if err != nil {
		t.Fatal(err)
	}
	common := map[string]bool{}
	for other := seed + 100; other < seed+106; other++ {
		s, err := suitegen.FreshSmoke(other)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range s.Tasks {
			common[openingKey(task.Messages)] = true
		}
	}
	var unique []suites.Task
	for _, task := range suites.Select(smoke.Tasks, seed, limit) {
		if !common[openingKey(task.Messages)] {
			unique = append(unique, task)
		}
	}
	if len(unique) == 0 {
		t.Fatalf("no task of seed %d opens unlike every other seed's", seed)
	}
	return &suites.Suite{Tasks: unique}
}
