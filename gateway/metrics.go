package gateway

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the gateway's Prometheus series. The exposition is written by
// hand (text format 0.0.4) because the handful of counters and histograms
// here do not justify a client library; every update is one atomic add on
// the request path.
type metrics struct {
	mu    sync.Mutex
	comps map[string]*compMetrics
	fast  sync.Map // id → *compMetrics, the lock-free read path of comps
	// requests counts finished requests by competitor, status and mode.
	requests sync.Map // reqKey → *atomic.Int64
	rejected sync.Map // reason → *atomic.Int64
	// arena counts arena prompts and votes by outcome; artifacts counts
	// artifact captures by outcome.
	arena     sync.Map // "prompt", "vote_A", "refused_409", … → *atomic.Int64
	artifacts sync.Map // "stored", "failed" → *atomic.Int64
}

type reqKey struct {
	comp   string
	code   int
	stream bool
}

// compMetrics are one competitor's series.
type compMetrics struct {
	ttft           histogram
	streamDuration histogram
	duration       histogram
	active         atomic.Int64
	keepalives     atomic.Int64
	retries        atomic.Int64
	upErrs         sync.Map // kind → *atomic.Int64
}

func newMetrics() *metrics { return &metrics{comps: map[string]*compMetrics{}} }

// comp returns the series of competitor id, creating them on first use.
// Every request calls it, so the common case is one lock-free read.
func (m *metrics) comp(id string) *compMetrics {
	if c, ok := m.fast.Load(id); ok {
		return c.(*compMetrics)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.comps[id]
	if c == nil {
		c = &compMetrics{}
		m.comps[id] = c
		m.fast.Store(id, c)
	}
	return c
}

func counter(mp *sync.Map, key any) *atomic.Int64 {
	if v, ok := mp.Load(key); ok {
		return v.(*atomic.Int64)
	}
	v, _ := mp.LoadOrStore(key, new(atomic.Int64))
	return v.(*atomic.Int64)
}

// request records one finished request.
func (m *metrics) request(comp string, code int, stream bool) {
	if comp == "" {
		comp = "none"
	}
	counter(&m.requests, reqKey{comp, code, stream}).Add(1)
}

// reject records a request refused before routing.
func (m *metrics) reject(reason string) { counter(&m.rejected, reason).Add(1) }

// upstreamError records an upstream failure of kind (connect, status_503,
// midstream, incomplete, timeout, …).
func (c *compMetrics) upstreamError(kind string) { counter(&c.upErrs, kind).Add(1) }

// bucketBounds are the histogram upper bounds in seconds: fine below 10 ms
// to show gateway overhead, coarse up to the stream timeout.
var bucketBounds = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 120, 300}

// histogram is a fixed-bucket Prometheus histogram.
type histogram struct {
	counts [19]atomic.Int64 // len(bucketBounds)+1, the last is +Inf
	sumNs  atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i := sort.SearchFloat64s(bucketBounds, s)
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// ServeHTTP writes the exposition.
func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	bw := bufio.NewWriter(w)
	m.write(bw)
	_ = bw.Flush()
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	ids := make([]string, 0, len(m.comps))
	for id := range m.comps {
		ids = append(ids, id)
	}
	comps := make(map[string]*compMetrics, len(m.comps))
	for k, v := range m.comps {
		comps[k] = v
	}
	m.mu.Unlock()
	sort.Strings(ids)

	header := func(name, typ, help string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
	}

	header("janus_gateway_requests_total", "counter", "Chat completion requests by competitor, HTTP status and mode.")
	m.writeRequests(w)

	header("janus_gateway_rejected_total", "counter", "Requests refused before routing, by reason.")
	writeCounterMap(w, "janus_gateway_rejected_total", "reason", "", &m.rejected)

	header("janus_gateway_arena_total", "counter", "Arena prompts, recorded votes by winner, and refused votes by status.")
	writeCounterMap(w, "janus_gateway_arena_total", "event", "", &m.arena)
	header("janus_gateway_artifacts_total", "counter", "Artifacts captured from competitors, by outcome.")
	writeCounterMap(w, "janus_gateway_artifacts_total", "outcome", "", &m.artifacts)

	header("janus_gateway_active_streams", "gauge", "Streams being relayed now.")
	for _, id := range ids {
		fmt.Fprintf(w, "janus_gateway_active_streams{competitor=%s} %d\n", label(id), comps[id].active.Load())
	}
	header("janus_gateway_keepalives_sent_total", "counter", "Keep-alive comments the gateway injected.")
	for _, id := range ids {
		fmt.Fprintf(w, "janus_gateway_keepalives_sent_total{competitor=%s} %d\n", label(id), comps[id].keepalives.Load())
	}
	header("janus_gateway_upstream_retries_total", "counter", "Upstream attempts retried after 429/502/503/504 or a refused connection.")
	for _, id := range ids {
		fmt.Fprintf(w, "janus_gateway_upstream_retries_total{competitor=%s} %d\n", label(id), comps[id].retries.Load())
	}
	header("janus_gateway_upstream_errors_total", "counter", "Upstream failures by kind.")
	for _, id := range ids {
		writeCounterMap(w, "janus_gateway_upstream_errors_total", "kind", "competitor="+label(id)+",", &comps[id].upErrs)
	}
	hists := []struct {
		name, help string
		get        func(*compMetrics) *histogram
	}{
		{"janus_gateway_ttft_seconds", "Time from request arrival to the first upstream data event relayed.",
			func(c *compMetrics) *histogram { return &c.ttft }},
		{"janus_gateway_stream_duration_seconds", "Time from request arrival to the end of a relayed stream.",
			func(c *compMetrics) *histogram { return &c.streamDuration }},
		{"janus_gateway_request_duration_seconds", "Time from arrival to the end of a non-streamed request.",
			func(c *compMetrics) *histogram { return &c.duration }},
	}
	for _, hd := range hists {
		header(hd.name, "histogram", hd.help)
		for _, id := range ids {
			writeHistogram(w, hd.name, "competitor="+label(id), hd.get(comps[id]))
		}
	}
}

// writeRequests writes janus_gateway_requests_total's samples, sorted by
// competitor, status and mode.
func (m *metrics) writeRequests(w io.Writer) {
	type reqRow struct {
		k reqKey
		n int64
	}
	var rows []reqRow
	m.requests.Range(func(k, v any) bool {
		rows = append(rows, reqRow{k.(reqKey), v.(*atomic.Int64).Load()})
		return true
	})
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i].k, rows[j].k
		if a.comp != b.comp {
			return a.comp < b.comp
		}
		if a.code != b.code {
			return a.code < b.code
		}
		return !a.stream && b.stream
	})
	for _, r := range rows {
		fmt.Fprintf(w, "janus_gateway_requests_total{competitor=%s,status=\"%d\",stream=\"%t\"} %d\n",
			label(r.k.comp), r.k.code, r.k.stream, r.n)
	}
}

func writeCounterMap(w io.Writer, name, key, prefix string, mp *sync.Map) {
	type row struct {
		k string
		n int64
	}
	var rows []row
	mp.Range(func(k, v any) bool {
		rows = append(rows, row{k.(string), v.(*atomic.Int64).Load()})
		return true
	})
	sort.Slice(rows, func(i, j int) bool { return rows[i].k < rows[j].k })
	for _, r := range rows {
		fmt.Fprintf(w, "%s{%s%s=%s} %d\n", name, prefix, key, label(r.k), r.n)
	}
}

func writeHistogram(w io.Writer, name, labels string, h *histogram) {
	var cum int64
	for i, b := range bucketBounds {
		cum += h.counts[i].Load()
		fmt.Fprintf(w, "%s_bucket{%s,le=\"%s\"} %d\n", name, labels, strconv.FormatFloat(b, 'g', -1, 64), cum)
	}
	cum += h.counts[len(bucketBounds)].Load()
	fmt.Fprintf(w, "%s_bucket{%s,le=\"+Inf\"} %d\n", name, labels, cum)
	fmt.Fprintf(w, "%s_sum{%s} %s\n", name, labels, strconv.FormatFloat(float64(h.sumNs.Load())/1e9, 'g', -1, 64))
	fmt.Fprintf(w, "%s_count{%s} %d\n", name, labels, cum)
}

// label quotes a label value with the escapes the text format requires.
func label(v string) string {
	if !strings.ContainsAny(v, "\\\"\n") {
		return `"` + v + `"`
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(v) + `"`
}
