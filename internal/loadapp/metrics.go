package loadapp

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/janus-bench/janus/bench/load"
)

// liveCollector exposes a run's live counters (load.Live) to Prometheus,
// read at scrape time: the engine counts, the application exposes.
type liveCollector struct {
	live                                                                 *load.Live
	step, inflight, requests, errors, violating, passed, good, lag, ttft *prometheus.Desc
}

func newLiveCollector(live *load.Live) *liveCollector {
	d := func(name, help string) *prometheus.Desc { return prometheus.NewDesc(name, help, nil, nil) }
	return &liveCollector{live: live,
		step:      d("janus_load_step", "Index of the load step running."),
		inflight:  d("janus_load_inflight", "Requests in flight."),
		requests:  d("janus_load_requests_total", "Finished requests (warmup included)."),
		errors:    d("janus_load_errors_total", "Requests that failed (error or timeout)."),
		violating: d("janus_load_violating_total", "Requests with at least one streaming-contract violation."),
		passed:    d("janus_load_passed_total", "Correct answers."),
		good:      d("janus_load_good_total", "Correct answers within the TTFT and gap budgets (goodput)."),
		lag:       d("janus_load_sched_lag_seconds_sum", "Sum of actual minus intended send times."),
		ttft:      d("janus_load_ttft_seconds", "Time to first token."),
	}
}

// Describe implements prometheus.Collector.
func (c *liveCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.step, c.inflight, c.requests, c.errors, c.violating, c.passed, c.good, c.lag, c.ttft} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. The counters come from one
// snapshot, so they hold together (good ≤ passed ≤ requests).
func (c *liveCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.live.Snapshot()
	for _, m := range []struct {
		d   *prometheus.Desc
		typ prometheus.ValueType
		v   float64
	}{
		{c.step, prometheus.GaugeValue, float64(s.Step)},
		{c.inflight, prometheus.GaugeValue, float64(s.Inflight)},
		{c.requests, prometheus.CounterValue, float64(s.Requests)},
		{c.errors, prometheus.CounterValue, float64(s.Errors)},
		{c.violating, prometheus.CounterValue, float64(s.Violating)},
		{c.passed, prometheus.CounterValue, float64(s.Passed)},
		{c.good, prometheus.CounterValue, float64(s.Good)},
		{c.lag, prometheus.CounterValue, c.live.LagSeconds()},
	} {
		ch <- prometheus.MustNewConstMetric(m.d, m.typ, m.v)
	}
	bounds, cum, n, sum := c.live.TTFTHistogram()
	buckets := make(map[float64]uint64, len(bounds))
	for i, b := range bounds {
		buckets[b] = cum[i]
	}
	ch <- prometheus.MustNewConstHistogram(c.ttft, n, sum, buckets)
}

// metricsHandler serves live's metrics in the Prometheus exposition
// format, from a registry of its own (one a run, no global state).
func metricsHandler(live *load.Live) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newLiveCollector(live))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
