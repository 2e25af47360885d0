package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/janus-bench/janus/leaderboard"
)

// runArgs is the queue job that executes one submitted run. It is unique
// by run id, so a run is never queued (or executed) twice at once.
type runArgs struct {
	RunID string `json:"run_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (runArgs) Kind() string { return "janus_run" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (runArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// retentionArgs is the periodic job that deletes finished runs older than
// the retention period.
type retentionArgs struct{}

// Kind implements river.JobArgs.
func (retentionArgs) Kind() string { return "janus_retention" }

// queue is what the service needs of River, whatever its driver.
type queue interface {
	insert(ctx context.Context, runID string, at time.Time) (int64, error)
	cancel(ctx context.Context, jobID int64) error
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	closePool()
}

type riverQueue[TTx any] struct {
	c     *river.Client[TTx]
	close func()
}

func (q *riverQueue[TTx]) insert(ctx context.Context, runID string, at time.Time) (int64, error) {
	var opts *river.InsertOpts
	if !at.IsZero() {
		opts = &river.InsertOpts{ScheduledAt: at}
	}
	res, err := q.c.Insert(ctx, runArgs{RunID: runID}, opts)
	if err != nil {
		return 0, fmt.Errorf("queue run %s: %w", runID, err)
	}
	return res.Job.ID, nil
}

func (q *riverQueue[TTx]) cancel(ctx context.Context, jobID int64) error {
	if jobID == 0 {
		return nil
	}
	_, err := q.c.JobCancel(ctx, jobID)
	if err != nil && !errors.Is(err, river.ErrNotFound) {
		return fmt.Errorf("cancel job %d: %w", jobID, err)
	}
	return nil
}

func (q *riverQueue[TTx]) closePool() { q.close() }

func (q *riverQueue[TTx]) start(ctx context.Context) error { return q.c.Start(ctx) }
func (q *riverQueue[TTx]) stop(ctx context.Context) error {
	err := q.c.Stop(ctx)
	q.close()
	return err
}
func (q *riverQueue[TTx]) stopAndCancel(ctx context.Context) error {
	err := q.c.StopAndCancel(ctx)
	q.close()
	return err
}

// queueConfig is what newQueue needs beyond the store.
type queueConfig struct {
	DSN         string
	Workers     int // job slots in this process; 0: insert only
	RescueAfter time.Duration
	Retention   time.Duration
	RunTimeout  time.Duration
	Logger      *slog.Logger
	work        *river.Workers
}

// newQueue opens River on the store's database — the store's own SQLite
// pool, or a pgx pool for PostgreSQL — and applies River's migrations.
func newQueue(ctx context.Context, st *leaderboard.Store, c queueConfig) (queue, error) {
	rc := &river.Config{
		Logger:               c.Logger,
		JobTimeout:           -1, // the run worker sets its own (see runWorker.Timeout)
		RescueStuckJobsAfter: c.RescueAfter,
		// A run's job passes its River timeout by design; it is not stuck
		// before the run's own timeout.
		JobStuckThreshold: c.RunTimeout,
		MaxAttempts:       10,
	}
	if c.Workers > 0 {
		rc.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: c.Workers}}
		rc.Workers = c.work
		if c.Retention > 0 {
			rc.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return retentionArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
		}
	}
	if st.Dialect() == "postgres" {
		pool, err := pgxpool.New(ctx, c.DSN)
		if err != nil {
			return nil, fmt.Errorf("open queue: %w", err)
		}
		drv := riverpgxv5.New(pool)
		if err := migrateQueue(ctx, drv, func(ctx context.Context, f func() error) error { return pgLocked(ctx, pool, f) }); err != nil {
			pool.Close()
			return nil, err
		}
		cl, err := river.NewClient(drv, rc)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("open queue: %w", err)
		}
		return &riverQueue[pgxTx]{c: cl, close: pool.Close}, nil
	}
	db, err := st.SQLDB()
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	// SQLite has no LISTEN/NOTIFY: poll, briskly (a local file).
	rc.PollOnly, rc.FetchPollInterval, rc.FetchCooldown = true, 200*time.Millisecond, 50*time.Millisecond
	drv := riversqlite.New(db)
	if err := migrateQueue(ctx, drv, func(_ context.Context, f func() error) error { return f() }); err != nil {
		return nil, err
	}
	cl, err := river.NewClient(drv, rc)
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	return &riverQueue[sqlTx]{c: cl, close: func() {}}, nil
}

// migrateQueue applies River's own versioned migrations, under lock.
func migrateQueue[TTx any](ctx context.Context, drv riverdriver.Driver[TTx], lock func(context.Context, func() error) error) error {
	m, err := rivermigrate.New(drv, nil)
	if err != nil {
		return fmt.Errorf("migrate queue: %w", err)
	}
	return lock(ctx, func() error {
		if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
			return fmt.Errorf("migrate queue: %w", err)
		}
		return nil
	})
}

// queueLockKey serialises River migrations of workers starting at once
// ("janusq" in ASCII).
const queueLockKey = 0x6a616e757371

// pgLocked runs f holding a session advisory lock on one connection.
func pgLocked(ctx context.Context, pool *pgxpool.Pool, f func() error) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("lock queue migrations: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(queueLockKey)); err != nil {
		return fmt.Errorf("lock queue migrations: %w", err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(queueLockKey))
	}()
	return f()
}

var _ rivertype.JobArgs = runArgs{}
