package bench

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat"

	"github.com/janus-bench/janus/bench/report"
	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/scorer"
	"github.com/janus-bench/janus/stats"
)

// Comparison defaults.
const (
	// DefaultCompareResamples is the paired bootstrap's resample count.
	DefaultCompareResamples = 2000
	// DefaultCompareSeed seeds the paired bootstrap, so that comparing the
	// same two reports always gives the same p-values.
	DefaultCompareSeed uint64 = 0x636f6d70617265 // "compare"
	// DefaultAlpha is the family-wise significance level.
	DefaultAlpha = 0.05
)

// Verdicts of one compared row.
const (
	VerdictImproved  = "improved"
	VerdictRegressed = "regressed"
	VerdictNoChange  = "no significant change"
	VerdictNotTested = "not tested"
	// VerdictTooFew is a row that showed no significant change but whose
	// test could not have shown one of the observed size with this many
	// tasks: the note says how many it would take ("n=10, need ≈40").
	VerdictTooFew = "too few tasks to decide"
)

// comparePower is the power the "need ≈N" estimate asks for, and
// powerPoints and powerPct the smallest changes it asks that power for
// (dimension points; percent of a metric's base median) unless a larger
// floor is set: the size of change a comparison is run to catch.
const (
	comparePower = 0.8
	powerPoints  = 5.0
	powerPct     = 10.0
)

// Row kinds and the tests behind them.
const (
	KindDimension = "dimension"
	KindMetric    = "metric"
	TestBootstrap = "paired bootstrap"
	TestWilcoxon  = "wilcoxon signed-rank"
)

const (
	directionHigher = "higher"
	directionLower  = "lower"
	// compareStreamWord is the PCG's second seed word; fixed, so the seed
	// alone picks the draws.
	compareStreamWord = 0x7061697265642d62 // "paired-b"
)

// CompareOptions configure `janus bench compare`. Zero values mean the
// defaults.
type CompareOptions struct {
	// Weights of the composite; zero means the base report's weights.
	Weights record.Weights
	Targets record.Targets
	// Resamples and Seed drive the paired bootstrap.
	Resamples int
	Seed      uint64
	// Alpha is the family-wise error rate the Holm correction holds.
	Alpha float64
	// Thresholds are practical-significance floors by row name, on top of
	// DefaultThresholds.
	Thresholds Thresholds
}

// Thresholds map a dimension or metric name to the smallest change that
// counts: score points for a dimension, percent of the base median for a
// metric. A significant change below its floor is reported as no change.
type Thresholds map[string]float64

// Default practical-significance floors. Tasks of one run share the
// machine and the network, so a whole run can drift against another; with
// hundreds of paired tasks a per-task test finds such a drift
// "significant", since it cannot see run-level noise. Measured on the sim
// (docs/SCORING.md), the drift stays below half a percent on latency
// metrics and a few tenths of a point on most dimensions; the floors sit
// above it and far below any change worth acting on.
const (
	DefaultDimensionFloor = 1.0 // score points
	DefaultMetricFloorPct = 1.0 // percent of the base median
	// DefaultStreamingFloor is wider: continuity reads the jitter of the
	// machine janus runs on as well as the target's, and identical sim
	// runs on a loaded two-core machine drifted by up to 2.5 points.
	DefaultStreamingFloor = 3.0
)

// DefaultThresholds are the floors every comparison starts from; a
// --threshold replaces one, and 0 removes it.
func DefaultThresholds() Thresholds {
	th := Thresholds{}
	for _, d := range dimNames() {
		th[d] = DefaultDimensionFloor
	}
	th[string(record.Streaming)] = DefaultStreamingFloor
	for _, m := range compareMetrics {
		th[m.name] = DefaultMetricFloorPct
	}
	return th
}

// ThresholdNames lists every name a threshold can be set for.
func ThresholdNames() []string {
	dims := dimNames()
	names := append([]string{dims[len(dims)-1]}, dims[:len(dims)-1]...)
	for _, m := range compareMetrics {
		names = append(names, m.name)
	}
	return names
}

// ParseCompareThresholds reads "name=value" floors, comma-separated or repeated
// ("speed=-5", "ttft_ms=10"). The sign is accepted and ignored: a floor
// is the size of the smallest change that matters, in either direction.
func ParseCompareThresholds(specs []string) (Thresholds, error) {
	out := Thresholds{}
	for _, spec := range specs {
		for _, part := range strings.Split(spec, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			k, v, ok := strings.Cut(part, "=")
			k = strings.ToLower(strings.TrimSpace(k))
			if !ok || k == "" {
				return nil, fmt.Errorf("threshold %q: want name=value", part)
			}
			if !slices.Contains(ThresholdNames(), k) {
				return nil, fmt.Errorf("threshold %q: unknown name %q (want one of %s)", part, k, strings.Join(ThresholdNames(), ", "))
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("threshold %q: %q is not a number", part, strings.TrimSpace(v))
			}
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("threshold %s given twice", k)
			}
			out[k] = math.Abs(f)
		}
	}
	return out, nil
}

// RunRef identifies a compared run.
type RunRef struct {
	ID     string `json:"id"`
	Model  string `json:"model"`
	Target string `json:"target"`
	Suite  string `json:"suite"`
	Tasks  int    `json:"tasks"`
}

// Comparison is the outcome of comparing two runs on the tasks they share.
type Comparison struct {
	Base RunRef `json:"base"`
	New  RunRef `json:"new"`
	// Paired is how many tasks both runs have; OnlyBase and OnlyNew list
	// the tasks left out of every test.
	Paired    int      `json:"paired"`
	OnlyBase  []string `json:"only_base"`
	OnlyNew   []string `json:"only_new"`
	Alpha     float64  `json:"alpha"`
	Resamples int      `json:"resamples"`
	Seed      uint64   `json:"seed"`
	// Tests is the size of the Holm family: rows that were tested.
	Tests int          `json:"tests"`
	Rows  []CompareRow `json:"rows"`
	Notes []string     `json:"notes,omitempty"`
}

// CompareRow is one dimension or metric compared.
type CompareRow struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	Unit string `json:"unit"`
	// Better is "higher" or "lower".
	Better string `json:"better"`
	// Feeds is, for a metric, the dimension it drives (ttft_ms: speed).
	Feeds string `json:"feeds,omitempty"`
	// N is the number of paired tasks the row rests on.
	N int `json:"n"`
	// Base and New are the dimension on the paired tasks, or the metric's
	// median over them.
	Base float64 `json:"base"`
	New  float64 `json:"new"`
	// Diff is new − base: the dimension difference, or the median of the
	// per-task differences of a metric.
	Diff float64 `json:"diff"`
	// RelPct is a metric's Diff as a percentage of its base median.
	RelPct *float64 `json:"rel_pct,omitempty"`
	// CI95 is the paired bootstrap's 95% interval of Diff (dimensions).
	CI95 *[2]float64 `json:"ci95,omitempty"`
	// CIHolm is the same bootstrap's interval at the row's Holm-corrected
	// level (1 − alpha·p/p_holm): it excludes 0 exactly when the row is
	// significant, so the interval printed never contradicts the verdict.
	CIHolm *[2]float64 `json:"ci_holm,omitempty"`
	// Need is, for a row too small to decide, about how many paired
	// tasks a test at this level would need to detect the observed
	// difference with 80% power.
	Need int `json:"need,omitempty"`
	// draws are a dimension's sorted bootstrap differences; diffs a
	// metric's paired differences (for the power estimate).
	draws, diffs []float64
	Test         string `json:"test"`
	// Z is the Wilcoxon statistic's normal score (metrics).
	Z *float64 `json:"z,omitempty"`
	P float64  `json:"p"`
	// PHolm is P after Holm's step-down correction over every tested row.
	PHolm   float64  `json:"p_holm"`
	Floor   *float64 `json:"floor,omitempty"`
	Verdict string   `json:"verdict"`
	Note    string   `json:"note,omitempty"`
}

// Regressions lists the rows that regressed.
func (c *Comparison) Regressions() []CompareRow {
	var out []CompareRow
	for _, r := range c.Rows {
		if r.Verdict == VerdictRegressed {
			out = append(out, r)
		}
	}
	return out
}

// RegressionError is the ThresholdError of `--fail-on regression`: one
// line per regressed row.
func (c *Comparison) RegressionError() error {
	rs := c.Regressions()
	if len(rs) == 0 {
		return nil
	}
	lines := make([]string, 0, len(rs))
	for _, r := range rs {
		name := r.Name
		if r.Feeds != "" {
			name += " (" + r.Feeds + ")"
		}
		lines = append(lines, fmt.Sprintf("%s regressed: %s → %s (%s, p_holm %s)", name, fmtVal(r.Base, r.Unit),
			fmtVal(r.New, r.Unit), fmtDiff(r), fmtP(r.PHolm)))
	}
	return &ThresholdError{Msg: strings.Join(lines, "\n")}
}

// compareMetric is a per-task metric compared with the Wilcoxon test.
type compareMetric struct {
	name, unit, better string
	// feeds is the dimension the metric drives.
	feeds string
	value func(t *record.TaskResult) (float64, bool)
}

func metricPtr(get func(t *record.TaskResult) *float64) func(t *record.TaskResult) (float64, bool) {
	return func(t *record.TaskResult) (float64, bool) {
		if p := get(t); p != nil && !math.IsNaN(*p) {
			return *p, true
		}
		return 0, false
	}
}

// compareMetrics are the per-task metrics compare tests, in report order.
var compareMetrics = []compareMetric{
	{"ttft_ms", "ms", directionLower, "speed", metricPtr(func(t *record.TaskResult) *float64 { return t.Metrics.TTFTMs })},
	{"itl_ms", "ms", directionLower, "speed", metricPtr(func(t *record.TaskResult) *float64 { return t.Metrics.ITLMs })},
	{"tpot_ms", "ms", directionLower, "speed", metricPtr(func(t *record.TaskResult) *float64 { return t.Metrics.TPOTMs })},
	{"e2e_ms", "ms", directionLower, "speed", metricPtr(func(t *record.TaskResult) *float64 { return t.Metrics.E2EMs })},
	{"output_tps", "tok/s", directionHigher, "speed", metricPtr(func(t *record.TaskResult) *float64 { return t.Metrics.OutputTPS })},
	{"max_gap_ms", "ms", directionLower, "streaming", metricPtr(func(t *record.TaskResult) *float64 { return t.Metrics.MaxGapMs })},
	{"cost_usd", "USD", directionLower, "cost", metricPtr(func(t *record.TaskResult) *float64 {
		if t.Usage == nil {
			return nil
		}
		return t.Usage.CostUSD
	})},
}

// dimNames are the dimensions in report order, then the composite: the
// order of dimValues.
func dimNames() []string {
	var out []string
	for _, d := range append(record.DefaultDimensions(), record.Composite) {
		out = append(out, string(d))
	}
	return out
}

// contribution is one task's part in each dimension: its 0–1 value and
// its weight in that dimension (0: not a member).
type contribution struct {
	value  []float64
	weight []float64
}

// contributionOf scores one task alone: every dimension is a weighted mean
// over its member tasks, so a task's value is the dimension of the task by
// itself, and N says whether it is a member at all. Quality weighs a task
// of category c by W_c / n_c when the suite sets category weights (n_c:
// the category's paired tasks; the bootstrap resamples within categories,
// so n_c never changes).
func contributionOf(t record.TaskResult, o scorer.Options, catN map[string]int) contribution {
	o.Bootstrap = record.Bootstrap{Resamples: 1}
	s := scorer.ScoreWith([]record.TaskResult{t}, o)
	dims := record.DefaultDimensions()
	c := contribution{value: make([]float64, len(dims)), weight: make([]float64, len(dims))}
	for d, name := range dims {
		dim := s[name]
		if dim.N == 0 {
			continue
		}
		c.value[d], c.weight[d] = dim.Value/100, 1
	}
	if q := slices.Index(dims, record.Quality); q >= 0 && c.weight[q] > 0 && len(o.CategoryWeights) > 0 {
		w, named := o.CategoryWeights[t.Category]
		if !named {
			w = 1
		}
		c.weight[q] = math.Max(w, 0) / float64(max(catN[t.Category], 1))
	}
	return c
}

// dimValues folds contributions weighted by counts (nil: all 1) into the
// dimension values (report order) and the composite, as the scorer would on the
// multiset of tasks the counts describe.
func dimValues(cs []contribution, counts []float64, w record.Weights) []float64 {
	dims := record.DefaultDimensions()
	nd := len(dims)
	num, den := make([]float64, nd), make([]float64, nd)
	for i := range cs {
		k := 1.0
		if counts != nil {
			k = counts[i]
		}
		if k == 0 {
			continue
		}
		for d := range nd {
			if wt := cs[i].weight[d]; wt > 0 {
				num[d] += k * wt * cs[i].value[d]
				den[d] += k * wt
			}
		}
	}
	v := make([]float64, nd+1)
	s := record.Scores{}
	for d, name := range dims {
		sc := record.Score{}
		if den[d] > 0 {
			v[d] = math.Min(1, math.Max(0, num[d]/den[d])) * 100
			sc.N = 1
		}
		sc.Value = v[d]
		s[name] = sc
	}
	v[nd] = scorer.Composite(s, w).Value
	return v
}

// pair is one task both runs have.
type pair struct {
	id       string
	category string
	base     *record.TaskResult
	new      *record.TaskResult
}

// Compare tests, per dimension and per metric, whether the new run differs
// from the base on the tasks both have. Dimensions get a paired bootstrap
// (tasks resampled with replacement within their category, the same draw
// applied to both runs); per-task metrics get the Wilcoxon signed-rank
// test. Holm's step-down correction holds the family-wise error rate at
// Alpha over every tested row, so that scanning thirteen rows does not
// turn noise into a finding. A significant row is improved or regressed by
// the direction of its metric, unless its change is below its threshold.
func Compare(base, next *record.Report, o CompareOptions) (*Comparison, error) {
	if o.Resamples <= 0 {
		o.Resamples = DefaultCompareResamples
	}
	if o.Seed == 0 {
		o.Seed = DefaultCompareSeed
	}
	if o.Alpha <= 0 || o.Alpha >= 1 {
		o.Alpha = DefaultAlpha
	}
	w := o.Weights
	if w.IsZero() {
		w = base.Weights
	}
	if w.IsZero() {
		w = record.DefaultWeights()
	}
	// Both runs are scored with the base's options, so a difference is
	// the targets' behaviour, never a change of yardstick.
	sopts := report.ScoringOptions(base.Scoring, w, base.Run.Model)
	if o.Targets != (record.Targets{}) {
		sopts.Targets = o.Targets
	}
	th := DefaultThresholds()
	for name, v := range o.Thresholds {
		if !slices.Contains(ThresholdNames(), name) {
			return nil, &InputError{Op: "compare", Err: fmt.Errorf("threshold for unknown name %q", name)}
		}
		th[name] = math.Abs(v)
	}
	c := &Comparison{Base: runRef(base), New: runRef(next), Alpha: o.Alpha, Resamples: o.Resamples, Seed: o.Seed,
		OnlyBase: []string{}, OnlyNew: []string{}}
	if !maps.Equal(base.Weights, next.Weights) {
		c.Notes = append(c.Notes, "the runs were scored with different weights; both are compared with the base's")
	}
	if a, b := scoringJSON(base), scoringJSON(next); a != b {
		c.Notes = append(c.Notes, "the runs were scored with different options (targets, prices or category weights); both are compared with the base's")
	}
	if base.Run.Suite.SHA256 != "" && next.Run.Suite.SHA256 != "" && base.Run.Suite.SHA256 != next.Run.Suite.SHA256 {
		c.Notes = append(c.Notes, suiteNote(base.Run, next.Run))
	}

	pairs, onlyBase, onlyNew, dups := pairTasks(base.Tasks, next.Tasks)
	c.Paired, c.OnlyBase, c.OnlyNew = len(pairs), onlyBase, onlyNew
	if dups > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%d repeated task id(s): only the first of each is compared", dups))
	}
	if len(pairs) == 0 {
		return nil, &InputError{Op: "compare", Err: fmt.Errorf("the runs have no task in common")}
	}

	c.Rows = append(c.Rows, compareDimensions(pairs, sopts, o)...)
	for _, m := range compareMetrics {
		c.Rows = append(c.Rows, compareMetricRow(pairs, m))
	}
	c.Tests = holm(c.Rows)
	for i := range c.Rows {
		judge(&c.Rows[i], o.Alpha, th)
		tooFew(&c.Rows[i], o.Alpha, c.Tests)
	}
	return c, nil
}

// scoringJSON is a report's recorded scoring options in comparable form.
// A report without a scoring block was scored with the defaults.
func scoringJSON(r *record.Report) string {
	o := report.ScoringOptions(r.Scoring, r.Weights, "")
	b, _ := json.Marshal(struct {
		T record.Targets
		P *pricing.Prices
		C map[string]float64
	}{o.Targets, o.Prices, o.CategoryWeights})
	return string(b)
}

func runRef(r *record.Report) RunRef {
	s := r.Run.Suite.Name
	if r.Run.Suite.Version != "" {
		s += "@" + r.Run.Suite.Version
	}
	return RunRef{ID: r.Run.ID, Model: r.Run.Model, Target: r.Run.Target, Suite: s, Tasks: len(r.Tasks)}
}

// pairTasks matches tasks by id, in (category, id) order so that the
// bootstrap's draws do not depend on report order.
func pairTasks(base, next []record.TaskResult) (pairs []pair, onlyBase, onlyNew []string, dups int) {
	byID := map[string]*record.TaskResult{}
	for i := range next {
		if _, ok := byID[next[i].ID]; ok {
			dups++
			continue
		}
		byID[next[i].ID] = &next[i]
	}
	seen := map[string]bool{}
	for i := range base {
		b := &base[i]
		if seen[b.ID] {
			dups++
			continue
		}
		seen[b.ID] = true
		if n, ok := byID[b.ID]; ok {
			pairs = append(pairs, pair{id: b.ID, category: b.Category, base: b, new: n})
		} else {
			onlyBase = append(onlyBase, b.ID)
		}
	}
	for id := range byID {
		if !seen[id] {
			onlyNew = append(onlyNew, id)
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		return cmp.Or(cmp.Compare(a.category, b.category), cmp.Compare(a.id, b.id))
	})
	sort.Strings(onlyBase)
	sort.Strings(onlyNew)
	if onlyBase == nil {
		onlyBase = []string{}
	}
	if onlyNew == nil {
		onlyNew = []string{}
	}
	return pairs, onlyBase, onlyNew, dups
}

// compareDimensions runs the paired, category-stratified bootstrap of
// every dimension and the composite.
func compareDimensions(pairs []pair, sopts scorer.Options, o CompareOptions) []CompareRow {
	n := len(pairs)
	w := sopts.Weights
	catN := map[string]int{}
	for _, p := range pairs {
		catN[p.category]++
	}
	cb, cn := make([]contribution, n), make([]contribution, n)
	baseTasks, newTasks := make([]record.TaskResult, n), make([]record.TaskResult, n)
	for i, p := range pairs {
		cb[i], cn[i] = contributionOf(*p.base, sopts, catN), contributionOf(*p.new, sopts, catN)
		baseTasks[i], newTasks[i] = *p.base, *p.new
	}
	vb, vn := dimValues(cb, nil, w), dimValues(cn, nil, w)
	diffs := bootstrapDimDiffs(cb, cn, categoryStrata(pairs), w, o)
	ob, on := officialDimValues(baseTasks, newTasks, sopts)

	rows := make([]CompareRow, 0, 6)
	names := dimNames()
	nd := len(names) - 1
	order := []int{nd} // composite first, as reports print it
	for d := range nd {
		order = append(order, d)
	}
	for _, d := range order {
		r := CompareRow{Name: names[d], Kind: KindDimension, Unit: "points", Better: directionHigher,
			Base: vb[d], New: vn[d], Diff: vn[d] - vb[d], Test: TestBootstrap}
		members := 0
		for i := range pairs {
			if d == nd || cb[i].weight[d] > 0 || cn[i].weight[d] > 0 {
				members++
			}
		}
		r.N = members
		if members == 0 {
			r.Verdict, r.Note = VerdictNotTested, "no paired task counts towards this dimension"
			rows = append(rows, r)
			continue
		}
		s := slices.Clone(diffs[d])
		slices.Sort(s)
		ci := stats.PercentileCI(s)
		r.CI95 = &ci
		r.P = stats.BootstrapP(s)
		r.draws = s
		if math.Abs(ob[d]-vb[d]) > 1e-6 || math.Abs(on[d]-vn[d]) > 1e-6 {
			r.Note = fmt.Sprintf("the scorer gives %.2f → %.2f on these tasks; its formula is not a plain mean over tasks, so the test approximates it", ob[d], on[d])
		}
		rows = append(rows, r)
	}
	return rows
}

// categoryStrata is the strata of the stratified bootstrap: each run of
// one category in the pairs' (category, id) order.
func categoryStrata(pairs []pair) []stats.Stratum {
	var strata []stats.Stratum
	for i := range pairs {
		if i == 0 || pairs[i].category != pairs[i-1].category {
			strata = append(strata, stats.Stratum{Start: i})
		}
		strata[len(strata)-1].N++
	}
	return strata
}

// bootstrapDimDiffs draws o.Resamples stratified resamples of the pairs
// and returns, per dimension (dimValues' order), the new-minus-base
// differences of the resampled values.
func bootstrapDimDiffs(cb, cn []contribution, strata []stats.Stratum, w record.Weights, o CompareOptions) [][]float64 {
	diffs := make([][]float64, len(dimNames()))
	for d := range diffs {
		diffs[d] = make([]float64, 0, o.Resamples)
	}
	rng := rand.New(rand.NewPCG(o.Seed, compareStreamWord))
	stats.StratifiedBootstrap(rng, len(cb), o.Resamples, strata, func(counts []float64) {
		b, nw := dimValues(cb, counts, w), dimValues(cn, counts, w)
		for d := range diffs {
			diffs[d] = append(diffs[d], nw[d]-b[d])
		}
	})
	return diffs
}

// officialDimValues is the scorer's own point values of both task sets,
// in dimValues' order. The decomposition must reproduce them; if a
// formula stops being a mean over tasks, the comparison says so rather
// than test something else than what the report shows.
func officialDimValues(baseTasks, newTasks []record.TaskResult, sopts scorer.Options) (ob, on []float64) {
	point := sopts
	point.Bootstrap = record.Bootstrap{Resamples: 1}
	sb, sn := scorer.ScoreWith(baseTasks, point), scorer.ScoreWith(newTasks, point)
	official := func(s record.Scores) []float64 {
		var out []float64
		for _, d := range append(record.DefaultDimensions(), record.Composite) {
			out = append(out, s[d].Value)
		}
		return out
	}
	return official(sb), official(sn)
}

// compareMetricRow runs the Wilcoxon signed-rank test on one metric over
// the paired tasks where both runs have it.
func compareMetricRow(pairs []pair, m compareMetric) CompareRow {
	r := CompareRow{Name: m.name, Kind: KindMetric, Unit: m.unit, Better: m.better, Feeds: m.feeds, Test: TestWilcoxon}
	var bs, ns, ds []float64
	for _, p := range pairs {
		b, okb := m.value(p.base)
		n, okn := m.value(p.new)
		if okb && okn {
			bs, ns, ds = append(bs, b), append(ns, n), append(ds, n-b)
		}
	}
	r.N = len(ds)
	if r.N == 0 {
		r.Verdict, r.Note = VerdictNotTested, "no paired task has this metric in both runs"
		return r
	}
	r.diffs = ds
	r.Base, r.New, r.Diff = stats.InterpMedian(bs), stats.InterpMedian(ns), stats.InterpMedian(ds)
	if r.Base != 0 {
		rel := r.Diff / math.Abs(r.Base) * 100
		r.RelPct = &rel
	}
	z, p := stats.WilcoxonSignedRank(ds)
	r.Z, r.P = &z, p
	if r.N < 10 {
		r.Note = "fewer than 10 pairs: the normal approximation is rough"
	}
	return r
}

// holm fills PHolm for every tested row with stats.Holm over the tested
// rows' p-values and returns how many were tested: the Holm family.
func holm(rows []CompareRow) int {
	var idx []int
	var ps []float64
	for i, r := range rows {
		if r.Verdict != VerdictNotTested {
			idx = append(idx, i)
			ps = append(ps, r.P)
		}
	}
	for k, adj := range stats.Holm(ps) {
		rows[idx[k]].PHolm = adj
	}
	return len(idx)
}

// judge sets a tested row's verdict from its corrected p-value, its
// direction and its threshold.
func judge(r *CompareRow, alpha float64, th Thresholds) {
	if r.Verdict == VerdictNotTested {
		return
	}
	if f, ok := th[r.Name]; ok && f > 0 {
		r.Floor = &f
	}
	r.Verdict = VerdictNoChange
	// A metric's direction is the test's (the sign of z): with many tied
	// pairs the median difference can be 0 while the ranks are not.
	up := r.Diff > 0
	if r.Z != nil {
		up = *r.Z > 0
	}
	significant := r.PHolm < alpha
	if len(r.draws) > 0 {
		// The printed interval decides, so it cannot contradict the verdict.
		a := alpha * r.P / max(r.PHolm, r.P)
		ci := stats.CentralInterval(r.draws, a)
		r.CIHolm = &ci
		significant = ci[0] > 0 || ci[1] < 0
	}
	if !significant || (r.Z == nil && r.Diff == 0) || (r.Z != nil && *r.Z == 0) {
		return
	}
	if r.Floor != nil {
		size := math.Abs(r.Diff)
		if r.Kind == KindMetric {
			if r.RelPct == nil {
				size = math.Inf(1)
			} else {
				size = math.Abs(*r.RelPct)
			}
		}
		if size < *r.Floor {
			r.Note = strings.TrimSpace(r.Note + " significant but below the threshold")
			return
		}
	}
	better := up
	if r.Better == directionLower {
		better = !better
	}
	if better {
		r.Verdict = VerdictImproved
	} else {
		r.Verdict = VerdictRegressed
	}
}

// tooFew turns a "no significant change" into "too few tasks to decide"
// when the row's test had too little power: it estimates the paired tasks
// a test at the Bonferroni level alpha/tests (a conservative stand-in for
// the row's Holm level) needs to detect, with 80% power, a change as large
// as the one observed or the smallest change that matters (the row's
// floor, at least powerPoints points or powerPct of the base median),
// whichever is larger. More than the
// tasks paired: too few to decide. A dimension's per-task spread comes
// from its bootstrap (SE·√n); a metric's from its paired differences,
// over the Wilcoxon test's efficiency (3/π against the t-test), and never
// below the least n at which the signed-rank test can reach the level.
func tooFew(r *CompareRow, alpha float64, tests int) {
	if r.Verdict != VerdictNoChange || r.N == 0 || tests == 0 {
		return
	}
	a := alpha / float64(tests)
	need := 0
	switch {
	case len(r.draws) > 1:
		floor := powerPoints
		if r.Floor != nil {
			floor = max(floor, *r.Floor)
		}
		effect := max(math.Abs(r.Diff), floor)
		sd := stat.StdDev(r.draws, nil) * math.Sqrt(float64(r.N))
		if effect == 0 || sd == 0 {
			return
		}
		need = int(math.Ceil(stats.PairedSampleSize(a, comparePower, sd, effect)))
	case len(r.diffs) > 0:
		pct := powerPct
		if r.Floor != nil {
			pct = max(pct, *r.Floor)
		}
		mean, sd := stat.MeanStdDev(r.diffs, nil)
		effect := max(math.Abs(mean), math.Abs(r.Base)*pct/100)
		if effect == 0 {
			return
		}
		if len(r.diffs) > 1 && sd > 0 {
			need = int(math.Ceil(stats.PairedSampleSize(a, comparePower, sd, effect) * math.Pi / 3))
		}
		need = max(need, stats.WilcoxonMinN(a))
	}
	if need > r.N {
		r.Need = need
		r.Verdict = VerdictTooFew
		r.Note = strings.TrimSuffix(strings.TrimSpace(fmt.Sprintf("n=%d, need ≈%d; %s", r.N, need, r.Note)), ";")
	}
}

// fmtVal shows a value in its unit: dollars with three significant
// digits (a task costs fractions of a cent), the rest to one decimal.
func fmtVal(v float64, unit string) string {
	if unit == "USD" {
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func fmtDiff(r CompareRow) string {
	s := fmtSigned(r.Diff, r.Unit)
	if r.RelPct != nil {
		s += fmt.Sprintf(" (%+.1f%%)", *r.RelPct)
	}
	return s
}

func fmtSigned(v float64, unit string) string {
	s := fmtVal(v, unit)
	if v >= 0 && !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}

// fmtFloor shows a row's practical-significance floor in its unit.
func fmtFloor(r CompareRow) string {
	switch {
	case r.Floor == nil:
		return "-"
	case r.Kind == KindMetric:
		return strconv.FormatFloat(*r.Floor, 'g', 3, 64) + "%"
	}
	return strconv.FormatFloat(*r.Floor, 'g', 3, 64)
}

func fmtP(p float64) string {
	if p < 1e-4 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}

// fmtCI shows the Holm-level interval, the one the verdict rests on.
func fmtCI(r CompareRow) string {
	ci := r.CIHolm
	if ci == nil {
		ci = r.CI95
	}
	if ci == nil {
		return "-"
	}
	return "[" + fmtSigned(ci[0], r.Unit) + ", " + fmtSigned(ci[1], r.Unit) + "]"
}

func (c *Comparison) header() []string {
	lines := []string{
		fmt.Sprintf("base  %s  model %s  suite %s  tasks %d", c.Base.ID, c.Base.Model, c.Base.Suite, c.Base.Tasks),
		fmt.Sprintf("new   %s  model %s  suite %s  tasks %d", c.New.ID, c.New.Model, c.New.Suite, c.New.Tasks),
		fmt.Sprintf("paired tasks %d (only in base %d, only in new %d); Holm over %d tests at alpha %g; %d paired bootstrap resamples",
			c.Paired, len(c.OnlyBase), len(c.OnlyNew), c.Tests, c.Alpha, c.Resamples),
	}
	return lines
}

// CompareText writes the comparison as an aligned table.
func CompareText(c *Comparison) func(io.Writer) error {
	return func(w io.Writer) error {
		var b strings.Builder
		for _, l := range c.header() {
			b.WriteString(l + "\n")
		}
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tBASE\tNEW\tDIFF\tCI_HOLM\tTEST\tN\tP\tP_HOLM\tFLOOR\tVERDICT")
		for _, r := range c.Rows {
			note := r.Verdict
			if r.Note != "" {
				note += " (" + r.Note + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.Name, fmtVal(r.Base, r.Unit), fmtVal(r.New, r.Unit),
				fmtDiff(r), fmtCI(r), shortTest(r.Test), r.N, fmtP(r.P), fmtP(r.PHolm), fmtFloor(r), note)
		}
		tw.Flush()
		for _, n := range c.Notes {
			b.WriteString("note: " + n + "\n")
		}
		b.WriteString(c.summary() + "\n")
		_, err := io.WriteString(w, b.String())
		if err != nil {
			return fmt.Errorf("write comparison: %w", err)
		}
		return nil
	}
}

func shortTest(t string) string {
	if t == TestWilcoxon {
		return "wilcoxon"
	}
	return "bootstrap"
}

func (c *Comparison) summary() string {
	var reg, imp []string
	for _, r := range c.Rows {
		name := r.Name
		if r.Feeds != "" {
			name += " (" + r.Feeds + ")"
		}
		switch r.Verdict {
		case VerdictRegressed:
			reg = append(reg, name)
		case VerdictImproved:
			imp = append(imp, name)
		}
	}
	if len(reg) == 0 && len(imp) == 0 {
		var few []string
		for _, r := range c.Rows {
			if r.Verdict == VerdictTooFew && (r.Kind == KindDimension || r.Feeds != "") {
				few = append(few, fmt.Sprintf("%s (n=%d, need ≈%d)", r.Name, r.N, r.Need))
			}
		}
		if len(few) > 0 {
			return "verdict: too few tasks to decide: " + strings.Join(few, ", ")
		}
		return "verdict: no significant change"
	}
	var parts []string
	if len(reg) > 0 {
		parts = append(parts, "regressed: "+strings.Join(reg, ", "))
	}
	if len(imp) > 0 {
		parts = append(parts, "improved: "+strings.Join(imp, ", "))
	}
	return "verdict: " + strings.Join(parts, "; ")
}

// CompareMarkdown writes the comparison as a Markdown table.
func CompareMarkdown(c *Comparison) func(io.Writer) error {
	return func(w io.Writer) error {
		var b strings.Builder
		b.WriteString("## janus compare\n\n")
		for _, l := range c.header() {
			b.WriteString("- " + mdEscape(l) + "\n")
		}
		b.WriteString("\n| name | base | new | diff | CI (Holm level) | test | n | p | p (Holm) | floor | verdict |\n")
		b.WriteString("|---|---:|---:|---:|---|---|---:|---:|---:|---:|---|\n")
		for _, r := range c.Rows {
			v := r.Verdict
			switch v {
			case VerdictRegressed:
				v = "**regressed**"
			case VerdictImproved:
				v = "**improved**"
			}
			if r.Note != "" {
				v += " (" + r.Note + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |\n", r.Name, fmtVal(r.Base, r.Unit),
				fmtVal(r.New, r.Unit), fmtDiff(r), fmtCI(r), shortTest(r.Test), r.N, fmtP(r.P), fmtP(r.PHolm), fmtFloor(r), mdEscape(v))
		}
		b.WriteString("\n")
		for _, n := range c.Notes {
			b.WriteString("> " + mdEscape(n) + "\n")
		}
		b.WriteString("**" + c.summary() + "**\n")
		if _, err := io.WriteString(w, b.String()); err != nil {
			return fmt.Errorf("write comparison: %w", err)
		}
		return nil
	}
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// CompareJSON writes the comparison as indented JSON.
func CompareJSON(c *Comparison) func(io.Writer) error {
	return func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(c); err != nil {
			return fmt.Errorf("write comparison: %w", err)
		}
		return nil
	}
}

// suiteNote says how two runs' suites differ: tasks generated from two
// seeds share ids but not content, so pairing them by id compares the
// tasks as much as the targets.
func suiteNote(base, next record.Run) string {
	if base.Seed != next.Seed && (base.SeedPolicy == record.SeedFresh || base.SeedPolicy == record.SeedFixed) {
		return fmt.Sprintf("the runs' tasks were generated from different seeds (%d and %d): tasks with the same id are different tasks; "+
			"for a paired comparison run both with one --seed", base.Seed, next.Seed)
	}
	return "the runs used different suite versions; only tasks with the same id are paired"
}
