package scorer

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/janus-bench/janus/pricing"
	"github.com/janus-bench/janus/record"
	"github.com/janus-bench/janus/stats"
)

// Options are everything besides the task results that scores depend on.
// The zero value means the documented defaults throughout.
type Options struct {
	// Weights of the composite; zero means DefaultWeights.
	Weights record.Weights
	// Targets of speed, streaming and cost; zero fields take their
	// defaults.
	Targets record.Targets
	// Prices price tokens when a target reports no cost_usd; nil means
	// DefaultPrices.
	Prices *pricing.Prices
	// Model selects the per-model entry of Prices.
	Model string
	// CategoryWeights weigh quality's categories (see Quality); nil or an
	// empty map means every quality task counts the same.
	CategoryWeights map[string]float64
	// Bootstrap configures the confidence intervals.
	Bootstrap record.Bootstrap
	// ComputeUSD is the run's compute cost (a container's CPU-seconds and
	// GB-seconds at Prices' compute prices, Prices.ComputeCost), shared
	// evenly by the tasks' costs; zero leaves cost to tokens alone.
	ComputeUSD float64
	// TimingNoiseMs is the harness's own gap timing error on this machine
	// (the selftest's gap error p99 at the run's concurrency). The
	// variance it adds to a stream's inter-token gaps is taken out of
	// continuity's evenness, so a deterministic target's streaming score
	// does not fall with the harness machine's load (docs/SCORING.md §5).
	TimingNoiseMs float64
	// Dimensions are the dimensions scored, in order; nil means
	// DefaultDimensions. A weight naming a dimension outside them is not
	// used.
	Dimensions Dimensions
}

// WithDefaults returns o with every zero field replaced by its default,
// which is what a score is computed with and what a report records.
func (o Options) WithDefaults() Options { return o.withDefaults() }

func (o Options) withDefaults() Options {
	if o.Weights.IsZero() {
		o.Weights = record.DefaultWeights()
	}
	if o.Dimensions == nil {
		o.Dimensions = DefaultDimensions()
	}
	o.Targets = o.Targets.WithDefaults()
	if o.Prices == nil {
		p := pricing.DefaultPrices()
		o.Prices = &p
	}
	o.Bootstrap = o.Bootstrap.WithDefaults()
	return o
}

// frame holds every task's share (num, den) of every dimension, computed
// once, in canonical task order (CanonicalOrder). A dimension's value for
// any multiset of tasks is then a ratio of count-weighted column sums,
// which is what lets the bootstrap resample indices only, and what makes
// the point estimate (every count 1) independent of the order tasks came
// in.
type frame struct {
	n      int
	names  []record.Dimension
	evals  []DimensionEvaluator
	num    [][]float64
	den    [][]float64
	strata []stratum
}

// stratum is a run of tasks of one stratum (StratumOf) in canonical order.
type stratum struct{ start, n int }

// newFrame builds the frame of tasks under o (with defaults applied).
func newFrame(tasks []record.TaskResult, o Options) *frame {
	order, strata := canonical(tasks)
	f := &frame{n: len(tasks), strata: strata, names: o.Dimensions.Names()}
	for _, d := range o.Dimensions {
		ev := d.New(tasks, o)
		num, den := make([]float64, len(tasks)), make([]float64, len(tasks))
		for k, i := range order {
			num[k], den[k] = ev.Task(&tasks[i])
		}
		f.evals = append(f.evals, ev)
		f.num, f.den = append(f.num, num), append(f.den, den)
	}
	return f
}

// qualityWeights gives each quality category present in tasks its per-task
// weight. Without category weights every task weighs 1 (quality is the
// plain mean over tasks). With them, a category c with weight W_c and n_c
// tasks gives each of its tasks W_c / n_c, so quality is Σ W_c·mean_c /
// Σ W_c: the weights set each category's share whatever its task count. A
// category the weights do not name weighs 1.
func qualityWeights(tasks []record.TaskResult, cw map[string]float64) map[string]float64 {
	n := map[string]int{}
	for _, t := range tasks {
		if isQualityTask(t) {
			n[t.Category]++
		}
	}
	out := make(map[string]float64, len(n))
	for cat, k := range n {
		if len(cw) == 0 {
			out[cat] = 1
			continue
		}
		w, ok := cw[cat]
		if !ok || math.IsNaN(w) || math.IsInf(w, 0) {
			w = 1
		}
		out[cat] = math.Max(0, w) / float64(k)
	}
	return out
}

// QualityCategoryWeights picks the quality category weights out of a
// suite's weights map: the keys that name a quality category
// ("quality/code", "tools"). The map's other keys (the composite's
// dimension names) are not category weights and are left out.
func QualityCategoryWeights(m map[string]float64) map[string]float64 {
	var out map[string]float64
	for k, v := range m {
		if isQualityTask(record.TaskResult{Category: k}) && k != "quality" {
			if out == nil {
				out = map[string]float64{}
			}
			out[k] = v
		}
	}
	return out
}

// colSum adds up col weighted by counts (nil: every count 1), in
// canonical order, with plain sequential float64 additions.
func colSum(col, counts []float64) float64 {
	var acc float64
	if counts == nil {
		for _, x := range col {
			acc += x
		}
		return acc
	}
	for k, x := range col {
		acc += counts[k] * x
	}
	return acc
}

// ratio is Σnum/Σden as a 0–100 score, 0 when there is nothing to average.
func ratio(num, den float64) float64 {
	if !(den > 0) {
		return 0
	}
	return clamp01(num/den) * 100
}

// values are the dimension values, in the frame's order, of the multiset
// given by counts.
func (f *frame) values(counts []float64) []float64 {
	v := make([]float64, len(f.names))
	for d := range f.names {
		v[d] = ratio(colSum(f.num[d], counts), colSum(f.den[d], counts))
	}
	return v
}

// point is the frame's dimensions (without the composite or intervals):
// values, task counts and each evaluator's annotations.
func (f *frame) point() record.Scores {
	v := f.values(nil)
	s := record.Scores{}
	for d, name := range f.names {
		sc := record.Score{Value: v[d]}
		for _, x := range f.den[d] {
			if x > 0 {
				sc.N++
			}
		}
		f.evals[d].Annotate(&sc)
		s[name] = sc
	}
	return s
}

// CanonicalOrder returns the indices of tasks sorted by bootstrap stratum
// (StratumOf), category, id and, for duplicates, their JSON form: the
// order every sum and every bootstrap draw walks, so that shuffling a
// report's tasks cannot change a score in its last bit.
func CanonicalOrder(tasks []record.TaskResult) []int {
	order, _ := canonical(tasks)
	return order
}

// StratumOf names the bootstrap stratum of each task: its category, or,
// for a category with a single task, the pool of such singletons of its
// dimension group ("~quality" for quality/* and tools, "~multimodal",
// "~other"). A stratum of one task would always redraw that task and add
// no variance; pooling singletons within a group keeps each resample's
// count of quality and multimodal tasks fixed, as stratifying means to.
func StratumOf(tasks []record.TaskResult) []string {
	n := map[string]int{}
	for _, t := range tasks {
		n[t.Category]++
	}
	out := make([]string, len(tasks))
	for i, t := range tasks {
		switch {
		case n[t.Category] > 1:
			out[i] = t.Category
		case isQualityTask(t):
			out[i] = "~quality"
		case isMultimodalTask(t):
			out[i] = "~multimodal"
		default:
			out[i] = "~other"
		}
	}
	return out
}

// canonical is CanonicalOrder and the strata it lays out: runs of one
// stratum.
func canonical(tasks []record.TaskResult) ([]int, []stratum) {
	strat := StratumOf(tasks)
	idx := make([]int, len(tasks))
	for i := range idx {
		idx[i] = i
	}
	var enc map[int][]byte
	key := func(i int) []byte {
		if enc == nil {
			enc = map[int][]byte{}
		}
		b, ok := enc[i]
		if !ok {
			b, _ = json.Marshal(tasks[i])
			enc[i] = b
		}
		return b
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ta, tb := &tasks[a], &tasks[b]
		if c := cmp.Compare(strat[a], strat[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(ta.Category, tb.Category); c != 0 {
			return c
		}
		if c := cmp.Compare(ta.ID, tb.ID); c != 0 {
			return c
		}
		return bytes.Compare(key(a), key(b))
	})
	var strata []stratum
	for k, i := range idx {
		if k == 0 || strat[idx[k-1]] != strat[i] {
			strata = append(strata, stratum{start: k})
		}
		strata[len(strata)-1].n++
	}
	return idx, strata
}

// Quality is the mean evaluator score over quality and tools tasks, ×100.
// Failed requests count with score 0: an answer that never arrived is a
// wrong answer. Streaming, cost and multimodal tasks are checked too, but
// their correctness is credited in their own dimensions. See
// QualityWeighted for per-category weights.
func Quality(tasks []record.TaskResult) record.Score {
	return newFrame(tasks, Options{}.withDefaults()).point()[record.Quality]
}

// QualityWeighted is Quality with per-category weights: Σ W_c·mean_c /
// Σ W_c over the quality categories present, where a category the map does
// not name weighs 1 and a negative weight counts as 0. With an empty map
// it is Quality.
func QualityWeighted(tasks []record.TaskResult, categoryWeights map[string]float64) record.Score {
	return newFrame(tasks, Options{CategoryWeights: categoryWeights}.withDefaults()).point()[record.Quality]
}

// Speed is the mean of each task's speed score over every task, ×100.
// Failed tasks stay in the mean at 0, so a target cannot raise its speed
// by failing the slow tasks.
func Speed(tasks []record.TaskResult, tg record.Targets) record.Score {
	return newFrame(tasks, Options{Targets: tg}.withDefaults()).point()[record.Speed]
}

// Streaming is the mean of each streamed task's streaming score, ×100. A
// run with stream:false has no streamed tasks and scores 0 here, with a
// note: it did not show it can stream.
func Streaming(tasks []record.TaskResult, tg record.Targets) record.Score {
	return newFrame(tasks, Options{Targets: tg}.withDefaults()).point()[record.Streaming]
}

// Cost is the mean over every task of its cost per unit of quality scored
// against the target cost per correct answer, ×100, at DefaultPrices (see
// CostWith). Coverage is the share of tasks that reported usable usage.
func Cost(tasks []record.TaskResult, tg record.Targets) record.Score {
	return CostWith(tasks, tg, pricing.DefaultPrices(), "")
}

// CostWith is Cost with a price table and the model it prices.
func CostWith(tasks []record.TaskResult, tg record.Targets, prices pricing.Prices, model string) record.Score {
	return newFrame(tasks, Options{Targets: tg, Prices: &prices, Model: model}.withDefaults()).point()[record.Cost]
}

// Multimodal is the mean evaluator score of multimodal tasks, ×100. A
// suite without them scores 0 with a note, never a neutral value.
func Multimodal(tasks []record.TaskResult) record.Score {
	return newFrame(tasks, Options{}.withDefaults()).point()[record.Multimodal]
}

// compositeValue is Σ wᵢ·valueᵢ / Σ wᵢ over values of the dimensions
// names, in their order, with negative or non-finite weights counted as 0,
// clamped to [0, 100]; ok is false when every weight is 0.
func compositeValue(v []float64, names []record.Dimension, w record.Weights) (value float64, ok bool) {
	var num, den float64
	for i, name := range names {
		wt := w[name]
		if !(wt > 0) || math.IsInf(wt, 0) {
			continue
		}
		num += wt * v[i]
		den += wt
	}
	if den == 0 {
		return 0, false
	}
	return math.Min(100, math.Max(0, num/den)), true
}

// Composite is Σ wᵢ·valueᵢ / Σ wᵢ over the dimensions of s (every default
// dimension, and any other s holds: record.Scores.Names). A dimension
// with no tasks keeps its weight and contributes 0: dropping it would
// renormalise the others upward, so a suite without multimodal tasks would
// score a target as if it had aced them. Negative weights count as 0. N is
// the largest dimension N, which is the number of tasks (speed and cost
// count every task).
func Composite(s record.Scores, w record.Weights) record.Score {
	return composite(s, s.Names(), w)
}

// composite is Composite over the dimensions names.
func composite(s record.Scores, names []record.Dimension, w record.Weights) record.Score {
	out := record.Score{}
	var empty []string
	v := make([]float64, len(names))
	for i, name := range names {
		d := s[name]
		v[i] = d.Value
		out.N = max(out.N, d.N)
		if x := w[name]; d.N == 0 && x > 0 && !math.IsInf(x, 0) {
			empty = append(empty, string(name))
		}
	}
	c, ok := compositeValue(v, names, w)
	if !ok {
		out.Note = "all weights are zero"
		return out
	}
	out.Value = c
	if len(empty) > 0 {
		out.Note = "no tasks for " + strings.Join(empty, ", ") + " (scored 0 at full weight)"
	}
	return out
}

// Score computes every dimension and the composite, each with its 95%
// bootstrap interval, from a run's task results at the default prices and
// bootstrap (ScoreWith has every option). It is pure: the same results in
// any order give bit-identical scores.
func Score(tasks []record.TaskResult, w record.Weights, tg record.Targets) record.Scores {
	return ScoreWith(tasks, Options{Weights: w, Targets: tg})
}

// ScoreWith computes every dimension and the composite from a run's task
// results, each with a 95% confidence interval from a stratified
// bootstrap over tasks (see Bootstrap). It is pure: the same results in
// any order, with the same options, give bit-identical scores.
func ScoreWith(tasks []record.TaskResult, o Options) record.Scores {
	o = o.withDefaults()
	f := newFrame(tasks, o)
	s := f.point()
	c := composite(s, f.names, o.Weights)
	c.N = len(tasks)

	nd := len(f.names)
	samples := make([][]float64, nd+1)
	for d := range samples {
		samples[d] = make([]float64, 0, o.Bootstrap.Resamples)
	}
	resample(o.Bootstrap, f.n, f.strata, func(counts []float64) {
		v := f.values(counts)
		for d := range v {
			samples[d] = append(samples[d], v[d])
		}
		cv, _ := compositeValue(v, f.names, o.Weights)
		samples[nd] = append(samples[nd], cv)
	})
	ci := func(d int, sc record.Score) record.Score {
		iv := [2]float64{sc.Value, sc.Value}
		if len(samples[d]) > 0 {
			iv = stats.PercentileCI(samples[d])
		}
		sc.CI95 = &iv
		return sc
	}
	for d, name := range f.names {
		s[name] = ci(d, s[name])
	}
	s[record.Composite] = ci(nd, c)
	return s
}
