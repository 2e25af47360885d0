package loadapp

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/janus-bench/janus/bench/load"
)

// MetricsFunc serves a run's live counters at --prometheus's /metrics.
// The program mounting bench load chooses how (Mount.Metrics): janus
// serves them through prometheus/client_golang, the lean janus-load with
// TextMetrics, which writes the same text without linking client_golang
// and protobuf (docs/PERFORMANCE.md, item 8 fifth pass).
type MetricsFunc func(live *load.Live) http.Handler

// LiveMetric is one of a run's live metrics as --prometheus exposes it:
// a gauge or a counter with no labels.
type LiveMetric struct {
	Name, Help string
	// Counter: a counter (its name ends in _total or _sum); else a gauge.
	Counter bool
	Value   float64
}

// LiveHistogram is the live time-to-first-token histogram as exposed: the
// buckets' upper bounds in seconds and the count at or below each, the
// count of all and their sum in seconds.
type LiveHistogram struct {
	Name, Help string
	Bounds     []float64
	Cumulative []uint64
	Count      uint64
	Sum        float64
}

// LiveMetrics reads live's metrics, the counters from one snapshot so
// that they hold together (good ≤ passed ≤ requests). Both expositions
// (TextMetrics and janus's client_golang one) take their names, help and
// values from here, so they cannot drift apart.
func LiveMetrics(live *load.Live) ([]LiveMetric, LiveHistogram) {
	s := live.Snapshot()
	ms := []LiveMetric{
		{"janus_load_step", "Index of the load step running.", false, float64(s.Step)},
		{"janus_load_inflight", "Requests in flight.", false, float64(s.Inflight)},
		{"janus_load_requests_total", "Finished requests (warmup included).", true, float64(s.Requests)},
		{"janus_load_errors_total", "Requests that failed (error or timeout).", true, float64(s.Errors)},
		{"janus_load_violating_total", "Requests with at least one streaming-contract violation.", true, float64(s.Violating)},
		{"janus_load_passed_total", "Correct answers.", true, float64(s.Passed)},
		{"janus_load_good_total", "Correct answers within the TTFT and gap budgets (goodput).", true, float64(s.Good)},
		{"janus_load_sched_lag_seconds_sum", "Sum of actual minus intended send times.", true, live.LagSeconds()},
	}
	h := LiveHistogram{Name: "janus_load_ttft_seconds", Help: "Time to first token."}
	h.Bounds, h.Cumulative, h.Count, h.Sum = live.TTFTHistogram()
	return ms, h
}

// textContentType is the Prometheus text format's media type as
// client_golang's handler answers a scrape that names no format.
const textContentType = "text/plain; version=0.0.4; charset=utf-8; escaping=underscores"

// TextMetrics serves live's metrics in the Prometheus text exposition
// format (version 0.0.4), byte for byte what client_golang's handler
// writes for them (TestTextMetricsMatchClientGolang in cli): families
// sorted by name, HELP then TYPE, values formatted as expfmt does. It
// offers no gzip and no OpenMetrics, which a scraper asks for and does
// without.
func TextMetrics(live *load.Live) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", textContentType)
		_, _ = w.Write(appendText(nil, live))
	})
}

// appendText appends live's metrics in the text format to b.
func appendText(b []byte, live *load.Live) []byte {
	ms, h := LiveMetrics(live)
	type family struct {
		name string
		add  func([]byte) []byte
	}
	fs := make([]family, 0, len(ms)+1)
	for _, m := range ms {
		typ := "gauge"
		if m.Counter {
			typ = "counter"
		}
		fs = append(fs, family{m.Name, func(b []byte) []byte {
			b = appendHead(b, m.Name, m.Help, typ)
			return appendFloat(append(append(b, m.Name...), ' '), m.Value)
		}})
	}
	fs = append(fs, family{h.Name, func(b []byte) []byte { return appendHistogram(b, h) }})
	slices.SortFunc(fs, func(x, y family) int { return strings.Compare(x.name, y.name) })
	for _, f := range fs {
		b = append(f.add(b), '\n')
	}
	return b
}

// appendHead appends a family's HELP and TYPE lines.
func appendHead(b []byte, name, help, typ string) []byte {
	b = append(append(append(b, "# HELP "...), name...), ' ')
	b = appendEscaped(b, help)
	return append(append(append(append(b, "\n# TYPE "...), name...), ' '), typ+"\n"...)
}

// appendHistogram appends h's family: a bucket line a bound and +Inf, the
// sum and the count (without the trailing newline). Counts are written as
// floats, as expfmt does (3e+06, not 3000000).
func appendHistogram(b []byte, h LiveHistogram) []byte {
	b = appendHead(b, h.Name, h.Help, "histogram")
	bucket := func(b []byte, le []byte, n uint64) []byte {
		b = append(append(append(b, h.Name...), `_bucket{le="`...), le...)
		return appendFloat(append(b, `"} `...), float64(n))
	}
	for i, bound := range h.Bounds {
		b = append(bucket(b, appendFloat(nil, bound), h.Cumulative[i]), '\n')
	}
	b = append(bucket(b, []byte("+Inf"), h.Count), '\n')
	b = appendFloat(append(append(b, h.Name...), "_sum "...), h.Sum)
	return appendFloat(append(append(append(b, '\n'), h.Name...), "_count "...), float64(h.Count))
}

// appendEscaped appends a HELP text with backslash and newline escaped,
// as the text format asks.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, s[i])
		}
	}
	return b
}

// appendFloat appends f as expfmt writes a sample value: the shortest 'g'
// form, with +Inf, -Inf and NaN spelled out and -0 as 0.
func appendFloat(b []byte, f float64) []byte {
	switch {
	case f == 0:
		return append(b, '0')
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "+Inf"...)
	case math.IsInf(f, -1):
		return append(b, "-Inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}
