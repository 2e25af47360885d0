package gateway

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the gateway's Prometheus series, on a registry of the
// server's own (no package-global state, so two gateways in one process
// count apart). A competitor's series are looked up once and kept, so an
// update on the request path is one add on a series already found.
type metrics struct {
	reg   *prometheus.Registry
	serve http.Handler

	mu    sync.Mutex
	comps map[string]*compMetrics
	fast  sync.Map // id → *compMetrics, the lock-free read path of comps

	// requests counts finished requests by competitor, status and mode;
	// reqs keeps its series by reqKey, so a request finds its counter
	// without formatting labels.
	requests *prometheus.CounterVec
	reqs     sync.Map               // reqKey → prometheus.Counter
	rejected *prometheus.CounterVec // by reason
	// arena counts arena prompts and votes by outcome ("prompt", "vote_A",
	// "refused_409", …); artifacts counts artifact captures by outcome
	// ("stored", "failed").
	arena     *prometheus.CounterVec
	artifacts *prometheus.CounterVec

	// Per competitor: streams relayed now, keep-alives injected, retries,
	// upstream failures by kind, and the three latency histograms.
	active                           *prometheus.GaugeVec
	keepalivesC, retriesC, upErrs    *prometheus.CounterVec
	ttft, streamDuration, reqLatency *prometheus.HistogramVec
}

type reqKey struct {
	comp   string
	code   int
	stream bool
}

// compMetrics are one competitor's series.
type compMetrics struct {
	ttft           prometheus.Observer
	streamDuration prometheus.Observer
	duration       prometheus.Observer
	active         prometheus.Gauge
	keepalives     prometheus.Counter
	retries        prometheus.Counter
	upErrs         *prometheus.CounterVec // curried with the competitor: by kind
}

// bucketBounds are the histogram upper bounds in seconds: fine below 10 ms
// to show gateway overhead, coarse up to the stream timeout.
var bucketBounds = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 120, 300}

func newMetrics() *metrics {
	comp := []string{"competitor"}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	hist := func(name, help string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: bucketBounds}, comp)
	}
	m := &metrics{reg: prometheus.NewRegistry(), comps: map[string]*compMetrics{},
		requests: counter("janus_gateway_requests_total", "Chat completion requests by competitor, HTTP status and mode.",
			"competitor", "status", "stream"),
		rejected:  counter("janus_gateway_rejected_total", "Requests refused before routing, by reason.", "reason"),
		arena:     counter("janus_gateway_arena_total", "Arena prompts, recorded votes by winner, and refused votes by status.", "event"),
		artifacts: counter("janus_gateway_artifacts_total", "Artifacts captured from competitors, by outcome.", "outcome"),
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "janus_gateway_active_streams",
			Help: "Streams being relayed now."}, comp),
		keepalivesC: counter("janus_gateway_keepalives_sent_total", "Keep-alive comments the gateway injected.", comp...),
		retriesC: counter("janus_gateway_upstream_retries_total",
			"Upstream attempts retried after 429/502/503/504 or a refused connection.", comp...),
		upErrs:         counter("janus_gateway_upstream_errors_total", "Upstream failures by kind.", "competitor", "kind"),
		ttft:           hist("janus_gateway_ttft_seconds", "Time from request arrival to the first upstream data event relayed."),
		streamDuration: hist("janus_gateway_stream_duration_seconds", "Time from request arrival to the end of a relayed stream."),
		reqLatency:     hist("janus_gateway_request_duration_seconds", "Time from arrival to the end of a non-streamed request."),
	}
	m.reg.MustRegister(m.requests, m.rejected, m.arena, m.artifacts, m.active, m.keepalivesC, m.retriesC, m.upErrs,
		m.ttft, m.streamDuration, m.reqLatency)
	m.serve = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return m
}

// comp returns the series of competitor id, creating them on first use (so
// a competitor's gauges and histograms show from its first request, at
// zero). Every request calls it, so the common case is one lock-free read.
func (m *metrics) comp(id string) *compMetrics {
	if c, ok := m.fast.Load(id); ok {
		return c.(*compMetrics)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.comps[id]
	if c == nil {
		l := prometheus.Labels{"competitor": id}
		c = &compMetrics{ttft: m.ttft.With(l), streamDuration: m.streamDuration.With(l), duration: m.reqLatency.With(l),
			active: m.active.With(l), keepalives: m.keepalivesC.With(l), retries: m.retriesC.With(l),
			upErrs: m.upErrs.MustCurryWith(l)}
		m.comps[id] = c
		m.fast.Store(id, c)
	}
	return c
}

// request records one finished request.
func (m *metrics) request(comp string, code int, stream bool) {
	if comp == "" {
		comp = "none"
	}
	k := reqKey{comp, code, stream}
	c, ok := m.reqs.Load(k)
	if !ok {
		c, _ = m.reqs.LoadOrStore(k, m.requests.WithLabelValues(comp, strconv.Itoa(code), strconv.FormatBool(stream)))
	}
	c.(prometheus.Counter).Inc()
}

// reject records a request refused before routing.
func (m *metrics) reject(reason string) { m.rejected.WithLabelValues(reason).Inc() }

// upstreamError records an upstream failure of kind (connect, status_503,
// midstream, incomplete, timeout, …).
func (c *compMetrics) upstreamError(kind string) { c.upErrs.WithLabelValues(kind).Inc() }

// observe records d in seconds, the unit of every gateway histogram.
func observe(h prometheus.Observer, d time.Duration) { h.Observe(d.Seconds()) }

// ServeHTTP writes the exposition.
func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.serve.ServeHTTP(w, r) }
