package service

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/janus-bench/janus/leaderboard"
)

// metrics are the service's Prometheus metrics, on a registry of its own
// (no global state): runs by state and queue depth are read from the
// database at scrape time, so every replica reports the cluster's figures.
type metrics struct {
	reg       *prometheus.Registry
	tasks     *prometheus.CounterVec
	duration  prometheus.Histogram
	executing prometheus.Gauge
	workers   prometheus.Gauge
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
}

func newMetrics(st *leaderboard.Store, log *slog.Logger) *metrics {
	m := &metrics{reg: prometheus.NewRegistry(),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "janus_tasks_total",
			Help: "Tasks finished by this process's workers, by task status."}, []string{"status"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "janus_run_duration_seconds",
			Help: "Wall time of run executions in this process.", Buckets: prometheus.ExponentialBuckets(1, 2, 14)}),
		executing: prometheus.NewGauge(prometheus.GaugeOpts{Name: "janus_runs_executing",
			Help: "Runs this process is executing now."}),
		workers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "janus_workers",
			Help: "Worker slots of this process (runs it may execute at once)."}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "janus_http_requests_total",
			Help: "API requests by route and status code."}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "janus_http_request_duration_seconds",
			Help: "API request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"}),
	}
	m.reg.MustRegister(m.tasks, m.duration, m.executing, m.workers, m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&dbCollector{st: st, log: log})
	return m
}

// dbCollector reads runs by state and queue jobs by state at scrape time.
type dbCollector struct {
	st  *leaderboard.Store
	log *slog.Logger
}

var (
	runsDesc  = prometheus.NewDesc("janus_runs", "Runs in the store by state.", []string{"state"}, nil)
	queueDesc = prometheus.NewDesc("janus_queue_jobs", "Queue jobs by state (available is the queue depth).", []string{"kind", "state"}, nil)
)

// Describe implements prometheus.Collector.
func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) { ch <- runsDesc; ch <- queueDesc }

// Collect implements prometheus.Collector.
func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	states, err := c.st.RunStates(ctx)
	if err != nil {
		c.log.Warn("metrics: runs by state", "err", err)
	}
	for _, s := range []string{leaderboard.StatusQueued, leaderboard.StatusRunning, leaderboard.StatusCompleted,
		leaderboard.StatusFailed, leaderboard.StatusCancelled} {
		ch <- prometheus.MustNewConstMetric(runsDesc, prometheus.GaugeValue, float64(states[s]), s)
	}
	db, err := c.st.SQLDB()
	if err != nil {
		return
	}
	rows, err := db.QueryContext(ctx, "SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state")
	if err != nil {
		c.log.Warn("metrics: queue depth", "err", err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var kind, state string
		var n sql.NullInt64
		if rows.Scan(&kind, &state, &n) == nil {
			ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n.Int64), kind, state)
		}
	}
}
