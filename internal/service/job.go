package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/riverqueue/river"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/internal/app"
	"github.com/janus-bench/janus/internal/container"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
)

// errCancelRequested ends a run whose cancellation was requested.
var errCancelRequested = errors.New("cancelled by request")

// runWorker executes janus_run jobs: it takes the run's lease, resumes
// from the tasks already stored, calls the engine and stores the result.
type runWorker struct {
	river.WorkerDefaults[runArgs]
	st      *leaderboard.Store
	owner   string // this worker process's lease id
	ttl     time.Duration
	rescue  time.Duration // RescueAfter: see Timeout
	timeout time.Duration
	workDir string
	// reference starts the embedded reference target (Config.Reference).
	reference bench.StartTarget
	// eval grades the runs' answers (Config.Evaluator).
	eval  *scorer.Evaluator
	guard *guard
	m     *metrics
	log   *slog.Logger
}

// Timeout implements river.Worker. River rescues a job only once its
// timeout has passed, so a run's job "times out" after RescueAfter — which
// makes a killed worker's run rescuable that soon — while Work ignores that
// deadline (detachDeadline): a live run is never cut short by it, and the
// run's lease keeps a rescued job from executing twice.
func (w *runWorker) Timeout(*river.Job[runArgs]) time.Duration { return w.rescue }

// detachDeadline returns a context that ends when ctx is cancelled (River
// cancelling the job, a shutdown) but not when its deadline passes.
func detachDeadline(ctx context.Context) (context.Context, func()) {
	c, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cancel(context.Cause(ctx))
		}
	})
	return c, func() { stop(); cancel(nil) }
}

// Work implements river.Worker.
func (w *runWorker) Work(ctx context.Context, job *river.Job[runArgs]) error {
	ctx, release := detachDeadline(ctx)
	defer release()
	id := job.Args.RunID
	rj, err := w.st.RunJobOf(ctx, id)
	if errors.Is(err, leaderboard.ErrNotFound) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	if terminal(rj.Status) {
		return nil
	}
	ok, err := w.st.ClaimRun(ctx, id, w.owner, w.ttl)
	if err != nil {
		return err
	}
	if !ok {
		// A live worker holds it (the queue rescued a long run): look again
		// once its lease could have lapsed.
		return river.JobSnooze(w.ttl)
	}
	log := w.log.With("run", id, "attempt", job.Attempt)
	if rj.CancelRequested {
		return w.finish(ctx, id, nil, leaderboard.StatusCancelled, errCancelRequested.Error())
	}
	var spec runSpec
	if err := json.Unmarshal(rj.Spec, &spec); err != nil {
		_ = w.st.FailRun(ctx, id, "bad run spec: "+err.Error())
		return nil
	}
	rep, runErr := w.execute(ctx, id, rj, spec, log)
	return w.settle(ctx, job, id, rep, runErr, log)
}

// execute runs the engine under the lease, with a goroutine renewing it
// and watching for a cancellation request.
func (w *runWorker) execute(ctx context.Context, id string, rj *leaderboard.RunJob, spec runSpec, log *slog.Logger) (*record.Report, error) {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if w.timeout > 0 {
		var stop context.CancelFunc
		runCtx, stop = context.WithTimeoutCause(runCtx, w.timeout, fmt.Errorf("run timeout %s reached", w.timeout))
		defer stop()
	}
	stopLease := w.keepLease(runCtx, id, cancel, log)
	defer stopLease()
	if spec.Target != "" {
		// Checked again at run time: DNS may have changed since submission.
		if err := w.guard.check(ctx, spec.Target); err != nil {
			return nil, &bench.InputError{Op: "check target", Err: err}
		}
	}
	done, err := w.st.StoredTasks(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(w.workDir, 0o700); err != nil {
		return nil, fmt.Errorf("create work dir: %w", err)
	}
	out := filepath.Join(w.workDir, id+".json")
	defer os.Remove(out)
	defer os.Remove(out + ".partial.jsonl")
	o := bench.RunOptions{Target: spec.Target, Model: spec.Model, APIKey: spec.APIKey, Suite: spec.Suite,
		Categories: spec.Categories, Splits: spec.Splits, Concurrency: spec.Concurrency, Limit: spec.Limit, Seed: spec.Seed,
		SeedSecret: spec.SeedSecret, NoStream: spec.NoStream, Out: out, RunID: id, Start: w.reference, Completed: done, StartedAt: rj.StartedAt, Logger: log, Evaluator: w.eval,
		SelftestFile: app.SelftestPath()}
	o.OnStart = func(r record.Run) error { return w.st.StartLeased(ctx, id, w.owner, r) }
	o.OnResult = func(r bench.Result) {
		wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer wcancel()
		if err := w.st.AddTaskLeased(wctx, id, w.owner, r.Task); err != nil {
			log.Warn("task not stored; stopping the run", "task", r.Task.ID, "err", err)
			cancel(err)
			return
		}
		w.m.tasks.WithLabelValues(r.Task.Status).Inc()
	}
	log.Info("run starting", "resumed_tasks", len(done))
	start := time.Now()
	w.m.executing.Inc()
	defer w.m.executing.Dec()
	var rep *record.Report
	if spec.Image != "" {
		rep, err = container.BenchRun(runCtx, container.Options{Image: spec.Image, RunID: id, Logger: log}, o)
	} else {
		rep, err = bench.Run(runCtx, o)
	}
	w.m.duration.Observe(time.Since(start).Seconds())
	if c := context.Cause(runCtx); c != nil && ctx.Err() == nil {
		err = errors.Join(c, err)
	}
	return rep, err
}

// keepLease renews the run's lease every third of its TTL; a lost lease or
// a cancellation request cancels the run. The returned func stops it.
func (w *runWorker) keepLease(ctx context.Context, id string, cancel context.CancelCauseFunc, log *slog.Logger) func() {
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(w.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			held, cancelled, err := w.st.RenewLease(ctx, id, w.owner, w.ttl)
			switch {
			case err != nil:
				log.Warn("lease renewal failed", "err", err)
			case !held:
				cancel(leaderboard.ErrLeaseLost)
				return
			case cancelled:
				cancel(errCancelRequested)
				return
			}
		}
	}()
	return func() { close(stop) }
}

// settle stores how the run ended and tells River what to do with the job:
// a competitor's failure is a result (no retry), a harness error is
// retried with backoff, a shutdown hands the run back.
func (w *runWorker) settle(ctx context.Context, job *river.Job[runArgs], id string, rep *record.Report, err error, log *slog.Logger) error {
	var input *bench.InputError
	var image *container.ImageError
	switch {
	case errors.Is(err, leaderboard.ErrLeaseLost):
		log.Warn("run taken over by another worker")
		return nil
	case errors.Is(err, errCancelRequested):
		if ferr := w.finish(ctx, id, rep, leaderboard.StatusCancelled, errCancelRequested.Error()); ferr != nil {
			return ferr
		}
		return river.JobCancel(errCancelRequested)
	case ctx.Err() != nil:
		// Shutting down (or River cancelled the job): hand the run back;
		// its stored tasks are kept and the next attempt resumes.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = w.st.ReleaseLease(rctx, id, w.owner)
		log.Info("run handed back", "done", rep != nil)
		return fmt.Errorf("run %s interrupted: %w", id, ctx.Err())
	case err == nil:
		log.Info("run completed", "composite", rep.Scores[record.Composite].Value)
		return w.finish(ctx, id, rep, leaderboard.StatusCompleted, "")
	case errors.As(err, &input), errors.As(err, &image), errors.Is(err, bench.ErrInterrupted):
		log.Info("run failed", "reason", err)
		return w.finish(ctx, id, nil, leaderboard.StatusFailed, err.Error())
	}
	if job.Attempt >= job.MaxAttempts {
		log.Error("run failed after its last attempt", "err", err)
		return w.finish(ctx, id, nil, leaderboard.StatusFailed, "harness error: "+err.Error())
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = w.st.ReleaseLease(rctx, id, w.owner)
	log.Warn("harness error; the run will be retried", "err", err)
	return err
}

func (w *runWorker) finish(ctx context.Context, id string, rep *record.Report, status, note string) error {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	err := w.st.FinishLeased(fctx, id, w.owner, rep, status, note)
	if errors.Is(err, leaderboard.ErrLeaseLost) {
		return nil
	}
	return err
}

func terminal(status string) bool {
	return status == leaderboard.StatusCompleted || status == leaderboard.StatusFailed || status == leaderboard.StatusCancelled
}

// retentionWorker deletes finished runs older than the retention period.
type retentionWorker struct {
	river.WorkerDefaults[retentionArgs]
	st   *leaderboard.Store
	keep time.Duration
	log  *slog.Logger
}

// Work implements river.Worker.
func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[retentionArgs]) error {
	until := time.Now().Add(-w.keep)
	for _, state := range []string{leaderboard.StatusCompleted, leaderboard.StatusFailed, leaderboard.StatusCancelled} {
		for {
			runs, err := w.st.ListRuns(ctx, leaderboard.RunFilter{Status: state, Until: until, Limit: 500})
			if err != nil {
				return err
			}
			for _, r := range runs {
				if err := w.st.DeleteRun(ctx, r.ID); err != nil && !errors.Is(err, leaderboard.ErrNotFound) {
					return err
				}
			}
			if len(runs) < 500 {
				break
			}
		}
	}
	w.log.Info("retention: old runs deleted", "before", until.Format(time.RFC3339))
	return nil
}
