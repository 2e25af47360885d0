package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"

	"github.com/janus-bench/janus/bench"
	"github.com/janus-bench/janus/leaderboard"
	"github.com/janus-bench/janus/scorer"
)

// Config configures a Server. Zero values mean the documented defaults.
type Config struct {
	// Store is the run store DSN: a SQLite path (default
	// leaderboard.DefaultDSN()) or a postgres:// URL.
	Store string
	// Workers is how many runs this process executes at once; 0 makes an
	// API-only server (other processes run `janus worker`).
	Workers int
	// Evaluator grades the workers' runs (code runner, judge), built by
	// the application; nil: judge and code checks score 0.
	Evaluator *scorer.Evaluator
	// AllowTargets are CIDRs, addresses or host names competitor URLs may
	// reach although internal (the SSRF guard refuses them otherwise).
	AllowTargets []string
	// PublicRead lets callers without a key read runs and the leaderboard.
	PublicRead bool
	// Open lets anonymous callers act as admin while no API key exists
	// (the CLI sets it for a loopback listener).
	Open bool
	// LeaseTTL is how long a worker's claim on a run lasts without renewal
	// (default 30 s): how soon a killed worker's run moves on.
	LeaseTTL time.Duration
	// RescueAfter is when the queue hands a job whose worker went silent
	// to another (River's RescueStuckJobsAfter; default 2 min).
	RescueAfter time.Duration
	// RunTimeout bounds one run (default 2 h).
	RunTimeout time.Duration
	// Retention deletes finished runs older than it (0: keep all).
	Retention time.Duration
	// WorkDir holds the engine's report files while a run is executing.
	WorkDir string
	// MaxBody bounds request bodies (default 1 MiB).
	MaxBody int64
	// DefaultQuota caps the queued and running runs of a key created
	// without a quota of its own (0: no cap).
	DefaultQuota int
	// MaxStreams bounds concurrent progress streams (default 1000).
	MaxStreams int
	// PollInterval is how often a progress stream looks for new tasks
	// (default 500 ms).
	PollInterval time.Duration
	// Version is reported by /health.
	Version string
	Logger  *slog.Logger
	// Reference starts the embedded reference target that a run with
	// neither a target nor an image measures (the baseline competitor):
	// the application builds it (baseline/reference.Starter), the service
	// only passes it to the engine. nil: such runs fail to start.
	Reference bench.StartTarget
}

func (c *Config) defaults() {
	if c.Store == "" {
		c.Store = leaderboard.DefaultDSN()
	}
	if c.LeaseTTL <= 0 {
		c.LeaseTTL = 30 * time.Second
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = 2 * time.Minute
	}
	// The queue's rescue must not come before the lease lapses.
	c.RescueAfter = max(c.RescueAfter, c.LeaseTTL)
	if c.RunTimeout <= 0 {
		c.RunTimeout = 2 * time.Hour
	}
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = 1000
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 500 * time.Millisecond
	}
	if c.WorkDir == "" {
		c.WorkDir = filepath.Join(os.TempDir(), "janus-service")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Server is the scoring service: API handlers over the store and the
// queue, and (with Workers > 0) the workers that execute runs.
type Server struct {
	cfg     Config
	st      *leaderboard.Store
	q       queue
	guard   *guard
	m       *metrics
	log     *slog.Logger
	mux     *http.ServeMux
	streams chan struct{}
	once    sync.Once
}

// New opens the store (applying its migrations) and the queue (applying
// River's), re-queues runs stored without a queue job, and builds the
// router. Start begins executing jobs; Close releases everything.
func New(ctx context.Context, cfg Config) (*Server, error) {
	cfg.defaults()
	g, err := newGuard(cfg.AllowTargets)
	if err != nil {
		return nil, err
	}
	st, err := leaderboard.Open(ctx, cfg.Store)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, st: st, guard: g, log: cfg.Logger, mux: http.NewServeMux(), streams: make(chan struct{}, cfg.MaxStreams)}
	s.m = newMetrics(st, cfg.Logger)
	s.m.workers.Set(float64(cfg.Workers))
	work := river.NewWorkers()
	owner := leaseOwner()
	river.AddWorker(work, &runWorker{st: st, owner: owner, ttl: cfg.LeaseTTL, rescue: cfg.RescueAfter, timeout: cfg.RunTimeout,
		workDir: cfg.WorkDir, reference: cfg.Reference, eval: cfg.Evaluator, guard: g, m: s.m, log: cfg.Logger.With("worker", owner)})
	river.AddWorker(work, &retentionWorker{st: st, keep: cfg.Retention, log: cfg.Logger})
	s.q, err = newQueue(ctx, st, queueConfig{DSN: cfg.Store, Workers: cfg.Workers, RescueAfter: cfg.RescueAfter,
		Retention: cfg.Retention, RunTimeout: cfg.RunTimeout, Logger: cfg.Logger, work: work})
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := s.requeue(ctx); err != nil {
		st.Close()
		return nil, err
	}
	s.routes()
	return s, nil
}

// leaseOwner names this process for run leases: host, pid and a random
// part, so a restarted process never mistakes an old lease for its own.
func leaseOwner() string {
	h, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return h + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b[:])
}

// requeue queues runs stored as queued without a job (the process stopped
// between the two writes); the job's uniqueness makes this idempotent.
func (s *Server) requeue(ctx context.Context) error {
	ids, err := s.st.UnqueuedRuns(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		jid, err := s.q.insert(ctx, id, time.Time{})
		if err != nil {
			return err
		}
		if err := s.st.SetRunJob(ctx, id, jid); err != nil {
			return err
		}
		s.log.Info("re-queued a run stored without a queue job", "run", id)
	}
	return nil
}

// Handler is the service's HTTP handler: the API under /api/v1, /health
// and /metrics, plus whatever Handle added.
func (s *Server) Handler() http.Handler { return s.mux }

// Handle mounts another handler on the same server (web pages, a chat
// UI); patterns follow net/http.ServeMux.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Store is the server's run store (for handlers mounted beside the API).
func (s *Server) Store() *leaderboard.Store { return s.st }

// Start starts the workers (when Workers > 0) and the queue's maintenance.
func (s *Server) Start(ctx context.Context) error {
	if s.cfg.Workers == 0 {
		return nil // API only: the queue client just inserts
	}
	if err := s.q.start(ctx); err != nil {
		return fmt.Errorf("start queue: %w", err)
	}
	return nil
}

// Close stops the queue — in-flight runs get grace to finish, then are
// cancelled and handed back (their stored tasks are kept, the next worker
// resumes) — and closes the store.
func (s *Server) Close(ctx context.Context) error {
	var err error
	s.once.Do(func() {
		if s.cfg.Workers > 0 {
			err = s.q.stop(ctx)
		} else {
			s.q.closePool()
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			err = s.q.stopAndCancel(cctx)
		}
		err = errors.Join(err, s.st.Close())
	})
	return err
}

// ServeOptions bound the HTTP server.
type ServeOptions struct {
	Listen string
	// Grace is how long shutdown lets in-flight runs finish before they
	// are handed back (default 10 s).
	Grace time.Duration
	// Ready, when set, receives the listener's address once it listens.
	Ready func(addr string)
}

// ListenAndServe serves s until ctx ends, then shuts down: the listener
// closes, open requests get 5 s, workers get Grace.
func (s *Server) ListenAndServe(ctx context.Context, o ServeOptions) error {
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", o.Listen, err)
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
	hs := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	if err := s.Start(context.WithoutCancel(ctx)); err != nil { // ctx ending must not hard-stop the workers: Close gives them grace
		ln.Close()
		return err
	}
	s.log.Info("scoring service listening", "addr", ln.Addr().String(), "workers", s.cfg.Workers, "store", s.st.Dialect())
	if o.Ready != nil {
		o.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	gctx, gcancel := context.WithTimeout(context.WithoutCancel(ctx), o.Grace)
	defer gcancel()
	if cerr := s.Close(gctx); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// metricsHandler serves the registry.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.m.reg, promhttp.HandlerOpts{})
}

// Work runs the workers without an HTTP listener (`janus worker`) until
// ctx ends, then shuts down with grace for in-flight runs.
func (s *Server) Work(ctx context.Context, grace time.Duration) error {
	if err := s.Start(context.WithoutCancel(ctx)); err != nil { // ctx ending must not hard-stop the workers: Close gives them grace
		s.Close(context.Background())
		return err
	}
	s.log.Info("scoring worker started", "workers", s.cfg.Workers, "store", s.st.Dialect())
	<-ctx.Done()
	if grace <= 0 {
		grace = 10 * time.Second
	}
	gctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	return s.Close(gctx)
}
