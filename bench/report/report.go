// Package report is what is computed from and written out of a janus
// report: its aggregates (Aggregate), its scoring options and its writers
// (every writer is a func(io.Writer) error). The report model itself
// (schema janus.report/v1) is package record's.
package report

import (
	"cmp"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/janus-bench/janus/bench/trace"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/stats"
)

// NewScoring records o, with its defaults filled in.
func NewScoring(o scorer.Options) *record.Scoring {
	o = o.WithDefaults()
	return &record.Scoring{Targets: o.Targets, Prices: *o.Prices, CategoryWeights: o.CategoryWeights,
		Bootstrap: o.Bootstrap, PassScore: scorer.PassScore, ComputeUSD: o.ComputeUSD, TimingNoiseMs: o.TimingNoiseMs}
}

// ScoringOptions rebuilds the scorer options a report was scored with
// from its Scoring, given its weights and model; a nil Scoring means the
// defaults.
func ScoringOptions(s *record.Scoring, w record.Weights, model string) scorer.Options {
	o := scorer.Options{Weights: w, Model: model}
	if s != nil {
		p := s.Prices
		o.Targets, o.Prices, o.CategoryWeights, o.Bootstrap = s.Targets, &p, s.CategoryWeights, s.Bootstrap
		o.ComputeUSD, o.TimingNoiseMs = s.ComputeUSD, s.TimingNoiseMs
	}
	return o.WithDefaults()
}

// RedactURL drops credentials and query strings from a target URL: a report
// is shared, the key that reached the target is not.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// Summarize computes nearest-rank percentiles of values (gonum
// stat.Quantile with stat.Empirical: the smallest value with at least p of
// the values at or below it) and their mean (stat.Mean, over the sorted
// values so the order they came in cannot matter). values is not modified.
func Summarize(values []float64) record.Summary {
	if len(values) == 0 {
		return record.Summary{}
	}
	v := slices.Clone(values)
	slices.Sort(v)
	q := func(p float64) float64 { return stat.Quantile(p, stat.Empirical, v, nil) }
	return record.Summary{P50: q(0.5), P90: q(0.9), P99: q(0.99), Mean: stat.Mean(v, nil),
		Min: v[0], Max: v[len(v)-1], N: len(v)}
}

// series is one metric's values and, for each, the index of the task it
// came from.
type series struct {
	vals   []float64
	owners []int
}

func (s *series) add(owner int, v float64) {
	s.vals = append(s.vals, v)
	s.owners = append(s.owners, owner)
}

// hasCI says which metrics get bootstrap intervals: latencies (…_ms) and
// rates (…_tps), not counts.
func hasCI(name string) bool {
	return strings.HasSuffix(name, "_ms") || strings.HasSuffix(name, "_tps")
}

// aggregateCategories fills Categories from Tasks (sorted ids make the
// float sums order-independent).
func aggregateCategories(r *record.Report) {
	byCat := map[string][]record.TaskResult{}
	for _, t := range r.Tasks {
		byCat[t.Category] = append(byCat[t.Category], t)
	}
	r.Categories = map[string]record.CategoryScore{}
	for cat, ts := range byCat {
		sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
		var c record.CategoryScore
		sum := 0.0
		for _, t := range ts {
			sum += t.Score
			if t.Status == record.StatusOK && t.Score >= 0.5 {
				c.Passed++
			}
			if t.Status != record.StatusOK {
				c.Failed++
			}
		}
		c.N = len(ts)
		c.Score = 100 * sum / float64(len(ts))
		r.Categories[cat] = c
	}
}

// Aggregate fills Metrics, Violations, PassRate and Categories from Tasks. Inter-token
// latency pools every gap of every task, not each task's mean. The p50 and
// p99 of latency and rate metrics get 95% intervals from the same
// stratified bootstrap over tasks as the scores (a resample pools the
// values of the tasks it drew), with Scoring's bootstrap settings.
func Aggregate(r *record.Report) {
	aggregateCategories(r)
	// Shape is counted afresh: a report aggregated again (a re-score,
	// whose Shape map is the stored report's) must not count twice.
	r.Shape = nil
	all := map[string]*series{}
	add := func(name string, owner int, p *float64) {
		if p == nil {
			return
		}
		s := all[name]
		if s == nil {
			s = &series{}
			all[name] = s
		}
		s.add(owner, *p)
	}
	num := func(v float64) *float64 { return &v }
	r.Violations = map[string]int{}
	for _, code := range trace.ViolationCodes {
		r.Violations[code] = 0
	}
	for i, t := range r.Tasks {
		m := t.Metrics
		add("headers_ms", i, m.HeadersMs)
		add("ttfb_ms", i, m.TTFBMs)
		add("ttft_ms", i, m.TTFTMs)
		add("ttft_content_ms", i, m.TTFTContentMs)
		add("tpot_ms", i, m.TPOTMs)
		add("e2e_ms", i, m.E2EMs)
		add("output_tps", i, m.OutputTPS)
		add("e2e_tps", i, m.E2ETPS)
		add("max_gap_ms", i, m.MaxGapMs)
		add("max_token_gap_ms", i, m.MaxTokenGapMs)
		for _, g := range t.ITLs {
			add("itl_ms", i, num(g))
		}
		add("output_tokens", i, num(float64(m.OutputTokens)))
		add("keepalives", i, num(float64(m.Keepalives)))
		if m.ReportedCompletionTokens != nil {
			add("reported_completion_tokens", i, num(float64(*m.ReportedCompletionTokens)))
		}
		for _, v := range t.Violations {
			r.Violations[v.Code]++
		}
		countShape(r, t.Shape)
	}
	r.Metrics = map[string]record.Summary{}
	for name, s := range all {
		r.Metrics[name] = Summarize(s.vals)
	}
	pr := scorer.PassRate(r.Tasks)
	r.PassRate = &pr
	metricCIs(r, all)
}

// metricCI collects one metric's bootstrap percentiles.
type metricCI struct {
	name       string
	vals       []float64
	owners     []int
	weights    []float64
	p50s, p99s []float64
}

// metricCIs sets CI95P50 and CI95P99 of every metric hasCI accepts.
func metricCIs(r *record.Report, all map[string]*series) {
	var ms []*metricCI
	for _, name := range slices.Sorted(maps.Keys(all)) {
		s := all[name]
		if !hasCI(name) || len(s.vals) == 0 {
			continue
		}
		idx := make([]int, len(s.vals))
		for j := range idx {
			idx[j] = j
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(s.vals[a], s.vals[b]) })
		m := &metricCI{name: name, vals: make([]float64, len(idx)), owners: make([]int, len(idx)), weights: make([]float64, len(idx))}
		for k, j := range idx {
			m.vals[k], m.owners[k] = s.vals[j], s.owners[j]
		}
		ms = append(ms, m)
	}
	if len(ms) == 0 {
		return
	}
	b := record.DefaultBootstrap()
	if r.Scoring != nil {
		b = r.Scoring.Bootstrap
	}
	scorer.Resample(b, r.Tasks, func(counts []float64) {
		for _, m := range ms {
			total := 0.0
			for k, o := range m.owners {
				m.weights[k] = counts[o]
				total += counts[o]
			}
			if total == 0 {
				continue // no task with this metric was drawn
			}
			m.p50s = append(m.p50s, stat.Quantile(0.5, stat.Empirical, m.vals, m.weights))
			m.p99s = append(m.p99s, stat.Quantile(0.99, stat.Empirical, m.vals, m.weights))
		}
	})
	for _, m := range ms {
		if len(m.p50s) == 0 {
			continue
		}
		sum := r.Metrics[m.name]
		p50, p99 := stats.PercentileCI(m.p50s), stats.PercentileCI(m.p99s)
		sum.CI95P50, sum.CI95P99 = &p50, &p99
		r.Metrics[m.name] = sum
	}
}

// countShape adds one task's shape notes to Shape.
func countShape(r *record.Report, notes []string) {
	for _, n := range notes {
		if r.Shape == nil {
			r.Shape = map[string]int{}
		}
		r.Shape[n]++
	}
}
