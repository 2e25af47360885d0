package scorer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/janus-bench/janus/record"
)

// DimensionEvaluator scores one dimension of one run. The dimension's
// value over any multiset of the run's tasks (the run itself, or a
// bootstrap resample) is Σ num / Σ den of its tasks' Task shares, ×100,
// clamped to [0, 100] (0 when Σ den is 0); its N is the number of tasks
// with den > 0. Shares are computed once per task, which is what lets
// the bootstrap redraw task indices only.
type DimensionEvaluator interface {
	// Task is t's share of the dimension.
	Task(t *record.TaskResult) (num, den float64)
	// Annotate adds what the value alone does not say (a note, the
	// coverage) to the run's point estimate d.
	Annotate(d *record.Score)
}

// NewEvaluator prepares a dimension's evaluator for one run's tasks under
// o (with its defaults applied).
type NewEvaluator func(tasks []record.TaskResult, o Options) DimensionEvaluator

// DimensionSpec is a dimension and how it is scored.
type DimensionSpec struct {
	Name record.Dimension
	New  NewEvaluator
}

// Dimensions are the dimensions a score computes, in their report order.
// A caller can score a dimension of its own by appending a DimensionSpec
// to DefaultDimensions and passing the result in Options; nothing else
// needs to know it.
type Dimensions []DimensionSpec

// Names are ds' dimension names in order.
func (ds Dimensions) Names() []record.Dimension {
	out := make([]record.Dimension, len(ds))
	for i, d := range ds {
		out[i] = d.Name
	}
	return out
}

// DefaultDimensions are record.DefaultDimensions, each with its evaluator.
// It panics if a default dimension has none: a dimension added to the list
// without an evaluator is a build that must not score.
func DefaultDimensions() Dimensions {
	evs := evaluators()
	var out Dimensions
	for _, name := range record.DefaultDimensions() {
		ev, ok := evs[name]
		if !ok {
			panic(fmt.Sprintf("scorer: dimension %q has no evaluator", name))
		}
		out = append(out, DimensionSpec{Name: name, New: ev})
	}
	return out
}

// evaluators are the default dimensions' evaluators, by name
// (docs/SCORING.md defines each).
func evaluators() map[record.Dimension]NewEvaluator {
	return map[record.Dimension]NewEvaluator{
		record.Quality: newQualityEval,
		record.Speed: PerTask("no tasks", func(t *record.TaskResult, o Options) (float64, bool) {
			return speedTask(*t, o.Targets), true
		}),
		record.Cost: newCostEval,
		record.Streaming: PerTask("no streamed tasks", func(t *record.TaskResult, o Options) (float64, bool) {
			if !t.Stream {
				return 0, false
			}
			return streamTaskNoise(*t, o.Targets, o.TimingNoiseMs), true
		}),
		record.Multimodal: PerTask("no multimodal tasks in this suite", func(t *record.TaskResult, _ Options) (float64, bool) {
			if !isMultimodalTask(*t) {
				return 0, false
			}
			return clamp01(t.Score), true
		}),
	}
}

// PerTask is the evaluator of a dimension that is the plain mean of a
// per-task score in [0, 1] over the tasks it counts (counts false leaves
// a task out); empty is the note when it counts none.
func PerTask(empty string, score func(t *record.TaskResult, o Options) (v float64, counts bool)) NewEvaluator {
	return func(_ []record.TaskResult, o Options) DimensionEvaluator {
		return perTask{o: o, empty: empty, score: score}
	}
}

// perTask is PerTask's evaluator.
type perTask struct {
	o     Options
	empty string
	score func(*record.TaskResult, Options) (float64, bool)
}

// Task is t's score with weight 1, or nothing when it does not count.
func (p perTask) Task(t *record.TaskResult) (num, den float64) {
	v, ok := p.score(t, p.o)
	if !ok {
		return 0, 0
	}
	return v, 1
}

// Annotate notes that no task counted.
func (p perTask) Annotate(d *record.Score) {
	if d.N == 0 {
		d.Note = p.empty
	}
}

// qualityEval is Quality: the category-weighted mean evaluator score of
// quality and tools tasks (qualityWeights).
type qualityEval struct {
	weights    map[string]float64
	unweighted []string
}

func newQualityEval(tasks []record.TaskResult, o Options) DimensionEvaluator {
	q := qualityEval{weights: qualityWeights(tasks, o.CategoryWeights)}
	for cat, w := range q.weights {
		if w == 0 {
			q.unweighted = append(q.unweighted, cat)
		}
	}
	slices.Sort(q.unweighted)
	return q
}

// Task is a quality or tools task's score at its category's weight.
func (q qualityEval) Task(t *record.TaskResult) (num, den float64) {
	if !isQualityTask(*t) {
		return 0, 0
	}
	w := q.weights[t.Category]
	return w * clamp01(t.Score), w
}

// Annotate notes a suite without quality tasks and categories weighted 0.
func (q qualityEval) Annotate(d *record.Score) {
	if d.N == 0 {
		d.Note = "no quality or tools tasks in this suite"
	}
	if len(q.unweighted) > 0 {
		d.Note = strings.TrimSpace(d.Note + " categories weighted 0: " + strings.Join(q.unweighted, ", "))
	}
}

// costEval is Cost: every task's cost per unit of quality (costTaskWith),
// with the run's compute cost shared evenly, and notes on how the tasks'
// costs were known.
type costEval struct {
	o     Options
	n     int
	share float64
	// covered tasks had their cost; counted were priced from janus's own
	// count without a usage to cross-check; under under-reported theirs.
	covered, counted, under int
}

func newCostEval(tasks []record.TaskResult, o Options) DimensionEvaluator {
	c := &costEval{o: o, n: len(tasks)}
	if len(tasks) > 0 && o.ComputeUSD > 0 {
		c.share = o.ComputeUSD / float64(len(tasks))
	}
	for i := range tasks {
		t := &tasks[i]
		if _, ok := costTaskWith(t, o.Targets, *o.Prices, o.Model, c.share); ok {
			c.covered++
		}
		if t.Metrics.AnswerTokens != nil && t.Usage == nil {
			c.counted++
		}
		if CostUnderReport(t, *o.Prices, o.Model) != "" {
			c.under++
		}
	}
	return c
}

// Task is every task's cost score, at weight 1.
func (c *costEval) Task(t *record.TaskResult) (num, den float64) {
	v, _ := costTaskWith(t, c.o.Targets, *c.o.Prices, c.o.Model, c.share)
	return v, 1
}

// Annotate sets the coverage and notes how the costs were known.
func (c *costEval) Annotate(d *record.Score) {
	if c.n == 0 {
		d.Note = "no tasks"
		return
	}
	cov := float64(c.covered) / float64(c.n)
	d.Coverage = &cov
	switch missing := c.n - c.covered; {
	case missing == 1:
		d.Note = "1 task reported no usage"
	case missing > 1:
		d.Note = fmt.Sprintf("%d tasks reported no usage", missing)
	}
	if c.counted > 0 {
		d.Note = strings.TrimSpace(d.Note + fmt.Sprintf(" %d task(s) reported no usage: priced from janus's token count", c.counted))
	}
	if c.under > 0 {
		d.Note = strings.TrimSpace(d.Note + fmt.Sprintf(" %d task(s) under-reported usage or cost: scored 0 on cost", c.under))
	}
	if c.o.ComputeUSD > 0 {
		d.Note = strings.TrimSpace(d.Note + fmt.Sprintf(" includes compute cost $%.6f (container CPU-seconds and GB-seconds at the price table's compute prices, shared by %d tasks)", c.o.ComputeUSD, c.n))
	}
}
