package cli

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/janus-bench/janus/bench/load"
	"github.com/janus-bench/janus/internal/loadapp"
)

// liveCollector exposes a run's live counters (load.Live) to Prometheus,
// read at scrape time: the engine counts, the application exposes. Names,
// help and values are loadapp.LiveMetrics', which janus-load's own text
// exposition (loadapp.TextMetrics) writes too.
type liveCollector struct{ live *load.Live }

// Describe implements prometheus.Collector.
func (c liveCollector) Describe(ch chan<- *prometheus.Desc) {
	ms, h := loadapp.LiveMetrics(c.live)
	for _, m := range ms {
		ch <- prometheus.NewDesc(m.Name, m.Help, nil, nil)
	}
	ch <- prometheus.NewDesc(h.Name, h.Help, nil, nil)
}

// Collect implements prometheus.Collector. The counters come from one
// snapshot, so they hold together (good ≤ passed ≤ requests).
func (c liveCollector) Collect(ch chan<- prometheus.Metric) {
	ms, h := loadapp.LiveMetrics(c.live)
	for _, m := range ms {
		typ := prometheus.GaugeValue
		if m.Counter {
			typ = prometheus.CounterValue
		}
		ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(m.Name, m.Help, nil, nil), typ, m.Value)
	}
	buckets := make(map[float64]uint64, len(h.Bounds))
	for i, b := range h.Bounds {
		buckets[b] = h.Cumulative[i]
	}
	ch <- prometheus.MustNewConstHistogram(prometheus.NewDesc(h.Name, h.Help, nil, nil), h.Count, h.Sum, buckets)
}

// loadMetrics serves live's metrics through client_golang, from a
// registry of its own (one a run, no global state): janus links
// client_golang for the gateway and the service anyway, and its
// exposition negotiates (gzip, OpenMetrics) with the scraper.
func loadMetrics(live *load.Live) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(liveCollector{live})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
